// Link-time evaluation. With every base and GOT entry a constant, the code that loaders
// run at start-up to relocate a library — `__wasm_apply_data_relocs`, and the start
// function `__wasm_apply_global_relocs` — is usually straight-line arithmetic on
// constants ending in stores. We run it here, write the results into the data image and
// the globals' initialisers, and empty the function. Anything we cannot evaluate exactly
// (a call, a branch, an unknown global, a store outside the image) leaves the function to
// run at start-up, unchanged in meaning.
#include "linker.h"

namespace wasmobj::linking {

std::optional<int64_t> Linker::evalConstExpr(const Library &L, const ConstExpr &e) const {
  int64_t stack[8];
  int sp = 0;
  InstrReader r(e.bytes, e.offset);
  Instr in;
  while (r.next(in)) {
    if (in.prefix != 0) return std::nullopt;
    switch (in.op) {
    case 0x41: // i32.const
    case 0x42: // i64.const
      if (sp == 8) return std::nullopt;
      stack[sp++] = in.value;
      break;
    case 0x23: { // global.get
      if (in.index >= L.globalMap.size()) return std::nullopt;
      const GlobalRemap &g = L.globalMap[in.index];
      if (sp == 8) return std::nullopt;
      if (g.kind != GlobalRemap::Index) stack[sp++] = g.value;
      else if (g.index < knownGlobal.size() && knownGlobal[g.index]) stack[sp++] = *knownGlobal[g.index];
      else return std::nullopt;
      break;
    }
    case 0x6a: case 0x6b: case 0x6c: { // i32.add/sub/mul
      if (sp < 2) return std::nullopt;
      uint32_t b = uint32_t(stack[--sp]), a = uint32_t(stack[sp - 1]);
      uint32_t v = in.op == 0x6a ? a + b : in.op == 0x6b ? a - b : a * b;
      stack[sp - 1] = int32_t(v);
      break;
    }
    case 0x7c: case 0x7d: case 0x7e: { // i64.add/sub/mul
      if (sp < 2) return std::nullopt;
      uint64_t b = uint64_t(stack[--sp]), a = uint64_t(stack[sp - 1]);
      stack[sp - 1] = int64_t(in.op == 0x7c ? a + b : in.op == 0x7d ? a - b : a * b);
      break;
    }
    case 0x0b: break;
    default: return std::nullopt;
    }
  }
  if (sp != 1) return std::nullopt;
  return stack[0];
}

namespace {

struct Store {
  uint64_t addr;
  uint8_t size;
  int64_t value;
};

// Evaluates a relocation function's body. Returns false if it is not straight-line
// constant code; on true, STORES and SETS hold its effects in order.
bool evaluateBody(const Linker &k, const Library &L, uint32_t localFunc, std::vector<Store> &stores,
                  std::vector<std::pair<uint32_t, int64_t>> &sets) {
  if (localFunc < L.mod.numImportedFuncs) return false;
  const FuncType &t = L.mod.types.at(L.mod.funcTypeIndex(localFunc));
  if (!t.params.empty() || !t.results.empty()) return false;
  const Function &fn = L.mod.functions[localFunc - L.mod.numImportedFuncs];
  LocalsInfo li;
  ByteView expr = skipLocals(fn.body, fn.bodyOffset, &li);
  if (li.total > 64) return false;
  int64_t locals[64] = {};
  std::vector<int64_t> stack;
  stack.reserve(16);
  std::unordered_map<uint32_t, int64_t> setSoFar;
  auto readGlobal = [&](uint32_t g, int64_t &v) -> bool {
    if (g >= L.globalMap.size()) return false;
    const GlobalRemap &m = L.globalMap[g];
    if (m.kind != GlobalRemap::Index) {
      v = m.value;
      return true;
    }
    if (auto it = setSoFar.find(m.index); it != setSoFar.end()) {
      v = it->second;
      return true;
    }
    if (m.index < k.knownGlobal.size() && k.knownGlobal[m.index]) {
      v = *k.knownGlobal[m.index];
      return true;
    }
    return false;
  };
  InstrReader r(expr, fn.bodyOffset + (expr.data() - fn.body.data()));
  Instr in;
  while (r.next(in)) {
    if (in.prefix != 0) return false;
    switch (in.op) {
    case 0x01: break; // nop
    case 0x0b: if (in.depth != 0) return false; break;
    case 0x41: case 0x42: stack.push_back(in.value); break;
    case 0x20: if (in.index >= li.total) return false; stack.push_back(locals[in.index]); break;
    case 0x21: case 0x22:
      if (in.index >= li.total || stack.empty()) return false;
      locals[in.index] = stack.back();
      if (in.op == 0x21) stack.pop_back();
      break;
    case 0x23: {
      int64_t v;
      if (!readGlobal(in.index, v)) return false;
      stack.push_back(v);
      break;
    }
    case 0x24: {
      if (stack.empty() || in.index >= L.globalMap.size()) return false;
      const GlobalRemap &m = L.globalMap[in.index];
      // Only the library's own defined globals: their new value becomes the initialiser.
      if (m.kind != GlobalRemap::Index || in.index < L.mod.numImportedGlobals) return false;
      setSoFar[m.index] = stack.back();
      sets.emplace_back(m.index, stack.back());
      stack.pop_back();
      break;
    }
    case 0x6a: case 0x6b: case 0x6c: {
      if (stack.size() < 2) return false;
      uint32_t b = uint32_t(stack.back());
      stack.pop_back();
      uint32_t a = uint32_t(stack.back());
      stack.back() = int32_t(in.op == 0x6a ? a + b : in.op == 0x6b ? a - b : a * b);
      break;
    }
    case 0x7c: case 0x7d: case 0x7e: {
      if (stack.size() < 2) return false;
      uint64_t b = uint64_t(stack.back());
      stack.pop_back();
      uint64_t a = uint64_t(stack.back());
      stack.back() = int64_t(in.op == 0x7c ? a + b : in.op == 0x7d ? a - b : a * b);
      break;
    }
    case 0x36: case 0x37: { // i32.store, i64.store
      if (stack.size() < 2 || in.mem.memory != 0) return false;
      int64_t value = stack.back();
      stack.pop_back();
      uint64_t addr = uint64_t(uint32_t(stack.back())) + in.mem.offset;
      stack.pop_back();
      stores.push_back(Store{addr, uint8_t(in.op == 0x36 ? 4 : 8), value});
      break;
    }
    default: return false;
    }
  }
  return stack.empty();
}

// Finds a function by its name in the "name" section (subsection 1).
std::optional<uint32_t> functionByName(const Module &m, std::string_view name) {
  for (auto &c : m.customs) {
    if (c.name != "name") continue;
    try {
      Cursor cur(c.payload, c.offset);
      while (!cur.atEnd()) {
        uint8_t id = cur.u8();
        uint32_t size = cur.u32();
        Cursor sub(cur.bytes(size), 0);
        if (id != 1) continue;
        uint32_t n = sub.u32();
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t idx = sub.u32();
          if (sub.name() == name) return idx;
        }
      }
    } catch (const Error &) {
      // A malformed name section only costs us the name lookup.
    }
  }
  return std::nullopt;
}

std::optional<uint32_t> findFunction(const Module &m, std::string_view name) {
  if (const Export *e = m.findExport(name); e && e->kind == ExternKind::Func) return e->index;
  return functionByName(m, name);
}

} // namespace

void Linker::evaluateRelocations() {
  // Initial values of globals with constant initialisers.
  knownGlobal.assign(numGlobalsTotal, std::nullopt);
  for (auto &L : libs)
    for (uint32_t k = 0; k < L.mod.globals.size(); ++k) {
      uint32_t og = L.globalMap[L.mod.numImportedGlobals + k].index;
      knownGlobal[og] = evalConstExpr(L, L.mod.globals[k].init);
    }
  for (auto &L : libs) {
    L.relocFunc = findFunction(L.mod, "__wasm_apply_data_relocs");
    L.ctorsFunc = findFunction(L.mod, "__wasm_call_ctors");
    L.startFunc = L.mod.start;
  }
  auto apply = [&](Library &L, std::vector<Store> &stores, std::vector<std::pair<uint32_t, int64_t>> &sets) -> bool {
    // All stores must land in some library's image; then commit.
    for (auto &s : stores) {
      bool ok = false;
      for (auto &D : libs)
        if (s.addr >= D.memBase && s.addr + s.size <= D.memBase + D.image.size()) ok = true;
      if (!ok) return false;
    }
    for (auto &s : stores)
      for (auto &D : libs)
        if (s.addr >= D.memBase && s.addr + s.size <= D.memBase + D.image.size()) {
          uint64_t v = uint64_t(s.value);
          std::memcpy(D.image.data() + (s.addr - D.memBase), &v, s.size);
          break;
        }
    for (auto &[g, v] : sets) {
      knownGlobal[g] = v;
      evaluatedInit[g] = v;
    }
    return true;
  };
  // Start functions first (they run at instantiation), then data relocations.
  for (auto &L : libs) {
    if (!L.startFunc) continue;
    std::vector<Store> stores;
    std::vector<std::pair<uint32_t, int64_t>> sets;
    if (evaluateBody(*this, L, *L.startFunc, stores, sets) && apply(L, stores, sets)) {
      L.startEvaluated = true;
    } else {
      // It runs at start-up and may change any mutable global: forget what we knew.
      for (auto &D : libs)
        for (uint32_t k = 0; k < D.mod.globals.size(); ++k)
          if (D.mod.globals[k].type.mut) knownGlobal[D.globalMap[D.mod.numImportedGlobals + k].index] = std::nullopt;
    }
  }
  for (auto &L : libs) {
    if (!L.relocFunc || L.hasPassiveData) continue;
    std::vector<Store> stores;
    std::vector<std::pair<uint32_t, int64_t>> sets;
    if (evaluateBody(*this, L, *L.relocFunc, stores, sets) && apply(L, stores, sets)) L.relocsEvaluated = true;
  }
}

} // namespace wasmobj::linking
