/* dl_scope: RTLD_LOCAL and RTLD_GLOBAL.
 * Checks:
 *  - a library opened RTLD_LOCAL (the default) stays out of the global scope:
 *    dlsym(RTLD_DEFAULT, ...) and dlsym(dlopen(NULL), ...) do not find its symbols, and
 *    the message names the symbol;
 *  - a library opened RTLD_GLOBAL joins it: RTLD_DEFAULT and the dlopen(NULL) handle find
 *    its symbols, the same pointer as through its own handle;
 *  - the global scope keeps its order: for a name defined by libglobal (NEEDed by main)
 *    and by the RTLD_GLOBAL library, RTLD_DEFAULT gives libglobal's, the library's
 *    handle its own;
 *  - dlopen(RTLD_NOLOAD | RTLD_GLOBAL) of a library opened RTLD_LOCAL promotes it into
 *    the global scope (ELF).
 * Only comparisons and computed values are logged. */
#include "host.h"

typedef int (*fn_t)(int);
typedef int (*fn0_t)(void);

int run(void) {
  void *h = dlopen("libplugin.so", RTLD_NOW); /* RTLD_LOCAL */
  log_i32(h != 0);                                    /* 1 */
  log_i32(dlsym(h, "plugin_fn") != 0);                /* 1 */
  log_i32(dlsym(RTLD_DEFAULT, "plugin_fn") == 0);     /* 1: not in the global scope */
  const char *e = dlerror();
  log_i32(e != 0 && corpus_strstr(e, "plugin_fn") != 0); /* 1 */
  void *g = dlopen(0, RTLD_NOW);
  log_i32(g != 0);                                    /* 1 */
  log_i32(dlsym(g, "plugin_fn") == 0);                /* 1 */
  dlerror();

  void *h2 = dlopen("libplugin2.so", RTLD_NOW | RTLD_GLOBAL);
  log_i32(h2 != 0 && h2 != h);                        /* 1 */
  void *f2 = dlsym(h2, "plugin2_fn");
  log_i32(f2 != 0);                                   /* 1 */
  log_i32(dlsym(RTLD_DEFAULT, "plugin2_fn") == f2);   /* 1 */
  log_i32(dlsym(g, "plugin2_fn") == f2);              /* 1 */
  log_i32(((fn_t)f2)(21));                            /* 42 */

  log_i32(((fn0_t)dlsym(RTLD_DEFAULT, "shared_name"))()); /* 1: libglobal's */
  log_i32(((fn0_t)dlsym(h2, "shared_name"))());           /* 2: libplugin2's own */

  void *h3 = dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  log_i32(h3 == h);                                   /* 1 */
  void *f = dlsym(RTLD_DEFAULT, "plugin_fn");
  log_i32(f != 0 && f == dlsym(h, "plugin_fn"));      /* 1: promoted */
  log_i32(((fn_t)f)(1));                              /* 2 */
  log_i32(dlerror() == 0);                            /* 1 */

  dlclose(h3);
  dlclose(h2);
  dlclose(g);
  return dlclose(h); /* 0 */
}
