/* dl_sym: what dlsym returns for prelinked libraries.
 * Checks:
 *  - a function from dlsym(plugin handle) is the one pointer to that function: equal
 *    to &plugin_fn taken inside libplugin, the same on every lookup, and callable;
 *  - a data symbol comes back as its address: equal to the plugin's own &plugin_data;
 *    reading and writing through it is seen by the plugin;
 *  - symbols of libpdep, a dlopen-only dependency of the plugin that is not in the
 *    global scope, are found through the plugin's handle (dependencies searched);
 *  - a global-scope library's function through the plugin's handle (libplugin NEEDs
 *    libglobal) equals main's &global_fn and the plugin's own &global_fn;
 *  - dlsym(RTLD_DEFAULT, ...) of global-scope functions and data equals main's
 *    &global_fn / &global_data;
 *  - the handle of dlopen(NULL) finds global-scope symbols, main's own included.
 * Only comparisons and values read or computed are logged, never addresses. */
#include "host.h"

typedef int (*fn_t)(int);
typedef void *(*addr_fn_t)(void);

extern int global_data;
int global_fn(int x);

int main_data = 5;
int main_fn(int x) { return x - 1; }

int run(void) {
  void *h = dlopen("libplugin.so", RTLD_NOW);
  log_i32(h != 0); /* 1 */

  fn_t pf = (fn_t)dlsym(h, "plugin_fn");
  addr_fn_t pfa = (addr_fn_t)dlsym(h, "plugin_fn_addr");
  log_i32(pf != 0 && pfa != 0);                 /* 1 */
  log_i32((void *)pf == pfa());                 /* 1: one pointer per function */
  log_i32(dlsym(h, "plugin_fn") == (void *)pf); /* 1 */
  log_i32(pf(3));                               /* 22 = 7 * 3 + 1 */

  int *pd = (int *)dlsym(h, "plugin_data");
  addr_fn_t pda = (addr_fn_t)dlsym(h, "plugin_data_addr");
  log_i32(pd != 0 && pda != 0);                 /* 1 */
  log_i32((void *)pd == pda());                 /* 1 */
  log_i32(pd[2]);                               /* 30 */
  pd[1] = 99;
  fn_t read = (fn_t)dlsym(h, "plugin_read_data");
  log_i32(read(1));                             /* 99: the same memory */

  fn_t df = (fn_t)dlsym(h, "pdep_fn");
  log_i32(df != 0);                             /* 1 */
  log_i32(df(2));                               /* 14 */
  int *dv = (int *)dlsym(h, "pdep_value");
  log_i32(dv != 0);                             /* 1 */
  log_i32(*dv);                                 /* 7 */

  log_i32(dlsym(h, "global_fn") == (void *)&global_fn); /* 1 */
  addr_fn_t pga = (addr_fn_t)dlsym(h, "plugin_global_fn_addr");
  log_i32(pga() == (void *)&global_fn);                 /* 1 */

  fn_t gf = (fn_t)dlsym(RTLD_DEFAULT, "global_fn");
  log_i32(gf == &global_fn);                   /* 1 */
  log_i32(gf(1));                              /* 101 */
  int *gd = (int *)dlsym(RTLD_DEFAULT, "global_data");
  log_i32(gd == &global_data);                 /* 1 */
  log_i32(*gd);                                /* 42 */

  void *g = dlopen(0, RTLD_NOW);
  log_i32(g != 0);                                      /* 1 */
  log_i32(dlsym(g, "global_fn") == (void *)&global_fn); /* 1 */
  log_i32(dlsym(g, "main_fn") == (void *)&main_fn);     /* 1 */
  log_i32(dlsym(g, "main_data") == (void *)&main_data); /* 1 */
  log_i32(((fn_t)dlsym(g, "main_fn"))(10));             /* 9 */
  log_i32(*(int *)dlsym(g, "main_data"));               /* 5 */

  dlclose(g);
  dlclose(h);
  return pf(1); /* 8 */
}
