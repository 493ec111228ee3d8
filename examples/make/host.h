/* What the host gives the program: one line of output per call (scripts/run-linked.mjs). */
#define HOST_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
HOST_IMPORT(log_i32) void log_i32(int v);
HOST_IMPORT(log_str) void log_str(const char *s);
