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

/* The dynamic-loading interface (C signatures of <dlfcn.h>, wasm32, musl/emscripten
 * constants). Calls on libraries given to prelink are answered inside the linked module;
 * at run time (tests/e2e/refloader.mjs) by the loader. Declaring them imports nothing
 * unless a program calls them. Define CORPUS_NO_DLFCN to leave them out. */
#ifndef CORPUS_NO_DLFCN
#ifndef RTLD_LAZY
#define RTLD_LAZY 1
#define RTLD_NOW 2
#define RTLD_NOLOAD 4
#define RTLD_GLOBAL 256
#define RTLD_LOCAL 0
#define RTLD_DEFAULT ((void *)0)
#endif
typedef struct {
  const char *dli_fname; /* file name of the module holding the address */
  void *dli_fbase;       /* its base address */
  const char *dli_sname; /* nearest symbol at or below the address, or 0 */
  void *dli_saddr;       /* its address, or 0 */
} Dl_info;
HOST_IMPORT(dlopen) void *dlopen(const char *file, int mode);
HOST_IMPORT(dlsym) void *dlsym(void *handle, const char *name);
HOST_IMPORT(dlclose) int dlclose(void *handle);
HOST_IMPORT(dlerror) char *dlerror(void);
HOST_IMPORT(dladdr) int dladdr(const void *addr, Dl_info *info);
#endif

/* Threads (programs declared with corpus_threads(), run by tests/e2e/threads.mjs).
 * thread_spawn(fn, arg) starts a thread that runs fn(arg) (fn: a function of any module)
 * with its own stack and a fresh TLS block of every module (initialised from .tdata), and
 * returns its id (> 0). thread_join(id) waits until fn has returned; the lines the thread
 * logged are printed then, at the join, in the thread's order (so the transcript does not
 * depend on scheduling). Only the main thread spawns and joins; at most 4 threads run at
 * once. Declaring them imports nothing unless a program calls them. */
HOST_IMPORT(thread_spawn) int thread_spawn(void (*fn)(int), int arg);
HOST_IMPORT(thread_join) void thread_join(int id);

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

/* Tiny string helpers (there is no libc): the first occurrence of `needle` in `s`, or 0;
 * whether two strings are equal. */
static inline const char *corpus_strstr(const char *s, const char *needle) {
  for (; *s; s++) {
    const char *a = s, *b = needle;
    while (*b && *a == *b) a++, b++;
    if (!*b) return s;
  }
  return *needle ? 0 : s;
}
static inline int corpus_streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

#endif
