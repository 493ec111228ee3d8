/* chain: a three-level NEEDED chain main -> liba -> libb -> libx.
 * Each module's constructor logs and uses what its dependency's constructor
 * computed, through data relocations (a pointer into libx's data in libb, a pointer
 * to libb's function in liba), so the expected output only holds if constructors
 * run dependency-first (libx, libb, liba, then main) with data relocations applied
 * before any constructor. run() then calls down the chain. */
#include "host.h"

extern int a_value;
int a_compute(int v);

int main_seen;

__attribute__((constructor)) static void main_init(void) {
  log_str("ctor main");
  main_seen = a_value + 1;
  log_i32(main_seen); /* 84 */
}

int run(void) {
  log_str("run");
  log_i32(main_seen);    /* 84 */
  log_i32(a_compute(5)); /* b_step(5) + a_value = (10 + 3) + 83 = 96 */
  return 0;
}
