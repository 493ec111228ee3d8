/* main1: a main module built with -sMAIN_MODULE=1 (everything exported: libutil.so
 * imports libc functions nobody listed) with a side module using more of libc:
 * qsort and bsearch with comparators in the side, strtol, snprintf with doubles,
 * memcmp, toupper; the side calls back a main function. */
#include <stdio.h>
#include <string.h>

int main_weight(int x) { return x % 7; }

int util_sort_and_find(const char *csv, int key, char *out, int outlen);
double util_mean(const int *v, int n);
void util_upper(char *s);
extern const char util_version[];

int main(void) {
  char buf[128];
  int pos = util_sort_and_find("42,7,19,3,88,23,5", 19, buf, sizeof buf);
  printf("sorted: %s, 19 at %d\n", buf, pos);
  pos = util_sort_and_find("10,20,30", 25, buf, sizeof buf);
  printf("sorted: %s, 25 at %d\n", buf, pos);
  int v[5] = {3, 9, 12, 1, 30};
  printf("mean %.3f\n", util_mean(v, 5));
  char word[] = "prelinked emscripten";
  util_upper(word);
  printf("upper: %s, version %s (%d chars)\n", word, util_version, (int)strlen(util_version));
  return 0;
}
