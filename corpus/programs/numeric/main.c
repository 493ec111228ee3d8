/* numeric: i64, f32 and f64 arguments, results and data across the boundary, in
 * both directions and through a function pointer; includes values that need all 64
 * bits, f32 rounding (16777216 + 1 stays 16777216 in f32) and IEEE special values.
 * f64 lines use JavaScript's String(x) formatting. */
#include "host.h"

extern long long num_big;
extern double num_scale;
extern float num_f32_data;
long long num_add64(long long a, long long b);
long long num_mul64(long long a, int b);
unsigned long long num_shl(unsigned long long x, int s);
long long num_min64(void);
long long num_trunc(double d);
float num_halve(float f);
float num_f32_add(float a, float b);
double num_mix(int a, long long b, float c, double d);
double num_div(double a, double b);
double num_apply_scale(double x);
long long num_call_main_i64(long long x);
double num_call_main_f64(double a);
double (*num_get_neg(void))(double);

long long main_i64_cb(long long x) { return x * 1000000007LL; }
double main_f64_cb(double a, float b) { return a * b; }

int run(void) {
  log_i64(num_add64(4000000000LL, 5000000000LL));     /* 9000000000 */
  log_i64(num_add64(9223372036854775807LL, -1));      /* 9223372036854775806 */
  log_i64(num_mul64(-3000000000LL, 3));               /* -9000000000 */
  log_i64((long long)num_shl(1, 40));                 /* 1099511627776 */
  log_i64((long long)num_shl(1, 63));                 /* -9223372036854775808 */
  log_i64(num_min64());                               /* -9223372036854775808 */
  log_i64(num_big);                                   /* 0x123456789abcdef0 */
  log_i32((int)(num_big >> 32));                      /* 0x12345678 = 305419896 */
  log_i32((int)num_big);                              /* 0x9abcdef0 = -1698898192 */
  log_i64(num_trunc(-2.75));                          /* -2 */
  log_i64(num_trunc(1e15 + 0.5));                     /* 1000000000000000 */

  log_f64(num_halve(3.0f));                           /* 1.5 */
  log_f64(num_f32_add(0.1f, 0.2f));                   /* f32 0.3: 0.30000001192092896 */
  log_f64(num_f32_add(16777216.0f, 1.0f));            /* 16777216 */
  log_f64(num_mix(1, 2, 0.5f, 0.25));                 /* 3.75 */
  log_f64(num_div(1.0, 3.0));                         /* 0.3333333333333333 */
  log_f64(num_div(1e22, 10.0));                       /* 1e+21 */
  log_f64(num_div(1.0, 0.0));                         /* Infinity */
  log_f64(num_div(-1.0, 0.0));                        /* -Infinity */
  log_f64(num_div(0.0, 0.0));                         /* NaN */

  log_f64(num_scale);                                 /* 2.5 */
  num_scale = 0.125;
  log_f64(num_apply_scale(8.0));                      /* 1 */
  log_f64(num_f32_data);                              /* 0.75 */

  log_i64(num_call_main_i64(3));                      /* 3000000021 + 1 */
  log_f64(num_call_main_f64(3.0));                    /* 1.5 */
  log_f64(num_get_neg()(2.5));                        /* -2.5 */
  return 0;
}
