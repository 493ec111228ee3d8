/* tlsruntime: a library the glue loads at run time (not given to prelink) uses main's
 * _Thread_local variables: the glue points its GOT entries at the calling thread's copy,
 * which it learns from main's emscripten_tls_init and the thread-local flags of main's
 * exports. Four pthreads first change their own copies (so the main thread's copy is
 * not the only one in memory); after they are joined, the main thread dlopen's
 * libextra.so and reads and writes its own copy through it. (emcc 3.1.6's workers
 * would load a library dlopen'ed before they start from disk, not from the embedded
 * file system, so it is opened only after the threads.) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define NTHREADS 4

_Thread_local int main_tls = 100;
_Thread_local char main_word[8] = "main";

static void *run(void *arg) {
  int id = (int)(long)arg;
  main_tls = 1000 + id;
  snprintf(main_word, sizeof main_word, "t%d", id);
  return (void *)(long)(main_tls + (int)strlen(main_word));
}

int main(void) {
  pthread_t t[NTHREADS];
  void *r[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, run, (void *)(long)i);
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], &r[i]);
  for (int i = 0; i < NTHREADS; i++) printf("thread %d: %ld\n", i, (long)r[i]);

  main_tls = 7;
  void *h = dlopen("/libextra.so", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*get)(void) = (int (*)(void))dlsym(h, "extra_get");
  void (*add)(int) = (void (*)(int))dlsym(h, "extra_add");
  const char *(*word)(void) = (const char *(*)(void))dlsym(h, "extra_word");
  printf("libextra sees main_tls %d, main_word %s (same address: %d)\n", get(), word(), word() == main_word);
  add(35);
  printf("after extra_add(35): main_tls %d, libextra sees %d\n", main_tls, get());
  return 0;
}
