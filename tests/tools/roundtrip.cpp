// Round-trip check: read each module with libwasmobj, write it back, and require the
// bytes to be identical; then read the written bytes again (the writer's output must be
// readable). Exit 1 with one line per failing file.
#include <cstdio>

#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

using namespace wasmobj;

int main(int argc, char **argv) {
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    try {
      auto buf = loadFile(argv[i]);
      Module m = readModule(ByteView(*buf), argv[i], buf);
      Bytes out = writeModule(m);
      if (out != *buf) {
        size_t k = 0;
        while (k < out.size() && k < buf->size() && out[k] == (*buf)[k]) ++k;
        std::printf("FAIL %s: written module differs from the input at byte %zu (input %zu bytes, output %zu)\n", argv[i], k,
                    buf->size(), out.size());
        ++failures;
        continue;
      }
      Module again = readModule(ByteView(out), std::string(argv[i]) + " (rewritten)");
      std::printf("ok %s (%zu bytes, %zu functions, %zu sections)\n", argv[i], buf->size(), again.functions.size(),
                  again.layout.size());
    } catch (const Error &e) {
      std::printf("FAIL %s\n", e.format().c_str());
      ++failures;
    }
  }
  return failures ? 1 : 0;
}
