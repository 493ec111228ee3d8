/* memlayout: over-aligned data and zero-initialised data.
 * libpad (3 bytes) comes before libalign, whose data is _Alignas(64) and
 * _Alignas(256): the addresses must be aligned whatever the placement, checked in
 * the side and in main. main has _Alignas(64) data of its own. Large zero arrays in
 * libalign (64 KiB) and main (16 KiB) read as zero, then are written and re-read. */
#include "host.h"

int pad_sum(void);
extern int aligned64[4];
extern char aligned256[8];
extern int big_zero[16384];
int align_check64(void);
int align_check256(void);
int zero_sum(void);
void zero_fill(void);

_Alignas(64) int main_al[2] = {5, 6};
/* Defined by the linker (or the loader): the first free byte after all modules' data. */
extern char __heap_base __attribute__((weak)); /* weak: wasm-ld -pie leaves it to the loader */
int main_zero[4096];

int run(void) {
  log_i32(align_check64());                      /* 1 */
  log_i32(corpus_addr(aligned64) % 64 == 0);     /* 1 */
  log_i32(align_check256());                     /* 1 */
  log_i32(corpus_addr(aligned256) % 256 == 0);   /* 1 */
  log_i32(corpus_addr(main_al) % 64 == 0);       /* 1 */
  log_i32(aligned64[0] + aligned64[1] + aligned64[2] + aligned64[3]); /* 10 */
  log_str(aligned256);                           /* abcdefg */
  log_i32(main_al[0] * main_al[1]);              /* 30 */
  log_i32(pad_sum());                            /* 6 */

  log_i32(zero_sum());                           /* 0 */
  zero_fill();
  log_i32(zero_sum());                           /* 0 + 1 + ... + 16383 = 134209536 */
  log_i32(big_zero[16383]);                      /* 16383 */

  int s = 0;
  for (int i = 0; i < 4096; i++) s += main_zero[i];
  log_i32(s);                                    /* 0 */
  for (int i = 0; i < 4096; i++) main_zero[i] = 3 * i;
  log_i32(main_zero[4095]);                      /* 12285 */

  /* The heap starts after everyone's data, 16-byte aligned. */
  log_i32(corpus_addr(&__heap_base) % 16 == 0);                          /* 1 */
  log_i32(corpus_addr(&__heap_base) >= corpus_addr(&big_zero[16384]));   /* 1 */
  log_i32(corpus_addr(&__heap_base) >= corpus_addr(&main_zero[4096]));   /* 1 */
  return 0;
}
