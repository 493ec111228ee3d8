// Stages 2-4: memory and table layout, import resolution, output index spaces.
#include <algorithm>
#include <unordered_set>

#include "linker.h"

namespace wasmobj::linking {

// Each library's memory and table base from libs[FIRST] on, in load order, at its dylink.0
// alignment (at least 2^MINALIGN), from CURSOR and TCURSOR on (both advanced past the last
// library).
void Linker::placeLibraries(uint64_t &cursor, uint64_t &tcursor, size_t first, uint32_t minAlign) {
  for (size_t li = first; li < libs.size(); ++li) {
    Library &L = libs[li];
    const Dylink &d = *L.mod.dylink;
    L.memAlign = d.memoryAlign;
    L.memSize = d.memorySize;
    // Checked before each addition, so neither cursor can wrap whatever the limits are.
    cursor = alignUp(cursor, std::max(d.memoryAlign, minAlign));
    tcursor = alignUp(tcursor, d.tableAlign);
    if (cursor > cfg.maxMemory || d.memorySize > cfg.maxMemory - cursor)
      throw Error("the libraries need more than " + std::to_string(cfg.maxMemory) + " bytes of memory (--max-memory)", Error::kNoOffset, L.path);
    if (tcursor > cfg.maxTableSize || d.tableSize > cfg.maxTableSize - tcursor)
      throw Error("the libraries need more than " + std::to_string(cfg.maxTableSize) + " table slots (--max-table-size)", Error::kNoOffset, L.path);
    L.memBase = cursor;
    cursor += d.memorySize;
    L.tableBase = uint32_t(tcursor);
    L.tableSize = d.tableSize;
    tcursor += d.tableSize;
  }
}

// The numeric options, before anything is read: with memory at most 4 GiB, a table of
// at most 2^32 - 1 slots and a stack no larger than the memory, every layout value below
// is a sum of a few 32-bit quantities and cannot wrap in 64 bits.
void Linker::checkLimits() const {
  const uint64_t kMaxMemory = uint64_t(1) << 32, kMaxTable = 0xffffffffu;
  if (cfg.maxMemory > kMaxMemory)
    throw Error("--max-memory " + std::to_string(cfg.maxMemory) + " is over " + std::to_string(kMaxMemory) +
                " (4 GiB, all that wasm32 addresses)");
  if (cfg.maxTableSize > kMaxTable)
    throw Error("--max-table-size " + std::to_string(cfg.maxTableSize) + " is over " + std::to_string(kMaxTable) +
                " (a table index has 32 bits)");
  if (cfg.stackSizeSet && cfg.stackSize >= cfg.maxMemory)
    throw Error("--stack-size " + std::to_string(cfg.stackSize) + " must be less than --max-memory (" + std::to_string(cfg.maxMemory) +
                " bytes)");
}

// The whole layout within the limits: placeLibraries checks each library, this the end
// of the memory (stack, libraries, libdl's table) and of the table. The end is itself an
// address (__heap_base, the stack pointer): it must be below 2^32 to fit an i32.
void Linker::checkLayout(uint64_t memEnd, uint64_t tableEnd) const {
  const uint64_t limit = std::min(cfg.maxMemory, (uint64_t(1) << 32) - 1);
  if (memEnd > limit)
    throw Error("the linked program needs " + std::to_string(memEnd) + " bytes of memory before its heap, more than the " +
                    std::to_string(limit) + " --max-memory and wasm32 allow",
                Error::kNoOffset, libs[0].path);
  if (tableEnd > cfg.maxTableSize)
    throw Error("the linked program needs more than " + std::to_string(cfg.maxTableSize) + " table slots (--max-table-size)",
                Error::kNoOffset, libs[0].path);
}

void Linker::layoutMemoryAndTable() {
  host->layout(*this);
  checkLayout(std::max(heapBase, dataEnd), tableSize);
}

const Limits *Linker::mainMemoryLimits() const {
  const Module &M = libs[0].mod;
  for (auto &i : M.imports)
    if (i.kind == ExternKind::Memory) return &i.memory;
  return M.memories.empty() ? nullptr : &M.memories[0];
}

void Linker::placeDataEnd(uint64_t cursor) {
  if (hasLibdl) {
    dlTableBase = alignUp(cursor, 4);
    cursor = dlTableBase + dlTableSize;
  }
  if (sharedMemory()) {
    // The flag of the start function's one-time part (every thread instantiates the module).
    onceFlag = alignUp(cursor, 4);
    cursor = onceFlag + 4;
    for (auto &L : libs)
      if (!L.global) L.initFlag = cursor, cursor += 4; // and one per dlopen-only library
  }
  dataEnd = cursor;
  heapBase = alignUp(cursor, 4);
}

void Linker::sizeMemoryFromMain() {
  uint64_t pages = (heapBase + 65535) / 65536;
  const Module &M = libs[0].mod;
  const Import *mi = nullptr;
  for (auto &i : M.imports)
    if (i.kind == ExternKind::Memory) mi = &i;
  uint64_t declared = mi ? mi->memory.min : (M.memories.empty() ? 0 : M.memories[0].min);
  pages = std::max(pages, declared);
  const Limits *lim = mi ? &mi->memory : (M.memories.empty() ? nullptr : &M.memories[0]);
  if (lim && lim->hasMax() && lim->max < pages)
    throw Error("the linked program needs " + std::to_string(pages) + " pages of memory but the main module allows at most " +
                    std::to_string(lim->max),
                Error::kNoOffset, libs[0].path);
  if (pages > 65536) throw Error("the linked program needs more than 4 GiB of memory", Error::kNoOffset, libs[0].path);
  memoryPages = pages;
  heapEnd = pages * 65536;
}

bool Linker::isDataExport(const Library &L, const Export &e) const {
  if (e.kind != ExternKind::Global) return false;
  GlobalType t = L.mod.globalType(e.index);
  return t.type == ValType::i32() && !t.mut && e.index >= L.mod.numImportedGlobals;
}

std::optional<int64_t> exportedConstant(const Module &m, const char *name, uint32_t *globalIndex) {
  const Export *e = m.findExport(name);
  if (!e || e->kind != ExternKind::Global || e->index < m.numImportedGlobals) return std::nullopt;
  const Global &g = m.globals[e->index - m.numImportedGlobals];
  InstrReader r(g.init.bytes, g.init.offset);
  Instr in;
  if (!r.next(in) || in.op != 0x41 || in.prefix != 0) return std::nullopt;
  if (globalIndex) *globalIndex = e->index;
  return int64_t(uint32_t(in.value));
}

// A data symbol's address: exported globals of a PIC module hold offsets relative to its
// __memory_base, unless their initialiser already adds __memory_base itself.
int64_t Linker::dataAddress(const Library &L, const Export &e) const {
  const Global &g = L.mod.globals[e.index - L.mod.numImportedGlobals];
  InstrReader r(g.init.bytes, g.init.offset);
  Instr in;
  bool usesBase = false;
  while (r.next(in))
    if (in.shape == ImmShape::GlobalGet) usesBase = true;
  auto v = evalConstExpr(L, g.init);
  if (!v) throw Error("cannot evaluate the address of data symbol " + e.name, g.init.offset, L.path);
  return usesBase ? *v : *v + int64_t(L.memBase);
}

// The function whose address a function export stands for: emcc's i64 legalization
// exports the JS-facing wrapper as X and the real function as orig$X, and its loader gives
// GOT.func.X and dlsym(X) the address of orig$X (libdylink.js, updateGOT), so a pointer
// keeps the real signature (vtables, callbacks). Module-local function index.
uint32_t Linker::addressedFunction(const Library &L, const Export &e) const {
  if (e.kind != ExternKind::Func || !L.origExports || e.name.rfind("orig$", 0) == 0) return e.index;
  auto it = L.exportIndex.find("orig$" + e.name);
  if (it == L.exportIndex.end()) return e.index;
  const Export &o = L.mod.exports[it->second];
  return o.kind == ExternKind::Func ? o.index : e.index;
}

uint32_t Linker::internType(const FuncType &t) {
  // The key: each value type's code (and the heap type of a reference type after it),
  // 0xFF between the parameters and the results (no value type's code).
  std::string key;
  auto add = [&](const ValType &v) {
    key += char(v.code);
    if (v.code == 0x63 || v.code == 0x64) key.append(reinterpret_cast<const char *>(&v.heap), sizeof v.heap);
  };
  for (auto &p : t.params) add(p);
  key += '\xff';
  for (auto &p : t.results) add(p);
  auto [it, inserted] = typeIndexByKey.emplace(key, uint32_t(types.size()));
  if (inserted) types.push_back(t);
  return it->second;
}

// Identity of an import: kind, module and field (the module's length first, so no two
// (module, field) pairs share a key whatever bytes the names hold).
static std::string importKey(ExternKind kind, std::string_view module, std::string_view field) {
  std::string k = std::to_string(int(kind)) + ":" + std::to_string(module.size()) + ":";
  k += module;
  k += field;
  return k;
}

static std::string globalTypeText(const GlobalType &g) { return std::string(g.mut ? "a mutable " : "an immutable ") + g.type.str() + " global"; }
static std::string tableTypeText(const TableType &t) { return t.elem.str() + (t.limits.is64() ? " table64" : " table"); }

void Linker::resolveImports() {
  const Module &M = libs[0].mod;
  // The main's imports, by kind + module + field, and its env functions by field (the last
  // one of a name, as the scan this replaces found): built once, not scanned per import.
  // Views of the main's import names (they live as long as the link).
  struct ImportName {
    ExternKind kind;
    std::string_view module, field;
    bool operator==(const ImportName &) const = default;
  };
  struct ImportNameHash {
    size_t operator()(const ImportName &n) const {
      const std::hash<std::string_view> h;
      return h(n.module) * 31 + h(n.field) * 7 + size_t(n.kind);
    }
  };
  std::unordered_set<ImportName, ImportNameHash> mainImportKeys;
  std::unordered_map<std::string_view, const Import *> mainEnvFuncs;
  for (auto &m : M.imports) {
    mainImportKeys.insert({m.kind, m.module, m.field});
    if (m.kind == ExternKind::Func && m.module == "env") mainEnvFuncs[m.field] = &m;
  }
  auto mainImports = [&](const Import &i) { return mainImportKeys.count({i.kind, i.module, i.field}) > 0; };
  // What the global scope imports, its host must give (or the replaced libraries could
  // not have loaded either): with --host-module, also counted as what the host provides.
  std::unordered_set<std::string> globalImports;
  if (hostKnown)
    for (auto &L : libs)
      if (L.global)
        for (auto &i : L.mod.imports) globalImports.insert(i.field);
  // What a symbol that is not a function is, for the errors that say so.
  auto definedAs = [&](const Library &D, const Export &e) -> std::string {
    return isDataExport(D, e) ? "data symbol" : externKindName(e.kind);
  };
  // A GOT entry the output's loader fills (Host::gotThroughLoader): for a symbol of the
  // global scope, which the output exports; not for prelink's libdl (private) nor for a
  // definition only a dlopen-only library's local scope holds (not exported).
  auto viaLoader = [&](const std::string &name, const Sym &s) {
    if (!host->gotThroughLoader() || libs[s.lib].isLibdl) return false;
    return globalSyms.find(name) == &s;
  };
  for (int li = 0; li < int(libs.size()); ++li) {
    Library &L = libs[li];
    L.imports.resize(L.mod.imports.size());
    const auto importFlags = L.mod.dylink->importFlagsByField();
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      const Import &imp = L.mod.imports[ii];
      Resolution &r = L.imports[ii];
      const auto flags = importFlags.find(imp.field);
      const bool weak = flags != importFlags.end() && (flags->second & kSymBindingWeak);
      auto undefined = [&](const char *what) {
        if (host->keepsUndefinedImports()) {
          // A bundle keeps what it does not define as an import for its loader; but what
          // a dlopen-only member needs and the host cannot give (--host-module) would make
          // the host refuse the whole bundle: the member is left to the host's dlopen and
          // its import becomes a trap (functions) or 0.
          if (hostKnown && !L.global && !weak && !hostProvides.count(imp.field) && !globalImports.count(imp.field)) {
            if (L.unloadable.empty()) L.unloadable = imp.field;
            if (imp.kind == ExternKind::Func) {
              r.kind = Resolution::Stub;
              r.hostName = imp.field;
            }
            return;
          }
          r.kind = Resolution::Host;
          return;
        }
        if (weak) return;
        if (importUndefined()) {
          r.kind = Resolution::Host;
          return;
        }
        if (cfg.unresolved == LinkConfig::Unresolved::IgnoreAll) {
          // --unresolved-symbols=ignore-all: a function traps when called (named after
          // the symbol), data and globals are 0 (the callers' default).
          if (imp.kind == ExternKind::Func) {
            r.kind = Resolution::Stub;
            r.hostName = imp.field;
          }
          return;
        }
        undefinedErrors.push_back(L.path + ": undefined symbol: " + imp.field + " (" + what + ")");
        r.kind = Resolution::Host;
      };
      switch (imp.kind) {
      case ExternKind::Memory:
        r.kind = Resolution::Memory;
        break;
      case ExternKind::Table:
        r.kind = imp.table.elem == ValType{ValType::FuncRef, 0} && imp.module == "env" ? Resolution::Table : Resolution::Host;
        break;
      case ExternKind::Tag: {
        const Sym *s = imp.module == "env" ? lookup(imp.field, li) : nullptr;
        if (s && libs[s->lib].mod.exports[s->exportIdx].kind == ExternKind::Tag) {
          r = Resolution::make(Resolution::Def, s->lib, libs[s->lib].mod.exports[s->exportIdx].index, 0);
        } else {
          r.kind = Resolution::Host;
        }
        break;
      }
      case ExternKind::Global: {
        if (imp.module == "env" && imp.field == "__memory_base") {
          r = Resolution::make(Resolution::Const, -1, 0, int64_t(L.memBase));
          r.reloc = Resolution::RelocMemory;
        } else if (imp.module == "env" && imp.field == "__table_base") {
          r = Resolution::make(Resolution::Const, -1, 0, int64_t(L.tableBase));
          r.reloc = Resolution::RelocTable;
        } else if (imp.module == "env" && imp.field == "__stack_pointer") {
          r.kind = Resolution::StackPtr;
        } else if (imp.module == "GOT.mem") {
          if (imp.global.type != ValType::i32() || !imp.global.mut)
            throw Error("GOT.mem." + imp.field + " must be a mutable i32 global", Error::kNoOffset, L.path);
          const Sym *s = lookup(imp.field, li);
          if (s) {
            const Library &D = libs[s->lib];
            const Export &e = D.mod.exports[s->exportIdx];
            if (!isDataExport(D, e))
              throw Error("symbol " + imp.field + " is imported as data (GOT.mem) but " + D.name + " defines it as a " +
                              externKindName(e.kind),
                          Error::kNoOffset, L.path);
            // The address, or the loader's answer (Host::gotThroughLoader); a thread-local
            // symbol's address is the calling thread's (its export holds the offset).
            if (D.tlsExports.count(imp.field)) {
              if (cfg.shared) throw Error("thread-local symbol " + imp.field + ": thread-local storage in a bundle (--shared) is not supported", Error::kNoOffset, L.path);
              auto v = evalConstExpr(D, D.mod.globals[e.index - D.mod.numImportedGlobals].init);
              if (!v) throw Error("cannot evaluate the offset of thread-local symbol " + imp.field, Error::kNoOffset, D.path);
              r = Resolution::make(Resolution::TlsGot, s->lib, 0, *v);
            } else if (viaLoader(imp.field, *s)) {
              r.kind = Resolution::Host;
            } else {
              r = Resolution::make(Resolution::Const, -1, 0, dataAddress(D, e));
              r.reloc = Resolution::RelocMemory;
            }
          } else if (auto v = host->linkerDefinedData(*this, imp.field, L)) {
            r = Resolution::make(Resolution::Const, -1, 0, *v);
            r.reloc = Resolution::RelocMemory;
          } else if (host->resolveUnlinked(*this, L, imp, r)) {
          } else {
            undefined("data");
          }
          if (r.kind == Resolution::Unset) r = Resolution::make(Resolution::Const, -1, 0, 0); // undefined weak: 0
        } else if (imp.module == "GOT.func") {
          if (imp.global.type != ValType::i32() || !imp.global.mut)
            throw Error("GOT.func." + imp.field + " must be a mutable i32 global", Error::kNoOffset, L.path);
          const Sym *s = lookup(imp.field, li);
          if (s) {
            const Library &D = libs[s->lib];
            const Export &e = D.mod.exports[s->exportIdx];
            if (e.kind != ExternKind::Func)
              throw Error("symbol " + imp.field + " is imported as a function (GOT.func) but " + D.name + " defines it as a " +
                              definedAs(D, e),
                          Error::kNoOffset, L.path);
            // Becomes the function's table slot once slots are assigned, or the loader's.
            if (viaLoader(imp.field, *s)) r.kind = Resolution::Host;
            else r = Resolution::make(Resolution::Def, s->lib, addressedFunction(D, e), 0);
          } else if (host->resolveUnlinked(*this, L, imp, r)) {
          } else {
            undefined("function address");
            if (r.kind == Resolution::Unset) r = Resolution::make(Resolution::Const, -1, 0, 0);
          }
        } else {
          const Sym *s = imp.module == "env" ? lookup(imp.field, li) : nullptr;
          std::optional<int64_t> synth = imp.module == "env" && !imp.global.mut ? host->linkerDefinedData(*this, imp.field, L) : std::nullopt;
          if (s && libs[s->lib].mod.exports[s->exportIdx].kind == ExternKind::Global) {
            const Library &D = libs[s->lib];
            const Export &e = D.mod.exports[s->exportIdx];
            GlobalType t = D.mod.globalType(e.index);
            if (t.type != imp.global.type || t.mut != imp.global.mut)
              throw Error("global " + imp.field + " has a different type in " + D.name, Error::kNoOffset, L.path);
            if (isDataExport(D, e)) {
              r = Resolution::make(Resolution::Const, -1, 0, dataAddress(D, e));
              r.reloc = Resolution::RelocMemory;
            }
            else r = Resolution::make(Resolution::Def, s->lib, e.index, 0);
          } else if (synth) {
            r = Resolution::make(Resolution::Const, -1, 0, *synth);
            r.reloc = Resolution::RelocMemory;
          } else if (L.isMain || mainImports(imp) || imp.module != "env") {
            r.kind = Resolution::Host;
          } else {
            undefined("global");
            if (r.kind == Resolution::Unset) r = Resolution::make(Resolution::Const, -1, 0, 0);
          }
        }
        break;
      }
      case ExternKind::Func: {
        if (L.isLibdl && imp.module == "env" && imp.field.rfind("__prelink_host_", 0) == 0) {
          // libdl's way to the host's own dl function: the import the main module had.
          std::string real = imp.field.substr(15);
          auto hi = mainEnvFuncs.find(real);
          const Import *hostImp = hi == mainEnvFuncs.end() ? nullptr : hi->second;
          if (hostImp && M.types.at(hostImp->typeIndex) == L.mod.types.at(imp.typeIndex)) {
            r.kind = Resolution::Host;
            r.hostName = real;
            for (auto &h : kHostDlFunctions)
              if (real == h.name) hostDlFlags |= h.flag;
          } else {
            r.kind = Resolution::Stub; // never called: the table's flags say it is absent
          }
          break;
        }
        const Sym *s = imp.module == "env" ? lookup(imp.field, li) : nullptr;
        if (s) {
          const Library &D = libs[s->lib];
          const Export &e = D.mod.exports[s->exportIdx];
          if (e.kind != ExternKind::Func)
            throw Error("symbol " + imp.field + " is imported as a function but " + D.name + " defines it as a " + definedAs(D, e),
                        Error::kNoOffset, L.path);
          const FuncType &want = L.mod.types.at(imp.typeIndex);
          const FuncType &have = D.mod.types.at(D.mod.funcTypeIndex(e.index));
          if (!(want == have))
            throw Error("signature mismatch for " + imp.field + ": " + L.name + " imports it as " + want.str() + " but " + D.name +
                            " defines it as " + have.str(),
                        Error::kNoOffset, L.path);
          r = Resolution::make(Resolution::Def, s->lib, e.index, 0);
        } else if (weak && imp.module == "env" && !host->keepsUndefinedImports()) {
          r.kind = Resolution::Stub;
        } else if (L.isMain || mainImports(imp) || imp.module != "env") {
          r.kind = Resolution::Host;
        } else if (host->resolveUnlinked(*this, L, imp, r)) {
        } else {
          undefined("function");
        }
        break;
      }
      }
    }
  }
  if (!undefinedErrors.empty()) {
    std::string msg = undefinedErrors[0];
    if (undefinedErrors.size() > 1)
      msg += " (and " + std::to_string(undefinedErrors.size() - 1) + " more undefined symbol" +
             (undefinedErrors.size() > 2 ? "s" : "") + ": ";
    // The line names at most --error-limit symbols (0: all of them).
    const size_t limit = cfg.errorLimit ? cfg.errorLimit : undefinedErrors.size();
    for (size_t i = 1; i < undefinedErrors.size() && i < limit; ++i) {
      auto &u = undefinedErrors[i];
      auto p = u.find("undefined symbol: ");
      msg += (i > 1 ? ", " : "") + u.substr(p + 18, u.find(" (", p) - p - 18);
    }
    if (undefinedErrors.size() > 1) msg += undefinedErrors.size() > limit ? ", ...; --error-limit=0 names all)" : ")";
    throw Error(msg);
  }
  checkImportTypes();
}

// Every import that resolved to something inside the output must fit what it became, or
// the merged code would not validate (an i64 __stack_pointer, a memory64 import, ...):
// one pass over all imports, after resolution, whatever path each took there.
void Linker::checkImportTypes() const {
  const Module &M = libs[0].mod;
  const Limits *mainMemory = mainMemoryLimits();
  if (mainMemory && mainMemory->is64()) throw Error("the main module's memory is a memory64: not supported", Error::kNoOffset, libs[0].path);
  for (auto &t : M.tables)
    if (t.type.elem == ValType{ValType::FuncRef, 0} && t.type.limits.is64())
      throw Error("the main module's function table is a table64: not supported", Error::kNoOffset, libs[0].path);
  const GlobalType i32Const{ValType::i32(), false}, i32Mut{ValType::i32(), true};
  for (const Library &L : libs)
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      const Import &imp = L.mod.imports[ii];
      const Resolution &r = L.imports[ii];
      auto fail = [&](const std::string &what) { throw Error("import " + imp.module + "." + imp.field + " " + what, Error::kNoOffset, L.path); };
      switch (imp.kind) {
      case ExternKind::Global: {
        const GlobalType &t = imp.global;
        const bool got = imp.module == "GOT.mem" || imp.module == "GOT.func";
        if (r.kind == Resolution::StackPtr && !(t == i32Mut))
          fail("is " + globalTypeText(t) + ", but the stack pointer is a mutable i32 global");
        if ((r.kind == Resolution::Const || r.kind == Resolution::GlueFunc) && !(t == (got ? i32Mut : i32Const)))
          fail("is " + globalTypeText(t) + ", but it resolves to a constant i32 (" +
               (got ? "a GOT entry is a mutable i32 global" : "an address or a base is an immutable i32 global") + ")");
        if (r.kind == Resolution::Def && !got) {
          GlobalType d = libs[r.lib].mod.globalType(r.index);
          if (!(d == t)) fail("is " + globalTypeText(t) + ", but " + libs[r.lib].name + " defines " + globalTypeText(d));
        }
        break;
      }
      case ExternKind::Memory:
        if (imp.memory.is64()) fail("is a memory64: not supported");
        if (mainMemory && imp.memory.shared() != mainMemory->shared())
          fail(std::string("is a ") + (imp.memory.shared() ? "shared" : "non-shared") + " memory, but the main module's memory is " +
               (mainMemory->shared() ? "shared" : "not shared"));
        if (!cfg.shared && imp.memory.min > memoryPages)
          fail("needs at least " + std::to_string(imp.memory.min) + " pages of memory, but the linked memory has " +
               std::to_string(memoryPages));
        break;
      case ExternKind::Table:
        if (imp.table.limits.is64()) fail("is a table64: not supported");
        break;
      case ExternKind::Tag:
        if (r.kind == Resolution::Def) {
          const Module &D = libs[r.lib].mod;
          const Import *di = D.importOf(ExternKind::Tag, r.index);
          uint32_t dt = di ? di->tag.typeIndex : D.tags.at(r.index - D.numImportedTags).typeIndex;
          const FuncType &want = L.mod.types.at(imp.tag.typeIndex), &have = D.types.at(dt);
          if (!(want == have)) fail("is a tag of type " + want.str() + ", but " + libs[r.lib].name + " defines it as " + have.str());
        }
        break;
      case ExternKind::Func:
        break; // signatures are checked where they resolve (signature mismatch)
      }
    }
}


void Linker::assignIndices() {
  const Module &M = libs[0].mod;
  bool mainImportsMemory = false, mainImportsTable = false;
  for (auto &i : M.imports) {
    if (i.kind == ExternKind::Memory) mainImportsMemory = true;
    if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) mainImportsTable = true;
  }
  // Output imports: memory and table as the main imported them, the stack pointer when
  // asked, then host imports in the order they are first met (main first).
  // One output import per kind + module + field (a hash map: the scan it replaces made 40,000
  // host imports take seconds). Two imports of one name must agree on its type, since the
  // output has one import for both; FILE names the input of the second (empty: prelink's own).
  std::unordered_map<std::string, size_t> hostByKey;
  uint32_t numHostTables = 0;
  std::string hostFile;
  auto addHost = [&](const Import &imp) -> uint32_t {
    auto [it, inserted] = hostByKey.emplace(importKey(imp.kind, imp.module, imp.field), hostImports.size());
    if (!inserted) {
      const Import &h = hostImports[it->second].imp;
      std::string first, second;
      switch (imp.kind) {
      case ExternKind::Func:
        if (!(types[h.typeIndex] == types[imp.typeIndex])) first = types[h.typeIndex].str(), second = types[imp.typeIndex].str();
        break;
      case ExternKind::Global:
        if (!(h.global == imp.global)) first = globalTypeText(h.global), second = globalTypeText(imp.global);
        break;
      case ExternKind::Table:
        if (h.table.elem != imp.table.elem || h.table.limits.is64() != imp.table.limits.is64())
          first = tableTypeText(h.table), second = tableTypeText(imp.table);
        break;
      case ExternKind::Tag:
        if (!(types[h.tag.typeIndex] == types[imp.tag.typeIndex])) first = types[h.tag.typeIndex].str(), second = types[imp.tag.typeIndex].str();
        break;
      case ExternKind::Memory: break;
      }
      if (!first.empty())
        throw Error("host " + std::string(externKindName(imp.kind)) + " " + imp.module + "." + imp.field +
                        " is imported with two different types: " + first + " and " + second,
                    Error::kNoOffset, hostFile);
      return hostImports[it->second].outIndex;
    }
    HostImport h{imp, 0};
    switch (imp.kind) {
    case ExternKind::Func: h.outIndex = numHostFuncs++; break;
    case ExternKind::Global: h.outIndex = numHostGlobals++; break;
    case ExternKind::Tag: h.outIndex = numHostTags++; break;
    case ExternKind::Table: h.outIndex = 1 + numHostTables++; break;
    case ExternKind::Memory: throw Error("a second imported memory is not supported", Error::kNoOffset, libs[0].path);
    }
    hostImports.push_back(h);
    return h.outIndex;
  };

  for (auto &L : libs) {
    L.typeMap.resize(L.mod.types.size());
    for (size_t t = 0; t < L.mod.types.size(); ++t) L.typeMap[t] = internType(L.mod.types[t]);
  }
  if (host->relocatableOutput()) mainImportsMemory = mainImportsTable = true;
  host->addOutputImports(*this, addHost);
  // Host imports per library, with their type indices in the output's type space.
  std::vector<std::vector<uint32_t>> hostIndex(libs.size());
  for (size_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    hostFile = L.path;
    hostIndex[li].assign(L.mod.imports.size(), 0);
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      if (L.imports[ii].kind != Resolution::Host) continue;
      Import imp = L.mod.imports[ii];
      if (!L.imports[ii].hostName.empty()) imp.field = L.imports[ii].hostName;
      if (imp.kind == ExternKind::Func || imp.kind == ExternKind::Tag) {
        uint32_t &ti = imp.kind == ExternKind::Func ? imp.typeIndex : imp.tag.typeIndex;
        ti = L.typeMap.at(ti);
      }
      if (imp.kind == ExternKind::Table && imp.table.elem.code >= 0x63 && imp.table.elem.code <= 0x64)
        throw Error("typed-reference tables are not supported", Error::kNoOffset, L.path);
      hostIndex[li][ii] = addHost(imp);
    }
  }
  // Function index space: host imports, every library's functions in load order, stubs.
  uint32_t next = numHostFuncs;
  for (auto &L : libs) {
    L.funcMap.assign(L.mod.numFuncs(), 0);
    L.funcBase = next;
    for (uint32_t f = 0; f < L.mod.functions.size(); ++f) L.funcMap[L.mod.numImportedFuncs + f] = next++;
  }
  std::unordered_map<uint32_t, uint32_t> stubByType;
  std::map<std::pair<uint32_t, std::string>, uint32_t> namedStubs;
  std::vector<uint32_t> stubTypes;
  // Imported functions: resolutions may chain through re-exported imports; iterate.
  for (int pass = 0; pass < 2; ++pass)
    for (size_t li = 0; li < libs.size(); ++li) {
      Library &L = libs[li];
      uint32_t f = 0;
      for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
        if (L.mod.imports[ii].kind != ExternKind::Func) continue;
        const Resolution &r = L.imports[ii];
        switch (r.kind) {
        case Resolution::Host: L.funcMap[f] = hostIndex[li][ii]; break;
        case Resolution::Def: L.funcMap[f] = libs[r.lib].funcMap[r.index]; break;
        case Resolution::Stub: {
          uint32_t t = L.typeMap[L.mod.imports[ii].typeIndex];
          if (!r.hostName.empty()) {
            // A function nothing provides: a stub of its own, named after it.
            auto [it, inserted] = namedStubs.emplace(std::make_pair(t, r.hostName), 0);
            if (inserted) {
              it->second = next++;
              stubTypes.push_back(t);
              stubNames.emplace_back(it->second, "undefined:" + r.hostName);
            }
            L.funcMap[f] = it->second;
            break;
          }
          auto [it, inserted] = stubByType.emplace(t, 0);
          if (inserted) {
            it->second = next++;
            stubTypes.push_back(t);
            stubNames.emplace_back(it->second, "undefined_weak:" + types[t].str());
          }
          L.funcMap[f] = it->second;
          break;
        }
        default: break;
        }
        ++f;
      }
    }
  // Chains longer than two re-exports are resolved by repeating until stable; a chain
  // cannot be longer than the number of libraries, unless it is a cycle.
  size_t passes = 0;
  for (bool changed = true; changed;) {
    if (++passes > libs.size() + 2)
      throw Error("functions re-exported in a cycle between libraries: no library defines them");
    changed = false;
    for (auto &L : libs) {
      uint32_t f = 0;
      for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
        if (L.mod.imports[ii].kind != ExternKind::Func) continue;
        const Resolution &r = L.imports[ii];
        if (r.kind == Resolution::Def && L.funcMap[f] != libs[r.lib].funcMap[r.index]) {
          L.funcMap[f] = libs[r.lib].funcMap[r.index];
          changed = true;
        }
        ++f;
      }
    }
  }
  // Synthetic functions come after the stubs: start, __wasm_call_ctors, library inits.
  startFuncIndex = next++;
  if (host->relocatableOutput()) {
    relocsFuncIndex = next++;
    trapFuncIndex = next++;
  }
  ctorsFuncIndex = next++;
  for (auto &L : libs)
    if (!L.global) L.initFunc = next++;
  planThreads();
  if (threadInit) tlsInitFuncIndex = next++;
  // Stubs for undefined weak functions: `unreachable` if ever called.
  for (uint32_t t : stubTypes) {
    Function fn;
    fn.typeIndex = t;
    fn.body = out.own(Bytes{0x00, 0x00, 0x0b});
    stubFunctions.push_back(fn);
  }

  // Globals: host globals first, then the stack pointer (unless imported), then every
  // library's globals.
  uint32_t g = numHostGlobals;
  const bool mainStack = host->mainDefinesStackPointer();
  if (!importsStackPointer() && !mainStack) spGlobal = g++;
  for (auto &L : libs) {
    L.globalMap.assign(L.mod.numGlobals(), GlobalRemap{});
    L.globalBase = g;
    for (uint32_t k = 0; k < L.mod.globals.size(); ++k) L.globalMap[L.mod.numImportedGlobals + k] = GlobalRemap::to(g++);
  }
  if (mainStack) {
    const Export *sp = M.findExport("__stack_pointer");
    if (!sp || sp->kind != ExternKind::Global || sp->index < M.numImportedGlobals || !M.globalType(sp->index).mut)
      throw Error("a non-relocatable main module must define and export its __stack_pointer", Error::kNoOffset, libs[0].path);
    spGlobal = libs[0].globalMap.at(sp->index).index;
  }
  numGlobalsTotal = g;
  // Tables: 0 is the indirect function table; other host tables, then defined tables.
  uint32_t nextTable = 1 + numHostTables;
  uint32_t tagNext = numHostTags;
  for (size_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    L.tableMap.assign(L.mod.numTables(), 0);
    L.memMap.assign(L.mod.numMemories(), 0);
    L.tagMap.assign(L.mod.numTags(), 0);
    for (uint32_t t = 0; t < L.mod.tables.size(); ++t) {
      // A main that defines its indirect function table: that table is the output's table 0.
      if (li == 0 && !mainImportsTable && !mainTableDefined && L.mod.tables[t].type.elem == ValType{ValType::FuncRef, 0}) {
        mainTableDefined = t;
        L.tableMap[L.mod.numImportedTables + t] = 0;
        continue;
      }
      L.tableMap[L.mod.numImportedTables + t] = nextTable++;
    }
    for (uint32_t t = 0; t < L.mod.tags.size(); ++t) L.tagMap[L.mod.numImportedTags + t] = tagNext++;
    if (!L.mod.memories.empty() && !L.isMain) throw Error("a side module that defines its own memory is not supported", Error::kNoOffset, L.path);
    if (L.mod.memories.size() + L.mod.numImportedMemories > 1) throw Error("multiple memories are not supported", Error::kNoOffset, L.path);
  }
  for (size_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    uint32_t gi = 0, ti = 0, tg = 0;
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      const Import &imp = L.mod.imports[ii];
      const Resolution &r = L.imports[ii];
      if (imp.kind == ExternKind::Global) {
        GlobalRemap &m = L.globalMap[gi++];
        switch (r.kind) {
        case Resolution::Const: m = GlobalRemap::i32(int32_t(r.value)); break;
        case Resolution::StackPtr: m = GlobalRemap::to(spGlobal); break;
        case Resolution::GlueFunc: m = GlobalRemap::i32(0); break; // filled in by resolveGotFunc
        case Resolution::TlsGot: {
          // One global per thread-local symbol, after every library's globals.
          auto [it, inserted] = tlsGotIndex.emplace(std::make_pair(r.lib, imp.field), uint32_t(tlsGots.size()));
          if (inserted) tlsGots.push_back(TlsGot{r.lib, r.value, numGlobalsTotal++});
          m = GlobalRemap::to(tlsGots[it->second].global);
          break;
        }
        case Resolution::Host: m = GlobalRemap::to(hostIndex[li][ii]); break;
        case Resolution::Def:
          if (imp.module == "GOT.func") {
            m = GlobalRemap::i32(0); // GOT.func: filled in by resolveGotFunc
          } else {
            m = libs[r.lib].globalMap.at(r.index);
          }
          break;
        default: break;
        }
      } else if (imp.kind == ExternKind::Table) {
        L.tableMap[ti++] = r.kind == Resolution::Table ? 0 : hostIndex[li][ii];
      } else if (imp.kind == ExternKind::Tag) {
        L.tagMap[tg++] = r.kind == Resolution::Def ? libs[r.lib].tagMap.at(r.index) : hostIndex[li][ii];
      }
    }
  }
  if (combinedTls()) {
    tlsSizeGlobal = numGlobalsTotal++;
    tlsAlignGlobal = numGlobalsTotal++;
  }
  if (threadInit && host->tlsModel() == Host::TlsModel::PerModule) {
    // Every caller of the main's TLS initialiser (the glue, each thread) reaches the one
    // that initialises all modules.
    Library &M0 = libs[0];
    mainTlsOriginal = M0.funcMap.at(*M0.tlsInitFunc);
    M0.funcMap[*M0.tlsInitFunc] = *tlsInitFuncIndex;
  }
  this->mainImportsMemory = mainImportsMemory;
  this->mainImportsTable = mainImportsTable;
}

} // namespace wasmobj::linking
