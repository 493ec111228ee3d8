/* libpresent.so: a NEEDED library that is given to the linker. */
int present_fn(void) { return 1; }
