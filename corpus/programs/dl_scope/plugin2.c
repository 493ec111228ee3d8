/* libplugin2.so: dlopen-only, opened RTLD_GLOBAL. Defines shared_name too, which the
 * global scope already defines (libglobal.so). (Its own calls of shared_name would be
 * bound inside the module by wasm-ld, so interposition is not observable here.) */
int shared_name(void) { return 2; }
int plugin2_fn(int x) { return x * 2; }
