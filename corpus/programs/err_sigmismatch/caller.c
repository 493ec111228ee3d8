/* libcaller.so: declares mismatched by hand with the wrong prototype, so it imports
 * env.mismatched as (i32) -> i32. */
int mismatched(int x);
int caller_fn(int x) { return mismatched(x) * 2; }
