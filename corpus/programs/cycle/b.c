/* libb.so: NEEDs liba.so (the cycle). */
int a_is_even(unsigned n);
extern int a_data;

int b_data = 4;
int *b_ptr_to_a = &a_data;

int b_is_odd(unsigned n) { return n == 0 ? 0 : a_is_even(n - 1); }
int b_reads_a(void) { return *b_ptr_to_a * 100; }
