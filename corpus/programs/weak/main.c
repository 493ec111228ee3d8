/* weak: weak definitions and undefined weak references.
 * - main defines pick() and weak_data weakly, libstrong strongly: main's come first
 *   in load order and win everywhere they are looked up by name (main's calls,
 *   libstrong's GOT.func/GOT.mem entries); only libstrong's own direct call, bound
 *   by wasm-ld, still reaches libstrong's pick.
 * - libstrong's weak side_weak_only() is called through an import of its own.
 * - undefined weak functions and data, in main and in libstrong: the function's
 *   address is null (so it is not called) and the datum's address is 0. */
#include "host.h"

__attribute__((weak, noinline)) int pick(void) { return 1; }
__attribute__((weak)) int weak_data = 10;

extern int maybe_fn(void) __attribute__((weak));
extern int maybe_data __attribute__((weak));

int strong_call_pick_ptr(void);
int strong_call_pick_direct(void);
int strong_read_weak_data(void);
void strong_set_weak_data(int v);
int strong_call_weak_only(void);
int strong_has_maybe(void);
int strong_call_maybe(void);
int strong_maybe_data_is_null(void);

int run(void) {
  log_i32(pick());                      /* 1: main's weak definition */
  log_i32(strong_call_pick_ptr());      /* 1: the side's &pick is main's */
  log_i32(strong_call_pick_direct());   /* 2: bound inside libstrong */
  log_i32(weak_data);                   /* 10: main's */
  log_i32(strong_read_weak_data());     /* 10: the side sees main's object */
  strong_set_weak_data(15);
  log_i32(weak_data);                   /* 15: one object */
  log_i32(strong_call_weak_only());     /* 30 */
  log_i32(maybe_fn ? maybe_fn() : -1);  /* -1: not called */
  log_i32(maybe_fn == 0);               /* 1 */
  log_i32(&maybe_data == 0);            /* 1 */
  log_i32(strong_has_maybe());          /* 0 */
  log_i32(strong_call_maybe());         /* -2: not called */
  log_i32(strong_maybe_data_is_null()); /* 1 */
  return 0;
}
