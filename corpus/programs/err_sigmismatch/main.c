/* err_sigmismatch: libcaller imports mismatched as (i32)->i32, libdefiner defines it
 * as (i64)->i64. The linker must fail with an error containing "signature mismatch"
 * (and naming mismatched). */
int caller_fn(int x);
int run(void) { return caller_fn(1); }
