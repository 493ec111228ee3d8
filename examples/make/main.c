/* The main module: NEEDs libgreet.so and libcount.so (wasm-ld records them when they are
 * on its command line) and calls into both. The host functions it imports are the
 * program's interface to the host: the libraries use them too. */
#include "host.h"

int greet(const char *who);
int count_words(const char *s);

int run(void) {
  log_str("main: calling both libraries");
  log_i32(greet("make"));
  log_i32(count_words("prelink links this at build time"));
  return 0;
}
