/* libb.so of the "diamond" program: NEEDs libbase.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int base_inits;
extern int base_value;
extern char base_tag[];
int base_next(void);

static char *b_label;

__attribute__((constructor)) static void b_init(void) {
  b_label = malloc(32);
  snprintf(b_label, 32, "libb+%s", base_tag);
  printf("libb ctor: base_inits %d, base_value %d, label %s\n", base_inits, base_value, b_label);
}

int *b_base_value_addr(void) { return &base_value; }
int b_base_inits(void) { return base_inits; }
int b_next(void) { return base_next() + b_label[3] - 'a'; }
const char *b_name(void) { return b_label; }
