// Test helper: copies a dylink.0 module, replacing its RUNTIME_PATH (LLVM 19 cannot emit
// one). Usage: set_runtime_path IN OUT [PATH...]
#include <cstdio>

#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

using namespace wasmobj;

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: set_runtime_path IN OUT [PATH...]\n");
    return 2;
  }
  try {
    Module m = readModuleFile(argv[1]);
    if (!m.dylink) throw Error("no dylink.0 section", Error::kNoOffset, argv[1]);
    m.dylink->runtimePath.assign(argv + 3, argv + argc);
    if (!m.dylink->order.empty() && m.dylink->runtimePath.size()) {
      bool has = false;
      for (uint8_t t : m.dylink->order) has = has || t == kDylinkRuntimePath;
      if (!has) m.dylink->order.push_back(kDylinkRuntimePath);
    }
    writeFileAtomic(argv[2], writeModule(m));
  } catch (const Error &e) {
    std::fprintf(stderr, "set_runtime_path: %s\n", e.format().c_str());
    return 1;
  }
  return 0;
}
