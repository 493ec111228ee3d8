/* libtls.so of the "tls" program: thread-local variables of its own (one initialised
 * with several values, one zero-initialised), read and written by each thread, and
 * main's thread-local main_tls used from here. */
#include <stdio.h>

extern _Thread_local int main_tls;
_Thread_local int side_tls = 7;
_Thread_local long long side_vals[3] = {11, 22, 33};
_Thread_local int side_zero;

/* Each thread's own addresses, compared by main across threads. */
void *side_tls_addr(void) { return &side_tls; }

void side_set(int v) {
  side_tls = v;
  side_zero += v + 1;
  for (int i = 0; i < 3; i++) side_vals[i] += v;
  main_tls += 1; /* main's thread-local, through the side's GOT */
}

int side_describe(char *buf, int n) {
  return snprintf(buf, n, "side_tls %d side_zero %d side_vals %lld,%lld,%lld main_tls %d",
                  side_tls, side_zero, side_vals[0], side_vals[1], side_vals[2], main_tls);
}
