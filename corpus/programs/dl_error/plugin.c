/* libplugin.so: dlopen-only; NEEDs libglobal.so and libpdep.so. */
extern int pdep_value;
int global_fn(int x);

int plugin_data[4] = {10, 20, 30, 40};
int plugin_counter = 3;

int plugin_fn(int x) { return global_fn(x) + pdep_value; }
