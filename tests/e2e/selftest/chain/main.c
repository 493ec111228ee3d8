#include "../host.h"
typedef int (*fp)(int);
extern int *a_ptr; extern fp a_fn; extern int b_counter;
int a_twice(int); fp a_get_fn(void); int *a_get_ptr(void); long long a_big(void);
static int twice_local(int x) { return x + x; }
fp volatile main_fn = a_twice;
__attribute__((constructor)) static void main_init(void) { log_str("ctor main"); log_i32(*a_ptr); }
int b_aligned_ok(void);
int run(void) {
  log_i32(b_aligned_ok());
  log_i32(a_fn(21));
  log_i32(a_fn == a_twice);
  log_i32(a_get_fn() == &a_twice);
  log_i32(main_fn == a_fn);
  log_i32(a_ptr == &b_counter);
  log_i32(a_get_ptr() == &b_counter);
  log_i64(a_big());
  log_i32(b_counter);
  log_f64(1.5 * b_counter);
  fp volatile l = twice_local;
  log_i32(l(4));
  log_str("héllo");
  return 42;
}
