// The link: a main module and its side modules become one module and a manifest.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmobj/files.h"
#include "wasmobj/module.h"

namespace wasmobj {

// Written only by the driver, read everywhere else.
struct LinkConfig {
  // Main module first, then side modules, directories and archives. An entry "-lNAME" is
  // the library libNAME.so and "-l:FILE" the file FILE, found in searchDirs (ld's -l).
  std::vector<std::string> inputs;
  std::string output;
  std::string manifest;
  std::vector<std::string> searchDirs; // -L
  // Undefined symbols (--unresolved-symbols, as wasm-ld): Default is the host's rule
  // (an error; the emscripten hosts make a function a trap); ReportAll always an error;
  // IgnoreAll a function that traps when called, data and globals 0; ImportDynamic an
  // import of the output (--allow-undefined).
  enum class Unresolved { Default, ReportAll, IgnoreAll, ImportDynamic } unresolved = Unresolved::Default;
  bool allowUndefined = false; // = Unresolved::ImportDynamic
  // The most undefined symbols one error names (--error-limit; 0 = all).
  uint32_t errorLimit = 20;
  bool fatalWarnings = false; // --fatal-warnings: a warning fails the link (nothing written)
  // Reports (docs/cli.md): -Map FILE, --dependency-file FILE (a Make rule), --trace (each
  // file read, on stdout), --verbose (the link's decisions, on stderr), progress of long
  // stages on stderr (the driver sets it when stderr is a terminal).
  std::string mapFile;
  std::string dependencyFile;
  bool trace = false;
  bool verbose = false;
  bool progress = false;
  bool noDuplicates = false;
  // emscripten flavour: a function no library and no glue provides is an error (by default
  // it traps when called, naming itself, as emcc's loader fails only then).
  bool noUndefined = false;
  bool importStackPointer = false;
  uint64_t stackSize = 64 * 1024;
  // dlopen names: NAME=PATH (an input, by install name or path, also answers to PATH)
  // and DIR=PREFIX (every input under DIR answers to PREFIX/<path below DIR>).
  std::vector<std::string> dlopenNames;
  std::vector<std::string> dlopenPrefixes;
  bool noLibdl = false; // do not add the in-module libdl
  // Bundle mode (--shared): the inputs become ONE side module that any dylink.0 loader
  // loads in place of the first input (prelink/link/bundle.cpp).
  bool shared = false;
  // Bundle mode, -Bsymbolic: the bundle's GOT entries for symbols it defines are resolved
  // inside it at link time, instead of staying GOT imports its loader fills (the default:
  // later modules find them and an earlier definition interposes, as with the originals).
  bool bsymbolic = false;
  // Bundle mode: modules of the host that will load the bundle (--host-module; cowasm's
  // kernel.wasm, say). What they import from env and export (and cowasm's
  // __WASM_EXPORT__ accessors) is what the host can give the bundle: a dlopen-only member
  // that needs anything else stays in the bundle but is left to the host's dlopen.
  std::vector<std::string> hostModules;
  // Limits that protect the machine (docs/reliability.md): the linked program's memory
  // in bytes (--max-memory; wasm32 cannot address more than 4 GiB) and table slots
  // (--max-table-size).
  uint64_t maxMemory = uint64_t(1) << 32;
  uint64_t maxTableSize = 10000000;
  // The most bytes the libraries found in directories and archives may take in total
  // (--max-input-bytes): a zip bomb fails with an error instead of exhausting memory.
  uint64_t maxInputBytes = uint64_t(2) << 30;
  // Whole-program optimisation (prelink/link/optimize.cpp, binaryen): -O1..-O3 set
  // optimizeLevel; -Os/-Oz set optimizeLevel 2 and shrinkLevel 1/2.
  int optimizeLevel = 0;
  int shrinkLevel = 0;
  bool gcSections = false;          // --gc-sections: drop what no root reaches
  std::vector<std::string> exports; // --export NAME: also a root, and exported
  bool stats = false;               // --stats: time per stage on stderr
  // Custom sections (docs/design.md, "Names and custom sections"): --strip-debug drops the
  // inputs' debug information without a warning, --strip-all also the name, producers and
  // target_features sections (as wasm-ld).
  bool stripDebug = false, stripAll = false;
  // The host the output is for (docs/design.md, "Flavours"): Llvm is prelink's own
  // layout (wasm-ld's conventions, any dylink.0 loader or none); Emscripten keeps the
  // layout and interface emcc's JS glue of the main module expects (--flavor; Auto
  // detects it from the main module).
  enum class Flavor { Auto, Llvm, Emscripten } flavor = Flavor::Auto;
  bool stackSizeSet = false; // --stack-size given (else the flavour's default)
  // Emscripten: the glue emcc wrote for the main module (default: <main>.js beside it,
  // when it exists). Its layout constants and the imports it provides are read from it.
  std::string emscriptenGlue;
  // Where runLink's warnings and --stats lines go: SEVERITY is "warning" or "stats",
  // MESSAGE is as the link wrote it (not escaped). Empty: each becomes the escaped line
  // `prelink: SEVERITY: MESSAGE` on stderr (wasmobj/diag.h, printDiagnostic), as the CLI
  // prints them. Errors are not reported here: they are thrown (Error).
  std::function<void(std::string_view severity, std::string_view message)> diagnostics;
  // The process ends as soon as runLink returns (the CLI): what the link allocated is
  // left to the operating system instead of being freed object by object, as lld does
  // (a tenth of a 3,000-library link). Ignored in sanitizer builds (their leak check).
  bool processEnds = false;
};

struct LinkResult {
  Module module;
  // The manifest (docs/manifest.md) as JSON text, the bytes --manifest writes.
  std::string manifest;
  std::vector<std::string> warnings;
  // Milliseconds per stage, in the order the stages first ran (for --stats).
  std::vector<std::pair<std::string, double>> stageMs;
  uint64_t inputBytes = 0;
  // Every file the link read (inputs, files in directories, archives, -L libraries, the
  // glue): runLink refuses to write an output onto any of them.
  InputFiles inputFiles;
  // Reports: the -Map text (when cfg.mapFile is set), the files the output depends on
  // (every file read and every directory given, once each, in the order read), and the
  // --verbose lines.
  std::string map;
  std::vector<std::string> dependencies;
  std::vector<std::string> verbose;
};

// Links in memory. Throws Error (naming the file and offset) on the first fatal problem,
// or an Error listing every undefined symbol at once.
LinkResult link(const LinkConfig &cfg);

// link() + write the module and manifest atomically; reports warnings (and --stats) to
// cfg.diagnostics; returns 0.
int runLink(const LinkConfig &cfg);

} // namespace wasmobj
