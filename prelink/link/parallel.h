// Work spread over the machine's cores, with results that do not depend on how it was
// spread: each item writes only its own output.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace wasmobj::linking {

// Runs FN(0..N-1) on up to 8 threads, each taking the next item not yet taken (items of
// very different sizes balance: python.wasm beside 44 small libraries); inline when the
// machine has one core or N < MINITEMS. When items throw, the exception of the lowest
// item rethrows, as a loop over them in order would have thrown, once every started item
// is done.
void parallelFor(uint32_t n, const std::function<void(uint32_t)> &fn, uint32_t minItems = 256);

// How many threads parallelFor uses at most: the machine's cores, 1 to 8.
uint32_t parallelism();

// A thread beside the caller that runs one job at a time, while the caller does
// something else (runLink: hashing a piece of the module while it is written). start
// hands a job over; wait returns once it is done and rethrows what it threw. On a
// machine with one core the job runs in start.
class Beside {
public:
  Beside();
  ~Beside(); // waits for the job
  Beside(const Beside &) = delete;
  Beside &operator=(const Beside &) = delete;
  void start(std::function<void()> job);
  void wait();

private:
  void run();
  std::mutex m_;
  std::condition_variable cv_;
  std::function<void()> job_;
  bool busy_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread thread_; // last: started once the rest is ready
};

} // namespace wasmobj::linking
