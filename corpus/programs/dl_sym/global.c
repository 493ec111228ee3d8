/* libglobal.so: NEEDed by main (global scope) and by libplugin.so. */
int global_data = 42;

int global_fn(int x) { return x + 100; }
