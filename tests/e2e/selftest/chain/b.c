#include "../host.h"
int b_counter = 5;
static int b_ctor_ran;
int b_get(void) { return b_counter; }
void b_inc(void) { b_counter++; }
int b_ctor_flag(void) { return b_ctor_ran; }
__attribute__((constructor)) static void b_init(void) { log_str("ctor b"); b_ctor_ran = b_counter * 10; }
__attribute__((aligned(256))) int b_aligned[4] = {1, 2, 3, 4};  /* MEM_INFO alignment 2^8 */
int b_aligned_ok(void) { return ((unsigned long)b_aligned & 255) == 0 && b_aligned[3] == 4; }
