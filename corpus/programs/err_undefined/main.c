/* err_undefined: libuses imports a function nobody defines.
 * The linker must fail with "undefined symbol: corpus_missing_fn". */
int uses_fn(int x);
int run(void) { return uses_fn(1); }
