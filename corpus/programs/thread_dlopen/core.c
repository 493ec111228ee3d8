/* libcore.so: NEEDed by the main (global scope); libplugin calls it. */
int core_calls;
int core_fn(int x) {
  __atomic_fetch_add(&core_calls, 1, __ATOMIC_SEQ_CST);
  return 3 * x;
}
