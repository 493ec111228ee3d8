/* thread_tls: _Thread_local variables of the main and of two side modules (liba, and
 * libb which NEEDs liba and reads liba's TLS directly), read and written from threads.
 * Checks:
 *  - a new thread sees every module's initial values (.tdata copied into its own block,
 *    .tbss zero), whatever the main thread or other threads wrote: bits of init_ok;
 *  - each thread's writes stay its own: after a barrier that all 4 threads reach after
 *    writing (so they are alive together), each reads back exactly its own values;
 *  - the main thread's TLS is the static block, untouched by the threads;
 *  - &m_tls and &a_counter differ in all five threads; libb's 16-aligned b_wide is
 *    16-aligned in every thread;
 *  - a fifth thread started after the first four were joined gets fresh values again.
 * Results go into per-thread slots that the main thread prints after joining; each
 * thread logs one line, printed at its join. */
#include "host.h"

extern _Thread_local int a_counter;
int a_bump(int by);
int a_calls_get(void);
int a_sum_arr(void);
int b_read_a(void);
int b_mix(int v);
void b_wide_add(int v);
long long b_wide_get(void);
int b_wide_aligned(void);

_Thread_local int m_tls = 100;
_Thread_local int m_zero;
_Thread_local char m_name[6] = "main";

struct slot {
  int init_ok, after, a_counter, a_calls, a_sum, b, name_ok, wide;
  corpus_uintptr addr_m, addr_a;
};
struct slot slots[6]; /* 0: the main thread, 1..5: threads */
static int arrived;   /* barrier of the first four threads */

static int initial_state(void) {
  int ok = 0;
  ok |= (m_tls == 100) << 0;
  ok |= (m_zero == 0) << 1;
  ok |= (m_name[0] == 'm' && m_name[3] == 'n' && m_name[4] == 0) << 2;
  ok |= (a_counter == 7) << 3;
  ok |= (a_calls_get() == 0) << 4;
  ok |= (b_read_a() == 7) << 5;
  ok |= (a_sum_arr() == 10) << 6;
  ok |= (b_wide_get() == 5000000000LL) << 7;
  ok |= b_wide_aligned() << 8;
  return ok; /* 511 */
}

static void thread_main(int i) {
  struct slot *s = &slots[i];
  s->init_ok = initial_state();
  m_tls += i;
  m_zero = i * i;
  m_name[0] = (char)('0' + i);
  a_bump(10 * i);
  b_mix(i);
  b_wide_add(i);
  /* Barrier: every thread has written its values before any reads them back. */
  int n = __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
  if (n == 4) __builtin_wasm_memory_atomic_notify(&arrived, -1);
  while ((n = __atomic_load_n(&arrived, __ATOMIC_SEQ_CST)) < 4) __builtin_wasm_memory_atomic_wait32(&arrived, n, -1);
  s->after = m_tls * 1000 + m_zero;
  s->a_counter = a_counter;
  s->a_calls = a_calls_get();
  s->a_sum = a_sum_arr();
  s->b = b_mix(0);
  s->name_ok = m_name[0] == '0' + i;
  s->wide = b_wide_get() == 5000000000LL + i;
  s->addr_m = corpus_addr(&m_tls);
  s->addr_a = corpus_addr(&a_counter);
  log_i32(1000 + i);
}

static void log_slot(int i) {
  struct slot *s = &slots[i];
  log_i32(s->init_ok);
  log_i32(s->after);
  log_i32(s->a_counter);
  log_i32(s->a_calls);
  log_i32(s->a_sum);
  log_i32(s->b);
  log_i32(s->name_ok);
  log_i32(s->wide);
}

/* 1 when the addresses of the five threads (slots 0..4) are pairwise different. */
static int distinct(int m) {
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++)
      if ((m ? slots[i].addr_m : slots[i].addr_a) == (m ? slots[j].addr_m : slots[j].addr_a)) return 0;
  return 1;
}

int run(void) {
  m_tls = 1;
  a_bump(1000);
  log_i32(b_mix(1)); /* 6107 = 51 * 100 + 1007 */
  slots[0].addr_m = corpus_addr(&m_tls);
  slots[0].addr_a = corpus_addr(&a_counter);

  int ids[4];
  for (int i = 0; i < 4; i++) ids[i] = thread_spawn(thread_main, i + 1);
  for (int i = 0; i < 4; i++) thread_join(ids[i]); /* i32 1001 .. 1004 */
  for (int i = 1; i <= 4; i++) log_slot(i);
  log_i32(distinct(1));
  log_i32(distinct(0));

  /* The main thread's own values. */
  log_i32(m_tls);          /* 1 */
  log_i32(m_zero);         /* 0 */
  log_i32(a_counter);      /* 1007 */
  log_i32(a_calls_get());  /* 1 */
  log_i32(b_mix(0));       /* 6107 */
  log_i32(m_name[0] == 'm');
  log_i32(b_wide_get() == 5000000000LL);

  thread_join(thread_spawn(thread_main, 5)); /* i32 1005: a fresh block once more */
  log_slot(5);
  return m_tls + a_counter; /* 1008 */
}
