#include "../host.h"
__attribute__((weak)) int hook(void) { return 1; }
__attribute__((weak)) extern int only_in_dl;
__attribute__((weak)) int dl_fn(void);
int w_hook(void); int w_weak_is_null(void); int h_data(void); int h_hook(void);
int run(void) {
  log_i32(hook());
  log_i32(w_hook());
  log_i32(h_hook());
  log_i32(h_data());
  log_i32(w_weak_is_null());
  log_i32(&only_in_dl == 0);
  log_i32(dl_fn == 0);
  if (dl_fn) log_i32(dl_fn());
  return 0;
}
