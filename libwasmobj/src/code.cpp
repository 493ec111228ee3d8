// The instruction decoder and the code rewriter (see code.h).
//
// One template decoder, `decodeInstr`, walks a single instruction and reports each
// immediate to a sink: `ReadSink` fills an Instr, `RewriteSink` renumbers indices. Sinks
// are plain structs whose methods inline into the decoder, so the hot loop has no virtual
// calls and no allocation. Opcode classification is table-driven: one 256-entry table for
// single-byte opcodes and one per prefix. Expressions go first through `decodeFast`,
// a threaded path for the common instructions that hands everything else to decodeInstr.
#include "wasmobj/code.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace wasmobj {

namespace {

using S = ImmShape;

// ---- opcode tables -------------------------------------------------------------------

constexpr std::array<S, 256> makeSingleByteTable() {
  std::array<S, 256> t{};
  for (auto &s : t) s = S::Invalid;
  t[0x00] = S::None;  // unreachable
  t[0x01] = S::None;  // nop
  t[0x02] = S::Block; // block
  t[0x03] = S::Block; // loop
  t[0x04] = S::Block; // if
  t[0x05] = S::None;  // else
  t[0x06] = S::Block; // try (legacy exceptions)
  t[0x07] = S::Tag;   // catch
  t[0x08] = S::Tag;   // throw
  t[0x09] = S::Label; // rethrow
  t[0x0A] = S::None;  // throw_ref
  t[0x0B] = S::End;
  t[0x0C] = S::Label; // br
  t[0x0D] = S::Label; // br_if
  t[0x0E] = S::BrTable;
  t[0x0F] = S::None;         // return
  t[0x10] = S::Func;         // call
  t[0x11] = S::CallIndirect; // call_indirect
  t[0x12] = S::Func;         // return_call
  t[0x13] = S::CallIndirect; // return_call_indirect
  t[0x14] = S::Type;         // call_ref
  t[0x15] = S::Type;         // return_call_ref
  t[0x18] = S::Delegate;
  t[0x19] = S::None;         // catch_all
  t[0x1A] = S::None;         // drop
  t[0x1B] = S::None;         // select
  t[0x1C] = S::SelectT;      // select t*
  t[0x1F] = S::TryTable;
  t[0x20] = t[0x21] = t[0x22] = S::Local;
  t[0x23] = S::GlobalGet;
  t[0x24] = S::GlobalSet;
  t[0x25] = t[0x26] = S::Table; // table.get/set
  for (int op = 0x28; op <= 0x3E; ++op) t[op] = S::MemArg;
  t[0x3F] = t[0x40] = S::Memory; // memory.size/grow
  t[0x41] = S::I32;
  t[0x42] = S::I64;
  t[0x43] = S::F32;
  t[0x44] = S::F64;
  for (int op = 0x45; op <= 0xC4; ++op) t[op] = S::None; // numeric, sign extension
  t[0xD0] = S::HeapType; // ref.null
  t[0xD1] = S::None;     // ref.is_null
  t[0xD2] = S::Func;     // ref.func
  t[0xD3] = S::None;     // ref.eq
  t[0xD4] = S::None;     // ref.as_non_null
  t[0xD5] = S::Label;    // br_on_null
  t[0xD6] = S::Label;    // br_on_non_null
  return t;
}
constexpr auto kSingle = makeSingleByteTable();

constexpr std::array<S, 18> kMisc = {
    S::None, S::None, S::None, S::None, S::None, S::None, S::None, S::None, // trunc_sat
    S::MemoryInit, S::Data, S::MemoryCopy, S::Memory,                       // 8..11
    S::TableInit, S::Elem, S::TableCopy, S::Table, S::Table, S::Table,      // 12..17
};

constexpr std::array<S, 0x114> makeSimdTable() {
  std::array<S, 0x114> t{};
  for (auto &s : t) s = S::None;
  for (int op = 0x00; op <= 0x0B; ++op) t[op] = S::MemArg; // v128.load*, v128.store
  t[0x0C] = S::V128;                                       // v128.const
  t[0x0D] = S::V128;                                       // i8x16.shuffle
  for (int op = 0x15; op <= 0x22; ++op) t[op] = S::Lane;   // extract/replace_lane
  for (int op = 0x54; op <= 0x5B; ++op) t[op] = S::MemArgLane; // load/store lane
  t[0x5C] = t[0x5D] = S::MemArg;                           // v128.load32/64_zero
  // Unassigned opcodes inside the SIMD range.
  for (int op : {0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB, 0xC2, 0xC5, 0xC6,
                 0xCF, 0xD0, 0xD2, 0xD3, 0xD4, 0xE2, 0xEE})
    t[op] = S::Invalid;
  return t; // 0x100..0x113: relaxed SIMD, no immediates
}
constexpr auto kSimd = makeSimdTable();

constexpr std::array<S, 0x4F> makeThreadsTable() {
  std::array<S, 0x4F> t{};
  for (auto &s : t) s = S::Invalid;
  t[0x00] = t[0x01] = t[0x02] = S::MemArg; // notify, wait32, wait64
  t[0x03] = S::AtomicFence;
  for (int op = 0x10; op <= 0x4E; ++op) t[op] = S::MemArg; // loads, stores, rmw, cmpxchg
  return t;
}
constexpr auto kThreads = makeThreadsTable();

constexpr std::array<S, 31> kGC = {
    S::Type, S::Type,                                    // struct.new(_default)
    S::TypeField, S::TypeField, S::TypeField, S::TypeField, // struct.get(_s/_u), struct.set
    S::Type, S::Type,                                    // array.new(_default)
    S::TypeCount,                                        // array.new_fixed
    S::TypeData, S::TypeElem,                            // array.new_data/elem
    S::Type, S::Type, S::Type, S::Type,                  // array.get(_s/_u), array.set
    S::None,                                             // array.len
    S::Type,                                             // array.fill
    S::TypeType,                                         // array.copy
    S::TypeData, S::TypeElem,                            // array.init_data/elem
    S::HeapType, S::HeapType, S::HeapType, S::HeapType,  // ref.test, ref.cast (null)
    S::BrOnCast, S::BrOnCast,                            // br_on_cast(_fail)
    S::None, S::None, S::None, S::None, S::None,         // conversions, i31
};

// Single-byte value type codes: numeric, vector, abbreviated reference types.
constexpr std::array<bool, 256> makeValTypeTable() {
  std::array<bool, 256> t{};
  for (int c = 0x7B; c <= 0x7F; ++c) t[c] = true; // v128 f64 f32 i64 i32
  for (int c = 0x69; c <= 0x74; ++c) t[c] = true; // exnref .. noexnref
  return t;
}
constexpr auto kValType = makeValTypeTable();
constexpr bool isAbstractHeapType(uint8_t b) { return b >= 0x69 && b <= 0x74; }

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

// ---- error reporting (cold, out of line: keeps string building out of the hot loop) ---

[[noreturn, gnu::cold, gnu::noinline]] void fail(uint64_t off, const char *what) {
  throw Error(what, off);
}
[[noreturn, gnu::cold, gnu::noinline]] void failHex(uint64_t off, const char *what, uint32_t v) {
  throw Error(std::string(what) + " " + hex(v), off);
}
[[noreturn, gnu::cold, gnu::noinline]] void failUnknown(uint64_t off, uint8_t prefix, uint32_t op) {
  if (prefix)
    throw Error("unknown opcode " + hex(prefix) + " " + std::to_string(op) + " (" + hex(op) + ")",
                off);
  throw Error("unknown opcode " + hex(op), off);
}
[[noreturn, gnu::cold, gnu::noinline]] void failNeed(uint64_t off, size_t need, size_t have) {
  throw Error("unexpected end of data (need " + std::to_string(need) + " bytes, have " +
                  std::to_string(have) + ")",
              off);
}

// Multi-byte LEBs that the inline fast paths do not finish go through Cursor, so that
// error messages and offsets are the same everywhere.
struct LebResult {
  uint64_t value;
  const uint8_t *p;
};
[[gnu::noinline]] LebResult ulebSlow(const uint8_t *p, const uint8_t *end, uint64_t off,
                                     unsigned bits) {
  Cursor c(ByteView(p, size_t(end - p)), off);
  uint64_t v = c.uleb(bits);
  return {v, c.ptr()};
}
[[gnu::noinline]] LebResult slebSlow(const uint8_t *p, const uint8_t *end, uint64_t off,
                                     unsigned bits) {
  Cursor c(ByteView(p, size_t(end - p)), off);
  int64_t v = c.sleb(bits);
  return {uint64_t(v), c.ptr()};
}

// ---- the byte decoder ----------------------------------------------------------------

// Bounds-checked reading. The inline paths decode LEBs shorter than their maximum length
// (always in range) when enough bytes remain; everything else takes the slow path.
struct Dec {
  const uint8_t *begin, *p, *end;
  uint64_t base;

  uint64_t off(const uint8_t *q) const { return base + uint64_t(q - begin); }
  [[noreturn]] void failAt(const char *what, const uint8_t *q) const { fail(off(q), what); }

  uint8_t u8() {
    if (p >= end) [[unlikely]] fail(off(p), "unexpected end of data");
    return *p++;
  }
  uint8_t peek() const {
    if (p >= end) [[unlikely]] fail(off(p), "unexpected end of data");
    return *p;
  }
  template <unsigned Bits> uint64_t uleb() {
    constexpr unsigned kFast = (Bits + 6) / 7 - 1; // bytes that can never overflow
    if (p < end && *p < 0x80) [[likely]] return *p++;
    uint64_t v;
    if (size_t(end - p) > kFast && fastUleb<Bits>(p, v)) return v;
    LebResult r = ulebSlow(p, end, off(p), Bits);
    p = r.p;
    return r.value;
  }
  template <unsigned Bits> int64_t sleb() {
    constexpr unsigned kFast = (Bits + 6) / 7 - 1;
    if (p < end && *p < 0x80) [[likely]] return int64_t(int8_t(uint8_t(*p++ << 1)) >> 1);
    int64_t v;
    if (size_t(end - p) > kFast && fastSleb<Bits>(p, v)) return v;
    LebResult r = slebSlow(p, end, off(p), Bits);
    p = r.p;
    return int64_t(r.value);
  }
  uint32_t u32() { return uint32_t(uleb<32>()); }
  uint64_t u64() { return uleb<64>(); }
  const uint8_t *bytes(size_t n) {
    if (size_t(end - p) < n) [[unlikely]] failNeed(off(p), n, size_t(end - p));
    const uint8_t *q = p;
    p += n;
    return q;
  }
};

// A heap type: a one-byte abstract heap type (returned as its negative s33 value) or a
// non-negative s33 type index.
[[gnu::always_inline]] inline int64_t readHeapType(Dec &d) {
  const uint8_t *start = d.p;
  uint8_t b = d.peek();
  if ((b & 0xC0) == 0x40) { // one byte, negative
    if (!isAbstractHeapType(b)) failHex(d.off(start), "invalid heap type", b);
    ++d.p;
    return int64_t(b) - 0x80;
  }
  int64_t v = d.sleb<33>();
  if (v < 0 || v > int64_t(UINT32_MAX)) d.failAt("invalid heap type", start);
  return v;
}

// A value type; HEAPSTART receives where its heap type starts (for 0x63/0x64).
[[gnu::always_inline]] inline InstrValType readValType(Dec &d, const uint8_t *&heapStart) {
  const uint8_t *start = d.p;
  uint8_t b = d.u8();
  if (b == 0x63 || b == 0x64) {
    heapStart = d.p;
    return {b, readHeapType(d)};
  }
  if (!kValType[b]) failHex(d.off(start), "invalid value type", b);
  heapStart = nullptr;
  return {b, 0};
}

[[gnu::always_inline]] inline BlockType readBlockType(Dec &d, const uint8_t *&heapStart) {
  const uint8_t *start = d.p;
  uint8_t b = d.peek();
  BlockType bt;
  heapStart = nullptr;
  if (b == 0x40) {
    ++d.p;
    bt.kind = BlockType::Empty;
  } else if ((b & 0xC0) == 0x40) { // a one-byte negative s33: a value type
    bt.kind = BlockType::Value;
    bt.value = readValType(d, heapStart);
  } else {
    int64_t v = d.sleb<33>();
    if (v < 0 || v > int64_t(UINT32_MAX)) d.failAt("invalid block type", start);
    bt.kind = BlockType::TypeIndex;
    bt.typeIndex = uint32_t(v);
  }
  return bt;
}

// Index spaces the rewriter renumbers.
enum class Space : uint8_t { Func, Type, Table, Memory, Data, Elem, Tag };

// Decodes one instruction at d.p, reporting its immediates to SINK, and updates DEPTH.
// Sink interface (all inline):
//   begin(prefix, op, shape, start)            every instruction, before its immediates
//   index(space, slot, value, s, e)            a u32-encoded index of a renumbered space
//                                              (slot 0/1: Instr::index/index2; -1: in a vector)
//   plain(slot, value)                         labels, locals, fields, counts
//   global(set, value, instrStart, s, e)       global.get / global.set
//   memArg(flags, fs, fe, mem, ms, me, offset) flags LEB [fs,fe), memory LEB [ms,me) (empty if implicit)
//   heapType(slot, value, s, e)                s33 heap type (slot 0/1; -1 in a value type)
//   blockType(bt, s, e, heapStart)             the whole block type [s,e)
//   valType(vt, heapStart, e)                  a value type in a vector (select t*)
//   constI(value) / constBits(bits) / lane(b) / v128(p) / vec(count, s, e)
//   catchClause(kind, tag, label)
//   end(instrEnd)
template <class Sink>
[[gnu::always_inline]] inline void decodeInstr(Dec &d, Sink &sink, uint32_t &depth) {
  const uint8_t *start = d.p;
  uint8_t prefix = 0;
  uint32_t op = *d.p++; // caller checked p < end
  S shape;
  if (op < 0xFB || op == 0xFF) [[likely]] {
    shape = kSingle[op];
  } else {
    prefix = uint8_t(op);
    op = d.u32();
    switch (prefix) {
    case kPrefixMisc: shape = op < kMisc.size() ? kMisc[op] : S::Invalid; break;
    case kPrefixSimd: shape = op < kSimd.size() ? kSimd[op] : S::Invalid; break;
    case kPrefixThreads: shape = op < kThreads.size() ? kThreads[op] : S::Invalid; break;
    default: shape = op < kGC.size() ? kGC[op] : S::Invalid; break;
    }
  }
  sink.begin(prefix, op, shape, start);
  // One index immediate of SPACE: read it and hand it to the sink with its bytes.
  auto index = [&](Space space, int slot) {
    const uint8_t *s = d.p;
    uint32_t v = d.u32();
    sink.index(space, slot, v, s, d.p);
  };

  switch (shape) {
  case S::Invalid:
    failUnknown(d.off(start), prefix, op);
  case S::None: break;
  case S::Block: {
    const uint8_t *s = d.p, *hs;
    BlockType bt = readBlockType(d, hs);
    sink.blockType(bt, s, d.p, hs);
    ++depth;
    break;
  }
  case S::TryTable: {
    const uint8_t *s = d.p, *hs;
    BlockType bt = readBlockType(d, hs);
    sink.blockType(bt, s, d.p, hs);
    uint32_t n = d.u32();
    const uint8_t *vs = d.p;
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t *ks = d.p;
      uint8_t kind = d.u8();
      uint32_t tag = 0;
      if (kind > 3) failHex(d.off(ks), "invalid catch clause kind", kind);
      if (kind < 2) {
        const uint8_t *ts = d.p;
        tag = d.u32();
        sink.index(Space::Tag, -1, tag, ts, d.p);
      }
      sink.catchClause(kind, tag, d.u32());
    }
    sink.vec(n, vs, d.p);
    ++depth;
    break;
  }
  case S::End:
    --depth;
    break;
  case S::Delegate:
    if (depth < 2) d.failAt("delegate outside of a try block", start);
    sink.plain(0, d.u32());
    --depth;
    break;
  case S::Label:
  case S::Local:
    sink.plain(0, d.u32());
    break;
  case S::BrTable: {
    uint32_t n = d.u32();
    const uint8_t *vs = d.p;
    for (uint32_t i = 0; i < n; ++i) (void)d.u32();
    sink.vec(n, vs, d.p);
    sink.plain(0, d.u32());
    break;
  }
  case S::Func: index(Space::Func, 0); break;
  case S::CallIndirect:
    index(Space::Type, 0);
    index(Space::Table, 1);
    break;
  case S::Type: index(Space::Type, 0); break;
  case S::Tag: index(Space::Tag, 0); break;
  case S::GlobalGet:
  case S::GlobalSet: {
    const uint8_t *s = d.p;
    uint32_t v = d.u32();
    sink.global(shape == S::GlobalSet, v, start, s, d.p);
    break;
  }
  case S::Table: index(Space::Table, 0); break;
  case S::MemArg:
  case S::MemArgLane: {
    const uint8_t *fs = d.p;
    uint32_t flags = d.u32();
    const uint8_t *fe = d.p;
    if (flags >= 128) failHex(d.off(fs), "invalid memory access alignment flags", flags);
    uint32_t mem = 0;
    if (flags & 0x40) mem = d.u32();
    const uint8_t *me = d.p;
    uint64_t offset = d.u64();
    sink.memArg(flags, fs, fe, mem, fe, me, offset);
    if (shape == S::MemArgLane) sink.lane(d.u8());
    break;
  }
  case S::Memory:
  case S::Data:
  case S::Elem: index(shape == S::Memory ? Space::Memory : shape == S::Data ? Space::Data : Space::Elem, 0); break;
  case S::MemoryInit:
  case S::TableInit:
    index(shape == S::MemoryInit ? Space::Data : Space::Elem, 0);
    index(shape == S::MemoryInit ? Space::Memory : Space::Table, 1);
    break;
  case S::MemoryCopy:
  case S::TableCopy: {
    Space sp = shape == S::MemoryCopy ? Space::Memory : Space::Table;
    index(sp, 0);
    index(sp, 1);
    break;
  }
  case S::I32: sink.constI(d.sleb<32>()); break;
  case S::I64: sink.constI(d.sleb<64>()); break;
  case S::F32: {
    const uint8_t *q = d.bytes(4);
    uint32_t b;
    std::memcpy(&b, q, 4);
    sink.constBits(b);
    break;
  }
  case S::F64: {
    const uint8_t *q = d.bytes(8);
    uint64_t b;
    std::memcpy(&b, q, 8);
    sink.constBits(b);
    break;
  }
  case S::V128: sink.v128(d.bytes(16)); break;
  case S::Lane: sink.lane(d.u8()); break;
  case S::HeapType: {
    const uint8_t *s = d.p;
    int64_t h = readHeapType(d);
    sink.heapType(0, h, s, d.p);
    break;
  }
  case S::SelectT: {
    uint32_t n = d.u32();
    const uint8_t *vs = d.p;
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t *hs;
      InstrValType vt = readValType(d, hs);
      sink.valType(vt, hs, d.p);
    }
    sink.vec(n, vs, d.p);
    break;
  }
  case S::AtomicFence: {
    const uint8_t *s = d.p;
    if (d.u8() != 0) d.failAt("atomic.fence: expected a zero byte", s);
    break;
  }
  case S::TypeField:
  case S::TypeCount:
    index(Space::Type, 0);
    sink.plain(1, d.u32());
    break;
  case S::TypeData:
  case S::TypeElem:
  case S::TypeType:
    index(Space::Type, 0);
    index(shape == S::TypeData ? Space::Data : shape == S::TypeElem ? Space::Elem : Space::Type, 1);
    break;
  case S::BrOnCast: {
    const uint8_t *fs = d.p;
    uint8_t flags = d.u8();
    if (flags > 3) failHex(d.off(fs), "invalid br_on_cast flags", flags);
    sink.lane(flags);
    sink.plain(1, d.u32());
    const uint8_t *s = d.p;
    int64_t h = readHeapType(d);
    sink.heapType(0, h, s, d.p);
    s = d.p;
    h = readHeapType(d);
    sink.heapType(1, h, s, d.p);
    break;
  }
  }
  sink.end(d.p);
}

// ---- the reading sink ----------------------------------------------------------------

struct ReadSink {
  Instr &in;
  const uint8_t *first; // first byte of the expression, at file offset BASE
  uint64_t base;
  const uint8_t *start = nullptr;

  void begin(uint8_t prefix, uint32_t op, S shape, const uint8_t *s) {
    in.prefix = prefix;
    in.op = op;
    in.shape = shape;
    in.offset = base + uint64_t(s - first);
    start = s;
  }
  void index(Space, int slot, uint32_t v, const uint8_t *, const uint8_t *) {
    if (slot == 0) in.index = v;
    else if (slot == 1) in.index2 = v;
  }
  void plain(int slot, uint32_t v) { (slot == 0 ? in.index : in.index2) = v; }
  void global(bool, uint32_t v, const uint8_t *, const uint8_t *, const uint8_t *) { in.index = v; }
  void memArg(uint32_t flags, const uint8_t *, const uint8_t *, uint32_t mem, const uint8_t *,
              const uint8_t *, uint64_t offset) {
    in.mem.align = flags & ~0x40u;
    in.mem.explicitMemory = flags & 0x40;
    in.mem.memory = mem;
    in.mem.offset = offset;
  }
  void heapType(int slot, int64_t h, const uint8_t *, const uint8_t *) {
    (slot == 0 ? in.heapType : in.heapType2) = h;
  }
  void blockType(const BlockType &bt, const uint8_t *, const uint8_t *, const uint8_t *) {
    in.block = bt;
  }
  void valType(const InstrValType &, const uint8_t *, const uint8_t *) {}
  void constI(int64_t v) { in.value = v; }
  void constBits(uint64_t b) { in.bits = b; }
  void lane(uint8_t b) { in.lane = b; }
  void v128(const uint8_t *q) { in.v128 = q; }
  void vec(uint32_t n, const uint8_t *s, const uint8_t *e) {
    in.vecCount = n;
    in.vecBytes = ByteView(s, size_t(e - s));
  }
  void catchClause(uint8_t, uint32_t, uint32_t) {}
  void end(const uint8_t *e) { in.size = uint32_t(e - start); }
};

// A sink that ignores everything: the structural scan.
struct NullSink {
  void begin(uint8_t, uint32_t, S, const uint8_t *) {}
  void index(Space, int, uint32_t, const uint8_t *, const uint8_t *) {}
  void plain(int, uint32_t) {}
  void global(bool, uint32_t, const uint8_t *, const uint8_t *, const uint8_t *) {}
  void memArg(uint32_t, const uint8_t *, const uint8_t *, uint32_t, const uint8_t *,
              const uint8_t *, uint64_t) {}
  void heapType(int, int64_t, const uint8_t *, const uint8_t *) {}
  void blockType(const BlockType &, const uint8_t *, const uint8_t *, const uint8_t *) {}
  void valType(const InstrValType &, const uint8_t *, const uint8_t *) {}
  void constI(int64_t) {}
  void constBits(uint64_t) {}
  void lane(uint8_t) {}
  void v128(const uint8_t *) {}
  void vec(uint32_t, const uint8_t *, const uint8_t *) {}
  void catchClause(uint8_t, uint32_t, uint32_t) {}
  void end(const uint8_t *) {}
};

// ---- the rewriting sink --------------------------------------------------------------

const char *spaceName(Space sp) {
  switch (sp) {
  case Space::Func: return "function";
  case Space::Type: return "type";
  case Space::Table: return "table";
  case Space::Memory: return "memory";
  case Space::Data: return "data segment";
  case Space::Elem: return "element segment";
  case Space::Tag: return "tag";
  }
  return "?";
}

// WRITE false: accumulate the size change; true: emit bytes. Every change replaces a
// byte range [s,e) of the input; the bytes between changes are copied with memcpy.
[[noreturn, gnu::cold, gnu::noinline]] void failRange(uint64_t off, const char *space, uint64_t v,
                                                      size_t n) {
  throw Error(std::string(space) + " index " + std::to_string(v) + " out of range (" +
                  std::to_string(n) + " entries)",
              off);
}
[[noreturn, gnu::cold, gnu::noinline]] void failConstWrite(uint64_t off, uint32_t v) {
  throw Error("cannot write to global " + std::to_string(v) + ": it was replaced by a constant",
              off);
}

// What the first pass records at each change, for rewriteWithEdits (after a gap, the
// uleb count of unchanged bytes before the change): the immediate at that point and how
// it changes. Values 0..6 are an index of that Space.
enum EditKind : uint8_t {
  kEditGlobal = 7,        // a global index (uleb)
  kEditGlobalConst = 8,   // global.get (opcode, uleb) that becomes i32/i64.const
  kEditMemImplicit = 9,   // memarg flags (uleb) with memory 0 implied: made explicit
  kEditTypeS33 = 10,      // a type index as s33 (block type, heap type)
};

template <bool Write> struct RewriteSink : NullSink {
  const RewriteMaps &m;
  const uint8_t *first; // first byte of the input, at file offset BASE
  uint64_t base;
  const uint8_t *copyFrom;
  uint8_t *out = nullptr;
  int64_t delta = 0;
  Bytes *edits = nullptr; // the first pass: where the changes are (rewriteWithEdits)
  uint8_t *editAt = nullptr, *editEnd = nullptr; // what of *edits is written, and its end

  RewriteSink(const RewriteMaps &maps, const uint8_t *b, uint64_t baseOffset, uint8_t *o)
      : m(maps), first(b), base(baseOffset), copyFrom(b), out(o) {}
  uint64_t off(const uint8_t *q) const { return base + uint64_t(q - first); }

  // Edits are written in place, *edits grown (doubling) when fewer than 11 bytes are left;
  // closeEdits cuts it to what was written.
  void openEdits(Bytes *e) {
    edits = e;
    editAt = editEnd = e->data() + e->size();
  }
  [[gnu::noinline]] void growEdits() {
    const size_t used = size_t(editAt - edits->data());
    edits->resize(std::max<size_t>(2 * edits->size(), used + 64));
    editAt = edits->data() + used;
    editEnd = edits->data() + edits->size();
  }
  void closeEdits() {
    if (edits) edits->resize(size_t(editAt - edits->data()));
  }

  std::span<const uint32_t> map(Space sp) const {
    switch (sp) {
    case Space::Func: return m.funcs;
    case Space::Type: return m.types;
    case Space::Table: return m.tables;
    case Space::Memory: return m.memories;
    case Space::Data: return m.datas;
    case Space::Elem: return m.elems;
    case Space::Tag: return m.tags;
    }
    return {};
  }
  [[noreturn]] void outOfRange(Space sp, uint64_t v, size_t n, const uint8_t *s) const {
    failRange(off(s), spaceName(sp), v, n);
  }
  uint32_t lookup(std::span<const uint32_t> mp, Space sp, uint64_t v, const uint8_t *s) const {
    if (v >= mp.size()) [[unlikely]] outOfRange(sp, v, mp.size(), s);
    return mp[size_t(v)];
  }
  // Copies the input up to S and skips the input up to E (the caller writes the new bytes).
  void replaceBegin(const uint8_t *s, const uint8_t *e, uint8_t kind) {
    if constexpr (Write) {
      size_t n = size_t(s - copyFrom);
      std::memcpy(out, copyFrom, n);
      out += n;
    } else {
      delta -= int64_t(e - s);
      if (edits) {
        if (editEnd - editAt < 11) [[unlikely]] growEdits();
        editAt = putUleb(editAt, uint64_t(s - copyFrom));
        *editAt++ = kind;
      }
    }
    copyFrom = e;
  }
  void putU(uint64_t v) {
    if constexpr (Write) out = putUleb(out, v);
    else delta += int64_t(ulebSize(v));
  }
  void putS(int64_t v) {
    if constexpr (Write) out = putSleb(out, v);
    else delta += int64_t(slebSize(v));
  }
  void putByte(uint8_t b) {
    if constexpr (Write) *out++ = b;
    else delta += 1;
  }
  // A type index encoded as s33 (block types, heap types).
  void typeS33(int64_t v, const uint8_t *s, const uint8_t *e) {
    if (v < 0 || m.types.empty()) return;
    uint32_t nv = lookup(m.types, Space::Type, uint64_t(v), s);
    if (int64_t(nv) == v) return;
    replaceBegin(s, e, kEditTypeS33);
    putS(nv);
  }

  [[gnu::always_inline]] void index(Space sp, int, uint32_t v, const uint8_t *s, const uint8_t *e) {
    auto mp = map(sp);
    if (mp.empty()) return;
    uint32_t nv = lookup(mp, sp, v, s);
    if (nv == v) return;
    replaceBegin(s, e, uint8_t(sp));
    putU(nv);
  }
  [[gnu::always_inline]] void global(bool set, uint32_t v, const uint8_t *instr, const uint8_t *s, const uint8_t *e) {
    if (m.globals.empty()) return;
    if (v >= m.globals.size()) [[unlikely]]
      failRange(off(s), "global", v, m.globals.size());
    const GlobalRemap &g = m.globals[v];
    if (g.kind == GlobalRemap::Index) {
      if (g.index == v) return;
      replaceBegin(s, e, kEditGlobal);
      putU(g.index);
      return;
    }
    if (set)
      failConstWrite(off(instr), v);
    replaceBegin(instr, e, kEditGlobalConst);
    if (g.kind == GlobalRemap::ConstI32) {
      putByte(0x41);
      putS(int32_t(g.value));
    } else {
      putByte(0x42);
      putS(g.value);
    }
  }
  [[gnu::always_inline]] void memArg(uint32_t flags, const uint8_t *fs, const uint8_t *fe, uint32_t mem,
              const uint8_t *ms, const uint8_t *me, uint64_t) {
    if (m.memories.empty()) return;
    uint32_t nv = lookup(m.memories, Space::Memory, mem, ms);
    if (nv == mem) return;
    if (flags & 0x40) {
      replaceBegin(ms, me, uint8_t(Space::Memory));
    } else {
      // Memory 0 was implicit: switch to the explicit form.
      replaceBegin(fs, fe, kEditMemImplicit);
      putU(flags | 0x40);
    }
    putU(nv);
  }
  void heapType(int, int64_t h, const uint8_t *s, const uint8_t *e) { typeS33(h, s, e); }
  void blockType(const BlockType &bt, const uint8_t *s, const uint8_t *e, const uint8_t *hs) {
    if (bt.kind == BlockType::TypeIndex) typeS33(bt.typeIndex, s, e);
    else if (hs) typeS33(bt.value.heap, hs, e);
  }
  void valType(const InstrValType &vt, const uint8_t *hs, const uint8_t *e) {
    if (hs) typeS33(vt.heap, hs, e);
  }

  // The remaining input after the last change.
  void finish(const uint8_t *end) {
    if constexpr (Write) {
      size_t n = size_t(end - copyFrom);
      std::memcpy(out, copyFrom, n);
      out += n;
    }
    copyFrom = end;
  }
};

// ---- drivers -------------------------------------------------------------------------

// Decodes the local declarations at d.p, reporting heap types in them to SINK.
template <class Sink> LocalsInfo decodeLocals(Dec &d, Sink &sink) {
  const uint8_t *start = d.p;
  LocalsInfo info;
  info.groups = d.u32();
  uint64_t total = 0;
  for (uint32_t i = 0; i < info.groups; ++i) {
    const uint8_t *cs = d.p;
    total += d.u32();
    if (total > UINT32_MAX) d.failAt("too many locals (more than 2^32-1)", cs);
    const uint8_t *hs;
    InstrValType vt = readValType(d, hs);
    sink.valType(vt, hs, d.p);
  }
  info.total = uint32_t(total);
  info.size = size_t(d.p - start);
  return info;
}

// ---- the threaded fast path ----------------------------------------------------------
//
// Most instructions are one byte, or one byte and one or two short LEBs. While at least
// kSlack bytes remain (more than any instruction below can read), those are decoded
// here with no bounds checks, each handler ending in a dispatch of its own on the next
// opcode (an indirect branch per handler predicts far better than one shared switch),
// and are reported to the sink exactly as decodeInstr reports them. Anything else
// (prefixes, long or invalid LEBs, explicit memories, typed blocks, errors) goes to
// decodeInstr from the instruction's first byte, so behaviour and errors are its own.

constexpr ptrdiff_t kSlack = 16; // the longest read below: a memarg's, 11 bytes

enum FastClass : uint8_t {
  kFSlow, kFNone, kFEnd, kFBlock, kFPlain, kFFunc, kFCallIndirect, kFGlobal, kFConst,
  kFFloatConst, kFMemArg, kFClasses
};

constexpr std::array<uint8_t, 256> makeFastClassTable() {
  std::array<uint8_t, 256> t{};
  for (int op = 0; op < 256; ++op) {
    uint8_t c = kFSlow;
    if (op < 0xFB || op == 0xFF) switch (kSingle[op]) {
      case S::None: c = kFNone; break;
      case S::End: c = kFEnd; break;
      case S::Block: c = kFBlock; break;
      case S::Label:
      case S::Local: c = kFPlain; break;
      case S::Func: c = kFFunc; break;
      case S::CallIndirect: c = kFCallIndirect; break;
      case S::GlobalGet:
      case S::GlobalSet: c = kFGlobal; break;
      case S::I32:
      case S::I64: c = kFConst; break;
      case S::F32:
      case S::F64: c = kFFloatConst; break;
      case S::MemArg: c = kFMemArg; break;
      default: break;
      }
    t[size_t(op)] = c;
  }
  return t;
}
constexpr auto kFastClass = makeFastClassTable();

// Decodes from d.p while kSlack bytes remain and DEPTH > 0.
template <class Sink> [[gnu::noinline]] void decodeFast(Dec &d, Sink &sink, uint32_t &depthRef) {
  static const void *const kByClass[kFClasses] = {
      &&slow, &&none, &&end, &&block, &&plain, &&func, &&callIndirect, &&global,
      &&constant, &&floatConstant, &&memArg};
  struct Table {
    const void *at[256];
  };
  static const Table kJump = [](const void *const *byClass) {
    Table t{};
    for (int op = 0; op < 256; ++op) t.at[op] = byClass[kFastClass[size_t(op)]];
    return t;
  }(kByClass);

  const uint8_t *p = d.p, *const stop = d.end - kSlack;
  uint32_t depth = depthRef;
  const uint8_t *s;
  uint64_t u, u2;
  int64_t v;

#define PRELINK_NEXT                                                                               \
  do {                                                                                             \
    if (p > stop) [[unlikely]]                                                                     \
      goto out;                                                                                    \
    s = p;                                                                                         \
    goto *kJump.at[*p];                                                                            \
  } while (0)

  PRELINK_NEXT;
none:
  sink.begin(0, *s, kSingle[*s], s);
  ++p;
  sink.end(p);
  PRELINK_NEXT;
end:
  sink.begin(0, 0x0B, S::End, s);
  ++p;
  sink.end(p);
  if (--depth == 0) goto out;
  PRELINK_NEXT;
block: {
  const uint8_t b = p[1];
  BlockType bt;
  if (b == 0x40) bt.kind = BlockType::Empty;
  else if (kValType[b] && b != 0x63 && b != 0x64) {
    bt.kind = BlockType::Value;
    bt.value = {b, 0};
  } else goto slow;
  sink.begin(0, *s, S::Block, s);
  p += 2;
  sink.blockType(bt, s + 1, p, nullptr);
  sink.end(p);
  ++depth;
  PRELINK_NEXT;
}
plain:
  ++p;
  if (!fastUleb<32>(p, u)) goto slow;
  sink.begin(0, *s, kSingle[*s], s);
  sink.plain(0, uint32_t(u));
  sink.end(p);
  PRELINK_NEXT;
func:
  ++p;
  if (!fastUleb<32>(p, u)) goto slow;
  sink.begin(0, *s, S::Func, s);
  sink.index(Space::Func, 0, uint32_t(u), s + 1, p);
  sink.end(p);
  PRELINK_NEXT;
callIndirect: {
  ++p;
  const uint8_t *t = p;
  if (!fastUleb<32>(p, u)) goto slow;
  const uint8_t *tt = p;
  if (!fastUleb<32>(p, u2)) goto slow;
  sink.begin(0, *s, S::CallIndirect, s);
  sink.index(Space::Type, 0, uint32_t(u), t, tt);
  sink.index(Space::Table, 1, uint32_t(u2), tt, p);
  sink.end(p);
  PRELINK_NEXT;
}
global: { // global.get, global.set
  ++p;
  if (!fastUleb<32>(p, u)) goto slow;
  const bool set = *s == 0x24;
  sink.begin(0, *s, set ? S::GlobalSet : S::GlobalGet, s);
  sink.global(set, uint32_t(u), s, s + 1, p);
  sink.end(p);
  PRELINK_NEXT;
}
constant: { // i32.const, i64.const
  ++p;
  const bool wide = *s == 0x42;
  if (!(wide ? fastSleb<64>(p, v) : fastSleb<32>(p, v))) goto slow;
  sink.begin(0, *s, wide ? S::I64 : S::I32, s);
  sink.constI(v);
  sink.end(p);
  PRELINK_NEXT;
}
floatConstant: { // f32.const, f64.const: the bits as they are
  const bool wide = *s == 0x44;
  uint64_t b = 0;
  std::memcpy(&b, p + 1, wide ? 8 : 4);
  sink.begin(0, *s, wide ? S::F64 : S::F32, s);
  p += wide ? 9 : 5;
  sink.constBits(b);
  sink.end(p);
  PRELINK_NEXT;
}
memArg: {
  ++p;
  const uint8_t *fs = p;
  if (*p >= 0x40) goto slow; // an explicit memory, or invalid flags
  u = *p++;
  const uint8_t *fe = p;
  if (!fastUleb<64>(p, u2)) goto slow;
  sink.begin(0, *s, S::MemArg, s);
  sink.memArg(uint32_t(u), fs, fe, 0, fe, fe, u2);
  sink.end(p);
  PRELINK_NEXT;
}
slow:
  d.p = s;
  decodeInstr(d, sink, depth);
  p = d.p;
  if (depth == 0) goto out;
  PRELINK_NEXT;
out:
#undef PRELINK_NEXT
  d.p = p;
  depthRef = depth;
}

// FAST false: decodeInstr alone (reference::rewrittenSize, for the tests).
template <bool Fast, class Sink> void decodeExpr(Dec &dec, Sink &sink) {
  Dec d = dec; // a local copy stays in registers
  uint32_t depth = 1;
  if constexpr (Fast)
    if (d.end - d.p > kSlack) decodeFast(d, sink, depth);
  while (depth) {
    if (d.p >= d.end) [[unlikely]] d.failAt("unexpected end of expression (missing end)", d.p);
    decodeInstr(d, sink, depth);
  }
  if (d.p != d.end) d.failAt("bytes after the final end of the expression", d.p);
  dec = d;
}

template <class Sink, bool Fast = true> void decodeCode(Dec &d, Sink &sink, BodyKind kind) {
  if (kind == BodyKind::Function) (void)decodeLocals(d, sink);
  decodeExpr<Fast>(d, sink);
}

Dec makeDec(ByteView in, uint64_t base) {
  return Dec{in.data(), in.data(), in.data() + in.size(), base};
}

} // namespace

ImmShape immShape(uint8_t prefix, uint32_t op) {
  switch (prefix) {
  case 0: return op < 256 && !(op >= 0xFB && op <= 0xFE) ? kSingle[op] : S::Invalid;
  case kPrefixMisc: return op < kMisc.size() ? kMisc[op] : S::Invalid;
  case kPrefixSimd: return op < kSimd.size() ? kSimd[op] : S::Invalid;
  case kPrefixThreads: return op < kThreads.size() ? kThreads[op] : S::Invalid;
  case kPrefixGC: return op < kGC.size() ? kGC[op] : S::Invalid;
  default: return S::Invalid;
  }
}

// ---- InstrReader ---------------------------------------------------------------------

InstrReader::InstrReader(ByteView expr, uint64_t baseOffset)
    : begin_(expr.data()), p_(expr.data()), end_(expr.data() + expr.size()), base_(baseOffset) {}

bool InstrReader::next(Instr &out) {
  if (depth_ == 0) return false;
  Dec d{begin_, p_, end_, base_};
  if (d.p >= d.end) d.failAt("unexpected end of expression (missing end)", d.p);
  // Field by field: a whole-struct assignment compiles to `rep stos`, which costs more
  // than decoding a typical instruction.
  out.index = out.index2 = 0;
  out.value = 0;
  out.bits = 0;
  out.mem = MemArg{};
  out.block = BlockType{};
  out.heapType = out.heapType2 = 0;
  out.lane = 0;
  out.v128 = nullptr;
  out.vecCount = 0;
  out.vecBytes = {};
  ReadSink sink{out, begin_, base_};
  decodeInstr(d, sink, depth_);
  p_ = d.p;
  out.depth = depth_;
  if (depth_ == 0 && p_ != end_ && !trailingOk_) d.failAt("bytes after the final end of the expression", p_);
  return true;
}

std::vector<uint32_t> brTableLabels(const Instr &in) {
  std::vector<uint32_t> v;
  Dec d = makeDec(in.vecBytes, 0);
  for (uint32_t i = 0; i < in.vecCount; ++i) v.push_back(d.u32());
  return v;
}

std::vector<InstrValType> selectTypes(const Instr &in) {
  std::vector<InstrValType> v;
  Dec d = makeDec(in.vecBytes, 0);
  const uint8_t *hs;
  for (uint32_t i = 0; i < in.vecCount; ++i) v.push_back(readValType(d, hs));
  return v;
}

std::vector<CatchClause> tryTableCatches(const Instr &in) {
  std::vector<CatchClause> v;
  Dec d = makeDec(in.vecBytes, 0);
  for (uint32_t i = 0; i < in.vecCount; ++i) {
    CatchClause c;
    c.kind = d.u8();
    if (c.kind < 2) c.tag = d.u32();
    c.label = d.u32();
    v.push_back(c);
  }
  return v;
}

ByteView skipLocals(ByteView body, uint64_t baseOffset, LocalsInfo *info) {
  Dec d = makeDec(body, baseOffset);
  NullSink sink;
  LocalsInfo li = decodeLocals(d, sink);
  if (info) *info = li;
  return body.subspan(li.size);
}

std::vector<std::pair<uint32_t, InstrValType>> readLocals(ByteView body, uint64_t baseOffset) {
  (void)skipLocals(body, baseOffset); // validates, including the total count
  std::vector<std::pair<uint32_t, InstrValType>> out;
  Dec d = makeDec(body, baseOffset);
  uint32_t n = d.u32();
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t count = d.u32();
    const uint8_t *hs;
    out.push_back({count, readValType(d, hs)});
  }
  return out;
}

void scanCode(ByteView in, BodyKind kind, uint64_t baseOffset) {
  Dec d = makeDec(in, baseOffset);
  NullSink sink;
  decodeCode(d, sink, kind);
}

// ---- rewriting -----------------------------------------------------------------------

namespace {
template <bool Fast>
size_t sizeRewritten(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset, Bytes *edits) {
  Dec d = makeDec(in, baseOffset);
  if (maps.identity()) {
    NullSink sink;
    decodeCode<NullSink, Fast>(d, sink, kind);
    return in.size();
  }
  RewriteSink<false> sink(maps, in.data(), baseOffset, nullptr);
  if (edits) sink.openEdits(edits);
  try {
    decodeCode<RewriteSink<false>, Fast>(d, sink, kind);
  } catch (...) {
    sink.closeEdits(); // what was recorded before the error, as with a growing vector
    throw;
  }
  sink.closeEdits();
  return size_t(int64_t(in.size()) + sink.delta);
}
} // namespace

size_t rewrittenSize(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset, Bytes *edits) {
  return sizeRewritten<true>(in, maps, kind, baseOffset, edits);
}

size_t reference::rewrittenSize(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset, Bytes *edits) {
  return sizeRewritten<false>(in, maps, kind, baseOffset, edits);
}

uint8_t *rewriteWithEdits(ByteView in, ByteView edits, const RewriteMaps &maps, uint8_t *out) {
  // Only where the first pass found a change: the immediate there is read again and
  // written as RewriteSink<true> writes it; everything else is copied.
  Dec e = makeDec(edits, 0);
  Dec d = makeDec(in, 0);
  auto span = [&](Space sp) -> std::span<const uint32_t> {
    switch (sp) {
    case Space::Func: return maps.funcs;
    case Space::Type: return maps.types;
    case Space::Table: return maps.tables;
    case Space::Memory: return maps.memories;
    case Space::Data: return maps.datas;
    case Space::Elem: return maps.elems;
    case Space::Tag: return maps.tags;
    }
    return {};
  };
  auto at = [](std::span<const uint32_t> mp, uint64_t v) {
    if (v >= mp.size()) throw Error("internal error: an edit's index is out of range");
    return mp[size_t(v)];
  };
  while (e.p < e.end) {
    size_t gap = size_t(e.uleb<64>());
    uint8_t kind = e.u8();
    const uint8_t *from = d.p;
    d.bytes(gap);
    std::memcpy(out, from, gap);
    out += gap;
    switch (kind) {
    case kEditGlobal: {
      uint64_t v = d.u32();
      if (v >= maps.globals.size()) throw Error("internal error: an edit's global is out of range");
      out = putUleb(out, maps.globals[size_t(v)].index);
      break;
    }
    case kEditGlobalConst: {
      d.u8(); // global.get
      uint64_t v = d.u32();
      if (v >= maps.globals.size()) throw Error("internal error: an edit's global is out of range");
      const GlobalRemap &g = maps.globals[size_t(v)];
      if (g.kind == GlobalRemap::ConstI32) {
        *out++ = 0x41;
        out = putSleb(out, int32_t(g.value));
      } else {
        *out++ = 0x42;
        out = putSleb(out, g.value);
      }
      break;
    }
    case kEditMemImplicit: {
      uint32_t flags = d.u32();
      out = putUleb(out, flags | 0x40);
      out = putUleb(out, at(maps.memories, 0));
      break;
    }
    case kEditTypeS33: {
      int64_t v = d.sleb<33>();
      out = putSleb(out, at(maps.types, uint64_t(v)));
      break;
    }
    default:
      if (kind > uint8_t(Space::Tag)) throw Error("internal error: unknown edit");
      out = putUleb(out, at(span(Space(kind)), d.u32()));
    }
  }
  size_t rest = size_t(d.end - d.p);
  if (rest) std::memcpy(out, d.p, rest);
  return out + rest;
}

uint8_t *rewriteInto(ByteView in, const RewriteMaps &maps, BodyKind kind, uint8_t *out,
                     uint64_t baseOffset) {
  // rewrittenSize, which sized OUT, has decoded (and so checked) IN already: an identity
  // rewrite is a copy.
  if (maps.identity()) {
    if (!in.empty()) std::memcpy(out, in.data(), in.size());
    return out + in.size();
  }
  Dec d = makeDec(in, baseOffset);
  RewriteSink<true> sink(maps, in.data(), baseOffset, out);
  decodeCode(d, sink, kind);
  sink.finish(d.end);
  return sink.out;
}

Bytes rewrite(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset) {
  // The linker's way (sizes and edits, then the edits applied), so that every test of
  // rewrite() also checks rewriteWithEdits; the fuzzer compares it with rewriteInto.
  Bytes edits;
  Bytes out(rewrittenSize(in, maps, kind, baseOffset, &edits));
  uint8_t *e = rewriteWithEdits(in, edits, maps, out.data());
  if (size_t(e - out.data()) != out.size())
    throw Error("internal error: rewritten size mismatch", baseOffset);
  return out;
}

} // namespace wasmobj
