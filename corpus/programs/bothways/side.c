/* libside.so: the side module of "bothways". It exports functions and data that
 * main uses, and itself calls main's functions and reads/writes main's data. */
#include "host.h"

/* Defined in main.wasm (reached through env.* and GOT.mem.* imports). */
extern int main_counter;
extern int main_table[4];
extern const char *main_message;
int main_scale(int x);

/* Data main reads and writes. */
int side_value = 100;
int side_array[3] = {1, 2, 3};
const char side_greeting[] = "hello from side";

int side_add(int a, int b) { return a + b; }

/* Reads side_value after main wrote it. */
int side_get_value(void) { return side_value; }

int side_sum_array(void) { return side_array[0] + side_array[1] + side_array[2]; }

/* Calls main, reads main's array and writes main's counter. */
int side_calls_main(int x) {
  main_counter += 10;
  return main_scale(x) + main_table[2];
}

void side_set_main_table(int i, int v) { main_table[i] = v; }

int side_get_main_counter(void) { return main_counter; }

/* Logs a string whose pointer lives in main's data. */
void side_log_main_message(void) { log_str(main_message); }
