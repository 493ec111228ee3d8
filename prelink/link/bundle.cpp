// Bundle mode (prelink --shared): side modules become ONE side module that any unmodified
// dylink.0 loader loads in place of the first input. Addresses inside the bundle are its
// one __memory_base / __table_base plus constants; calls between the bundled libraries are
// direct; what the bundle does not define stays an import (env, GOT.mem, GOT.func) for the
// loader. Only MVP constant expressions are used (node 20's V8 has no extended-const), as
// wasm-ld does for -shared: one data segment and one element segment at the bases, and
// base-relative globals set by the start function.
#include <algorithm>
#include <functional>
#include <unordered_set>

#include "linker.h"

namespace wasmobj::linking {

void Linker::layoutBundle() {
  // Offsets from the bundle's own bases: both start at 0.
  uint64_t cursor = 0, tcursor = 0;
  placeLibraries(cursor, tcursor);
  for (auto &L : libs) bundleMemAlign = std::max(bundleMemAlign, L.memAlign);
  if (hasLibdl) {
    dlTableBase = alignUp(cursor, 4);
    cursor = dlTableBase + dlTableSize;
  }
  dataEnd = cursor;
  heapBase = heapEnd = 0;
  memoryPages = 0;
  for (auto &i : libs[0].mod.imports)
    if (i.kind == ExternKind::Memory) memoryPages = i.memory.min;
  tableSize = uint32_t(tcursor);
  slots.assign(tableSize, -1);
}

uint32_t Linker::baseRelativeGlobal(Resolution::Reloc kind, int64_t offset) {
  if (offset == 0) return kind == Resolution::RelocMemory ? memoryBaseGlobal : tableBaseGlobal;
  auto key = std::make_pair(int(kind), offset);
  auto it = baseRelativeGlobals.find(key);
  if (it != baseRelativeGlobals.end()) return it->second;
  uint32_t g = numGlobalsTotal + uint32_t(baseRelativeGlobals.size());
  baseRelativeGlobals.emplace(key, g);
  return g;
}

// Every constant that is really an address in the bundle becomes a global the start
// function sets to base + offset (the code reads it with global.get, as before).
void Linker::relocateBundleConstants() {
  // Library globals initialised from a base (MVP allows only `global.get` of an import):
  // the start function sets them to base + offset instead.
  for (auto &L : libs) {
    // Imported global -> its import's relocation kind (one pass, not one per global.get).
    std::vector<Resolution::Reloc> importReloc;
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii)
      if (L.mod.imports[ii].kind == ExternKind::Global) importReloc.push_back(L.imports[ii].reloc);
    for (uint32_t k = 0; k < L.mod.globals.size(); ++k) {
      const Global &g = L.mod.globals[k];
      InstrReader rd(g.init.bytes, g.init.offset);
      Instr in;
      Resolution::Reloc kind = Resolution::NoReloc;
      while (rd.next(in))
        if (in.shape == ImmShape::GlobalGet && in.index < importReloc.size() && importReloc[in.index] != Resolution::NoReloc)
          kind = importReloc[in.index];
      if (kind == Resolution::NoReloc) continue;
      auto v = evalConstExpr(L, g.init);
      if (!v) throw Error("cannot evaluate a global initialiser", g.init.offset, L.path);
      bundleGlobalSets[L.globalMap[L.mod.numImportedGlobals + k].index] = {int(kind), *v};
    }
  }
  for (auto &L : libs) {
    uint32_t gi = 0;
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      if (L.mod.imports[ii].kind != ExternKind::Global) continue;
      const Resolution &r = L.imports[ii];
      if (r.kind == Resolution::Const && r.reloc != Resolution::NoReloc)
        L.globalMap[gi] = GlobalRemap::to(baseRelativeGlobal(r.reloc, r.value));
      ++gi;
    }
  }
}

Bytes Linker::baseRelativeExpr(Resolution::Reloc kind, int64_t offset) const {
  ByteSink s;
  s.u8(0x23);
  s.uleb(kind == Resolution::RelocMemory ? memoryBaseGlobal : tableBaseGlobal);
  if (offset != 0) {
    emitI32Const(s, offset);
    s.u8(0x6a);
  }
  return std::move(s.out);
}

void Linker::emitBundleInitFunctions() {
  auto addFunction = [&](uint32_t expectIndex, Bytes body) { addSyntheticFunction(expectIndex, std::move(body)); };
  const auto &call = emitCall;
  const auto &guardOnce = emitGuardOnce;
  const auto addGuard = [&] { return addGuardGlobal(); };
  const std::vector<int> order = constructorOrder();

  // start: base-relative globals, then each library's own start function.
  ByteSink start;
  start.u8(0);
  std::vector<std::pair<uint32_t, std::pair<int, int64_t>>> rel;
  for (auto &[key, g] : baseRelativeGlobals) rel.push_back({g, key});
  std::sort(rel.begin(), rel.end());
  for (auto &[g, key] : rel) {
    Bytes e = baseRelativeExpr(Resolution::Reloc(key.first), key.second);
    start.bytes(e);
    start.u8(0x24);
    start.uleb(g);
  }
  for (auto &[g, key] : bundleGlobalSets) {
    Bytes e = baseRelativeExpr(Resolution::Reloc(key.first), key.second);
    start.bytes(e);
    start.u8(0x24);
    start.uleb(g);
  }
  for (auto &L : libs)
    if (L.startFunc) call(start, L.funcMap.at(*L.startFunc));
  start.u8(0x0b);
  addFunction(startFuncIndex, std::move(start.out));
  out.start = startFuncIndex;

  // __wasm_apply_data_relocs: every library's relocations, once — they only need the
  // loader's answers to the bundle's imports, all known at instantiation.
  const uint32_t relocGuard = addGuard();
  ByteSink relocs;
  relocs.u8(0);
  guardOnce(relocs, relocGuard);
  for (auto &L : libs)
    if (L.relocFunc) call(relocs, L.funcMap.at(*L.relocFunc));
  relocs.u8(0x0b);
  addFunction(relocsFuncIndex, std::move(relocs.out));
  addFunction(trapFuncIndex, Bytes{0x00, 0x00, 0x0b}); // unreachable

  // __wasm_call_ctors: relocations first (a loader may call the constructors before the
  // relocations, as cowasm's does, or after, as emscripten's does), then constructors.
  const uint32_t ctorGuard = addGuard();
  ByteSink ctors;
  ctors.u8(0);
  guardOnce(ctors, ctorGuard);
  call(ctors, relocsFuncIndex);
  for (int i : order)
    if (libs[i].ctorsFunc) call(ctors, libs[i].funcMap.at(*libs[i].ctorsFunc));
  ctors.u8(0x0b);
  addFunction(ctorsFuncIndex, std::move(ctors.out));

  // dlopen-only libraries: guarded init functions (their relocations ran with the rest).
  for (auto &L : libs) {
    if (L.global) continue;
    L.initGuard = addGuard();
  }
  for (auto &L : libs) {
    if (L.global) continue;
    ByteSink b;
    b.u8(0);
    guardOnce(b, L.initGuard);
    for (int j : L.needed)
      if (!libs[j].global) call(b, *libs[j].initFunc);
    if (L.ctorsFunc) call(b, L.funcMap.at(*L.ctorsFunc));
    b.u8(0x0b);
    addFunction(*L.initFunc, std::move(b.out));
  }
  out.types = types;
}

void Linker::emitBundleExports() {
  out.exports.push_back(Export{"__wasm_call_ctors", ExternKind::Func, ctorsFuncIndex});
  out.exports.push_back(Export{"__wasm_apply_data_relocs", ExternKind::Func, relocsFuncIndex});
  // The global-scope symbols, in load order; data as globals holding offsets from the
  // bundle's __memory_base (the dylink.0 convention). prelink's libdl stays private: the
  // bundle's dlopen import must keep reaching the host.
  exportGlobalScope(0, [](const std::string &) { return true; }, false);
  // dylink.0 of the bundle: one memory and table need, what stays outside as NEEDED, and
  // the weak flags of the imports it kept.
  Dylink d;
  d.hasMemInfo = true;
  d.memorySize = uint32_t(dataEnd);
  d.memoryAlign = bundleMemAlign;
  d.tableSize = tableSize;
  d.tableAlign = 0;
  d.needed = externalNeeded;
  std::unordered_set<std::string_view> hostFields;
  for (auto &h : hostImports) hostFields.insert(h.imp.field);
  std::unordered_set<std::string> added; // length:module + field, of what d.importInfo holds
  for (auto &L : libs)
    for (auto &i : L.mod.dylink->importInfo) {
      if (!hostFields.count(i.field)) continue;
      if (added.insert(std::to_string(i.module.size()) + ":" + i.module + i.field).second) d.importInfo.push_back(i);
    }
  out.dylink = d;
}

} // namespace wasmobj::linking
