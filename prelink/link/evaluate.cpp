// Link-time evaluation. With every base and GOT entry a constant, the code that loaders
// run at start-up to relocate a library — `__wasm_apply_data_relocs`, and the start
// function `__wasm_apply_global_relocs` — is usually straight-line arithmetic on
// constants ending in stores. We run it here, write the results into the data image and
// the globals' initialisers, and empty the function. Anything we cannot evaluate exactly
// (a call, a branch, an unknown global, a store outside the image) leaves the function to
// run at start-up, unchanged in meaning.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "linker.h"
#include "parallel.h"

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

// What evaluating a relocation function gave.
struct Evaluation {
  std::string fatal;    // non-empty: nothing can be evaluated, the function runs as is
  std::vector<Store> stores;
  std::vector<std::pair<uint32_t, int64_t>> sets; // output global -> value
  Bytes residual;       // instructions (module-local indices) left for start-up, no end
  uint32_t residualOps = 0, totalOps = 0;
  std::vector<uint32_t> residualGlobals; // output globals the residual code writes
};

// Partially evaluates a relocation function: straight-line code of constants, global
// reads, integer arithmetic, stores and global writes. Every store or global write whose
// inputs are known at link time is done here; the instructions of the others (a value
// on the wasm stack is always a contiguous run of instructions in such code) are kept,
// in order, as the residual function that runs at start-up.
Evaluation evaluateBodyIn(const Linker &k, const Library &L, uint32_t localFunc);

// Decoding errors name the library the body came from.
Evaluation evaluateBody(const Linker &k, const Library &L, uint32_t localFunc) {
  try {
    return evaluateBodyIn(k, L, localFunc);
  } catch (const Error &e) {
    throw e.withFile(L.path);
  }
}

Evaluation evaluateBodyIn(const Linker &k, const Library &L, uint32_t localFunc) {
  Evaluation ev;
  if (localFunc < L.mod.numImportedFuncs) {
    ev.fatal = "it is an imported function";
    return ev;
  }
  const FuncType &t = L.mod.types.at(L.mod.funcTypeIndex(localFunc));
  if (!t.params.empty() || !t.results.empty()) {
    ev.fatal = "it has parameters or results";
    return ev;
  }
  const Function &fn = L.mod.functions[localFunc - L.mod.numImportedFuncs];
  LocalsInfo li;
  ByteView expr = skipLocals(fn.body, fn.bodyOffset, &li);
  const uint64_t exprBase = fn.bodyOffset + uint64_t(expr.data() - fn.body.data());
  if (li.total > 64) {
    ev.fatal = "it has more than 64 locals";
    return ev;
  }
  struct Val {
    bool known;
    int64_t v;
    uint64_t start; // offset in EXPR of the first instruction computing it
  };
  int64_t locals[64] = {};
  // The wasm stack: a few values deep in this code (at most 1024, below). Pushed inline
  // (std::vector's push_back was a call per instruction: 2 ms of P1's evaluation).
  struct Stack {
    std::vector<Val> v = std::vector<Val>(16);
    size_t n = 0;
    void push(const Val &x) {
      if (n == v.size()) [[unlikely]] v.resize(2 * n);
      v[n++] = x;
    }
    bool empty() const { return n == 0; }
    size_t size() const { return n; }
    Val &back() { return v[n - 1]; }
    void pop() { --n; }
  } stack;
  // About one store per 16 bytes of body (python.wasm: 39,240 in 639,523 bytes); at most
  // 1.5 MB ahead of what is found.
  ev.stores.reserve(std::min<size_t>(expr.size() / 16, size_t(1) << 16));
  std::unordered_map<uint32_t, int64_t> setSoFar;
  std::unordered_map<uint32_t, bool> unknownGlobals;
  auto opName = [](const Instr &in) {
    char b[64];
    std::snprintf(b, sizeof b, "opcode 0x%s%02x at byte offset %llu", in.prefix ? "fc.." : "", unsigned(in.op),
                  (unsigned long long)in.offset);
    return std::string(b);
  };
  auto readGlobal = [&](uint32_t g, int64_t &v) -> bool {
    if (g >= L.globalMap.size()) return false;
    const GlobalRemap &m = L.globalMap[g];
    if (m.kind != GlobalRemap::Index) {
      v = m.value;
      return true;
    }
    // Most relocation functions set no global: then there is nothing to look up.
    if (!unknownGlobals.empty() && unknownGlobals.count(m.index)) return false;
    if (!setSoFar.empty())
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
  auto keep = [&](uint64_t from, const Instr &in) {
    const uint8_t *b = expr.data() + from;
    const uint8_t *e = expr.data() + (in.offset + in.size - exprBase);
    ev.residual.insert(ev.residual.end(), b, e);
    ++ev.residualOps;
  };
  // One instruction; false once evaluation stops (ev.fatal says why).
  auto step = [&](const Instr &in) -> bool {
    const uint64_t pos = in.offset - exprBase;
    // Relocation code keeps two or three values; a body that piles up more is not that
    // code, and is not given memory without bound.
    if (stack.size() == 1024) {
      ev.fatal = "its stack holds 1024 values";
      return false;
    }
    if (in.prefix != 0) {
      ev.fatal = "it contains " + opName(in);
      return false;
    }
    switch (in.op) {
    case 0x01: break; // nop
    case 0x0b:
      if (in.depth != 0) {
        ev.fatal = "it has blocks";
        return false;
      }
      break;
    case 0x41: case 0x42: stack.push(Val{true, in.value, pos}); break;
    case 0x20:
      if (in.index >= li.total) {
        ev.fatal = "it reads a parameter";
        return false;
      }
      stack.push(Val{true, locals[in.index], pos});
      break;
    case 0x21: case 0x22:
      // Locals are only followed through known values.
      if (in.index >= li.total || stack.empty() || !stack.back().known) {
        ev.fatal = "it keeps a value not known at link time in a local";
        return false;
      }
      locals[in.index] = stack.back().v;
      if (in.op == 0x21) stack.pop();
      break;
    case 0x23: {
      int64_t v = 0;
      bool known = readGlobal(in.index, v);
      stack.push(Val{known, v, pos});
      break;
    }
    case 0x24: {
      if (stack.empty() || in.index >= L.globalMap.size()) {
        ev.fatal = "malformed global.set";
        return false;
      }
      const GlobalRemap &m = L.globalMap[in.index];
      // Only the library's own defined globals: their new value becomes the initialiser.
      if (m.kind != GlobalRemap::Index || in.index < L.mod.numImportedGlobals) {
        ev.fatal = "it writes an imported global";
        return false;
      }
      Val v = stack.back();
      stack.pop();
      ++ev.totalOps;
      if (v.known) {
        setSoFar[m.index] = v.v;
        ev.sets.emplace_back(m.index, v.v);
      } else {
        setSoFar.erase(m.index);
        unknownGlobals[m.index] = true;
        ev.residualGlobals.push_back(m.index);
        keep(v.start, in);
      }
      break;
    }
    case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: {
      if (stack.size() < 2) {
        ev.fatal = "stack underflow";
        return false;
      }
      Val b = stack.back();
      stack.pop();
      Val &a = stack.back();
      a.known = a.known && b.known;
      if (in.op <= 0x6c) {
        uint32_t x = uint32_t(a.v), y = uint32_t(b.v);
        a.v = int32_t(in.op == 0x6a ? x + y : in.op == 0x6b ? x - y : x * y);
      } else {
        uint64_t x = uint64_t(a.v), y = uint64_t(b.v);
        a.v = int64_t(in.op == 0x7c ? x + y : in.op == 0x7d ? x - y : x * y);
      }
      break;
    }
    case 0x36: case 0x37: { // i32.store, i64.store
      if (stack.size() < 2 || in.mem.memory != 0) {
        ev.fatal = "malformed store";
        return false;
      }
      Val value = stack.back();
      stack.pop();
      Val addr = stack.back();
      stack.pop();
      ++ev.totalOps;
      if (value.known && addr.known)
        ev.stores.push_back(Store{uint64_t(uint32_t(addr.v)) + in.mem.offset, uint8_t(in.op == 0x36 ? 4 : 8), value.v});
      else
        keep(addr.start, in);
      break;
    }
    default:
      ev.fatal = "it contains " + opName(in);
      return false;
    }
    return true;
  };
  // Relocation code is global.get, constants, adds and stores: those are decoded here
  // while 16 bytes remain, without bounds checks or a whole Instr made per instruction
  // (InstrReader's general decoding was half of evaluating P1's relocations); anything
  // else, a long LEB, and the final end go through an InstrReader from where they start,
  // so its errors and offsets are the ones a reader of the whole body gives. Evaluation
  // stops at the first block, so every instruction here is at depth 1.
  Instr in;
  for (size_t at = 0;;) {
    const uint8_t *p = expr.data() + at;
    bool fast = expr.size() - at >= 16;
    if (fast) {
      uint64_t u = 0;
      int64_t v = 0;
      const uint8_t op = *p++;
      switch (op) {
      case 0x01: case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
        fast = fastUleb<32>(p, u);
        in.index = uint32_t(u);
        break;
      case 0x41:
        fast = fastSleb<32>(p, v);
        in.value = v;
        break;
      case 0x42:
        fast = fastSleb<64>(p, v);
        in.value = v;
        break;
      case 0x36: case 0x37:
        fast = *p < 0x40; // memory 0, valid alignment flags
        in.mem = MemArg{};
        in.mem.align = *p++;
        fast = fast && fastUleb<64>(p, u);
        in.mem.offset = u;
        break;
      default: fast = false;
      }
      if (fast) {
        in.prefix = 0; // and the fields step reads for OP; the others are not its
        in.op = op;
        in.offset = exprBase + at;
        in.size = uint32_t(p - (expr.data() + at));
        in.depth = 1;
      }
    }
    if (!fast) {
      InstrReader r(expr.subspan(at), exprBase + at);
      if (!r.next(in)) break; // (at the end of the expression r.next throws instead)
    }
    if (!step(in)) return ev;
    at += in.size;
    if (in.depth == 0) break; // the final end
  }
  if (!stack.empty()) ev.fatal = "values left on the stack";
  return ev;
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

// A function the loaders call with no arguments (constructors, relocations), by export
// or, failing that, by its name in the "name" section (advisory: an index out of range
// there is ignored). It must take and return nothing, as the loaders call it.
std::optional<uint32_t> findFunction(const Library &L, std::string_view name) {
  const Module &m = L.mod;
  std::optional<uint32_t> f;
  if (const Export *e = m.findExport(name); e && e->kind == ExternKind::Func) f = e->index;
  else f = functionByName(m, name);
  if (!f || *f >= m.numFuncs()) return std::nullopt;
  const FuncType &t = m.types.at(m.funcTypeIndex(*f));
  if (!t.params.empty() || !t.results.empty())
    throw Error(std::string(name) + " has type " + t.str() + "; the dynamic-linking ABI wants () -> ()", Error::kNoOffset, L.path);
  return f;
}

} // namespace

void Linker::evaluateRelocations() {
  // Initial values of globals with constant initialisers.
  knownGlobal.assign(numGlobalsTotal, std::nullopt);
  // The libraries' mutable globals whose value is known now: what a start function that
  // runs at start-up makes unknown again (a list, so forgetting is not a pass over all).
  std::vector<bool> libMutable(numGlobalsTotal, false);
  std::vector<uint32_t> knownMutable;
  for (auto &L : libs)
    for (uint32_t k = 0; k < L.mod.globals.size(); ++k) {
      uint32_t og = L.globalMap[L.mod.numImportedGlobals + k].index;
      knownGlobal[og] = evalConstExpr(L, L.mod.globals[k].init);
      if (L.mod.globals[k].type.mut) {
        libMutable[og] = true;
        if (knownGlobal[og]) knownMutable.push_back(og);
      }
    }
  for (auto &L : libs) {
    L.relocFunc = findFunction(L, "__wasm_apply_data_relocs");
    L.ctorsFunc = findFunction(L, "__wasm_call_ctors");
    L.startFunc = L.mod.start;
    if (L.startFunc) {
      const FuncType &t = L.mod.types.at(L.mod.funcTypeIndex(*L.startFunc));
      if (!t.params.empty() || !t.results.empty())
        throw Error("the start function has type " + t.str() + "; a start function takes and returns nothing", Error::kNoOffset, L.path);
    }
  }
  // A bundle's bases are the loader's: its relocation code runs at load time, unchanged.
  if (host->relocatableOutput()) return;
  // The libraries' non-empty images sorted by base, for finding the one a store hits by a
  // binary search (a scan of every library per store was quadratic). Placement keeps them
  // disjoint; were they not, the first in load order wins, by a scan, as before.
  std::vector<int> imagesByBase;
  for (int li = 0; li < int(libs.size()); ++li)
    if (!libs[li].image.empty()) imagesByBase.push_back(li);
  std::stable_sort(imagesByBase.begin(), imagesByBase.end(), [&](int a, int b) { return libs[a].memBase < libs[b].memBase; });
  bool imagesDisjoint = true;
  for (size_t k = 1; k < imagesByBase.size(); ++k) {
    const Library &A = libs[imagesByBase[k - 1]], &B = libs[imagesByBase[k]];
    if (A.memBase + A.image.size() > B.memBase) imagesDisjoint = false;
  }
  // Commits an evaluation: stores into the images, global values into initialisers, and
  // the function's new body (empty, or the residual). Returns why not, if it cannot.
  auto apply = [&](Library &L, uint32_t func, Evaluation &ev) -> std::string {
    if (!ev.fatal.empty()) return ev.fatal;
    auto imageOf = [&](const Store &s) -> Library * {
      if (!imagesDisjoint) {
        for (auto &D : libs)
          if (s.addr >= D.memBase && s.addr + s.size <= D.memBase + D.image.size()) return &D;
        return nullptr;
      }
      // The last image starting at or below the address is the only one that can hold it.
      auto it = std::upper_bound(imagesByBase.begin(), imagesByBase.end(), s.addr,
                                 [&](uint64_t a, int li) { return a < libs[li].memBase; });
      if (it == imagesByBase.begin()) return nullptr;
      Library &D = libs[*--it];
      return s.addr + s.size <= D.memBase + D.image.size() ? &D : nullptr;
    };
    for (auto &s : ev.stores)
      if (!imageOf(s)) return "it stores to address " + std::to_string(s.addr) + ", outside every library's data";
    for (auto &s : ev.stores) {
      Library *D = imageOf(s);
      uint64_t v = uint64_t(s.value);
      std::memcpy(D->image.data() + (s.addr - D->memBase), &v, s.size);
    }
    for (auto &[g, v] : ev.sets) {
      knownGlobal[g] = v;
      evaluatedInit[g] = v;
      if (g < libMutable.size() && libMutable[g]) knownMutable.push_back(g);
    }
    for (uint32_t g : ev.residualGlobals) {
      knownGlobal[g] = std::nullopt;
      evaluatedInit.erase(g);
    }
    Bytes body{0x00}; // no locals
    body.insert(body.end(), ev.residual.begin(), ev.residual.end());
    body.push_back(0x0b);
    L.newBodies[func] = std::move(body);
    return "";
  };
  // Records the outcome EV of evaluating FUNC of L; false if nothing could be evaluated.
  auto commit = [&](Library &L, uint32_t func, Evaluation &ev, bool &done, uint32_t &residual, uint32_t &total,
                    std::string &why, const char *partly) {
    why = apply(L, func, ev);
    if (!why.empty()) return false;
    done = ev.residualOps == 0;
    residual = ev.residualOps;
    total = ev.totalOps;
    if (ev.residualOps) why = partly;
    return true;
  };
  // Start functions first (they run at instantiation), then data relocations.
  for (auto &L : libs) {
    if (!L.startFunc) continue;
    Evaluation ev = evaluateBody(*this, L, *L.startFunc);
    if (!commit(L, *L.startFunc, ev, L.startEvaluated, L.startResidual, L.startTotal, L.startWhy,
                "some values are not known at link time")) {
      // It runs as is at start-up and may change any mutable global: forget what we knew.
      for (uint32_t g : knownMutable) knownGlobal[g] = std::nullopt;
      knownMutable.clear();
    }
  }
  // The data relocations are evaluated on every core, all against the globals known now,
  // and committed in order. An evaluation depends on the libraries only through the
  // known globals, so each is what evaluating it in its turn gives until a commit changes
  // one (a relocation function that sets a global, which they rarely do); from there on,
  // each is evaluated again in its turn. A failure is kept with its item and raised in
  // its turn too: the outcome and the first error are those of one after the other.
  std::vector<uint32_t> relocLibs;
  for (uint32_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    if (!L.relocFunc) continue;
    if (L.hasPassiveData) {
      L.relocsWhy = "the library has passive data segments, initialised at start-up";
      continue;
    }
    relocLibs.push_back(li);
  }
  std::vector<Evaluation> evs(relocLibs.size());
  std::vector<std::exception_ptr> failed(relocLibs.size());
  parallelFor(uint32_t(relocLibs.size()), [&](uint32_t i) {
    try {
      const Library &L = libs[relocLibs[i]];
      evs[i] = evaluateBody(*this, L, *L.relocFunc);
    } catch (...) {
      failed[i] = std::current_exception();
    }
  }, 2);
  bool globalsChanged = false;
  for (size_t i = 0; i < relocLibs.size(); ++i) {
    Library &L = libs[relocLibs[i]];
    if (globalsChanged) evs[i] = evaluateBody(*this, L, *L.relocFunc);
    else if (failed[i]) std::rethrow_exception(failed[i]);
    Evaluation &ev = evs[i];
    const bool changes = ev.fatal.empty() && (!ev.sets.empty() || !ev.residualGlobals.empty());
    commit(L, *L.relocFunc, ev, L.relocsEvaluated, L.relocsResidual, L.relocsTotal, L.relocsWhy,
           "some values are not known at link time (host imports)");
    globalsChanged = globalsChanged || changes;
    evs[i] = Evaluation{}; // its stores are in the image now
  }
}

} // namespace wasmobj::linking
