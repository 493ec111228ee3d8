#include "../host.h"
int shared_get(void);
void shared_bump(int);
const char *who(void) { return "libb"; }
const char *b_who(void) { return who(); }   /* resolves to liba's who() if imported, libb's if bound locally */
__attribute__((constructor)) static void init(void) { shared_bump(10); log_str("ctor b"); log_i32(shared_get()); }
int b_shared(void) { return shared_get(); }
