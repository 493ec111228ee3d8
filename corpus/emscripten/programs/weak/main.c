/* weak: a weak definition in main against a strong one in libstrong.so (function and
 * data: which one each module sees is printed; emscripten's loader binds both to the
 * main module's, which is loaded first), and undefined weak data references (in main
 * and in the side, read directly and through a pointer in the side's data) that
 * nobody defines: their addresses are NULL.
 *
 * emscripten 3.1.6 cannot run more than that: emcc fails the link of a program with a
 * default-visibility undefined weak symbol (or, with -sERROR_ON_UNDEFINED_SYMBOLS=0,
 * makes JS stubs that its loader then fails to put in the table), and wasm-ld keeps
 * an import for an undefined weak function even when it is hidden. So the references
 * here are hidden data, which wasm-ld resolves to NULL inside each module; the linked
 * program must keep them NULL. */
#include <stdio.h>

__attribute__((weak)) int weak_pick(void) { return 1; }
__attribute__((weak)) int weak_level = 1;

#define WEAK_UNDEFINED __attribute__((weak, visibility("hidden")))
extern int main_absent_data WEAK_UNDEFINED;
extern const char main_absent_array[] WEAK_UNDEFINED;

void strong_report(void);
int *strong_level_addr(void);
int (*strong_pick_addr(void))(void);
int strong_direct_pick(void);

int main(void) {
  printf("main: weak_pick() %d, weak_level %d\n", weak_pick(), weak_level);
  strong_report();
  printf("main: side's &weak_level is main's %d, side's &weak_pick is main's %d\n",
         strong_level_addr() == &weak_level, strong_pick_addr() == weak_pick);
  printf("main: side's call of weak_pick through a local function gives %d\n", strong_direct_pick());
  printf("main: &main_absent_data null %d, main_absent_array null %d\n", &main_absent_data == 0,
         main_absent_array == 0);
  return 0;
}
