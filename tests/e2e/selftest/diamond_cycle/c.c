#include "../host.h"
extern int a_value;
int a_add(int);
static int counter;
int *a_value_ptr = &a_value;             /* data relocation against a symbol defined later in load order */
int shared_get(void) { return counter; }
void shared_bump(int n) { counter += n; }
__attribute__((constructor)) static void init(void) { counter = a_add(1); log_str("ctor c"); log_i32(*a_value_ptr); }
