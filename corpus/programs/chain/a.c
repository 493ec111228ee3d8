/* liba.so: NEEDs libb.so (and so, indirectly, libx.so). */
#include "host.h"

extern int b_value;
int b_step(int v);

int (*a_fn)(int) = b_step; /* data relocation: pointer to libb's function */
int a_value;               /* computed by the constructor; main's constructor reads it */

int a_compute(int v) { return a_fn(v) + a_value; }

/* Calls libb through the relocated pointer, with libb's constructor's result. */
__attribute__((constructor)) static void a_init(void) {
  log_str("ctor liba");
  a_value = a_fn(b_value);
  log_i32(a_value); /* b_step(40) = x_twice(40) + x_table[2] = 80 + 3 = 83 */
}
