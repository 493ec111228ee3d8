/* liba.so: thread-local variables with initialisers (.tdata) and zero ones (.tbss). */
_Thread_local int a_counter = 7;
_Thread_local int a_calls;
_Thread_local int a_arr[4] = {1, 2, 3, 4};

/* a_counter += by, every a_arr[k] += by, one more call; returns a_counter. */
int a_bump(int by) {
  a_calls++;
  a_counter += by;
  for (int k = 0; k < 4; k++) a_arr[k] += by;
  return a_counter;
}
int a_calls_get(void) { return a_calls; }
int a_sum_arr(void) { return a_arr[0] + a_arr[1] + a_arr[2] + a_arr[3]; }
