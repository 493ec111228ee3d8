// The wasm module model: every section of the core spec, custom sections kept byte-exact,
// and dylink.0. Function bodies, data segment contents and constant expressions are byte
// views: into the input file (kept alive by `Module::storage`) or into `Module::arena`
// for bytes a tool created. Index spaces follow the spec: imports first, then definitions.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasmobj/dylink.h"
#include "wasmobj/leb.h"

namespace wasmobj {

enum class SectionId : uint8_t {
  Custom = 0, Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Global = 6,
  Export = 7, Start = 8, Elem = 9, Code = 10, Data = 11, DataCount = 12, Tag = 13,
};
const char *sectionName(SectionId id);

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3, Tag = 4 };
const char *externKindName(ExternKind k);

// A value type as it is encoded: one byte for numeric, vector and abbreviated reference
// types; 0x63/0x64 (ref null / ref) carry a heap type.
struct ValType {
  uint8_t code = 0;
  int64_t heap = 0; // heap type (s33) for code 0x63 / 0x64
  bool operator==(const ValType &) const = default;
  static constexpr uint8_t I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b,
                           FuncRef = 0x70, ExternRef = 0x6f, ExnRef = 0x69;
  static ValType i32() { return {I32, 0}; }
  static ValType i64() { return {I64, 0}; }
  std::string str() const;
};

struct FuncType {
  std::vector<ValType> params, results;
  bool operator==(const FuncType &) const = default;
  std::string str() const; // "(i32, i64) -> (f32)"
};

struct Limits {
  uint8_t flags = 0; // bit0 has max, bit1 shared, bit2 memory64, bit3 custom page size
  uint64_t min = 0;
  uint64_t max = 0;
  uint32_t pageSizeLog2 = 16;
  bool hasMax() const { return flags & 1; }
  bool shared() const { return flags & 2; }
  bool is64() const { return flags & 4; }
  bool operator==(const Limits &) const = default;
};

struct TableType {
  ValType elem{ValType::FuncRef, 0};
  Limits limits;
  bool operator==(const TableType &) const = default;
};

struct GlobalType {
  ValType type;
  bool mut = false;
  bool operator==(const GlobalType &) const = default;
};

struct TagType {
  uint8_t attribute = 0;
  uint32_t typeIndex = 0;
  bool operator==(const TagType &) const = default;
};

struct Import {
  std::string module, field;
  ExternKind kind = ExternKind::Func;
  uint32_t typeIndex = 0; // Func
  TableType table;        // Table
  Limits memory;          // Memory
  GlobalType global;      // Global
  TagType tag;            // Tag
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

// A constant expression, including its final `end` opcode.
struct ConstExpr {
  ByteView bytes;
  uint64_t offset = 0; // file offset of the first byte (0 for synthetic)
};

struct Function {
  uint32_t typeIndex = 0;
  ByteView body;           // locals declarations + expression (without the size prefix)
  uint64_t bodyOffset = 0; // file offset of `body`
  // A body Module::bodies makes while the module is written, of `deferredSize` bytes
  // (`body` is empty): the linker's rewritten code goes straight into the output.
  bool deferred = false;
  size_t deferredSize = 0;
  size_t bodySize() const { return deferred ? deferredSize : body.size(); }
};

// Makes deferred function bodies (Function::deferred) when the writer needs them.
struct BodySource {
  virtual ~BodySource() = default;
  // Writes the body of defined function FUNCS[i] at OUT[i] (Function::deferredSize bytes
  // each), for every i; may run on several threads.
  virtual void write(std::span<const uint32_t> funcs, std::span<uint8_t *const> out) const = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

struct Table {
  TableType type;
  std::optional<ConstExpr> init; // table with an initialiser expression (0x40 0x00 form)
};

struct ElemSegment {
  uint32_t flags = 0; // as encoded: bit0 passive/declarative, bit1 explicit table / declarative, bit2 exprs
  uint32_t table = 0;
  ConstExpr offset;            // active segments only
  ValType elemType{ValType::FuncRef, 0};
  uint8_t elemKind = 0;        // flags 1..3: the elemkind byte (0 = funcref)
  std::vector<uint32_t> funcs; // !(flags & 4)
  std::vector<ConstExpr> exprs; // flags & 4
  bool active() const { return !(flags & 1); }
  bool declarative() const { return (flags & 3) == 3; }
  bool usesExprs() const { return flags & 4; }
};

struct DataSegment {
  uint32_t flags = 0; // 0 active memory 0, 1 passive, 2 active explicit memory
  uint32_t memory = 0;
  ConstExpr offset;   // active only
  ByteView bytes;
  uint64_t bytesOffset = 0;
  bool active() const { return flags != 1; }
};

struct CustomSection {
  std::string name;
  ByteView payload; // bytes after the name
  uint64_t offset = 0;
};

// Where each section stood in the input, so that a round trip keeps the order of custom
// sections and the width of size fields written by the producer.
struct SectionRecord {
  SectionId id;
  uint32_t customIndex = 0;  // into Module::customs, for custom sections
  uint8_t sizeWidth = 0;     // LEB width of the size field in the input (0 = minimal)
  uint64_t offset = 0;       // file offset of the section id byte
  uint64_t size = 0;         // payload size
};

struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions; // defined functions only
  std::vector<Table> tables;       // defined
  std::vector<Limits> memories;    // defined
  std::vector<Global> globals;     // defined
  std::vector<TagType> tags;       // defined
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::optional<uint32_t> dataCount;
  std::vector<DataSegment> datas;
  std::vector<CustomSection> customs; // all custom sections except dylink.0 / dylink
  std::optional<Dylink> dylink;       // parsed dylink.0 (or legacy "dylink")

  // Section order of the input; empty for a module built in memory (the writer then uses
  // the canonical order: dylink.0 first, standard sections, custom sections last).
  std::vector<SectionRecord> layout;

  // What makes the deferred bodies; it must live as long as they are unwritten.
  std::shared_ptr<const BodySource> bodies;
  // Makes every deferred body now, into the arena (for a module that outlives its source).
  void materializeBodies();

  // Owners of the bytes that views point into.
  std::shared_ptr<const void> storage;
  // A vector, not a deque: views point into each Bytes' own buffer, which a move keeps,
  // and a vector moves without throwing, so vectors of modules (the linker's libraries)
  // grow by moving them instead of copying every import, export and name.
  std::vector<Bytes> arena;
  ByteView own(Bytes b) {
    arena.push_back(std::move(b));
    return ByteView(arena.back());
  }

  // Counts of imports per kind (kept in sync by `countImports`).
  uint32_t numImportedFuncs = 0, numImportedTables = 0, numImportedMemories = 0,
           numImportedGlobals = 0, numImportedTags = 0;
  // Also records, per kind, where each import of that kind is in `imports`, so importOf
  // is a lookup (it was a scan, called once per import by the linker).
  void countImports();

  uint32_t numFuncs() const { return numImportedFuncs + uint32_t(functions.size()); }
  uint32_t numGlobals() const { return numImportedGlobals + uint32_t(globals.size()); }
  uint32_t numTables() const { return numImportedTables + uint32_t(tables.size()); }
  uint32_t numMemories() const { return numImportedMemories + uint32_t(memories.size()); }
  uint32_t numTags() const { return numImportedTags + uint32_t(tags.size()); }

  // Type index of function FUNC (imported or defined).
  uint32_t funcTypeIndex(uint32_t func) const;
  // Type of global GLOBAL (imported or defined).
  GlobalType globalType(uint32_t global) const;
  // The import behind an imported index of a kind, or nullptr for a defined one.
  const Import *importOf(ExternKind kind, uint32_t index) const;
  const Export *findExport(std::string_view name) const;

private:
  std::vector<uint32_t> importPos_[5]; // per ExternKind: index within kind -> index in imports
};

} // namespace wasmobj
