// Whole-program optimisation (-O1..-O3, -Os, -Oz) and --gc-sections: the linked module
// goes through binaryen once, after the link. prelink does not optimise code itself
// (shared/STYLE.md: hand binaryen the module, run named passes, validate); what it adds
// is the knowledge binaryen lacks: which table slots are promised (the dl table and every
// function pointer hold slot numbers), and how the manifest's indices move.
#include "optimize.h"

#include <binaryen-c.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cerrno>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dynlib.h"
#include "wasmobj/error.h"

namespace wasmobj::linking {

namespace {

using Clock = std::chrono::steady_clock;

// binaryen's C API, loaded only by a link that asks for binaryen (-O, --gc-sections):
// linked in, libbinaryen.so's 17,300 symbol relocations and its constructors cost every
// run about 9 ms of start-up (docs/benchmarks.md). The functions keep their names, as
// members of the table bn() returns.
#define PRELINK_BINARYEN_FUNCTIONS(X) \
  X(BinaryenConstGetValueI32) \
  X(BinaryenConstId) \
  X(BinaryenElementSegmentGetData) \
  X(BinaryenElementSegmentGetLength) \
  X(BinaryenElementSegmentGetOffset) \
  X(BinaryenElementSegmentIsPassive) \
  X(BinaryenExpressionGetId) \
  X(BinaryenFeatureAll) \
  X(BinaryenFeatureAtomics) \
  X(BinaryenFeatureBulkMemory) \
  X(BinaryenFeatureExceptionHandling) \
  X(BinaryenFeatureMVP) \
  X(BinaryenFeatureMultivalue) \
  X(BinaryenFeatureMutableGlobals) \
  X(BinaryenFeatureNontrappingFPToInt) \
  X(BinaryenFeatureReferenceTypes) \
  X(BinaryenFeatureSIMD128) \
  X(BinaryenFeatureSignExt) \
  X(BinaryenFeatureTailCall) \
  X(BinaryenFunctionGetName) \
  X(BinaryenFunctionImportGetModule) \
  X(BinaryenGetElementSegmentByIndex) \
  X(BinaryenGetFunctionByIndex) \
  X(BinaryenGetNumElementSegments) \
  X(BinaryenGetNumExports) \
  X(BinaryenGetNumFunctions) \
  X(BinaryenGetNumGlobals) \
  X(BinaryenModuleAllocateAndWrite) \
  X(BinaryenModuleDispose) \
  X(BinaryenModuleOptimize) \
  X(BinaryenModuleRead) \
  X(BinaryenModuleRunPasses) \
  X(BinaryenModuleSetFeatures) \
  X(BinaryenModuleValidate) \
  X(BinaryenSetDebugInfo) \
  X(BinaryenSetOptimizeLevel) \
  X(BinaryenSetShrinkLevel)

#ifdef PRELINK_BINARYEN_LIBRARY
constexpr const char *kBinaryenBuilt = PRELINK_BINARYEN_LIBRARY; // where the build found it
#else
constexpr const char *kBinaryenBuilt = nullptr;
#endif
PRELINK_DYNAMIC_API(BinaryenApi, bn, PRELINK_BINARYEN_FUNCTIONS, "libbinaryen.so", kBinaryenBuilt,
                    "binaryen for -O/--gc-sections", "apt-get install binaryen")

struct ModuleHandle {
  BinaryenModuleRef m = nullptr;
  ~ModuleHandle() {
    if (m) bn().BinaryenModuleDispose(m);
  }
};

// What LLVM emits and node 20's V8 runs. Binaryen may only use features the module has
// enabled, so with this set it never writes an instruction or type encoding (GC, strings,
// extended-const...) an ordinary engine rejects.
BinaryenFeatures engineFeatures() {
  return bn().BinaryenFeatureMVP() | bn().BinaryenFeatureMutableGlobals() | bn().BinaryenFeatureSignExt() |
         bn().BinaryenFeatureNontrappingFPToInt() | bn().BinaryenFeatureBulkMemory() | bn().BinaryenFeatureSIMD128() |
         bn().BinaryenFeatureReferenceTypes() | bn().BinaryenFeatureMultivalue() | bn().BinaryenFeatureAtomics() |
         bn().BinaryenFeatureExceptionHandling() | bn().BinaryenFeatureTailCall();
}

// Binaryen's validator prints its findings to stderr; the first, restricted attempt is
// allowed to fail quietly.
bool validateQuietly(BinaryenModuleRef m) {
  std::fflush(stderr);
  int saved = ::dup(2);
  int devnull = saved >= 0 ? ::open("/dev/null", O_WRONLY) : -1;
  if (devnull >= 0) ::dup2(devnull, 2);
  bool ok = bn().BinaryenModuleValidate(m);
  std::fflush(stderr);
  if (devnull >= 0) {
    ::dup2(saved, 2);
    ::close(devnull);
  }
  if (saved >= 0) ::close(saved);
  return ok;
}

// Functions in the order binaryen writes them: imports first, then definitions.
std::vector<std::string> functionNames(BinaryenModuleRef m) {
  std::vector<std::string> imported, defined;
  BinaryenIndex n = bn().BinaryenGetNumFunctions(m);
  for (BinaryenIndex i = 0; i < n; ++i) {
    BinaryenFunctionRef f = bn().BinaryenGetFunctionByIndex(m, i);
    const char *mod = bn().BinaryenFunctionImportGetModule(f);
    (mod && *mod ? imported : defined).push_back(bn().BinaryenFunctionGetName(f));
  }
  imported.insert(imported.end(), defined.begin(), defined.end());
  return imported;
}

// Table slot -> function name, from the active element segments with constant offsets
// ("" for a slot no segment fills).
std::vector<std::string> tableSlots(BinaryenModuleRef m) {
  std::vector<std::string> slots;
  BinaryenIndex n = bn().BinaryenGetNumElementSegments(m);
  for (BinaryenIndex i = 0; i < n; ++i) {
    BinaryenElementSegmentRef seg = bn().BinaryenGetElementSegmentByIndex(m, i);
    if (bn().BinaryenElementSegmentIsPassive(seg)) continue;
    BinaryenExpressionRef off = bn().BinaryenElementSegmentGetOffset(seg);
    if (bn().BinaryenExpressionGetId(off) != bn().BinaryenConstId()) continue;
    uint32_t base = uint32_t(bn().BinaryenConstGetValueI32(off));
    BinaryenIndex len = bn().BinaryenElementSegmentGetLength(seg);
    if (slots.size() < size_t(base) + len) slots.resize(size_t(base) + len);
    for (BinaryenIndex k = 0; k < len; ++k) {
      const char *name = bn().BinaryenElementSegmentGetData(seg, k);
      slots[base + k] = name ? name : "";
    }
  }
  return slots;
}

void runPass(BinaryenModuleRef m, const char *pass) {
  const char *passes[] = {pass};
  bn().BinaryenModuleRunPasses(m, passes, 1);
}

std::string levelName(const LinkConfig &cfg) {
  if (cfg.shrinkLevel == 1) return "-Os";
  if (cfg.shrinkLevel >= 2) return "-Oz";
  return "-O" + std::to_string(cfg.optimizeLevel);
}

// The manifest promised function indices of the linked module; after binaryen they are
// recomputed: a function with a table slot is whatever the slot holds now (binaryen may
// have merged identical functions, the slot is what callers use), any other by name; null
// when the function no longer exists (inlined everywhere, or collected).
void remapManifestIndices(Manifest &manifest, const std::vector<std::string> &oldNames,
                          const std::vector<std::string> &newNames, const std::vector<std::string> &newSlots) {
  std::unordered_map<std::string, uint32_t> newIndex;
  for (uint32_t i = 0; i < newNames.size(); ++i) newIndex.emplace(newNames[i], i);
  auto byName = [&](const std::string &name) -> std::optional<int64_t> {
    auto it = newIndex.find(name);
    return it == newIndex.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  auto byOldIndex = [&](uint64_t old) -> std::optional<int64_t> {
    return old < oldNames.size() ? byName(oldNames[old]) : std::nullopt;
  };
  auto asJson = [](std::optional<int64_t> v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); };
  if (manifest.doc.contains("libraries"))
    for (auto &lib : manifest.doc["libraries"])
      if (lib.contains("init_function") && lib["init_function"].is_number())
        lib["init_function"] = asJson(byOldIndex(lib["init_function"].get<uint64_t>()));
  for (auto &syms : manifest.symbols)
    for (auto &s : syms) {
      if (s.kind != ManifestSymbol::Function || !s.value) continue;
      if (s.tableSlot && *s.tableSlot < newSlots.size() && !newSlots[*s.tableSlot].empty()) s.value = byName(newSlots[*s.tableSlot]);
      else s.value = byOldIndex(uint64_t(*s.value));
    }
}

// STARTED, when given, hears the name of each step as it begins (progress, below).
Bytes optimizeInProcess(ByteView linked, const LinkConfig &cfg, Manifest &manifest,
                        std::vector<std::pair<std::string, double>> &stageMs,
                        const std::function<void(const std::string &)> &started) {
  using json = nlohmann::ordered_json;
  auto begin = [&](const std::string &what) {
    if (started) started(what);
  };
  begin("binaryen: reading the linked module");
  auto t0 = Clock::now();
  auto lap = [&](const char *stage) {
    auto t = Clock::now();
    stageMs.emplace_back(stage, std::chrono::duration<double, std::milli>(t - t0).count());
    t0 = t;
  };

  std::vector<char> input(linked.begin(), linked.end());
  ModuleHandle h;
  h.m = bn().BinaryenModuleRead(input.data(), input.size());
  if (!h.m) throw Error("binaryen cannot read the linked module", Error::kNoOffset, cfg.output);
  bn().BinaryenModuleSetFeatures(h.m, engineFeatures());
  std::string features = "engine";
  if (!validateQuietly(h.m)) {
    // The module uses something beyond the engine set: let binaryen see everything.
    bn().BinaryenModuleSetFeatures(h.m, bn().BinaryenFeatureAll());
    features = "all";
    if (!bn().BinaryenModuleValidate(h.m))
      throw Error("binaryen rejects the linked module before optimisation (its messages are above)", Error::kNoOffset, cfg.output);
  }
  lap("binaryen-read");

  // Names survive optimisation (binaryen keeps and writes the name section with debug
  // info on; it makes duplicate input names unique, which functionNames relies on).
  bn().BinaryenSetDebugInfo(!cfg.stripAll);
  const std::vector<std::string> oldNames = functionNames(h.m);
  const std::vector<std::string> oldSlots = tableSlots(h.m);
  const BinaryenIndex funcsBefore = bn().BinaryenGetNumFunctions(h.m);
  const BinaryenIndex globalsBefore = bn().BinaryenGetNumGlobals(h.m);

  if (cfg.gcSections) {
    begin("binaryen: --gc-sections");
    // Roots: the exports (the main's, --export names), the start function, and every
    // function in the table (all that dlsym can return has a slot). Data segments stay.
    const BinaryenIndex roots = bn().BinaryenGetNumExports(h.m);
    runPass(h.m, "remove-unused-module-elements");
    json gc;
    gc["root_exports"] = roots;
    gc["functions_removed"] = funcsBefore - bn().BinaryenGetNumFunctions(h.m);
    gc["globals_removed"] = globalsBefore - bn().BinaryenGetNumGlobals(h.m);
    gc["data"] = "kept (segments are not collected)";
    manifest.doc["gc"] = gc;
    lap("gc");
  }
  const BinaryenIndex funcsAfterGc = bn().BinaryenGetNumFunctions(h.m);
  if (cfg.optimizeLevel > 0 || cfg.shrinkLevel > 0) {
    begin("binaryen: optimising " + levelName(cfg) + " (" + std::to_string(funcsAfterGc) + " functions)");
    bn().BinaryenSetOptimizeLevel(cfg.optimizeLevel > 0 ? cfg.optimizeLevel : 2);
    bn().BinaryenSetShrinkLevel(cfg.shrinkLevel);
    bn().BinaryenModuleOptimize(h.m);
    lap("optimize");
  }
  if (!bn().BinaryenModuleValidate(h.m))
    throw Error("binaryen's output does not validate (its messages are above)", Error::kNoOffset, cfg.output);

  // The promise to the dl table and to every stored function pointer: each slot still
  // holds the function it held. A different name is accepted only where binaryen merged
  // the old function into another (the old name is gone).
  const std::vector<std::string> newNames = functionNames(h.m);
  const std::vector<std::string> newSlots = tableSlots(h.m);
  std::unordered_map<std::string, bool> alive;
  for (auto &n : newNames) alive.emplace(n, true);
  if (newSlots.size() < oldSlots.size() && !oldSlots.empty())
    throw Error("internal error: binaryen shrank the function table's element segments", Error::kNoOffset, cfg.output);
  for (size_t s = 0; s < oldSlots.size(); ++s) {
    if (oldSlots[s] == newSlots[s]) continue;
    if (oldSlots[s].empty() || newSlots[s].empty() || alive.count(oldSlots[s]))
      throw Error("internal error: binaryen moved table slot " + std::to_string(s), Error::kNoOffset, cfg.output);
  }
  remapManifestIndices(manifest, oldNames, newNames, newSlots);
  begin("binaryen: writing");

  BinaryenModuleAllocateAndWriteResult w = bn().BinaryenModuleAllocateAndWrite(h.m, nullptr);
  Bytes out(static_cast<const uint8_t *>(w.binary), static_cast<const uint8_t *>(w.binary) + w.binaryBytes);
  std::free(w.binary);
  std::free(w.sourceMap);
  lap("binaryen-write");

  json o;
  o["level"] = cfg.optimizeLevel > 0 || cfg.shrinkLevel > 0 ? json(levelName(cfg)) : json(nullptr);
  o["tool"] = "binaryen";
  o["features"] = features;
  o["functions_before"] = funcsBefore;
  o["functions_after"] = bn().BinaryenGetNumFunctions(h.m);
  o["functions_removed_by_optimizer"] = funcsAfterGc - bn().BinaryenGetNumFunctions(h.m);
  o["function_indices"] = "recomputed after optimisation; null where the function no longer exists";
  manifest.doc["optimization"] = o;
  return out;
}


// Everything a file descriptor holds, from its start.
std::string readAll(int fd) {
  std::string out;
  if (lseek(fd, 0, SEEK_SET) < 0) return out;
  char buf[1 << 16];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buf, size_t(n));
  }
  return out;
}

bool writeAll(int fd, const void *p, size_t n) {
  const char *c = static_cast<const char *>(p);
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w, n -= size_t(w);
  }
  return true;
}

// Until FD (the child's step names, a line each) ends: "prelink: STEP ... N s" on stderr,
// rewritten every quarter second, then cleared.
void showProgress(int fd) {
  std::string step, pending;
  auto since = Clock::now();
  bool shown = false;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, 250);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      char buf[512];
      ssize_t got = read(fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break; // the child is done (or gone)
      pending.append(buf, size_t(got));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
        step = pending.substr(0, nl);
        since = Clock::now();
      }
    }
    double s = std::chrono::duration<double>(Clock::now() - since).count();
    if (step.empty() || s < 1.0) continue;
    std::fprintf(stderr, "\r\x1b[Kprelink: %s ... %.0f s", step.c_str(), s);
    std::fflush(stderr);
    shown = true;
  }
  if (shown) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }
}

} // namespace

// binaryen ends the process on what it cannot read (its Fatal() prints "Fatal: ..." and
// exits): it runs in a child process, and a child that did not finish becomes one error
// line naming what binaryen said. The child hands back the module, the manifest and the
// stage times through an anonymous file.
Bytes optimizeLinked(ByteView linked, const LinkConfig &cfg, Manifest &manifest,
                     std::vector<std::pair<std::string, double>> &stageMs) {
  (void)bn(); // loaded here, before the fork: the child runs on what this process loaded
  int result = memfd_create("prelink-binaryen-result", MFD_CLOEXEC);
  int messages = memfd_create("prelink-binaryen-stderr", MFD_CLOEXEC);
  if (result < 0 || messages < 0) throw Error(std::string("cannot run binaryen: ") + std::strerror(errno));
  // Progress (cfg.progress: stderr is a terminal): the child names each step on a pipe;
  // the parent shows it with the time it has taken so far, on one line it rewrites.
  int steps[2] = {-1, -1};
  if (cfg.progress && pipe2(steps, O_CLOEXEC) < 0) steps[0] = steps[1] = -1;
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw Error(std::string("cannot run binaryen: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(messages, 1);
    dup2(messages, 2);
    int code = 0;
    std::string out;
    try {
      std::vector<std::pair<std::string, double>> ms;
      std::function<void(const std::string &)> started;
      if (steps[1] >= 0) {
        close(steps[0]);
        started = [&](const std::string &what) { writeAll(steps[1], (what + "\n").data(), what.size() + 1); };
      }
      Bytes b = optimizeInProcess(linked, cfg, manifest, ms, started);
      nlohmann::ordered_json head0;
      head0["manifest"] = manifest.doc;
      // The symbols' function indices, in order (all the remapping changes in them).
      head0["functions"] = nlohmann::ordered_json::array();
      for (auto &syms : manifest.symbols)
        for (auto &s : syms)
          if (s.kind == ManifestSymbol::Function) head0["functions"].push_back(s.value ? nlohmann::ordered_json(*s.value) : nlohmann::ordered_json(nullptr));
      head0["times"] = nlohmann::ordered_json::array();
      for (auto &[k, v] : ms) head0["times"].push_back({k, v});
      std::string head = head0.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      uint64_t n = head.size();
      out.append(reinterpret_cast<const char *>(&n), 8).append(head).append(reinterpret_cast<const char *>(b.data()), b.size());
    } catch (const Error &e) {
      out = std::string(8, '\xff') + e.what();
      code = 3;
    } catch (const std::exception &e) {
      out = std::string(8, '\xff') + e.what();
      code = 3;
    }
    std::fflush(nullptr);
    _exit(writeAll(result, out.data(), out.size()) ? code : 4);
  }
  if (steps[1] >= 0) {
    close(steps[1]);
    showProgress(steps[0]);
    close(steps[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string data = readAll(result), said = readAll(messages);
  close(result);
  close(messages);
  // binaryen's own last words, on one line.
  std::string last;
  for (size_t b = 0; b < said.size();) {
    size_t e = said.find('\n', b);
    if (e == std::string::npos) e = said.size();
    if (e > b) last = said.substr(b, e - b);
    b = e + 1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && data.size() >= 8) throw Error(data.substr(8));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || data.size() < 8)
    throw Error("binaryen " + std::string(WIFSIGNALED(status) ? "crashed" : "gave up") + " on the linked module" +
                    (last.empty() ? std::string() : ": " + last) +
                    " (Debian's binaryen 108 lacks newer proposals; link without -O/--gc-sections, or optimise the output "
                    "with a newer wasm-opt)",
                Error::kNoOffset, cfg.output);
  uint64_t n = 0;
  std::memcpy(&n, data.data(), 8);
  if (n > data.size() - 8) throw Error("internal error: binaryen's result is cut");
  auto head = nlohmann::ordered_json::parse(data.substr(8, n));
  manifest.doc = std::move(head["manifest"]);
  auto f = head["functions"].begin();
  for (auto &syms : manifest.symbols)
    for (auto &s : syms) {
      if (s.kind != ManifestSymbol::Function) continue;
      if (f == head["functions"].end()) throw Error("internal error: binaryen's result is cut");
      s.value = f->is_number() ? std::optional<int64_t>(f->get<int64_t>()) : std::nullopt;
      ++f;
    }
  for (auto &t : head["times"]) stageMs.emplace_back(t[0].get<std::string>(), t[1].get<double>());
  return Bytes(data.begin() + 8 + std::ptrdiff_t(n), data.end());
}

} // namespace wasmobj::linking
