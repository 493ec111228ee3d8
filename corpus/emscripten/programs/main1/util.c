/* libutil.so of the "main1" program. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main_weight(int x);

const char util_version[] = "util-1.0";

/* Orders by main_weight first, then by value. */
static int by_weight(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  int wx = main_weight(x), wy = main_weight(y);
  if (wx != wy) return wx - wy;
  return (x > y) - (x < y);
}

int util_sort_and_find(const char *csv, int key, char *out, int outlen) {
  int values[32];
  int n = 0;
  char *end;
  const char *p = csv;
  while (*p && n < 32) {
    values[n++] = (int)strtol(p, &end, 10);
    p = *end == ',' ? end + 1 : end;
  }
  qsort(values, n, sizeof values[0], by_weight);
  int len = 0;
  out[0] = 0;
  for (int i = 0; i < n; i++)
    len += snprintf(out + len, outlen - len, i ? " %d" : "%d", values[i]);
  int *found = bsearch(&key, values, n, sizeof values[0], by_weight);
  if (found && memcmp(found, &key, sizeof key) == 0) return (int)(found - values);
  return -1;
}

double util_mean(const int *v, int n) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += v[i];
  char text[32];
  snprintf(text, sizeof text, "%.2f", sum);
  printf("util_mean: sum %s over %d\n", text, n);
  return sum / n;
}

void util_upper(char *s) {
  for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}
