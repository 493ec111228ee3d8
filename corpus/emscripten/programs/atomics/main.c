/* atomics: 4 pthreads update C11 atomics in libcount.so (and main's main_hits through
 * the side) at the same time; the side's constructor runs once, on the main thread,
 * before main and after main's own constructor; the totals are exact. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define NTHREADS 4
#define STEPS 20000

int main_base = 21;
atomic_int main_hits;
static atomic_int main_ctor_runs;

extern atomic_int side_counter;
extern atomic_int side_ctor_runs;
void count_step(int thread, int i);
void count_report(void);

__attribute__((constructor)) static void main_init(void) {
  atomic_fetch_add(&main_ctor_runs, 1);
  printf("main ctor: side ctor runs so far %d\n", atomic_load(&side_ctor_runs));
}

static pthread_barrier_t barrier;

static void *run(void *arg) {
  int id = (int)(long)arg;
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < STEPS; i++) count_step(id, i);
  return (void *)(long)atomic_load(&side_ctor_runs);
}

int main(void) {
  printf("main: side_counter %d, ctor runs main %d side %d\n", atomic_load(&side_counter),
         atomic_load(&main_ctor_runs), atomic_load(&side_ctor_runs));
  pthread_barrier_init(&barrier, NULL, NTHREADS);
  pthread_t t[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, run, (void *)(long)i);
  void *seen[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], &seen[i]);
  for (int i = 0; i < NTHREADS; i++) printf("thread %d saw side ctor runs %ld\n", i, (long)seen[i]);
  count_report();
  printf("main_hits %d, main ctor runs %d\n", atomic_load(&main_hits), atomic_load(&main_ctor_runs));
  return 0;
}
