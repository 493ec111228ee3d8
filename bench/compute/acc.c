/* P3, side module libacc: an accumulator whose state (data of this module) main and
 * libacc both read and write. */
unsigned acc_state[64];
int acc_count;

void acc_add(unsigned v) {
  acc_state[acc_count & 63] += v;
  acc_count++;
}

unsigned acc_sum(void) {
  unsigned s = 0;
  for (int i = 0; i < 64; i++) s = s * 31 + acc_state[i];
  return s;
}
