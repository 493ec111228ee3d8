// Fuzz target: the dylink.0 payload parser (and the legacy "dylink" one, chosen by the
// first byte). Invariants: parseDylink returns or throws Error; what it accepts encodes
// to a payload that parses back to the same encoding.
#include "fuzz_common.h"

#include "wasmobj/dylink.h"

using namespace wasmobj;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const bool legacy = data[0] == 0xff;
  ByteView payload(data + 1, size - 1);
  Dylink d;
  try {
    d = parseDylink(payload, 1, legacy);
  } catch (const Error &e) {
    FUZZ_CHECK(!e.hasOffset() || e.offset() <= size);
    return 0;
  }
  (void)d.isWeakImport("x");
  Bytes enc = encodeDylink(d);
  Dylink back;
  try {
    back = parseDylink(ByteView(enc), 0, legacy);
  } catch (const Error &e) {
    std::fprintf(stderr, "the encoded dylink section does not parse back: %s\n", e.format().c_str());
    FUZZ_CHECK(!"encoded dylink readable");
  }
  FUZZ_CHECK(encodeDylink(back) == enc);
  FUZZ_CHECK(back.needed == d.needed && back.memorySize == d.memorySize && back.tableSize == d.tableSize);
  return 0;
}
