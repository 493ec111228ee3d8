/* libextra.so: not given to prelink; loaded at run time by the JavaScript runtime's
 * fallback loader when main calls dlopen("libextra.so"). It NEEDs libbase.so (which is
 * prelinked) and calls back into libbase and the main: functions and data, directly,
 * through GOT entries and through pointers in its relocated data. */
#include "host.h"

extern int base_counter;
int base_scale(int x);
int base_twice(int x);
extern int main_data;
int main_add(int a, int b);
void main_fill(int *out, int n);

int extra_ctor_runs;
int extra_table[4];
/* Data relocations, applied by the runtime (__wasm_apply_data_relocs). */
int *extra_main_data_ptr = &main_data;
int (*extra_main_add_ptr)(int, int) = main_add;
int (*extra_twice_ptr)(int) = base_twice;
static const char *extra_greeting = "hello from libextra";

/* Real work: fills a table from both the main's data and libbase's function, bumps a
 * counter in libbase, uses the stack (an address-taken array filled by main). */
__attribute__((constructor)) static void extra_init(void) {
  int tmp[4];
  main_fill(tmp, 4); /* tmp[i] = i + 1 */
  for (int i = 0; i < 4; i++) extra_table[i] = base_scale(tmp[i]) + *extra_main_data_ptr;
  base_counter++;
  extra_ctor_runs++;
  log_str("extra constructor ran");
}

int extra_compute(int x) {
  /* 3: main_add(3, 7) = 10; twice(10) = 20; + table[3] = 10*4 + 7 = 47 -> 67 */
  return extra_twice_ptr(extra_main_add_ptr(x, main_data)) + extra_table[3];
}

/* Function-pointer identity with the main's own &main_add. */
void *extra_main_add_address(void) { return (void *)main_add; }
const char *extra_get_greeting(void) { return extra_greeting; }
