/* libplugin.so: a dlopen-only library. Nobody NEEDs it, so it must not be
 * constructed at start-up; if it were, its constructor would bump libcore's
 * counter (and log), and the program's output would change. */
#include "host.h"

void core_note_plugin(void);
int core_triple(int x);

__attribute__((constructor)) static void plugin_init(void) {
  log_str("plugin constructor ran");
  core_note_plugin();
}

int plugin_entry(int x) { return core_triple(x) + 1; }
