/* tls: _Thread_local variables in an emscripten main module and in libtls.so, used
 * from 4 pthreads at the same time (a barrier keeps them all alive while they write
 * and read back their own copies) and from the main thread:
 *   - initial values: every thread starts with the initial values (main's main_tls,
 *     main_label; the side's side_tls, side_vals and zero-filled side_zero);
 *   - each thread writes its own values into main's and the side's variables; the side
 *     writes main's main_tls; main reads the side's side_tls directly;
 *   - addresses of a thread-local differ between threads (compared, not printed);
 *   - the main thread's copies are unchanged by the threads.
 * Threads print one at a time, in order (a turn counter), so the output is fixed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

_Thread_local int main_tls = 100;
_Thread_local char main_label[16] = "main-label";
extern _Thread_local int side_tls;

void *side_tls_addr(void);
void side_set(int v);
int side_describe(char *buf, int n);

#define NTHREADS 4
static pthread_barrier_t barrier;
static atomic_int turn;
static void *addrs[NTHREADS];
static void *main_addrs[NTHREADS];

static void *run(void *arg) {
  int id = (int)(long)arg;
  char start[128];
  side_describe(start, sizeof start);
  int label_ok = strcmp(main_label, "main-label") == 0;
  pthread_barrier_wait(&barrier); /* all threads started, none has written yet */
  main_tls += id * 1000;
  side_set(id * 10);
  snprintf(main_label, sizeof main_label, "thread-%d", id);
  addrs[id] = side_tls_addr();
  main_addrs[id] = &main_tls;
  pthread_barrier_wait(&barrier); /* all have written */
  char now[128];
  side_describe(now, sizeof now);
  while (atomic_load(&turn) != id) {
  }
  printf("thread %d start: %s label_ok %d\n", id, start, label_ok);
  printf("thread %d now:   %s side_tls(main) %d label %s\n", id, now, side_tls, main_label);
  atomic_store(&turn, id + 1);
  return (void *)(long)(main_tls + side_tls);
}

int main(void) {
  pthread_t t[NTHREADS];
  pthread_barrier_init(&barrier, NULL, NTHREADS);
  side_set(5); /* the main thread's copies */
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, run, (void *)(long)i);
  void *r[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], &r[i]);
  for (int i = 0; i < NTHREADS; i++) printf("joined %d: %ld\n", i, (long)r[i]);
  int distinct = 1;
  for (int i = 0; i < NTHREADS; i++)
    for (int j = 0; j < i; j++)
      if (addrs[i] == addrs[j] || main_addrs[i] == main_addrs[j]) distinct = 0;
  for (int i = 0; i < NTHREADS; i++)
    if (addrs[i] == side_tls_addr() || main_addrs[i] == (void *)&main_tls) distinct = 0;
  printf("thread-local addresses distinct: %d\n", distinct);
  char buf[128];
  side_describe(buf, sizeof buf);
  printf("main thread: %s side_tls(main) %d label %s\n", buf, side_tls, main_label);
  return 0;
}
