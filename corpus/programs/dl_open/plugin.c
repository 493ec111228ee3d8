/* libplugin.so: dlopen-only; NEEDs libglobal.so (global scope) and libpdep.so. */
#include "host.h"

void note_ctor(int id);
int pdep_fn(int x);

__attribute__((constructor)) static void plugin_init(void) {
  log_str("plugin constructor");
  note_ctor(1);
}

int plugin_fn(int x) { return pdep_fn(x) + 1; }
