// The prelink driver: flags -> LinkConfig -> link() -> exit status. Nothing else.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <malloc.h>
#include <unistd.h>

#include <llvm/ADT/SmallVector.h>
#include <llvm/Support/Allocator.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/StringSaver.h>

#include "wasmobj/files.h"

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
  InspectReport report;
  bool members = false;
  for (auto &f : files) {
    for (auto &mf : expandModuleFiles(f, maxInputBytes)) {
      Module m = readModule(ByteView(*mf.bytes), mf.path, mf.bytes);
      report.add(m, mf.path, mf.bytes->size(), parts);
      members = members || mf.member;
    }
  }
  if (asJson) {
    // One plain file: its object; several, or a directory or archive: an array.
    std::string out;
    try {
      out = report.json(files.size() != 1 || members);
    } catch (const Error &e) {
      throw e.withFile(files.size() == 1 ? files[0] : std::string());
    }
    std::cout << out << "\n";
  } else {
    std::cout << report.text(); // escaped: what came from the input
  }
  return 0;
}

// @FILE arguments (ld, gcc, clang): FILE's words, tokenized as GNU ld does (quotes and
// backslashes; LLVM's tokenizer), in place of the argument, nested up to 32 deep. A file
// is read only if it is a regular file (never a FIFO that would block) of at most 64 MiB,
// and one that includes itself is an error, not a loop.
static void expandResponseFiles(std::vector<std::string> &args) {
  std::vector<std::string> out;
  std::vector<FileId> stack;
  std::function<void(const std::vector<std::string> &)> expand = [&](const std::vector<std::string> &in) {
    for (auto &a : in) {
      if (a.size() < 2 || a[0] != '@') {
        out.push_back(a);
        continue;
      }
      std::string path = a.substr(1);
      FileId id;
      uint64_t size = 0;
      int fd = openInputFile(path, &id, &size);
      ::close(fd);
      if (size > (64u << 20)) throw Error("response file larger than 64 MiB", Error::kNoOffset, path);
      if (std::find(stack.begin(), stack.end(), id) != stack.end())
        throw Error("response file includes itself", Error::kNoOffset, path);
      if (stack.size() >= 32) throw Error("response files nested more than 32 deep", Error::kNoOffset, path);
      auto bytes = loadFile(path, nullptr, false);
      llvm::BumpPtrAllocator alloc;
      llvm::StringSaver saver(alloc);
      llvm::SmallVector<const char *, 64> words;
      llvm::cl::TokenizeGNUCommandLine(llvm::StringRef(reinterpret_cast<const char *>(bytes->data()), bytes->size()), saver, words);
      std::vector<std::string> sub;
      for (const char *w : words)
        if (w) sub.emplace_back(w);
      stack.push_back(id);
      expand(sub);
      stack.pop_back();
    }
  };
  expand(args);
  args = std::move(out);
}

// A -l library, once it stands among the inputs: a positional CLI11 keeps in its place.
static constexpr char kLibraryMark = '\x01';

// ld's spellings that CLI11 does not take as they are: -Map FILE and -Map=FILE (one
// dash); -lNAME, -l NAME, --library NAME and --library=NAME, which are inputs in their
// place on the command line (ld links libraries where they stand), become marked
// positionals. Everything after "--" is left as it is.
static void normaliseLdSpellings(std::vector<std::string> &args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--") {
      out.insert(out.end(), args.begin() + long(i), args.end());
      break;
    }
    if (a == "-Map") out.push_back("--Map");
    else if (a.rfind("-Map=", 0) == 0) out.push_back("-" + a);
    else if (a == "-Bsymbolic") out.push_back("--Bsymbolic");
    else if ((a == "-l" || a == "--library") && i + 1 < args.size()) out.push_back(kLibraryMark + args[++i]);
    else if (a.rfind("--library=", 0) == 0) out.push_back(kLibraryMark + a.substr(10));
    else if (a.size() > 2 && a.rfind("-l", 0) == 0) out.push_back(kLibraryMark + a.substr(2));
    else out.push_back(a);
  }
  args = std::move(out);
}

int main(int argc, char **argv) {
  // A link allocates and frees large buffers stage after stage. glibc would hand each
  // one of 128 KiB or more back to the kernel when freed (and trim its heaps), so the next
  // one costs a page fault per 4 KiB again: keep freed memory for reuse instead
  // (docs/benchmarks.md: about 1,000 fewer page faults in P1).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  CLI::App app{"prelink: ahead-of-time dynamic linking for WebAssembly"};
  app.set_version_flag("--version", std::string("prelink ") + PRELINK_VERSION); // project() in CMakeLists.txt
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
  // Inputs and -l libraries in command-line order (both append as they are parsed).
  std::vector<std::string> inputs;
  app.add_option("inputs", inputs, "main module, then side modules, directories and archives (.whl, .zip, .tar[.gz|.xz])");
  // Listed for --help; normaliseLdSpellings turns every -l into an input in its place.
  std::vector<std::string> unusedLibraries;
  app.add_option("-l,--library", unusedLibraries, "NAME: the library libNAME.so (or -l:FILE: FILE) from the -L directories")
      ->allow_extra_args(false);
  app.add_option("-o,--output", cfg.output, "linked module to write (the last -o counts, as with ld)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--manifest", cfg.manifest, "JSON manifest to write")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("-L,--library-path", cfg.searchDirs, "directory to search for NEEDED and -l libraries")->allow_extra_args(false);
  app.add_flag("--allow-undefined", cfg.allowUndefined, "leave unresolved symbols as imports for the host");
  std::string unresolved;
  app.add_option("--unresolved-symbols", unresolved,
                 "report-all (an error), ignore-all (functions trap when called, data is 0), import-dynamic (= --allow-undefined)")
      ->check(CLI::IsMember({"report-all", "ignore-all", "import-dynamic"}));
  app.add_option("--error-limit", cfg.errorLimit, "most undefined symbols one error names (default 20; 0 = all)");
  app.add_flag("--fatal-warnings", cfg.fatalWarnings, "treat warnings as errors");
  app.add_option("--Map,-M", cfg.mapFile, "FILE: write a link map (inputs with their bases, symbols with addresses and slots)");
  app.add_option("--dependency-file", cfg.dependencyFile, "FILE: write a Make rule naming every file the link read");
  app.add_flag("-t,--trace", cfg.trace, "print every file read, on stdout");
  app.add_flag("--verbose", cfg.verbose, "print the link's decisions on stderr");
  bool noProgress = false;
  app.add_flag("--no-progress", noProgress, "no progress on stderr (shown only when stderr is a terminal)");
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
  app.add_option("--host-module", cfg.hostModules,
                 "bundle mode: a module of the host that loads the bundle (what it imports and exports is what the host gives)")
      ->allow_extra_args(false);
  app.add_flag("--Bsymbolic", cfg.bsymbolic,
               "bundle mode: resolve GOT entries of the bundle's own symbols inside it (no GOT imports for them; "
               "later modules cannot find them in a GOT-only loader, nothing outside interposes)");
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

  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    expandResponseFiles(args);
  } catch (const Error &e) {
    return reportError(e.format());
  }
  normaliseLdSpellings(args);
  try {
    std::reverse(args.begin(), args.end()); // CLI11 takes the arguments last first
    app.parse(args);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return reportError(e.what());
  }

  try {
    if (*inspect) return runInspect(inspectFiles, inspectJson, inspectParts, inspectMaxBytes);
    if (inputs.empty()) return reportError("no input files (see prelink --help)");
    if (cfg.output.empty()) return reportError("no output file: use -o FILE");
    for (auto &in : inputs) cfg.inputs.push_back(!in.empty() && in[0] == kLibraryMark ? "-l" + in.substr(1) : in);
    if (unresolved == "report-all") cfg.unresolved = LinkConfig::Unresolved::ReportAll;
    else if (unresolved == "ignore-all") cfg.unresolved = LinkConfig::Unresolved::IgnoreAll;
    else if (unresolved == "import-dynamic") cfg.unresolved = LinkConfig::Unresolved::ImportDynamic;
    cfg.progress = !noProgress && isatty(2);
    cfg.stackSizeSet = stackOpt->count() > 0;
    cfg.flavor = flavor == "llvm" ? LinkConfig::Flavor::Llvm : flavor == "emscripten" ? LinkConfig::Flavor::Emscripten : LinkConfig::Flavor::Auto;
    if (optLevel == "s" || optLevel == "z") cfg.optimizeLevel = 2, cfg.shrinkLevel = optLevel == "s" ? 1 : 2;
    else cfg.optimizeLevel = optLevel[0] - '0';
    cfg.processEnds = true;
    return runLink(cfg);
  } catch (const Error &e) {
    return reportError(e.format());
  } catch (const std::bad_alloc &) {
    return reportError("out of memory");
  } catch (const std::exception &e) {
    return reportError(e.what());
  }
}
