/* liba.so of the "diamond" program: NEEDs libbase.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int base_inits;
extern int base_value;
extern char base_tag[];
int base_next(void);

static char *a_label;

__attribute__((constructor)) static void a_init(void) {
  a_label = malloc(32);
  snprintf(a_label, 32, "liba+%s", base_tag);
  printf("liba ctor: base_inits %d, base_value %d, label %s\n", base_inits, base_value, a_label);
}

int *a_base_value_addr(void) { return &base_value; }
int a_base_inits(void) { return base_inits; }
int a_next(void) { return base_next() + a_label[3] - 'a'; }
const char *a_name(void) { return a_label; }
