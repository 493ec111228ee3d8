/* libdef.so: defines def_f and takes the addresses of def_f and of main's main_h. */
int main_h(int x);

int def_f(int x) { return x + 1; }
int def_add(int a, int b) { return a + b; }

int (*def_take_f(void))(int) { return def_f; }    /* &def_f in the defining module */
int (*def_take_main(void))(int) { return main_h; } /* &main_h in a side module */
