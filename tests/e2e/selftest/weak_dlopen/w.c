#include "../host.h"
int hook(void);                           /* imported: main's weak definition is first in load order */
int shared_data = 10;                     /* interposes libh's definition (libw is loaded first) */
__attribute__((weak)) extern int nowhere_data;
__attribute__((weak)) int nowhere_fn(void);
int w_hook(void) { return hook(); }
int w_weak_is_null(void) { return (&nowhere_data == 0) + 2 * (nowhere_fn == 0); }
