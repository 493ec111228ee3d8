#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wasmobj::linking {

uint32_t parallelism() {
  // Once: hardware_concurrency reads /sys each time (3% of a 3,000-library link when it
  // was asked per library).
  static const uint32_t cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  return cores;
}

void parallelFor(uint32_t n, const std::function<void(uint32_t)> &fn, uint32_t minItems) {
  const uint32_t workers = std::min(parallelism(), n);
  if (workers <= 1 || n < minItems) {
    for (uint32_t k = 0; k < n; ++k) fn(k);
    return;
  }
  std::atomic<uint32_t> next{0};
  std::mutex m;
  uint32_t failed = n; // the lowest item that threw
  std::exception_ptr error;
  auto work = [&] {
    for (uint32_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
      try {
        fn(k);
      } catch (...) {
        std::lock_guard<std::mutex> g(m);
        if (k < failed) failed = k, error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (uint32_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work(); // the calling thread is one of the workers
  for (auto &t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

} // namespace wasmobj::linking
