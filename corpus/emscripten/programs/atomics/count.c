/* libcount.so of the "atomics" program: C11 atomics updated from several threads (an
 * int counter, a 64-bit sum, a compare-exchange maximum, an atomic_flag spinlock
 * guarding plain data) and main's atomic main_hits written from here; a constructor
 * that reads main's data and must run once, on the main thread only. */
#include <stdatomic.h>
#include <stdio.h>

extern int main_base;
extern atomic_int main_hits;

atomic_int side_counter;
atomic_llong side_sum;
atomic_int side_max;
atomic_int side_ctor_runs;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static int guarded_total; /* plain int, only changed under the spinlock */
static int guarded_steps;
static int side_start;

__attribute__((constructor)) static void count_init(void) {
  side_start = main_base * 2;
  atomic_fetch_add(&side_ctor_runs, 1);
  atomic_store(&side_counter, side_start);
  printf("libcount ctor: main_base %d, side_counter starts at %d\n", main_base, side_start);
}

void count_step(int thread, int i) {
  atomic_fetch_add(&side_counter, 1);
  atomic_fetch_add(&side_sum, (long long)i * 1000003);
  int v = thread * 100000 + i;
  int cur = atomic_load(&side_max);
  while (v > cur && !atomic_compare_exchange_weak(&side_max, &cur, v)) {
  }
  while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {
  }
  guarded_total += thread + 1;
  guarded_steps++;
  atomic_flag_clear_explicit(&lock, memory_order_release);
  if (i % 100 == 0) atomic_fetch_add(&main_hits, 1);
}

void count_report(void) {
  printf("side_counter %d (start %d), side_sum %lld, side_max %d\n", atomic_load(&side_counter), side_start,
         atomic_load(&side_sum), atomic_load(&side_max));
  printf("guarded_total %d, guarded_steps %d, ctor runs %d\n", guarded_total, guarded_steps,
         atomic_load(&side_ctor_runs));
}
