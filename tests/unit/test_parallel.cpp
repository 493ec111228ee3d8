// Work spread over the cores (prelink/link/parallel.h): parallelFor's items and their
// first failure, and Beside's jobs, each done before wait returns, in the order given.
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

TEST_CASE("parallel: Beside runs one job at a time, done when wait returns, failures rethrown once") {
  std::vector<int> order;
  Beside b;
  for (int i = 0; i < 200; ++i) {
    b.start([&order, i] { order.push_back(i); });
    if (i % 3 == 0) b.wait(); // two jobs may be handed over in a row: the second waits for the first
  }
  b.wait();
  REQUIRE(order.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(order[size_t(i)] == i);
  b.start([] { throw std::runtime_error("hash failed"); });
  CHECK_THROWS_WITH(b.wait(), "hash failed");
  b.wait(); // the failure was reported once
  int after = 0;
  b.start([&] { after = 1; });
  b.wait();
  CHECK(after == 1);
}
