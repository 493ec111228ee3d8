// dynlib.h: a library opened when a link needs it, and its two errors.
#include <doctest/doctest.h>

#include <string>

#include "dynlib.h"
#include "test_util.h"

using namespace wasmobj;
using namespace wasmobj::linking;
using testutil::errorOf;

TEST_CASE("dynlib: a library that cannot be opened or lacks a function is one error naming it") {
  Error open = errorOf([] { DynamicLibrary("libprelink-no-such-library.so.0", nullptr, "the test's library", "install it"); });
  CHECK(open.message().rfind("cannot load the test's library: libprelink-no-such-library.so.0", 0) == 0);
  CHECK(open.message().find("(install it)") != std::string::npos);
  // The soname missing, the library where the build found it is used instead.
  DynamicLibrary libc("libprelink-no-such-library.so.0", "libc.so.6", "the C library", "install it");
  size_t (*len)(const char *) = nullptr;
  libc.get(len, "strlen");
  REQUIRE(bool(len));
  CHECK(len("four") == 4);
  int (*none)() = nullptr;
  Error missing = errorOf([&] { libc.get(none, "prelink_no_such_function"); });
  CHECK(missing.message() == "cannot load the C library: libprelink-no-such-library.so.0 has no prelink_no_such_function");
}
