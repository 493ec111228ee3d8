/* libcounter.so: shared counters that threads update with __atomic builtins and C11
 * _Atomic objects, a compare-exchange loop, a spin lock, and a constructor that must run
 * once (on the main thread, at start-up), not in each thread. */
#include "host.h"

int ctor_runs;
int plain_counter;           /* __atomic_fetch_add */
_Atomic long long c11_total; /* C11: += on an _Atomic object is an atomic read-modify-write */
_Atomic int c11_hits;        /* C11: ++ */
int max_seen;                /* __atomic_compare_exchange_n loop */
int locked_counter;          /* plain += under the spin lock */
static char lock_flag;
static int xchg;

__attribute__((constructor)) static void counter_init(void) {
  ctor_runs++;
  plain_counter = 1000;
  c11_total = 1LL << 40;
  log_str("counter constructor");
}

void counter_work(int id, int n) {
  for (int k = 0; k < n; k++) {
    __atomic_fetch_add(&plain_counter, 1, __ATOMIC_SEQ_CST);
    c11_total += id;
    c11_hits++;
    int v = id * 1000 + k, old = __atomic_load_n(&max_seen, __ATOMIC_RELAXED);
    while (old < v && !__atomic_compare_exchange_n(&max_seen, &old, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    while (__atomic_test_and_set(&lock_flag, __ATOMIC_ACQUIRE)) {
    }
    locked_counter += 2;
    __atomic_clear(&lock_flag, __ATOMIC_RELEASE);
  }
}

/* Swaps v into the exchange cell and returns what it held. */
int counter_exchange(int v) { return __atomic_exchange_n(&xchg, v, __ATOMIC_SEQ_CST); }
