/* libfn.so of the "fnptr" program. */
#include <stddef.h>
#include <string.h>

typedef int (*fn_t)(int);

int main_inc(int x);

int side_twice(int x) { return 2 * x; }
int side_thrice(int x) { return 3 * x; }

/* Initialised pointers in the side's data: relocated when the side is loaded. */
fn_t side_table[3] = {side_twice, main_inc, (fn_t)(void *)strlen};
fn_t side_saved;

fn_t side_get_twice(void) { return side_twice; }
fn_t side_get_thrice(void) { return side_thrice; }
fn_t side_get_main_inc(void) { return main_inc; }
size_t (*side_get_strlen(void))(const char *) { return strlen; }
int side_apply(fn_t f, int x) { return f(x) + 100; }
void side_save(fn_t f) { side_saved = f; }
