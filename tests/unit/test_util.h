// Helpers shared by the unit tests.
#pragma once
#include <doctest/doctest.h>
#include <functional>
#include <initializer_list>

#include "wasmobj/error.h"
#include "wasmobj/leb.h"

namespace testutil {

inline wasmobj::Bytes B(std::initializer_list<int> xs) {
  wasmobj::Bytes b;
  for (int x : xs) b.push_back(uint8_t(x));
  return b;
}

// The Error F throws (fails the test when it throws nothing).
inline wasmobj::Error errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const wasmobj::Error &e) {
    return e;
  }
  FAIL("expected an Error");
  return wasmobj::Error("");
}

} // namespace testutil
