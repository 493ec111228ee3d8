// Internal state of one link, shared by the stages (inputs, symbols, layout, merge,
// evaluate, manifest). Data flows one way: each stage fills its part and later stages read.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "host.h"
#include "manifest.h"
#include "symtab.h"
#include "wasmobj/code.h"
#include "prelink/link.h"

namespace wasmobj::linking {

// Where an import of an input ended up.
struct Resolution {
  enum Kind : uint8_t {
    Unset,
    Host,      // an import of the output (index into Linker::hostImports)
    Def,       // a definition in library `lib`, module-local index `index`
    Const,     // a constant (GOT entries, bases, undefined weak data)
    Stub,      // undefined weak function: a function that traps if ever called (named
               // `undefined:<hostName>` when hostName is set: one per name)
    StackPtr,  // the one __stack_pointer
    Memory,    // the one memory
    Table,     // the one indirect function table
    GlueFunc,  // GOT.func of a host function (Host::hostFunctionIndex(index))
    TlsGot,    // GOT.mem of a thread-local symbol of library `lib` at offset `value` of its
               // TLS block: a per-instance global the TLS initialisation sets (tlsGots)
  } kind = Unset;
  int lib = -1;
  uint32_t index = 0;
  int64_t value = 0;
  std::string hostName; // Host: import under this field name instead of the input's
  // Bundle mode: a Const that is an address relative to the bundle's __memory_base
  // (RelocMemory) or a slot relative to its __table_base (RelocTable).
  enum Reloc : uint8_t { NoReloc, RelocMemory, RelocTable } reloc = NoReloc;

  static Resolution make(Kind k, int lib, uint32_t index, int64_t value) {
    Resolution r;
    r.kind = k;
    r.lib = lib;
    r.index = index;
    r.value = value;
    return r;
  }
};

struct Library {
  std::string name; // install name: the file name NEEDED refers to
  std::string path;
  std::shared_ptr<const InputBytes> bytes;
  Module mod;
  std::string sha256;
  bool isMain = false;
  bool isLibdl = false;              // prelink's own in-module libdl
  std::vector<std::string> dlNames; // extra names dlopen answers to (--dlopen-name/-prefix)
  std::vector<std::string> aliasNames; // install names of inputs with the same bytes, linked as this one
  // Bundle mode with --host-module: what this dlopen-only library needs that neither the
  // bundle nor the host gives (empty: nothing). Its dlopen is left to the host.
  std::string unloadable;
  bool global = false;          // in the global scope (reached by NEEDED from the main)
  std::vector<int> needed;      // resolved NEEDED, as library indices
  std::vector<int> localScope;  // dlopen-only: itself and its NEEDED closure, breadth first
  int scopeRoot = -1;           // dlopen-only: whose localScope its imports search (computeLocalScopes)

  // Layout.
  uint64_t memBase = 0, memSize = 0;
  uint32_t memAlign = 0;
  uint32_t tableBase = 0, tableSize = 0;
  int initOrder = -1; // position in __wasm_call_ctors (global scope) or -1

  // Exports by name: views of mod.exports' names (never changed once read).
  std::unordered_map<std::string_view, uint32_t> exportIndex; // name -> index into mod.exports
  bool origExports = true; // may export an "orig$NAME" (Linker::addressedFunction): false once known not to
  // Parallel to mod.exports: the export is the global scope's definition of its name
  // (globalSyms names it; buildSymbolTable), asked once per export by the later stages.
  std::vector<uint8_t> globalDef; // bytes, not bits: set from several cores

  // Per-import resolution (parallel to mod.imports).
  std::vector<Resolution> imports;

  // Output index of the library's first defined function and global (its defined ones
  // follow in order): the name section maps the input's names through them.
  uint32_t funcBase = 0, globalBase = 0;

  // Output index maps (module-local -> output).
  std::vector<uint32_t> funcMap, typeMap, tableMap, memMap, dataMap, elemMap, tagMap;
  std::vector<GlobalRemap> globalMap;

  // Special functions (module-local indices).
  std::optional<uint32_t> relocFunc, ctorsFunc, startFunc;
  bool relocsEvaluated = false, startEvaluated = false;
  std::string relocsWhy, startWhy; // why they could not be evaluated at link time
  uint32_t relocsResidual = 0, relocsTotal = 0, startResidual = 0, startTotal = 0;
  // Functions whose body link-time evaluation replaced (module-local index -> locals +
  // expression, still in the module's own index spaces).
  std::unordered_map<uint32_t, Bytes> newBodies;
  std::optional<uint32_t> initFunc; // dlopen-only: output index of its init function
  uint32_t initGuard = 0;           // dlopen-only: output global, 1 once initialised
  uint64_t initFlag = 0;            // dlopen-only, shared memory: its once-per-memory flag's address

  // Threads: the library's TLS initialiser (module-local; Host::tlsInitNames) and, in the
  // combined model, its part of the one TLS block.
  std::optional<uint32_t> tlsInitFunc;
  std::unordered_set<std::string> tlsExports; // its thread-local symbols (EXPORT_INFO TLS; buildSymbolTable)
  uint64_t tlsOffset = 0, tlsSize = 0, tlsAlign = 1;

  // Memory image of [memBase, memBase + memSize): data segments, then data relocations.
  Bytes image;
  bool hasPassiveData = false;
};
// std::vector<Library> grows by moving only if moving cannot throw; otherwise it copies
// every library, modules and all.
static_assert(std::is_nothrow_move_constructible_v<Library>);

struct HostImport {
  Import imp;            // as the output imports it
  uint32_t outIndex = 0; // index within its kind
};

// Names the linker and the loaders own: never symbols of the global scope.
inline bool isLinkerInternal(const std::string &n) {
  // Every one starts with '_', 'm' or 'e': most names are out after one comparison.
  if (n.empty() || (n[0] != '_' && n[0] != 'm' && n[0] != 'e')) return false;
  return n == "__wasm_call_ctors" || n == "__wasm_apply_data_relocs" || n == "__wasm_apply_global_relocs" ||
         n == "__wasm_apply_tls_relocs" || n == "__wasm_init_memory" || n == "__wasm_init_tls" || n == "_start" ||
         n == "_initialize" || n == "__post_instantiate" || n == "__dso_handle" || n == "memory" ||
         n == "__indirect_function_table" || n == "__stack_pointer" || n == "__memory_base" || n == "__table_base" ||
         n == "__tls_base" || n == "__tls_size" || n == "__tls_align" ||
         // emcc's per-module TLS initialiser (threads.cpp): each module's own.
         n == "_emscripten_tls_init" || n == "emscripten_tls_init";
}

// V rounded up to a multiple of 2^P2. Where that is not a uint64_t (P2 of 64 or more, or
// V within 2^P2 of 2^64) the result is UINT64_MAX, which every caller's limit check
// (--max-memory, --max-table-size, 4 GiB) refuses: never an undefined shift or a wrap.
inline uint64_t alignUp(uint64_t v, uint32_t p2) {
  if (p2 >= 64) return v == 0 ? 0 : ~uint64_t(0);
  uint64_t a = uint64_t(1) << p2;
  if (v > ~uint64_t(0) - (a - 1)) return ~uint64_t(0);
  return (v + a - 1) & ~(a - 1);
}

// Code snippets of the synthetic functions.
inline void emitI32Const(ByteSink &b, int64_t v) {
  b.u8(0x41);
  b.sleb(int32_t(uint32_t(v)));
}
// `i32.const V; end`: a constant expression.
inline Bytes i32ConstExpr(int64_t v) {
  ByteSink s;
  emitI32Const(s, v);
  s.u8(0x0b);
  return std::move(s.out);
}
inline void emitCall(ByteSink &b, uint32_t f) {
  b.u8(0x10);
  b.uleb(f);
}
// `if (done) return; done = 1;` with DONE an i32 global.
inline void emitGuardOnce(ByteSink &b, uint32_t done) {
  b.u8(0x23);
  b.uleb(done);
  b.u8(0x04);
  b.u8(0x40);
  b.u8(0x0f);
  b.u8(0x0b);
  emitI32Const(b, 1);
  b.u8(0x24);
  b.uleb(done);
}

// The host's dl functions libdl can fall back to (__prelink_host_<name> imports of the
// libdl, connected to the main module's import of <name>) and their pl_table flag.
struct HostDlFunction {
  const char *name;
  uint32_t flag;
};
inline constexpr HostDlFunction kHostDlFunctions[] = {
    {"dlopen", 1}, {"dlsym", 2}, {"dlclose", 4}, {"dlerror", 8}, {"dladdr", 16}, // PL_HOST_*
    {"_dlopen_js", 1}, {"_dlsym_js", 2}, {"_emscripten_dlopen_js", 64},            // emscripten's glue
};

// The constant value of an exported immutable i32 global defined by M (its index in
// *GLOBALINDEX), or nullopt (resolve.cpp).
std::optional<int64_t> exportedConstant(const Module &m, const char *name, uint32_t *globalIndex = nullptr);

// `{"module": "env", "name": NAME}`, an immutable i32 global: a base the loader gives.
Import baseImport(const char *name);

// SHA-256 of B as 64 lowercase hex digits (OpenSSL): the inputs' and the output's.
std::string hexSha256(ByteView b);
// SHA-256 of bytes given in pieces (the output, as it is written).
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256 &) = delete;
  Sha256 &operator=(const Sha256 &) = delete;
  void update(ByteView b);
  std::string hex(); // once, at the end
private:
  void *ctx_;
};

// The names the output exports so far: views of the input modules' names (or literals),
// which live as long as the link.
using ExportNames = std::unordered_set<std::string_view>;

class BodySizer; // merge.cpp

class Linker {
public:
  explicit Linker(const LinkConfig &cfg) : cfg(cfg) {}
  LinkResult run();

  const LinkConfig &cfg;
  std::vector<Library> libs; // load order: main, global scope breadth first, dlopen-only
  std::vector<std::string> warnings;
  std::vector<std::string> undefinedErrors;
  InputFiles inputFiles; // every file read (inputs, -L libraries, the glue): never an output
  std::vector<std::string> inputDirs; // directories given as inputs (--dependency-file)
  // --host-module: the names the host can give (their env imports and exports).
  bool hostKnown = false;
  std::unordered_set<std::string> hostProvides;
  void readHostModules();
  void markUnloadable(); // dlopen-only libraries whose local scope holds an unloadable one

  // Global symbol table: name (a view of the export's) -> (library, export index). First
  // definition wins.
  using Sym = SymRef;
  SymbolTable globalSyms;

  // Threads (docs/design.md, "Threads and thread-local storage").
  const Limits *mainMemoryLimits() const; // the main's memory (imported or defined), or null
  bool sharedMemory() const { auto *m = mainMemoryLimits(); return m && m->shared(); }
  // A GOT.mem entry of a thread-local symbol: an output global holding the calling
  // thread's address of it, set whenever the TLS block of `lib` is (re)initialised.
  struct TlsGot {
    int lib;
    int64_t offset;  // in the library's TLS block
    uint32_t global; // output global index
  };
  std::vector<TlsGot> tlsGots;
  std::map<std::pair<int, std::string>, uint32_t> tlsGotIndex; // (library, symbol) -> index in tlsGots
  // Shared memory: the address of the flag of the one-time part of the start function
  // (0 unset, 1 running, 2 done), and the memory images made passive, which it copies.
  uint64_t onceFlag = 0;
  struct PassiveImage {
    uint32_t segment;
    uint64_t address, size;
  };
  std::vector<PassiveImage> passiveImages;
  void emitOnceBlock(ByteSink &b, uint64_t flag, const std::function<void(ByteSink &)> &body) const;
  void emitPassiveImages(ByteSink &b) const; // memory.init + data.drop of each
  // The TLS initialiser of the output (threads.cpp): planned, its function, its exports.
  bool threadInit = false;
  // The output has the combined TLS block (Host::TlsModel::Combined) and its exports.
  bool combinedTls() const { return threadInit && host->tlsModel() == Host::TlsModel::Combined; }
  std::optional<uint32_t> tlsInitFuncIndex, mainTlsOriginal;
  uint32_t tlsSizeGlobal = 0, tlsAlignGlobal = 0;
  uint64_t tlsBlockSize = 0, tlsBlockAlign = 1;
  void planThreads();
  void emitThreadFunctions();
  void exportThreadFunctions(ExportNames &taken);

  // Layout results.
  uint64_t stackLow = 0, stackHigh = 0, heapBase = 0, heapEnd = 0, dataEnd = 0;
  uint64_t memoryPages = 0;
  uint32_t tableSize = 0;
  std::vector<int64_t> slots; // table slot -> output function index (-1 = null)
  // Output function -> its one slot. A flat array: the output's function indices are
  // dense, and a hash map's node per function was most of placeElements.
  class SlotMap {
  public:
    const uint32_t *find(uint32_t f) const { return f < slot_.size() && slot_[f] != kNone ? &slot_[f] : nullptr; }
    uint32_t at(uint32_t f) const {
      if (const uint32_t *s = find(f)) return *s;
      throw std::out_of_range("SlotMap::at");
    }
    void emplace(uint32_t f, uint32_t s) { // keeps a function's first slot
      if (f >= slot_.size()) slot_.resize(size_t(f) + 1 + slot_.size() / 2, kNone);
      if (slot_[f] == kNone) slot_[f] = s;
    }

  private:
    static constexpr uint32_t kNone = ~uint32_t(0);
    std::vector<uint32_t> slot_;
  };
  SlotMap slotOf;

  // Output being built.
  Module out;
  std::vector<HostImport> hostImports; // in output import order
  uint32_t numHostFuncs = 0, numHostGlobals = 0, numHostTags = 0;
  uint32_t spGlobal = 0;
  std::vector<FuncType> types;
  std::unordered_map<std::string, uint32_t> typeIndexByKey;
  std::vector<Function> stubFunctions; // for undefined weak functions
  // Output function -> its name in the name section, for the stubs: `undefined:NAME` (a
  // function nothing provides) or `undefined_weak:TYPE` (every undefined weak one of TYPE).
  std::vector<std::pair<uint32_t, std::string>> stubNames;
  // Output data segment -> name, for the segments prelink makes (the memory images).
  std::vector<std::pair<uint32_t, std::string>> segmentNames;
  // Synthetic functions, placed after the stubs: start, __wasm_call_ctors, then one init
  // function per dlopen-only library.
  uint32_t startFuncIndex = 0, ctorsFuncIndex = 0;
  std::optional<uint32_t> mainCtorsOriginal; // output index of the main's own ctors body
  uint32_t numGlobalsTotal = 0;
  std::string stackPointerExport; // the export name of the stack pointer, if exported
  // Bundle mode (bundle.cpp).
  std::vector<std::string> externalNeeded; // NEEDED names that stay outside the bundle
  uint32_t bundleMemAlign = 0;
  uint32_t memoryBaseGlobal = 0, tableBaseGlobal = 0; // the bundle's imported bases
  uint32_t relocsFuncIndex = 0;                      // the bundle's __wasm_apply_data_relocs
  uint32_t trapFuncIndex = 0;                        // the bundle's filler for empty slots
  std::map<std::pair<int, int64_t>, uint32_t> baseRelativeGlobals; // (reloc kind, offset) -> global
  std::map<uint32_t, std::pair<int, int64_t>> bundleGlobalSets;    // library global -> base + offset
  void layoutBundle();
  void checkLimits() const;
  void checkLayout(uint64_t memEnd, uint64_t tableEnd) const;
  void placeLibraries(uint64_t &cursor, uint64_t &tcursor, size_t first = 0, uint32_t minAlign = 0);
  uint32_t baseRelativeGlobal(Resolution::Reloc kind, int64_t offset);
  void relocateBundleConstants();
  void emitBundleInitFunctions();
  void emitBundleExports();
  // Exports the global-scope symbols of libs[firstLib..] that WANT accepts; prelink's libdl
  // only with WITHLIBDL. No other export can have their names: each is the one definition
  // of its name in the global scope (globalDef), the main's come first, and the names
  // the linker owns (isLinkerInternal) are never global symbols.
  void exportGlobalScope(int firstLib,
                         const std::function<bool(const std::string &)> &want, bool withLibdl);
  Bytes baseRelativeExpr(Resolution::Reloc kind, int64_t offset) const;
  bool mainImportsMemory = false, mainImportsTable = false;
  std::optional<uint32_t> mainTableDefined; // the main's own indirect function table (defined index): output table 0
  // Output global -> its value at start-up when known at link time.
  std::vector<std::optional<int64_t>> knownGlobal;
  // Output global -> new constant initialiser decided by link-time evaluation.
  std::unordered_map<uint32_t, int64_t> evaluatedInit;

  // The dl table (see libdl/prelink_dl.h): where it lives and its bytes.
  bool hasLibdl = false;
  uint64_t dlTableBase = 0, dlTableSize = 0;
  // Per library, the symbols its dl table entry lists (function and data exports), sorted
  // by name: made once by planDlTable, read by assignDlSlots and buildDlTable.
  struct DlSymbol {
    std::string_view name; // the export's
    uint32_t kind;         // PL_SYM_FUNC or PL_SYM_DATA
    uint32_t exportIdx;
  };
  std::vector<std::vector<DlSymbol>> dlSymbols;
  uint32_t hostDlFlags = 0;
  Bytes dlImage;

  // The host the output is made for (host.h): every host-specific decision.
  std::unique_ptr<Host> host;
  bool deferFinish = false; // runLink calls host->finishModule after binaryen
  // The manifest run() builds (LinkResult holds its text): runLink's binaryen step and
  // the host's finishModule add to it before it is written.
  Manifest manifest;
  uint64_t stackSize() const {
    auto d = host->defaultStackSize();
    return cfg.stackSizeSet || !d ? cfg.stackSize : *d;
  }
  // Layout helpers the hosts share: the dl table after CURSOR, then the end of the data
  // and the heap's base; the memory's size from the heap base and the main's limits.
  void placeDataEnd(uint64_t cursor);
  void sizeMemoryFromMain();

  // Stages.
  void loadInputs();
  void computeLocalScopes();
  void addLibdl();
  void warnUnreachable(); // inputs nothing NEEDs and nothing can dlopen
  void planDlTable();
  void assignDlSlots();
  void buildDlTable();
  void buildSymbolTable();
  void layoutMemoryAndTable();
  void resolveImports();
  void checkImportTypes() const; // every import fits what it resolved to (resolve.cpp)
  void assignIndices();
  void placeElements();
  void resolveGotFunc();
  void buildImages();
  void evaluateRelocations();
  void assignSegmentIndices(); // dataMap and elemMap, before sizing starts (merge.cpp)
  void startSizingBodies();    // the first pass over the bodies, finished by emitModule
  void emitModule();
  void emitInitFunctions();
  // Shared by both modes' init functions.
  std::vector<int> constructorOrder();                        // global scope, dependencies first
  void addSyntheticFunction(uint32_t expectIndex, Bytes body); // a () -> () function
  uint32_t addGuardGlobal();                                   // a mutable i32 global, 0
  void emitExports();
  void redirectMainConstructors();
  void emitCustomSections(); // names, producers, target_features, the inputs' others (sections.cpp)
  Manifest buildManifest() const;
  // Reports (report.cpp): the -Map text and the --verbose lines, once the module is emitted.
  std::string mapText() const;
  std::vector<std::string> verboseLines() const;
  std::vector<std::string> dependencies() const; // every file read and directory given, once

  // Helpers.
  // Undefined symbols become imports of the output (--allow-undefined or
  // --unresolved-symbols=import-dynamic); are always errors (--no-undefined or report-all).
  bool importUndefined() const { return cfg.allowUndefined || cfg.unresolved == LinkConfig::Unresolved::ImportDynamic; }
  bool reportUndefined() const { return cfg.noUndefined || cfg.unresolved == LinkConfig::Unresolved::ReportAll; }
  bool importsStackPointer() const { return cfg.importStackPointer || host->importsStackPointer(); }
  uint32_t internType(const FuncType &t);
  const Sym *lookup(const std::string &name, int fromLib) const;
  bool isDataExport(const Library &L, const Export &e) const;
  int64_t dataAddress(const Library &L, const Export &e) const;
  uint32_t addressedFunction(const Library &L, const Export &e) const;
  std::optional<int64_t> evalConstExpr(const Library &L, const ConstExpr &e) const;
  uint32_t slotFor(uint32_t outFunc);
  std::string where(const Library &L) const { return L.path; }

  // The first pass over the bodies while it runs (merge.cpp). Last: it is stopped before
  // anything it reads goes.
  std::shared_ptr<BodySizer> sizer;
};

} // namespace wasmobj::linking

namespace wasmobj {
// The Make rule of --dependency-file (report.cpp): TARGETS depend on DEPS.
std::string dependencyRule(const std::vector<std::string> &targets, const std::vector<std::string> &deps);
} // namespace wasmobj
