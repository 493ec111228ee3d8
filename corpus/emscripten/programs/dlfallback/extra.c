// dlopen-only and NOT prelinked: the glue's own loader loads it from the embedded file
// system at run time, against the symbols of the (prelinked) program.
#include <stdio.h>

int helper_add(int a, int b);
extern int helper_calls;
int main_twice(int x);

static int calls_at_load = -1;

__attribute__((constructor)) static void extra_init(void) {
  calls_at_load = helper_calls;
  printf("extra ctor: helper_calls %d\n", calls_at_load);
}

int extra_run(int x) { return helper_add(x, main_twice(x)) + calls_at_load; }

// The address of a start-up library's function, as this late library sees it.
void *extra_helper_ptr(void) { return (void *)helper_add; }
