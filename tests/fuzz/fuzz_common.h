// Shared by the libFuzzer targets and their replay driver (docs/reliability.md).
//
// The contract every target checks: on any input, libwasmobj either succeeds or throws
// wasmobj::Error. Any other exception, a crash, a sanitizer report, a leak, a hang or a
// failed invariant (FUZZ_CHECK) is a bug: FUZZ_CHECK aborts so libFuzzer records the input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

// splitmix64: deterministic pseudo-random numbers from bytes of the input.
struct FuzzRng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return n ? uint32_t(next() % n) : 0; }
};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
