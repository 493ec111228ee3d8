// Module reader. Three steps:
//  1. framing (ours): magic, version, section ids, sizes, order, custom section names —
//     every error with its exact byte offset;
//  2. LLVM's WasmObjectFile parses the contents of the standard sections and validates
//     indices; its errors carry no offset, so when it fails we find the failing section
//     by parsing the module up to each standard section in turn (at most 13 parses) and
//     report that section's offset;
//  3. our decoders for what LLVM does not model: element segments (expressions, exact
//     flags), the raw bytes of every constant expression, dylink.0 subsections.
#include "wasmobj/reader.h"

#include <cstdio>
#include <cstring>
#include <mutex>

#include <llvm/Object/Wasm.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/MemoryBuffer.h>

#include "wasmobj/code.h"

namespace wasmobj {

void checkWasmHeader(ByteView bytes) {
  Cursor c(bytes);
  if (bytes.size() < 8) c.failAt("file too short to be a wasm module (" + std::to_string(bytes.size()) + " bytes)", 0);
  if (c.u32le() != 0x6d736100) c.failAt("not a wasm module (bad magic number)", 0);
  uint32_t version = c.u32le();
  if (version != 1) c.failAt("unsupported wasm version " + std::to_string(version), 4);
}

namespace {

struct Framed {
  SectionRecord rec;
  ByteView payload;    // whole section payload
  uint64_t payloadOffset = 0;
  std::string_view customName;
  ByteView customBody; // payload after the name, for custom sections
  uint64_t customBodyOffset = 0;
};

// Standard sections must appear at most once and in this order (datacount sits between
// elem and code, tag between memory and global).
int orderRank(SectionId id) {
  switch (id) {
  case SectionId::Type: return 1;
  case SectionId::Import: return 2;
  case SectionId::Function: return 3;
  case SectionId::Table: return 4;
  case SectionId::Memory: return 5;
  case SectionId::Tag: return 6;
  case SectionId::Global: return 7;
  case SectionId::Export: return 8;
  case SectionId::Start: return 9;
  case SectionId::Elem: return 10;
  case SectionId::DataCount: return 11;
  case SectionId::Code: return 12;
  case SectionId::Data: return 13;
  default: return 0;
  }
}

std::vector<Framed> frameSections(ByteView bytes) {
  checkWasmHeader(bytes);
  Cursor c(bytes);
  c.skip(8);
  std::vector<Framed> out;
  int lastRank = 0;
  SectionId lastId = SectionId::Custom;
  while (!c.atEnd()) {
    Framed f;
    f.rec.offset = c.offset();
    uint8_t id = c.u8();
    if (id > 13) c.failAt("unknown section id " + std::to_string(id), f.rec.offset);
    f.rec.id = SectionId(id);
    const uint64_t sizeAt = c.offset();
    uint64_t size = c.u32();
    f.rec.sizeWidth = uint8_t(c.offset() - sizeAt);
    if (f.rec.sizeWidth == ulebSize(size)) f.rec.sizeWidth = 0;
    if (size > c.remaining())
      c.failAt(std::string(sectionName(f.rec.id)) + " section size " + std::to_string(size) +
                   " runs past the end of the file (" + std::to_string(c.remaining()) + " bytes left)",
               sizeAt);
    f.rec.size = size;
    const uint64_t payloadOffset = c.offset();
    f.payloadOffset = payloadOffset;
    f.payload = c.bytes(size);
    if (f.rec.id == SectionId::Custom) {
      Cursor n(f.payload, payloadOffset);
      {
        Cursor len(f.payload, payloadOffset);
        uint32_t nameLen = len.u32();
        if (nameLen > len.remaining())
          len.failAt("custom section name of " + std::to_string(nameLen) + " bytes runs past the end of the section (" +
                         std::to_string(len.remaining()) + " bytes left)",
                     payloadOffset);
      }
      f.customName = n.name();
      f.customBodyOffset = n.offset();
      f.customBody = n.bytes(n.remaining());
    } else {
      int rank = orderRank(f.rec.id);
      if (rank == lastRank) c.failAt("duplicate " + std::string(sectionName(f.rec.id)) + " section", f.rec.offset);
      if (rank < lastRank)
        c.failAt(std::string(sectionName(f.rec.id)) + " section must come before the " + sectionName(lastId) + " section",
                 f.rec.offset);
      lastRank = rank;
      lastId = f.rec.id;
    }
    out.push_back(f);
  }
  return out;
}

// LLVM's wording for malformed LEBs, in ours.
// The function and code sections must agree on the number of functions (LLVM only says
// "invalid function count"). Checked on the framing, before LLVM parses the contents.
void checkFunctionCount(const std::vector<Framed> &secs) {
  const Framed *func = nullptr, *code = nullptr;
  for (auto &s : secs) {
    if (s.rec.id == SectionId::Function) func = &s;
    if (s.rec.id == SectionId::Code) code = &s;
  }
  uint32_t nFunc = 0, nCode = 0;
  uint64_t codeCountAt = 0;
  if (func) {
    Cursor c(func->payload, func->payloadOffset);
    nFunc = c.u32();
  }
  if (code) {
    Cursor c(code->payload, code->payloadOffset);
    codeCountAt = c.offset();
    nCode = c.u32();
  }
  if (nFunc == nCode) return;
  if (!code) throw Error("the function section declares " + std::to_string(nFunc) + " functions but there is no code section", func->rec.offset);
  throw Error("the code section has " + std::to_string(nCode) + (nCode == 1 ? " body" : " bodies") + " for " +
                  std::to_string(nFunc) + (nFunc == 1 ? " function" : " functions"),
              codeCountAt);
}

// Every entry of a vector section takes at least one byte: a count larger than the bytes
// left is malformed. Checked before LLVM sees the section, because LLVM reserves memory
// for COUNT entries up front (a 5-byte count could make it ask for hundreds of GiB).
void checkEntryCounts(const std::vector<Framed> &secs) {
  for (auto &s : secs) {
    switch (s.rec.id) {
    case SectionId::Custom:
    case SectionId::Start:
    case SectionId::DataCount: continue;
    default: break;
    }
    Cursor c(s.payload, s.payloadOffset);
    const uint64_t at = c.offset();
    uint32_t n = 0;
    try {
      n = c.u32();
    } catch (const Error &e) {
      throw Error(std::string("malformed ") + sectionName(s.rec.id) + " section: " + e.message(), e.offset());
    }
    if (n > c.remaining())
      throw Error(std::string("the ") + sectionName(s.rec.id) + " section claims " + std::to_string(n) + " entries in " +
                      std::to_string(c.remaining()) + " bytes",
                  at);
    if (s.rec.id != SectionId::Code) continue;
    // Each body's count of local declaration groups: LLVM reserves for it up front too.
    try {
      for (uint32_t k = 0; k < n; ++k) {
        uint32_t size = c.u32();
        const uint64_t bodyAt = c.offset();
        Cursor body(c.bytes(size), bodyAt);
        const uint64_t groupsAt = body.offset();
        uint32_t groups = body.u32();
        if (groups > body.remaining() / 2)
          throw Error("a function body claims " + std::to_string(groups) + " local declarations in " +
                          std::to_string(body.remaining()) + " bytes",
                      groupsAt);
      }
    } catch (const Error &e) {
      if (e.message().rfind("a function body claims", 0) == 0) throw;
      throw Error(std::string("malformed code section: ") + e.message(), e.offset());
    }
  }
}

std::string llvmMessage(std::string msg) {
  if (msg == "malformed uleb128, extends past end" || msg == "malformed sleb128, extends past end")
    return "truncated LEB128 value";
  if (msg == "uleb128 too big for uint64" || msg == "sleb128 too big for int64")
    return "LEB128 value too large for 64 bits";
  return msg;
}

// WasmObjectFile reports a malformed LEB (and a string, byte or float past the end of
// its section) with report_fatal_error, which aborts the process. A handler that throws
// turns that into an ordinary parse failure. libLLVM is built without exceptions, so the
// unwind skips the destructors of the half-built WasmObjectFile: what it had allocated
// (bounded by the input's size) leaks, once per malformed input, and nothing else is
// left inconsistent (report_fatal_error holds no lock while it calls the handler).
// Accepted and documented in docs/reliability.md; the sanitizer builds suppress exactly
// these leaks, below: allocations made by libLLVM's own code (its frames have no frame
// pointers, so the stack of such a leak ends inside libLLVM and is matched by module).
struct LlvmFatal {
  std::string what;
};
void installFatalHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::install_fatal_error_handler([](void *, const char *reason, bool) { throw LlvmFatal{reason}; });
  });
}

// Parses BYTES with LLVM; returns null and sets MSG on failure.
std::unique_ptr<llvm::object::WasmObjectFile> llvmParse(ByteView bytes, std::string &msg) {
  installFatalHandler();
  llvm::MemoryBufferRef ref(llvm::StringRef(reinterpret_cast<const char *>(bytes.data()), bytes.size()), "");
  try {
    llvm::Error err = llvm::Error::success();
    auto obj = std::make_unique<llvm::object::WasmObjectFile>(ref, err);
    if (err) {
      msg = llvmMessage(llvm::toString(std::move(err)));
      return nullptr;
    }
    return obj;
  } catch (const LlvmFatal &f) {
    msg = llvmMessage(f.what);
    return nullptr;
  }
}

// LLVM failed on the whole module: parse the module up to the end of the k-th standard
// section for growing k; the first prefix that fails ends with the section at fault.
// Only standard sections are tried: LLVM cannot fail on a custom section (the framing
// checked their names, and the ones LLVM would parse are masked, readModule), so a prefix
// ending in one fails exactly when the prefix ending in the standard section before it
// does. Each standard section appears at most once (the framing's order check), so this
// is at most 13 parses whatever the number of custom sections (a parse per section made
// 20,000 empty custom sections before a bad one take minutes).
[[noreturn]] void failWithLlvmError(ByteView bytes, const std::vector<Framed> &secs, const std::string &msg) {
  Bytes prefix(bytes.begin(), bytes.begin() + 8);
  for (auto &s : secs) {
    if (s.rec.id == SectionId::Custom) continue;
    size_t end = size_t(s.payloadOffset + s.payload.size());
    prefix.assign(bytes.begin(), bytes.begin() + end);
    std::string m;
    if (!llvmParse(prefix, m)) throw Error("malformed " + std::string(sectionName(s.rec.id)) + " section: " + msg, s.rec.offset);
  }
  throw Error("malformed module: " + msg, 0);
}

// The value types prelink models with one byte. LLVM hands global types over as raw bytes,
// so a typed reference (0x63/0x64 + heap type) would arrive without its heap type.
ValType fromLlvm(llvm::wasm::ValType t, uint64_t off) {
  uint8_t code = uint8_t(t);
  switch (code) {
  case ValType::I32: case ValType::I64: case ValType::F32: case ValType::F64: case ValType::V128:
  case ValType::FuncRef: case ValType::ExternRef: case ValType::ExnRef:
    return ValType{code, 0};
  default: {
    char b[8];
    std::snprintf(b, sizeof b, "0x%02x", unsigned(code));
    throw Error(std::string("value type ") + b + " is not supported (typed references and GC types are not)", off);
  }
  }
}

// LLVM 19 reads the limits flags it knows (max, shared, 64-bit) and ignores the rest, so
// a flag it does not know (0x08: custom page sizes) would be misread: refuse it here.
Limits limitsFromLlvm(const llvm::wasm::WasmLimits &l, uint64_t sectionOffset, const char *what) {
  if ((l.Flags & 0x02) && !(l.Flags & 0x01))
    throw Error(std::string("shared ") + what + " without a maximum size", sectionOffset);
  if (l.Flags & ~0x07u)
    throw Error(std::string(what) + " limits flags 0x" + [&] {
      char b[8];
      std::snprintf(b, sizeof b, "%02x", unsigned(l.Flags));
      return std::string(b);
    }() + " are not supported (only maximum, shared and 64-bit)", sectionOffset);
  Limits r;
  r.flags = l.Flags;
  r.min = l.Minimum;
  r.max = l.Maximum;
  return r;
}

// Length of the constant expression starting at the beginning of BYTES (through its end).
// Only constant instructions may appear (the spec's list, with extended-const's integer
// add/sub/mul, and GC's allocation of constants); anything else, a block opener above all,
// would make the expression's extent ambiguous.
bool isConstantInstr(const Instr &in) {
  if (in.prefix == kPrefixSimd) return in.op == 0x0c;                 // v128.const
  if (in.prefix == kPrefixGC) return in.op <= 0x08 || in.op == 0x1c || // struct/array.new*, ref.i31
                                     in.op == 0x1a || in.op == 0x1b;   // any/extern.convert
  if (in.prefix != 0) return false;
  switch (in.op) {
  case 0x0b:                                   // end
  case 0x23:                                   // global.get
  case 0x41: case 0x42: case 0x43: case 0x44: // t.const
  case 0xd0: case 0xd2:                        // ref.null, ref.func
  case 0x6a: case 0x6b: case 0x6c:             // i32.add/sub/mul
  case 0x7c: case 0x7d: case 0x7e:             // i64.add/sub/mul
    return true;
  default:
    return false;
  }
}

size_t constExprLength(ByteView bytes, uint64_t base) {
  InstrReader r = InstrReader::prefixOf(bytes, base);
  Instr in;
  while (r.next(in)) {
    if (!isConstantInstr(in)) {
      char b[16];
      std::snprintf(b, sizeof b, in.prefix ? "0x%02x 0x%02x" : "0x%02x", in.prefix ? unsigned(in.prefix) : unsigned(in.op),
                    unsigned(in.op));
      throw Error(std::string("opcode ") + b + " is not allowed in a constant expression", in.offset);
    }
  }
  return size_t(r.offset() - base);
}

ConstExpr readConstExpr(Cursor &c) {
  ByteView rest(c.ptr(), c.remaining());
  size_t n = constExprLength(rest, c.offset());
  ConstExpr e;
  e.offset = c.offset();
  e.bytes = c.bytes(n);
  return e;
}

ValType readRefType(Cursor &c) {
  uint64_t at = c.offset();
  uint8_t code = c.u8();
  if (code == 0x63 || code == 0x64) return ValType{code, c.sleb(33)};
  if (code != ValType::FuncRef && code != ValType::ExternRef && code != ValType::ExnRef && (code < 0x69 || code > 0x74))
    c.failAt("invalid reference type 0x" + [&] {
      char b[4];
      std::snprintf(b, sizeof b, "%02x", code);
      return std::string(b);
    }(), at);
  return ValType{code, 0};
}

void readElemSection(Cursor c, Module &m) {
  uint32_t n = c.u32();
  m.elems.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    ElemSegment s;
    uint64_t at = c.offset();
    s.flags = c.u32();
    if (s.flags > 7) c.failAt("invalid element segment flags " + std::to_string(s.flags), at);
    if (s.active()) {
      if (s.flags & 2) s.table = c.u32();
      s.offset = readConstExpr(c);
    }
    if (s.flags & 3) {
      if (s.usesExprs()) s.elemType = readRefType(c);
      else {
        s.elemKind = c.u8();
        if (s.elemKind != 0) c.fail("invalid element kind " + std::to_string(s.elemKind));
      }
    }
    uint32_t count = c.u32();
    if (count > c.remaining()) c.fail("element segment count " + std::to_string(count) + " exceeds the section size");
    // Function indices are checked here: LLVM does not check those of element segments.
    auto checkFunc = [&](uint32_t f, uint64_t off) {
      if (f >= m.numFuncs())
        c.failAt("element segment refers to function " + std::to_string(f) + " (the module has " +
                     std::to_string(m.numFuncs()) + ")",
                 off);
    };
    if (s.usesExprs()) {
      s.exprs.reserve(count);
      for (uint32_t k = 0; k < count; ++k) {
        s.exprs.push_back(readConstExpr(c));
        InstrReader r = InstrReader::prefixOf(s.exprs.back().bytes, s.exprs.back().offset);
        Instr in;
        if (r.next(in) && in.prefix == 0 && in.op == 0xd2) checkFunc(in.index, in.offset);
      }
    } else {
      s.funcs.reserve(count);
      for (uint32_t k = 0; k < count; ++k) {
        const uint64_t at = c.offset();
        s.funcs.push_back(c.u32());
        checkFunc(s.funcs.back(), at);
      }
    }
    m.elems.push_back(std::move(s));
  }
  if (!c.atEnd()) c.fail("trailing bytes at the end of the elem section");
}

void readDataSection(Cursor c, Module &m) {
  uint32_t n = c.u32();
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    uint64_t at = c.offset();
    d.flags = c.u32();
    if (d.flags > 2) c.failAt("invalid data segment flags " + std::to_string(d.flags), at);
    if (d.flags == 2) d.memory = c.u32();
    if (d.active()) d.offset = readConstExpr(c);
    uint32_t size = c.u32();
    d.bytesOffset = c.offset();
    d.bytes = c.bytes(size);
    m.datas.push_back(d);
  }
  if (!c.atEnd()) c.fail("trailing bytes at the end of the data section");
}

[[maybe_unused]] ConstExpr exprFromLlvm(const llvm::wasm::WasmInitExpr &e, ByteView file) {
  ConstExpr r;
  r.bytes = ByteView(e.Body.data(), e.Body.size());
  r.offset = uint64_t(e.Body.data() - file.data());
  return r;
}

} // namespace

// Sanitizer builds (PRELINK_SANITIZE / PRELINK_FUZZ): the one known leak above.
#ifdef PRELINK_SANITIZE
extern "C" const char *__lsan_default_suppressions() {
  return "leak:libLLVM.so\n";
}
// Keep the one-line error contract under the sanitizers: no suppression statistics.
extern "C" const char *__lsan_default_options() { return "print_suppressions=0"; }
#endif

Module readModule(ByteView bytes, const std::string &file, std::shared_ptr<const void> owner) {
  try {
    Module m;
    m.storage = std::move(owner);
    std::vector<Framed> secs = frameSections(bytes);

    // dylink.0 / dylink: must be the first section (DynamicLinking.md).
    for (size_t i = 0; i < secs.size(); ++i) {
      auto &s = secs[i];
      if (s.rec.id != SectionId::Custom) continue;
      bool legacy = s.customName == "dylink";
      if (s.customName != "dylink.0" && !legacy) continue;
      if (i != 0) throw Error("custom section \"" + std::string(s.customName) + "\" must be the first section", s.rec.offset);
      // Ours before LLVM's: LLVM stops at the first problem with a vaguer message and no offset.
      m.dylink = parseDylink(s.customBody, s.customBodyOffset, legacy);
    }
    checkFunctionCount(secs);
    checkEntryCounts(secs);

    // LLVM also parses some custom sections ("name", "linking", "reloc.*", "producers",
    // "target_features"; later LLVMs also "build_id") that we read ourselves or keep as
    // bytes; its name-section parser dereferences null on some malformed inputs (found by
    // fuzzing). So LLVM never sees them. It gets the module only up to the end of its last
    // standard section: LLVM cannot fail on a custom section it does not parse (the framing
    // checked every section's size and name), so what follows cannot change its result.
    // Only when one of those sections sits before the cut does LLVM get a copy of the
    // module up to it, with their names masked (one byte). dylink.0 (and legacy dylink) is
    // left as it is: ours, above, accepts it only when LLVM's parser does too (the same
    // fields, exact subsection ends, LEBs of at most 5 bytes against LLVM's 10, UTF-8
    // names), so LLVM cannot fail on it. Modules as wasm-ld writes them (dylink.0 first,
    // names and producers last) are never copied.
    size_t cut = 8;
    for (auto &s : secs)
      if (s.rec.id != SectionId::Custom) cut = size_t(s.payloadOffset + s.payload.size());
    Bytes masked;
    for (auto &s : secs) {
      if (s.rec.id != SectionId::Custom || s.customName.empty() || s.rec.offset >= cut) continue;
      std::string_view n = s.customName;
      if (n == "name" || n == "linking" || n.starts_with("reloc.") || n == "producers" || n == "target_features" ||
          n == "build_id") {
        if (masked.empty()) masked.assign(bytes.begin(), bytes.begin() + cut);
        masked[size_t(reinterpret_cast<const uint8_t *>(n.data()) - bytes.data())] = '_';
      }
    }
    ByteView llvmBytes = masked.empty() ? bytes.first(cut) : ByteView(masked);
    std::string msg;
    auto obj = llvmParse(llvmBytes, msg);
    if (!obj) failWithLlvmError(llvmBytes, secs, msg);
    if (obj->hasUnmodeledTypes())
      for (auto &s : secs)
        if (s.rec.id == SectionId::Type) throw Error("the type section uses GC or typed-reference types, which are not supported", s.rec.offset);

    // Section layout and custom sections.
    for (auto &s : secs) {
      SectionRecord rec = s.rec;
      if (s.rec.id == SectionId::Custom) {
        if (s.customName == "dylink.0" || s.customName == "dylink") {
          rec.customIndex = ~0u; // marks the dylink section
        } else {
          rec.customIndex = uint32_t(m.customs.size());
          m.customs.push_back(CustomSection{std::string(s.customName), s.customBody, s.customBodyOffset});
        }
      }
      m.layout.push_back(rec);
    }

    // Each standard section's offset, found in one pass (asked per type, table, global...).
    uint64_t sectionAt[14] = {};
    for (auto &s : secs)
      if (s.rec.id != SectionId::Custom && size_t(s.rec.id) < 14 && !sectionAt[size_t(s.rec.id)]) sectionAt[size_t(s.rec.id)] = s.rec.offset;
    auto secOffset = [&](SectionId id) -> uint64_t { return size_t(id) < 14 ? sectionAt[size_t(id)] : 0; };

    for (auto &sig : obj->types()) {
      FuncType t;
      for (auto v : sig.Params) t.params.push_back(fromLlvm(v, secOffset(SectionId::Type)));
      for (auto v : sig.Returns) t.results.push_back(fromLlvm(v, secOffset(SectionId::Type)));
      m.types.push_back(std::move(t));
    }
    const uint64_t importAt = secOffset(SectionId::Import);
    // LLVM does not check that names are UTF-8; its StringRefs point into BYTES.
    auto checkName = [&](llvm::StringRef n, const char *what) {
      if (!Cursor::validUtf8(std::string_view(n.data(), n.size())))
        throw Error(std::string(what) + " is not valid UTF-8", uint64_t(reinterpret_cast<const uint8_t *>(n.data()) - llvmBytes.data()));
    };
    for (auto &imp : obj->imports()) {
      checkName(imp.Module, "import module name");
      checkName(imp.Field, "import field name");
      Import i;
      i.module = imp.Module.str();
      i.field = imp.Field.str();
      i.kind = ExternKind(imp.Kind);
      switch (imp.Kind) {
      case llvm::wasm::WASM_EXTERNAL_FUNCTION: i.typeIndex = imp.SigIndex; break;
      case llvm::wasm::WASM_EXTERNAL_TABLE:
        i.table.elem = fromLlvm(imp.Table.ElemType, importAt);
        i.table.limits = limitsFromLlvm(imp.Table.Limits, importAt, "table");
        break;
      case llvm::wasm::WASM_EXTERNAL_MEMORY: i.memory = limitsFromLlvm(imp.Memory, importAt, "memory"); break;
      case llvm::wasm::WASM_EXTERNAL_GLOBAL:
        i.global.type = fromLlvm(llvm::wasm::ValType(imp.Global.Type), importAt);
        i.global.mut = imp.Global.Mutable;
        break;
      case llvm::wasm::WASM_EXTERNAL_TAG: i.tag.typeIndex = imp.SigIndex; break;
      default: throw Error("unknown import kind " + std::to_string(imp.Kind), importAt);
      }
      m.imports.push_back(std::move(i));
    }
    m.countImports();

    m.functions.reserve(obj->functions().size());
    for (auto &f : obj->functions()) {
      Function fn;
      fn.typeIndex = f.SigIndex;
      // CodeOffset is relative to the code section payload: the body with its locals.
      fn.bodyOffset = 0;
      m.functions.push_back(fn);
    }
    // Function bodies: locate them from the code section ourselves (size-prefixed
    // entries); LLVM has already checked counts and sizes.
    for (auto &s : secs) {
      if (s.rec.id != SectionId::Code) continue;
      Cursor c(s.payload, uint64_t(s.payload.data() - bytes.data()));
      uint32_t n = c.u32();
      if (n != m.functions.size()) c.fail("code section has " + std::to_string(n) + " bodies for " + std::to_string(m.functions.size()) + " functions");
      for (uint32_t k = 0; k < n; ++k) {
        uint32_t size = c.u32();
        m.functions[k].bodyOffset = c.offset();
        m.functions[k].body = c.bytes(size);
      }
    }
    for (auto &t : obj->tables()) {
      Table tb;
      tb.type.elem = fromLlvm(t.Type.ElemType, secOffset(SectionId::Table));
      tb.type.limits = limitsFromLlvm(t.Type.Limits, secOffset(SectionId::Table), "table");
      m.tables.push_back(tb);
    }
    for (auto &l : obj->memories()) m.memories.push_back(limitsFromLlvm(l, secOffset(SectionId::Memory), "memory"));
    for (auto &t : obj->tags()) m.tags.push_back(TagType{0, t.SigIndex});
    // LLVM keeps the raw bytes of extended initialisers only; it records where each global
    // definition starts in the section, so take the initialiser's bytes from there.
    const Framed *globalSec = nullptr;
    for (auto &s : secs)
      if (s.rec.id == SectionId::Global) globalSec = &s;
    for (auto &g : obj->globals()) {
      Global gl;
      gl.type.type = fromLlvm(llvm::wasm::ValType(g.Type.Type), secOffset(SectionId::Global));
      gl.type.mut = g.Type.Mutable;
      const uint64_t secStart = uint64_t(globalSec->payload.data() - bytes.data());
      Cursor c(globalSec->payload.subspan(g.Offset + 2), secStart + g.Offset + 2);
      gl.init = readConstExpr(c);
      m.globals.push_back(gl);
    }
    for (auto &e : obj->exports()) checkName(e.Name, "export name");
    for (auto &e : obj->exports()) m.exports.push_back(Export{e.Name.str(), ExternKind(e.Kind), e.Index});
    for (auto &s : secs)
      if (s.rec.id == SectionId::Start) m.start = obj->startFunction();
    for (auto &s : secs) {
      if (s.rec.id == SectionId::Elem) readElemSection(Cursor(s.payload, uint64_t(s.payload.data() - bytes.data())), m);
      if (s.rec.id == SectionId::DataCount) m.dataCount = Cursor(s.payload, uint64_t(s.payload.data() - bytes.data())).u32();
    }
    // Data segments: LLVM has validated them; we decode the headers again to keep the
    // exact bytes of each offset expression.
    for (auto &s : secs)
      if (s.rec.id == SectionId::Data) readDataSection(Cursor(s.payload, uint64_t(s.payload.data() - bytes.data())), m);
    if (m.datas.size() != obj->dataSegments().size()) throw Error("data segment count mismatch", secOffset(SectionId::Data));
    return m;
  } catch (const Error &e) {
    throw e.withFile(file);
  }
}

Module readModuleFile(const std::string &path) {
  auto buf = loadFile(path, nullptr, true);
  ByteView view(*buf);
  return readModule(view, path, buf);
}

} // namespace wasmobj
