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

Beside::Beside() {
  if (parallelism() > 1) thread_ = std::thread([this] { run(); });
}

Beside::~Beside() {
  {
    std::unique_lock l(m_);
    cv_.wait(l, [&] { return !busy_; });
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Beside::start(std::function<void()> job) {
  if (!thread_.joinable()) {
    try {
      job();
    } catch (...) {
      error_ = std::current_exception();
    }
    return;
  }
  {
    std::unique_lock l(m_);
    cv_.wait(l, [&] { return !busy_; });
    job_ = std::move(job);
    busy_ = true;
  }
  cv_.notify_all();
}

void Beside::wait() {
  std::unique_lock l(m_);
  cv_.wait(l, [&] { return !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void Beside::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock l(m_);
      cv_.wait(l, [&] { return stop_ || busy_; });
      if (!busy_) return; // stopped, nothing left
      job = std::move(job_);
    }
    std::exception_ptr e;
    try {
      job();
    } catch (...) {
      e = std::current_exception();
    }
    {
      std::lock_guard l(m_);
      error_ = e;
      busy_ = false;
    }
    cv_.notify_all();
  }
}

} // namespace wasmobj::linking
