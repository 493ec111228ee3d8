/* libnum.so: i64 / f32 / f64 parameters, results and data. */
long long main_i64_cb(long long x);
double main_f64_cb(double a, float b);

long long num_big = 0x123456789abcdef0LL;
double num_scale = 2.5;
float num_f32_data = 0.75f;

long long num_add64(long long a, long long b) { return a + b; }
long long num_mul64(long long a, int b) { return a * b; }
unsigned long long num_shl(unsigned long long x, int s) { return x << s; }
long long num_min64(void) { return -9223372036854775807LL - 1; }
long long num_trunc(double d) { return (long long)d; }

float num_halve(float f) { return f / 2.0f; }
float num_f32_add(float a, float b) { return a + b; } /* rounded to f32 */
double num_mix(int a, long long b, float c, double d) { return a + (double)b + c + d; }
double num_div(double a, double b) { return a / b; }
double num_apply_scale(double x) { return x * num_scale; }

/* Calls into main with i64 and f64/f32 arguments. */
long long num_call_main_i64(long long x) { return main_i64_cb(x) + 1; }
double num_call_main_f64(double a) { return main_f64_cb(a, 0.5f); }

/* An f64 function reached through a pointer. */
double num_neg(double x) { return -x; }
double (*num_get_neg(void))(double) { return num_neg; }
