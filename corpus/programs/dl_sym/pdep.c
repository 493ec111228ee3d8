/* libpdep.so: dlopen-only, NEEDed only by libplugin.so (so not in the global scope). */
int pdep_value = 7;

int pdep_fn(int x) { return pdep_value * x; }
