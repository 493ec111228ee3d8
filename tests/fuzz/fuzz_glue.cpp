// Fuzz target: the JS glue reader (prelink/link/glue.cpp). Invariants: readGlue returns
// or throws Error with an offset inside the input; the tokenizer alone agrees (it throws
// exactly when readGlue throws a tokenizer error, and its tokens lie in order inside the
// input).
#include "fuzz_common.h"

#include <string_view>

#include "glue.h"

using namespace wasmobj;
using namespace wasmobj::glue;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view js(reinterpret_cast<const char *>(data), size);
  bool tokenized = true;
  uint64_t last = 0;
  try {
    Tokenizer tz(js);
    for (Token t = tz.next(); t.kind != TokenKind::End; t = tz.next()) {
      FUZZ_CHECK(t.begin >= last && t.begin < t.end && t.end <= size);
      FUZZ_CHECK(t.text.data() == js.data() + t.begin && t.text.size() == t.end - t.begin);
      last = t.end;
      if (t.kind == TokenKind::String) (void)Tokenizer::stringValue(t);
      if (t.kind == TokenKind::Number) (void)Tokenizer::numberValue(t);
      if (t.kind == TokenKind::Identifier) (void)Tokenizer::identifierName(t);
    }
  } catch (const Error &e) {
    FUZZ_CHECK(e.hasOffset() && e.offset() <= size);
    tokenized = false;
  }
  try {
    GlueFacts f = readGlue(js);
    FUZZ_CHECK(tokenized);
    for (auto &o : f.importObjects) FUZZ_CHECK(o.offset < size && o.keys.size() == o.props.size());
  } catch (const Error &e) {
    FUZZ_CHECK(e.hasOffset() && e.offset() <= size);
  }
  return 0;
}
