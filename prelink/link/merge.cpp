// Stages 5-8: table slots, data images, the merged module, start-up functions, exports.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <span>
#include <thread>

#include "image.h"
#include "linker.h"
#include "parallel.h"

namespace wasmobj::linking {

namespace {

RewriteMaps rewriteMaps(const Library &L) {
  return RewriteMaps{L.funcMap, L.typeMap, L.tableMap, L.memMap, L.dataMap, L.elemMap, L.tagMap, L.globalMap};
}

// The body to rewrite: the input's, or what link-time evaluation left of it.
std::pair<ByteView, uint64_t> bodyOf(const Library &L, uint32_t k) {
  if (auto it = L.newBodies.find(L.mod.numImportedFuncs + k); it != L.newBodies.end()) return {ByteView(it->second), 0};
  return {L.mod.functions[k].body, L.mod.functions[k].bodyOffset};
}

// Bodies are sized in groups of this many, each group's edits in one buffer.
constexpr uint32_t kEditGroup = 16;

// What the first pass over a library's bodies found: where each body changes.
struct BodyEdits {
  std::vector<Bytes> groups; // per kEditGroup bodies
  std::vector<uint32_t> ends; // per body: the end of its edits in its group's buffer
  ByteView of(uint32_t k) const {
    uint32_t begin = k % kEditGroup ? ends[k - 1] : 0;
    return ByteView(groups[k / kEditGroup]).subspan(begin, ends[k] - begin);
  }
};

// The libraries' rewritten bodies, made when the writer asks for them (Module::bodies),
// with the maps, sizes and edits emitModule left; the linker must outlive the writing.
class RewrittenBodies final : public BodySource {
public:
  explicit RewrittenBodies(const Linker &k) : k_(k) {}
  // Defined output functions from FIRST on are library LIB's (LIB = libs.size(): the end).
  void addLibrary(uint32_t first, uint32_t lib, BodyEdits edits = {}) {
    starts_.push_back({first, lib});
    edits_.push_back(std::move(edits));
  }
  void write(std::span<const uint32_t> funcs, std::span<uint8_t *const> out) const override {
    parallelFor(uint32_t(funcs.size()), [&](uint32_t i) {
      auto next = std::upper_bound(starts_.begin(), starts_.end(), funcs[i], [](uint32_t f, const Start &s) { return f < s.first; });
      if (next == starts_.begin() || next == starts_.end()) throw Error("internal error: no library for a deferred body");
      const Start &s = next[-1];
      const Library &L = k_.libs[s.lib];
      const uint32_t k = funcs[i] - s.first;
      rewriteWithEdits(bodyOf(L, k).first, edits_[size_t(&s - starts_.data())].of(k), rewriteMaps(L), out[i]);
    });
    // The input code of these bodies is done with (bodies are in input order).
    for (size_t i = 0; i < funcs.size();) {
      const Start &s = std::upper_bound(starts_.begin(), starts_.end(), funcs[i], [](uint32_t f, const Start &t) { return f < t.first; })[-1];
      const Library &L = k_.libs[s.lib];
      const uint8_t *lo = nullptr, *hi = nullptr;
      for (; i < funcs.size() && funcs[i] < (&s + 1)->first; ++i) {
        ByteView b = L.mod.functions[funcs[i] - s.first].body;
        if (!lo) lo = b.data();
        hi = b.data() + b.size();
      }
      if (L.bytes && lo) L.bytes->release(ByteView(lo, size_t(hi - lo)));
    }
  }

private:
  struct Start {
    uint32_t first, lib;
  };
  const Linker &k_;
  std::vector<Start> starts_;
  std::vector<BodyEdits> edits_; // per entry of starts_
};

} // namespace

// ---- the first pass over the bodies --------------------------------------------------

// Sizes every library's bodies with rewrittenSize (which also checks them), keeping what
// changes where for the writer (a few bytes per changed immediate: the one decoding pass;
// the writer then only copies and patches). Bodies go in groups of kEditGroup, the
// groups of all libraries at once (3,000 libraries of 40 functions are as parallel as one
// of 120,000), each group's results in places of its own, so the output does not depend
// on how the work was split. startSizingBodies begins it as soon as resolution has
// given the index maps, on the cores the stages that follow (images, the dl table,
// link-time evaluation: mostly one core) leave idle, against copies of the maps; emitModule
// finishes it once the maps are final. A group sized against maps that have changed
// since (a library's, such as the main's constructors, redirected by the host before
// emitting) or holding a body link-time evaluation replaced is sized again. So sizes,
// edits and the first error (the first library's, in function order) are those of one
// pass at the end.
class BodySizer {
public:
  explicit BodySizer(const Linker &k) : k_(k) {
    const auto &libs = k.libs;
    // The early maps, every library's in two buffers: with a vector per library and map,
    // starting the pass took 2.5-3.9 ms at 3,000 libraries, 2.0 ms now.
    size_t n32 = 0, nGlobals = 0;
    for (const Library &L : libs) {
      for (auto m : maps32Of(rewriteMaps(L))) n32 += m.size();
      nGlobals += L.globalMap.size();
    }
    early32_.reserve(n32);
    earlyGlobals_.reserve(nGlobals);
    early_.resize(libs.size());
    edits_.resize(libs.size());
    sizes_.resize(libs.size());
    firstGroup_.resize(libs.size());
    for (uint32_t li = 0; li < libs.size(); ++li) {
      const Library &L = libs[li];
      Maps &m = early_[li];
      const auto maps32 = maps32Of(rewriteMaps(L));
      for (size_t i = 0; i < maps32.size(); ++i) {
        m.at32[i] = {early32_.size(), maps32[i].size()};
        early32_.insert(early32_.end(), maps32[i].begin(), maps32[i].end());
      }
      m.globals = {earlyGlobals_.size(), L.globalMap.size()};
      earlyGlobals_.insert(earlyGlobals_.end(), L.globalMap.begin(), L.globalMap.end());
      const uint32_t n = uint32_t(L.mod.functions.size());
      sizes_[li].resize(n);
      edits_[li].groups.resize((n + kEditGroup - 1) / kEditGroup);
      edits_[li].ends.resize(n);
      firstGroup_[li] = uint32_t(groups_.size());
      for (uint32_t f = 0; f < n; f += kEditGroup) groups_.push_back({li, f, false, nullptr});
    }
    // The main's groups last: its maps are the ones most often changed before emitting.
    const uint32_t mainGroups = libs.empty() ? 0 : (libs.size() > 1 ? firstGroup_[1] : uint32_t(groups_.size()));
    for (uint32_t g = mainGroups; g < groups_.size(); ++g) order_.push_back(g);
    for (uint32_t g = 0; g < mainGroups; ++g) order_.push_back(g);
    try {
      for (uint32_t w = 1; w < parallelism(); ++w) helpers_.emplace_back([this] { work(); });
    } catch (...) { // no thread to be had: the ones started stop, and finish does the rest
      stop();
    }
  }
  BodySizer(const BodySizer &) = delete;
  BodySizer &operator=(const BodySizer &) = delete;
  ~BodySizer() { stop(); } // a link that failed before emitting: what is left is not started

  struct Result {
    std::vector<BodyEdits> edits;              // per library
    std::vector<std::vector<size_t>> sizes;    // per library and defined function
  };
  // With the maps final: sizes what is left on every core, then again what was sized
  // against maps that are no longer the library's; throws the first error.
  Result finish() {
    late_.store(true, std::memory_order_release);
    work();
    stop(); // every group is taken: waits for the helpers' last ones
    const auto &libs = k_.libs;
    std::vector<uint8_t> again(groups_.size(), 0);
    for (uint32_t li = 0; li < libs.size(); ++li) {
      const Library &L = libs[li];
      const bool same = sameMaps(early_[li], L);
      const uint32_t end = li + 1 < libs.size() ? firstGroup_[li + 1] : uint32_t(groups_.size());
      for (uint32_t g = firstGroup_[li]; g < end; ++g) again[g] = groups_[g].early && !same;
      for (auto &[f, body] : L.newBodies) {
        if (f < L.mod.numImportedFuncs || f - L.mod.numImportedFuncs >= L.mod.functions.size()) continue;
        const uint32_t g = firstGroup_[li] + (f - L.mod.numImportedFuncs) / kEditGroup;
        again[g] = again[g] || groups_[g].early; // sized with the input's body
      }
    }
    std::vector<uint32_t> redo;
    for (uint32_t g = 0; g < groups_.size(); ++g)
      if (again[g]) redo.push_back(g);
    parallelFor(uint32_t(redo.size()), [&](uint32_t i) { size(redo[i], false); }, 256 / kEditGroup);
    for (auto &g : groups_)
      if (g.error) std::rethrow_exception(g.error);
    return {std::move(edits_), std::move(sizes_)};
  }

private:
  struct Group {
    uint32_t lib, first;       // the library and its first function in this group
    bool early = false;        // sized against the maps as they were at the start
    std::exception_ptr error;  // what sizing it threw
  };
  // The index maps of M other than the globals', in RewriteMaps' order.
  static std::array<std::span<const uint32_t>, 7> maps32Of(const RewriteMaps &m) {
    return {m.funcs, m.types, m.tables, m.memories, m.datas, m.elems, m.tags};
  }
  // A library's maps when sizing began: where each of maps32Of is in early32_, and its
  // globals in earlyGlobals_.
  struct Maps {
    std::pair<size_t, size_t> at32[7];
    std::pair<size_t, size_t> globals;
  };
  RewriteMaps view(const Maps &m) const {
    auto span32 = [&](size_t i) { return std::span<const uint32_t>(early32_).subspan(m.at32[i].first, m.at32[i].second); };
    return RewriteMaps{span32(0), span32(1), span32(2), span32(3), span32(4), span32(5), span32(6),
                       std::span<const GlobalRemap>(earlyGlobals_).subspan(m.globals.first, m.globals.second)};
  }
  bool sameMaps(const Maps &m, const Library &L) const {
    auto sameGlobal = [](const GlobalRemap &a, const GlobalRemap &b) {
      return a.kind == b.kind && a.index == b.index && a.value == b.value;
    };
    const RewriteMaps early = view(m), now = rewriteMaps(L);
    return std::ranges::equal(maps32Of(early), maps32Of(now), [](auto a, auto b) { return std::ranges::equal(a, b); }) &&
           std::ranges::equal(early.globals, now.globals, sameGlobal);
  }
  // Sizes group GI: against the early maps and the input's bodies, or (late) the
  // library's maps and bodies as they are now.
  void size(uint32_t gi, bool early) {
    Group &g = groups_[gi];
    const Library &L = k_.libs[g.lib];
    const uint32_t n = uint32_t(L.mod.functions.size());
    BodyEdits &e = edits_[g.lib];
    Bytes &buf = e.groups[g.first / kEditGroup];
    buf.clear();
    g.early = early;
    g.error = nullptr;
    const RewriteMaps maps = early ? view(early_[g.lib]) : rewriteMaps(L);
    try {
      for (uint32_t k = g.first; k < std::min(n, g.first + kEditGroup); ++k) {
        auto [body, off] = early ? std::pair{L.mod.functions[k].body, L.mod.functions[k].bodyOffset} : bodyOf(L, k);
        sizes_[g.lib][k] = rewrittenSize(body, maps, BodyKind::Function, off, &buf);
        e.ends[k] = uint32_t(buf.size());
      }
    } catch (const Error &err) {
      g.error = std::make_exception_ptr(err.withFile(L.path)); // decoding errors name the library
    } catch (...) {
      g.error = std::current_exception();
    }
    buf.shrink_to_fit();
  }
  // Lets no helper take another group, and waits for them.
  void stop() {
    const uint32_t taken = next_.exchange(uint32_t(order_.size()));
    for (auto &t : helpers_) t.join();
    helpers_.clear();
    next_.store(std::min(taken, uint32_t(order_.size()))); // finish takes up from there
  }
  // Takes the next group until none is left.
  void work() {
    for (uint32_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < order_.size();)
      size(order_[i], !late_.load(std::memory_order_acquire));
  }

  const Linker &k_;
  std::vector<Group> groups_;       // libraries in order, functions in order
  std::vector<uint32_t> order_;     // the order they are taken in
  std::vector<uint32_t> firstGroup_; // per library
  std::vector<Maps> early_;         // per library: its maps when sizing began
  std::vector<uint32_t> early32_;   // what early_ points into
  std::vector<GlobalRemap> earlyGlobals_;
  std::vector<BodyEdits> edits_;
  std::vector<std::vector<size_t>> sizes_;
  std::atomic<uint32_t> next_{0};
  std::atomic<bool> late_{false};   // the maps are final: groups taken now use the library's
  std::vector<std::thread> helpers_; // last: they use everything above
};

void Linker::assignSegmentIndices() {
  // Passive data segments keep their identity, numbered in load order; every active one
  // stands for the images (dropping one is a no-op), which come after them.
  uint32_t passive = 0;
  for (auto &L : libs)
    for (auto &d : L.mod.datas) passive += !d.active();
  uint32_t next = 0;
  for (auto &L : libs) {
    L.dataMap.assign(L.mod.datas.size(), passive);
    for (size_t d = 0; d < L.mod.datas.size(); ++d)
      if (!L.mod.datas[d].active()) L.dataMap[d] = next++;
  }
  // Element segments: all but the active ones of table 0 (written from the slot array),
  // in load order.
  next = 0;
  for (auto &L : libs) {
    L.elemMap.assign(L.mod.elems.size(), 0);
    for (size_t e = 0; e < L.mod.elems.size(); ++e) {
      const ElemSegment &seg = L.mod.elems[e];
      if (seg.active() && seg.table < L.tableMap.size() && L.tableMap[seg.table] == 0) continue;
      L.elemMap[e] = next++;
    }
  }
}

void Linker::startSizingBodies() { sizer = std::make_shared<BodySizer>(*this); }

void Linker::placeElements() {
  for (auto &L : libs) {
    for (auto &seg : L.mod.elems) {
      if (!seg.active() || L.tableMap.at(seg.table) != 0) continue;
      auto off = evalConstExpr(L, seg.offset);
      if (!off) throw Error("element segment offset is not a constant expression prelink can evaluate", seg.offset.offset, L.path);
      size_t count = seg.usesExprs() ? seg.exprs.size() : seg.funcs.size();
      if (*off < int64_t(L.tableBase) || uint64_t(*off) + count > uint64_t(L.tableBase) + L.tableSize)
        throw Error("element segment [" + std::to_string(*off - int64_t(L.tableBase)) + ", +" + std::to_string(count) +
                        ") lies outside the library's table size " + std::to_string(L.tableSize),
                    seg.offset.offset, L.path);
      for (size_t k = 0; k < count; ++k) {
        int64_t f = -1;
        if (seg.usesExprs()) {
          InstrReader r(seg.exprs[k].bytes, seg.exprs[k].offset);
          Instr in;
          r.next(in);
          if (in.op == 0xd2 && in.prefix == 0) f = L.funcMap.at(in.index);
          else if (!(in.op == 0xd0 && in.prefix == 0))
            throw Error("unsupported element expression", seg.exprs[k].offset, L.path);
        } else {
          f = L.funcMap.at(seg.funcs[k]);
        }
        slots[size_t(*off) + k] = f;
        if (f >= 0) slotOf.emplace(uint32_t(f), uint32_t(*off + int64_t(k)));
      }
    }
  }
}

uint32_t Linker::slotFor(uint32_t f) {
  if (const uint32_t *slot = slotOf.find(f)) return *slot;
  uint32_t s = uint32_t(slots.size());
  slots.push_back(f);
  slotOf.emplace(f, s);
  return s;
}

void Linker::resolveGotFunc() {
  for (auto &L : libs) {
    uint32_t gi = 0;
    for (size_t ii = 0; ii < L.mod.imports.size(); ++ii) {
      const Import &imp = L.mod.imports[ii];
      if (imp.kind != ExternKind::Global) continue;
      Resolution &r = L.imports[ii];
      if (imp.module == "GOT.func" && (r.kind == Resolution::Def || r.kind == Resolution::GlueFunc)) {
        uint32_t f = r.kind == Resolution::GlueFunc ? host->hostFunctionIndex(r.index) : libs[r.lib].funcMap.at(r.index);
        r = Resolution::make(Resolution::Const, -1, 0, int64_t(slotFor(f)));
        if (host->relocatableOutput()) r.reloc = Resolution::RelocTable;
        L.globalMap[gi] = GlobalRemap::i32(int32_t(r.value));
      }
      ++gi;
    }
  }
  tableSize = uint32_t(slots.size());
}

void Linker::buildImages() {
  // Each library's own image, on every core (the first error is the first library's).
  parallelFor(uint32_t(libs.size()), [&](uint32_t li) {
    Library &L = libs[li];
    // The image covers the library's memory, but for a large one (a claim of gigabytes
    // costs nothing in the input) only up to the end of its data: the rest stays zero.
    uint64_t imageSize = L.memSize;
    if (imageSize > (uint64_t(16) << 20)) {
      imageSize = 0;
      for (auto &seg : L.mod.datas)
        if (seg.active())
          if (auto off = evalConstExpr(L, seg.offset); off && uint64_t(uint32_t(*off)) >= L.memBase)
            imageSize = std::max<uint64_t>(imageSize, std::min<uint64_t>(L.memSize, uint64_t(uint32_t(*off)) - L.memBase + seg.bytes.size()));
    }
    L.image.assign(imageSize, 0);
    for (auto &seg : L.mod.datas) {
      if (!seg.active()) {
        L.hasPassiveData = true;
        continue;
      }
      auto off = evalConstExpr(L, seg.offset);
      if (!off) throw Error("data segment offset is not a constant expression prelink can evaluate", seg.offset.offset, L.path);
      uint64_t a = uint64_t(uint32_t(*off));
      if (a < L.memBase || a + seg.bytes.size() > L.memBase + L.memSize)
        throw Error("data segment [" + std::to_string(int64_t(a) - int64_t(L.memBase)) + ", +" + std::to_string(seg.bytes.size()) +
                        ") lies outside the library's memory size " + std::to_string(L.memSize) + " (dylink.0 MEM_INFO)",
                    seg.offset.offset, L.path);
      if (!seg.bytes.empty() && a - L.memBase + seg.bytes.size() <= L.image.size())
        std::memcpy(L.image.data() + (a - L.memBase), seg.bytes.data(), seg.bytes.size());
    }
    // The input's data is in the image now; what else is read comes back on demand.
    if (L.bytes) L.bytes->release();
  }, 2);
}

void Linker::emitModule() {
  out.types = types;
  // Imports.
  if (mainImportsMemory) {
    const Import *mi = nullptr;
    for (auto &i : libs[0].mod.imports)
      if (i.kind == ExternKind::Memory) mi = &i;
    Import m = *mi;
    m.memory.min = memoryPages;
    out.imports.push_back(m);
  }
  if (mainImportsTable) {
    const Import *ti = nullptr;
    for (auto &i : libs[0].mod.imports)
      if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) ti = &i;
    Import t;
    if (ti) {
      t = *ti;
    } else { // a bundle whose first input takes no function's address still needs it
      t.module = "env";
      t.field = "__indirect_function_table";
      t.kind = ExternKind::Table;
    }
    // A bundle's loader makes room for it (dylink.0 table size) before instantiating.
    // (The emscripten flavour moves the slots beyond the glue's table into the start
    // function at the very end: finishEmscriptenTable.)
    t.table.limits.min = host->relocatableOutput() ? 0 : std::max<uint64_t>(tableSize, t.table.limits.min);
    if (t.table.limits.hasMax() && t.table.limits.max < tableSize)
      throw Error("the linked program needs " + std::to_string(tableSize) + " table slots but the main module allows at most " +
                      std::to_string(t.table.limits.max),
                  Error::kNoOffset, libs[0].path);
    out.imports.push_back(t);
  }
  for (auto &h : hostImports) out.imports.push_back(h.imp);
  out.countImports();

  // Memory and table definitions when the main defined them.
  if (!mainImportsMemory) {
    Limits l = libs[0].mod.memories.empty() ? Limits{} : libs[0].mod.memories[0];
    l.min = memoryPages;
    out.memories.push_back(l);
  }
  if (!mainImportsTable) {
    Table t;
    t.type.limits.min = tableSize;
    for (auto &tb : libs[0].mod.tables)
      if (tb.type.elem == ValType{ValType::FuncRef, 0}) {
        t.type = tb.type;
        t.type.limits.min = std::max<uint64_t>(tableSize, tb.type.limits.min);
        if (t.type.limits.hasMax() && t.type.limits.max < tableSize) t.type.limits.max = tableSize;
        break;
      }
    out.tables.push_back(t);
  }

  // Globals: the stack pointer, then every library's globals.
  if (!importsStackPointer() && !host->mainDefinesStackPointer()) {
    Global sp;
    sp.type = GlobalType{ValType::i32(), true};
    sp.init.bytes = out.own(i32ConstExpr(int64_t(stackHigh)));
    out.globals.push_back(sp);
  }
  for (auto &L : libs) {
    RewriteMaps maps{L.funcMap, L.typeMap, L.tableMap, L.memMap, L.dataMap, L.elemMap, L.tagMap, L.globalMap};
    std::vector<bool> dataExport(L.mod.globals.size(), false);
    for (auto &e : L.mod.exports)
      if (isDataExport(L, e)) dataExport[e.index - L.mod.numImportedGlobals] = true;
    for (uint32_t k = 0; k < L.mod.globals.size(); ++k) {
      const Global &g = L.mod.globals[k];
      uint32_t og = L.globalMap[L.mod.numImportedGlobals + k].index;
      Global ng;
      ng.type = g.type;
      ng.type.type = g.type.type;
      if (auto it = bundleGlobalSets.find(og); it != bundleGlobalSets.end()) {
        // Bundle: base + offset, set by the start function.
        ng.type.mut = true;
        ng.init.bytes = out.own(i32ConstExpr(0));
      } else if (auto it = evaluatedInit.find(og); it != evaluatedInit.end()) {
        ng.init.bytes = out.own(i32ConstExpr(it->second));
      } else if (dataExport[k]) {
        // A data symbol: the output holds its absolute address.
        Export e;
        e.kind = ExternKind::Global;
        e.index = L.mod.numImportedGlobals + k;
        ng.init.bytes = out.own(i32ConstExpr(dataAddress(L, e)));
      } else {
        try {
          ng.init.bytes = out.own(rewrite(g.init.bytes, maps, BodyKind::ConstExpr, g.init.offset));
        } catch (const Error &e) {
          throw e.withFile(L.path);
        }
      }
      out.globals.push_back(ng);
    }
    if (L.mod.dataCount) out.dataCount = 0;
  }
  // GOT entries of thread-local symbols: the offset until the TLS initialisation of the
  // calling thread sets the address (as a loader's GOT holds it before its TLS init runs).
  for (auto &t : tlsGots) {
    if (out.numImportedGlobals + out.globals.size() != t.global) throw Error("internal error: TLS GOT global index");
    Global tg;
    tg.type = GlobalType{ValType::i32(), true};
    tg.init.bytes = out.own(i32ConstExpr(t.offset));
    out.globals.push_back(tg);
  }
  if (combinedTls()) {
    for (auto [index, value] : {std::pair{tlsSizeGlobal, tlsBlockSize}, std::pair{tlsAlignGlobal, tlsBlockAlign}}) {
      if (out.numImportedGlobals + out.globals.size() != index) throw Error("internal error: TLS global index");
      Global tg;
      tg.type = GlobalType{ValType::i32(), false};
      tg.init.bytes = out.own(i32ConstExpr(int64_t(value)));
      out.globals.push_back(tg);
    }
  }  if (host->relocatableOutput()) {
    // The bundle's base-relative globals (bundle.cpp), in index order.
    std::vector<uint32_t> order;
    for (auto &[key, g] : baseRelativeGlobals) order.push_back(g);
    std::sort(order.begin(), order.end());
    for (uint32_t g : order) {
      if (out.numImportedGlobals + out.globals.size() != g) throw Error("internal error: bundle global index");
      Global bg;
      bg.type = GlobalType{ValType::i32(), true};
      bg.init.bytes = out.own(i32ConstExpr(0));
      out.globals.push_back(bg);
    }
  }

  // Per-library init guards for dlopen-only libraries.
  for (auto &L : libs) {
    (void)L;
  }

  // Tables defined by libraries (other than the indirect function table), and tags.
  for (auto &L : libs) {
    for (uint32_t ti = 0; ti < L.mod.tables.size(); ++ti) {
      if (&L == &libs[0] && mainTableDefined == ti) continue; // it is table 0
      const Table &t = L.mod.tables[ti];
      Table nt = t;
      if (t.init) {
        RewriteMaps maps{L.funcMap, L.typeMap, L.tableMap, L.memMap, L.dataMap, L.elemMap, L.tagMap, L.globalMap};
        nt.init->bytes = out.own(rewrite(t.init->bytes, maps, BodyKind::ConstExpr, t.init->offset));
      }
      out.tables.push_back(nt);
    }
    for (auto t : L.mod.tags) {
      t.typeIndex = L.typeMap.at(t.typeIndex);
      out.tags.push_back(t);
    }
  }

  // Data: passive segments keep their identity (in the places assignSegmentIndices gave
  // them); the images become active segments.
  for (auto &L : libs)
    for (size_t d = 0; d < L.mod.datas.size(); ++d) {
      if (L.mod.datas[d].active()) continue;
      if (L.dataMap[d] != out.datas.size()) throw Error("internal error: passive data segment index");
      out.datas.push_back(L.mod.datas[d]);
    }
  // An image at ADDR: an active segment; with shared memory a passive one the start
  // function's one-time part copies (an active segment would be written again by every
  // thread's instantiation, over what the program has stored since).
  const bool shared = sharedMemory();
  if (shared) out.dataCount = 0;
  auto placeImage = [&](DataSegment &seg, uint64_t addr) {
    if (shared) {
      seg.flags = 1;
      passiveImages.push_back(PassiveImage{uint32_t(out.datas.size()), addr, seg.bytes.size()});
    } else {
      seg.flags = 0;
      seg.offset.bytes = out.own(i32ConstExpr(int64_t(addr)));
    }
  };
  if (host->relocatableOutput()) {
    // One segment at the bundle's __memory_base holding every library's data, zeros
    // between them included (MVP constant expressions cannot add an offset).
    Bytes all(dataEnd, 0);
    for (auto &L : libs)
      if (!L.image.empty()) std::memcpy(all.data() + L.memBase, L.image.data(), L.image.size());
    if (!dlImage.empty()) std::memcpy(all.data() + dlTableBase, dlImage.data(), dlImage.size());
    size_t end = all.size();
    while (end && all[end - 1] == 0) --end;
    all.resize(end);
    if (!all.empty()) {
      DataSegment seg;
      seg.offset.bytes = out.own([&] {
        Bytes e = baseRelativeExpr(Resolution::RelocMemory, 0);
        e.push_back(0x0b);
        return e;
      }());
      seg.bytes = out.own(std::move(all));
      segmentNames.emplace_back(uint32_t(out.datas.size()), "prelink.data");
      out.datas.push_back(seg);
    }
    for (auto &L : libs) L.image.clear();
    dlImage.clear();
  }
  for (auto &L : libs) {
    if (host->relocatableOutput()) break;
    ByteView img = out.own(std::move(L.image));
    // Zero gaps of 32 bytes or more are left to the zero-initialised memory.
    const std::string name = "data:" + std::filesystem::path(L.name).filename().string();
    for (auto [begin, end] : nonZeroRuns(img, 32)) {
      DataSegment seg;
      seg.bytes = img.subspan(begin, end - begin);
      placeImage(seg, L.memBase + begin);
      segmentNames.emplace_back(uint32_t(out.datas.size()), name);
      out.datas.push_back(seg);
    }
  }
  if (!dlImage.empty()) {
    DataSegment seg;
    seg.bytes = out.own(std::move(dlImage));
    placeImage(seg, dlTableBase);
    segmentNames.emplace_back(uint32_t(out.datas.size()), "prelink.dl_table");
    out.datas.push_back(seg);
  }
  if (out.dataCount) out.dataCount = uint32_t(out.datas.size());

  // Elements: passive and declarative segments keep their identity; table 0 is written
  // from the slot array as runs of non-null slots.
  for (auto &L : libs) {
    RewriteMaps maps{L.funcMap, L.typeMap, L.tableMap, L.memMap, L.dataMap, L.elemMap, L.tagMap, L.globalMap};
    for (size_t e = 0; e < L.mod.elems.size(); ++e) {
      const ElemSegment &seg = L.mod.elems[e];
      if (seg.active() && L.tableMap.at(seg.table) == 0) continue;
      ElemSegment ns = seg;
      ns.table = seg.active() ? L.tableMap.at(seg.table) : 0;
      if (seg.active()) {
        auto off = evalConstExpr(L, seg.offset);
        if (!off) throw Error("element segment offset is not a constant", seg.offset.offset, L.path);
        ns.offset.bytes = out.own(i32ConstExpr(*off));
        if (ns.table != 0) ns.flags |= 2;
      }
      for (auto &f : ns.funcs) f = L.funcMap.at(f);
      try {
        for (auto &x : ns.exprs) x.bytes = out.own(rewrite(x.bytes, maps, BodyKind::ConstExpr, x.offset));
      } catch (const Error &e) {
        throw e.withFile(L.path);
      }
      if (L.elemMap[e] != out.elems.size()) throw Error("internal error: element segment index");
      out.elems.push_back(std::move(ns));
    }
  }
  if (host->relocatableOutput()) {
    // One segment at the bundle's __table_base (MVP offsets cannot add). Slots no library
    // filled get a function that traps, as a call through them would.
    size_t n = slots.size();
    while (n && slots[n - 1] < 0) --n;
    if (n) {
      ElemSegment seg;
      seg.flags = 0;
      seg.offset.bytes = out.own([&] {
        Bytes e = baseRelativeExpr(Resolution::RelocTable, 0);
        e.push_back(0x0b);
        return e;
      }());
      for (size_t s = 0; s < n; ++s) seg.funcs.push_back(slots[s] < 0 ? trapFuncIndex : uint32_t(slots[s]));
      out.elems.push_back(std::move(seg));
    }
  }
  for (size_t s = 0; s < slots.size() && !host->relocatableOutput();) {
    if (slots[s] < 0) {
      ++s;
      continue;
    }
    ElemSegment seg;
    seg.flags = 0;
    seg.offset.bytes = out.own(i32ConstExpr(int64_t(s)));
    while (s < slots.size() && slots[s] >= 0) seg.funcs.push_back(uint32_t(slots[s++]));
    out.elems.push_back(std::move(seg));
  }

  // Functions: every library's bodies were sized (which also checks them; BodySizer) and
  // are written by the writer straight into the output (RewrittenBodies): the rewritten
  // code is never held whole.
  auto bodies = std::make_shared<RewrittenBodies>(*this);
  if (!sizer) startSizingBodies();
  auto [edits, sizes] = sizer->finish();
  sizer.reset();
  size_t defined = 0;
  for (auto &L : libs) defined += L.mod.functions.size();
  // With room for the synthetic functions that follow (start, constructors, an init
  // function per dlopen-only library, the TLS initialiser): growing a vector of every
  // function of the link would copy it whole into new pages.
  out.functions.reserve(out.functions.size() + defined + stubFunctions.size() + libs.size() + 8);
  for (uint32_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    if (L.bytes) L.bytes->release(); // read again while the module is written
    bodies->addLibrary(uint32_t(out.functions.size()), li, std::move(edits[li]));
    for (uint32_t k = 0; k < sizes[li].size(); ++k) {
      Function nf;
      nf.typeIndex = L.typeMap.at(L.mod.functions[k].typeIndex);
      nf.deferred = true;
      nf.deferredSize = sizes[li][k];
      out.functions.push_back(nf);
    }
  }
  bodies->addLibrary(uint32_t(out.functions.size()), uint32_t(libs.size()));
  out.bodies = std::move(bodies);
  for (auto &s : stubFunctions) out.functions.push_back(s);
}

} // namespace wasmobj::linking
