// A user of the installed libraries (tests/package/consumer.mjs checks what it prints and
// writes against the prelink CLI).
//   consumer link OUT.wasm OUT.json MAIN SIDE...   wasmobj reads MAIN and prints its NEEDED;
//                                                  link() links; the consumer writes both
//   consumer run OUT.wasm MAIN SIDE...             runLink() with a diagnostics sink that
//                                                  prints each warning on stdout
#include <cstdio>
#include <string>
#include <vector>

#include "prelink/link.h"
#include "wasmobj/error.h"
#include "wasmobj/files.h"
#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool linkMode = args.size() >= 4 && args[0] == "link";
  if (!linkMode && !(args.size() >= 3 && args[0] == "run")) {
    std::fprintf(stderr, "usage: consumer link OUT.wasm OUT.json MAIN SIDE... | consumer run OUT.wasm MAIN SIDE...\n");
    return 2;
  }
  try {
    wasmobj::LinkConfig cfg;
    cfg.output = args[1];
    cfg.inputs.assign(args.begin() + (linkMode ? 3 : 2), args.end());
    if (linkMode) {
      auto bytes = wasmobj::loadFile(cfg.inputs[0], nullptr, true);
      wasmobj::Module main = wasmobj::readModule(wasmobj::ByteView(*bytes), cfg.inputs[0], bytes);
      std::string needed;
      if (main.dylink)
        for (auto &n : main.dylink->needed) needed += (needed.empty() ? "" : " ") + n;
      std::printf("needed: %s\n", needed.c_str());
      wasmobj::LinkResult r = wasmobj::link(cfg);
      wasmobj::Bytes out = wasmobj::writeModule(r.module);
      wasmobj::writeFileAtomic(args[2], wasmobj::ByteView(reinterpret_cast<const uint8_t *>(r.manifest.data()), r.manifest.size()));
      wasmobj::writeFileAtomic(cfg.output, wasmobj::ByteView(out));
      std::printf("linked: %zu bytes, %zu warnings\n", out.size(), r.warnings.size());
    } else {
      cfg.diagnostics = [](std::string_view severity, std::string_view message) {
        std::printf("%.*s: %.*s\n", int(severity.size()), severity.data(), int(message.size()), message.data());
      };
      return wasmobj::runLink(cfg);
    }
  } catch (const wasmobj::Error &e) {
    std::fprintf(stderr, "consumer: %s\n", e.format().c_str());
    return 1;
  }
  return 0;
}
