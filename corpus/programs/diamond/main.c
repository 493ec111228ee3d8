/* diamond: main NEEDs libl and libr, both NEED libbase.
 * Checks that libbase is instantiated once (its constructor runs once, libl and libr
 * see the same base_counter) and the constructor order: libbase first, then libl and
 * libr (in either order), main last. Order is recorded with stamps from
 * base_stamp(), so the output does not depend on whether libl or libr goes first. */
#include "host.h"

extern int l_stamp;
extern int r_stamp;
int l_next_stamp(void);
int l_base_ctor_runs(void);
int l_base_own_stamp(void);
void l_bump(int n);
int *l_counter_addr(void);
int r_read(void);
int *r_counter_addr(void);

int main_stamp;

__attribute__((constructor)) static void main_init(void) { main_stamp = l_next_stamp(); }

int run(void) {
  int bs = l_base_own_stamp();
  log_i32(l_base_ctor_runs());                           /* 1: ran exactly once */
  log_i32(bs == 1);                                      /* 1: libbase's ctor first */
  log_i32(bs < l_stamp);                                 /* 1 */
  log_i32(bs < r_stamp);                                 /* 1 */
  log_i32(l_stamp != r_stamp);                           /* 1 */
  log_i32(l_stamp < main_stamp && r_stamp < main_stamp); /* 1: main's ctor last */
  log_i32(main_stamp);                                   /* 4 stamps: base, l, r, main */
  log_i32(l_stamp + r_stamp);                            /* 2 + 3 = 5 */
  log_i32(l_counter_addr() == r_counter_addr());         /* 1: one libbase */
  l_bump(5);
  l_bump(7);
  log_i32(r_read());                                     /* 12 */
  return 0;
}
