// The host an output is made for, and every decision that differs between hosts: prelink's
// own layout (the llvm flavour, run by prelink's runtime or any plain instantiation), a
// bundle (`--shared`: one side module for any dylink.0 loader), and emcc's JS glue
// (emscripten.cpp, by the ABI generation the inputs show). The stages ask the one Host of
// the link and read the same whichever it is; adding a host is a new subclass (lld/ELF
// keeps its architectures the same way, one TargetInfo each). docs/design.md, "Hosts".
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasmobj/code.h"
#include "wasmobj/module.h"

namespace wasmobj::linking {

class Linker;
struct Library;
struct Resolution;

// Which in-module libdl a host links (libdl/prelink_dl.c, built once per variant).
struct LibdlVariant {
  const unsigned char *bytes;
  std::size_t size;
  const char *anchor;                 // the function whose slot anchors the table's slot numbers
  std::vector<std::string> functions; // the imports that ask for it (the main's, for emscripten)
  bool mainOnly = false;              // only the main module's imports of FUNCTIONS count
  bool exported = true;               // the output exports libdl's functions
  bool unlessDefined = false;         // not when a global-scope library defines dlopen itself
};

class Host {
public:
  using AddHostImport = std::function<uint32_t(const Import &)>;
  virtual ~Host() = default;

  // The manifest's "flavor": "llvm" or "emscripten".
  virtual std::string flavor() const = 0;
  // The output is itself a side module, placed by its loader: every address is its
  // __memory_base plus a constant, every slot its __table_base plus one.
  virtual bool relocatableOutput() const { return false; }
  // The stack size when --stack-size is not given (nullopt: LinkConfig's, wasm-ld's 64 KiB).
  virtual std::optional<uint64_t> defaultStackSize() const { return std::nullopt; }
  // The output imports __stack_pointer instead of defining it.
  virtual bool importsStackPointer() const { return false; }
  // The main module defines the stack pointer and exports it as __stack_pointer (a fixed,
  // non-relocatable main): the output keeps the main's global as the one stack pointer.
  virtual bool mainDefinesStackPointer() const { return false; }

  // Memory and table: every library's bases, the stack, the heap and the table's size.
  virtual void layout(Linker &k) = 0;
  // Symbols the linker itself defines (wasm-ld's __heap_base & co.).
  virtual std::optional<int64_t> linkerDefinedData(const Linker &k, const std::string &name, const Library &from) const;
  // An import of FROM that no library defines, before it counts as undefined: the host may
  // take it (sets R and returns true), as emscripten's glue provides its JS functions.
  virtual bool resolveUnlinked(Linker &k, const Library &from, const Import &imp, Resolution &r) { return false; }
  // What no library and no host provides stays an import of the output (a bundle's loader
  // resolves it) instead of being an undefined symbol.
  virtual bool keepsUndefinedImports() const { return false; }
  // A GOT entry (GOT.mem / GOT.func) for a symbol the output defines and exports stays an
  // import that the output's loader fills, as it did for the library that had it (a
  // bundle, unless -Bsymbolic): loaders that give later modules only what is in their GOT
  // (cowasm's) find the symbol there, and a definition loaded before the output
  // interposes on it as on the original.
  virtual bool gotThroughLoader() const { return false; }

  // The output's own imports before the libraries' (the stack pointer when imported,
  // bases, glue functions); by default the stack pointer alone.
  virtual void addOutputImports(Linker &k, const AddHostImport &addHost);
  // Output function of a host function a GOT.func entry names (Resolution::GlueFunc).
  virtual uint32_t hostFunctionIndex(uint32_t i) const { throw Error("internal error: no host functions"); }
  // Checks the output's imports against what the host can give, after they are known.
  virtual void checkOutputImports(Linker &k) {}
  // Code at the head of the start function; true when it emitted any.
  virtual bool emitStartPrologue(const Linker &k, ByteSink &b) const { return false; }
  // The main module's constructors run before the side modules' (emscripten's glue order).
  virtual bool mainConstructorsFirst() const { return false; }
  // Threads (threads.cpp): how each thread's thread-local storage is set up.
  //   PerModule: every module keeps its block and its initialiser, an export of type
  //     () -> i32 named one of tlsInitNames() that returns the block (emcc's
  //     _emscripten_tls_init); the main's export becomes one that calls them all.
  //   Combined: one block for all modules; the output exports __wasm_init_tls(block),
  //     __tls_size and __tls_align (wasm-ld's names), called by the host on each thread.
  enum class TlsModel { PerModule, Combined };
  virtual TlsModel tlsModel() const { return TlsModel::Combined; }
  virtual std::vector<std::string> tlsInitNames() const { return {"__wasm_init_tls"}; }
  // The libdl to link when the program calls dlopen (nullptr: none).
  virtual const LibdlVariant *libdl() const = 0;
  // Before the module is emitted: by default the main's __wasm_call_ctors becomes the
  // combined one (a bundle turns its addresses into base-relative globals instead).
  virtual void beforeEmit(Linker &k);
  // The start, constructor and init functions and the exports.
  virtual void emitEntryPoints(Linker &k);
  // The last change to the linked module, on the link's output or, when optimising, on
  // what binaryen wrote; records what it did in the manifest's host block.
  virtual void finishModule(Module &m, nlohmann::ordered_json &manifest) const {}
  // The manifest's host-specific block, if any.
  virtual void describe(const Linker &k, nlohmann::ordered_json &manifest) const {}
};

// The host of this link, decided from the flags and the main module (or the bundle's
// first input); may read the emscripten glue.
std::unique_ptr<Host> makeHost(Linker &k);

// The hosts (hosts.cpp, emscripten.cpp).
std::unique_ptr<Host> makePrelinkHost();
std::unique_ptr<Host> makeBundleHost(bool symbolic);
// Null when the main module is not an emcc main module (and the flavour is auto).
std::unique_ptr<Host> makeEmscriptenHost(Linker &k, bool forced);

} // namespace wasmobj::linking
