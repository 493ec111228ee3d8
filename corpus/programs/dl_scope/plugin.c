/* libplugin.so: dlopen-only, opened RTLD_LOCAL (then promoted with RTLD_GLOBAL). */
int plugin_fn(int x) { return x + 1; }
