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

size_t skipSpace(const std::string &s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

std::optional<uint64_t> numberAt(const std::string &s, size_t i) {
  i = skipSpace(s, i);
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    v = v * 10 + uint64_t(s[i] - '0');
    if (v > (uint64_t(1) << 40)) return std::nullopt;
  }
  return v;
}

// Where `NAME = EXPR` starts EXPR, for a JS variable NAME assigned with `=` (not `==`).
std::vector<size_t> assignments(const std::string &js, const std::string &name) {
  std::vector<size_t> at;
  for (size_t p = js.find(name); p != std::string::npos; p = js.find(name, p + 1)) {
    bool wordStart = p == 0 || !(std::isalnum(static_cast<unsigned char>(js[p - 1])) || js[p - 1] == '_' || js[p - 1] == '$' || js[p - 1] == '.');
    size_t q = p + name.size();
    bool wordEnd = q >= js.size() || !(std::isalnum(static_cast<unsigned char>(js[q])) || js[q] == '_' || js[q] == '$');
    if (!wordStart || !wordEnd) continue;
    q = skipSpace(js, q);
    if (q < js.size() && js[q] == '=' && (q + 1 >= js.size() || js[q + 1] != '=')) at.push_back(skipSpace(js, q + 1));
  }
  return at;
}

// `NAME = new WebAssembly.Global({...}, VALUE)`: VALUE.
std::optional<uint64_t> globalValue(const std::string &js, const std::string &name) {
  static const std::string ctor = "new WebAssembly.Global(";
  for (size_t e : assignments(js, name)) {
    if (js.compare(e, ctor.size(), ctor) != 0) continue;
    size_t close = js.find('}', e);
    if (close == std::string::npos) continue;
    size_t comma = skipSpace(js, close + 1);
    if (comma < js.size() && js[comma] == ',') return numberAt(js, comma + 1);
  }
  return std::nullopt;
}

// The properties of the import object literal `asmLibraryArg = {...}` (emcc 3.1;
// `wasmImports` in later releases): name -> the identifier its value is (or ""). False
// when there is none.
bool importObjectKeys(const std::string &js, std::unordered_map<std::string, std::string> &keys) {
  auto identAt = [&](size_t i) {
    size_t e = i;
    while (e < js.size() && (std::isalnum(static_cast<unsigned char>(js[e])) || js[e] == '_' || js[e] == '$')) ++e;
    return js.substr(i, e - i);
  };
  for (const char *var : {"asmLibraryArg", "wasmImports"}) {
    for (size_t e : assignments(js, var)) {
      if (e >= js.size() || js[e] != '{') continue;
      size_t i = e + 1;
      int depth = 1;
      bool expectKey = true;
      while (i < js.size() && depth > 0) {
        char c = js[i];
        if (c == '"' || c == '\'') {
          size_t end = js.find(c, i + 1);
          if (end == std::string::npos) return false;
          std::string s = js.substr(i + 1, end - i - 1);
          size_t after = skipSpace(js, end + 1);
          if (depth == 1 && expectKey && after < js.size() && js[after] == ':') keys[s] = identAt(skipSpace(js, after + 1));
          i = end + 1;
          expectKey = false;
          continue;
        }
        if (depth == 1 && expectKey && (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$')) {
          size_t end = i;
          while (end < js.size() && (std::isalnum(static_cast<unsigned char>(js[end])) || js[end] == '_' || js[end] == '$')) ++end;
          size_t after = skipSpace(js, end);
          if (after < js.size() && js[after] == ':') keys[js.substr(i, end - i)] = identAt(skipSpace(js, after + 1));
          i = end;
          expectKey = false;
          continue;
        }
        if (c == '{' || c == '(' || c == '[') ++depth;
        else if (c == '}' || c == ')' || c == ']') --depth;
        else if (c == ',' && depth == 1) expectKey = true;
        ++i;
      }
      if (depth == 0) return true;
    }
  }
  return false;
}

// Every `IDENT.sig = "..."` of the glue: the wasm signature of its JS functions.
std::unordered_map<std::string, std::string> jsSignatures(const std::string &js) {
  std::unordered_map<std::string, std::string> sigs;
  for (size_t p = js.find(".sig"); p != std::string::npos; p = js.find(".sig", p + 4)) {
    size_t b = p;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(js[b - 1])) || js[b - 1] == '_' || js[b - 1] == '$')) --b;
    size_t q = skipSpace(js, p + 4);
    if (b == p || q >= js.size() || js[q] != '=') continue;
    q = skipSpace(js, q + 1);
    if (q >= js.size() || (js[q] != '"' && js[q] != '\'')) continue;
    size_t end = js.find(js[q], q + 1);
    if (end == std::string::npos || end - q - 1 > 64) continue;
    sigs.emplace(js.substr(b, p - b), js.substr(q + 1, end - q - 1));
  }
  return sigs;
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

} // namespace

void Linker::indexEmscriptenImports() {
  // Asked once per GOT import: hash maps instead of a scan of every import per question.
  emMainEnvFields.clear();
  emEnvFuncType.clear();
  for (auto &i : libs[0].mod.imports)
    if (i.module == "env") emMainEnvFields.insert(i.field);
  for (auto &L : libs)
    for (auto &i : L.mod.imports)
      if (i.kind == ExternKind::Func && i.module == "env") emEnvFuncType.emplace(i.field, &L.mod.types.at(i.typeIndex));
}

bool Linker::emGlueProvides(const std::string &name) const {
  if (!glue.path.empty()) return glue.provides.count(name) > 0;
  return emMainEnvFields.count(name) > 0;
}

std::optional<FuncType> Linker::emGlueFunctionType(const std::string &name) const {
  // An input that calls it says its type (the first in load order); else the glue's
  // `.sig` of the JS function.
  if (auto it = emEnvFuncType.find(name); it != emEnvFuncType.end()) return *it->second;
  auto p = glue.provides.find(name);
  if (p == glue.provides.end() || p->second.empty()) return std::nullopt;
  auto s = glue.sigs.find(p->second);
  if (s == glue.sigs.end()) return std::nullopt;
  return sigType(s->second);
}

uint64_t Linker::stackSize() const {
  // emcc 3.1's TOTAL_STACK default; prelink's own layout keeps wasm-ld's 64 KiB.
  if (em && !cfg.stackSizeSet) return 5242880;
  return cfg.stackSize;
}

void Linker::detectFlavor() {
  const Library &M = libs[0];
  using F = LinkConfig::Flavor;
  em = cfg.flavor == F::Emscripten || (cfg.flavor == F::Auto && !cfg.shared && looksLikeEmscripten(M.mod));
  if (!em) return;
  if (cfg.shared) throw Error("--shared: bundle mode is for the llvm flavour (an emscripten side module bundle is not supported)");
  if (!M.mod.dylink)
    throw Error("the emscripten flavour needs a relocatable main module (emcc -sMAIN_MODULE) with a dylink.0 section", Error::kNoOffset, M.path);

  std::string path = cfg.emscriptenGlue;
  const bool explicitGlue = !path.empty();
  if (!explicitGlue) {
    fs::path guess = fs::path(M.path).replace_extension(".js");
    std::error_code ec;
    if (fs::is_regular_file(guess, ec)) path = guess.string();
  }
  if (path.empty()) {
    warnings.push_back(M.path + ": emscripten flavour without its JS glue (--emscripten-glue): emcc 3.1's defaults assumed "
                       "(GLOBAL_BASE 1024, TOTAL_STACK " + std::to_string(stackSize()) + ")");
    return;
  }
  auto bytes = loadFile(path);
  std::string js(reinterpret_cast<const char *>(bytes->data()), bytes->size());
  EmscriptenGlue g;
  g.path = path;
  bool ok = importObjectKeys(js, g.provides);
  g.sigs = jsSignatures(js);
  auto mb = globalValue(js, "___memory_base");
  auto tb = globalValue(js, "___table_base");
  g.stackTop = globalValue(js, "___stack_pointer");
  if (!ok || !mb || !tb || !g.stackTop) {
    std::string what = !ok ? "its import object (asmLibraryArg)" : !mb ? "___memory_base" : !tb ? "___table_base" : "___stack_pointer";
    if (explicitGlue) throw Error("not an emcc MAIN_MODULE glue prelink can read: " + what + " not found", Error::kNoOffset, path);
    warnings.push_back(path + ": " + what + " not found in the glue; emcc 3.1's defaults assumed");
    return;
  }
  g.memoryBase = *mb;
  g.tableBase = uint32_t(*tb);
  if (cfg.stackSizeSet) warnings.push_back("--stack-size ignored: the glue " + path + " fixes the stack");
  glue = std::move(g);
}

void Linker::layoutEmscripten() {
  Library &M = libs[0];
  const Dylink &d = *M.mod.dylink;
  M.memAlign = d.memoryAlign;
  M.memSize = d.memorySize;
  M.memBase = glue.memoryBase;
  M.tableSize = d.tableSize;
  M.tableBase = glue.tableBase;
  // The glue's stack: from the end of the main's data up to its __stack_pointer.
  stackLow = alignUp(M.memBase + M.memSize, 4);
  stackHigh = glue.stackTop ? *glue.stackTop : alignUp(stackLow + stackSize(), 4);
  if (stackHigh < stackLow)
    throw Error("the glue's stack (__stack_pointer " + std::to_string(stackHigh) + ") lies below the main module's data (end " +
                    std::to_string(stackLow) + ")",
                Error::kNoOffset, glue.path.empty() ? M.path : glue.path);
  // Side modules where the glue's loader would allocate them: from the stack's top, at
  // least 16-byte aligned; their slots after the main's.
  uint64_t cursor = stackHigh;
  uint64_t tcursor = uint64_t(M.tableBase) + M.tableSize;
  placeLibraries(cursor, tcursor, 1, 4);
  if (hasLibdl) {
    dlTableBase = alignUp(cursor, 4);
    cursor = dlTableBase + dlTableSize;
  }
  dataEnd = cursor;
  heapBase = alignUp(cursor, 4);
  // The glue's memory is INITIAL_MEMORY, the main's declared minimum: everything must fit.
  // (A main that defines its memory gets what the layout needs.)
  const Import *memImport = nullptr;
  for (auto &i : M.mod.imports)
    if (i.kind == ExternKind::Memory) memImport = &i;
  const uint64_t needed = (heapBase + 65535) / 65536;
  uint64_t pages = memImport ? memImport->memory.min : std::max<uint64_t>(needed, M.mod.memories.empty() ? 0 : M.mod.memories[0].min);
  if (heapBase > pages * 65536)
    throw Error("the linked program needs " + std::to_string(heapBase) + " bytes of memory before its heap, more than the " +
                    std::to_string(pages * 65536) + " of the main module's INITIAL_MEMORY: rebuild the main with a larger -sINITIAL_MEMORY",
                Error::kNoOffset, M.path);
  memoryPages = pages;
  heapEnd = pages * 65536;
  tableSize = uint32_t(tcursor);
  slots.assign(tableSize, -1);
  uint32_t importMin = 0;
  for (auto &i : M.mod.imports)
    if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) importMin = uint32_t(i.table.limits.min);
  // Active segments fill only what the main's import declares (the glue's table may be a
  // slot larger, but validators judge by the declaration); the start function does the rest.
  emInitialSlots = importMin;
}

void Linker::addEmscriptenImports(const std::function<uint32_t(const Import &)> &addHost) {
  // The glue's JS functions whose address is taken.
  for (auto &[name, type] : emGlueFuncs) {
    Import f;
    f.module = "env";
    f.field = name;
    f.kind = ExternKind::Func;
    f.typeIndex = internType(type);
    emGlueFuncOut.push_back(addHost(f));
  }
}

void Linker::checkEmscriptenImports() {
  // The glue instantiates with asmLibraryArg as "env" and "wasi_snapshot_preview1" (and
  // proxies for GOT.mem / GOT.func): anything else is a link error at start-up. Say so now.
  const Module &M = libs[0].mod;
  std::unordered_set<std::string> mainKeys; // the main's imports by length:module + field
  auto key = [](const Import &i) { return std::to_string(i.module.size()) + ":" + i.module + i.field; };
  for (auto &m : M.imports) mainKeys.insert(key(m));
  struct Missing {
    std::string name, field, who;
    std::string module;
  };
  std::vector<Missing> missing;
  for (auto &h : hostImports) {
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
    for (size_t k = 0; k < L.mod.imports.size() && f.who.empty(); ++k)
      if (L.imports[k].kind == Resolution::Host && L.mod.imports[k].module == f.module &&
          (L.imports[k].hostName.empty() ? L.mod.imports[k].field : L.imports[k].hostName) == f.field)
        f.who = L.name;
    if (!f.who.empty()) break;
  }
  std::string more = missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "";
  if (glue.path.empty()) {
    // Without the glue only the main's own imports are known to be provided.
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + missing[i].name;
    warnings.push_back("the glue may not provide " + list + (missing.size() > 8 ? ", ..." : "") +
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

void Linker::emitEmscriptenStart(ByteSink &b) const {
  auto i32 = [&](int64_t v) { emitI32Const(b, v); };
  // The glue must have laid out what prelink assumed: GLOBAL_BASE, the table base and a
  // stack that ends below the side modules' data. Trap at instantiation otherwise.
  b.u8(0x23), b.uleb(emMemoryBaseGlobal), i32(int64_t(libs[0].memBase)), b.u8(0x47);
  b.u8(0x23), b.uleb(emTableBaseGlobal), i32(libs[0].tableBase), b.u8(0x47), b.u8(0x72);
  b.u8(0x23), b.uleb(spGlobal), i32(int64_t(stackHigh)), b.u8(0x4b), b.u8(0x72);
  b.u8(0x04), b.u8(0x40), b.u8(0x00), b.u8(0x0b);
}

void Linker::emitEmscriptenExports() {
  // The glue adds GLOBAL_BASE to every number it finds among the exports (its
  // relocateExports): exported globals hold their value minus GLOBAL_BASE.
  const int64_t base = int64_t(libs[0].memBase);
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
  // A dylink.0 of the main's own: the glue reads it (NEEDED; none are left).
  Dylink d;
  d.memorySize = uint32_t(libs[0].memSize);
  d.memoryAlign = libs[0].memAlign;
  d.tableSize = libs[0].tableSize;
  d.tableAlign = libs[0].mod.dylink->tableAlign;
  d.hasMemInfo = true;
  out.dylink = d;
}

} // namespace wasmobj::linking

namespace wasmobj::linking {

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

} // namespace wasmobj::linking
