/* libdup1.so: a strong definition of dup_fn. */
int dup_fn(void) { return 1; }
