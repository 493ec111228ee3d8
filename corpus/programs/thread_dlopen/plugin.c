/* libplugin.so: dlopen-only, NEEDs libcore.so. Relocated data: a pointer into its own
 * data and a function pointer to libcore's core_fn; a constructor counting its runs. */
int core_fn(int x);

int plugin_ctor_runs;
static int table[4] = {10, 20, 30, 40};
int *plugin_ptr = &table[2];
int (*plugin_cb)(int) = core_fn;

__attribute__((constructor)) static void plugin_init(void) { plugin_ctor_runs++; }

int plugin_fn(int x) { return core_fn(x) + *plugin_ptr; }
