/* Host functions the differential driver provides (module "env"). */
void log_i32(int);
void log_i64(long long);
void log_f64(double);
void log_str(const char *);
