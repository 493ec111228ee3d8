/* fnptr: function-pointer equality across modules. A function's address is the same
 * number whether taken in main, in libfn.so (in code or in an initialised table in
 * its data), in libuser.so, or returned by dlsym(RTLD_DEFAULT, ...); also for libc's
 * strlen, whose address main and libfn both take. Calls through those pointers cross
 * the module boundary in both directions.
 *
 * main never names side_twice itself: emcc 3.1.6 puts a JS forwarding stub into the
 * glue's symbol table for every side symbol main references, and its dlsym then fails
 * to put that stub into the table. The direct references compared with dlsym are in
 * libfn and libuser; main's own direct references are checked with side_thrice. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef int (*fn_t)(int);

int main_inc(int x) { return x + 1; }
static int main_local_neg(int x) { return -x; } /* never exported: only its address travels */

int side_thrice(int x);
extern fn_t side_table[3];
extern fn_t side_saved;
fn_t side_get_twice(void);
fn_t side_get_thrice(void);
fn_t side_get_main_inc(void);
size_t (*side_get_strlen(void))(const char *);
int side_apply(fn_t f, int x);
void side_save(fn_t f);
fn_t user_get_twice(void);
fn_t user_get_main_inc(void);

int main(void) {
  fn_t twice = side_get_twice();
  printf("side_twice: libfn table %d, libuser %d, dlsym(RTLD_DEFAULT) %d\n", side_table[0] == twice,
         user_get_twice() == twice, dlsym(RTLD_DEFAULT, "side_twice") == (void *)twice);
  printf("side_thrice: main and libfn %d\n", side_get_thrice() == side_thrice);
  printf("main_inc: libfn code %d, libfn table %d, libuser %d, dlsym(RTLD_DEFAULT) %d\n",
         side_get_main_inc() == main_inc, side_table[1] == main_inc, user_get_main_inc() == main_inc,
         dlsym(RTLD_DEFAULT, "main_inc") == (void *)main_inc);
  printf("strlen: libfn code %d, libfn table %d, dlsym(RTLD_DEFAULT) %d\n", side_get_strlen() == strlen,
         (void *)side_table[2] == (void *)strlen, dlsym(RTLD_DEFAULT, "strlen") == (void *)strlen);
  side_save(main_local_neg);
  printf("saved static function: same %d, call %d\n", side_saved == main_local_neg, side_saved(5));
  printf("calls: %d %d %d %d %d\n", side_apply(main_inc, 5), side_apply(twice, 5),
         side_apply(side_thrice, 5), side_table[0](10), side_table[1](10));
  fn_t via_dlsym = (fn_t)dlsym(RTLD_DEFAULT, "side_twice");
  printf("via dlsym: %d, distinct %d %d\n", via_dlsym(21), (void *)twice != (void *)main_inc,
         (void *)twice != (void *)side_thrice);
  return 0;
}
