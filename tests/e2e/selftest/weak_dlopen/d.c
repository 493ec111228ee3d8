#include "../host.h"
int only_in_dl = 9;
int dl_fn(void) { return 1; }
__attribute__((constructor)) static void init(void) { log_str("ctor dl (must not run)"); }
