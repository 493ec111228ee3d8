// Synthetic parts of the output: the start function, the combined __wasm_call_ctors, one
// init function per dlopen-only library, the exports, and the manifest. Then link() and
// runLink() drive all stages in order.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <unordered_set>

#include "libdl/prelink_dl.h"
#include "linker.h"
#include "optimize.h"
#include "parallel.h"
#include "wasmobj/diag.h"
#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

namespace wasmobj::linking {

// Constructors of the global scope: dependencies before dependents (depth-first
// post-order over NEEDED from the first library, cycles broken where they close), the
// first library (the main module, or the bundle's first input) last. Sets initOrder.
std::vector<int> Linker::constructorOrder() {
  std::vector<int> order;
  std::vector<uint8_t> seen(libs.size(), 0);
  std::function<void(int)> visit = [&](int i) {
    seen[i] = 1;
    for (int j : libs[i].needed)
      if (!seen[j] && libs[j].global) visit(j);
    order.push_back(i);
  };
  visit(0);
  for (size_t i = 0; i < libs.size(); ++i)
    if (libs[i].global && !seen[i] && !libs[i].isLibdl) visit(int(i));
  int pos = 0;
  for (int i : order) libs[i].initOrder = pos++;
  return order;
}

void Linker::addSyntheticFunction(uint32_t expectIndex, Bytes body) {
  if (out.numImportedFuncs + out.functions.size() != expectIndex) throw Error("internal error: synthetic function index");
  Function f;
  f.typeIndex = internType(FuncType{});
  f.body = out.own(std::move(body));
  out.functions.push_back(f);
}

uint32_t Linker::addGuardGlobal() {
  Global g;
  g.type = GlobalType{ValType::i32(), true};
  g.init.bytes = out.own(Bytes{0x41, 0x00, 0x0b});
  out.globals.push_back(g);
  return out.numImportedGlobals + uint32_t(out.globals.size() - 1);
}

void Linker::emitInitFunctions() {
  Library &M = libs[0];
  const std::vector<int> order = constructorOrder();
  auto addFunction = [&](uint32_t expectIndex, Bytes body) { addSyntheticFunction(expectIndex, std::move(body)); };

  // start: relocation code that could not be evaluated at link time, in load order. With
  // a shared memory every thread's instantiation runs it: the libraries' own start
  // functions (each guards its memory initialisation by itself, and sets its globals, which
  // are the instance's) run each time, every library's, as they would in each thread;
  // what writes memory runs once, under prelink's flag (threads.cpp).
  const bool shared = sharedMemory();
  ByteSink start;
  start.u8(0);
  bool startUsed = host->emitStartPrologue(*this, start);
  for (auto &L : libs) {
    if (!L.global && !shared) continue;
    if (L.startFunc && !L.startEvaluated) {
      emitCall(start, L.funcMap.at(*L.startFunc));
      startUsed = true;
    }
  }
  auto oneTime = [&](ByteSink &b) {
    emitPassiveImages(b);
    for (auto &L : libs) {
      if (!L.global) continue;
      if (L.relocFunc && !L.relocsEvaluated) {
        emitCall(b, L.funcMap.at(*L.relocFunc));
        startUsed = true;
      }
    }
    // Without a __wasm_call_ctors in the main, side constructors run at start-up too.
    if (!M.ctorsFunc)
      for (int i : order)
        if (i != 0 && libs[i].ctorsFunc) {
          emitCall(b, libs[i].funcMap.at(*libs[i].ctorsFunc));
          startUsed = true;
        }
  };
  if (shared) {
    emitOnceBlock(start, onceFlag, oneTime);
    startUsed = true;
  } else {
    oneTime(start);
  }
  start.u8(0x0b);
  addFunction(startFuncIndex, std::move(start.out));
  if (startUsed) out.start = startFuncIndex;

  // __wasm_call_ctors: every side's constructors, then the main's own (emscripten's glue
  // runs the main's first, then each side module's as it finishes loading it).
  ByteSink ctors;
  ctors.u8(0);
  const bool mainFirst = host->mainConstructorsFirst();
  if (mainFirst && mainCtorsOriginal) emitCall(ctors, *mainCtorsOriginal);
  for (int i : order) {
    if (i == 0 || !libs[i].ctorsFunc) continue;
    emitCall(ctors, libs[i].funcMap.at(*libs[i].ctorsFunc));
  }
  if (!mainFirst && mainCtorsOriginal) emitCall(ctors, *mainCtorsOriginal);
  ctors.u8(0x0b);
  addFunction(ctorsFuncIndex, std::move(ctors.out));

  // dlopen-only libraries: init once (guarded), dependencies first.
  for (auto &L : libs)
    if (!L.global) L.initGuard = addGuardGlobal();
  for (auto &L : libs) {
    if (L.global) continue;
    ByteSink b;
    b.u8(0);
    emitGuardOnce(b, L.initGuard);
    for (int j : L.needed)
      if (!libs[j].global) emitCall(b, *libs[j].initFunc);
    auto once = [&](ByteSink &o) {
      if (L.relocFunc && !L.relocsEvaluated) emitCall(o, L.funcMap.at(*L.relocFunc));
      if (L.ctorsFunc) emitCall(o, L.funcMap.at(*L.ctorsFunc));
    };
    if (shared) {
      // Its start function ran at instantiation; relocations and constructors once per
      // memory, whichever thread opens it first (the guard above is the instance's).
      emitOnceBlock(b, L.initFlag, once);
    } else {
      if (L.startFunc && !L.startEvaluated) emitCall(b, L.funcMap.at(*L.startFunc));
      once(b);
    }
    b.u8(0x0b);
    addFunction(*L.initFunc, std::move(b.out));
  }
  emitThreadFunctions();
  out.types = types;
}

void Linker::redirectMainConstructors() {
  // The main's __wasm_call_ctors: callers (its export, _start, _initialize) now reach the
  // combined function, which calls the original.
  Library &M = libs[0];
  if (!M.ctorsFunc || *M.ctorsFunc < M.mod.numImportedFuncs) return;
  mainCtorsOriginal = M.funcMap[*M.ctorsFunc];
  M.funcMap[*M.ctorsFunc] = ctorsFuncIndex;
}

void Linker::emitExports() {
  ExportNames taken; // the main's and the thread functions' (exportGlobalScope's need none)
  size_t exports = 0;
  for (auto &L : libs) exports += L.mod.exports.size();
  out.exports.reserve(exports);
  Library &M = libs[0];
  const bool combined = combinedTls();
  for (auto &e : M.mod.exports) {
    // The main's own TLS initialiser and sizes give way to the combined block's.
    if (combined && (e.name == "__wasm_init_tls" || e.name == "__tls_size" || e.name == "__tls_align")) continue;
    Export ne = e;
    switch (e.kind) {
    case ExternKind::Func: ne.index = M.funcMap.at(e.index); break;
    case ExternKind::Table: ne.index = M.tableMap.at(e.index); break;
    case ExternKind::Memory: ne.index = 0; break;
    case ExternKind::Tag: ne.index = M.tagMap.at(e.index); break;
    case ExternKind::Global: {
      const GlobalRemap &g = M.globalMap.at(e.index);
      if (g.kind != GlobalRemap::Index) {
        warnings.push_back(M.path + ": export " + e.name + " re-exports an import that became a constant; dropped");
        continue;
      }
      ne.index = g.index;
      break;
    }
    }
    taken.insert(e.name);
    out.exports.push_back(ne);
  }
  exportThreadFunctions(taken);
  // The global-scope symbols of the side modules, in load order. With --gc-sections only
  // the --export names among them: exports are the collector's roots.
  const std::unordered_set<std::string> wanted(cfg.exports.begin(), cfg.exports.end());
  // (emscripten: not libdl's functions, which are the glue's names for its own.)
  exportGlobalScope(1, [&](const std::string &n) { return !cfg.gcSections || wanted.count(n); },
                    !host->libdl() || host->libdl()->exported);
  // What a host needs to load more libraries later (prelink's runtime, for names that were
  // not prelinked): the one stack pointer, the table and the memory.
  if (!importsStackPointer() && !taken.count("__stack_pointer")) {
    out.exports.push_back(Export{"__stack_pointer", ExternKind::Global, spGlobal});
    stackPointerExport = "__stack_pointer";
  }
  bool tableExported = false, memoryExported = false;
  for (auto &e : out.exports) {
    tableExported = tableExported || (e.kind == ExternKind::Table && e.index == 0);
    memoryExported = memoryExported || e.kind == ExternKind::Memory;
  }
  if (!mainImportsTable && !tableExported && !taken.count("__indirect_function_table"))
    out.exports.push_back(Export{"__indirect_function_table", ExternKind::Table, 0});
  if (!mainImportsMemory && !memoryExported && !taken.count("memory"))
    out.exports.push_back(Export{"memory", ExternKind::Memory, 0});
  if (!cfg.exports.empty()) {
    std::unordered_set<std::string_view> exported;
    for (auto &e : out.exports) exported.insert(e.name);
    for (auto &name : cfg.exports)
      if (!exported.count(name)) throw Error("--export " + name + ": no symbol of the global scope has that name");
  }
}

void Linker::exportGlobalScope(int firstLib, const std::function<bool(const std::string &)> &want, bool withLibdl) {
  for (int li = firstLib; li < int(libs.size()); ++li) {
    Library &L = libs[li];
    if (!L.global || (L.isLibdl && !withLibdl)) continue;
    // A side's thread-local symbol is an offset in its own TLS block, which no export of
    // the output can express: not exported (a library loaded later finds it undefined
    // rather than at a wrong address; docs/design.md).
    for (uint32_t ei = 0; ei < L.mod.exports.size(); ++ei) {
      const Export &e = L.mod.exports[ei];
      if (!L.globalDef[ei] || !want(e.name) || L.tlsExports.count(e.name)) continue;
      Export ne = e;
      if (e.kind == ExternKind::Func) ne.index = L.funcMap.at(e.index);
      else if (e.kind == ExternKind::Global && L.globalMap.at(e.index).kind == GlobalRemap::Index) ne.index = L.globalMap[e.index].index;
      else if (e.kind == ExternKind::Tag) ne.index = L.tagMap.at(e.index);
      else continue;
      out.exports.push_back(ne);
    }
  }
}

LinkResult Linker::run() {
  // --stats: wall time per stage, summed where a stage's passes are interleaved.
  std::vector<std::pair<std::string, double>> stageMs;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char *stage) {
    auto t = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(t - t0).count();
    t0 = t;
    for (auto &s : stageMs)
      if (s.first == stage) return void(s.second += ms);
    stageMs.emplace_back(stage, ms);
  };
  checkLimits();
  loadInputs();
  readHostModules();
  host = makeHost(*this);
  addLibdl();
  lap("read");
  buildSymbolTable();
  planDlTable();
  lap("resolve");
  layoutMemoryAndTable();
  lap("layout");
  resolveImports();
  markUnloadable();
  assignIndices();
  host->checkOutputImports(*this);
  placeElements();
  resolveGotFunc();
  assignDlSlots();
  assignSegmentIndices();
  // The maps are known: the first pass over the bodies runs beside what follows.
  startSizingBodies();
  lap("resolve");
  buildImages();
  buildDlTable();
  evaluateRelocations();
  lap("layout");
  host->beforeEmit(*this);
  emitModule();
  host->emitEntryPoints(*this);
  emitCustomSections();
  // Only a link that succeeds has inputs worth telling about (a failing one's error line
  // stays the one line).
  warnUnreachable();
  lap("rewrite");
  LinkResult r;
  manifest = buildManifest();
  // The host's last change: now, or (going to binaryen) in runLink on binaryen's output.
  if (!deferFinish) host->finishModule(out, manifest.doc);
  lap("manifest");
  r.warnings = warnings;
  // The output still views some input bytes (passive data segments): it keeps every
  // input alive for as long as it lives.
  auto inputs = std::make_shared<std::vector<std::shared_ptr<const void>>>();
  for (auto &L : libs) inputs->push_back(L.mod.storage);
  out.storage = inputs;
  r.module = std::move(out);
  r.stageMs = std::move(stageMs);
  if (!cfg.mapFile.empty()) r.map = mapText();
  if (cfg.verbose) r.verbose = verboseLines();
  r.dependencies = dependencies();
  r.inputFiles = std::move(inputFiles);
  for (auto &L : libs)
    if (!L.isLibdl) r.inputBytes += L.bytes ? L.bytes->size() : 0;
  return r;
}

} // namespace wasmobj::linking

namespace wasmobj {

#ifdef PRELINK_SANITIZE // (CMakeLists.txt)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// The manifest's text as --manifest writes it, or what MAKE returns or writes of it. Names
// that are not UTF-8 (file names of directory and archive members may be anything) become
// U+FFFD rather than an exception (docs/cli.md).
template <class Make> static auto manifestText(const std::string &file, Make make) {
  try {
    return make();
  } catch (const nlohmann::ordered_json::exception &e) {
    throw Error(std::string("cannot write the manifest: ") + e.what(), Error::kNoOffset, file);
  }
}
static std::string manifestText(const linking::Manifest &manifest, const std::string &file) {
  return manifestText(file, [&] { return manifest.text(); });
}

// The manifest names the bytes of its module (docs/manifest.md, "module"), its last member.
static nlohmann::ordered_json moduleMember(const std::string &sha256, size_t size) { return {{"sha256", sha256}, {"size", size}}; }
static void describeModule(linking::Manifest &manifest, const std::string &sha256, size_t size) {
  manifest.doc["module"] = moduleMember(sha256, size);
}
static void describeModule(linking::Manifest &manifest, ByteView bytes) {
  describeModule(manifest, linking::hexSha256(bytes), bytes.size());
}

LinkResult link(const LinkConfig &cfg) {
  linking::Linker k(cfg);
  LinkResult r = k.run();
  // The module outlives the linker that makes its bodies.
  r.module.materializeBodies();
  // The module as writeModule encodes it, which is what runLink writes without binaryen.
  describeModule(k.manifest, ByteView(writeModule(r.module)));
  r.manifest = manifestText(k.manifest, cfg.manifest);
  return r;
}

// The diagnostics sink of CFG, or the CLI's lines on stderr.
static void report(const LinkConfig &cfg, const char *severity, std::string_view message) {
  if (cfg.diagnostics) cfg.diagnostics(severity, message);
  else printDiagnostic(stderr, severity, message);
}

// The outputs of CFG (the module last: writeOutputs renames in this order).
static ByteView viewOf(std::string_view s) { return ByteView(reinterpret_cast<const uint8_t *>(s.data()), s.size()); }

static std::vector<OutputFile> outputsOf(const LinkConfig &cfg, ByteView module, ByteView manifest, const std::string &map = {},
                                         const std::string &depfile = {}) {
  std::vector<OutputFile> out;
  if (!cfg.mapFile.empty()) out.push_back(OutputFile{cfg.mapFile, viewOf(map), "-Map"});
  if (!cfg.dependencyFile.empty()) out.push_back(OutputFile{cfg.dependencyFile, viewOf(depfile), "--dependency-file"});
  if (!cfg.manifest.empty()) out.push_back(OutputFile{cfg.manifest, manifest, "--manifest"});
  out.push_back(OutputFile{cfg.output, module, "-o"});
  return out;
}

int runLink(const LinkConfig &cfg) {
  auto start = std::chrono::steady_clock::now();
  // Outputs that cannot be written fail before the link; those that are inputs as soon
  // as the link knows what it read, before its warnings (writeOutputs checks again).
  checkOutputs(outputsOf(cfg, {}, {}));
  auto linker = std::make_unique<linking::Linker>(cfg);
  linking::Linker &k = *linker;
  k.deferFinish = linking::wantsBinaryen(cfg);
  // Warnings are printed before anything else, each one escaped line `prelink: warning:`;
  // when the link then fails, the caller's one `prelink: error:` line comes last, as with
  // ld (docs/reliability.md).
  // --trace: every file read, in order, on stdout (as ld), also when the link fails.
  auto trace = [&](const InputFiles &files) {
    if (!cfg.trace) return;
    for (auto &f : files) std::printf("%s\n", escapeText(f.second).c_str());
    std::fflush(stdout);
  };
  auto result = std::make_unique<LinkResult>();
  LinkResult &r = *result;
  try {
    r = k.run();
  } catch (...) {
    trace(k.inputFiles);
    for (auto &w : k.warnings) report(cfg, "warning", w);
    throw;
  }
  trace(r.inputFiles);
  for (auto &v : r.verbose) report(cfg, "verbose", v);
  checkOutputs(outputsOf(cfg, {}, {}), r.inputFiles);
  for (auto &w : r.warnings) report(cfg, "warning", w);
  if (cfg.fatalWarnings && !r.warnings.empty())
    throw Error(std::to_string(r.warnings.size()) + (r.warnings.size() == 1 ? " warning is" : " warnings are") +
                " an error with --fatal-warnings: nothing was written");
  std::string depfile;
  if (!cfg.dependencyFile.empty()) {
    std::vector<std::string> targets{cfg.output};
    if (!cfg.manifest.empty()) targets.push_back(cfg.manifest);
    depfile = dependencyRule(targets, r.dependencies);
  }
  // Every temporary first, then the renames, the module last (files.h): the module is
  // written first, so that the manifest can name its bytes.
  std::vector<OutputFile> outputs = outputsOf(cfg, {}, {}, r.map, depfile);
  StagedOutputs staged(outputs, r.inputFiles);
  const size_t moduleOut = outputs.size() - 1;
  size_t manifestOut = outputs.size();
  for (size_t i = 0; i < moduleOut; ++i)
    if (outputs[i].option == "--manifest") manifestOut = i;
  bool overlapped = false; // the manifest written with the module
  auto t0 = std::chrono::steady_clock::now();
  size_t moduleSize = 0;
  if (linking::wantsBinaryen(cfg)) {
    Bytes bytes = writeModule(r.module);
    r.stageMs.emplace_back("write", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    bytes = linking::optimizeLinked(bytes, cfg, k.manifest, r.stageMs);
    Module m = readModule(ByteView(bytes), cfg.output);
    linking::restoreCustomSections(m, r.module);
    k.host->finishModule(m, k.manifest.doc);
    t0 = std::chrono::steady_clock::now();
    bytes = writeModule(m);
    // The bytes written, after binaryen: a loader checks that this manifest is the one of
    // the module it loads (docs/manifest.md, prelink-runtime's check).
    describeModule(k.manifest, ByteView(bytes));
    moduleSize = bytes.size();
    staged.write(moduleOut, bytes);
  } else {
    // Streamed into its temporary as it is encoded (the bodies rewritten on the way),
    // hashed on the way: the module is never in memory whole. Meanwhile the manifest is
    // made and written on a thread of its own, all but its last member, the module's
    // hash and size, which follows once the module is written: a large manifest is
    // bigger than its module (N=3000: 25 MB for 10.6 MB), and the two no longer wait for
    // each other (docs/design.md, "Speed and memory").
    linking::Sha256 sha;
    std::promise<nlohmann::ordered_json> moduleDone;
    std::future<void> manifestDone;
    overlapped = manifestOut < moduleOut && !k.manifest.doc.contains("module");
    if (overlapped)
      manifestDone = std::async(std::launch::async, [&, named = moduleDone.get_future()]() mutable {
        staged.stream(manifestOut, [&](const std::function<void(ByteView)> &put) {
          manifestText(cfg.manifest, [&] { k.manifest.head([&](std::string_view piece) { put(viewOf(piece)); }); });
          nlohmann::ordered_json module = named.get(); // rethrows the module's failure
          put(viewOf(k.manifest.tail("module", module)));
        });
      });
    std::string hash;
    try {
      // Hashed and written on two threads of their own, each at its own pace: for 15 MB,
      // about 9 ms of SHA-256 and 4-5 ms of write(2), beside the encoding (docs/design.md).
      staged.stream(moduleOut, [&](const std::function<void(ByteView)> &put) {
        const std::function<void(ByteView)> consumers[] = {[&sha](ByteView piece) { sha.update(piece); }, put};
        moduleSize = writeModule(r.module, consumers);
      });
      hash = sha.hex();
      moduleDone.set_value(moduleMember(hash, moduleSize)); // last: nothing throws after it
    } catch (...) {
      moduleDone.set_exception(std::current_exception());
      if (manifestDone.valid()) manifestDone.wait(); // its failure is the module's
      throw;
    }
    if (manifestDone.valid()) manifestDone.get();
    describeModule(k.manifest, hash, moduleSize);
  }
  std::string manifest;
  if (!cfg.manifest.empty() && !overlapped) manifest = manifestText(k.manifest, cfg.manifest);
  for (size_t i = 0; i < moduleOut; ++i)
    if (i != manifestOut || !overlapped) staged.write(i, outputs[i].option == "--manifest" ? viewOf(manifest) : outputs[i].bytes);
  staged.commit();
  auto end = std::chrono::steady_clock::now();
  double writeMs = std::chrono::duration<double, std::milli>(end - t0).count();
  bool merged = false;
  for (auto &s : r.stageMs)
    if (s.first == "write") s.second += writeMs, merged = true;
  if (!merged) r.stageMs.emplace_back("write", writeMs);
  if (cfg.stats) {
    // One line per stage, then the totals; the format bench/ parses.
    char line[160];
    for (auto &s : r.stageMs) {
      std::snprintf(line, sizeof line, "%-14s %9.2f ms", s.first.c_str(), s.second);
      report(cfg, "stats", line);
    }
    double total = std::chrono::duration<double, std::milli>(end - start).count();
    std::snprintf(line, sizeof line, "total %.2f ms, input %llu bytes, output %zu bytes, %.1f MB/s", total,
                  (unsigned long long)r.inputBytes, moduleSize, total > 0 ? double(r.inputBytes) / 1e6 / (total / 1e3) : 0.0);
    report(cfg, "stats", line);
  }
  if (cfg.processEnds && !kSanitized) {
    (void)linker.release();
    (void)result.release();
  }
  return 0;
}

} // namespace wasmobj
