/* libhelper.so of the "dlopen" program: NEEDed by main (loaded at start-up) and by
 * libplug.so. */
int helper_calls;

int helper_add(int a, int b) {
  helper_calls++;
  return a + b;
}

int helper_twice(int x) { return helper_add(x, x); }
int (*helper_self(void))(int, int) { return helper_add; }
