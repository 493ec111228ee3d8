/* cycle: a cyclic NEEDED graph, which must link and run.
 * main NEEDs liba; liba NEEDs libb; libb NEEDs liba. (The build links liba once
 * without libb, links libb against that, then links liba again against libb.)
 * Mutual recursion across the two modules and data relocations in both directions. */
#include "host.h"

int a_is_even(unsigned n);
int a_reads_b(void);
int a_deref(void);
int a_calls_b_reads_a(void);

int run(void) {
  log_i32(a_is_even(10));        /* 1: a/b alternate down to a_is_even(0) */
  log_i32(a_is_even(7));         /* 0: ends in b_is_odd(0) */
  log_i32(a_reads_b());          /* 4 * 10 = 40 */
  log_i32(a_deref());            /* liba's pointer to libb's data: 4 */
  log_i32(a_calls_b_reads_a());  /* libb's pointer to liba's data: 3 * 100 = 300 */
  return 0;
}
