// The instruction decoder and the code rewriter: the linker's hot path.
//
// One decoder walks every instruction of every proposal prelink accepts (MVP, sign
// extension, saturating float-to-int, bulk memory, reference types, multi-value, SIMD and
// relaxed SIMD, threads, both exception-handling encodings, tail calls, extended const,
// multi-memory, typed function references, GC). Two consumers share it:
//   - `InstrReader` hands out one `Instr` at a time (the constant-expression evaluator,
//     the inspector and the tests);
//   - the rewriter renumbers every index of a function body or a constant expression into
//     a merged module's index spaces, in two passes: size (decoding everything, and
//     noting where an immediate changes), then bytes in place (copying unchanged runs
//     with memcpy, re-encoding only the noted immediates; or decoding again,
//     rewriteInto), keeping every unchanged LEB byte-for-byte.
// Every error is a wasmobj::Error carrying the file offset (baseOffset + position).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "wasmobj/leb.h"

namespace wasmobj {

// Opcode prefixes. `Instr::prefix` is 0 for single-byte opcodes.
enum : uint8_t {
  kPrefixGC = 0xFB,      // GC: struct/array/i31/casts
  kPrefixMisc = 0xFC,    // saturating truncation, bulk memory, table ops
  kPrefixSimd = 0xFD,    // SIMD and relaxed SIMD
  kPrefixThreads = 0xFE, // atomics
};

// What follows an opcode. Every instruction has exactly one shape; the decoder is a switch
// over shapes, the opcode tables map opcodes to shapes.
enum class ImmShape : uint8_t {
  Invalid,        // not an opcode
  None,           // no immediates
  Block,          // block/loop/if/try: block type            (opens a block)
  TryTable,       // try_table: block type, vec(catch)        (opens a block)
  End,            // end                                      (closes a block)
  Delegate,       // delegate l                               (closes a try)
  Label,          // br, br_if, rethrow, br_on_null, br_on_non_null: label index
  BrTable,        // vec(label) default
  Func,           // call, return_call, ref.func
  CallIndirect,   // type index, table index
  Type,           // call_ref, return_call_ref, struct.new..., array.new...: type index
  Tag,            // throw, catch
  Local,          // local.get/set/tee
  GlobalGet,      // global.get
  GlobalSet,      // global.set
  Table,          // table.get/set/grow/size/fill
  MemArg,         // loads, stores, atomics
  MemArgLane,     // SIMD load/store lane: memarg, lane byte
  Memory,         // memory.size/grow/fill: memory index
  MemoryInit,     // data index, memory index
  MemoryCopy,     // memory index (dst), memory index (src)
  Data,           // data.drop
  TableInit,      // elem index, table index
  TableCopy,      // table index (dst), table index (src)
  Elem,           // elem.drop
  I32,            // i32.const: s32
  I64,            // i64.const: s64
  F32,            // f32.const: 4 bytes
  F64,            // f64.const: 8 bytes
  V128,           // v128.const, i8x16.shuffle: 16 bytes
  Lane,           // SIMD extract/replace lane: lane byte
  HeapType,       // ref.null, ref.test, ref.cast: heap type
  SelectT,        // select with vec(valtype)
  AtomicFence,    // atomic.fence: a zero byte
  TypeField,      // struct.get/set...: type index, field index
  TypeCount,      // array.new_fixed: type index, u32 count
  TypeData,       // array.new_data, array.init_data: type index, data index
  TypeElem,       // array.new_elem, array.init_elem: type index, elem index
  TypeType,       // array.copy: type index, type index
  BrOnCast,       // br_on_cast(_fail): flags byte, label, heap type, heap type
};

// The shape of an opcode, or Invalid. PREFIX is 0 for single-byte opcodes.
ImmShape immShape(uint8_t prefix, uint32_t op);

struct MemArg {
  uint32_t align = 0;   // log2 of the alignment (flags without the memory-index bit)
  uint32_t memory = 0;  // memory index (0 unless bit 6 of the flags was set)
  uint64_t offset = 0;  // u64 to cover memory64
  bool explicitMemory = false; // bit 6 of the flags was set
};

// A value type as encoded: a one-byte code, and for 0x63 (ref null ht) / 0x64 (ref ht) a
// heap type (negative: abstract heap type as its s33 value; >= 0: a type index).
struct InstrValType {
  uint8_t code = 0;
  int64_t heap = 0;
};

struct BlockType {
  enum Kind : uint8_t { Empty, Value, TypeIndex } kind = Empty;
  InstrValType value;     // Value
  uint32_t typeIndex = 0; // TypeIndex
};

// One try_table catch clause. Kinds: 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref.
struct CatchClause {
  uint8_t kind = 0;
  uint32_t tag = 0; // kinds 0 and 1
  uint32_t label = 0;
};

// One decoded instruction. Only the fields of its shape are meaningful.
struct Instr {
  uint8_t prefix = 0;      // 0 or kPrefix*
  ImmShape shape = ImmShape::Invalid;
  uint32_t op = 0;         // opcode (after the prefix, if any)
  uint64_t offset = 0;     // file offset of the first byte (the prefix, if any)
  uint32_t size = 0;       // encoded length in bytes
  uint32_t depth = 0;      // block nesting after this instruction; 0 after the final end

  // The first index immediate (function, type, table, memory, data, elem, tag, global,
  // local, label, dst memory/table; for br_table the default label).
  uint32_t index = 0;
  // The second index (call_indirect table, memory.init/table.init target, copy source,
  // struct field, array.new_fixed count, br_on_cast label).
  uint32_t index2 = 0;
  int64_t value = 0;       // i32.const (sign-extended) / i64.const
  uint64_t bits = 0;       // f32.const / f64.const bit pattern
  MemArg mem;
  BlockType block;
  int64_t heapType = 0;    // ref.null, ref.test, ref.cast, br_on_cast source
  int64_t heapType2 = 0;   // br_on_cast target
  uint8_t lane = 0;        // lane index; br_on_cast flags
  const uint8_t *v128 = nullptr; // 16 bytes: v128.const, i8x16.shuffle
  // br_table labels, typed select value types, try_table catch clauses: their count and
  // the raw bytes after the count (decode with the helpers below).
  uint32_t vecCount = 0;
  ByteView vecBytes;
};

// Decode the vector immediates of an Instr (these allocate; the hot path never calls them).
std::vector<uint32_t> brTableLabels(const Instr &in);        // without the default
std::vector<InstrValType> selectTypes(const Instr &in);
std::vector<CatchClause> tryTableCatches(const Instr &in);

// Iterates the instructions of an expression (a function body after its locals, or a
// constant expression) up to and including its final `end`. Bytes after the final end,
// a missing end, unknown opcodes and malformed immediates throw Error.
class InstrReader {
public:
  InstrReader(ByteView expr, uint64_t baseOffset = 0);
  // A reader for an expression that is followed by other bytes (a constant expression
  // inside a section): it stops at the final end without checking what comes after.
  static InstrReader prefixOf(ByteView bytes, uint64_t baseOffset = 0) {
    InstrReader r(bytes, baseOffset);
    r.trailingOk_ = true;
    return r;
  }
  // Decodes the next instruction into OUT; false once the final end has been returned.
  bool next(Instr &out);
  bool done() const { return depth_ == 0; }
  // File offset of the next byte to decode.
  uint64_t offset() const { return base_ + uint64_t(p_ - begin_); }

private:
  const uint8_t *begin_, *p_, *end_;
  uint64_t base_;
  uint32_t depth_ = 1;
  bool trailingOk_ = false;
};

// The local declarations of a function body.
struct LocalsInfo {
  uint32_t groups = 0;     // number of (count, type) entries
  uint32_t total = 0;      // sum of the counts (fits in u32, checked)
  size_t size = 0;         // bytes taken by the declarations
};

// Splits a function body (locals + expression): returns the expression, fills INFO when
// given. Throws if the declarations are malformed or declare more than 2^32-1 locals.
ByteView skipLocals(ByteView body, uint64_t baseOffset = 0, LocalsInfo *info = nullptr);

// Decodes the local declarations of BODY as (count, type) groups (allocates; not hot).
std::vector<std::pair<uint32_t, InstrValType>> readLocals(ByteView body, uint64_t baseOffset = 0);

// Decodes every instruction of a body or constant expression and discards them: the cheap
// structural check (no type checking).
enum class BodyKind : uint8_t { Function, ConstExpr };
void scanCode(ByteView in, BodyKind kind, uint64_t baseOffset = 0);

// ---- rewriting -----------------------------------------------------------------------

// What a global index becomes: another global, or a constant (a global.get of it turns
// into i32.const / i64.const VALUE; a global.set of it is an error).
struct GlobalRemap {
  enum Kind : uint8_t { Index, ConstI32, ConstI64 } kind = Index;
  uint32_t index = 0;
  int64_t value = 0;

  static GlobalRemap to(uint32_t i) { return {Index, i, 0}; }
  static GlobalRemap i32(int32_t v) { return {ConstI32, 0, v}; }
  static GlobalRemap i64(int64_t v) { return {ConstI64, 0, v}; }
};

// Old index -> new index per index space. An empty span is the identity; a non-empty span
// must cover every index used (an index past its end is an error).
struct RewriteMaps {
  std::span<const uint32_t> funcs, types, tables, memories, datas, elems, tags;
  std::span<const GlobalRemap> globals;

  bool identity() const {
    return funcs.empty() && types.empty() && tables.empty() && memories.empty() &&
           datas.empty() && elems.empty() && tags.empty() && globals.empty();
  }
};

// Size in bytes of IN (a function body with its locals, or a constant expression, per
// KIND) after rewriting with MAPS. Decodes all of IN; throws Error on malformed input.
// EDITS, when given, receives (appended) where IN changes, a few bytes per change, for
// rewriteWithEdits.
size_t rewrittenSize(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset = 0,
                     Bytes *edits = nullptr);

namespace reference {
// rewrittenSize with every instruction decoded by the general decoder (none by the fast
// path for the common instructions): the same size, edits and errors, for the tests and
// the fuzzer to compare.
size_t rewrittenSize(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset = 0,
                     Bytes *edits = nullptr);
} // namespace reference

// rewriteInto's bytes without decoding IN again: EDITS are what rewrittenSize recorded
// for the same IN and MAPS. The linker's second pass over every body.
uint8_t *rewriteWithEdits(ByteView in, ByteView edits, const RewriteMaps &maps, uint8_t *out);

// Writes the rewritten IN to OUT (which must have rewrittenSize(...) bytes) and returns
// the end of what was written. Call it after rewrittenSize accepted the same IN and MAPS:
// with identity maps it copies IN without decoding it again.
uint8_t *rewriteInto(ByteView in, const RewriteMaps &maps, BodyKind kind, uint8_t *out,
                     uint64_t baseOffset = 0);

// Both passes into a new buffer (rewrittenSize with edits, then rewriteWithEdits).
Bytes rewrite(ByteView in, const RewriteMaps &maps, BodyKind kind, uint64_t baseOffset = 0);

} // namespace wasmobj
