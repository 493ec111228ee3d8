/* err_duplicate: libdup1 and libdup2 both define dup_fn strongly. At run time the
 * first in load order would win; with --no-duplicates the linker must fail with
 * "duplicate symbol: dup_fn". */
int dup_fn(void);
int run(void) { return dup_fn(); }
