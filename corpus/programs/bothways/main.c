/* bothways: calls and data in both directions between main and one side module.
 *   main -> side: calls side functions, reads and writes side globals and arrays,
 *                 logs a string that lives in the side's data;
 *   side -> main: calls main_scale, reads main_table, writes main_counter and
 *                 main_table, logs a string whose pointer is main's (relocated) data. */
#include "host.h"

int main_counter = 5;
int main_table[4] = {10, 20, 30, 40};
const char *main_message = "hello from main";
int main_scale(int x) { return x * 3; }

extern int side_value;
extern int side_array[3];
extern const char side_greeting[];
int side_add(int a, int b);
int side_get_value(void);
int side_sum_array(void);
int side_calls_main(int x);
void side_set_main_table(int i, int v);
int side_get_main_counter(void);
void side_log_main_message(void);

int run(void) {
  log_i32(side_add(2, 40));          /* 42 */
  log_i32(side_value);               /* 100: side's initialised data */
  side_value = 123;
  log_i32(side_get_value());         /* 123: the side sees main's write */
  side_array[1] = 50;
  log_i32(side_sum_array());         /* 1 + 50 + 3 = 54 */
  log_i32(side_calls_main(7));       /* main_scale(7) + main_table[2] = 21 + 30 = 51 */
  log_i32(main_counter);             /* 5 + 10 = 15: main sees the side's write */
  side_set_main_table(3, 99);
  log_i32(main_table[3]);            /* 99 */
  log_i32(side_get_main_counter());  /* 15 */
  log_str(side_greeting);            /* string in the side's data */
  side_log_main_message();           /* string in main's data, via a relocated pointer */
  return 0;
}
