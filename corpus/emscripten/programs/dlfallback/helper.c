// A start-up library (main NEEDs it): in the prelinked module, in the global scope.
int helper_calls = 0;

int helper_add(int a, int b) {
  helper_calls++;
  return a + b;
}
