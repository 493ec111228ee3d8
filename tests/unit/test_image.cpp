// image.h: the word-at-a-time scans against byte-by-byte definitions.
#include <doctest/doctest.h>

#include <random>

#include "image.h"

using namespace wasmobj;
using namespace wasmobj::linking;

namespace {

// The definition: maximal runs of non-zero bytes, joined across zero gaps shorter than
// MINGAP.
std::vector<std::pair<size_t, size_t>> runsByBytes(const Bytes &b, size_t minGap) {
  std::vector<std::pair<size_t, size_t>> runs;
  size_t i = 0, n = b.size();
  while (i < n && b[i] == 0) ++i;
  while (i < n) {
    size_t start = i, last = i;
    for (;;) {
      while (i < n && b[i] != 0) last = i++;
      size_t zero = i;
      while (i < n && b[i] == 0) ++i;
      if (i == n || i - zero >= minGap) break;
    }
    runs.emplace_back(start, last + 1);
  }
  return runs;
}

} // namespace

TEST_CASE("image: nonZeroRuns splits where 32 or more zero bytes follow each other") {
  auto runs = [](const Bytes &b) { return nonZeroRuns(b, 32); };
  CHECK(runs({}).empty());
  CHECK(runs(Bytes(100, 0)).empty());
  Bytes b(200, 0);
  b[3] = 1;
  b[3 + 32] = 2; // 31 zeros between: one run
  b[36 + 32] = 3; // 32 zeros between: a new run
  b[199] = 4;
  using R = std::vector<std::pair<size_t, size_t>>;
  CHECK(runs(b) == R{{3, 36}, {68, 69}, {199, 200}});
  Bytes one{7};
  CHECK(runs(one) == R{{0, 1}});
}

TEST_CASE("image: nonZeroRuns, nonZeroFrom and nonZeroEnd agree with byte loops on random images") {
  std::mt19937_64 rng(16);
  for (int iter = 0; iter < 20000; ++iter) {
    size_t n = rng() % 300;
    Bytes b(n, 0);
    // Zero runs of every length around the gap, and dense and sparse stretches.
    const unsigned density = unsigned(rng() % 4);
    for (size_t i = 0; i < n;) {
      if (rng() % 3 == 0) {
        i += rng() % (rng() % 2 ? 40 : 10); // a zero run
        continue;
      }
      b[i++] = density == 0 || rng() % (density + 1) == 0 ? uint8_t(1 + rng() % 255) : 0;
    }
    // Views that do not start on an 8-byte boundary of the buffer too.
    size_t skip = n ? rng() % std::min<size_t>(n, 8) : 0;
    Bytes v(b.begin() + long(skip), b.end());
    for (size_t minGap : {15, 32, 64}) REQUIRE(nonZeroRuns(ByteView(b).subspan(skip), minGap) == runsByBytes(v, minGap));
    size_t from = n - skip ? rng() % (n - skip + 1) : 0, want = from;
    while (want < v.size() && v[want] == 0) ++want;
    REQUIRE(nonZeroFrom(ByteView(b).subspan(skip), from) == want);
    size_t end = v.size();
    while (end && v[end - 1] == 0) --end;
    REQUIRE(nonZeroEnd(ByteView(b).subspan(skip)) == end);
  }
}
