/* dlsync: a side module dlopen'ed on the main thread before 4 pthreads start, used by
 * every thread through dlsym (emcc 3.1.6's workers load it too, on their way into the
 * thread, from the C list of loaded libraries): its functions, its data, and its
 * _Thread_local plug_tls, which each thread starts afresh and the main thread keeps;
 * and a second side module dlopen'ed and used by one pthread only (3.1.6 cannot share a
 * library a thread opened with threads already running, nor with the main thread).
 * Threads print in order (a turn counter), after a barrier that holds them until the
 * pthread's dlopen is done: 3.1.6's loader places a library opened after start-up in
 * memory from malloc without clearing it, and the library's once-flag for its data
 * image is in that memory, so a block another thread freed (a thread's exit frees its
 * stack) can leave the library's data uninitialised in the original. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define NTHREADS 4
static void *h;
static atomic_int turn;
static pthread_barrier_t barrier;
static void *run(void *arg) {
  int id = (int)(long)arg;
  int (*f)(int) = (int (*)(int))dlsym(h, "plug_get");
  int *v = (int *)dlsym(h, "plug_value");
  int r1 = f ? f(id) : -1, r2 = f ? f(id) : -1;
  int late = -1;
  if (id == 2) {
    void *l = dlopen("liblate.so", RTLD_NOW);
    int (*g)(int) = l ? (int (*)(int))dlsym(l, "late_get") : 0;
    late = g ? g(id) : -2;
  }
  pthread_barrier_wait(&barrier);
  while (atomic_load(&turn) != id) {
  }
  printf("thread %d: plug_get %d then %d, plug_value %d, late %d\n", id, r1, r2, v ? *v : -1, late);
  atomic_store(&turn, id + 1);
  return 0;
}
int main(void) {
  h = dlopen("libplug.so", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*f)(int) = (int (*)(int))dlsym(h, "plug_get");
  printf("main before: plug_get(5) = %d\n", f(5));
  pthread_barrier_init(&barrier, NULL, NTHREADS);
  pthread_t t[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], 0, run, (void *)(long)i);
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], 0);
  printf("main after: plug_get(5) = %d\n", f(5));
  return 0;
}
