/* libr.so: right side of the diamond, NEEDs libbase.so. */
extern int base_counter;
int base_stamp(void);

int r_stamp; /* taken by the constructor */

__attribute__((constructor)) static void r_init(void) { r_stamp = base_stamp(); }

int r_read(void) { return base_counter; }
int *r_counter_addr(void) { return &base_counter; }
