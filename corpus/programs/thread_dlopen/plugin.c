/* libplugin.so: dlopen-only, NEEDs libcore.so. Relocated data: a pointer into its own
 * data and a function pointer to libcore's core_fn; a constructor counting its runs; a
 * thread-local variable (every thread, also one that existed before the dlopen, has its
 * own, starting at 9). */
int core_fn(int x);

int plugin_ctor_runs;
static int table[4] = {10, 20, 30, 40};
int *plugin_ptr = &table[2];
int (*plugin_cb)(int) = core_fn;

__attribute__((constructor)) static void plugin_init(void) { plugin_ctor_runs++; }

int plugin_fn(int x) { return core_fn(x) + *plugin_ptr; }

_Thread_local int plugin_tls = 9;
/* plugin_tls += v; returns it. */
int plugin_tls_add(int v) { return plugin_tls += v; }

/* A thread entry of the plugin's own (its address from dlsym on the main thread). */
int plugin_thread_seen;
void plugin_thread(int v) { plugin_thread_seen = v * 7 + plugin_tls; }
