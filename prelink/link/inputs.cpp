// Stage 1: read the inputs, find NEEDED libraries and decide the load order and scope.
// The main module first, then NEEDED breadth first, each library once (ld.so's order);
// inputs that nothing NEEDs are dlopen-only (RTLD_LOCAL): laid out, not in global scope.
#include <algorithm>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>
#include <unordered_set>

#include <openssl/evp.h>
#include <sys/stat.h>

#include "archive_inputs.h"
#include "linker.h"
#include "parallel.h"
#include "wasmobj/reader.h"

namespace wasmobj::linking {

namespace fs = std::filesystem;

// OpenSSL's SHA-256 uses the CPU's SHA instructions: on the P1 link (17 MB of inputs)
// LLVM's portable SHA256 was 30% of the whole link (docs/benchmarks.md).
static std::string hexOf(const unsigned char *h, unsigned int n) {
  static const char *hex = "0123456789abcdef";
  std::string s;
  for (uint8_t c : std::span<const uint8_t>(h, n)) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

std::string hexSha256(ByteView b) {
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(b.data(), b.size(), h, &n, EVP_sha256(), nullptr)) throw Error("SHA-256 failed");
  return hexOf(h, n);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || !EVP_DigestInit_ex(static_cast<EVP_MD_CTX *>(ctx_), EVP_sha256(), nullptr)) throw Error("SHA-256 failed");
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(ctx_)); }
void Sha256::update(ByteView b) {
  if (!EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx_), b.data(), b.size())) throw Error("SHA-256 failed");
}
std::string Sha256::hex() {
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_DigestFinal_ex(static_cast<EVP_MD_CTX *>(ctx_), h, &n)) throw Error("SHA-256 failed");
  return hexOf(h, n);
}

static Library readLibrary(InputFile f) {
  Library L;
  L.path = std::move(f.path);
  L.name = std::move(f.name);
  L.bytes = std::move(f.bytes);
  // A large input is hashed on another core while it is parsed.
  if (L.bytes->size() >= (size_t(1) << 20)) {
    std::jthread hash([&] { L.sha256 = hexSha256(ByteView(*L.bytes)); });
    L.mod = readModule(ByteView(*L.bytes), L.path, L.bytes);
  } else {
    L.mod = readModule(ByteView(*L.bytes), L.path, L.bytes);
    L.sha256 = hexSha256(ByteView(*L.bytes));
  }
  // Read again only where the link needs it (the data images, the code).
  L.bytes->release();
  // Views of the export names, which stay where they are when the library moves (they
  // live in the exports vector's buffer).
  L.exportIndex.reserve(L.mod.exports.size());
  L.origExports = false;
  for (uint32_t i = 0; i < L.mod.exports.size(); ++i) {
    L.exportIndex.emplace(L.mod.exports[i].name, i);
    if (L.mod.exports[i].name.starts_with("orig$")) L.origExports = true;
  }
  return L;
}

// The plain file PATH, installed under its file name, not read yet.
static InputFile plainInput(const std::string &path) { return InputFile{fs::path(path).filename().string(), path, nullptr, false}; }

// The same, read (and added to FILES).
static InputFile loadInput(const std::string &path, InputFiles &files) {
  FileId id;
  InputFile f = plainInput(path);
  f.bytes = mapInputFile(path, &id);
  files.emplace_back(id, path);
  return f;
}

// DIRS[i]/FILE for the first DIRS[i] that has it as a regular file, in order.
static std::optional<std::string> firstIn(const std::vector<std::string> &dirs, const std::string &file) {
  for (auto &d : dirs) {
    fs::path cand = fs::path(d) / file;
    std::error_code ec;
    if (fs::is_regular_file(cand, ec)) return cand.string();
  }
  return std::nullopt;
}

// ld's -lNAME (libNAME.so) and -l:FILE (FILE): the first match in the -L directories, in
// their order. All of them apply to every -l, wherever it stands (as GNU ld).
static std::string findLibraryOption(const std::string &opt, const std::vector<std::string> &dirs) {
  std::string name = opt.substr(2);
  if (name.empty() || name == ":") throw Error("-l needs a library name");
  std::string file = name[0] == ':' ? name.substr(1) : "lib" + name + ".so";
  if (auto found = firstIn(dirs, file)) return *found;
  if (dirs.empty()) throw Error("cannot find " + opt + ": no -L directory to look for " + file + " in");
  std::string list;
  for (auto &d : dirs) list += (list.empty() ? "" : ", ") + d;
  throw Error("cannot find " + opt + ": no " + file + " in " + list);
}

void Linker::loadInputs() {
  // The main module is a plain file; a directory or an archive stands for every .so in it.
  std::vector<InputFile> files;
  std::vector<size_t> fileSlot; // files[k]'s entry in inputFiles when it is read below
  std::vector<uint64_t> weight; // files[k]'s size in bytes: the largest are read first
  uint64_t budget = cfg.maxInputBytes;
  std::vector<std::string> paths;
  paths.reserve(cfg.inputs.size());
  for (auto &in : cfg.inputs)
    paths.push_back(in.size() >= 2 && in.compare(0, 2, "-l") == 0 ? findLibraryOption(in, cfg.searchDirs) : in);
  // Which inputs are directories, and their sizes: a stat each, on every core (3,000 of
  // them were 8 ms).
  std::vector<uint8_t> isDir(paths.size(), 0);
  std::vector<uint64_t> sizeOf(paths.size(), 0);
  parallelFor(uint32_t(paths.size()), [&](uint32_t i) {
    struct stat st;
    if (::stat(paths[i].c_str(), &st) != 0) return; // reported when it is read
    isDir[i] = S_ISDIR(st.st_mode);
    sizeOf[i] = uint64_t(st.st_size);
  });
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string &path = paths[i];
    const bool dir = isDir[i];
    if (i == 0 || (!dir && !isArchiveName(path))) {
      // A plain file: read below, with the others, in its place in inputFiles.
      files.push_back(plainInput(path));
      inputFiles.emplace_back(FileId{}, path);
      fileSlot.push_back(inputFiles.size() - 1);
      weight.push_back(sizeOf[i]);
    } else {
      for (auto &f : expandInput(path, budget, inputFiles)) {
        weight.push_back(f.bytes ? f.bytes->size() : 0);
        files.push_back(std::move(f)), fileSlot.push_back(SIZE_MAX);
      }
    }
    if (dir) inputDirs.push_back(path);
  }
  // Read, parsed and hashed on every core, each into its own place: the same libraries,
  // and the same first error (the earliest input's), as one after the other. The largest
  // go first, so that no core is left with a large one at the end while the other waits.
  std::vector<Library> inputs(files.size());
  std::vector<uint32_t> order(files.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return weight[a] > weight[b]; });
  std::vector<std::exception_ptr> failed(files.size());
  try {
    parallelFor(uint32_t(files.size()), [&](uint32_t j) {
      const uint32_t k = order[j];
      try {
        if (!files[k].bytes) files[k].bytes = mapInputFile(files[k].path, &inputFiles[fileSlot[k]].first);
        inputs[k] = readLibrary(std::move(files[k]));
      } catch (...) {
        failed[k] = std::current_exception();
      }
    }, 2);
    for (auto &e : failed)
      if (e) std::rethrow_exception(e);
  } catch (...) {
    // What was not read is not a file the link read (--trace).
    std::erase_if(inputFiles, [](const auto &f) { return f.first == FileId{}; });
    throw;
  }
  for (size_t i = 1; i < inputs.size(); ++i)
    if (!inputs[i].mod.dylink)
      throw Error("not a dynamic library: no dylink.0 section", Error::kNoOffset, inputs[i].path);
  // The same bytes given twice (a file and its copy under another name): linked once, as
  // the first; the later one's names are the first's too (NEEDED and dlopen find it by
  // either). One pass, by SHA-256.
  {
    std::unordered_map<std::string_view, size_t> bySha; // -> index of the first with those bytes
    bySha.reserve(inputs.size());
    std::vector<uint8_t> repeat(inputs.size(), 0);
    bool any = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto [it, first] = bySha.emplace(inputs[i].sha256, i);
      if (first) continue;
      Library &kept = inputs[it->second];
      warnings.push_back(inputs[i].path + ": the same bytes as " + kept.path + ": linked once, as " + kept.name +
                         (inputs[i].name != kept.name ? " (which also answers to " + inputs[i].name + ")" : ""));
      if (inputs[i].name != kept.name) kept.aliasNames.push_back(inputs[i].name);
      repeat[i] = any = true;
    }
    if (any) { // in place: the libraries move only when some go
      size_t n = 0;
      for (size_t i = 0; i < inputs.size(); ++i)
        if (!repeat[i]) {
          if (n != i) inputs[n] = std::move(inputs[i]);
          ++n;
        }
      inputs.erase(inputs.begin() + long(n), inputs.end());
    }
  }
  if (!inputs[0].mod.dylink)
    throw Error("main module has no dylink.0 section: link it with wasm-ld -pie or -shared", Error::kNoOffset,
                inputs[0].path);
  inputs[0].isMain = true;

  // Two inputs with the same install name would make NEEDED ambiguous. Reported for the
  // first input that has a later namesake, and its first namesake (one pass, a hash map).
  {
    std::unordered_map<std::string_view, size_t> first;
    size_t bi = 0, bj = 0;
    for (size_t j = 0; j < inputs.size(); ++j) {
      auto [it, inserted] = first.emplace(inputs[j].name, j);
      if (!inserted && (bj == 0 || it->second < bi)) bi = it->second, bj = j;
    }
    if (bj != 0)
      throw Error("two inputs have the same name \"" + inputs[bi].name + "\" (also " + inputs[bi].path + ")",
                  Error::kNoOffset, inputs[bj].path);
  }

  // NEEDED NAME refers to the input installed as NAME or as ".../NAME": a library from a
  // directory or an archive is found by its file name (docs/cli.md). Inputs by every such
  // name: the install name and each tail of it after a '/', in command-line order.
  std::vector<std::string> inputNames, inputPaths; // inputs[i] is moved into libs when taken
  std::vector<std::pair<size_t, std::string>> allNames; // (input, one of its names)
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputNames.push_back(inputs[i].name), inputPaths.push_back(inputs[i].path);
    allNames.emplace_back(i, inputs[i].name);
    for (auto &a : inputs[i].aliasNames) allNames.emplace_back(i, a);
  }
  std::unordered_map<std::string_view, std::vector<size_t>> inputsByTail;
  auto addName = [&](std::string_view n, size_t i) {
    auto &v = inputsByTail[n];
    if (v.empty() || v.back() != i) v.push_back(i); // one input under two names is one hit
  };
  for (auto &[i, name] : allNames) {
    std::string_view n = name;
    addName(n, i);
    for (size_t p = n.find('/'); p != std::string_view::npos; p = n.find('/', p + 1)) addName(n.substr(p + 1), i);
  }
  auto inputsNamed = [&](const std::string &needed) -> const std::vector<size_t> & {
    static const std::vector<size_t> none;
    auto it = inputsByTail.find(needed);
    return it == inputsByTail.end() ? none : it->second;
  };
  // A library from a directory or an archive also answers dlopen by its file name, unless
  // another input has that file name too.
  for (auto &L : inputs) {
    for (auto &a : L.aliasNames) L.dlNames.push_back(a);
    std::string base = fs::path(L.name).filename().string();
    if (base == L.name) continue;
    if (inputsNamed(base).size() == 1) L.dlNames.push_back(base);
  }

  libs.reserve(inputs.size() + 1); // + prelink's libdl
  std::vector<bool> taken(inputs.size(), false);
  std::vector<int> libOf(inputs.size(), -1);   // input -> index in libs once taken
  std::unordered_map<std::string, int> byName; // install name -> index in libs

  // Finds NAME for library FROM: among inputs, then -L dirs, then FROM's RUNTIME_PATH.
  auto findNeeded = [&](const std::string &name, const Library &from) -> int {
    const std::vector<size_t> &hits = inputsNamed(name);
    if (hits.size() > 1)
      throw Error("NEEDED \"" + name + "\" (of " + from.name + ") is ambiguous: inputs " + inputPaths[hits[0]] + " and " +
                      inputPaths[hits[1]] + " both have that name",
                  Error::kNoOffset, from.path);
    if (hits.size() == 1) {
      size_t i = hits[0];
      if (!taken[i]) {
        taken[i] = true;
        libs.push_back(std::move(inputs[i]));
        libOf[i] = int(libs.size() - 1);
      }
      return libOf[i];
    }
    if (auto it = byName.find(name); it != byName.end()) return it->second;
    std::vector<std::string> dirs = cfg.searchDirs;
    std::string origin = fs::path(from.path).parent_path().string();
    if (origin.empty()) origin = ".";
    for (auto rp : from.mod.dylink->runtimePath) {
      for (size_t pos; (pos = rp.find("$ORIGIN")) != std::string::npos;) rp.replace(pos, 7, origin);
      dirs.push_back(rp);
    }
    auto found = firstIn(dirs, name);
    if (!found) return -1;
    Library L = readLibrary(loadInput(*found, inputFiles));
    if (!L.mod.dylink) throw Error("not a dynamic library: no dylink.0 section", Error::kNoOffset, L.path);
    L.name = name;
    libs.push_back(std::move(L));
    byName[name] = int(libs.size() - 1);
    return int(libs.size() - 1);
  };

  taken[0] = true;
  libOf[0] = 0;
  libs.push_back(std::move(inputs[0]));
  byName[libs[0].name] = 0;
  std::unordered_set<std::string> externalSeen; // externalNeeded, for lookups
  auto expand = [&](int root, bool global) {
    std::deque<int> queue{root};
    while (!queue.empty()) {
      int i = queue.front();
      queue.pop_front();
      libs[i].global = libs[i].global || global;
      std::vector<std::string> needed = libs[i].mod.dylink->needed; // libs may reallocate below
      for (auto &n : needed) {
        size_t before = libs.size();
        int j = findNeeded(n, libs[i]);
        if (j < 0 && cfg.shared) {
          // A bundle keeps what it does not contain as its own NEEDED.
          if (externalSeen.insert(n).second) externalNeeded.push_back(n);
          continue;
        }
        if (j < 0)
          throw Error("cannot find library \"" + n + "\" (NEEDED by " + libs[i].name +
                          "): give it as an input or add its directory with -L",
                      Error::kNoOffset, libs[i].path);
        libs[i].needed.push_back(j);
        if (libs.size() > before) queue.push_back(j);
      }
    }
  };
  expand(0, true);
  // The rest are dlopen-only, in command-line order; their NEEDED closure comes with them.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (taken[i]) continue;
    taken[i] = true;
    std::string name = inputs[i].name;
    libs.push_back(std::move(inputs[i]));
    int root = int(libs.size() - 1);
    libOf[i] = root;
    byName[name] = root;
    expand(root, false);
  }
  computeLocalScopes();
}

// Each library's local scope: itself and its NEEDED closure, breadth first. A dlopen-only
// library resolves through it after the global scope; dlsym(handle) searches it.
void Linker::computeLocalScopes() {
  for (size_t r = 0; r < libs.size(); ++r) {
    libs[r].localScope.clear();
    std::vector<bool> seen(libs.size(), false);
    std::deque<int> q{int(r)};
    seen[r] = true;
    while (!q.empty()) {
      int i = q.front();
      q.pop_front();
      libs[r].localScope.push_back(i);
      for (int j : libs[i].needed)
        if (!seen[j]) {
          seen[j] = true;
          q.push_back(j);
        }
    }
  }
  // Where a dlopen-only library's imports are looked up: the local scope of the first
  // dlopen-only library (load order) whose closure holds it, as ld.so gives an object
  // loaded by dlopen the search list of the dlopen's root, so a library finds what a
  // sibling in its root's closure defines without NEEDing it (libicuuc uses libicudata's
  // icudt72_dat, both NEEDED by php's intl.so; emcc's loader agrees, its GOT being global).
  for (auto &L : libs) L.scopeRoot = -1;
  for (size_t r = 0; r < libs.size(); ++r) {
    if (libs[r].global) continue;
    for (int j : libs[r].localScope)
      if (libs[j].scopeRoot < 0) libs[j].scopeRoot = int(r);
  }
}

void Linker::buildSymbolTable() {
  // Thread-local storage (threads.cpp): a module that imports the TLS base or sizes
  // expects a loader that lays out one block for all; none of the ABIs prelink knows does.
  for (auto &L : libs)
    for (auto &i : L.mod.imports)
      if (i.module == "env" && (i.field == "__tls_base" || i.field == "__tls_size" || i.field == "__tls_align"))
        throw Error("imports " + i.field + ": thread-local storage through an imported TLS base is not supported", Error::kNoOffset, L.path);
  if (cfg.shared && sharedMemory())
    throw Error("--shared: a bundle of shared-memory (threaded) side modules is not supported yet", Error::kNoOffset, libs[0].path);
  // Each library's thread-local symbols, once: resolution, the TLS plan and the exports ask.
  for (auto &L : libs)
    for (auto &e : L.mod.dylink->exportInfo)
      if (e.flags & kSymTLS) L.tlsExports.insert(e.name);
  size_t duplicates = 0;
  // EXPORT_INFO flags by name, per library: built the first time a duplicate asks.
  std::vector<std::optional<std::unordered_map<std::string_view, uint32_t>>> exportFlags(libs.size());
  auto flagsOf = [&](int li, const std::string &name) -> uint32_t {
    auto &flags = exportFlags[li];
    if (!flags) flags = libs[li].mod.dylink->exportFlagsByName();
    auto it = flags->find(name);
    return it == flags->end() ? 0 : it->second;
  };
  // The global scope's exports, in load order: the first definition of a name wins (as at
  // runtime).
  std::vector<std::vector<SymbolTable::Candidate>> candidates(libs.size());
  parallelFor(uint32_t(libs.size()), [&](uint32_t li) {
    Library &L = libs[li];
    L.globalDef.assign(L.mod.exports.size(), 0);
    if (!L.global) return;
    auto &c = candidates[li];
    c.reserve(L.mod.exports.size());
    for (uint32_t ei = 0; ei < L.mod.exports.size(); ++ei)
      if (!isLinkerInternal(L.mod.exports[ei].name)) c.push_back({L.mod.exports[ei].name, Sym{int(li), ei}});
  }, 64);
  const std::vector<SymbolTable::Repeat> repeats = globalSyms.build(candidates);
  parallelFor(uint32_t(libs.size()), [&](uint32_t li) {
    for (auto &c : candidates[li]) libs[li].globalDef[c.sym.exportIdx] = 1;
  }, 64);
  for (auto &r : repeats) {
    Library &L = libs[r.sym.lib];
    const Export &e = L.mod.exports[r.sym.exportIdx];
    L.globalDef[r.sym.exportIdx] = 0;
    // Two strong definitions are worth telling about; a weak one (EXPORT_INFO flag) is
    // expected to be overridden.
    const Library &first = libs[r.first.lib];
    bool weak = (flagsOf(r.sym.lib, e.name) & kSymBindingWeak) || (flagsOf(r.first.lib, e.name) & kSymBindingWeak);
    if (weak) continue;
    std::string msg = "duplicate symbol: " + e.name + " (defined in " + first.name + " and " + L.name + ")";
    if (cfg.noDuplicates) throw Error(msg, Error::kNoOffset, L.path);
    if (++duplicates <= 10) warnings.push_back(L.path + ": " + msg + "; the definition in " + first.name + " is used");
  }
  if (duplicates > 10)
    warnings.push_back(std::to_string(duplicates - 10) + " more symbols are defined more than once; the first definition in load order is used");
}

const Linker::Sym *Linker::lookup(const std::string &name, int fromLib) const {
  if (const Sym *s = globalSyms.find(name)) return s;
  // A dlopen-only library then searches its own local scope (ELF's lookup order).
  static thread_local Sym tmp;
  const Library &F = libs[fromLib];
  if (F.global) {
    return nullptr;
  }
  const Library &R = F.scopeRoot >= 0 ? libs[F.scopeRoot] : F;
  for (int li : R.localScope) {
    auto &L = libs[li];
    if (auto it = L.exportIndex.find(name); it != L.exportIndex.end() && !isLinkerInternal(name)) {
      tmp = Sym{li, it->second};
      return &tmp;
    }
  }
  return nullptr;
}

// --host-module: what the host that loads a bundle can give it. Its env function
// imports are what its embedder (the host's JS) provides, and a loader gives those to the
// modules it loads too; its exports, and the symbols of cowasm's __WASM_EXPORT__X
// accessors, are its own. Read like any input (a file the link depends on).
void Linker::readHostModules() {
  if (cfg.hostModules.empty()) return;
  if (!cfg.shared) throw Error("--host-module is for bundle mode (--shared)");
  hostKnown = true;
  for (auto &path : cfg.hostModules) {
    FileId id;
    auto bytes = loadFile(path, &id, true);
    inputFiles.emplace_back(id, path);
    Module m = readModule(ByteView(*bytes), path, bytes);
    for (auto &i : m.imports)
      if (i.module == "env" && i.kind == ExternKind::Func) hostProvides.insert(i.field);
    for (auto &e : m.exports) {
      hostProvides.insert(e.name);
      if (e.name.rfind("__WASM_EXPORT__", 0) == 0) hostProvides.insert(e.name.substr(15));
    }
  }
}

// A dlopen-only library that NEEDs an unloadable one (its local scope holds it) cannot be
// opened either. Then one warning per library (the first ten), in load order.
void Linker::markUnloadable() {
  if (!hostKnown) return;
  for (auto &L : libs) {
    if (L.global || !L.unloadable.empty()) continue;
    for (int j : L.localScope)
      if (!libs[j].unloadable.empty()) {
        L.unloadable = libs[j].unloadable + " (through " + libs[j].name + ")";
        break;
      }
  }
  size_t n = 0;
  for (auto &L : libs) {
    if (L.unloadable.empty()) continue;
    if (++n <= 10)
      warnings.push_back(L.path + ": needs " + L.unloadable + ", which the bundle does not define and no host module imports " +
                         "or exports: it stays in the bundle, and its dlopen is left to the host's loader");
  }
  if (n > 10) warnings.push_back(std::to_string(n - 10) + " more libraries are left to the host's loader");
}

} // namespace wasmobj::linking
