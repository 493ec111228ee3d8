#include "../host.h"
extern int b_counter;
int b_get(void);
void b_inc(void);
int b_ctor_flag(void);
int *a_ptr = &b_counter;            /* data relocation against another module's data */
int a_twice(int x) { return 2 * x; }
typedef int (*fp)(int);
fp a_fn = a_twice;                   /* data relocation against a function (GOT.func) */
fp a_get_fn(void) { return a_twice; }
int *a_get_ptr(void) { return &b_counter; }
static int seen;
__attribute__((constructor)) static void a_init(void) { log_str("ctor a"); seen = b_ctor_flag(); log_i32(seen); }
long long a_big(void) { b_inc(); return (long long)b_get() << 40; }
