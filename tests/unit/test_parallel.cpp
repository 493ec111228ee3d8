// Work spread over the cores (prelink/link/parallel.h): parallelFor's items and their
// first failure.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel.h"

using namespace wasmobj::linking;

TEST_CASE("parallel: parallelFor runs every item once; the lowest failing item's exception") {
  std::vector<std::atomic<int>> runs(1000);
  parallelFor(1000, [&](uint32_t k) { runs[k]++; }, 1);
  for (auto &r : runs) CHECK(r.load() == 1);
  try {
    parallelFor(1000, [&](uint32_t k) {
      if (k % 300 == 7) throw std::runtime_error("item " + std::to_string(k));
    }, 1);
    FAIL("no exception");
  } catch (const std::runtime_error &e) {
    CHECK(std::string(e.what()) == "item 7");
  }
}
