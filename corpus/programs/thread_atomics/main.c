/* thread_atomics: 4 threads update libcounter's shared counters 10000 times each, at the
 * same time (they start together after a barrier). Checks:
 *  - no update is lost: __atomic_fetch_add, C11 _Atomic += and ++ (i64 and i32), a
 *    compare-exchange maximum, a spin-locked plain counter, __atomic_fetch_sub and
 *    __atomic_fetch_or on the main's own data;
 *  - __atomic_exchange: the values the threads swapped in and out, plus the last one,
 *    are each of 0..4 once (their sum is 10);
 *  - the constructors of libcounter and of the main ran exactly once (not per thread):
 *    one "counter constructor" line, ctor_runs and main_ctor_runs are 1. */
#include "host.h"

extern int ctor_runs, plain_counter, max_seen, locked_counter;
extern _Atomic long long c11_total;
extern _Atomic int c11_hits;
void counter_work(int id, int n);
int counter_exchange(int v);

int main_ctor_runs;
int main_down = 50000;
int main_flags;
int swapped[5];
static int arrived;

__attribute__((constructor)) static void main_init(void) { main_ctor_runs++; }

static void worker(int id) {
  int n = __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
  if (n == 4) __builtin_wasm_memory_atomic_notify(&arrived, -1);
  while ((n = __atomic_load_n(&arrived, __ATOMIC_SEQ_CST)) < 4) __builtin_wasm_memory_atomic_wait32(&arrived, n, -1);
  swapped[id] = counter_exchange(id);
  counter_work(id, 10000);
  for (int k = 0; k < 10000; k++) __atomic_fetch_sub(&main_down, 1, __ATOMIC_SEQ_CST);
  __atomic_fetch_or(&main_flags, 1 << id, __ATOMIC_SEQ_CST);
  log_i32(id);
}

int run(void) {
  int ids[4];
  for (int i = 0; i < 4; i++) ids[i] = thread_spawn(worker, i + 1);
  for (int i = 0; i < 4; i++) thread_join(ids[i]); /* i32 1 .. 4 */
  log_i32(ctor_runs);      /* 1 */
  log_i32(main_ctor_runs); /* 1 */
  log_i32(plain_counter);  /* 41000 = 1000 + 4 * 10000 */
  log_i64(c11_total);      /* 2^40 + 10000 * (1 + 2 + 3 + 4) */
  log_i32(c11_hits);       /* 40000 */
  log_i32(max_seen);       /* 13999 = 4 * 1000 + 9999 */
  log_i32(locked_counter); /* 80000 */
  log_i32(main_down);      /* 10000 */
  log_i32(main_flags);     /* 30 = 0b11110 */
  int sum = counter_exchange(0);
  for (int i = 1; i <= 4; i++) sum += swapped[i];
  log_i32(sum);            /* 10 */
  log_str("done");         /* (and main imports log_str, which libcounter uses) */
  return plain_counter - 41000; /* 0 */
}
