/* diamond: main NEEDs liba.so and libb.so, which both NEED libbase.so. libbase is
 * loaded and initialised once (its constructor counts its runs), both see the same
 * instance of its data, and the constructors' order is printed. */
#include <stdio.h>

int *a_base_value_addr(void);
int *b_base_value_addr(void);
int a_next(void);
int b_next(void);
int a_base_inits(void);
int b_base_inits(void);
const char *a_name(void);
const char *b_name(void);

int main(void) {
  printf("main: base initialised %d (seen from liba), %d (seen from libb)\n", a_base_inits(), b_base_inits());
  printf("main: same base_value from liba and libb %d\n", a_base_value_addr() == b_base_value_addr());
  int x = a_next();
  int y = b_next();
  int z = a_next();
  printf("main: a_next %d, b_next %d, a_next %d, base_value %d\n", x, y, z, *a_base_value_addr());
  printf("main: names %s %s\n", a_name(), b_name());
  return 0;
}
