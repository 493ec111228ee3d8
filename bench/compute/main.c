/* P3: a hash-and-accumulate loop split across modules: every element calls kern_mix in
 * libkern (which reads main's sbox), every 8th calls acc_add in libacc, every 16th goes
 * through a function pointer; main also reads libacc's data directly. The same sources
 * are linked three ways (bench/run.mjs): PIC + run-time loader, prelink -O2, wasm-ld. */
#include "bench.h"

unsigned kern_mix(unsigned h, unsigned v);
unsigned kern_mix_alt(unsigned h, unsigned v);
void acc_add(unsigned v);
unsigned acc_sum(void);
extern unsigned acc_state[64];
extern int acc_count;

unsigned char sbox[256];
unsigned kern_rounds = 3;
unsigned (*mixers[2])(unsigned, unsigned) = {kern_mix, kern_mix_alt};

int run(void) {
  for (int i = 0; i < 256; i++) sbox[i] = (unsigned char)((i * 167 + 13) ^ (i >> 3));
  int n = bench_n();
  unsigned h = 1;
  for (int i = 0; i < n; i++) {
    h = kern_mix(h, (unsigned)i);
    if ((i & 7) == 0) acc_add(h);
    if ((i & 15) == 0) h = mixers[(h >> 5) & 1](h, (unsigned)i);
    h += acc_state[i & 63] & 1;
  }
  log_i32((int)acc_sum());
  log_i32(acc_count);
  return (int)h;
}
