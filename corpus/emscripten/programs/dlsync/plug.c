/* libplug.so of the "dlsync" program: dlopen'ed by main before the threads start. */
#include <stdio.h>
int plug_value = 40;
_Thread_local int plug_tls = 3;
int plug_get(int x) { plug_tls += x; return plug_value + x * 100 + plug_tls; }
