// LEB128 and little-endian primitives, bounds-checked on read. Header-only: the reader,
// the code rewriter and the writer all use these in hot loops.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmobj/error.h"

namespace wasmobj {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// A cursor over a byte range. Offsets it reports are relative to `base` (the position of
// the range's first byte in the file), so errors name file offsets.
class Cursor {
public:
  Cursor() = default;
  Cursor(ByteView data, uint64_t base = 0)
      : begin_(data.data()), p_(data.data()), end_(data.data() + data.size()), base_(base) {}

  bool atEnd() const { return p_ >= end_; }
  size_t remaining() const { return size_t(end_ - p_); }
  uint64_t offset() const { return base_ + uint64_t(p_ - begin_); }
  size_t pos() const { return size_t(p_ - begin_); }
  const uint8_t *ptr() const { return p_; }
  uint64_t base() const { return base_; }

  [[noreturn]] void fail(const std::string &what) const { throw Error(what, offset()); }
  [[noreturn]] void failAt(const std::string &what, uint64_t off) const { throw Error(what, off); }

  uint8_t u8() {
    if (p_ >= end_) fail("unexpected end of data");
    return *p_++;
  }
  uint8_t peek() const {
    if (p_ >= end_) fail("unexpected end of data");
    return *p_;
  }
  uint32_t u32le() {
    if (remaining() < 4) fail("unexpected end of data");
    uint32_t v;
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return v;
  }
  uint64_t u64le() {
    if (remaining() < 8) fail("unexpected end of data");
    uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return v;
  }

  // Unsigned LEB128 of at most `bits` bits (32 or 64).
  uint64_t uleb(unsigned bits = 32) {
    const uint64_t start = offset();
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned maxBytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (p_ >= end_) failAt("truncated LEB128 value", start);
      uint8_t b = *p_++;
      if (i + 1 == maxBytes) {
        // Last permitted byte: no continuation, unused bits must be zero.
        unsigned used = bits - shift;
        if ((b & 0x80) || (used < 7 && (b >> used) != 0))
          failAt("LEB128 value too large for " + std::to_string(bits) + " bits", start);
        return result | (uint64_t(b) << shift);
      }
      result |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  }
  uint32_t u32() { return uint32_t(uleb(32)); }

  // Signed LEB128 of at most `bits` bits (32, 33 or 64).
  int64_t sleb(unsigned bits = 32) {
    const uint64_t start = offset();
    int64_t result = 0;
    unsigned shift = 0;
    const unsigned maxBytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (p_ >= end_) failAt("truncated LEB128 value", start);
      uint8_t b = *p_++;
      if (i + 1 == maxBytes) {
        if (b & 0x80) failAt("LEB128 value too large for " + std::to_string(bits) + " bits", start);
        // The unused high bits must all equal the sign bit.
        unsigned used = bits - shift; // bits this byte contributes, 1..7
        if (used < 7) {
          int8_t sext = int8_t(uint8_t(b << 1)) >> 1; // 7-bit value, sign-extended
          int8_t top = sext >> (used - 1);
          if (top != 0 && top != -1)
            failAt("LEB128 value too large for " + std::to_string(bits) + " bits", start);
        }
        result |= int64_t(uint64_t(b & 0x7f) << shift);
        shift += 7;
        if (shift < 64 && (b & 0x40)) result |= int64_t(~uint64_t(0) << shift); // sign extension
        return result;
      }
      result |= int64_t(uint64_t(b & 0x7f) << shift);
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 64 && (b & 0x40)) result |= int64_t(~uint64_t(0) << shift); // sign extension
        return result;
      }
    }
  }

  ByteView bytes(size_t n) {
    if (remaining() < n) fail("unexpected end of data (need " + std::to_string(n) + " bytes, have " +
                              std::to_string(remaining()) + ")");
    ByteView v(p_, n);
    p_ += n;
    return v;
  }
  void skip(size_t n) { (void)bytes(n); }

  // A length-prefixed UTF-8 name.
  std::string_view name() {
    const uint64_t start = offset();
    uint32_t n = u32();
    if (remaining() < n) failAt("name of " + std::to_string(n) + " bytes runs past the end", start);
    auto v = bytes(n);
    std::string_view s(reinterpret_cast<const char *>(v.data()), v.size());
    if (!validUtf8(s)) failAt("name is not valid UTF-8", start);
    return s;
  }

  // Length of the well-formed UTF-8 sequence at S[I] (1 to 4; its code point in CP), or 0
  // when the bytes there are not one (overlong forms, surrogates and code points above
  // U+10FFFF are not).
  static size_t utf8SequenceAt(std::string_view s, size_t i, uint32_t &cp) {
    const size_t n = s.size();
    uint8_t c = uint8_t(s[i]);
    if (c < 0x80) { cp = c; return 1; }
    size_t len;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; ++k) {
      uint8_t d = uint8_t(s[i + k]);
      if ((d & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    return len;
  }

  static bool validUtf8(std::string_view s) {
    uint32_t cp;
    for (size_t i = 0, len; i < s.size(); i += len)
      if (!(len = utf8SequenceAt(s, i, cp))) return false;
    return true;
  }

private:
  const uint8_t *begin_ = nullptr;
  const uint8_t *p_ = nullptr;
  const uint8_t *end_ = nullptr;
  uint64_t base_ = 0;
};

// ---- encoding ---------------------------------------------------------------------

// Unchecked fast paths for the decoders' hot loops: an unsigned LEB of at most
// (Bits + 6) / 7 - 1 bytes (so always in range) at P, whose caller knows that many bytes
// to be there; false (P unchanged) for anything longer, which the checked reader decides.
template <unsigned Bits> [[gnu::always_inline]] inline bool fastUleb(const uint8_t *&p, uint64_t &v) {
  constexpr unsigned kFast = (Bits + 6) / 7 - 1;
  uint64_t b = p[0];
  if (b < 0x80) [[likely]] {
    v = b;
    ++p;
    return true;
  }
  uint64_t r = b & 0x7f;
  for (unsigned i = 1; i < kFast; ++i) {
    b = p[i];
    r |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      v = r;
      p += i + 1;
      return true;
    }
  }
  return false;
}
// The same for a signed LEB.
template <unsigned Bits> [[gnu::always_inline]] inline bool fastSleb(const uint8_t *&p, int64_t &v) {
  constexpr unsigned kFast = (Bits + 6) / 7 - 1;
  uint64_t r = 0;
  for (unsigned i = 0; i < kFast; ++i) {
    uint64_t b = p[i];
    r |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      unsigned shift = 7 * (i + 1);
      if (b & 0x40) r |= ~uint64_t(0) << shift; // shift < 64: i + 1 <= kFast <= 9
      v = int64_t(r);
      p += i + 1;
      return true;
    }
  }
  return false;
}

inline size_t ulebSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}
inline size_t slebSize(int64_t v) {
  size_t n = 1;
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) return n;
    ++n;
  }
}
// Write into a raw pointer (the writer precomputes sizes); returns the new end.
inline uint8_t *putUleb(uint8_t *p, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    *p++ = v ? (b | 0x80) : b;
  } while (v);
  return p;
}
// Padded to exactly `width` bytes (used to reproduce producers' padded size fields).
inline uint8_t *putUlebPadded(uint8_t *p, uint64_t v, size_t width) {
  for (size_t i = 0; i + 1 < width; ++i) {
    *p++ = uint8_t((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = uint8_t(v & 0x7f);
  return p;
}
inline uint8_t *putSleb(uint8_t *p, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
      *p++ = b;
      return p;
    }
    *p++ = b | 0x80;
  }
}

// A growable byte sink for places where precomputing sizes is not worth it (small
// synthetic sections). The writer's hot path uses raw pointers instead.
struct ByteSink {
  Bytes out;
  void u8(uint8_t b) { out.push_back(b); }
  void uleb(uint64_t v) {
    uint8_t tmp[10];
    out.insert(out.end(), tmp, putUleb(tmp, v));
  }
  void sleb(int64_t v) {
    uint8_t tmp[10];
    out.insert(out.end(), tmp, putSleb(tmp, v));
  }
  void u32le(uint32_t v) {
    uint8_t tmp[4];
    std::memcpy(tmp, &v, 4);
    out.insert(out.end(), tmp, tmp + 4);
  }
  void u64le(uint64_t v) {
    uint8_t tmp[8];
    std::memcpy(tmp, &v, 8);
    out.insert(out.end(), tmp, tmp + 8);
  }
  void bytes(ByteView v) { out.insert(out.end(), v.begin(), v.end()); }
  void name(std::string_view s) {
    uleb(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  size_t size() const { return out.size(); }
};

} // namespace wasmobj
