/* libside.so of the "bothways" program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int main_scale;
extern const char *main_greeting;
extern int main_events;
int main_callback(int x);

int side_counter = 100;
const char side_label[] = "side-label";
int side_seen_scale;
static char *side_banner;

__attribute__((constructor)) static void side_init(void) {
  side_seen_scale = main_scale;
  size_t n = strlen(main_greeting) + 3;
  side_banner = malloc(n);
  snprintf(side_banner, n, "[%s]", main_greeting);
  printf("side ctor: main_scale %d, banner %s\n", main_scale, side_banner);
  main_events++;
}

int side_compute(int x) {
  int r = main_callback(x) * main_scale + side_counter;
  side_counter++;
  main_events++;
  return r;
}

const char *side_describe(void) {
  static char text[96];
  snprintf(text, sizeof text, "%s/%d/%s", side_label, side_counter, side_banner);
  return text;
}

char *side_make(const char *prefix, int n) {
  size_t len = strlen(prefix) + 16;
  char *s = malloc(len);
  snprintf(s, len, "%s-%d-%s", prefix, n, side_label);
  return s;
}
