/* libplug.so of the "dlopen" program: only dlopen'ed. NEEDs libhelper.so, imports
 * main's data and functions and libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int plug_ctor_runs;
int main_offset(void);
int helper_add(int a, int b);

int plug_data = 77;
static char *plug_note;

__attribute__((constructor)) static void plug_init(void) {
  plug_ctor_runs++;
  plug_note = malloc(64);
  snprintf(plug_note, 64, "offset %d", main_offset());
  printf("libplug ctor: %s\n", plug_note);
}

int plug_entry(int x) { return helper_add(x, main_offset()) + (int)strlen(plug_note); }
int plug_read_data(void) { return plug_data; }
int (*plug_helper_ptr(void))(int, int) { return helper_add; }
