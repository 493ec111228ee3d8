/* libptrs.so: NEEDs libother.so. Its data section is full of initialised pointers
 * that only __wasm_apply_data_relocs can fill in, since their targets live in other
 * modules (GOT.mem / GOT.func imports) or at a load-time offset of its own. */
extern int main_numbers[3];
extern const char main_name[];
int main_twice(int x);
extern int other_value;
int other_neg(int x);

static int own_local = 5; /* internal: relocated against __memory_base, not the GOT */
int ptrs_counter = 9;     /* main points to this from its own data */
int ptrs_inc(int x) { return x + 1; }
int ptrs_get_counter(void) { return ptrs_counter; }

int *p_main = &main_numbers[1];   /* main's data, with an addend */
const char *p_main_name = main_name;
int *p_other = &other_value;      /* another side's data */
int (*f_main)(int) = main_twice;  /* main's function */
int (*f_other)(int) = other_neg;  /* another side's function */

/* Arrays and structs of such pointers. */
int *ptr_array[4] = {&main_numbers[0], &main_numbers[2], &other_value, &own_local};
int (*fn_array[3])(int) = {main_twice, other_neg, ptrs_inc};
struct rec {
  const char *name;
  int *value;
  int (*fn)(int);
};
struct rec recs[2] = {{"first", &main_numbers[0], main_twice},
                      {"second", &other_value, other_neg}};
int **pp = &ptr_array[1];                 /* pointer into its own data */
const char *str_table[2] = {"alpha", "beta"}; /* pointers to its own rodata */
