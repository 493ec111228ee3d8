/* libplugin.so: dlopen-only; NEEDs libglobal.so and libpdep.so. Hands out the
 * addresses of its symbols as it sees them, to compare with dlsym's. */
int global_fn(int x);
int pdep_fn(int x);

int plugin_data[4] = {10, 20, 30, 40};

int plugin_fn(int x) { return pdep_fn(x) + 1; }

void *plugin_fn_addr(void) { return (void *)&plugin_fn; }
void *plugin_data_addr(void) { return plugin_data; }
void *plugin_global_fn_addr(void) { return (void *)&global_fn; }
int plugin_read_data(int i) { return plugin_data[i]; }
