/* libuser.so: NEEDs libdef.so. Takes &def_f and &main_h in a module that defines
 * neither, and holds a table of pointers to functions of all three modules. */
int def_f(int x);
int def_add(int a, int b);
int main_h(int x);
int main_sub(int a, int b);

int user_mul(int a, int b) { return a * b; }
int user_max(int a, int b) { return a > b ? a : b; }

int (*user_ptr_f)(int) = def_f; /* &def_f in data (relocated) */
int (*user_take_f(void))(int) { return def_f; }
int (*user_take_main(void))(int) { return main_h; }

typedef int (*binop)(int, int);
binop user_ops[4] = {def_add, user_mul, main_sub, user_max};

/* Folds acc through the table: acc = user_ops[i](acc, i + 2). */
int user_fold(int acc) {
  for (int i = 0; i < 4; i++) acc = user_ops[i](acc, i + 2);
  return acc;
}
