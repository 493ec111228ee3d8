#include "../host.h"
int a_shared(void); int b_shared(void); void shared_bump(int);
const char *who(void); const char *b_who(void); int a_who_is_me(void);
extern int *a_value_ptr; extern int a_value;
int a_add(int);
typedef int (*fp)(int);
int run(void) {
  shared_bump(5);
  log_i32(a_shared());          /* one libc, loaded once: both see 101 + 10 + 5 */
  log_i32(b_shared());
  log_str(who());
  log_str(b_who());
  log_i32(a_value_ptr == &a_value);
  a_value = 7;
  log_i32(a_add(1));
  fp volatile f = a_add;
  log_i32(f(2));
  return a_shared();
}
