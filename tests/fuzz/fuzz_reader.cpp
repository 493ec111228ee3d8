// Fuzz target: the module reader (framing, LLVM's parser behind its guards, our own
// decoders) and the writer. Invariants: readModule either returns or throws Error; what
// the writer makes of a module it read is itself readable, and writing that again gives
// the same bytes (the writer is a fixed point after one round). The name, producers and
// target_features codecs (names.h) either throw Error or give what encodes and reads back
// to the same.
#include "fuzz_common.h"

#include "wasmobj/inspect.h"
#include "wasmobj/names.h"
#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

using namespace wasmobj;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Module m;
  try {
    m = readModule(ByteView(data, size), "fuzz.wasm");
  } catch (const Error &) {
    return 0;
  }
  // The inspector must describe anything the reader accepted.
  {
    InspectReport report;
    report.add(m, "fuzz.wasm", size);
    (void)report.json(false);
    (void)report.text();
  }
  for (auto &c : m.customs) {
    try {
      if (c.name == "name") {
        NameSection n = parseNameSection(c.payload, c.offset);
        const Bytes encoded = encodeNameSection(n); // kept: the maps' names are views of it
        NameSection back = parseNameSection(encoded);
        FUZZ_CHECK(back.functions == n.functions && back.globals == n.globals && back.dataSegments == n.dataSegments);
      } else if (c.name == "producers") {
        Producers p = parseProducers(c.payload, c.offset);
        FUZZ_CHECK(parseProducers(encodeProducers(p)).fields == p.fields);
        (void)mergeProducers({p, p});
      } else if (c.name == "target_features") {
        TargetFeatures f = parseTargetFeatures(c.payload, c.offset);
        FUZZ_CHECK(parseTargetFeatures(encodeTargetFeatures(f)) == f);
      }
    } catch (const Error &) {
      // malformed: the linker leaves it out with a warning
    }
  }
  Bytes once = writeModule(m);
  Module again;
  try {
    again = readModule(ByteView(once), "rewritten.wasm");
  } catch (const Error &e) {
    std::fprintf(stderr, "the written module does not read back: %s\n", e.format().c_str());
    FUZZ_CHECK(!"written module readable");
  }
  Bytes twice = writeModule(again);
  FUZZ_CHECK(twice == once);
  return 0;
}
