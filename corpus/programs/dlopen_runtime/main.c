/* dlopen_runtime: main dlopens libextra.so, which is NOT given to prelink. The linked
 * module's env.dlopen/dlsym/dlclose/dlerror reach the JavaScript runtime
 * (runtime/prelink-runtime.mjs), whose fallback loader loads libextra.so (dylink.0),
 * resolves it against the manifest's global scope (libbase, main) and runs its
 * constructor once. Run only by tests/e2e/runtime.mjs and tests/browser/. */
#include "host.h"

HOST_IMPORT(dlopen) void *dlopen(const char *file, int mode);
HOST_IMPORT(dlsym) void *dlsym(void *handle, const char *name);
HOST_IMPORT(dlclose) int dlclose(void *handle);
HOST_IMPORT(dlerror) char *dlerror(void);

#define RTLD_NOW 2

int base_get_counter(void);

int main_data = 7;
int main_add(int a, int b) { return a + b; }
void main_fill(int *out, int n) {
  for (int i = 0; i < n; i++) out[i] = i + 1;
}

int run(void) {
  void *h = dlopen("libextra.so", RTLD_NOW);
  log_i32(h != 0);                                   /* 1 */
  if (!h) {
    log_str(dlerror());
    return 1;
  }
  int (*compute)(int) = (int (*)(int))dlsym(h, "extra_compute");
  int *runs = (int *)dlsym(h, "extra_ctor_runs");
  int *table = (int *)dlsym(h, "extra_table");
  void *(*add_address)(void) = (void *(*)(void))dlsym(h, "extra_main_add_address");
  const char *(*greeting)(void) = (const char *(*)(void))dlsym(h, "extra_get_greeting");
  log_i32(compute && runs && table && add_address && greeting); /* 1 */
  log_i32(*runs);                                    /* 1: constructor ran once */
  log_i32(base_get_counter());                       /* 1: it bumped libbase's counter */
  log_i32(table[0]);                                 /* 10*1 + 7 = 17 */
  log_i32(table[3]);                                 /* 10*4 + 7 = 47 */
  log_i32(compute(3));                               /* 2*(3+7) + 47 = 67 */
  log_i32(add_address() == (void *)main_add);        /* 1: one pointer per function */
  log_str(greeting());                               /* hello from libextra */

  void *h2 = dlopen("libextra.so", RTLD_NOW);
  log_i32(h2 == h);                                  /* 1: same handle */
  log_i32(*runs);                                    /* 1: constructor not run again */
  log_i32(dlsym(h, "no_such_symbol") == 0);          /* 1 */
  log_i32(dlerror() != 0);                           /* 1 */
  log_i32(dlerror() == 0);                           /* 1: dlerror clears the error */
  log_i32(dlopen("libmissing.so", RTLD_NOW) == 0);   /* 1 */
  log_i32(dlerror() != 0);                           /* 1 */
  int ret = *runs + base_get_counter();              /* 2 */
  log_i32(dlclose(h2));                              /* 0 */
  log_i32(dlclose(h));                               /* 0 */
  return ret;
}
