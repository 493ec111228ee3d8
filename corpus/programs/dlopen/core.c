/* libcore.so: NEEDed by main, and by the dlopen-only libplugin.so. */
int core_value = 5;
int core_plugin_ctor_runs; /* libplugin's constructor would increment it */

void core_note_plugin(void) { core_plugin_ctor_runs++; }
int core_get_plugin_ctor_runs(void) { return core_plugin_ctor_runs; }
int core_triple(int x) { return 3 * x; }
