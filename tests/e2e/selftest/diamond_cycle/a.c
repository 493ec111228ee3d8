#include "../host.h"
int shared_get(void);
int a_value = 100;                       /* read by libc through GOT.mem before liba is initialised */
int a_add(int x) { return x + a_value; } /* called by libc: a dependency cycle */
const char *who(void) { return "liba"; } /* also defined by libb: liba is first in load order */
int a_who_is_me(void) { return who()[3]; }
static int ctor_seen;
__attribute__((constructor)) static void init(void) { ctor_seen = shared_get(); log_str("ctor a"); log_i32(ctor_seen); }
int a_shared(void) { return shared_get(); }
