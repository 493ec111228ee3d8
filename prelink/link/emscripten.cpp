// The emscripten flavour: the output replaces an emcc MAIN_MODULE next to the JS glue emcc
// wrote for it, unmodified. The glue fixes, before the module is instantiated, the main's
// __memory_base (GLOBAL_BASE), __table_base, the stack (its __stack_pointer global), the
// memory (INITIAL_MEMORY) and the table (the main's slots + 1), and instantiates with one
// import object (asmLibraryArg) for "env" and "wasi_snapshot_preview1". prelink keeps all of
// that: the main's data stays where the glue put it, side modules' data goes after the
// glue's stack (where its loader would have allocated it), side modules' slots are added
// by the start function (the table the glue creates is too small for them), exported
// addresses are written relative to GLOBAL_BASE (the glue adds it back), and the main's
// constructors run before the side modules' (the glue's order). docs/design.md, "Flavours".
#include <cctype>
#include <filesystem>
#include <unordered_set>

#include "linker.h"
#include "glue.h"
#include "wasmobj/files.h"
#include "wasmobj/reader.h"

namespace wasmobj::linking {

namespace fs = std::filesystem;

namespace {

// What only emcc's main modules import or export: its libc's calls into the JS glue
// (memcpy, heap growth, dlopen, syscalls, i64 returns, exception wrappers) and its stack
// helpers. (A name merely starting with emscripten_ is not enough: CPython built for
// emscripten imports emscripten_return_address from any host.)
bool looksLikeEmscripten(const Module &m) {
  auto starts = [](const std::string &s, const char *p) { return s.rfind(p, 0) == 0; };
  for (auto &i : m.imports) {
    if (i.kind != ExternKind::Func || i.module != "env") continue;
    const std::string &f = i.field;
    if (f == "emscripten_memcpy_big" || f == "emscripten_memcpy_js" || f == "emscripten_resize_heap" ||
        starts(f, "_emscripten_") || starts(f, "__syscall_") || starts(f, "invoke_") || f == "_dlopen_js" ||
        f == "_dlsym_js" || f == "setTempRet0" || f == "getTempRet0")
      return true;
  }
  for (auto &e : m.exports)
    if (e.name == "stackAlloc" || e.name == "stackSave" || e.name == "stackRestore" || starts(e.name, "dynCall_")) return true;
  return false;
}

// emscripten's signature letters: the result first (v: none), then the parameters.
std::optional<FuncType> sigType(const std::string &sig) {
  if (sig.empty()) return std::nullopt;
  auto val = [](char c) -> std::optional<ValType> {
    switch (c) {
    case 'i': return ValType::i32();
    case 'j': return ValType::i64();
    case 'f': return ValType{ValType::F32, 0};
    case 'd': return ValType{ValType::F64, 0};
    default: return std::nullopt;
    }
  };
  FuncType t;
  if (sig[0] != 'v') {
    auto r = val(sig[0]);
    if (!r) return std::nullopt;
    t.results.push_back(*r);
  }
  for (size_t i = 1; i < sig.size(); ++i) {
    auto p = val(sig[i]);
    if (!p) return std::nullopt;
    t.params.push_back(*p);
  }
  return t;
}


// emcc's table finishing step (see EmscriptenHost::finishModule): the table import declares
// only INITIALSLOTS (what the glue's table has); the slots beyond move from the active
// segments into a new start function, which grows the table, sets them and then calls the
// old start function. Returns how many slots moved.
uint32_t finishEmscriptenTable(Module &m, uint32_t initialSlots) {
  Import *table = nullptr;
  for (auto &i : m.imports)
    if (i.kind == ExternKind::Table) {
      table = &i; // table 0: the glue's __indirect_function_table
      break;
    }
  if (!table || table->table.limits.min <= initialSlots) return 0;
  const uint32_t total = uint32_t(table->table.limits.min);
  std::vector<int64_t> late(total - initialSlots, -1);
  // Active segments of table 0 keep their entries below INITIALSLOTS (a segment emptied
  // stays, so that no segment index moves); the rest become `late`.
  for (auto &seg : m.elems) {
    if (!seg.active() || seg.table != 0) continue;
    InstrReader r = InstrReader::prefixOf(seg.offset.bytes);
    Instr in;
    if (!r.next(in) || in.op != 0x41 || in.prefix != 0) throw Error("internal error: emscripten table segment offset is not a constant");
    const int64_t off = int64_t(uint32_t(in.value));
    const size_t n = seg.usesExprs() ? seg.exprs.size() : seg.funcs.size();
    if (uint64_t(off) + n <= initialSlots) continue;
    const size_t keep = off >= int64_t(initialSlots) ? 0 : size_t(int64_t(initialSlots) - off);
    for (size_t k = keep; k < n; ++k) {
      int64_t f = -1;
      if (seg.usesExprs()) {
        InstrReader x = InstrReader::prefixOf(seg.exprs[k].bytes);
        Instr e;
        if (x.next(e) && e.op == 0xd2 && e.prefix == 0) f = e.index;
      } else {
        f = seg.funcs[k];
      }
      if (uint64_t(off) + k < total) late[uint64_t(off) + k - initialSlots] = f;
    }
    if (seg.usesExprs()) seg.exprs.resize(keep);
    else seg.funcs.resize(keep);
  }
  table->table.limits.min = initialSlots;

  // The functions the start function takes references to are declared.
  ElemSegment declared;
  declared.flags = 3;
  for (int64_t f : late)
    if (f >= 0) declared.funcs.push_back(uint32_t(f));
  if (!declared.funcs.empty()) m.elems.push_back(std::move(declared));
  // binaryen 108 cannot read table.size/grow/set on an imported table unless the module
  // also defines a table: an empty one, after all others (no index changes).
  if (m.tables.empty()) m.tables.push_back(Table{});

  ByteSink b;
  auto i32 = [&](int64_t v) { emitI32Const(b, v); };
  b.u8(0); // no locals
  // if (table.size < total) { if (table.grow(null, total - table.size) == -1) unreachable }
  b.u8(0xfc), b.uleb(16), b.uleb(0), i32(total), b.u8(0x49);
  b.u8(0x04), b.u8(0x40);
  b.u8(0xd0), b.u8(0x70), i32(total), b.u8(0xfc), b.uleb(16), b.uleb(0), b.u8(0x6b);
  b.u8(0xfc), b.uleb(15), b.uleb(0), i32(-1), b.u8(0x46);
  b.u8(0x04), b.u8(0x40), b.u8(0x00), b.u8(0x0b);
  b.u8(0x0b);
  for (size_t k = 0; k < late.size(); ++k)
    if (late[k] >= 0) i32(int64_t(initialSlots + k)), b.u8(0xd2), b.uleb(uint32_t(late[k])), b.u8(0x26), b.uleb(0);
  if (m.start) emitCall(b, *m.start);
  b.u8(0x0b);

  uint32_t type = 0;
  while (type < m.types.size() && !(m.types[type] == FuncType{})) ++type;
  if (type == m.types.size()) m.types.push_back(FuncType{});
  Function f;
  f.typeIndex = type;
  f.body = m.own(std::move(b.out));
  m.start = m.numImportedFuncs + uint32_t(m.functions.size());
  m.functions.push_back(f);
  return total - initialSlots;
}


// The ABI generations of emcc's libc <-> glue dl interface (libdl/prelink_dl.c, PL_EM_ABI).
struct EmDlAbi {
  int gen;
  const char *releases;
  uint32_t dsoName;  // offset of struct dso's name
  uint32_t dlsymArgs; // parameters of _dlsym_js
  uint32_t asyncArgs; // parameters of _emscripten_dlopen_js
};
constexpr EmDlAbi kEmDlAbis[] = {
    {1, "3.1.6 to 3.1.28", 44, 2, 3},
    {2, "3.1.29 to 3.1.30", 32, 2, 4},
    {3, "3.1.31 to 3.1.38", 28, 3, 4},
    {4, "3.1.39 and later", 36, 3, 4},
};


// What emcc's JS glue of the main module fixes before the module is instantiated: read
// from the glue when prelink finds it, else emcc's defaults.
struct EmscriptenGlue {
  std::string path;                 // empty: not found, defaults used
  uint64_t memoryBase = 1024;       // GLOBAL_BASE: the main's __memory_base
  uint32_t tableBase = 1;           // the main's __table_base
  std::optional<uint64_t> stackTop; // __stack_pointer's initial value
  // Its import object (asmLibraryArg): property name -> the JS identifier of its value.
  std::unordered_map<std::string, std::string> provides;
  std::unordered_map<std::string, std::string> sigs; // JS function -> its `.sig` ("vii")
  std::optional<uint64_t> dsoName;                   // where it reads struct dso's name
  std::optional<uint64_t> heapBase;                  // its ___heap_base
  std::string importObject;                          // "asmLibraryArg" (to 3.1.30) or "wasmImports"
};

class EmscriptenHost : public Host {
public:
  // FIXED: a non-relocatable main (emcc 4.0.19+), whose glue fixes no base.
  void readGlue(Linker &k, bool fixed);
  void detectDlAbi(const Linker &k);

  std::string flavor() const override { return "emscripten"; }
  // emcc 3.1's TOTAL_STACK default; the glue's when it is read.
  std::optional<uint64_t> defaultStackSize() const override { return 5242880; }
  bool importsStackPointer() const override { return true; }
  bool mainConstructorsFirst() const override { return true; }
  // emcc: each module allocates its own TLS block (_emscripten_tls_init; emscripten_tls_init
  // up to 3.1.x), which the glue calls for every module on every thread.
  TlsModel tlsModel() const override { return TlsModel::PerModule; }
  std::vector<std::string> tlsInitNames() const override { return {"_emscripten_tls_init", "emscripten_tls_init"}; }
  const LibdlVariant *libdl() const override;
  void layout(Linker &k) override;
  bool resolveUnlinked(Linker &k, const Library &from, const Import &imp, Resolution &r) override;
  void addOutputImports(Linker &k, const AddHostImport &addHost) override;
  uint32_t hostFunctionIndex(uint32_t i) const override { return glueFuncOut.at(i); }
  void checkOutputImports(Linker &k) override;
  bool emitStartPrologue(const Linker &k, ByteSink &b) const override;
  void emitEntryPoints(Linker &k) override;
  void finishModule(Module &m, nlohmann::ordered_json &manifest) const override;
  void describe(const Linker &k, nlohmann::ordered_json &manifest) const override;

protected:
  bool glueProvides(const Linker &k, const std::string &name) const;
  std::optional<FuncType> glueFunctionType(const Linker &k, const std::string &name) const;
  void emitExports(Linker &k);
  void importGlueFunctions(Linker &k, const AddHostImport &addHost);
  void setMainDylink(Linker &k, uint32_t memorySize, uint32_t tableSize) const;
  // The manifest's emscripten block as every emcc host writes it.
  nlohmann::ordered_json describeCommon(const char *mainKind) const;
  // The detected dl interface for the manifest: {"generation", "releases", "dso_name_offset"} or null.
  nlohmann::ordered_json dlAbiJson() const {
    if (!dlAbi) return nullptr;
    return {{"generation", dlAbi->gen}, {"releases", std::string("emcc ") + dlAbi->releases}, {"dso_name_offset", dlAbi->dsoName}};
  }

  EmscriptenGlue glue;
  const EmDlAbi *dlAbi = nullptr; // null: the main calls none of libc's dl functions of the glue
  uint32_t initialSlots = 0;                 // slots the glue's table has at instantiation
  uint32_t memoryBaseGlobal = 0, tableBaseGlobal = 0; // imported, checked at start-up
  // JS functions of the glue whose address the program takes: imported as env functions,
  // each with its one slot (emcc's runtime would wrap each in a module of its own).
  std::vector<std::pair<std::string, FuncType>> glueFuncs;
  std::unordered_map<std::string, uint32_t> glueFuncIndex; // name -> index in glueFuncs
  std::vector<uint32_t> glueFuncOut;                       // output function indices
  // Functions nothing provides (each traps when called), in the order they were met.
  std::unordered_set<std::string> missingFuncs;
  std::vector<std::string> missingOrder;
  // Asked once per import: hash maps built at the first question, not a scan each time.
  void indexImports(const Linker &k) const;
  mutable bool indexed = false;
  mutable std::unordered_set<std::string> mainEnvFields;                 // env names the main imports
  mutable std::unordered_map<std::string, const FuncType *> envFuncType; // env function -> its first importer's type
};

std::unique_ptr<EmscriptenHost> makeFixedMainHost();

} // namespace

extern const unsigned char kLibdlEm1Module[], kLibdlEm2Module[], kLibdlEm3Module[], kLibdlEm4Module[];
extern const std::size_t kLibdlEm1ModuleSize, kLibdlEm2ModuleSize, kLibdlEm3ModuleSize, kLibdlEm4ModuleSize;

const LibdlVariant *EmscriptenHost::libdl() const {
  // emcc's libc keeps dlopen & co. and crosses into its JS glue through these; the glue's
  // names are its own, not exported by the linked module.
  auto variant = [](const unsigned char *bytes, std::size_t size) {
    return LibdlVariant{bytes, size, "_dlopen_js", {"_dlopen_js", "_dlsym_js", "_emscripten_dlopen_js"},
                        /*mainOnly=*/true, /*exported=*/false, /*unlessDefined=*/false};
  };
  static const LibdlVariant v[] = {variant(kLibdlEm1Module, kLibdlEm1ModuleSize), variant(kLibdlEm2Module, kLibdlEm2ModuleSize),
                                   variant(kLibdlEm3Module, kLibdlEm3ModuleSize), variant(kLibdlEm4Module, kLibdlEm4ModuleSize)};
  return dlAbi ? &v[dlAbi->gen - 1] : nullptr;
}

void EmscriptenHost::detectDlAbi(const Linker &k) {
  // Established from the inputs: the parameters of the main's imports of _dlsym_js and
  // _emscripten_dlopen_js, and the glue's offset of struct dso's name. Every generation
  // they leave possible must agree; none or several is an error that says what was seen.
  const Library &M = k.libs[0];
  std::optional<uint32_t> dlsymArgs, asyncArgs;
  bool any = false, opens = false;
  for (auto &i : M.mod.imports) {
    if (i.kind != ExternKind::Func || i.module != "env") continue;
    const FuncType &t = M.mod.types.at(i.typeIndex);
    if (i.field == "_dlopen_js" || i.field == "_emscripten_dlopen_js") opens = true;
    if (i.field == "_dlopen_js") any = true;
    if (i.field == "_dlsym_js") any = true, dlsymArgs = uint32_t(t.params.size());
    if (i.field == "_emscripten_dlopen_js") any = true, asyncArgs = uint32_t(t.params.size());
  }
  if (!any || k.cfg.noLibdl) return;
  // A non-relocatable main is emcc 4.0.19 or later: the newest generation only.
  const bool fixedMain = !importsStackPointer();
  std::vector<const EmDlAbi *> fits;
  for (auto &a : kEmDlAbis)
    if ((!dlsymArgs || *dlsymArgs == a.dlsymArgs) && (!asyncArgs || *asyncArgs == a.asyncArgs) &&
        (!glue.dsoName || *glue.dsoName == a.dsoName) && (!fixedMain || &a == &kEmDlAbis[std::size(kEmDlAbis) - 1]))
      fits.push_back(&a);
  std::string seen;
  if (dlsymArgs) seen += "_dlsym_js takes " + std::to_string(*dlsymArgs) + " arguments";
  if (asyncArgs) seen += std::string(seen.empty() ? "" : ", ") + "_emscripten_dlopen_js takes " + std::to_string(*asyncArgs);
  if (glue.dsoName) seen += std::string(seen.empty() ? "" : ", ") + "the glue reads struct dso's name at +" + std::to_string(*glue.dsoName);
  if (fixedMain) seen += std::string(seen.empty() ? "" : ", ") + "the main is non-relocatable (emcc 4.0.19 or later)";
  if (seen.empty()) seen = "only _dlopen_js is imported";
  // A main that cannot dlopen hands the glue no struct dso but RTLD_DEFAULT's null: the
  // generations _dlsym_js's arguments leave possible then behave the same.
  if (fits.size() == 1 || (!fits.empty() && !opens)) {
    dlAbi = fits[0];
    return;
  }
  if (fits.empty())
    throw Error("emcc's dl interface matches no release prelink knows (" + seen + "); link with --no-libdl to leave dlopen to the glue",
                Error::kNoOffset, glue.path.empty() ? M.path : glue.path);
  std::string which;
  for (auto *a : fits) which += std::string(which.empty() ? "" : " or ") + "emcc " + a->releases;
  throw Error("cannot tell which emcc's dl interface this is (" + seen + ": " + which + ")" +
                  (glue.path.empty() ? ": give the main module's JS glue (--emscripten-glue)" : "") + ", or link with --no-libdl",
              Error::kNoOffset, M.path);
}

void EmscriptenHost::indexImports(const Linker &k) const {
  if (indexed) return;
  indexed = true;
  for (auto &i : k.libs[0].mod.imports)
    if (i.module == "env") mainEnvFields.insert(i.field);
  for (auto &L : k.libs)
    for (auto &i : L.mod.imports)
      if (i.kind == ExternKind::Func && i.module == "env") envFuncType.emplace(i.field, &L.mod.types.at(i.typeIndex));
}

bool EmscriptenHost::glueProvides(const Linker &k, const std::string &name) const {
  if (!glue.path.empty()) return glue.provides.count(name) > 0;
  indexImports(k);
  return mainEnvFields.count(name) > 0;
}

std::optional<FuncType> EmscriptenHost::glueFunctionType(const Linker &k, const std::string &name) const {
  // An input that calls it says its type; else the glue's `.sig` of the JS function.
  indexImports(k);
  if (auto it = envFuncType.find(name); it != envFuncType.end()) return *it->second;
  auto p = glue.provides.find(name);
  if (p == glue.provides.end() || p->second.empty()) return std::nullopt;
  auto s = glue.sigs.find(p->second);
  if (s == glue.sigs.end()) return std::nullopt;
  return sigType(s->second);
}

bool EmscriptenHost::resolveUnlinked(Linker &k, const Library &from, const Import &imp, Resolution &r) {
  if (imp.kind == ExternKind::Func && imp.module == "env") {
    // A function of the glue's import object: the glue gives it to the linked module too.
    if (glueProvides(k, imp.field)) {
      r.kind = Resolution::Host;
      return true;
    }
    // Nothing provides it: emcc's loader gives a side module a stub that fails when it is
    // called, so the program runs until then. The same here: a function that traps, named
    // after the symbol (the name section shows it in the trap's stack trace).
    if (k.reportUndefined() || k.importUndefined()) return false;
    r.kind = Resolution::Stub;
    r.hostName = imp.field;
    if (missingFuncs.insert(imp.field).second) missingOrder.push_back(imp.field + " (" + from.name + ")");
    return true;
  }
  if (imp.kind != ExternKind::Global || !glueProvides(k, imp.field)) return false;
  if (imp.module == "GOT.mem") {
    r.kind = Resolution::Host; // the glue's GOT proxy fills it before main runs
    return true;
  }
  if (imp.module != "GOT.func") return false;
  // A JS function of the glue: imported, with a slot of its own. Without a known
  // signature the glue's GOT proxy fills the entry (wrapping it at start-up).
  if (auto t = glueFunctionType(k, imp.field)) {
    auto [it, inserted] = glueFuncIndex.emplace(imp.field, uint32_t(glueFuncs.size()));
    if (inserted) glueFuncs.emplace_back(imp.field, *t);
    r = Resolution::make(Resolution::GlueFunc, -1, it->second, 0);
  } else {
    r.kind = Resolution::Host;
  }
  return true;
}

namespace {

// A non-relocatable emcc main module (emcc 4.0.19 and later): data at absolute addresses,
// memory, table and stack pointer its own and exported, dylink.0 memory size 0. Its glue
// gives a side module memory from the heap's start (___heap_base) and then moves sbrk's
// pointer past it, and slots from the table's end. prelink does the same at link time:
// the main's addresses stay, the side modules go at its __heap_base, the heap (sbrk's
// pointer and the __heap_base export) starts after them, and the table grows by their slots.
class EmscriptenFixedHost : public EmscriptenHost {
public:
  bool importsStackPointer() const override { return false; }
  bool mainDefinesStackPointer() const override { return true; }
  void layout(Linker &k) override;
  void addOutputImports(Linker &k, const AddHostImport &addHost) override;
  bool emitStartPrologue(const Linker &k, ByteSink &b) const override { return false; }
  void beforeEmit(Linker &k) override;
  void emitEntryPoints(Linker &k) override;
  void finishModule(Module &m, nlohmann::ordered_json &manifest) const override {}
  void describe(const Linker &k, nlohmann::ordered_json &manifest) const override;

private:
  uint64_t mainHeapBase = 0; // the main's own __heap_base
  uint32_t heapBaseExport = 0; // the main's global behind its __heap_base export
  std::optional<uint64_t> sbrkPtr; // where the main keeps sbrk's pointer
};

// The constant a function returns at its end, `i32.const N` before the body's final `end`
// (emcc's emscripten_get_sbrk_ptr: `&sbrk_val`, after setting it to __heap_base when 0).
std::optional<uint64_t> returnedConstant(const Module &m, const char *name) {
  const Export *e = m.findExport(name);
  if (!e || e->kind != ExternKind::Func || e->index < m.numImportedFuncs) return std::nullopt;
  const Function &f = m.functions[e->index - m.numImportedFuncs];
  Cursor c(f.body);
  uint32_t groups = c.u32();
  for (uint32_t g = 0; g < groups; ++g) c.u32(), c.u8();
  InstrReader r(ByteView(c.ptr(), c.remaining()), 0);
  Instr in, prev;
  bool havePrev = false;
  int depth = 0;
  while (r.next(in)) {
    if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04) ++depth;
    if (in.op == 0x0b && depth-- == 0) break;
    prev = in;
    havePrev = true;
  }
  if (!havePrev || prev.op != 0x41 || prev.prefix != 0 || r.next(in)) return std::nullopt;
  return uint64_t(uint32_t(prev.value));
}

void EmscriptenFixedHost::layout(Linker &k) {
  Library &M = k.libs[0];
  const Module &m = M.mod;
  auto hb = exportedConstant(m, "__heap_base", &heapBaseExport);
  if (!hb)
    throw Error("a non-relocatable emcc main module must export __heap_base as a constant (emcc 4.0.19 and later do)", Error::kNoOffset, M.path);
  mainHeapBase = uint64_t(*hb);
  if (glue.heapBase && *glue.heapBase != mainHeapBase)
    throw Error("the glue's ___heap_base " + std::to_string(*glue.heapBase) + " is not the main module's __heap_base " +
                    std::to_string(mainHeapBase) + ": is it the glue emcc wrote for it?",
                Error::kNoOffset, glue.path);
  sbrkPtr = returnedConstant(m, "emscripten_get_sbrk_ptr");
  // The main's data: where its segments are, absolute.
  uint64_t end = 0;
  for (auto &seg : m.datas) {
    if (!seg.active()) continue;
    auto off = k.evalConstExpr(M, seg.offset);
    if (!off) throw Error("data segment offset is not a constant expression prelink can evaluate", seg.offset.offset, M.path);
    end = std::max<uint64_t>(end, uint64_t(uint32_t(*off)) + seg.bytes.size());
  }
  if (end > mainHeapBase)
    throw Error("the main module's data ends at " + std::to_string(end) + ", after its __heap_base " + std::to_string(mainHeapBase),
                Error::kNoOffset, M.path);
  M.memBase = 0;
  M.memSize = end;
  M.memAlign = m.dylink->memoryAlign;
  uint32_t tableMin = 0;
  for (auto &t : m.tables)
    if (t.type.elem == ValType{ValType::FuncRef, 0}) {
      tableMin = uint32_t(t.type.limits.min);
      break;
    }
  for (auto &i : m.imports)
    if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) tableMin = uint32_t(i.table.limits.min);
  M.tableBase = 0;
  M.tableSize = tableMin;
  // The stack is the main's own (between its data and its heap, or below its data).
  if (auto lo = exportedConstant(m, "__stack_low")) k.stackLow = uint64_t(*lo);
  if (auto hi = exportedConstant(m, "__stack_high")) k.stackHigh = uint64_t(*hi);
  uint64_t cursor = mainHeapBase, tcursor = tableMin;
  k.placeLibraries(cursor, tcursor, 1, 4);
  k.placeDataEnd(cursor);
  k.heapBase = alignUp(k.heapBase, 4);
  if (k.heapBase != mainHeapBase && !sbrkPtr)
    throw Error("cannot find where the main module keeps sbrk's pointer (its emscripten_get_sbrk_ptr is not `return N`): "
                "the side modules' data cannot be placed before its heap",
                Error::kNoOffset, M.path);
  k.sizeMemoryFromMain();
  k.tableSize = uint32_t(tcursor);
  k.slots.assign(k.tableSize, -1);
}

void EmscriptenFixedHost::addOutputImports(Linker &k, const AddHostImport &addHost) {
  // No base and no stack pointer to import: only the glue's JS functions whose address is taken.
  importGlueFunctions(k, addHost);
}

void EmscriptenFixedHost::beforeEmit(Linker &k) {
  Host::beforeEmit(k);
  if (k.heapBase == mainHeapBase) return;
  // The heap starts after the side modules: sbrk's pointer (0 until its first use sets it
  // to __heap_base, or __heap_base already) holds the new start, and __heap_base says it.
  Library &M = k.libs[0];
  const uint64_t at = *sbrkPtr;
  if (at % 4 || at + 4 > mainHeapBase)
    throw Error("sbrk's pointer at " + std::to_string(at) + " lies outside the main module's data", Error::kNoOffset, M.path);
  if (M.image.size() < at + 4) M.image.resize(at + 4, 0);
  uint8_t *w = M.image.data() + at;
  const uint32_t old = uint32_t(w[0]) | uint32_t(w[1]) << 8 | uint32_t(w[2]) << 16 | uint32_t(w[3]) << 24;
  if (old != 0 && old != mainHeapBase)
    throw Error("sbrk's pointer at " + std::to_string(at) + " holds " + std::to_string(old) + ", not the main's __heap_base " +
                    std::to_string(mainHeapBase),
                Error::kNoOffset, M.path);
  const uint32_t v = uint32_t(k.heapBase);
  for (int b = 0; b < 4; ++b) w[b] = uint8_t(v >> (8 * b));
  k.evaluatedInit[M.globalMap.at(heapBaseExport).index] = int64_t(k.heapBase);
}

void EmscriptenFixedHost::emitEntryPoints(Linker &k) {
  Host::emitEntryPoints(k);
  // A fixed main's own sizes, as they were.
  setMainDylink(k, 0, k.libs[0].mod.dylink->tableSize);
}

void EmscriptenFixedHost::describe(const Linker &k, nlohmann::ordered_json &j) const {
  using json = nlohmann::ordered_json;
  json e = describeCommon("fixed");
  e["main_heap_base"] = mainHeapBase;
  e["sbrk_pointer"] = sbrkPtr ? json(*sbrkPtr) : json(nullptr);
  j["emscripten"] = std::move(e);
}

std::unique_ptr<EmscriptenHost> makeFixedMainHost() { return std::make_unique<EmscriptenFixedHost>(); }
} // namespace

std::unique_ptr<Host> makeEmscriptenHost(Linker &k, bool forced) {
  const Library &M = k.libs[0];
  if (!forced && !looksLikeEmscripten(M.mod)) return nullptr;
  if (!M.mod.dylink)
    throw Error("the emscripten flavour needs a relocatable main module (emcc -sMAIN_MODULE) with a dylink.0 section", Error::kNoOffset, M.path);
  // emcc 4.0.19 and later link a non-relocatable main by default: it imports no
  // __memory_base, and defines its data at absolute addresses.
  bool fixed = true;
  for (auto &i : M.mod.imports)
    if (i.kind == ExternKind::Global && i.module == "env" && i.field == "__memory_base") fixed = false;
  std::unique_ptr<EmscriptenHost> h = fixed ? makeFixedMainHost() : std::make_unique<EmscriptenHost>();
  h->readGlue(k, fixed);
  h->detectDlAbi(k);
  return h;
}

void EmscriptenHost::readGlue(Linker &k, bool fixed) {
  const LinkConfig &cfg = k.cfg;
  const Library &M = k.libs[0];
  auto &warnings = k.warnings;
  std::string path = cfg.emscriptenGlue;
  const bool explicitGlue = !path.empty();
  if (!explicitGlue) {
    fs::path guess = fs::path(M.path).replace_extension(".js");
    std::error_code ec;
    if (fs::is_regular_file(guess, ec)) path = guess.string();
  }
  if (path.empty()) {
    warnings.push_back(M.path + ": emscripten flavour without its JS glue (--emscripten-glue): emcc 3.1's defaults assumed "
                       "(GLOBAL_BASE 1024, TOTAL_STACK " + std::to_string(cfg.stackSizeSet ? cfg.stackSize : *defaultStackSize()) + ")");
    return;
  }
  FileId id;
  auto bytes = loadFile(path, &id);
  k.inputFiles.emplace_back(id, path);
  {
    // The glue is an input too: no output may replace it, even if the link fails later.
    std::vector<OutputFile> outs;
    if (!cfg.output.empty()) outs.push_back(OutputFile{cfg.output, {}, "-o"});
    if (!cfg.manifest.empty()) outs.push_back(OutputFile{cfg.manifest, {}, "--manifest"});
    checkOutputs(outs, {{id, path}});
  }
  const std::string_view js(reinterpret_cast<const char *>(bytes->data()), bytes->size());
  EmscriptenGlue g;
  g.path = path;
  glue::GlueFacts facts;
  try {
    facts = glue::readGlue(js);
  } catch (const Error &e) {
    throw e.withFile(path);
  }
  const glue::GlueImportObject *io = facts.importObject();
  const bool ok = io != nullptr;
  if (ok) {
    g.provides = io->props;
    g.importObject = io->name;
  }
  g.sigs = facts.sigs;
  g.dsoName = facts.dsoNameOffset;
  auto valueOf = [&](const char *name) -> std::optional<uint64_t> {
    const glue::GlueValue *v = facts.base(name);
    if (!v || v->form == glue::GlueValue::Form::Export) return std::nullopt;
    return v->value;
  };
  auto mb = valueOf("___memory_base");
  auto tb = valueOf("___table_base");
  g.heapBase = valueOf("___heap_base");
  if (const glue::GlueValue *sp = facts.base("___stack_pointer"); sp && sp->form == glue::GlueValue::Form::WasmGlobal)
    g.stackTop = sp->value;
  if (fixed && ok) {
    // A fixed main's glue gives it no base: its import object is what matters (and its
    // ___memory_base, when it has one, is 0).
    if (mb && *mb != 0)
      throw Error("the glue gives the non-relocatable main module a __memory_base of " + std::to_string(*mb), Error::kNoOffset, path);
    glue = std::move(g);
    return;
  }
  if (!ok || !mb || !tb || !g.stackTop) {
    std::string what = !ok ? "its import object (asmLibraryArg / wasmImports)" : !mb ? "___memory_base" : !tb ? "___table_base" : "___stack_pointer";
    if (explicitGlue) throw Error("not an emcc MAIN_MODULE glue prelink can read: " + what + " not found", Error::kNoOffset, path);
    warnings.push_back(path + ": " + what + " not found in the glue; emcc 3.1's defaults assumed");
    return;
  }
  g.memoryBase = *mb;
  if (*tb > 0xffffffffu) throw Error("the glue's ___table_base " + std::to_string(*tb) + " is not a 32-bit table index", Error::kNoOffset, path);
  g.tableBase = uint32_t(*tb);
  if (cfg.stackSizeSet) warnings.push_back("--stack-size ignored: the glue " + path + " fixes the stack");
  glue = std::move(g);
}

void EmscriptenHost::layout(Linker &k) {
  Library &M = k.libs[0];
  const Dylink &d = *M.mod.dylink;
  M.memAlign = d.memoryAlign;
  M.memSize = d.memorySize;
  M.memBase = glue.memoryBase;
  M.tableSize = d.tableSize;
  M.tableBase = glue.tableBase;
  // The glue's stack: from the end of the main's data up to its __stack_pointer.
  k.stackLow = alignUp(M.memBase + M.memSize, 4);
  k.stackHigh = glue.stackTop ? *glue.stackTop : alignUp(k.stackLow + k.stackSize(), 4);
  if (k.stackHigh < k.stackLow)
    throw Error("the glue's stack (__stack_pointer " + std::to_string(k.stackHigh) + ") lies below the main module's data (end " +
                    std::to_string(k.stackLow) + ")",
                Error::kNoOffset, glue.path.empty() ? M.path : glue.path);
  // Side modules where the glue's loader would allocate them: from the stack's top, at
  // least 16-byte aligned; their slots after the main's.
  uint64_t cursor = k.stackHigh;
  uint64_t tcursor = uint64_t(M.tableBase) + M.tableSize;
  k.placeLibraries(cursor, tcursor, 1, 4);
  k.placeDataEnd(cursor);
  // The glue's memory is INITIAL_MEMORY, the main's declared minimum: everything must fit.
  // (A main that defines its memory gets what the layout needs.)
  const Import *memImport = nullptr;
  for (auto &i : M.mod.imports)
    if (i.kind == ExternKind::Memory) memImport = &i;
  const uint64_t needed = (k.heapBase + 65535) / 65536;
  uint64_t pages = memImport ? memImport->memory.min : std::max<uint64_t>(needed, M.mod.memories.empty() ? 0 : M.mod.memories[0].min);
  if (k.heapBase > pages * 65536)
    throw Error("the linked program needs " + std::to_string(k.heapBase) + " bytes of memory before its heap, more than the " +
                    std::to_string(pages * 65536) + " of the main module's INITIAL_MEMORY: rebuild the main with a larger -sINITIAL_MEMORY",
                Error::kNoOffset, M.path);
  k.memoryPages = pages;
  k.heapEnd = pages * 65536;
  k.tableSize = uint32_t(tcursor);
  k.slots.assign(k.tableSize, -1);
  uint32_t importMin = 0;
  for (auto &i : M.mod.imports)
    if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) importMin = uint32_t(i.table.limits.min);
  // Active segments fill only what the main's import declares (the glue's table may be a
  // slot larger, but validators judge by the declaration); the start function does the rest.
  initialSlots = importMin;
}

void EmscriptenHost::addOutputImports(Linker &k, const AddHostImport &addHost) {
  Host::addOutputImports(k, addHost);
  // The main's bases, read once at start-up to check the layout prelink assumed.
  memoryBaseGlobal = addHost(baseImport("__memory_base"));
  tableBaseGlobal = addHost(baseImport("__table_base"));
  importGlueFunctions(k, addHost);
}

void EmscriptenHost::importGlueFunctions(Linker &k, const AddHostImport &addHost) {
  // The glue's JS functions whose address is taken: env imports, each with its one slot.
  for (auto &[name, type] : glueFuncs) {
    Import f;
    f.module = "env";
    f.field = name;
    f.kind = ExternKind::Func;
    f.typeIndex = k.internType(type);
    glueFuncOut.push_back(addHost(f));
  }
}

void EmscriptenHost::checkOutputImports(Linker &k) {
  // The glue instantiates with asmLibraryArg as "env" and "wasi_snapshot_preview1" (and
  // proxies for GOT.mem / GOT.func): anything else is a link error at start-up. Say so now.
  const auto &libs = k.libs;
  const Module &M = libs[0].mod;
  std::unordered_set<std::string> mainKeys; // the main's imports by length:module + field
  auto key = [](const Import &i) { return std::to_string(i.module.size()) + ":" + i.module + i.field; };
  for (auto &m : M.imports) mainKeys.insert(key(m));
  struct Missing {
    std::string name, field, who, module;
  };
  if (!missingOrder.empty()) {
    std::string list;
    for (size_t i = 0; i < missingOrder.size() && i < 8; ++i) list += (i ? ", " : "") + missingOrder[i];
    k.warnings.push_back(std::to_string(missingOrder.size()) + " function" + (missingOrder.size() > 1 ? "s" : "") +
                         " that nothing provides will trap when called, as under emcc's loader: " + list +
                         (missingOrder.size() > 8 ? ", ..." : "") + " (--no-undefined makes this an error)");
  }
  std::vector<Missing> missing;
  for (auto &h : k.hostImports) {
    const Import &imp = h.imp;
    if (imp.module == "GOT.mem" || imp.module == "GOT.func") continue;
    bool known = imp.module == "env" || imp.module == "wasi_snapshot_preview1";
    if (known) known = glue.path.empty() ? mainKeys.count(key(imp)) > 0 : glue.provides.count(imp.field) > 0;
    if (known) continue;
    missing.push_back(Missing{imp.module + "." + imp.field, imp.field, "", imp.module});
  }
  if (missing.empty()) return;
  // Who imports the first one (the main first): only its importer is named.
  for (auto &L : libs) {
    Missing &f = missing[0];
    for (size_t i = 0; i < L.mod.imports.size() && f.who.empty(); ++i)
      if (L.imports[i].kind == Resolution::Host && L.mod.imports[i].module == f.module &&
          (L.imports[i].hostName.empty() ? L.mod.imports[i].field : L.imports[i].hostName) == f.field)
        f.who = L.name;
    if (!f.who.empty()) break;
  }
  std::string more = missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "";
  if (glue.path.empty()) {
    // Without the glue only the main's own imports are known to be provided.
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + missing[i].name;
    k.warnings.push_back("the glue may not provide " + list + (missing.size() > 8 ? ", ..." : "") +
                         ": pass --emscripten-glue to check");
    return;
  }
  const Missing &m = missing[0];
  if (m.who == libs[0].name)
    throw Error("does not provide " + m.name + more + ", which the main module " + m.who + " imports: is it the glue emcc wrote for it?",
                Error::kNoOffset, glue.path);
  throw Error("does not provide " + m.name + more + ", which " + m.who +
                  " imports: emcc's runtime loader makes such imports for side modules, a linked module cannot get them "
                  "from this glue (use " + m.field + " in the main module too; for invoke_*, call a function of "
                  "that signature inside try/catch in the main)",
              Error::kNoOffset, glue.path);
}

bool EmscriptenHost::emitStartPrologue(const Linker &k, ByteSink &b) const {
  auto i32 = [&](int64_t v) { emitI32Const(b, v); };
  // The glue must have laid out what prelink assumed: GLOBAL_BASE, the table base and a
  // stack that ends below the side modules' data. Trap at instantiation otherwise.
  b.u8(0x23), b.uleb(memoryBaseGlobal), i32(int64_t(k.libs[0].memBase)), b.u8(0x47);
  b.u8(0x23), b.uleb(tableBaseGlobal), i32(k.libs[0].tableBase), b.u8(0x47), b.u8(0x72);
  b.u8(0x23), b.uleb(k.spGlobal), i32(int64_t(k.stackHigh)), b.u8(0x4b), b.u8(0x72);
  b.u8(0x04), b.u8(0x40), b.u8(0x00), b.u8(0x0b);
  return true;
}

void EmscriptenHost::emitEntryPoints(Linker &k) {
  Host::emitEntryPoints(k);
  emitExports(k);
}

void EmscriptenHost::emitExports(Linker &k) {
  Module &out = k.out;
  // The glue adds GLOBAL_BASE to every number it finds among the exports (its
  // relocateExports): exported globals hold their value minus GLOBAL_BASE.
  const int64_t base = int64_t(k.libs[0].memBase);
  for (auto &e : out.exports) {
    if (e.kind != ExternKind::Global || e.index < out.numImportedGlobals) continue;
    const Global &g = out.globals.at(e.index - out.numImportedGlobals);
    if (g.type.type != ValType::i32() || g.type.mut) continue;
    InstrReader r(g.init.bytes, 0);
    Instr in;
    if (!r.next(in) || in.op != 0x41 || in.prefix != 0) continue;
    Global ng;
    ng.type = g.type;
    ng.init.bytes = out.own(i32ConstExpr(in.value - base));
    out.globals.push_back(ng);
    e.index = out.numImportedGlobals + uint32_t(out.globals.size() - 1);
  }
  setMainDylink(k, uint32_t(k.libs[0].memSize), k.libs[0].tableSize);
}

void EmscriptenHost::setMainDylink(Linker &k, uint32_t memorySize, uint32_t tableSize) const {
  // The glue reads the main's dylink.0 (its NEEDED, none of which are left): the output
  // keeps one with the main's sizes.
  const Library &M = k.libs[0];
  Dylink d;
  d.memorySize = memorySize;
  d.memoryAlign = M.memAlign;
  d.tableSize = tableSize;
  d.tableAlign = M.mod.dylink->tableAlign;
  d.hasMemInfo = true;
  // The main's thread-local exports stay marked: the glue relocates them by the block the
  // output's _emscripten_tls_init returns (the main's), per thread, for libraries it
  // loads later (threads.cpp).
  for (auto &e : M.mod.dylink->exportInfo)
    if (M.tlsExports.count(e.name) && M.mod.findExport(e.name)) d.exportInfo.push_back(e);
  k.out.dylink = d;
}

nlohmann::ordered_json EmscriptenHost::describeCommon(const char *mainKind) const {
  using json = nlohmann::ordered_json;
  return {{"glue", glue.path.empty() ? json(nullptr) : json(fs::path(glue.path).filename().string())},
          {"main", mainKind},
          {"import_object", glue.importObject.empty() ? json(nullptr) : json(glue.importObject)},
          {"dl_abi", dlAbiJson()}};
}

void EmscriptenHost::finishModule(Module &m, nlohmann::ordered_json &manifest) const {
  // The glue's table is too small for the side modules' slots; a module that went to
  // binaryen kept them all in active segments (binaryen judges what a call_indirect
  // reaches by them), so this runs last.
  manifest["emscripten"]["slots_added_at_start_up"] = finishEmscriptenTable(m, initialSlots);
}

void EmscriptenHost::describe(const Linker &k, nlohmann::ordered_json &j) const {
  using json = nlohmann::ordered_json;
  json e = describeCommon("relocatable");
  e["global_base"] = k.libs[0].memBase;
  e["table_base"] = k.libs[0].tableBase;
  e["table_slots_at_instantiation"] = initialSlots;
  e["slots_added_at_start_up"] = 0;
  j["emscripten"] = std::move(e);
}

} // namespace wasmobj::linking
