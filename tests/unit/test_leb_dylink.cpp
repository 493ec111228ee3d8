// Unit tests of the LEB128 / UTF-8 primitives (wasmobj/leb.h) and of dylink.0 parsing and
// encoding (wasmobj/dylink.h). Byte sequences are hand-assembled.
#include "test_util.h"
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "wasmobj/dylink.h"
#include "wasmobj/leb.h"

using namespace wasmobj;
using testutil::B;
using testutil::errorOf;

namespace {

uint64_t readU(const Bytes &b, unsigned bits, size_t *used = nullptr) {
  Cursor c{ByteView(b)};
  uint64_t v = c.uleb(bits);
  if (used) *used = c.pos();
  return v;
}
int64_t readS(const Bytes &b, unsigned bits, size_t *used = nullptr) {
  Cursor c{ByteView(b)};
  int64_t v = c.sleb(bits);
  if (used) *used = c.pos();
  return v;
}

Bytes encU(uint64_t v) {
  uint8_t t[10];
  return Bytes(t, putUleb(t, v));
}
Bytes encS(int64_t v) {
  uint8_t t[10];
  return Bytes(t, putSleb(t, v));
}

} // namespace

// ---- leb ---------------------------------------------------------------------------

TEST_CASE("leb: uleb32 values and bounds") {
  size_t used = 0;
  CHECK(readU(B({0x00}), 32) == 0);
  CHECK(readU(B({0x7f}), 32) == 127);
  CHECK(readU(B({0x80, 0x01}), 32, &used) == 128);
  CHECK(used == 2);
  CHECK(readU(B({0xe5, 0x8e, 0x26}), 32) == 624485);
  CHECK(readU(B({0xff, 0xff, 0xff, 0xff, 0x0f}), 32) == 0xffffffffu);
  // Bytes after the value are not consumed.
  CHECK(readU(B({0x05, 0x80}), 32, &used) == 5);
  CHECK(used == 1);
}

TEST_CASE("leb: uleb32 padded encodings are accepted up to 5 bytes") {
  size_t used = 0;
  CHECK(readU(B({0x80, 0x00}), 32, &used) == 0);
  CHECK(used == 2);
  CHECK(readU(B({0x85, 0x80, 0x80, 0x80, 0x00}), 32, &used) == 5);
  CHECK(used == 5);
}

TEST_CASE("leb: uleb32 too large and overlong values are rejected at the value's start") {
  // 2^32: the 5th byte uses a bit above bit 31.
  Error e = errorOf([] { readU(B({0x80, 0x80, 0x80, 0x80, 0x10}), 32); });
  CHECK(e.message() == "LEB128 value too large for 32 bits");
  CHECK(e.offset() == 0);
  // Six bytes for a u32, even though the value (0) fits.
  e = errorOf([] { readU(B({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), 32); });
  CHECK(e.message() == "LEB128 value too large for 32 bits");
  CHECK(e.offset() == 0);
  // Offsets are file offsets: base + position of the first byte of the LEB.
  Bytes b = B({0xaa, 0xff, 0xff, 0xff, 0xff, 0x1f});
  Cursor c(ByteView(b), 1000);
  c.u8();
  e = errorOf([&] { c.u32(); });
  CHECK(e.offset() == 1001);
}

TEST_CASE("leb: uleb64 bounds") {
  CHECK(readU(B({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), 64) == UINT64_MAX);
  CHECK(readU(B({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), 64) == 0);
  Error e = errorOf([] { readU(B({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}), 64); });
  CHECK(e.message() == "LEB128 value too large for 64 bits");
  e = errorOf([] { readU(B({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), 64); });
  CHECK(e.message() == "LEB128 value too large for 64 bits");
  // A 5-byte value above 2^32 is fine for 64 bits.
  CHECK(readU(B({0x80, 0x80, 0x80, 0x80, 0x10}), 64) == (uint64_t(1) << 32));
}

TEST_CASE("leb: truncated LEBs report the offset where the value starts") {
  Bytes b = B({0x01, 0x02, 0x80, 0x80});
  Cursor c(ByteView(b), 50);
  c.u8();
  c.u8();
  Error e = errorOf([&] { c.uleb(32); });
  CHECK(e.message() == "truncated LEB128 value");
  CHECK(e.offset() == 52);
  Cursor s(ByteView(b), 50);
  s.skip(2);
  e = errorOf([&] { s.sleb(64); });
  CHECK(e.message() == "truncated LEB128 value");
  CHECK(e.offset() == 52);
  Bytes empty;
  e = errorOf([&] { Cursor(ByteView(empty), 7).u32(); });
  CHECK(e.message() == "truncated LEB128 value");
  CHECK(e.offset() == 7);
}

TEST_CASE("leb: sleb32 values and bounds") {
  CHECK(readS(B({0x00}), 32) == 0);
  CHECK(readS(B({0x7f}), 32) == -1);
  CHECK(readS(B({0x3f}), 32) == 63);
  CHECK(readS(B({0x40}), 32) == -64);
  CHECK(readS(B({0xc0, 0x00}), 32) == 64);
  CHECK(readS(B({0x80, 0x7f}), 32) == -128);
  CHECK(readS(B({0xff, 0xff, 0xff, 0xff, 0x07}), 32) == INT32_MAX);
  CHECK(readS(B({0x80, 0x80, 0x80, 0x80, 0x78}), 32) == INT32_MIN);
  // Padded -1.
  CHECK(readS(B({0xff, 0xff, 0xff, 0xff, 0x7f}), 32) == -1);
  // 2^31 and -2^31-1 do not fit.
  CHECK(errorOf([] { readS(B({0x80, 0x80, 0x80, 0x80, 0x08}), 32); }).message() == "LEB128 value too large for 32 bits");
  CHECK(errorOf([] { readS(B({0xff, 0xff, 0xff, 0xff, 0x77}), 32); }).message() == "LEB128 value too large for 32 bits");
  // Six bytes.
  CHECK(errorOf([] { readS(B({0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), 32); }).message() ==
        "LEB128 value too large for 32 bits");
}

TEST_CASE("leb: sleb33 covers block type indices") {
  CHECK(readS(B({0xff, 0xff, 0xff, 0xff, 0x0f}), 33) == 0xffffffffll);
  CHECK(readS(B({0x80, 0x80, 0x80, 0x80, 0x70}), 33) == -(int64_t(1) << 32));
  CHECK(errorOf([] { readS(B({0x80, 0x80, 0x80, 0x80, 0x10}), 33); }).message() == "LEB128 value too large for 33 bits");
  CHECK(errorOf([] { readS(B({0xff, 0xff, 0xff, 0xff, 0x6f}), 33); }).message() == "LEB128 value too large for 33 bits");
  // The same bytes are out of range for 32 bits.
  CHECK_THROWS_AS(readS(B({0xff, 0xff, 0xff, 0xff, 0x0f}), 32), Error);
}

TEST_CASE("leb: sleb64 bounds") {
  CHECK(readS(B({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}), 64) == INT64_MIN);
  CHECK(readS(B({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}), 64) == INT64_MAX);
  CHECK(errorOf([] { readS(B({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), 64); }).message() ==
        "LEB128 value too large for 64 bits");
  CHECK(errorOf([] { readS(B({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e}), 64); }).message() ==
        "LEB128 value too large for 64 bits");
}

TEST_CASE("leb: putUleb / ulebSize round trips") {
  const uint64_t values[] = {0, 1, 63, 64, 127, 128, 255, 16383, 16384, 0x7fffffff, 0xffffffff,
                             uint64_t(1) << 32, uint64_t(1) << 56, (uint64_t(1) << 63) - 1, uint64_t(1) << 63, UINT64_MAX};
  for (uint64_t v : values) {
    CAPTURE(v);
    Bytes b = encU(v);
    CHECK(b.size() == ulebSize(v));
    size_t used = 0;
    CHECK(readU(b, 64, &used) == v);
    CHECK(used == b.size());
    if (v <= 0xffffffff) CHECK(readU(b, 32) == v);
  }
  CHECK(encU(0) == B({0x00}));
  CHECK(encU(624485) == B({0xe5, 0x8e, 0x26}));
  CHECK(ulebSize(UINT64_MAX) == 10);
}

TEST_CASE("leb: putSleb / slebSize round trips") {
  const int64_t values[] = {0, 1, -1, 63, 64, -64, -65, 127, 128, -128, -129, 8191, 8192, -8192, -8193,
                            INT32_MAX, INT32_MIN, int64_t(INT32_MAX) + 1, int64_t(INT32_MIN) - 1, INT64_MAX, INT64_MIN};
  for (int64_t v : values) {
    CAPTURE(v);
    Bytes b = encS(v);
    CHECK(b.size() == slebSize(v));
    size_t used = 0;
    CHECK(readS(b, 64, &used) == v);
    CHECK(used == b.size());
    if (v >= INT32_MIN && v <= INT32_MAX) CHECK(readS(b, 32) == v);
  }
  CHECK(encS(-1) == B({0x7f}));
  CHECK(encS(64) == B({0xc0, 0x00}));
  CHECK(encS(-123456) == B({0xc0, 0xbb, 0x78}));
  CHECK(slebSize(INT64_MIN) == 10);
}

TEST_CASE("leb: padded uleb encodings") {
  uint8_t t[10];
  Bytes b(t, putUlebPadded(t, 5, 5));
  CHECK(b == B({0x85, 0x80, 0x80, 0x80, 0x00}));
  b.assign(t, putUlebPadded(t, 0x0fffffff, 5));
  CHECK(b == B({0xff, 0xff, 0xff, 0xff, 0x00}));
  CHECK(readU(b, 32) == 0x0fffffff);
  b.assign(t, putUlebPadded(t, 300, 2));
  CHECK(b == encU(300));
  b.assign(t, putUlebPadded(t, 0, 1));
  CHECK(b == B({0x00}));
  // ByteSink produces the same minimal encodings.
  ByteSink s;
  s.uleb(624485);
  s.sleb(-123456);
  CHECK(s.out == B({0xe5, 0x8e, 0x26, 0xc0, 0xbb, 0x78}));
}

TEST_CASE("leb: fixed-width little-endian and byte runs") {
  Bytes b = B({0x78, 0x56, 0x34, 0x12, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  Cursor c{ByteView(b)};
  CHECK(c.u32le() == 0x12345678u);
  CHECK(c.u64le() == 0x0807060504030201ull);
  CHECK(c.atEnd());
  CHECK(errorOf([&] { c.u8(); }).message() == "unexpected end of data");
  Cursor d(ByteView(b), 10);
  d.skip(10);
  Error e = errorOf([&] { d.bytes(3); });
  CHECK(e.message() == "unexpected end of data (need 3 bytes, have 2)");
  CHECK(e.offset() == 20);
}

TEST_CASE("leb: UTF-8 validation") {
  auto ok = [](std::initializer_list<int> xs) {
    std::string s;
    for (int x : xs) s.push_back(char(x));
    return Cursor::validUtf8(s);
  };
  CHECK(ok({}));
  CHECK(ok({'a', 'b', 'c'}));
  CHECK(ok({0xc3, 0xa9}));                  // é
  CHECK(ok({0xe2, 0x82, 0xac}));            // €
  CHECK(ok({0xf0, 0x9f, 0x98, 0x80}));      // U+1F600
  CHECK(ok({0xf4, 0x8f, 0xbf, 0xbf}));      // U+10FFFF
  CHECK(ok({0xef, 0xbf, 0xbf}));            // U+FFFF
  CHECK_FALSE(ok({0x80}));                  // lone continuation byte
  CHECK_FALSE(ok({0xc3}));                  // truncated
  CHECK_FALSE(ok({0xe2, 0x82}));            // truncated
  CHECK_FALSE(ok({0xc3, 0x28}));            // bad continuation
  CHECK_FALSE(ok({0xc0, 0x80}));            // overlong NUL
  CHECK_FALSE(ok({0xe0, 0x80, 0xaf}));      // overlong '/'
  CHECK_FALSE(ok({0xf0, 0x80, 0x80, 0xaf})); // overlong '/'
  CHECK_FALSE(ok({0xed, 0xa0, 0x80}));      // surrogate U+D800
  CHECK_FALSE(ok({0xf4, 0x90, 0x80, 0x80})); // above U+10FFFF
  CHECK_FALSE(ok({0xf8, 0x88, 0x80, 0x80, 0x80}));
  CHECK_FALSE(ok({0xff}));
}

TEST_CASE("leb: names") {
  Bytes b = B({0x02, 'h', 'i', 0x03, 'x'});
  Cursor c(ByteView(b), 100);
  CHECK(c.name() == "hi");
  Error e = errorOf([&] { c.name(); });
  CHECK(e.message() == "name of 3 bytes runs past the end");
  CHECK(e.offset() == 103);
  Bytes bad = B({0x00, 0x02, 0xc3, 0x28});
  Cursor d(ByteView(bad), 10);
  CHECK(d.name().empty());
  e = errorOf([&] { d.name(); });
  CHECK(e.message() == "name is not valid UTF-8");
  CHECK(e.offset() == 11);
}

// ---- dylink ------------------------------------------------------------------------

namespace {

Bytes sub(uint8_t type, const Bytes &body) {
  Bytes b{type};
  Bytes n = encU(body.size());
  b.insert(b.end(), n.begin(), n.end());
  b.insert(b.end(), body.begin(), body.end());
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (auto &p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}
Bytes nm(const std::string &s) {
  Bytes b = encU(s.size());
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

Dylink fullDylink() {
  Dylink d;
  d.hasMemInfo = true;
  d.memorySize = 1000;
  d.memoryAlign = 3;
  d.tableSize = 7;
  d.tableAlign = 1;
  d.needed = {"libc.so", "libm.so"};
  d.exportInfo = {{"tls_var", kSymTLS}, {"weak_fn", kSymBindingWeak}};
  d.importInfo = {{"env", "maybe", kSymBindingWeak}, {"GOT.mem", "x", 0}};
  d.runtimePath = {"$ORIGIN/lib", "/opt/lib"};
  return d;
}

} // namespace

TEST_CASE("dylink: all five subsections round trip") {
  Dylink d = fullDylink();
  Bytes enc = encodeDylink(d);
  // Canonical order 1..5, each subsection id in turn.
  CHECK(enc[0] == kDylinkMemInfo);
  Dylink p = parseDylink(enc, 0);
  CHECK_FALSE(p.legacy);
  CHECK(p.hasMemInfo);
  CHECK(p.memorySize == 1000);
  CHECK(p.memoryAlign == 3);
  CHECK(p.tableSize == 7);
  CHECK(p.tableAlign == 1);
  CHECK(p.needed == d.needed);
  REQUIRE(p.exportInfo.size() == 2);
  CHECK(p.exportInfo[0].name == "tls_var");
  CHECK(p.exportInfo[0].flags == kSymTLS);
  CHECK(p.exportInfo[1].flags == kSymBindingWeak);
  REQUIRE(p.importInfo.size() == 2);
  CHECK(p.importInfo[0].module == "env");
  CHECK(p.importInfo[0].field == "maybe");
  CHECK(p.importInfo[1].module == "GOT.mem");
  CHECK(p.runtimePath == d.runtimePath);
  CHECK(p.order == std::vector<uint8_t>{1, 2, 3, 4, 5});
  CHECK(p.unknown.empty());
  CHECK(encodeDylink(p) == enc);
  CHECK(p.isWeakImport("maybe"));
  CHECK_FALSE(p.isWeakImport("x"));
  CHECK(p.exportFlags("tls_var") == kSymTLS);
  CHECK(p.exportFlags("nothing") == 0);
}

TEST_CASE("dylink: RUNTIME_PATH is subsection 5, byte for byte") {
  Dylink d;
  d.runtimePath = {"$ORIGIN"};
  CHECK(encodeDylink(d) == cat({B({0x05, 0x09, 0x01, 0x07}), Bytes{'$', 'O', 'R', 'I', 'G', 'I', 'N'}}));
}

TEST_CASE("dylink: unknown subsections are kept byte-exact and in order") {
  Bytes memInfo = sub(1, B({0x10, 0x02, 0x01, 0x00}));
  Bytes unk9 = sub(9, B({0xde, 0xad, 0xbe, 0xef}));
  Bytes needed = sub(2, cat({B({0x01}), nm("liba.so")}));
  Bytes unk7 = sub(7, B({}));
  Bytes rpath = sub(5, cat({B({0x01}), nm("/x")}));
  Bytes payload = cat({needed, unk9, memInfo, unk7, rpath});
  Dylink d = parseDylink(payload, 40);
  CHECK(d.order == std::vector<uint8_t>{2, 9, 1, 7, 5});
  REQUIRE(d.unknown.size() == 2);
  CHECK(d.unknown[0].type == 9);
  CHECK(d.unknown[0].payload == B({0xde, 0xad, 0xbe, 0xef}));
  CHECK(d.unknown[0].offset == 40 + needed.size());
  CHECK(d.unknown[1].type == 7);
  CHECK(d.unknown[1].payload.empty());
  CHECK(d.memorySize == 16);
  CHECK(d.needed == std::vector<std::string>{"liba.so"});
  CHECK(d.runtimePath == std::vector<std::string>{"/x"});
  CHECK(encodeDylink(d) == payload);
  // Without a recorded order, unknown subsections go last, in the order read.
  d.order.clear();
  CHECK(encodeDylink(d) == cat({memInfo, needed, rpath, unk9, unk7}));
}

TEST_CASE("dylink: legacy \"dylink\" section") {
  Bytes payload = cat({B({0x80, 0x01, 0x02, 0x03, 0x00, 0x02}), nm("a.so"), nm("b.so")});
  Dylink d = parseDylink(payload, 0, true);
  CHECK(d.legacy);
  CHECK(d.hasMemInfo);
  CHECK(d.memorySize == 128);
  CHECK(d.memoryAlign == 2);
  CHECK(d.tableSize == 3);
  CHECK(d.tableAlign == 0);
  CHECK(d.needed == std::vector<std::string>{"a.so", "b.so"});
  CHECK(encodeDylink(d) == payload);
  Bytes trailing = cat({payload, B({0x00})});
  Error e = errorOf([&] { parseDylink(trailing, 0, true); });
  CHECK(e.message() == "trailing bytes in dylink section");
  CHECK(e.offset() == payload.size());
}

TEST_CASE("dylink: legacy alignments above 2^31 are refused, as in dylink.0") {
  // mem_size 16, mem_align 64 (at offset 101), table 0, table_align 0, no NEEDED.
  Error e = errorOf([&] { parseDylink(B({0x10, 0x40, 0x00, 0x00, 0x00}), 100, true); });
  CHECK(e.message() == "dylink memory alignment 2^64 is too large");
  CHECK(e.offset() == 101);
  e = errorOf([&] { parseDylink(B({0x10, 0x02, 0x00, 0x20, 0x00}), 100, true); });
  CHECK(e.message() == "dylink table alignment 2^32 is too large");
  CHECK(e.offset() == 103);
  CHECK(parseDylink(B({0x10, 0x1f, 0x00, 0x1f, 0x00}), 0, true).memoryAlign == 31); // the largest accepted
}

TEST_CASE("dylink: flags by name in one pass agree with the lookups, first entry winning") {
  Dylink d;
  d.importInfo = {{"env", "a", kSymBindingWeak}, {"GOT.mem", "b", 0}, {"GOT.func", "a", 0}};
  d.exportInfo = {{"x", kSymTLS}, {"y", 0}, {"x", kSymBindingWeak}};
  auto im = d.importFlagsByField();
  auto ex = d.exportFlagsByName();
  CHECK(im.size() == 2);
  CHECK(im.at("a") == kSymBindingWeak);
  CHECK(d.isWeakImport("a"));
  CHECK(im.at("b") == 0);
  CHECK(im.count("c") == 0);
  CHECK(ex.at("x") == kSymTLS);
  CHECK(ex.at("x") == d.exportFlags("x"));
  CHECK(ex.at("y") == 0);
}

TEST_CASE("dylink: duplicate subsection") {
  Bytes memInfo = sub(1, B({0x10, 0x02, 0x01, 0x00}));
  Error e = errorOf([&] { parseDylink(cat({memInfo, memInfo}), 100); });
  CHECK(e.message() == "duplicate dylink.0 subsection 1");
  CHECK(e.offset() == 100 + memInfo.size());
  Bytes rp = sub(5, cat({B({0x01}), nm("/x")}));
  e = errorOf([&] { parseDylink(cat({rp, memInfo, rp}), 0); });
  CHECK(e.message() == "duplicate dylink.0 subsection 5");
  CHECK(e.offset() == rp.size() + memInfo.size());
  // Unknown subsections may repeat.
  Bytes u = sub(42, B({0x01}));
  CHECK(parseDylink(cat({u, u}), 0).unknown.size() == 2);
}

TEST_CASE("dylink: subsection sizes that lie") {
  // Longer than the section.
  Bytes longer = B({0x02, 0x14, 0x01, 0x03, 'a', '.', 's'});
  Error e = errorOf([&] { parseDylink(longer, 8); });
  CHECK(e.message() == "dylink.0 subsection 2 of 20 bytes runs past the end of the section");
  CHECK(e.offset() == 8);
  // Shorter than its content: MEM_INFO of 2 bytes; the third field is cut off.
  Bytes shorter = B({0x01, 0x02, 0x10, 0x02, 0x01, 0x00});
  e = errorOf([&] { parseDylink(shorter, 8); });
  CHECK(e.message() == "truncated LEB128 value");
  CHECK(e.offset() == 12);
  // Longer than its content: trailing bytes inside the subsection.
  Bytes trailing = B({0x01, 0x06, 0x10, 0x02, 0x01, 0x00, 0xaa, 0xbb, 0x05, 0x00});
  e = errorOf([&] { parseDylink(trailing, 0); });
  CHECK(e.message() == "dylink.0 subsection 1 has 2 trailing bytes");
  CHECK(e.offset() == 6);
  // A NEEDED name that runs past its subsection (but not the section).
  Bytes nameOut = cat({B({0x02, 0x03, 0x01, 0x05, 'a'}), sub(9, B({'b', 'c', 'd'}))});
  e = errorOf([&] { parseDylink(nameOut, 0); });
  CHECK(e.message() == "name of 5 bytes runs past the end");
  CHECK(e.offset() == 3);
}

TEST_CASE("dylink: memory and table alignment bounds") {
  Bytes align40 = sub(1, B({0x10, 40, 0x01, 0x00}));
  Error e = errorOf([&] { parseDylink(align40, 8); });
  CHECK(e.message() == "dylink.0 memory alignment 2^40 is too large");
  CHECK(e.offset() == 8);
  e = errorOf([&] { parseDylink(sub(1, B({0x10, 0x02, 0x01, 32})), 0); });
  CHECK(e.message() == "dylink.0 table alignment 2^32 is too large");
  CHECK(parseDylink(sub(1, B({0x10, 31, 0x01, 31})), 0).memoryAlign == 31);
}
