/* datarelocs: data relocations pointing across modules.
 * libptrs's initialised data holds pointers to main's data (with an addend), to
 * libother's data, to functions of main, libother and itself, arrays and structs
 * of such pointers, a pointer into its own data and pointers to its own strings.
 * main's own data also points into libptrs (main's __wasm_apply_data_relocs).
 * run() reads everything through the pointers, calls through the function
 * pointers, compares relocated pointers with addresses main computes itself and
 * writes through relocated pointers in both directions. */
#include "host.h"

int main_numbers[3] = {11, 22, 33};
const char main_name[] = "main-data";
int main_twice(int x) { return 2 * x; }

extern int ptrs_counter;
int ptrs_inc(int x);
int ptrs_get_counter(void);
int *main_to_side = &ptrs_counter;       /* main's data -> side's data */
int (*main_to_side_fn)(int) = ptrs_inc;  /* main's data -> side's function */

extern int *p_main;
extern const char *p_main_name;
extern int *p_other;
extern int (*f_main)(int);
extern int (*f_other)(int);
extern int *ptr_array[4];
extern int (*fn_array[3])(int);
struct rec {
  const char *name;
  int *value;
  int (*fn)(int);
};
extern struct rec recs[2];
extern int **pp;
extern const char *str_table[2];

int run(void) {
  log_i32(*p_main);       /* 22 */
  log_str(p_main_name);   /* main-data */
  log_i32(*p_other);      /* 77 */
  log_i32(f_main(5));     /* 10 */
  log_i32(f_other(5));    /* -5 */

  int sum = 0;
  for (int i = 0; i < 4; i++) sum += *ptr_array[i];
  log_i32(sum);           /* 11 + 33 + 77 + 5 = 126 */

  for (int i = 0; i < 3; i++) log_i32(fn_array[i](3)); /* 6, -3, 4 */

  for (int i = 0; i < 2; i++) {
    log_str(recs[i].name);                /* first / second */
    log_i32(*recs[i].value);              /* 11 / 77 */
    log_i32(recs[i].fn(*recs[i].value));  /* 22 / -77 */
  }

  log_i32(**pp);          /* ptr_array[1] -> main_numbers[2] = 33 */
  log_str(str_table[0]);  /* alpha */
  log_str(str_table[1]);  /* beta */

  /* Relocated pointers equal the addresses main computes itself. */
  log_i32(p_main == &main_numbers[1]);       /* 1 */
  log_i32(ptr_array[0] == &main_numbers[0]); /* 1 */
  log_i32(f_main == main_twice);             /* 1 */
  log_i32(fn_array[2] == ptrs_inc);          /* 1 */

  *p_main = 222;                  /* write main's data through the side's pointer */
  log_i32(main_numbers[1]);       /* 222 */
  log_i32(*main_to_side);         /* 9 */
  log_i32(main_to_side_fn(41));   /* 42 */
  *main_to_side = 1000;           /* write the side's data through main's pointer */
  log_i32(ptrs_get_counter());    /* 1000 */
  return 0;
}
