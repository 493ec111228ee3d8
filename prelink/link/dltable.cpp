// dlopen without loading: prelink adds its own small libdl (libdl/prelink_dl.c, embedded)
// as a global-scope library when the program calls dlopen, and writes the table it
// answers from (libdl/prelink_dl.h) into the module's memory, after all libraries' data.
#include <algorithm>
#include <filesystem>

#include "linker.h"
#include "parallel.h"
#include "libdl/prelink_dl.h"
#include "wasmobj/reader.h"

namespace wasmobj::linking {

namespace fs = std::filesystem;

void Linker::addLibdl() {
  // Extra dlopen names first: they may name any input.
  auto findInput = [&](const std::string &key) -> Library * {
    for (auto &L : libs)
      if (L.name == key || L.path == key) return &L;
    for (auto &L : libs)
      if (fs::path(L.path).lexically_normal() == fs::path(key).lexically_normal()) return &L;
    return nullptr;
  };
  for (auto &spec : cfg.dlopenNames) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw Error("--dlopen-name wants INPUT=PATH, got \"" + spec + "\"");
    Library *L = findInput(spec.substr(0, eq));
    if (!L) throw Error("--dlopen-name " + spec + ": no input named \"" + spec.substr(0, eq) + "\"");
    L->dlNames.push_back(spec.substr(eq + 1));
  }
  for (auto &spec : cfg.dlopenPrefixes) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--dlopen-prefix wants DIR=PREFIX, got \"" + spec + "\"");
    fs::path dir = fs::path(spec.substr(0, eq)).lexically_normal();
    std::string prefix = spec.substr(eq + 1);
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    for (auto &L : libs) {
      fs::path rel = fs::path(L.path).lexically_normal().lexically_relative(dir);
      if (rel.empty() || *rel.begin() == "..") continue;
      L.dlNames.push_back(prefix + rel.generic_string());
    }
  }

  if (cfg.noLibdl) return;
  // Needed when a library of the global scope imports a dl function nobody defines (for
  // emcc's main modules: when the main imports its libc's way into the glue).
  const LibdlVariant *v = host->libdl();
  if (!v) return;
  bool wanted = false;
  for (auto &L : libs) {
    if (!L.global || (v->mainOnly && !L.isMain)) continue;
    for (auto &imp : L.mod.imports)
      if (imp.kind == ExternKind::Func && imp.module == "env")
        wanted = wanted || std::find(v->functions.begin(), v->functions.end(), imp.field) != v->functions.end();
  }
  for (auto &L : libs)
    if (v->unlessDefined && L.global && L.exportIndex.count("dlopen")) wanted = false;
  if (!wanted) return;
  Library D;
  D.name = "libprelink_dl.so";
  D.path = "<prelink libdl>";
  D.isLibdl = true;
  D.global = true;
  D.mod = readModule(ByteView(v->bytes, v->size), D.path);
  D.sha256 = "";
  // libdl is built for an unshared memory; its code has no atomics, so the program's
  // shared memory fits it as is (its data is laid out like every input's).
  const Limits *mainMemory = mainMemoryLimits();
  if (mainMemory && mainMemory->shared())
    for (auto &i : D.mod.imports)
      if (i.kind == ExternKind::Memory) {
        i.memory.flags |= mainMemory->flags & 3;
        i.memory.max = mainMemory->max;
      }
  for (uint32_t i = 0; i < D.mod.exports.size(); ++i) D.exportIndex.emplace(D.mod.exports[i].name, i);
  libs.push_back(std::move(D));
  computeLocalScopes();
  hasLibdl = true;
}

void Linker::warnUnreachable() {
  // A dlopen-only input runs only when something dlopens it: with no libdl and no library
  // importing a dlopen of the host, nothing can. Said once per library (the first ten).
  if (hasLibdl) return;
  for (auto &L : libs)
    for (auto &imp : L.mod.imports)
      if (imp.kind == ExternKind::Func && imp.module == "env")
        for (auto &h : kHostDlFunctions)
          if ((h.flag & (1 | 64)) && imp.field == h.name) return;
  size_t n = 0;
  for (auto &L : libs) {
    if (L.global || L.isLibdl) continue;
    if (++n <= 10) warnings.push_back(L.path + ": no library NEEDs it and none calls dlopen: it is linked but can never run");
  }
  if (n > 10) warnings.push_back(std::to_string(n - 10) + " more inputs no library NEEDs or can dlopen");
}

namespace {

// What goes into the table for one library: its symbols sorted by name.
std::vector<Linker::DlSymbol> dlSymbolsOf(const Linker &k, const Library &L) {
  std::vector<Linker::DlSymbol> v;
  for (uint32_t i = 0; i < L.mod.exports.size(); ++i) {
    const Export &e = L.mod.exports[i];
    if (isLinkerInternal(e.name)) continue;
    if (e.kind == ExternKind::Func) v.push_back({e.name, PL_SYM_FUNC, i});
    else if (k.isDataExport(L, e)) v.push_back({e.name, PL_SYM_DATA, i});
  }
  std::sort(v.begin(), v.end(), [](const Linker::DlSymbol &a, const Linker::DlSymbol &b) { return a.name < b.name; });
  return v;
}

// Byte layout of the table: header, libraries (+1 pseudo), symbols, u32 arrays, strings.
struct DlLayout {
  uint64_t header = 0, libs = 0, syms = 0, arrays = 0, strings = 0, size = 0;
};

DlLayout dlLayout(const Linker &k) {
  DlLayout l;
  size_t nsyms = 0, nwords = 0, nstr = 0;
  for (size_t li = 0; li < k.libs.size(); ++li) {
    const Library &L = k.libs[li];
    const auto &syms = k.dlSymbols[li];
    nsyms += syms.size();
    for (auto &s : syms) nstr += s.name.size() + 1;
    nwords += L.localScope.size() + L.dlNames.size();
    nstr += L.name.size() + 1;
    for (auto &n : L.dlNames) nstr += n.size() + 1;
    if (L.global) ++nwords; // global scope list
  }
  nstr += 1; // the pseudo library's empty name
  l.header = 0;
  l.libs = 9 * 4;
  l.syms = l.libs + (k.libs.size() + 1) * 13 * 4;
  l.arrays = l.syms + nsyms * 3 * 4;
  l.strings = l.arrays + nwords * 4;
  l.size = l.strings + nstr;
  return l;
}

} // namespace

void Linker::planDlTable() {
  if (!hasLibdl) return;
  dlSymbols.resize(libs.size());
  parallelFor(uint32_t(libs.size()), [&](uint32_t li) { dlSymbols[li] = dlSymbolsOf(*this, libs[li]); }, 8);
  dlTableSize = dlLayout(*this).size;
}

void Linker::assignDlSlots() {
  // A host initialises a dlopen-only library through its init function's slot.
  for (auto &L : libs)
    if (L.initFunc) slotFor(*L.initFunc);
  tableSize = uint32_t(slots.size());
  if (!hasLibdl) return;
  // Every function dlsym can return and every init function needs its one table slot.
  for (size_t li = 0; li < libs.size(); ++li) {
    const Library &L = libs[li];
    for (auto &s : dlSymbols[li])
      if (s.kind == PL_SYM_FUNC) slotFor(L.funcMap.at(addressedFunction(L, L.mod.exports[s.exportIdx])));
    if (L.initFunc) slotFor(*L.initFunc);
  }
  tableSize = uint32_t(slots.size());
}

void Linker::buildDlTable() {
  if (!hasLibdl) return;
  DlLayout lay = dlLayout(*this);
  dlImage.assign(lay.size, 0);
  const uint32_t base = uint32_t(dlTableBase);
  auto put = [&](uint64_t off, uint32_t v) { std::memcpy(dlImage.data() + off, &v, 4); };
  uint64_t symAt = lay.syms, wordAt = lay.arrays, strAt = lay.strings;
  auto addString = [&](std::string_view s) -> uint32_t {
    uint32_t addr = base + uint32_t(strAt);
    std::memcpy(dlImage.data() + strAt, s.data(), s.size());
    strAt += s.size() + 1;
    return addr;
  };
  const uint32_t nlibs = uint32_t(libs.size());
  std::vector<uint32_t> globals;
  for (uint32_t i = 0; i < nlibs; ++i)
    if (libs[i].global) globals.push_back(i);

  for (uint32_t i = 0; i <= nlibs; ++i) {
    const uint64_t at = lay.libs + uint64_t(i) * 13 * 4;
    if (i == nlibs) { // dlopen(NULL): the global scope
      put(at + 0, addString("")); // an empty name matches nothing but an empty path
      put(at + 40, PL_LIB_PSEUDO);
      continue;
    }
    const Library &L = libs[i];
    put(at + 0, addString(L.name));
    put(at + 4, base + uint32_t(wordAt));
    for (auto &n : L.dlNames) {
      put(wordAt, addString(n));
      wordAt += 4;
    }
    put(at + 8, uint32_t(L.dlNames.size()));
    const auto &syms = dlSymbols[i];
    put(at + 12, base + uint32_t(symAt));
    put(at + 16, uint32_t(syms.size()));
    for (auto &s : syms) {
      const Export &e = L.mod.exports[s.exportIdx];
      uint32_t value = s.kind == PL_SYM_FUNC ? slotOf.at(L.funcMap.at(addressedFunction(L, e))) : uint32_t(dataAddress(L, e));
      put(symAt + 0, addString(s.name));
      put(symAt + 4, value);
      put(symAt + 8, s.kind);
      symAt += 12;
    }
    put(at + 20, base + uint32_t(wordAt));
    for (int j : L.localScope) {
      put(wordAt, uint32_t(j));
      wordAt += 4;
    }
    put(at + 24, uint32_t(L.localScope.size()));
    put(at + 28, L.initFunc ? slotOf.at(*L.initFunc) : 0);
    put(at + 32, uint32_t(L.memBase));
    put(at + 36, uint32_t(L.memSize));
    put(at + 40, (L.global ? PL_LIB_GLOBAL : 0) | (L.unloadable.empty() ? 0 : PL_LIB_UNLOADABLE) |
                     (L.isMain || L.isLibdl ? PL_LIB_PROGRAM : 0));
  }
  put(0, PL_DL_MAGIC);
  put(4, PL_DL_VERSION);
  put(8, hostDlFlags | (host->relocatableOutput() ? PL_BUNDLE : 0));
  put(12, nlibs);
  put(16, base + uint32_t(lay.libs));
  put(20, base + uint32_t(wordAt));
  for (uint32_t g : globals) {
    put(wordAt, g);
    wordAt += 4;
  }
  put(24, uint32_t(globals.size()));
  put(28, base);
  // libdl's anchor function: its slot tells libdl how far the loader moved the table's slots.
  uint32_t anchor = 0;
  for (auto &L : libs)
    if (L.isLibdl) anchor = slotOf.at(L.funcMap.at(L.mod.exports[L.exportIndex.at(host->libdl()->anchor)].index));
  put(32, anchor);
  if (wordAt != lay.strings || strAt != lay.size) throw Error("internal error: dl table layout");
}

} // namespace wasmobj::linking
