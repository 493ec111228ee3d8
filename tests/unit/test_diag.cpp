// escapeText (diag.h): the one escaping of everything prelink prints from an input.
#include <doctest/doctest.h>

#include <string>

#include "wasmobj/diag.h"
#include "wasmobj/leb.h"

using wasmobj::escapeText;
using namespace std::string_literals;

TEST_CASE("escapeText keeps printable ASCII and well-formed UTF-8") {
  CHECK(escapeText("libc.so: undefined symbol: foo") == "libc.so: undefined symbol: foo");
  CHECK(escapeText("") == "");
  CHECK(escapeText("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); // é € 😀
  CHECK(escapeText("\xc2\xa0") == "\xc2\xa0"); // U+00A0, the first code point after the C1 block
}

TEST_CASE("escapeText escapes C0 controls, DEL and backslash") {
  CHECK(escapeText("a\nprelink: error: forged") == "a\\nprelink: error: forged");
  CHECK(escapeText("\t\r") == "\\t\\r");
  CHECK(escapeText("\x1b[31mred\x07") == "\\x1b[31mred\\x07");
  CHECK(escapeText("x\x7fy") == "x\\x7fy");
  CHECK(escapeText("a\\nb") == "a\\\\nb"); // a literal backslash cannot pass for an escape
  CHECK(escapeText("lib"s + '\0' + "x.so") == "lib\\x00x.so"); // NUL does not cut the message
  CHECK(escapeText("\x01\x1f") == "\\x01\\x1f");
}

TEST_CASE("escapeText escapes C1 controls as their UTF-8 bytes") {
  CHECK(escapeText("\xc2\x9b" "31m") == "\\xc2\\x9b31m"); // U+009B CSI
  CHECK(escapeText("\xc2\x80\xc2\x9f") == "\\xc2\\x80\\xc2\\x9f");
}

TEST_CASE("escapeText escapes each byte that is not well-formed UTF-8") {
  CHECK(escapeText("f\xc3(") == "f\\xc3(");               // truncated 2-byte sequence
  CHECK(escapeText("\xff\xfe") == "\\xff\\xfe");          // never valid
  CHECK(escapeText("\xc0\xaf") == "\\xc0\\xaf");          // overlong '/'
  CHECK(escapeText("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a surrogate
  CHECK(escapeText("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
  CHECK(escapeText("\xe2\x82") == "\\xe2\\x82");          // cut at the end
  CHECK(escapeText("\x80" "abc") == "\\x80abc");          // a lone continuation byte, then text again
}

TEST_CASE("escapeText output is one line of well-formed UTF-8 without controls") {
  std::string all;
  for (int b = 0; b < 256; ++b) all += char(b);
  std::string e = escapeText(all);
  for (unsigned char c : e) CHECK((c >= 0x20 && c != 0x7f));
  CHECK(e.find('\n') == std::string::npos);
  CHECK(wasmobj::Cursor::validUtf8(e));
  CHECK(e.size() > all.size());
}

#include "wasmobj/inspect.h"

TEST_CASE("inspect's text escapes names from the module and the file name") {
  wasmobj::Module m;
  m.types.push_back(wasmobj::FuncType{});
  wasmobj::Import imp;
  imp.module = "env";
  imp.field = "f\nprelink: error: forged";
  imp.kind = wasmobj::ExternKind::Func;
  m.imports.push_back(imp);
  m.countImports();
  m.exports.push_back(wasmobj::Export{"e\x1b[2J\x07", wasmobj::ExternKind::Func, 0});
  wasmobj::InspectReport report;
  report.add(m, "lib\xff.so", 0);
  std::string text = report.text();
  CHECK(text.find("env.f\\nprelink: error: forged") != std::string::npos);
  CHECK(text.find("e\\x1b[2J\\x07") != std::string::npos);
  CHECK(text.find("lib\\xff.so (0 bytes)") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("\nprelink") == std::string::npos);
}
