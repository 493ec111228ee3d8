/* libgone.so: built only so main.wasm NEEDs it; it is left out of "libs". */
int gone_fn(void) { return 2; }
