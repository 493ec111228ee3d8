/* dlopen: the program comes with libplugin.so, listed in "dlopen_only": it is
 * NEEDed by nobody, so its constructor must not run at start-up (the output would
 * show "plugin constructor ran" and a count of 1). run() does not use it. */
#include "host.h"

extern int core_value;
int core_get_plugin_ctor_runs(void);
int core_triple(int x);

int run(void) {
  log_i32(core_triple(core_value));      /* 15 */
  log_i32(core_get_plugin_ctor_runs());  /* 0: libplugin was not constructed */
  /* The main's imports are the program's host interface: the plugin's use of log_str
   * resolves to the same host import. */
  log_str("plugin not constructed");
  return 0;
}
