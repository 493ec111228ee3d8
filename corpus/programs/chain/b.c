/* libb.so: NEEDs libx.so. */
#include "host.h"

extern int x_table[4];
extern int x_sum;
int x_twice(int v);

int *b_ptr = &x_table[2]; /* data relocation into libx's data (with an addend) */
int b_value;              /* computed by the constructor; liba's constructor reads it */

int b_step(int v) { return x_twice(v) + *b_ptr; }

/* Needs libb's data relocations applied and libx's constructor already run. */
__attribute__((constructor)) static void b_init(void) {
  log_str("ctor libb");
  b_value = *b_ptr * 10 + x_sum;
  log_i32(b_value); /* 3 * 10 + 10 = 40 */
}
