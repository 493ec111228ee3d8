/* Host interface of the corpus programs.
 *
 * The test harness provides these functions as imports from module "env". Each call
 * prints one line:
 *   log_i32(v)  ->  "i32 <v as signed decimal>"
 *   log_i64(v)  ->  "i64 <v as signed decimal>"        (passed as a BigInt)
 *   log_f64(v)  ->  "f64 <String(v) in JavaScript>"     e.g. 1.5, 0.1, 1e+21, NaN
 *   log_str(s)  ->  "str <text>"   s is NUL-terminated, read from linear memory
 * After run() returns, the harness prints "ret <return value>".
 *
 * The programs use no libc. Output must not depend on where the loader placed data
 * or functions: never log an address or a table index, only values read through
 * pointers, comparisons and computed results.
 */
#ifndef PRELINK_CORPUS_HOST_H
#define PRELINK_CORPUS_HOST_H

#define HOST_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

HOST_IMPORT(log_i32) void log_i32(int v);
HOST_IMPORT(log_i64) void log_i64(long long v);
HOST_IMPORT(log_f64) void log_f64(double v);
HOST_IMPORT(log_str) void log_str(const char *s);

typedef unsigned int corpus_uintptr;

/* Hides a pointer's origin from the optimiser, so a check such as "is this address
 * 64-aligned" is computed at run time rather than folded from the declaration.
 * (An empty asm rather than a volatile local: that would need a stack slot, and so
 * an __stack_pointer import the harness does not provide.) */
static inline corpus_uintptr corpus_addr(const void *p) {
  corpus_uintptr v = (corpus_uintptr)p;
  __asm__("" : "+r"(v));
  return v;
}

#endif
