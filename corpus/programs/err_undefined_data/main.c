/* err_undefined_data: libuses reads a datum nobody defines.
 * The linker must fail with "undefined symbol: corpus_missing_data". */
int uses_fn(int x);
int run(void) { return uses_fn(1); }
