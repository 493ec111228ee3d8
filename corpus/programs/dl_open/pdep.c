/* libpdep.so: dlopen-only, NEEDed only by libplugin.so (so not in the global scope). */
#include "host.h"

void note_ctor(int id);

__attribute__((constructor)) static void pdep_init(void) {
  log_str("pdep constructor");
  note_ctor(2);
}

int pdep_fn(int x) { return 7 * x; }
