/* liba.so: NEEDs libb.so, which NEEDs liba.so back. Functions recurse across the
 * two modules and each module's data points into the other's. */
int b_is_odd(unsigned n);
int b_reads_a(void);
extern int b_data;

int a_data = 3;
int *a_ptr_to_b = &b_data;

int a_is_even(unsigned n) { return n == 0 ? 1 : b_is_odd(n - 1); }
int a_reads_b(void) { return b_data * 10; }
int a_deref(void) { return *a_ptr_to_b; }
int a_calls_b_reads_a(void) { return b_reads_a(); }
