/* libbase.so of the "diamond" program: NEEDed by both liba.so and libb.so. */
#include <stdio.h>
#include <string.h>

int base_inits;
int base_value = 10;
char base_tag[16];

__attribute__((constructor)) static void base_init(void) {
  base_inits++;
  base_value *= 2;
  strcpy(base_tag, "base");
  printf("libbase ctor: run %d, base_value %d\n", base_inits, base_value);
}

int base_next(void) { return ++base_value; }
