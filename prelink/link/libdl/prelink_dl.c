/* The in-module libdl of a linked module: dlopen, dlsym, dlclose, dlerror and dladdr for
 * the libraries prelink placed in the module, answered from the dl table prelink writes
 * (prelink_dl.h), with no file read, no compile and no JavaScript. Names that were not
 * prelinked go to the host's own functions, which prelink connects to the imports the
 * main module had (__prelink_host_*). Built with clang-19 into a side module at build
 * time, embedded in prelink and linked like any other library. No libc.
 *
 * Built a second time with PL_EMSCRIPTEN for emcc's main modules, whose libc keeps its
 * own dlopen/dlsym/dlerror and crosses into the JS glue through _dlopen_js, _dlsym_js and
 * _emscripten_dlopen_js: that variant defines those three instead, and the glue's own
 * functions are the host fallback. */
#include "prelink_dl.h"

#define HOST(name) __attribute__((import_module("env"), import_name("__prelink_host_" #name)))
#ifndef PL_EMSCRIPTEN
HOST(dlopen) void *host_dlopen(const char *file, int mode);
HOST(dlsym) void *host_dlsym(void *handle, const char *name);
HOST(dlclose) int host_dlclose(void *handle);
HOST(dlerror) char *host_dlerror(void);
HOST(dladdr) int host_dladdr(const void *addr, void *info);
void *dlopen(const char *file, int mode);
#define ANCHOR dlopen
#else
/* emscripten's struct dso (system/lib/libc/musl/src/internal/dynlink.h, wasm32) and its
 * libc's calls into the glue, by ABI generation (PL_EM_ABI; docs/design.md, "Hosts"):
 *   1  emcc 3.1.6-3.1.28   flags +20, name +44; _dlsym_js(dso, name);
 *                          _emscripten_dlopen_js(dso, ok, err), callbacks ok(dso)
 *   2  emcc 3.1.29-3.1.30  flags +8, name +32; _emscripten_dlopen_js(dso, ok, err, user_data),
 *                          callbacks ok(dso, user_data)
 *   3  emcc 3.1.31-3.1.38  flags +4, name +28; _dlsym_js(dso, name, int *sym_index)
 *   4  emcc 3.1.39-        flags +4, name +36 (file_data, file_data_size before it) */
#ifndef PL_EM_ABI
#define PL_EM_ABI 1
#endif
struct em_dso {
#if PL_EM_ABI == 1
  void *next, *prev;
  void *onsuccess, *onerror, *user_data;
#elif PL_EM_ABI == 2
  void *next, *prev;
#else
  void *event;
#endif
  int flags;
  unsigned char mem_allocated;
  void *mem_addr;
  unsigned mem_size;
  void *table_addr;
  unsigned table_size;
#if PL_EM_ABI >= 4
  void *file_data;
  unsigned file_data_size;
#endif
  char name[];
};
#if PL_EM_ABI == 1
_Static_assert(__builtin_offsetof(struct em_dso, flags) == 20 && __builtin_offsetof(struct em_dso, name) == 44, "struct dso");
typedef void (*em_callback)(struct em_dso *);
#define EM_CALLBACK_ARGS
#define EM_CALL(cb, p) (cb)(p)
#else
#if PL_EM_ABI == 2
_Static_assert(__builtin_offsetof(struct em_dso, flags) == 8 && __builtin_offsetof(struct em_dso, name) == 32, "struct dso");
#elif PL_EM_ABI == 3
_Static_assert(__builtin_offsetof(struct em_dso, flags) == 4 && __builtin_offsetof(struct em_dso, name) == 28, "struct dso");
#else
_Static_assert(__builtin_offsetof(struct em_dso, flags) == 4 && __builtin_offsetof(struct em_dso, name) == 36, "struct dso");
#endif
typedef void (*em_callback)(struct em_dso *, void *);
#define EM_CALLBACK_ARGS , void *user_data
#define EM_CALL(cb, p) (cb)(p, user_data)
#endif
#if PL_EM_ABI >= 3
#define EM_DLSYM_ARGS , int *sym_index
#define EM_DLSYM_PASS , sym_index
#else
#define EM_DLSYM_ARGS
#define EM_DLSYM_PASS
#endif
#if PL_EM_ABI >= 2
#define EM_ASYNC_PASS , user_data
#else
#define EM_ASYNC_PASS
#endif
HOST(_dlopen_js) int host_dlopen_js(struct em_dso *p);
HOST(_dlsym_js) void *host_dlsym_js(struct em_dso *p, const char *name EM_DLSYM_ARGS);
HOST(_emscripten_dlopen_js) void host_emscripten_dlopen_js(struct em_dso *p, em_callback ok, em_callback err EM_CALLBACK_ARGS);
/* emscripten's libc: what its dlerror() returns next. */
__attribute__((weak)) void __dl_seterr(const char *fmt, ...);
int _dlopen_js(struct em_dso *p);
#define ANCHOR _dlopen_js
#endif

extern struct pl_table __prelink_dl_table;
#define T (&__prelink_dl_table)

/* Where the loader put things, relative to where prelink did (0 in a linked module). */
static unsigned mem_delta(void) { return (unsigned)(unsigned long)T - T->linked_self; }
static unsigned slot_delta(void) { return (unsigned)(unsigned long)&ANCHOR - T->anchor_slot; }
#define P(type, p) ((type)((const char *)(p) + mem_delta()))
static struct pl_lib *libs(void) { return P(struct pl_lib *, T->libs); }
static const char *lib_name(const struct pl_lib *l) { return P(const char *, l->name); }
static const struct pl_sym *lib_syms(const struct pl_lib *l) { return P(const struct pl_sym *, l->syms); }
static const char *sym_name(const struct pl_sym *s) { return P(const char *, s->name); }
static unsigned sym_value(const struct pl_sym *s) {
  return s->value + (s->kind == PL_SYM_FUNC ? slot_delta() : mem_delta());
}

#define RTLD_NOLOAD 4
#define RTLD_GLOBAL 256

typedef struct {
  const char *dli_fname;
  void *dli_fbase;
  const char *dli_sname;
  void *dli_saddr;
} Dl_info;

static char errbuf[512];
static int errpending;     /* an error of ours waits for dlerror() */
static int lasthost;       /* the last failure came from the host */
static int host_opened;    /* the host has opened a library: RTLD_DEFAULT may reach it */

static unsigned slen(const char *s) {
  unsigned n = 0;
  while (s[n]) n++;
  return n;
}

static int scmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

static void errappend(unsigned *n, const char *s) {
  while (*s && *n + 1 < sizeof errbuf) errbuf[(*n)++] = *s++;
  errbuf[*n] = 0;
}

static void seterr(const char *a, const char *b, const char *c, const char *d) {
  unsigned n = 0;
  errappend(&n, a);
  if (b) errappend(&n, b);
  if (c) errappend(&n, c);
  if (d) errappend(&n, d);
  errpending = 1;
  lasthost = 0;
}

/* A library answers to its install name, to its aliases, and to any path ending in
 * "/" + one of those (dlopen("/usr/lib/python3.11/lib-dynload/_json.so") finds a
 * library installed as "_json.so" or "lib-dynload/_json.so"). */
static int names_match(const char *path, const char *name) {
  unsigned pl = slen(path), nl = slen(name);
  if (pl < nl) return 0;
  if (scmp(path + pl - nl, name) != 0) return 0;
  return pl == nl || path[pl - nl - 1] == '/';
}

static struct pl_lib *find_lib(const char *path) {
  for (unsigned i = 0; i < T->nlibs; i++) {
    struct pl_lib *l = &libs()[i];
    if (l->flags & PL_LIB_UNLOADABLE) continue; /* its dlopen is the host's (or fails) */
    if (names_match(path, lib_name(l))) return l;
    const char *const *aliases = P(const char *const *, l->aliases);
    for (unsigned k = 0; k < l->naliases; k++)
      if (names_match(path, P(const char *, aliases[k]))) return l;
  }
  return 0;
}

__attribute__((unused)) static int is_ours(const void *h) {
  const char *p = (const char *)h, *b = (const char *)libs();
  return p >= b && p <= b + T->nlibs * sizeof(struct pl_lib) &&
         (unsigned)(p - b) % sizeof(struct pl_lib) == 0;
}

static const struct pl_sym *lookup_in(const struct pl_lib *l, const char *name) {
  const struct pl_sym *syms = lib_syms(l);
  unsigned lo = 0, hi = l->nsyms;
  while (lo < hi) {
    unsigned mid = (lo + hi) / 2;
    int c = scmp(sym_name(&syms[mid]), name);
    if (c == 0) return &syms[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

static void *symbol_value(const struct pl_sym *s) { return (void *)(unsigned long)sym_value(s); }

static void run_init(struct pl_lib *l) {
  if (l->init_slot) ((void (*)(void))(unsigned long)(l->init_slot + slot_delta()))();
}

/* Opens prelinked library L (its constructors run at the first open); 0 when MODE has
 * RTLD_NOLOAD and it was not loaded yet. */
static struct pl_lib *open_lib(struct pl_lib *l, int mode) {
  if (!(l->flags & PL_LIB_GLOBAL) && !(l->state & PL_STATE_LOADED)) {
    if (mode & RTLD_NOLOAD) return 0;
    /* Its dependencies are loaded with it (their constructors run first, from its init
     * function): a later RTLD_NOLOAD finds them. */
    const unsigned *scope = P(const unsigned *, l->scope);
    for (unsigned i = 0; i < l->nscope; i++) libs()[scope[i]].state |= PL_STATE_LOADED;
    /* Constructors run once, at the first dlopen; the init function is guarded too. */
    run_init(l);
  }
  l->refcount++;
  if (mode & RTLD_GLOBAL) l->state |= PL_STATE_RTLD_GLOBAL;
  return l;
}

/* dlsym(L, NAME): L itself, then its NEEDED breadth first. */
static const struct pl_sym *lookup_scope(const struct pl_lib *l, const char *name) {
  const unsigned *scope = P(const unsigned *, l->scope);
  for (unsigned i = 0; i < l->nscope; i++) {
    const struct pl_sym *s = lookup_in(&libs()[scope[i]], name);
    if (s) return s;
  }
  return 0;
}

static const struct pl_sym *lookup_default(const char *name) {
  const unsigned *global_scope = P(const unsigned *, T->global_scope);
  for (unsigned i = 0; i < T->nglobal; i++) {
    const struct pl_sym *s = lookup_in(&libs()[global_scope[i]], name);
    if (s) return s;
  }
  for (unsigned i = 0; i < T->nlibs; i++) {
    const struct pl_lib *l = &libs()[i];
    if ((l->state & PL_STATE_RTLD_GLOBAL) && !(l->flags & PL_LIB_GLOBAL)) {
      const struct pl_sym *s = lookup_in(l, name);
      if (s) return s;
    }
  }
  return 0;
}

#ifndef PL_EMSCRIPTEN
void *dlopen(const char *file, int mode) {
  /* The global scope: in a bundle it is the host program's, which contains the bundle. */
  if (!file) return (T->flags & PL_BUNDLE) && (T->flags & PL_HOST_DLOPEN) ? host_dlopen(file, mode) : &libs()[T->nlibs];
  struct pl_lib *l = find_lib(file);
  if (!l) {
    if (T->flags & PL_HOST_DLOPEN) {
      void *h = host_dlopen(file, mode);
      if (!h) lasthost = 1, errpending = 0;
      else host_opened = 1;
      return h;
    }
    seterr("dlopen: cannot find library \"", file, "\": it was not prelinked", 0);
    return 0;
  }
  return open_lib(l, mode);
}

void *dlsym(void *handle, const char *name) {
  if (handle && !is_ours(handle)) {
    if (T->flags & PL_HOST_DLSYM) {
      void *v = host_dlsym(handle, name);
      if (!v) lasthost = 1, errpending = 0;
      return v;
    }
    seterr("dlsym: invalid handle (looking up \"", name, "\")", 0);
    return 0;
  }
  const struct pl_lib *l = handle;
  if (!l || (l->flags & PL_LIB_PSEUDO)) {
    const struct pl_sym *s = lookup_default(name);
    if (s) return symbol_value(s);
    if ((host_opened || (T->flags & PL_BUNDLE)) && (T->flags & PL_HOST_DLSYM)) {
      void *v = host_dlsym(0, name);
      if (v) return v;
    }
    seterr("dlsym: symbol \"", name, "\" not found in the global scope", 0);
    return 0;
  }
  const struct pl_sym *s = lookup_scope(l, name);
  if (s) return symbol_value(s);
  seterr("dlsym: symbol \"", name, "\" not found in ", lib_name(l));
  return 0;
}

int dlclose(void *handle) {
  if (handle && !is_ours(handle)) {
    if (T->flags & PL_HOST_DLCLOSE) return host_dlclose(handle);
    seterr("dlclose: invalid handle", 0, 0, 0);
    return 1;
  }
  struct pl_lib *l = handle;
  if (!l) {
    seterr("dlclose: invalid handle", 0, 0, 0);
    return 1;
  }
  /* Libraries live in the module: closing only drops a reference. */
  if (l->refcount) l->refcount--;
  return 0;
}

char *dlerror(void) {
  if (errpending) {
    errpending = 0;
    return errbuf;
  }
  if (lasthost && (T->flags & PL_HOST_DLERROR)) {
    lasthost = 0;
    return host_dlerror();
  }
  return 0;
}

int dladdr(const void *addr, Dl_info *info) {
  unsigned a = (unsigned)(unsigned long)addr;
  const struct pl_lib *best_lib = 0;
  const struct pl_sym *best = 0;
  for (unsigned i = 0; i < T->nlibs; i++) {
    const struct pl_lib *l = &libs()[i];
    unsigned base = l->mem_base + mem_delta();
    int data = a >= base && a < base + l->mem_size;
    const struct pl_sym *syms = lib_syms(l);
    for (unsigned k = 0; k < l->nsyms; k++) {
      const struct pl_sym *s = &syms[k];
      unsigned v = sym_value(s);
      if (s->kind == PL_SYM_FUNC && v == a) {
        best_lib = l, best = s;
        goto found;
      }
      if (data && s->kind == PL_SYM_DATA && v <= a && (!best || v > sym_value(best))) best_lib = l, best = s;
    }
    if (data && !best_lib) best_lib = l;
  }
  if (!best_lib) {
    if (T->flags & PL_HOST_DLADDR) return host_dladdr(addr, info);
    return 0;
  }
found:
  info->dli_fname = lib_name(best_lib);
  info->dli_fbase = (void *)(unsigned long)(best_lib->mem_base + mem_delta());
  info->dli_sname = best ? sym_name(best) : 0;
  info->dli_saddr = best ? (void *)(unsigned long)sym_value(best) : 0;
  return 1;
}
#else /* PL_EMSCRIPTEN */

/* emscripten's libc keeps the handles (struct dso, its list and dlerror); the glue loads
 * and looks up. A handle whose name is a prelinked library's is answered here, every
 * other one ("__main__", files the glue loaded) by the glue. */
static struct pl_lib *em_lib(const struct em_dso *p) {
  return p && scmp(p->name, "__main__") != 0 ? find_lib(p->name) : 0;
}

static void em_seterr(void) {
  errpending = 0;
  if (__dl_seterr) __dl_seterr("%s", errbuf);
}

/* What the glue records for a library it loaded: where its memory and slots are. */
static void em_opened(struct em_dso *p, const struct pl_lib *l) {
  p->mem_allocated = 1;
  p->mem_addr = (void *)(unsigned long)(l->mem_base + mem_delta());
  p->mem_size = l->mem_size;
}

int _dlopen_js(struct em_dso *p) {
  struct pl_lib *l = em_lib(p);
  if (!l) {
    if (T->flags & PL_HOST_DLOPEN) {
      int ok = host_dlopen_js(p);
      if (ok) host_opened = 1;
      return ok;
    }
    seterr("Could not load dynamic lib: ", p->name, " (it was not prelinked)", 0);
    em_seterr();
    return 0;
  }
  if (!open_lib(l, p->flags)) {
    seterr("Could not load dynamic lib: ", p->name, " (RTLD_NOLOAD: not loaded)", 0);
    em_seterr();
    return 0;
  }
  em_opened(p, l);
  return 1;
}

void _emscripten_dlopen_js(struct em_dso *p, em_callback ok, em_callback err EM_CALLBACK_ARGS) {
  struct pl_lib *l = em_lib(p);
  if (!l && (T->flags & PL_HOST_DLOPEN_ASYNC)) {
    host_opened = 1;
    host_emscripten_dlopen_js(p, ok, err EM_ASYNC_PASS);
    return;
  }
  if (!l || !open_lib(l, p->flags)) {
    seterr("Could not load dynamic lib: ", p->name, l ? " (RTLD_NOLOAD: not loaded)" : " (it was not prelinked)", 0);
    em_seterr();
    EM_CALL(err, p);
    return;
  }
  em_opened(p, l);
  EM_CALL(ok, p);
}

/* wasm-vips's addition to emcc's glue (_emscripten_get_dynamic_libraries_js, its patch to
 * libdylink.js): the names of the libraries the glue loaded at start-up, which the program
 * then dlopens (vips_init registers its plugins so). A prelinked program's glue loads none:
 * the answer is the prelinked libraries of the global scope, in load order, as the glue
 * gives it: a NULL-terminated array, it and each name from malloc (the caller frees them). */
__attribute__((weak)) void *malloc(unsigned long size);
char **_emscripten_get_dynamic_libraries_js(void) {
  const unsigned *scope = P(const unsigned *, T->global_scope);
  unsigned n = 0;
  for (unsigned i = 0; i < T->nglobal; ++i)
    if (!(libs()[scope[i]].flags & PL_LIB_PROGRAM)) ++n;
  char **v = malloc((n + 1) * sizeof(char *));
  if (!v) return 0;
  unsigned k = 0;
  for (unsigned i = 0; i < T->nglobal; ++i) {
    const struct pl_lib *l = &libs()[scope[i]];
    if (l->flags & PL_LIB_PROGRAM) continue;
    const char *name = lib_name(l);
    unsigned len = slen(name);
    char *c = malloc(len + 1);
    if (!c) break;
    for (unsigned j = 0; j <= len; ++j) c[j] = name[j];
    v[k++] = c;
  }
  v[k] = 0;
  return v;
}

void *_dlsym_js(struct em_dso *p, const char *name EM_DLSYM_ARGS) {
  if (!p) { /* RTLD_DEFAULT */
    const struct pl_sym *s = lookup_default(name);
    if (s) return symbol_value(s);
    if (T->flags & PL_HOST_DLSYM) return host_dlsym_js(p, name EM_DLSYM_PASS);
    seterr("Tried to lookup unknown symbol \"", name, "\" in dynamic lib: RTLD_DEFAULT", 0);
    em_seterr();
    return 0;
  }
  const struct pl_lib *l = em_lib(p);
  if (!l) {
    if (T->flags & PL_HOST_DLSYM) return host_dlsym_js(p, name EM_DLSYM_PASS);
    seterr("Tried to lookup unknown symbol \"", name, "\" in dynamic lib: ", p->name);
    em_seterr();
    return 0;
  }
  const struct pl_sym *s = lookup_scope(l, name);
  if (s) return symbol_value(s);
  seterr("Tried to lookup unknown symbol \"", name, "\" in dynamic lib: ", p->name);
  em_seterr();
  return 0;
}
#endif
