/* libx.so: bottom of the chain (main -> liba -> libb -> libx), needs nothing. */
#include "host.h"

int x_table[4] = {1, 2, 3, 4};
int x_sum; /* computed by the constructor; libb's constructor reads it */

int x_twice(int v) { return 2 * v; }

__attribute__((constructor)) static void x_init(void) {
  log_str("ctor libx");
  for (int i = 0; i < 4; i++) x_sum += x_table[i];
  log_i32(x_sum); /* 10 */
}
