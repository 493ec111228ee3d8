// The hosts that need no reading of their own: prelink's layout (the llvm flavour) and
// bundle output. The emscripten host is emscripten.cpp; makeHost picks one.
#include "host.h"
#include "linker.h"

namespace wasmobj::linking {

extern const unsigned char kLibdlModule[];
extern const std::size_t kLibdlModuleSize;

namespace {

const LibdlVariant &plainLibdl() {
  static const LibdlVariant v{kLibdlModule, kLibdlModuleSize, "dlopen", {"dlopen", "dlsym", "dlclose", "dlerror", "dladdr"},
                              /*mainOnly=*/false, /*exported=*/true, /*unlessDefined=*/true};
  return v;
}

// prelink's own layout: the stack first (an overflow runs below address 0 and traps
// instead of corrupting data), then every library's data in load order, the dl table, the
// heap; slot 0 stays null.
class PrelinkHost : public Host {
public:
  std::string flavor() const override { return "llvm"; }
  const LibdlVariant *libdl() const override { return &plainLibdl(); }
  void layout(Linker &k) override {
    k.stackLow = 0;
    k.stackHigh = alignUp(k.stackSize(), 4);
    uint64_t cursor = k.stackHigh;
    uint64_t tcursor = 1;
    k.placeLibraries(cursor, tcursor);
    k.placeDataEnd(cursor);
    k.sizeMemoryFromMain();
    k.tableSize = uint32_t(tcursor);
    k.slots.assign(k.tableSize, -1);
  }
};

// `--shared`: one side module for any dylink.0 loader; its loader decides the bases.
class BundleHost : public Host {
public:
  explicit BundleHost(bool symbolic) : symbolic(symbolic) {}
  bool symbolic; // -Bsymbolic: GOT entries of the bundle's own symbols resolved inside it
  std::string flavor() const override { return "llvm"; }
  bool gotThroughLoader() const override { return !symbolic; }
  bool relocatableOutput() const override { return true; }
  bool importsStackPointer() const override { return true; }
  bool keepsUndefinedImports() const override { return true; }
  const LibdlVariant *libdl() const override { return &plainLibdl(); }
  void layout(Linker &k) override { k.layoutBundle(); }
  void beforeEmit(Linker &k) override { k.relocateBundleConstants(); }
  void emitEntryPoints(Linker &k) override {
    k.emitBundleInitFunctions();
    k.emitBundleExports();
  }
  std::optional<int64_t> linkerDefinedData(const Linker &k, const std::string &n, const Library &from) const override {
    // A bundle defines only what is its own; the heap and stack belong to its host.
    if (n == "__dso_handle") return int64_t(from.memBase);
    if (n == "__prelink_dl_table" && k.hasLibdl) return int64_t(k.dlTableBase);
    return std::nullopt;
  }
  void addOutputImports(Linker &k, const AddHostImport &addHost) override {
    // A bundle is a side module: its loader gives it one memory base and one table base.
    k.memoryBaseGlobal = addHost(baseImport("__memory_base"));
    k.tableBaseGlobal = addHost(baseImport("__table_base"));
    Host::addOutputImports(k, addHost);
  }
};

} // namespace

Import baseImport(const char *name) {
  Import b;
  b.module = "env";
  b.field = name;
  b.kind = ExternKind::Global;
  b.global = GlobalType{ValType::i32(), false};
  return b;
}

void Host::addOutputImports(Linker &k, const AddHostImport &addHost) {
  if (!k.importsStackPointer()) return;
  Import sp;
  sp.module = "env";
  sp.field = "__stack_pointer";
  sp.kind = ExternKind::Global;
  sp.global = GlobalType{ValType::i32(), true};
  k.spGlobal = addHost(sp);
}

void Host::beforeEmit(Linker &k) { k.redirectMainConstructors(); }

void Host::emitEntryPoints(Linker &k) {
  k.emitInitFunctions();
  k.emitExports();
}

std::optional<int64_t> Host::linkerDefinedData(const Linker &k, const std::string &n, const Library &from) const {
  if (n == "__heap_base") return int64_t(k.heapBase);
  if (n == "__heap_end") return int64_t(k.heapEnd);
  if (n == "__stack_low") return int64_t(k.stackLow);
  if (n == "__stack_high") return int64_t(k.stackHigh);
  if (n == "__data_end") return int64_t(k.dataEnd);
  if (n == "__global_base") return int64_t(k.libs[0].memBase);
  if (n == "__dso_handle") return int64_t(from.memBase);
  if (n == "__prelink_dl_table" && k.hasLibdl) return int64_t(k.dlTableBase);
  return std::nullopt;
}

std::unique_ptr<Host> makePrelinkHost() { return std::make_unique<PrelinkHost>(); }
std::unique_ptr<Host> makeBundleHost(bool symbolic) { return std::make_unique<BundleHost>(symbolic); }

std::unique_ptr<Host> makeHost(Linker &k) {
  using F = LinkConfig::Flavor;
  const LinkConfig &cfg = k.cfg;
  if (cfg.shared) {
    if (cfg.flavor == F::Emscripten)
      throw Error("--shared: bundle mode is for the llvm flavour (an emscripten side module bundle is not supported)");
    return makeBundleHost(cfg.bsymbolic);
  }
  if (cfg.flavor != F::Llvm)
    if (auto h = makeEmscriptenHost(k, cfg.flavor == F::Emscripten)) return h;
  return makePrelinkHost();
}

} // namespace wasmobj::linking
