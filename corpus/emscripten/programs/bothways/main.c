/* bothways: calls and data in both directions between an emscripten main module and
 * libside.so, with libc (printf, malloc/free, string functions) used on both sides.
 *   main -> side: calls, reads and writes side_counter, reads a string in the side's
 *                 data, frees memory the side allocated;
 *   side -> main: calls main_callback, reads main_scale and main_greeting (a pointer
 *                 in main's data), writes main_events;
 *   constructors: main's reads the side's initialised data; the side's reads main's
 *                 data and allocates with malloc. The order the constructors run in is
 *                 printed (emscripten's loader runs main's first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main_scale = 3;
const char *main_greeting = "hello from main";
int main_events;

int main_callback(int x) {
  printf("main_callback(%d)\n", x);
  return x + 1;
}

extern int side_counter;
extern const char side_label[];
extern int side_seen_scale;
int side_compute(int x);
const char *side_describe(void);
char *side_make(const char *prefix, int n);

__attribute__((constructor)) static void main_init(void) {
  printf("main ctor: side_counter %d, side_label %s\n", side_counter, side_label);
}

int main(void) {
  printf("main: side ctor saw main_scale %d, main_events %d\n", side_seen_scale, main_events);
  for (int i = 1; i <= 3; i++) printf("side_compute(%d) = %d\n", i, side_compute(i));
  side_counter += 1000;
  printf("after main wrote side_counter: %s\n", side_describe());
  main_scale = 10;
  printf("after main wrote main_scale: side_compute(4) = %d\n", side_compute(4));
  printf("main_events %d\n", main_events);

  char *made = side_make("item", 3);
  char copy[64];
  strcpy(copy, made);
  free(made); /* allocated by the side, freed by main */
  printf("side_make: %s (strlen %d, label cmp %d)\n", copy, (int)strlen(copy),
         strcmp(side_label, "side-label") == 0);
  return 0;
}
