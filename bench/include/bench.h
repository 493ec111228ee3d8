/* Host interface of the benchmark programs (bench/run.mjs provides it as "env"). */
#ifndef PRELINK_BENCH_H
#define PRELINK_BENCH_H
#define BENCH_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
BENCH_IMPORT(log_i32) void log_i32(int v);
BENCH_IMPORT(bench_n) int bench_n(void); /* iterations of the hot loop */
#endif
