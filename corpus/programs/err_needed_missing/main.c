/* err_needed_missing: main NEEDs libpresent.so and libgone.so, but only
 * libpresent.so is given to the linker: the error must name "libgone.so". */
int present_fn(void);
int gone_fn(void);
int run(void) { return present_fn() + gone_fn(); }
