/* libb.so: NEEDs liba.so and reads liba's thread-local a_counter directly (a GOT.mem
 * import of another module's TLS symbol); an over-aligned thread-local of its own. */
#include "host.h"

extern _Thread_local int a_counter;
_Thread_local int b_tls = 50;
_Alignas(16) _Thread_local long long b_wide = 5000000000LL;

int b_read_a(void) { return a_counter; }
/* b_tls += v; returns b_tls * 100 + a_counter. */
int b_mix(int v) {
  b_tls += v;
  return b_tls * 100 + a_counter;
}
void b_wide_add(int v) { b_wide += v; }
long long b_wide_get(void) { return b_wide; }
/* 1 when this thread's b_wide is 16-aligned (the block honours __tls_align). */
int b_wide_aligned(void) { return (corpus_addr(&b_wide) & 15) == 0; }
