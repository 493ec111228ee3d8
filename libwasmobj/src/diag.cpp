#include "wasmobj/diag.h"

#include "wasmobj/leb.h"

namespace wasmobj {

std::string escapeText(std::string_view s) {
  static const char *hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  auto escapeByte = [&](uint8_t b) {
    out += "\\x";
    out += hex[b >> 4];
    out += hex[b & 15];
  };
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    if (c == '\n') out += "\\n", ++i;
    else if (c == '\t') out += "\\t", ++i;
    else if (c == '\r') out += "\\r", ++i;
    else if (c == '\\') out += "\\\\", ++i;
    else if (c < 0x20 || c == 0x7f) escapeByte(c), ++i;
    else if (c < 0x80) out += char(c), ++i;
    else {
      uint32_t cp = 0;
      size_t len = Cursor::utf8SequenceAt(s, i, cp);
      if (len == 0) {
        escapeByte(c); // not UTF-8: this byte alone, then resynchronise on the next
        ++i;
      } else if (cp >= 0x80 && cp <= 0x9f) {
        for (size_t k = 0; k < len; ++k) escapeByte(uint8_t(s[i + k])); // a C1 control (CSI is U+009B)
        i += len;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
    }
  }
  return out;
}

void printDiagnostic(std::FILE *out, const char *kind, std::string_view msg) {
  std::string line = std::string("prelink: ") + kind + ": " + escapeText(msg) + "\n";
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

} // namespace wasmobj
