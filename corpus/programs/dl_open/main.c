/* dl_open: dlopen of prelinked libraries, handles and constructors.
 * Checks:
 *  - constructors of a dlopen-only library (libplugin) and of its dlopen-only
 *    dependency (libpdep) do not run at start-up, nor on an RTLD_NOLOAD dlopen (which
 *    gives NULL for a library not opened yet);
 *  - the first dlopen runs them, the dependency's first (ctor_trace 21), exactly once;
 *  - dlopen of the same library again (other mode, the "/some/dir/libplugin.so" path
 *    form, RTLD_NOLOAD) gives the same handle and runs nothing;
 *  - the dependency counts as opened (RTLD_NOLOAD gives its own, other handle);
 *  - a library NEEDed by main (libglobal) gives a handle, without running its
 *    constructor again, and dlsym through that handle works;
 *  - dlclose returns 0 and unloads nothing: after closing every handle the library is
 *    still there (RTLD_NOLOAD) and reopening runs no constructor.
 * Only comparisons of handles are logged, never handles. */
#include "host.h"

extern int ctor_trace;
extern int global_ctor_runs;

int run(void) {
  log_i32(ctor_trace); /* 0: no dlopen-only constructor ran at start-up */

  void *n = dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD);
  log_i32(n == 0);     /* 1: not opened yet */
  dlerror();           /* whether NOLOAD sets a message is not checked */
  log_i32(ctor_trace); /* 0: RTLD_NOLOAD loads nothing */

  void *h1 = dlopen("libplugin.so", RTLD_NOW); /* "pdep constructor", "plugin constructor" */
  log_i32(h1 != 0);    /* 1 */
  log_i32(ctor_trace); /* 21: libpdep's constructor first, then libplugin's */

  void *h2 = dlopen("libplugin.so", RTLD_LAZY);
  log_i32(h2 == h1);   /* 1: same handle */
  log_i32(ctor_trace); /* 21: constructors ran once */

  void *h3 = dlopen("/some/dir/libplugin.so", RTLD_NOW);
  log_i32(h3 == h1);   /* 1: a path ending in "/libplugin.so" names the same library */

  void *h4 = dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD);
  log_i32(h4 == h1);   /* 1: now it is open */

  void *hd = dlopen("libpdep.so", RTLD_NOW | RTLD_NOLOAD);
  log_i32(hd != 0);    /* 1: opened as libplugin's dependency */
  log_i32(hd != h1);   /* 1: a handle of its own */
  log_i32(ctor_trace); /* 21 */

  void *hg = dlopen("libglobal.so", RTLD_NOW);
  log_i32(hg != 0);    /* 1: a global-scope library has a handle too */
  log_i32(hg != h1);   /* 1 */
  log_i32(global_ctor_runs); /* 1: its constructor is not run again */
  log_i32(dlopen("libglobal.so", RTLD_NOW | RTLD_NOLOAD) == hg); /* 1 */
  log_i32(dlsym(hg, "ctor_trace") == (void *)&ctor_trace);      /* 1 */

  log_i32(dlclose(h1)); /* 0 */
  log_i32(dlclose(h2)); /* 0 */
  log_i32(dlclose(h3)); /* 0 */
  log_i32(dlclose(h4)); /* 0 */
  log_i32(dlclose(hd)); /* 0 */
  log_i32(dlclose(hg)); /* 0 */
  dlclose(hg);          /* the extra NOLOAD reference */

  void *h5 = dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD);
  log_i32(h5 == h1);   /* 1: never unloaded */
  void *h6 = dlopen("libplugin.so", RTLD_NOW);
  log_i32(h6 == h1);   /* 1 */
  log_i32(ctor_trace); /* 21: no constructor ran again */
  int (*fn)(int) = (int (*)(int))dlsym(h6, "plugin_fn");
  log_i32(fn(2));      /* 15 = 7 * 2 + 1 */
  dlclose(h5);
  dlclose(h6);
  log_str("done");     /* (and main imports log_str, which the libraries use) */
  return ctor_trace;   /* 21 */
}
