/* P3, side module libkern: the hot function main calls once per element, reading a
 * table main defines (data of another module, through GOT.mem when PIC). */
extern unsigned char sbox[256];
extern unsigned kern_rounds;

static unsigned rotl(unsigned x, int r) { return (x << r) | (x >> (32 - r)); }

unsigned kern_mix(unsigned h, unsigned v) {
  h ^= sbox[v & 255] * 0x9e3779b1u;
  h = rotl(h, 13) * 5 + 0xe6546b64u;
  return h + kern_rounds;
}

unsigned kern_mix_alt(unsigned h, unsigned v) {
  h += sbox[(v >> 8) & 255];
  return rotl(h ^ v, 7) * 0x85ebca6bu;
}
