// Threads and thread-local storage (docs/design.md, "Threads and thread-local storage").
// With a shared memory every thread instantiates the same linked module: the start
// function must be safe to run in each instance, what must happen once per memory runs
// under a flag in memory, and each thread's TLS blocks are set up by one function the host
// calls per thread. The host decides the TLS model (Host::tlsModel): emcc keeps one block
// per module, allocated by each module's own _emscripten_tls_init; wasm-ld's convention
// (the llvm flavour) is one block whose size and initialiser the output exports.
#include <bit>

#include "linker.h"
#include "wasmobj/diag.h"

namespace wasmobj::linking {

namespace {

// The atomic instructions (0xfe prefix) on an i32 address with natural alignment.
void atomic(ByteSink &b, uint32_t op, uint32_t align) {
  b.u8(0xfe);
  b.uleb(op);
  b.uleb(align);
  b.uleb(0);
}

} // namespace

void Linker::planThreads() {
  const Host::TlsModel model = host->tlsModel();
  const std::vector<std::string> names = host->tlsInitNames();
  bool any = false;
  for (auto &L : libs) {
    if (L.isLibdl) continue;
    for (auto &n : names) {
      // By the library's export index: a scan of every library's exports, name by name,
      // was a fifth of index assignment at 3,000 libraries.
      const auto it = L.exportIndex.find(n);
      const Export *e = it == L.exportIndex.end() ? nullptr : &L.mod.exports[it->second];
      if (!e || e->kind != ExternKind::Func) continue;
      const FuncType &t = L.mod.types.at(L.mod.funcTypeIndex(e->index));
      const bool fits = model == Host::TlsModel::PerModule ? t.params.empty() && t.results == std::vector<ValType>{ValType::i32()}
                                                           : t.params == std::vector<ValType>{ValType::i32()} && t.results.empty();
      if (!fits) throw Error("its " + n + " has type " + t.str() + ", not the one of the dynamic-linking ABI", Error::kNoOffset, L.path);
      L.tlsInitFunc = e->index;
      break;
    }
    // A library with thread-local symbols must be able to set up its block per thread.
    bool hasTls = !L.tlsExports.empty();
    if (model == Host::TlsModel::Combined) {
      auto size = L.exportIndex.count("__tls_size") ? exportedConstant(L.mod, "__tls_size") : std::nullopt;
      hasTls = hasTls || (size && *size > 0);
      if (hasTls && (!L.tlsInitFunc || !size))
        throw Error("the library has thread-local storage but does not export __wasm_init_tls and __tls_size (link it with "
                    "--export=__wasm_init_tls --export=__tls_size --export=__tls_align)",
                    Error::kNoOffset, L.path);
      if (L.tlsInitFunc) {
        L.tlsSize = size ? *size : 0;
        auto align = exportedConstant(L.mod, "__tls_align");
        const uint64_t a = align && *align ? *align : 16;
        if (a & (a - 1)) throw Error("its __tls_align " + std::to_string(a) + " is not a power of two", Error::kNoOffset, L.path);
        L.tlsAlign = a;
      }
    } else if (hasTls && !L.tlsInitFunc) {
      throw Error("the library has thread-local storage but exports none of the TLS initialisers its host calls (" + names[0] + ")",
                  Error::kNoOffset, L.path);
    }
    any = any || L.tlsInitFunc;
  }
  bool tlsGot = false;
  for (auto &L : libs)
    for (auto &r : L.imports) tlsGot = tlsGot || r.kind == Resolution::TlsGot;
  if (!any && !tlsGot) return;
  if (!sharedMemory() && tlsGot)
    throw Error("thread-local storage needs a shared memory (the program is not linked with threads)", Error::kNoOffset, libs[0].path);
  if (model == Host::TlsModel::PerModule && !libs[0].tlsInitFunc)
    throw Error("side modules have thread-local storage but the main module exports no " + names[0], Error::kNoOffset, libs[0].path);
  if (model == Host::TlsModel::Combined) {
    // One block: each library's part at an offset aligned to its alignment.
    uint64_t off = 0, align = 1;
    for (auto &L : libs) {
      if (!L.tlsInitFunc) continue;
      off = alignUp(off, uint32_t(std::countr_zero(L.tlsAlign)));
      L.tlsOffset = off;
      off += L.tlsSize;
      align = std::max(align, L.tlsAlign);
      if (off > 0xffffffffu)
        throw Error("the combined TLS block would be larger than 4 GiB (its __tls_size and __tls_align)", Error::kNoOffset, L.path);
    }
    tlsBlockSize = off;
    tlsBlockAlign = align;
  }
  threadInit = true;
}

void Linker::emitThreadFunctions() {
  if (!threadInit) return;
  std::vector<std::vector<const TlsGot *>> gotsOf(libs.size());
  for (auto &t : tlsGots) gotsOf[t.lib].push_back(&t);
  ByteSink b;
  FuncType type;
  if (host->tlsModel() == Host::TlsModel::PerModule) {
    // () -> i32: the main's initialiser, then every other library's, each followed by the
    // GOT entries of its symbols (when it returned a block); the main's block returned.
    type.results = {ValType::i32()};
    b.uleb(1), b.uleb(2), b.u8(0x7f);
    for (size_t li = 0; li < libs.size(); ++li) {
      const Library &L = libs[li];
      if (!L.tlsInitFunc) continue;
      const uint32_t local = li == 0 ? 0 : 1;
      emitCall(b, li == 0 ? *mainTlsOriginal : L.funcMap.at(*L.tlsInitFunc));
      b.u8(0x21), b.uleb(local); // local.set
      if (gotsOf[li].empty()) continue;
      b.u8(0x20), b.uleb(local), b.u8(0x04), b.u8(0x40); // local.get; if
      for (const TlsGot *t : gotsOf[li]) {
        b.u8(0x20), b.uleb(local);
        emitI32Const(b, t->offset);
        b.u8(0x6a); // i32.add
        b.u8(0x24), b.uleb(t->global);
      }
      b.u8(0x0b);
    }
    b.u8(0x20), b.uleb(0);
  } else {
    // (block) -> (): every library's part at its offset, then the GOT entries.
    type.params = {ValType::i32()};
    b.uleb(0);
    for (auto &L : libs) {
      if (!L.tlsInitFunc) continue;
      b.u8(0x20), b.uleb(0);
      emitI32Const(b, int64_t(L.tlsOffset));
      b.u8(0x6a);
      emitCall(b, L.funcMap.at(*L.tlsInitFunc));
    }
    for (auto &t : tlsGots) {
      b.u8(0x20), b.uleb(0);
      emitI32Const(b, int64_t(libs[t.lib].tlsOffset) + t.offset);
      b.u8(0x6a);
      b.u8(0x24), b.uleb(t.global);
    }
  }
  b.u8(0x0b);
  if (out.numImportedFuncs + out.functions.size() != *tlsInitFuncIndex) throw Error("internal error: TLS init function index");
  Function f;
  f.typeIndex = internType(type);
  f.body = out.own(std::move(b.out));
  out.functions.push_back(f);
}

void Linker::emitOnceBlock(ByteSink &b, uint64_t flag, const std::function<void(ByteSink &)> &body) const {
  // As wasm-ld's __wasm_init_memory: the instance that moves the flag from 0 to 1 runs
  // BODY, then stores 2 and wakes the waiters; one that finds 1 waits until it changes;
  // one that finds 2 goes on.
  b.u8(0x02), b.u8(0x40); // block $done
  b.u8(0x02), b.u8(0x40); // block $wait
  b.u8(0x02), b.u8(0x40); // block $run
  emitI32Const(b, int64_t(flag));
  emitI32Const(b, 0);
  emitI32Const(b, 1);
  atomic(b, 0x48, 2); // i32.atomic.rmw.cmpxchg
  b.u8(0x0e), b.uleb(2), b.uleb(0), b.uleb(1), b.uleb(2); // br_table $run $wait $done
  b.u8(0x0b);
  body(b);
  emitI32Const(b, int64_t(flag));
  emitI32Const(b, 2);
  atomic(b, 0x17, 2); // i32.atomic.store
  emitI32Const(b, int64_t(flag));
  emitI32Const(b, -1);
  atomic(b, 0x00, 2); // memory.atomic.notify
  b.u8(0x1a);         // drop
  b.u8(0x0c), b.uleb(1); // br $done
  b.u8(0x0b);
  emitI32Const(b, int64_t(flag));
  emitI32Const(b, 1);
  b.u8(0x42), b.sleb(-1); // i64.const -1: no timeout
  atomic(b, 0x01, 2);     // memory.atomic.wait32
  b.u8(0x1a);
  b.u8(0x0b);
}

void Linker::emitPassiveImages(ByteSink &b) const {
  for (auto &p : passiveImages) {
    emitI32Const(b, int64_t(p.address));
    emitI32Const(b, 0);
    emitI32Const(b, int64_t(p.size));
    b.u8(0xfc), b.uleb(8), b.uleb(p.segment), b.u8(0); // memory.init
    b.u8(0xfc), b.uleb(9), b.uleb(p.segment);          // data.drop
  }
}

void Linker::exportThreadFunctions(ExportNames &taken) {
  if (!combinedTls()) return;
  out.exports.push_back(Export{"__wasm_init_tls", ExternKind::Func, *tlsInitFuncIndex});
  out.exports.push_back(Export{"__tls_size", ExternKind::Global, tlsSizeGlobal});
  out.exports.push_back(Export{"__tls_align", ExternKind::Global, tlsAlignGlobal});
  taken.insert({"__wasm_init_tls", "__tls_size", "__tls_align"});
}

} // namespace wasmobj::linking
