// Finding the non-zero parts of a data image (merge.cpp writes them as data segments).
// A word at a time: python.wasm's image is megabytes.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "wasmobj/leb.h"

namespace wasmobj::linking {

static_assert(std::endian::native == std::endian::little, "the lowest byte of a loaded word comes first");

inline uint64_t imageWord(ByteView b, size_t i) {
  uint64_t w;
  std::memcpy(&w, b.data() + i, 8);
  return w;
}

// The first non-zero byte of B at or after FROM, or B's size.
inline size_t nonZeroFrom(ByteView b, size_t from) {
  const size_t n = b.size();
  size_t i = from;
  while (i < n && (i & 7) && b[i] == 0) ++i;
  for (; i + 8 <= n; i += 8)
    if (uint64_t w = imageWord(b, i)) return i + size_t(std::countr_zero(w) / 8);
  while (i < n && b[i] == 0) ++i;
  return i;
}

// One past the last non-zero byte of B (0 if there is none).
inline size_t nonZeroEnd(ByteView b) {
  size_t i = b.size();
  while (i && (i & 7) && b[i - 1] == 0) --i;
  for (; i >= 8; i -= 8)
    if (uint64_t w = imageWord(b, i - 8)) return i - size_t(std::countl_zero(w) / 8);
  while (i && b[i - 1] == 0) --i;
  return i;
}

// The parts of IMAGE that hold its non-zero bytes, [begin, end) in order: split where
// MINGAP (at least 15) or more zero bytes follow each other, none beginning or ending
// with a zero byte. Such a gap holds at least one whole 8-byte word at an offset that is
// a multiple of 8, so only zero words are stopped at: shorter zero runs between them
// cost nothing.
inline std::vector<std::pair<size_t, size_t>> nonZeroRuns(ByteView image, size_t minGap) {
  std::vector<std::pair<size_t, size_t>> runs;
  const size_t end = nonZeroEnd(image); // image[end - 1] != 0: every gap below ends before it
  size_t start = nonZeroFrom(image, 0), pos = start;
  while (start < end) {
    size_t w = (pos + 7) & ~size_t(7);
    while (w + 8 <= end && imageWord(image, w) != 0) w += 8;
    if (w + 8 > end) break; // no zero word before the end: the last run
    size_t gapBegin = w;
    while (gapBegin > pos && image[gapBegin - 1] == 0) --gapBegin;
    size_t gapEnd = nonZeroFrom(image, w + 8);
    if (gapEnd - gapBegin >= minGap) {
      runs.emplace_back(start, gapBegin);
      start = gapEnd;
    }
    pos = gapEnd;
  }
  if (start < end) runs.emplace_back(start, end);
  return runs;
}

} // namespace wasmobj::linking
