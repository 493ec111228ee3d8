// The prelink driver: flags -> LinkConfig -> link() -> exit status. Nothing else.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "wasmobj/diag.h"
#include "wasmobj/inspect.h"
#include "wasmobj/reader.h"

#include "prelink/inputs.h"
#include "prelink/link.h"

using namespace wasmobj;

// The one error line (docs/reliability.md): escaped, always the last line on stderr.
static int reportError(const std::string &msg) {
  std::fflush(stdout);
  printDiagnostic(stderr, "error", msg);
  return 1;
}

// Every module of every FILES entry (directories and archives stand for the modules in
// them, as for the linker), inspected in command-line order.
static int runInspect(const std::vector<std::string> &files, bool asJson, InspectParts parts, uint64_t maxInputBytes) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  std::string text;
  size_t reports = 0;
  bool members = false;
  for (auto &f : files) {
    for (auto &mf : expandModuleFiles(f, maxInputBytes)) {
      Module m = readModule(ByteView(*mf.bytes), mf.path, mf.bytes);
      auto j = inspectModule(m, mf.path, mf.bytes->size(), parts);
      ++reports;
      members = members || mf.member;
      if (asJson) all.push_back(j);
      else text += (text.empty() ? "" : "\n") + renderInspectText(j);
    }
  }
  if (asJson) {
    // Names in modules are checked UTF-8 (the reader); file names from the command line
    // need not be: invalid bytes become U+FFFD (docs/cli.md) instead of an exception.
    std::string out;
    try {
      // One plain file: its object; several, or a directory or archive: an array.
      const bool one = reports == 1 && files.size() == 1 && !members;
      out = (one ? all[0] : all).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    } catch (const nlohmann::ordered_json::exception &e) {
      throw Error(std::string("cannot write JSON: ") + e.what(), Error::kNoOffset, files.size() == 1 ? files[0] : std::string());
    }
    std::cout << out << "\n";
  } else {
    std::cout << text; // renderInspectText escapes what came from the input
  }
  return 0;
}

int main(int argc, char **argv) {
  CLI::App app{"prelink: ahead-of-time dynamic linking for WebAssembly"};
  app.set_version_flag("--version", std::string("prelink 0.1.0"));
  app.require_subcommand(0, 1);

  auto *inspect = app.add_subcommand("inspect", "Show what wasm dynamic libraries declare (like readelf -d)");
  std::vector<std::string> inspectFiles;
  bool inspectJson = false;
  inspect->add_option("files", inspectFiles, "wasm modules")->required();
  inspect->add_flag("--json", inspectJson, "print JSON (schema in docs/cli.md)");
  InspectParts inspectParts;
  inspect->add_flag("--dylink", inspectParts.dylink, "show the dylink.0 section (with other filters: only what they name)");
  inspect->add_flag("--imports", inspectParts.imports, "show the imports");
  inspect->add_flag("--exports", inspectParts.exports, "show the exports and the start function");
  inspect->add_flag("--sections", inspectParts.sections, "show the sections and the counts of entities");
  uint64_t inspectMaxBytes = uint64_t(2) << 30;
  inspect->add_option("--max-input-bytes", inspectMaxBytes, "most bytes of modules read from directories and archives (default 2147483648)");

  LinkConfig cfg;
  std::vector<std::string> inputs;
  app.add_option("inputs", inputs, "main module, then side modules, directories and archives (.whl, .zip, .tar[.gz|.xz])");
  app.add_option("-o,--output", cfg.output, "linked module to write");
  app.add_option("--manifest", cfg.manifest, "JSON manifest to write");
  app.add_option("-L", cfg.searchDirs, "directory to search for NEEDED libraries")->allow_extra_args(false);
  app.add_flag("--allow-undefined", cfg.allowUndefined, "leave unresolved symbols as imports for the host");
  app.add_flag("--no-duplicates", cfg.noDuplicates, "a strong symbol defined twice is an error");
  app.add_flag("--no-undefined", cfg.noUndefined,
               "emscripten flavour: a function nothing provides is an error (default: it traps when called)");
  auto *stackOpt = app.add_option("--stack-size", cfg.stackSize,
                                  "stack size in bytes (default 65536; emscripten flavour: the glue's, else 5242880)");
  std::string flavor = "auto";
  app.add_option("--flavor", flavor, "host of the output: auto (default: detect), llvm, emscripten")
      ->check(CLI::IsMember({"auto", "llvm", "emscripten"}));
  app.add_option("--emscripten-glue", cfg.emscriptenGlue, "emcc's JS glue of the main module (default: <main>.js beside it)");
  app.add_flag("--import-stack-pointer", cfg.importStackPointer, "keep __stack_pointer imported from the host");
  app.add_option("--dlopen-name", cfg.dlopenNames, "INPUT=PATH: the library INPUT also answers dlopen(PATH)")->allow_extra_args(false);
  app.add_option("--dlopen-prefix", cfg.dlopenPrefixes, "DIR=PREFIX: inputs under DIR answer dlopen(PREFIX/<path below DIR>)")->allow_extra_args(false);
  app.add_flag("--no-libdl", cfg.noLibdl, "do not answer dlopen inside the module (leave it to the host)");
  app.add_flag("--shared", cfg.shared, "bundle mode: merge side modules into one side module");
  app.add_option("--max-memory", cfg.maxMemory, "largest linked memory in bytes (default 4294967296)");
  app.add_option("--max-table-size", cfg.maxTableSize, "most table slots of the linked program (default 10000000)");
  app.add_option("--max-input-bytes", cfg.maxInputBytes,
                 "most bytes of libraries read from directories and archives (default 2147483648)");
  // Whole-program optimisation with binaryen after the link (docs/cli.md).
  std::string optLevel = "0";
  app.add_option("-O", optLevel, "optimise the linked module with binaryen: -O0 (default), -O1, -O2, -O3, -Os, -Oz")
      ->check(CLI::IsMember({"0", "1", "2", "3", "s", "z"}));
  app.add_flag("--gc-sections,--gc", cfg.gcSections, "drop functions and globals no export, table slot or start function reaches");
  app.add_option("--export", cfg.exports, "NAME: export this global-scope symbol (a root for --gc-sections)")->allow_extra_args(false);
  app.add_flag("--stats", cfg.stats, "print the time of each link stage on stderr");
  app.add_flag("--strip-debug", cfg.stripDebug, "drop the inputs' debug information without a warning (the name section stays)");
  app.add_flag("--strip-all", cfg.stripAll, "also leave out the name, producers and target_features sections");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return reportError(e.what());
  }

  try {
    if (*inspect) return runInspect(inspectFiles, inspectJson, inspectParts, inspectMaxBytes);
    if (inputs.empty()) return reportError("no input files (see prelink --help)");
    if (cfg.output.empty()) return reportError("no output file: use -o FILE");
    cfg.inputs = inputs;
    cfg.stackSizeSet = stackOpt->count() > 0;
    cfg.flavor = flavor == "llvm" ? LinkConfig::Flavor::Llvm : flavor == "emscripten" ? LinkConfig::Flavor::Emscripten : LinkConfig::Flavor::Auto;
    if (optLevel == "s" || optLevel == "z") cfg.optimizeLevel = 2, cfg.shrinkLevel = optLevel == "s" ? 1 : 2;
    else cfg.optimizeLevel = optLevel[0] - '0';
    return runLink(cfg);
  } catch (const Error &e) {
    return reportError(e.format());
  } catch (const std::bad_alloc &) {
    return reportError("out of memory");
  } catch (const std::exception &e) {
    return reportError(e.what());
  }
}
