/* thread_dlopen: dlopen from threads other than the main one. Checks:
 *  - libplugin is not loaded at start-up; thread 1 dlopens it: its constructor runs once,
 *    in that thread, and dlsym'd functions and data work there;
 *  - the main thread then sees the library loaded by thread 1: dlopen(RTLD_NOLOAD) gives
 *    the same handle, dlsym'd functions (and the function pointer in the plugin's
 *    relocated data, a table slot made when thread 1 loaded it) are callable here;
 *  - threads 2..4 dlopen it concurrently: the same handle, no second constructor run,
 *    dlclose succeeds;
 *  - a failed dlopen in a thread gives that thread a dlerror() message naming the file;
 *  - the plugin's thread-local plugin_tls (9) is each thread's own: thread 1 (which loaded
 *    it), the main thread (which existed before the dlopen) and threads 2..4 each start
 *    from 9;
 *  - a function of the plugin, its pointer from dlsym on the main thread, runs as a
 *    thread's entry (the same table slot in every thread) and sees a fresh plugin_tls;
 *  - libcore's counter counts every call from every thread. */
#include "host.h"

extern int core_calls;

void *handles[5];
int results[5];
int ctor_seen[5];
int closed[5];
int error_ok[5];
int tls_seen[5];

static void use_plugin(int i) {
  void *h = dlopen("libplugin.so", RTLD_NOW);
  handles[i] = h;
  int (*fn)(int) = (int (*)(int))dlsym(h, "plugin_fn");
  results[i] = fn ? fn(i) : -1;
  int *runs = (int *)dlsym(h, "plugin_ctor_runs");
  ctor_seen[i] = runs ? *runs : -1;
  int (*tls_add)(int) = (int (*)(int))dlsym(h, "plugin_tls_add");
  tls_seen[i] = tls_add ? tls_add(i) * 100 + tls_add(0) : -1; /* (9 + i) * 101 */
  if (i > 1) {
    closed[i] = dlclose(h);
    void *none = dlopen("libnone.so", RTLD_NOW);
    const char *err = dlerror();
    error_ok[i] = none == 0 && err != 0 && corpus_strstr(err, "libnone.so") != 0;
  }
  log_i32(100 + i);
}

int run(void) {
  log_i32(dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD) == 0); /* 1: not loaded yet */
  dlerror();

  thread_join(thread_spawn(use_plugin, 1)); /* i32 101 */
  log_i32(results[1]);   /* 33 = 3 * 1 + 30 */
  log_i32(ctor_seen[1]); /* 1 */

  void *h = dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD);
  log_i32(h != 0 && h == handles[1]); /* 1 */
  int (*fn)(int) = (int (*)(int))dlsym(h, "plugin_fn");
  log_i32(fn ? fn(5) : -1); /* 45 = 3 * 5 + 30 */
  int (**cb)(int) = (int (**)(int))dlsym(h, "plugin_cb");
  log_i32(cb ? (*cb)(7) : -1); /* 21 */
  int (*tls_add)(int) = (int (*)(int))dlsym(h, "plugin_tls_add");
  log_i32(tls_seen[1]);                  /* 1010 */
  log_i32(tls_add ? tls_add(100) : -1);  /* 109: the main thread's own plugin_tls */

  int ids[3];
  for (int i = 0; i < 3; i++) ids[i] = thread_spawn(use_plugin, i + 2);
  for (int i = 0; i < 3; i++) thread_join(ids[i]); /* i32 102 .. 104 */
  for (int i = 2; i <= 4; i++) {
    log_i32(results[i]);              /* 3 * i + 30 */
    log_i32(ctor_seen[i]);            /* 1 */
    log_i32(handles[i] == handles[1]); /* 1 */
    log_i32(closed[i]);               /* 0 */
    log_i32(error_ok[i]);             /* 1 */
    log_i32(tls_seen[i]);             /* (9 + i) * 101 */
  }
  log_i32(tls_add ? tls_add(0) : -1); /* 109: untouched by the threads */
  void (*entry)(int) = (void (*)(int))dlsym(h, "plugin_thread");
  if (entry) thread_join(thread_spawn(entry, 3));
  int *seen = (int *)dlsym(h, "plugin_thread_seen");
  log_i32(seen ? *seen : -1); /* 30 = 3 * 7 + 9 */
  int *runs = (int *)dlsym(h, "plugin_ctor_runs");
  log_i32(runs ? *runs : -1); /* 1 */
  log_i32(core_calls);        /* 6: thread 1, fn(5), (*cb)(7), threads 2..4 */
  dlclose(h);
  return core_calls; /* 6 */
}
