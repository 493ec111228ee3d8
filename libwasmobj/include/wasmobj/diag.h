// What prelink prints: every line that reaches stderr or stdout and may hold text from an
// input (names of imports, exports, NEEDED entries, archive and directory members, file
// names) goes through escapeText, so an input can neither forge a line (a newline), talk
// to the terminal (ESC, BEL, C1 controls) nor cut a message short (NUL). docs/cli.md
// describes the escapes; docs/reliability.md the one-error-line rule.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace wasmobj {

// S with every byte that is not printable text escaped: `\n`, `\t`, `\r`, `\\`, and
// `\xNN` for the other C0 controls, DEL, the bytes of C1 controls (U+0080-U+009F) and
// every byte that is not part of well-formed UTF-8. Well-formed printable UTF-8 is kept.
std::string escapeText(std::string_view s);

// Writes `prelink: KIND: MSG` (MSG escaped) as one line to OUT: the one way the driver
// and the linker print errors, warnings and statistics.
void printDiagnostic(std::FILE *out, const char *kind, std::string_view msg);

} // namespace wasmobj
