/* libalign.so: over-aligned data (its dylink.0 mem_p2align is 8) and a large
 * zero-initialised array. */
#include "host.h"

_Alignas(64) int aligned64[4] = {1, 2, 3, 4};
_Alignas(256) char aligned256[8] = "abcdefg";
char align_tail = 7;
int big_zero[16384]; /* 64 KiB, must read as zero */

/* corpus_addr() hides the declared alignment, so these are computed at run time. */
int align_check64(void) { return corpus_addr(aligned64) % 64 == 0; }
int align_check256(void) { return corpus_addr(aligned256) % 256 == 0; }

int zero_sum(void) {
  int s = 0;
  for (int i = 0; i < 16384; i++) s += big_zero[i];
  return s;
}
void zero_fill(void) {
  for (int i = 0; i < 16384; i++) big_zero[i] = i;
}
