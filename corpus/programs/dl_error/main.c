/* dl_error: dlerror() and dladdr() for prelinked libraries.
 * Checks:
 *  - dlerror() is NULL before any error and after successful calls;
 *  - dlsym of a missing symbol gives NULL and a message that contains both the
 *    symbol's name and the library's ("libplugin"); the second dlerror() is NULL;
 *  - a handle's search covers the library and its dependencies only: main's own
 *    function is not found through the plugin's handle;
 *  - of two failures, dlerror() reports the most recent;
 *  - dladdr of an exact data symbol address of libplugin / libglobal / libpdep names
 *    the library (dli_fname contains its name), the symbol (dli_sname) and its address
 *    (dli_saddr); dli_fbase is at or below the address;
 *  - dlclose returns 0.
 * Messages are only searched (corpus_strstr), never logged: their wording is the
 * loader's. */
#include "host.h"

extern int global_data;
int main_only_fn(int x) { return x; }

static Dl_info info; /* static: no stack needed */

static void check_dladdr(void *addr, const char *lib, const char *sym) {
  info.dli_fname = 0;
  info.dli_sname = 0;
  log_i32(dladdr(addr, &info) != 0);                                  /* 1 */
  log_i32(info.dli_fname != 0 && corpus_strstr(info.dli_fname, lib) != 0); /* 1 */
  log_i32(info.dli_sname != 0 && corpus_streq(info.dli_sname, sym));  /* 1 */
  log_i32(info.dli_saddr == addr);                                    /* 1 */
  log_i32(corpus_addr(info.dli_fbase) <= corpus_addr(addr));          /* 1 */
}

int run(void) {
  log_i32(dlerror() == 0); /* 1: no error yet */
  void *h = dlopen("libplugin.so", RTLD_NOW);
  log_i32(h != 0);         /* 1 */
  log_i32(dlerror() == 0); /* 1: success sets no error */
  log_i32(dlsym(h, "plugin_fn") != 0 && dlerror() == 0); /* 1 */

  log_i32(dlsym(h, "no_such_symbol") == 0); /* 1 */
  const char *e = dlerror();
  log_i32(e != 0);                                         /* 1 */
  log_i32(e != 0 && corpus_strstr(e, "no_such_symbol") != 0); /* 1 */
  log_i32(e != 0 && corpus_strstr(e, "libplugin") != 0);      /* 1 */
  log_i32(dlerror() == 0);                                 /* 1: reported once */

  log_i32(dlsym(h, "main_only_fn") == 0); /* 1: main is not libplugin's dependency */
  e = dlerror();
  log_i32(e != 0 && corpus_strstr(e, "main_only_fn") != 0); /* 1 */

  log_i32(dlsym(h, "first_missing") == 0);  /* 1 */
  log_i32(dlsym(h, "second_missing") == 0); /* 1 */
  e = dlerror();
  log_i32(e != 0 && corpus_strstr(e, "second_missing") != 0); /* 1: the most recent */
  log_i32(dlerror() == 0);                                    /* 1 */

  check_dladdr(dlsym(h, "plugin_data"), "libplugin", "plugin_data");
  check_dladdr(dlsym(h, "plugin_counter"), "libplugin", "plugin_counter");
  check_dladdr(&global_data, "libglobal", "global_data");
  check_dladdr(dlsym(h, "pdep_value"), "libpdep", "pdep_value");
  log_i32(dlerror() == 0); /* 1: none of this failed */

  log_i32(dlclose(h)); /* 0 */
  return ((int (*)(int))dlsym(h, "plugin_fn"))(1); /* 108 = 1 + 100 + 7 */
}
