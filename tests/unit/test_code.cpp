// Unit tests of the instruction decoder and the code rewriter (wasmobj/code.h). Byte
// sequences are hand-assembled; encodings were cross-checked with wabt's wasm-objdump
// during development (the tests do not need it).
#include "test_util.h"
#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "wasmobj/code.h"

using namespace wasmobj;

namespace {

// A tiny assembler: raw bytes, LEBs (minimal or padded) and the current position.
struct Asm {
  Bytes b;
  Asm &operator()(std::initializer_list<int> xs) {
    for (int x : xs) b.push_back(uint8_t(x));
    return *this;
  }
  Asm &u(uint64_t v) {
    uint8_t t[10];
    b.insert(b.end(), t, putUleb(t, v));
    return *this;
  }
  Asm &s(int64_t v) {
    uint8_t t[10];
    b.insert(b.end(), t, putSleb(t, v));
    return *this;
  }
  Asm &pad(uint64_t v, size_t width) { // padded unsigned LEB
    uint8_t t[10];
    b.insert(b.end(), t, putUlebPadded(t, v, width));
    return *this;
  }
  Asm &spad(int64_t v, size_t width) { // padded signed LEB
    for (size_t i = 0; i + 1 < width; ++i) {
      b.push_back(uint8_t((v & 0x7f) | 0x80));
      v >>= 7;
    }
    b.push_back(uint8_t(v & 0x7f));
    return *this;
  }
  Asm &raw(const Bytes &x) {
    b.insert(b.end(), x.begin(), x.end());
    return *this;
  }
  size_t pos() const { return b.size(); }
  ByteView view() const { return ByteView(b); }
};

std::vector<Instr> decodeAll(ByteView expr, uint64_t base = 0) {
  std::vector<Instr> out;
  InstrReader r(expr, base);
  Instr in;
  while (r.next(in)) out.push_back(in);
  return out;
}

using testutil::errorOf;

bool contains(const std::string &s, const std::string &needle) {
  return s.find(needle) != std::string::npos;
}

// A function body: locals declarations (none) + EXPR.
Bytes body(const Bytes &expr, const Bytes &locals = {0x00}) {
  Bytes b = locals;
  b.insert(b.end(), expr.begin(), expr.end());
  return b;
}

} // namespace

TEST_CASE("code: MVP control and variable instructions decode with immediates and offsets") {
  Asm a;
  a({0x02, 0x40});             // 0 block
  a({0x03, 0x7f});             // 2 loop (result i32)
  a({0x04, 0x40});             // 4 if
  a({0x0c}).u(2);              // 6 br 2
  a({0x05});                   // 8 else
  a({0x0d}).u(1);              // 9 br_if 1
  a({0x0b});                   // 11 end (if)
  a({0x0e}).u(3).u(0).u(1).pad(2, 3).u(200); // 12 br_table [0 1 2] 200
  a({0x0b, 0x0b});             // end loop, end block
  a({0x10}).u(300);            // call 300
  a({0x11}).u(5).u(0);         // call_indirect type 5 table 0
  a({0x20}).u(7);              // local.get 7
  a({0x21}).u(128);            // local.set 128
  a({0x22}).u(0);              // local.tee 0
  a({0x23}).u(3);              // global.get 3
  a({0x24}).u(4);              // global.set 4
  a({0x1a, 0x1b, 0x0f, 0x00, 0x01});
  a({0x0b});

  auto ins = decodeAll(a.view(), 1000);
  REQUIRE(ins.size() == 23);
  CHECK(ins[0].op == 0x02);
  CHECK(ins[0].offset == 1000);
  CHECK(ins[0].block.kind == BlockType::Empty);
  CHECK(ins[0].depth == 2);
  CHECK(ins[1].op == 0x03);
  CHECK(ins[1].block.kind == BlockType::Value);
  CHECK(ins[1].block.value.code == 0x7f);
  CHECK(ins[1].depth == 3);
  CHECK(ins[2].depth == 4);
  CHECK(ins[3].op == 0x0c);
  CHECK(ins[3].index == 2);
  CHECK(ins[3].offset == 1006);
  CHECK(ins[3].size == 2);
  CHECK(ins[4].op == 0x05);
  CHECK(ins[5].index == 1);
  CHECK(ins[6].op == 0x0b);
  CHECK(ins[6].depth == 3);
  const Instr &bt = ins[7];
  CHECK(bt.op == 0x0e);
  CHECK(bt.offset == 1012);
  CHECK(bt.vecCount == 3);
  CHECK(bt.index == 200);
  CHECK(brTableLabels(bt) == std::vector<uint32_t>{0, 1, 2});
  CHECK(bt.size == 1 + 1 + 1 + 1 + 3 + 2);
  CHECK(ins[9].depth == 1);
  CHECK(ins[10].op == 0x10);
  CHECK(ins[10].index == 300);
  CHECK(ins[11].op == 0x11);
  CHECK(ins[11].index == 5);
  CHECK(ins[11].index2 == 0);
  CHECK(ins[12].index == 7);
  CHECK(ins[13].index == 128);
  CHECK(ins[13].size == 3);
  CHECK(ins[15].op == 0x23);
  CHECK(ins[15].index == 3);
  CHECK(ins[16].op == 0x24);
  CHECK(ins[16].index == 4);
  CHECK(ins.back().op == 0x0b);
  CHECK(ins.back().depth == 0);
  CHECK(ins.back().offset == 1000 + a.pos() - 1);
  for (auto &i : ins) CHECK(i.prefix == 0);
}

TEST_CASE("code: numeric constants, sign extension and extended-const opcodes") {
  Asm a;
  a({0x41}).s(-1);                    // i32.const -1
  a({0x41}).s(INT32_MIN);             // i32.const INT32_MIN
  a({0x41}).spad(5, 5);               // i32.const 5, padded
  a({0x42}).s(INT64_MIN);             // i64.const INT64_MIN
  a({0x42}).s(0x123456789abcLL);
  a({0x43, 0x00, 0x00, 0x80, 0x3f});  // f32.const 1.0
  a({0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}); // f64.const 1.0
  a({0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e}); // i32/i64 add sub mul (extended const)
  a({0xc0, 0xc1, 0xc2, 0xc3, 0xc4});       // sign extension
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 19);
  CHECK(ins[0].value == -1);
  CHECK(ins[1].value == INT32_MIN);
  CHECK(ins[2].value == 5);
  CHECK(ins[2].size == 6);
  CHECK(ins[3].value == INT64_MIN);
  CHECK(ins[4].value == 0x123456789abcLL);
  CHECK(ins[5].bits == 0x3f800000u);
  CHECK(ins[6].bits == 0x3ff0000000000000ull);
  CHECK(ins[6].size == 9);
  CHECK(ins[13].op == 0xc0);
  CHECK(ins[17].op == 0xc4);

  // Every plain single-byte numeric opcode, each alone in an expression.
  for (int op = 0x45; op <= 0xc4; ++op) {
    Bytes e{uint8_t(op), 0x0b};
    auto v = decodeAll(e);
    REQUIRE(v.size() == 2);
    CHECK(v[0].op == uint32_t(op));
    CHECK(v[0].size == 1);
    CHECK(v[0].shape == ImmShape::None);
  }
  // i32.const must fit in 32 bits.
  Asm big;
  big({0x41}).s(int64_t(1) << 40)({0x0b});
  CHECK_THROWS_AS(decodeAll(big.view()), Error);
}

TEST_CASE("code: single-byte opcodes that are not instructions are errors") {
  for (int op : {0x16, 0x17, 0x1d, 0x1e, 0x27, 0xc5, 0xcf, 0xd7, 0xe0, 0xfa, 0xff}) {
    Bytes e{0x01, uint8_t(op), 0x0b};
    Error err = errorOf([&] { decodeAll(e, 40); });
    CHECK(err.offset() == 41);
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%02x", op);
    CHECK(contains(err.message(), std::string("unknown opcode ") + buf));
  }
  CHECK(immShape(0, 0x16) == ImmShape::Invalid);
  CHECK(immShape(0, 0x10) == ImmShape::Func);
  CHECK(immShape(0, 0xfc) == ImmShape::Invalid); // a prefix, not an opcode
  CHECK(immShape(kPrefixMisc, 17) == ImmShape::Table);
  CHECK(immShape(kPrefixMisc, 18) == ImmShape::Invalid);
}

TEST_CASE("code: memory instructions, memarg and multi-memory") {
  Asm a;
  a({0x28}).u(2).u(16);                // i32.load align=2 offset=16
  a({0x29}).u(3).u(uint64_t(1) << 40); // i64.load, 64-bit offset (memory64)
  a({0x36}).u(2 | 0x40).u(3).u(8);     // i32.store memory 3
  a({0x3e}).u(2).u(0);                 // i64.store32
  a({0x3f, 0x00});                     // memory.size 0
  a({0x40}).u(2);                      // memory.grow 2
  a({0x2c}).pad(0, 2).pad(4, 5);       // i32.load8_s, padded
  a({0x0b});
  auto ins = decodeAll(a.view(), 10);
  REQUIRE(ins.size() == 8);
  CHECK(ins[0].mem.align == 2);
  CHECK(ins[0].mem.offset == 16);
  CHECK(ins[0].mem.memory == 0);
  CHECK_FALSE(ins[0].mem.explicitMemory);
  CHECK(ins[1].mem.offset == uint64_t(1) << 40);
  CHECK(ins[2].mem.align == 2);
  CHECK(ins[2].mem.memory == 3);
  CHECK(ins[2].mem.explicitMemory);
  CHECK(ins[2].mem.offset == 8);
  CHECK(ins[3].op == 0x3e);
  CHECK(ins[4].op == 0x3f);
  CHECK(ins[4].index == 0);
  CHECK(ins[5].index == 2);
  CHECK(ins[6].mem.offset == 4);
  CHECK(ins[6].size == 8);

  // Alignment flags of 128 and above are malformed.
  Asm bad;
  bad({0x01, 0x28}).u(0x80).u(0)({0x0b});
  Error e = errorOf([&] { decodeAll(bad.view(), 100); });
  CHECK(e.offset() == 102);
}

TEST_CASE("code: 0xFC prefix: saturating truncation, bulk memory and table instructions") {
  Asm a;
  for (int op = 0; op <= 7; ++op) a({0xfc}).u(op);
  a({0xfc}).u(8).u(4).u(0);  // memory.init data 4, memory 0
  a({0xfc}).u(9).u(5);       // data.drop 5
  a({0xfc}).u(10).u(1).u(2); // memory.copy 1 <- 2
  a({0xfc}).u(11).u(3);      // memory.fill 3
  a({0xfc}).u(12).u(6).u(7); // table.init elem 6, table 7
  a({0xfc}).u(13).u(8);      // elem.drop 8
  a({0xfc}).u(14).u(9).u(10); // table.copy 9 <- 10
  a({0xfc}).u(15).u(11);     // table.grow
  a({0xfc}).pad(16, 2).u(12); // table.size, padded opcode
  a({0xfc}).u(17).u(13);     // table.fill
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 19);
  for (int i = 0; i < 8; ++i) {
    CHECK(ins[i].prefix == 0xfc);
    CHECK(ins[i].op == uint32_t(i));
    CHECK(ins[i].size == 2);
  }
  CHECK(ins[8].op == 8);
  CHECK(ins[8].index == 4);
  CHECK(ins[8].index2 == 0);
  CHECK(ins[9].index == 5);
  CHECK(ins[10].index == 1);
  CHECK(ins[10].index2 == 2);
  CHECK(ins[11].index == 3);
  CHECK(ins[12].index == 6);
  CHECK(ins[12].index2 == 7);
  CHECK(ins[13].index == 8);
  CHECK(ins[14].index == 9);
  CHECK(ins[14].index2 == 10);
  CHECK(ins[15].index == 11);
  CHECK(ins[16].op == 16);
  CHECK(ins[16].index == 12);
  CHECK(ins[16].size == 4);
  CHECK(ins[17].index == 13);

  Error e = errorOf([&] { decodeAll(Bytes{0x01, 0xfc, 0x12, 0x0b}, 7); });
  CHECK(e.offset() == 8);
  CHECK(contains(e.message(), "unknown opcode 0xfc 18"));
}

TEST_CASE("code: reference types, typed select and heap types") {
  Asm a;
  a({0xd0, 0x70});           // ref.null func
  a({0xd0, 0x6f});           // ref.null extern
  a({0xd0}).s(70);           // ref.null (type 70): s33 two bytes
  a({0xd1});                 // ref.is_null
  a({0xd2}).u(9);            // ref.func 9
  a({0x25}).u(1);            // table.get 1
  a({0x26}).u(2);            // table.set 2
  a({0x1c}).u(3)({0x7f, 0x70})({0x63}).s(5); // select (i32 funcref (ref null 5))
  a({0x1c}).u(1)({0x64, 0x6e});          // select (ref any)
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 10);
  CHECK(ins[0].heapType == 0x70 - 0x80);
  CHECK(ins[1].heapType == 0x6f - 0x80);
  CHECK(ins[2].heapType == 70);
  CHECK(ins[2].size == 3);
  CHECK(ins[3].op == 0xd1);
  CHECK(ins[4].index == 9);
  CHECK(ins[5].index == 1);
  CHECK(ins[6].index == 2);
  CHECK(ins[7].op == 0x1c);
  CHECK(ins[7].vecCount == 3);
  auto ts = selectTypes(ins[7]);
  REQUIRE(ts.size() == 3);
  CHECK(ts[0].code == 0x7f);
  CHECK(ts[1].code == 0x70);
  CHECK(ts[2].code == 0x63);
  CHECK(ts[2].heap == 5);
  auto ts2 = selectTypes(ins[8]);
  REQUIRE(ts2.size() == 1);
  CHECK(ts2[0].code == 0x64);
  CHECK(ts2[0].heap == 0x6e - 0x80);

  // A negative heap type that is not an abstract heap type, and a bad value type.
  CHECK_THROWS_AS(decodeAll(Bytes{0xd0, 0x40, 0x0b}), Error);
  Error e = errorOf([&] { decodeAll(Bytes{0x1c, 0x01, 0x60, 0x0b}, 50); });
  CHECK(e.offset() == 52);
  CHECK(contains(e.message(), "invalid value type 0x60"));
}

TEST_CASE("code: block types: empty, value type, reference type and s33 type index") {
  Asm a;
  a({0x02, 0x40});           // []
  a({0x02, 0x7b});           // v128
  a({0x02, 0x63, 0x70});     // (ref null func)
  a({0x02, 0x64}).s(3);      // (ref 3)
  a({0x02}).s(63);           // type 63: one byte 0x3f
  a({0x02}).s(64);           // type 64: two bytes (0xc0 0x00), not the byte 0x40
  a({0x02}).s(100000);
  a({0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b});
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 15);
  CHECK(ins[0].block.kind == BlockType::Empty);
  CHECK(ins[1].block.kind == BlockType::Value);
  CHECK(ins[1].block.value.code == 0x7b);
  CHECK(ins[2].block.value.code == 0x63);
  CHECK(ins[2].block.value.heap == 0x70 - 0x80);
  CHECK(ins[3].block.value.code == 0x64);
  CHECK(ins[3].block.value.heap == 3);
  CHECK(ins[4].block.kind == BlockType::TypeIndex);
  CHECK(ins[4].block.typeIndex == 63);
  CHECK(ins[5].block.typeIndex == 64);
  CHECK(ins[5].size == 3);
  CHECK(ins[6].block.typeIndex == 100000);
  CHECK(ins[6].depth == 8);

  // A negative multi-byte s33 is not a block type.
  Asm bad;
  bad({0x02}).s(-1000)({0x0b, 0x0b});
  Error e = errorOf([&] { decodeAll(bad.view(), 3); });
  CHECK(e.offset() == 4);
}

namespace {
// SIMD immediates by opcode, as the SIMD spec assigns them (independent of the decoder's
// tables): 'm' memarg, 'l' lane, 'L' memarg + lane, 'v' 16 bytes, 0 none, 'x' unassigned.
char simdImm(uint32_t op) {
  if (op <= 0x0b || op == 0x5c || op == 0x5d) return 'm';
  if (op == 0x0c || op == 0x0d) return 'v';
  if (op >= 0x15 && op <= 0x22) return 'l';
  if (op >= 0x54 && op <= 0x5b) return 'L';
  for (uint32_t r : {0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6,
                     0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee})
    if (op == r) return 'x';
  if (op <= 0x113) return 0;
  return 'x';
}
} // namespace

TEST_CASE("code: SIMD: every opcode with its immediates, relaxed SIMD, unassigned opcodes") {
  int decoded = 0;
  for (uint32_t op = 0; op <= 0x120; ++op) {
    Asm a;
    a({0x01, 0xfd}).u(op);
    char k = simdImm(op);
    if (k == 'm' || k == 'L') a.u(4).u(32);
    if (k == 'l' || k == 'L') a({7});
    if (k == 'v') for (int i = 0; i < 16; ++i) a({i + 1});
    a({0x0b});
    if (k == 'x') {
      Error e = errorOf([&] { decodeAll(a.view(), 200); });
      CHECK(e.offset() == 201);
      CHECK(contains(e.message(), "unknown opcode 0xfd " + std::to_string(op)));
      continue;
    }
    auto ins = decodeAll(a.view(), 200);
    REQUIRE(ins.size() == 3);
    const Instr &in = ins[1];
    CHECK(in.prefix == 0xfd);
    CHECK(in.op == op);
    CHECK(in.offset == 201);
    CHECK(in.size == a.pos() - 2);
    if (k == 'm' || k == 'L') {
      CHECK(in.mem.align == 4);
      CHECK(in.mem.offset == 32);
    }
    if (k == 'l' || k == 'L') CHECK(in.lane == 7);
    if (k == 'v') {
      REQUIRE(in.v128 != nullptr);
      CHECK(in.v128[0] == 1);
      CHECK(in.v128[15] == 16);
    }
    ++decoded;
  }
  CHECK(decoded == 0x114 - 20);
  // v128.const with too few bytes.
  Asm t;
  t({0xfd, 0x0c, 1, 2, 3});
  Error e = errorOf([&] { decodeAll(t.view(), 10); });
  CHECK(e.offset() == 12);
}

TEST_CASE("code: threads: atomics with memarg, notify/wait, atomic.fence") {
  int decoded = 0;
  for (uint32_t op = 0; op <= 0x50; ++op) {
    bool valid = op <= 3 || (op >= 0x10 && op <= 0x4e);
    Asm a;
    a({0xfe}).u(op);
    if (op == 3) a({0x00});
    else a.u(2 | 0x40).u(1).u(12); // with an explicit memory index
    a({0x0b});
    if (!valid) {
      Error e = errorOf([&] { decodeAll(a.view(), 5); });
      CHECK(e.offset() == 5);
      continue;
    }
    auto ins = decodeAll(a.view(), 5);
    REQUIRE(ins.size() == 2);
    CHECK(ins[0].prefix == 0xfe);
    CHECK(ins[0].op == op);
    if (op != 3) {
      CHECK(ins[0].mem.memory == 1);
      CHECK(ins[0].mem.align == 2);
      CHECK(ins[0].mem.offset == 12);
    } else {
      CHECK(ins[0].shape == ImmShape::AtomicFence);
    }
    ++decoded;
  }
  CHECK(decoded == 4 + 0x3f);
  // atomic.fence takes a zero byte.
  Error e = errorOf([&] { decodeAll(Bytes{0xfe, 0x03, 0x01, 0x0b}, 0); });
  CHECK(e.offset() == 2);
}

TEST_CASE("code: exception handling: legacy try/catch/delegate and exnref try_table") {
  Asm a;
  a({0x06, 0x40});       // try
  a({0x08}).u(4);        // throw 4
  a({0x07}).u(2);        // catch 2
  a({0x09}).u(0);        // rethrow 0
  a({0x19});             // catch_all
  a({0x0b});             // end
  a({0x06, 0x7f});       // try (result i32)
  a({0x41, 0x00});
  a({0x18}).u(0);        // delegate 0 (closes the try)
  a({0x1a});
  a({0x1f, 0x40}).u(4);  // try_table with 4 clauses
  a({0x00}).u(1).u(0);   //   catch 1 0
  a({0x01}).u(2).u(1);   //   catch_ref 2 1
  a({0x02}).u(2);        //   catch_all 2
  a({0x03}).u(3);        //   catch_all_ref 3
  a({0x0a});             // throw_ref
  a({0x0b});
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 14);
  CHECK(ins[0].op == 0x06);
  CHECK(ins[0].depth == 2);
  CHECK(ins[1].op == 0x08);
  CHECK(ins[1].index == 4);
  CHECK(ins[2].op == 0x07);
  CHECK(ins[2].index == 2);
  CHECK(ins[3].op == 0x09);
  CHECK(ins[4].op == 0x19);
  CHECK(ins[5].depth == 1);
  CHECK(ins[6].depth == 2);
  CHECK(ins[8].op == 0x18);
  CHECK(ins[8].depth == 1);
  const Instr &tt = ins[10];
  CHECK(tt.op == 0x1f);
  CHECK(tt.depth == 2);
  CHECK(tt.vecCount == 4);
  auto cs = tryTableCatches(tt);
  REQUIRE(cs.size() == 4);
  CHECK(cs[0].kind == 0);
  CHECK(cs[0].tag == 1);
  CHECK(cs[0].label == 0);
  CHECK(cs[1].kind == 1);
  CHECK(cs[1].tag == 2);
  CHECK(cs[1].label == 1);
  CHECK(cs[2].kind == 2);
  CHECK(cs[2].label == 2);
  CHECK(cs[3].kind == 3);
  CHECK(cs[3].label == 3);
  CHECK(ins[11].op == 0x0a);
  CHECK(ins.back().depth == 0);

  // A bad catch kind; delegate at function level.
  Error e = errorOf([&] { decodeAll(Bytes{0x1f, 0x40, 0x01, 0x04, 0x00, 0x0b, 0x0b}, 9); });
  CHECK(e.offset() == 12);
  Error d = errorOf([&] { decodeAll(Bytes{0x01, 0x18, 0x00, 0x0b}, 0); });
  CHECK(d.offset() == 1);
}

TEST_CASE("code: tail calls and typed function references") {
  Asm a;
  a({0x12}).u(17);          // return_call 17
  a({0x13}).u(2).u(1);      // return_call_indirect type 2 table 1
  a({0x14}).u(3);           // call_ref 3
  a({0x15}).u(4);           // return_call_ref 4
  a({0xd4});                // ref.as_non_null
  a({0xd5}).u(0);           // br_on_null 0
  a({0xd6}).u(1);           // br_on_non_null 1
  a({0xd3});                // ref.eq
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 9);
  CHECK(ins[0].op == 0x12);
  CHECK(ins[0].index == 17);
  CHECK(ins[1].index == 2);
  CHECK(ins[1].index2 == 1);
  CHECK(ins[2].shape == ImmShape::Type);
  CHECK(ins[2].index == 3);
  CHECK(ins[3].index == 4);
  CHECK(ins[4].shape == ImmShape::None);
  CHECK(ins[5].shape == ImmShape::Label);
  CHECK(ins[6].index == 1);
}

TEST_CASE("code: GC instructions (0xFB prefix)") {
  Asm a;
  a({0xfb}).u(0).u(3);          // struct.new 3
  a({0xfb}).u(2).u(3).u(1);     // struct.get 3 1
  a({0xfb}).u(8).u(4).u(10);    // array.new_fixed 4 10
  a({0xfb}).u(9).u(4).u(2);     // array.new_data 4 2
  a({0xfb}).u(10).u(4).u(3);    // array.new_elem 4 3
  a({0xfb}).u(15);              // array.len
  a({0xfb}).u(17).u(4).u(5);    // array.copy 4 5
  a({0xfb}).u(20)({0x6e});      // ref.test any
  a({0xfb}).u(23).s(6);         // ref.cast null 6
  a({0xfb}).u(24)({0x01}).u(0)({0x6e}).s(7); // br_on_cast 0 any (type 7)
  a({0xfb}).u(30);              // i31.get_u
  a({0x0b});
  auto ins = decodeAll(a.view());
  REQUIRE(ins.size() == 12);
  CHECK(ins[0].prefix == 0xfb);
  CHECK(ins[0].index == 3);
  CHECK(ins[1].index == 3);
  CHECK(ins[1].index2 == 1);
  CHECK(ins[2].index2 == 10);
  CHECK(ins[3].index2 == 2);
  CHECK(ins[4].index2 == 3);
  CHECK(ins[6].index2 == 5);
  CHECK(ins[7].heapType == 0x6e - 0x80);
  CHECK(ins[8].heapType == 6);
  CHECK(ins[9].lane == 1);
  CHECK(ins[9].index2 == 0);
  CHECK(ins[9].heapType == 0x6e - 0x80);
  CHECK(ins[9].heapType2 == 7);
  CHECK(ins[10].op == 30);
  CHECK_THROWS_AS(decodeAll(Bytes{0xfb, 31, 0x0b}), Error);
}

TEST_CASE("code: locals: skipLocals, readLocals, the u32 limit on the total") {
  Asm l;
  l.u(3).u(2)({0x7f}).pad(1, 5)({0x7e}).u(4)({0x63}).s(9);
  Bytes expr{0x20, 0x00, 0x0b};
  Bytes b = body(expr, l.b);
  LocalsInfo info;
  ByteView e = skipLocals(b, 100, &info);
  CHECK(info.groups == 3);
  CHECK(info.total == 7);
  CHECK(info.size == l.pos());
  CHECK(e.size() == 3);
  CHECK(e.data() == b.data() + l.pos());
  auto groups = readLocals(b, 100);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].first == 2);
  CHECK(groups[0].second.code == 0x7f);
  CHECK(groups[1].first == 1);
  CHECK(groups[2].second.code == 0x63);
  CHECK(groups[2].second.heap == 9);
  scanCode(b, BodyKind::Function, 100);

  Asm over;
  over.u(2).u(0xffffffffu)({0x7f}).u(1)({0x7f});
  Error err = errorOf([&] { skipLocals(body(expr, over.b), 100); });
  CHECK(err.offset() == 100 + 1 + 5 + 1);
  CHECK(contains(err.message(), "too many locals"));
  Asm exact;
  exact.u(2).u(0xfffffffeu)({0x7f}).u(1)({0x7f});
  CHECK(skipLocals(body(expr, exact.b)).size() == 3);
  // Truncated declarations.
  CHECK_THROWS_AS(skipLocals(Bytes{0x02, 0x01, 0x7f}), Error);
}

TEST_CASE("code: malformed expressions: truncation, missing end, trailing bytes") {
  // Truncated LEB immediate: the error names the LEB's offset.
  Error e1 = errorOf([&] { decodeAll(Bytes{0x01, 0x10, 0x80, 0x80}, 1000); });
  CHECK(e1.offset() == 1002);
  // Missing final end.
  Error e2 = errorOf([&] { decodeAll(Bytes{0x02, 0x40, 0x0b}, 20); });
  CHECK(e2.offset() == 23);
  CHECK(contains(e2.message(), "missing end"));
  // Bytes after the final end.
  Error e3 = errorOf([&] { decodeAll(Bytes{0x01, 0x0b, 0x01}, 20); });
  CHECK(e3.offset() == 22);
  // Same through the rewriter and the scan.
  Error e4 = errorOf([&] { rewrite(body(Bytes{0x0b, 0x01}), {}, BodyKind::Function, 30); });
  CHECK(e4.offset() == 32);
  Error e5 = errorOf([&] { scanCode(Bytes{0x41}, BodyKind::ConstExpr, 7); });
  CHECK(e5.offset() == 8);
  // Over-long LEB for a u32 index.
  CHECK_THROWS_AS(decodeAll(Bytes{0x10, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b}), Error);
  // Truncated f64.
  Error e6 = errorOf([&] { decodeAll(Bytes{0x44, 0, 0, 0}, 0); });
  CHECK(e6.offset() == 1);
  // Empty input.
  CHECK_THROWS_AS(decodeAll(Bytes{}), Error);
  // The reader reports nothing after the final end.
  Bytes ok{0x0b};
  InstrReader r(ok);
  Instr in;
  CHECK(r.next(in));
  CHECK_FALSE(r.next(in));
  CHECK(r.done());
}

namespace {
// A body exercising every kind of index, with some padded LEBs.
Bytes everyIndexBody(bool padCall = true) {
  Asm l;
  l.u(1).u(1)({0x63}).s(2); // local (ref null 2)
  Asm a;
  a.raw(l.b);
  a({0x02}).s(1);                    // block (type 1)
  a({0x10}).u(1);                    // call 1
  if (padCall) a({0x10}).pad(2, 5); // call 2 (padded)
  else a({0x10}).u(2);
  a({0x12}).u(0);                    // return_call 0
  a({0xd2}).u(2);                    // ref.func 2
  a({0x11}).u(2).u(1);               // call_indirect type 2 table 1
  a({0x13}).u(0).u(0);               // return_call_indirect type 0 table 0
  a({0x14}).u(1);                    // call_ref 1
  a({0x15}).u(2);                    // return_call_ref 2
  a({0xd0}).s(0);                    // ref.null 0
  a({0xd0, 0x70});                   // ref.null func (abstract, untouched)
  a({0x1c, 0x01, 0x64}).s(1);        // select (ref 1)
  a({0x23}).u(0);                    // global.get 0
  a({0x24}).u(1);                    // global.set 1
  a({0x28}).u(2).u(4);               // i32.load (memory 0 implicit)
  a({0x36}).u(0x42).u(1).u(0);       // i32.store memory 1
  a({0x3f}).u(0);                    // memory.size 0
  a({0x40}).u(1);                    // memory.grow 1
  a({0xfc, 0x08}).u(1).u(0);         // memory.init data 1 memory 0
  a({0xfc, 0x09}).u(0);              // data.drop 0
  a({0xfc, 0x0a}).u(0).u(1);         // memory.copy 0 1
  a({0xfc, 0x0b}).u(1);              // memory.fill 1
  a({0xfc, 0x0c}).u(1).u(0);         // table.init elem 1 table 0
  a({0xfc, 0x0d}).u(0);              // elem.drop 0
  a({0xfc, 0x0e}).u(1).u(0);         // table.copy 1 0
  a({0xfc, 0x0f}).u(0);              // table.grow 0
  a({0xfc, 0x10}).u(1);              // table.size 1
  a({0xfc, 0x11}).u(0);              // table.fill 0
  a({0x25}).u(1);                    // table.get 1
  a({0x26}).u(0);                    // table.set 0
  a({0xfe, 0x00}).u(2).u(0);         // memory.atomic.notify (memory 0)
  a({0xfd, 0x54}).u(0).u(0)({3});    // v128.load8_lane (memory 0) lane 3
  a({0x06, 0x40});                   // try
  a({0x08}).u(1);                    // throw 1
  a({0x07}).u(0);                    // catch 0
  a({0x0b});
  a({0x1f, 0x40}).u(2)({0x00}).u(1).u(0)({0x02}).u(0); // try_table (catch 1 0) (catch_all 0)
  a({0x0b});
  a({0xfb, 0x02}).u(1).u(0);         // struct.get 1 0
  a({0xfb, 0x09}).u(2).u(1);         // array.new_data 2 1
  a({0x0b});                         // end block
  a({0x0b});
  return a.b;
}

struct Maps {
  std::vector<uint32_t> funcs, types, tables, memories, datas, elems, tags;
  std::vector<GlobalRemap> globals;
  RewriteMaps view() const {
    return RewriteMaps{funcs, types, tables, memories, datas, elems, tags, globals};
  }
};
} // namespace

TEST_CASE("code: identity rewrite is byte-identical, padded LEBs included") {
  Bytes b = everyIndexBody();
  CHECK(rewrittenSize(b, {}, BodyKind::Function) == b.size());
  CHECK(rewrite(b, {}, BodyKind::Function) == b);

  // Non-empty maps that map every index to itself keep the original bytes too.
  Maps m;
  m.funcs = {0, 1, 2};
  m.types = {0, 1, 2};
  m.tables = {0, 1};
  m.memories = {0, 1};
  m.datas = {0, 1};
  m.elems = {0, 1};
  m.tags = {0, 1};
  m.globals = {GlobalRemap::to(0), GlobalRemap::to(1)};
  CHECK(rewrittenSize(b, m.view(), BodyKind::Function) == b.size());
  CHECK(rewrite(b, m.view(), BodyKind::Function) == b);

  // Padded LEBs everywhere (index, const, memarg, block type) survive an identity rewrite.
  Asm p;
  p({0x00});
  p({0x02}).spad(1, 5);
  p({0x41}).spad(-3, 5);
  p({0x42}).spad(7, 10);
  p({0x28}).pad(2, 5).pad(0, 5);
  p({0x23}).pad(1, 5);
  p({0x10}).pad(0, 4);
  p({0xd0}).spad(2, 5);
  p({0xfc}).pad(11, 5).pad(0, 5);
  p({0x0b, 0x0b});
  CHECK(rewrite(p.b, m.view(), BodyKind::Function) == p.b);

  // rewriteInto writes exactly rewrittenSize bytes.
  Bytes out(b.size() + 4, 0xee);
  uint8_t *e = rewriteInto(b, m.view(), BodyKind::Function, out.data());
  CHECK(e == out.data() + b.size());
  CHECK(out[b.size()] == 0xee);
}

TEST_CASE("code: remapping every index kind") {
  Bytes b = everyIndexBody();
  Maps m;
  m.funcs = {100, 200, 300};         // 200 and 300 need two bytes
  m.types = {10, 64, 5};             // 64 as s33 needs two bytes (0xc0 0x00)
  m.tables = {7, 8};
  m.memories = {2, 3};
  m.datas = {20, 21};
  m.elems = {30, 31};
  m.tags = {40, 41};
  m.globals = {GlobalRemap::to(50), GlobalRemap::to(500)};
  Bytes r = rewrite(b, m.view(), BodyKind::Function, 0);
  CHECK(r.size() == rewrittenSize(b, m.view(), BodyKind::Function, 0));
  REQUIRE(r != b);

  auto groups = readLocals(r);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].second.heap == 5); // (ref null 2) -> (ref null 5)
  auto ins = decodeAll(skipLocals(r));
  size_t i = 0;
  CHECK(ins[i].block.typeIndex == 64);
  ++i;
  CHECK(ins[i++].index == 200);
  CHECK(ins[i].index == 300);
  CHECK(ins[i++].size == 3); // padded 5-byte LEB replaced by a minimal one
  CHECK(ins[i++].index == 100);
  CHECK(ins[i++].index == 300); // ref.func
  CHECK(ins[i].index == 5);     // call_indirect type
  CHECK(ins[i++].index2 == 8);  // and table
  CHECK(ins[i].index == 10);
  CHECK(ins[i++].index2 == 7);
  CHECK(ins[i++].index == 64); // call_ref
  CHECK(ins[i++].index == 5);  // return_call_ref
  CHECK(ins[i++].heapType == 10);
  CHECK(ins[i++].heapType == 0x70 - 0x80);
  {
    auto ts = selectTypes(ins[i++]);
    REQUIRE(ts.size() == 1);
    CHECK(ts[0].heap == 64);
  }
  CHECK(ins[i++].index == 50);  // global.get
  CHECK(ins[i++].index == 500); // global.set
  CHECK(ins[i].mem.memory == 2); // implicit memory 0 became explicit memory 2
  CHECK(ins[i].mem.explicitMemory);
  CHECK(ins[i].mem.align == 2);
  CHECK(ins[i++].mem.offset == 4);
  CHECK(ins[i].mem.memory == 3);
  CHECK(ins[i++].mem.align == 2);
  CHECK(ins[i++].index == 2); // memory.size
  CHECK(ins[i++].index == 3); // memory.grow
  CHECK(ins[i].index == 21);  // memory.init data
  CHECK(ins[i++].index2 == 2);
  CHECK(ins[i++].index == 20); // data.drop
  CHECK(ins[i].index == 2);    // memory.copy
  CHECK(ins[i++].index2 == 3);
  CHECK(ins[i++].index == 3); // memory.fill
  CHECK(ins[i].index == 31);  // table.init elem
  CHECK(ins[i++].index2 == 7);
  CHECK(ins[i++].index == 30); // elem.drop
  CHECK(ins[i].index == 8);    // table.copy
  CHECK(ins[i++].index2 == 7);
  CHECK(ins[i++].index == 7); // table.grow
  CHECK(ins[i++].index == 8); // table.size
  CHECK(ins[i++].index == 7); // table.fill
  CHECK(ins[i++].index == 8); // table.get
  CHECK(ins[i++].index == 7); // table.set
  CHECK(ins[i++].mem.memory == 2); // atomic notify
  CHECK(ins[i].mem.memory == 2);   // load lane
  CHECK(ins[i++].lane == 3);
  CHECK(ins[i].op == 0x06);
  CHECK(ins[i++].block.kind == BlockType::Empty);
  CHECK(ins[i++].index == 41); // throw
  CHECK(ins[i++].index == 40); // catch
  ++i;                         // end
  {
    auto cs = tryTableCatches(ins[i++]);
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].tag == 41);
    CHECK(cs[0].label == 0);
    CHECK(cs[1].kind == 2);
  }
  ++i;                         // end
  CHECK(ins[i].index == 64);   // struct.get type
  CHECK(ins[i++].index2 == 0); // field: not an index space
  CHECK(ins[i].index == 5);    // array.new_data type
  CHECK(ins[i++].index2 == 21); // and data
  CHECK(ins.size() == i + 2);

  // Rewriting the result back with the inverse maps restores the exact layout except for
  // the LEBs that changed width (the padded call and the implicit memory index).
  Maps inv;
  inv.funcs.assign(301, 0);
  inv.funcs[100] = 0;
  inv.funcs[200] = 1;
  inv.funcs[300] = 2;
  inv.types.assign(65, 0);
  inv.types[10] = 0;
  inv.types[64] = 1;
  inv.types[5] = 2;
  auto back = decodeAll(skipLocals(rewrite(r, inv.view(), BodyKind::Function)));
  CHECK(back[0].block.typeIndex == 1);
  CHECK(back[1].index == 1);
}

TEST_CASE("code: a remapped index that keeps its value keeps its bytes and others go minimal") {
  Asm a;
  a({0x00});
  a({0x10}).pad(0, 5); // call 0, padded: stays padded (0 -> 0)
  a({0x10}).pad(1, 5); // call 1, padded: 1 -> 2 re-encoded minimally
  a({0x10}).u(2);      // call 2 -> 1000 (grows)
  a({0x0b});
  Maps m;
  m.funcs = {0, 2, 1000};
  Asm want;
  want({0x00});
  want({0x10}).pad(0, 5);
  want({0x10}).u(2);
  want({0x10}).u(1000);
  want({0x0b});
  CHECK(rewrittenSize(a.b, m.view(), BodyKind::Function) == want.pos());
  CHECK(rewrite(a.b, m.view(), BodyKind::Function) == want.b);
}

TEST_CASE("code: block type and heap type indices are re-encoded as s33") {
  Asm a;
  a({0x00});
  a({0x02}).s(0);        // block (type 0) -> type 64
  a({0x0b});
  a({0xd0}).s(1);        // ref.null 1 -> 63
  a({0x0b});
  Maps m;
  m.types = {64, 63};
  Bytes r = rewrite(a.b, m.view(), BodyKind::Function);
  Bytes want{0x00, 0x02, 0xc0, 0x00, 0x0b, 0xd0, 0x3f, 0x0b};
  CHECK(r == want);
}

TEST_CASE("code: global.get of a constant global becomes i32.const / i64.const") {
  Maps m;
  m.globals = {GlobalRemap::i32(-5), GlobalRemap::to(0), GlobalRemap::i64(int64_t(1) << 40),
               GlobalRemap::i32(INT32_MAX)};

  // In a constant expression (extended-const): global.get 0, global.get 2, global.get 3.
  Asm c;
  c({0x23}).u(0)({0x23}).pad(2, 5)({0x6a})({0x23}).u(3)({0x6a, 0x0b});
  Bytes r = rewrite(c.b, m.view(), BodyKind::ConstExpr, 0);
  Asm want;
  want({0x41}).s(-5)({0x42}).s(int64_t(1) << 40)({0x6a})({0x41}).s(INT32_MAX)({0x6a, 0x0b});
  CHECK(r == want.b);
  auto ins = decodeAll(r);
  CHECK(ins[0].op == 0x41);
  CHECK(ins[0].value == -5);
  CHECK(ins[1].op == 0x42);
  CHECK(ins[1].value == int64_t(1) << 40);
  CHECK(ins[3].value == INT32_MAX);

  // An i32 constant given as an unsigned 32-bit value is taken modulo 2^32.
  Maps u;
  u.globals = {GlobalRemap{GlobalRemap::ConstI32, 0, 0xffffffffLL}};
  CHECK(rewrite(Bytes{0x23, 0x00, 0x0b}, u.view(), BodyKind::ConstExpr) == Bytes{0x41, 0x7f, 0x0b});

  // In a function body; global.get 1 remaps to global 0.
  Bytes f = body(Bytes{0x23, 0x01, 0x23, 0x00, 0x1a, 0x1a, 0x0b});
  CHECK(rewrite(f, m.view(), BodyKind::Function) == Bytes{0x00, 0x23, 0x00, 0x41, 0x7b, 0x1a, 0x1a, 0x0b});
}

TEST_CASE("code: global.set of a global replaced by a constant is an error") {
  Maps m;
  m.globals = {GlobalRemap::to(0), GlobalRemap::i32(1), GlobalRemap::i64(2)};
  Bytes f = body(Bytes{0x41, 0x00, 0x24, 0x01, 0x0b});
  Error e = errorOf([&] { rewrittenSize(f, m.view(), BodyKind::Function, 500); });
  CHECK(e.message() == "cannot write to global 1: it was replaced by a constant");
  CHECK(e.offset() == 503);
  Bytes g = body(Bytes{0x42, 0x00, 0x24, 0x02, 0x0b});
  Error e2 = errorOf([&] { rewrite(g, m.view(), BodyKind::Function, 0); });
  CHECK(contains(e2.message(), "global 2"));
  // Setting an index-remapped global is fine.
  CHECK(rewrite(body(Bytes{0x41, 0x00, 0x24, 0x00, 0x0b}), m.view(), BodyKind::Function) ==
        body(Bytes{0x41, 0x00, 0x24, 0x00, 0x0b}));
}

TEST_CASE("code: an index past the end of a non-empty map is an error with its offset") {
  Maps m;
  m.funcs = {0, 1};
  Bytes f = body(Bytes{0x10, 0x01, 0x10, 0x02, 0x0b});
  Error e = errorOf([&] { rewrite(f, m.view(), BodyKind::Function, 1000); });
  CHECK(e.offset() == 1004);
  CHECK(contains(e.message(), "function index 2 out of range"));

  Maps t;
  t.types = {0};
  Error e2 = errorOf([&] { rewrite(body(Bytes{0x02, 0x01, 0x0b, 0x0b}), t.view(), BodyKind::Function, 10); });
  CHECK(e2.offset() == 12);
  CHECK(contains(e2.message(), "type index 1"));

  Maps g;
  g.globals = {GlobalRemap::to(3)};
  Error e3 = errorOf([&] { rewrite(Bytes{0x23, 0x01, 0x0b}, g.view(), BodyKind::ConstExpr, 0); });
  CHECK(e3.offset() == 1);

  Maps mem;
  mem.memories = {1};
  Error e4 = errorOf([&] { rewrite(body(Bytes{0x28, 0x42, 0x01, 0x00, 0x0b}), mem.view(), BodyKind::Function, 0); });
  CHECK(e4.offset() == 3);
  CHECK(contains(e4.message(), "memory index 1"));

  Maps tag;
  tag.tags = {5};
  Error e5 = errorOf([&] {
    rewrite(body(Bytes{0x1f, 0x40, 0x01, 0x00, 0x03, 0x00, 0x0b, 0x0b}), tag.view(), BodyKind::Function, 0);
  });
  CHECK(e5.offset() == 5);
}

TEST_CASE("code: large mixed bodies: identity copy and an exact round trip through a remap") {
  // Many instructions with every shape; identity rewrite must copy the input exactly.
  Bytes one = everyIndexBody(false);
  ByteView expr = skipLocals(one);
  Asm big;
  big.u(0);
  for (int k = 0; k < 200; ++k) {
    big({0x02, 0x40});
    big.raw(Bytes(expr.begin(), expr.end() - 1)); // without the final end
    big({0x0b});
  }
  big({0x0b});
  CHECK(rewrite(big.b, {}, BodyKind::Function) == big.b);
  Maps m;
  m.funcs = {1, 2, 3};
  Bytes r = rewrite(big.b, m.view(), BodyKind::Function);
  CHECK(r.size() == big.pos()); // 1,2,3 are all one byte, like 0,1,2
  CHECK(r != big.b);
  Maps inv;
  inv.funcs = {0, 0, 1, 2};
  CHECK(rewrite(r, inv.view(), BodyKind::Function) == big.b);
}

TEST_CASE("code: the fast path for common instructions agrees with the general decoder") {
  // rewrittenSize decodes the common instructions (one byte, or one byte and short LEBs)
  // on a path of its own while 16 bytes remain; reference::rewrittenSize decodes every
  // instruction with the general decoder. Sizes, edits and errors must be the same, for
  // every length of every LEB, at every truncation and with bytes corrupted anywhere.
  Asm a;
  a.u(1).u(2)({0x7f}); // locals: 2 x i32
  a({0x02, 0x40});     // block
  a({0x03, 0x7f});     // loop (result i32)
  for (size_t w = 1; w <= 5; ++w) {
    a({0x20}).pad(1, w);  // local.get 1
    a({0x10}).pad(2, w);  // call 2
    a({0x23}).pad(0, w);  // global.get 0
    a({0x24}).pad(1, w);  // global.set 1
    a({0x11}).pad(1, w).pad(0, 6 - w); // call_indirect type 1 table 0
    a({0x41}).spad(-3, w); // i32.const -3
    a({0x0d}).pad(0, w);  // br_if 0
    a({0x1a});            // drop
  }
  for (size_t w = 1; w <= 10; ++w) {
    a({0x42}).spad(-(int64_t(1) << 40), w < 7 ? 7 : w); // i64.const (7 bytes at least)
    a({0x28}).u(2).pad(8, w);                              // i32.load offset=8
    a({0x1a, 0x1a});
  }
  a({0x43, 0, 0, 0x80, 0x3f}); // f32.const 1
  a({0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}); // f64.const 1
  a({0x36}).u(0x42).u(0).u(0);  // i32.store, memory 0 explicit
  a({0x04}).s(1)({0x05, 0x0b}); // if (type 1) else end
  a({0xd2}).u(2)({0x1a});       // ref.func 2; drop
  a({0x12}).u(1);               // return_call 1
  a({0x0b, 0x0b, 0x0b});
  const Bytes body = a.b;

  Maps identity, remap, consts, setConst;
  remap.funcs = {5, 300, 2};
  remap.types = {0, 70};
  remap.tables = {3};
  remap.memories = {1};
  remap.globals = {GlobalRemap::to(200), GlobalRemap::to(1)};
  consts.funcs = {0, 1, 2};
  consts.globals = {GlobalRemap::i64(-5), GlobalRemap::to(7)}; // global.get 0 -> i64.const
  setConst.globals = {GlobalRemap::to(0), GlobalRemap::i32(9)}; // global.set 1: an error
  auto outcome = [](ByteView b, const RewriteMaps &m, bool ref) {
    Bytes edits;
    try {
      size_t n = ref ? reference::rewrittenSize(b, m, BodyKind::Function, 40, &edits)
                     : rewrittenSize(b, m, BodyKind::Function, 40, &edits);
      return std::to_string(n) + " " + std::string(edits.begin(), edits.end());
    } catch (const Error &e) {
      return "error " + e.format();
    }
  };
  int failures = 0, checked = 0;
  auto same = [&](ByteView b, const Maps &m) {
    ++checked;
    std::string fast = outcome(b, m.view(), false), ref = outcome(b, m.view(), true);
    if (fast != ref && ++failures <= 3) CHECK(fast == ref);
  };
  for (const Maps *m : {&identity, &remap, &consts, &setConst}) {
    same(body, *m);
    for (size_t cut = 0; cut < body.size(); ++cut) same(ByteView(body).first(cut), *m);
    for (size_t at = 0; at < body.size(); ++at)
      for (uint8_t x : {0x00, 0x0b, 0x40, 0x7f, 0x80, 0xff}) {
        Bytes c = body;
        c[at] = x;
        same(c, *m);
      }
  }
  CHECK(failures == 0);
  CHECK(checked > 3000);
  // And the outcomes are what they should be: sizes, edits and the errors of the whole.
  CHECK(outcome(body, identity.view(), false) == std::to_string(body.size()) + " ");
  CHECK(contains(outcome(body, setConst.view(), false), "cannot write to global 1"));
  for (const Maps *m : {&remap, &consts}) {
    const std::string r = outcome(body, m->view(), false);
    REQUIRE(r.rfind("error", 0) != 0);
    CHECK(rewrite(body, m->view(), BodyKind::Function).size() == std::stoul(r.substr(0, r.find(' '))));
    CHECK(r.size() > r.find(' ') + 5); // edits were recorded
  }
}
