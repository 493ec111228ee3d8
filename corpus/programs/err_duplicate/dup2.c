/* libdup2.so: another strong definition of dup_fn. */
int dup_fn(void) { return 2; }
