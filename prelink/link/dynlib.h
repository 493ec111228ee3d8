// Shared libraries prelink opens when a link needs them, not at start-up: binaryen for
// -O/--gc-sections (optimize.cpp) and libarchive for wheels and tarballs (archive.cpp).
// Linked in, each would cost every run its relocations and constructors
// (docs/benchmarks.md). Each keeps a table of the functions it uses under their names.
#pragma once
#include <dlfcn.h>

#include <string>
#include <utility>

#include "wasmobj/error.h"

namespace wasmobj::linking {

class DynamicLibrary {
public:
  // SONAME as the dynamic linker finds it (LD_LIBRARY_PATH included), else BUILT (where
  // the build found it; null for none). WHAT names the library and its use in errors;
  // INSTALL says how to get it.
  DynamicLibrary(const char *soname, const char *built, std::string what, const char *install)
      : soname_(soname), what_(std::move(what)) {
    handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle_ && built) handle_ = dlopen(built, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char *why = dlerror();
      throw Error("cannot load " + what_ + ": " + (why ? why : soname_ + " not found") + " (" + install + ")");
    }
  }
  // F, the function named NAME (its type is F's).
  template <class F> void get(F &f, const char *name) const {
    f = reinterpret_cast<F>(dlsym(handle_, name));
    if (!f) throw Error("cannot load " + what_ + ": " + soname_ + " has no " + name);
  }

private:
  void *handle_ = nullptr; // never closed: the functions stay in use until the process ends
  std::string soname_, what_;
};

// A table API of the functions an X-macro list FUNCTIONS names, members of the same names,
// and ACCESSOR(), which opens the library (as DynamicLibrary) and fills the table at its
// first call; a failed load is tried again by the next.
#define PRELINK_DYNAMIC_MEMBER(f) decltype(&::f) f = nullptr;
#define PRELINK_DYNAMIC_LOAD(f) lib.get(api.f, #f);
#define PRELINK_DYNAMIC_API(API, ACCESSOR, FUNCTIONS, SONAME, BUILT, WHAT, INSTALL) \
  struct API {                                                                   \
    FUNCTIONS(PRELINK_DYNAMIC_MEMBER)                                            \
  };                                                                             \
  const API &ACCESSOR() {                                                        \
    static const API loaded = [] {                                               \
      DynamicLibrary lib(SONAME, BUILT, WHAT, INSTALL);                          \
      API api;                                                                   \
      FUNCTIONS(PRELINK_DYNAMIC_LOAD)                                            \
      return api;                                                                \
    }();                                                                         \
    return loaded;                                                               \
  }

} // namespace wasmobj::linking
