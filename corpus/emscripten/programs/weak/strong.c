/* libstrong.so of the "weak" program: strong definitions of what main defines weakly,
 * and undefined weak data references (hidden, see main.c). */
#include <stdio.h>

int weak_pick(void) { return 2; }
int weak_level = 2;

#define WEAK_UNDEFINED __attribute__((weak, visibility("hidden")))
extern int side_absent_data WEAK_UNDEFINED;
extern const char side_absent_array[] WEAK_UNDEFINED;

/* A pointer in the side's data to an undefined weak symbol: NULL. */
int *side_absent_ptr = &side_absent_data;

void strong_report(void) {
  printf("side: weak_pick() %d, weak_level %d\n", weak_pick(), weak_level);
  printf("side: &side_absent_data null %d, side_absent_array null %d, side_absent_ptr null %d\n",
         &side_absent_data == 0, side_absent_array == 0, side_absent_ptr == 0);
}

int *strong_level_addr(void) { return &weak_level; }
int (*strong_pick_addr(void))(void) { return weak_pick; }

__attribute__((noinline)) static int local_pick(void) { return weak_pick(); }
int strong_direct_pick(void) { return local_pick(); }
