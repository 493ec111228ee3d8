/* libl.so: left side of the diamond, NEEDs libbase.so. */
extern volatile int base_ctor_runs;
extern int base_own_stamp;
extern int base_counter;
int base_stamp(void);

int l_stamp; /* taken by the constructor */

__attribute__((constructor)) static void l_init(void) { l_stamp = base_stamp(); }

int l_next_stamp(void) { return base_stamp(); }
int l_base_ctor_runs(void) { return base_ctor_runs; }
int l_base_own_stamp(void) { return base_own_stamp; }
void l_bump(int n) { base_counter += n; }
int *l_counter_addr(void) { return &base_counter; }
