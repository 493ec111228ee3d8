/* libdefiner.so: defines mismatched as (i64) -> i64. */
long long mismatched(long long x) { return x + 1; }
