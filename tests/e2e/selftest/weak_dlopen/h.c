#include "../host.h"
int hook(void) { return 2; }              /* strong, but later in load order than main's weak one */
int shared_data = 20;
int h_data(void) { return shared_data; }  /* through GOT.mem: sees libw's shared_data */
int h_hook(void) { return hook(); }       /* bound locally by wasm-ld: 2 */
