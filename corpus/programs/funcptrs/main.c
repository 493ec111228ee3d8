/* funcptrs: function-pointer identity across modules and indirect calls.
 * &def_f is taken in main, in libdef (which defines it) and in libuser (code and
 * data); &main_h in libdef and libuser; all copies of one function's address must
 * be equal (one table slot per function), and calls through each must work.
 * Then tables of pointers to functions of main, libdef and libuser (one in main's
 * data, one in libuser's) are called in loops and compared entry by entry. */
#include "host.h"

int def_f(int x);
int def_add(int a, int b);
int (*def_take_f(void))(int);
int (*def_take_main(void))(int);
int user_mul(int a, int b);
int user_max(int a, int b);
extern int (*user_ptr_f)(int);
int (*user_take_f(void))(int);
int (*user_take_main(void))(int);
typedef int (*binop)(int, int);
extern binop user_ops[4];
int user_fold(int acc);

int main_h(int x) { return x - 100; }
int main_sub(int a, int b) { return a - b; }

int (*m_f)(int) = def_f; /* &def_f in main's data */
binop main_ops[5] = {main_sub, def_add, user_mul, user_max, def_add};

int run(void) {
  /* Identity. */
  log_i32(def_take_f() == user_take_f());        /* 1 */
  log_i32(def_take_f() == def_f);                /* 1: &def_f computed in main */
  log_i32(user_ptr_f == def_f);                  /* 1 */
  log_i32(m_f == def_take_f());                  /* 1 */
  log_i32(def_take_main() == user_take_main());  /* 1 */
  log_i32(user_take_main() == main_h);           /* 1 */
  log_i32(def_take_f() != user_take_main());     /* 1: different functions differ */

  /* Calls through each copy. */
  log_i32(def_take_f()(1));       /* 2 */
  log_i32(user_take_f()(2));      /* 3 */
  log_i32(user_ptr_f(3));         /* 4 */
  log_i32(m_f(4));                /* 5 */
  log_i32(def_take_main()(150));  /* 50 */
  log_i32(user_take_main()(101)); /* 1 */

  /* main's table: acc = main_ops[i](acc, i + 2), starting at 100. */
  int acc = 100;
  for (int i = 0; i < 5; i++) {
    acc = main_ops[i](acc, i + 2);
    log_i32(acc); /* 98, 101, 404, 404, 410 */
  }
  /* libuser's table, from 7: def_add 9, user_mul 27, main_sub 23, user_max 23. */
  log_i32(user_fold(7)); /* 23 */

  log_i32(main_ops[2] == user_ops[1]); /* 1: both user_mul */
  log_i32(main_ops[0] == user_ops[2]); /* 1: both main_sub */
  return 0;
}
