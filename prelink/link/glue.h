// Reading emcc's JS glue (main.js) as JavaScript: a tokenizer for the ECMAScript lexical
// grammar and an extractor of what the emscripten flavour needs from the token stream
// (the import object's properties, the JS functions' `.sig`, the values the glue gives
// __memory_base, __table_base and the stack, the exports it reads, its memory and table).
// Both are linear in the input and never recurse on its nesting (explicit stacks); the
// extractor streams the tokens through a fixed-size window and keeps only what it finds.
// A malformed glue (an unterminated string, comment, template or regular expression, a
// character no token starts with, invalid UTF-8) throws Error with the byte offset; the
// caller adds the file name (`prelink: error: GLUE: what (at byte offset N)`).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasmobj/error.h"

namespace wasmobj::glue {

enum class TokenKind : uint8_t {
  End,            // end of input
  Identifier,     // IdentifierName, keywords included (`text` is raw: see identifierName)
  PrivateName,    // #name
  Number,         // any numeric literal (see numberValue)
  String,         // '...' or "..." (see stringValue)
  Template,       // `...` without substitutions
  TemplateHead,   // `...${
  TemplateMiddle, // }...${
  TemplateTail,   // }...`
  Regex,          // /body/flags
  Punctuator,     // { } ( ) [ ] ; , < > + - ... => ?. etc.; also `/` and `/=` (division)
};

struct Token {
  TokenKind kind = TokenKind::End;
  uint64_t begin = 0, end = 0; // byte offsets of its source text
  std::string_view text;       // the source text
  bool newlineBefore = false;  // a line terminator (or a comment holding one) precedes it
  bool escaped = false;        // Identifier spelled with \u escapes

  // (The first character is compared before the rest: most tokens differ there.)
  bool is(TokenKind k, std::string_view s) const {
    return kind == k && text.size() == s.size() && (s.empty() || (text[0] == s[0] && text.substr(1) == s.substr(1)));
  }
  bool punct(std::string_view s) const { return is(TokenKind::Punctuator, s); }
  // An identifier spelled plainly as S (an escaped keyword is not the keyword).
  bool ident(std::string_view s) const { return !escaped && is(TokenKind::Identifier, s); }
};

// Tokenizes SRC front to back. `/` is a regular expression where an expression may start:
// at the start, after a punctuator other than `)` `]` `}` `++` `--`, after the `)` that
// closes the condition of if / while / for / with, at the start of a template
// substitution, and after the keywords return typeof instanceof in of new delete void
// throw case do else yield await (not after a property name such as `x.return`);
// elsewhere it is division (so also after a `}`: `}\n/re/.test(s)` is not read right). Identifiers may hold `$`, `_`, \u escapes and any non-ASCII
// character that is not a space or line terminator (Unicode's ID_Start/ID_Continue are not
// checked). A `#!` line at offset 0 and all comments are skipped.
class Tokenizer {
public:
  explicit Tokenizer(std::string_view src) : src_(src) {}
  // The next token (End at the end, again on every later call). Throws Error.
  Token next();

  // An Identifier's or PrivateName's name with its \u escapes decoded (UTF-8).
  static std::string identifierName(const Token &t);
  // A String's value: escapes decoded, UTF-8 (lone surrogates as their 3-byte form).
  static std::string stringValue(const Token &t);
  // A Number's value when it is a non-negative integer of at most 2^53 (1e3, 0x10, 1_000,
  // 017, 10n and 4.0 included), else nullopt.
  static std::optional<uint64_t> numberValue(const Token &t);

private:
  void skipTrivia(bool &newline);
  Token make(TokenKind k, uint64_t b);
  Token scanTemplate(uint64_t b, uint64_t literalStart, bool head);
  void scanIdentifierRest();
  bool regexAllowed() const;
  uint32_t decodeAt(size_t at, size_t &len) const; // UTF-8 code point at AT, throws on invalid

  std::string_view src_;
  size_t pos_ = 0;
  // One entry per open `{` (kBrace) or template substitution (the offset of its template's
  // backquote, for the error of a template left open).
  static constexpr uint64_t kBrace = ~uint64_t(0);
  std::vector<uint64_t> braces_;
  // The previous token, for the regex/division choice.
  TokenKind prevKind_ = TokenKind::End;
  std::string_view prevText_;
  bool prevEscaped_ = false;
  bool prevIsProperty_ = false; // the previous token is an identifier right after `.` / `?.`
  bool lastWasDot_ = false;
  // One entry per open `(`: whether it opens an if / while / for / with condition.
  std::vector<bool> parens_;
  bool closedCondition_ = false; // the last `)` closed such a condition
};

// `new WebAssembly.Memory({...})` / `new WebAssembly.Table({...})`: one limit of it.
struct GlueLimit {
  std::string expr;              // its expression, tokens joined by nothing ("INITIAL_MEMORY/65536")
  std::optional<uint64_t> value; // when computable: literals, a known constant (configValues), a/b, a*b
};
struct GlueMemory {
  uint64_t offset = 0;           // of `new`
  std::optional<GlueLimit> initial, maximum; // in pages (the expression's value, as the glue writes it)
  bool shared = false;
  bool complete = true;          // false: the property list was too long or not understood
};
struct GlueTable {
  uint64_t offset = 0;
  std::optional<GlueLimit> initial, maximum;
  std::string element;           // "anyfunc", "externref", ... (empty if not a string)
  bool complete = true;
};

// A recognised assignment to one of the base names (___memory_base, ___table_base,
// ___stack_pointer, ___heap_base, ___stack_high, ___stack_low).
struct GlueValue {
  enum class Form : uint8_t {
    WasmGlobal,  // NAME = new WebAssembly.Global({value: "i32", mutable: M}, N)   (keys quoted or not)
    ModuleConst, // NAME = (Module['NAME'] = N)   or   NAME = Module["NAME"] = N
    Literal,     // NAME = N
    Export,      // NAME = [Module['NAME'] =] wasmExports['X'] | wasmExports.X | asm['X'] | Module['asm']['X']
  };
  Form form = Form::Literal;
  uint64_t offset = 0;           // of NAME
  bool declared = false;         // preceded by var / let / const (or by `,` of a declaration list)
  std::optional<uint64_t> value; // N (all but Export; absent when N is not a non-negative integer)
  std::string type;              // WasmGlobal: its "value" ("i32")
  bool isMutable = false;        // WasmGlobal: its "mutable" (true, !0, 1)
  std::string exportName;        // Export: X
};

// The import object: `[var] asmLibraryArg = {...}` (emcc up to 3.1.x) or
// `[var] wasmImports = {...}` (later releases).
struct GlueImportObject {
  std::string name;              // "asmLibraryArg" or "wasmImports"
  uint64_t offset = 0;           // of its `{`
  // Property -> the identifier its value is ("" for any other expression, a method, or an
  // accessor). Keys: identifiers (escapes decoded), strings (decoded), numbers (integers
  // in decimal, else as written). Shorthand `{ foo }` is foo -> foo. A repeated key: the
  // last value wins.
  std::unordered_map<std::string, std::string> props;
  std::vector<std::string> keys; // each key once, in order of first appearance
  uint32_t duplicates = 0;       // properties whose key an earlier one had
  bool complete = true;          // false: a spread (...x) or computed ([k]) property
};

// The instantiation's import modules: an object literal whose "env" property is the import
// object (emcc's `info = {"env": wasmImports, "wasi_snapshot_preview1": wasmImports,
// "GOT.mem": new Proxy(wasmImports, GOTHandler), ...}`).
struct GlueImportModules {
  uint64_t offset = 0;
  struct Ref {
    std::string object;          // the identifier given (through new Proxy(X, ...) when viaProxy)
    bool viaProxy = false;
  };
  std::map<std::string, Ref> modules; // module name -> what it is given ("" object: another expression)
};

struct GlueFacts {
  // Every import object literal found, in source order (normally exactly one).
  std::vector<GlueImportObject> importObjects;
  const GlueImportObject *importObject() const { return importObjects.empty() ? nullptr : &importObjects.back(); }
  std::vector<GlueImportModules> importModules;

  // `IDENT.sig = "letters"` (or '...'): JS function -> its wasm signature; last wins.
  std::unordered_map<std::string, std::string> sigs;

  // Base name (with its three underscores) -> its recognised assignments in source order.
  std::map<std::string, std::vector<GlueValue>> bases;
  // The first recognised assignment of NAME (a declared one if any), or null.
  const GlueValue *base(const std::string &name) const;

  // `var NAME = (Module['NAME'] = N)` / `var NAME = Module["NAME"] = N`: NAME -> N (the data
  // addresses a non-relocatable main's glue hardcodes; the bases too when written so).
  std::map<std::string, uint64_t> moduleConstants;
  // Declared all-caps constants with a literal value: `var TOTAL_STACK = N`,
  // `var INITIAL_MEMORY = Module["INITIAL_MEMORY"] || N` (the literal: the default).
  std::map<std::string, uint64_t> configValues;

  // Export names the glue reads from the instance: wasmExports['x'], wasmExports.x,
  // asm['x'], Module['asm']['x'], Module.asm.x (also with ?.), except as the target of `=`.
  std::set<std::string> exportsRead;

  std::vector<GlueMemory> memories;
  std::vector<GlueTable> tables;

  // How often each marker identifier of the glue's generation occurs as an identifier:
  // asmLibraryArg wasmImports wasmExports LDSO loadDylibs preloadDylibs dynamicLibraries
  // reportUndefinedSymbols GOT GOTHandler relocateExports mergeLibSymbols newDSO
  // loadDynamicLibrary loadWebAssemblyModule getDylinkMetadata (absent: never).
  std::map<std::string, uint32_t> markers;
  bool has(const std::string &marker) const { return markers.count(marker) > 0; }
  // JS functions of the dynamic loader the glue defines (`function N`, `var N =`, `, N =`), N
  // being _..dl.._js such as __dlopen_js, __dlsym_js, __emscripten_dlopen_js,
  // __dlsym_catchup_js (their signature: sigs).
  std::set<std::string> dlFunctions;
  // Where the glue's dlopenInternal reads libc's struct dso's name: N of the first
  // `UTF8ToString(IDENT + N)` that closes within 40 tokens of the name dlopenInternal
  // (every emcc release since 3.1.6 has one; the offset tells the ABI generation).
  std::optional<uint64_t> dsoNameOffset;

  uint64_t tokens = 0; // tokens read
};

// Reads the glue. Throws Error (with the byte offset) on malformed JavaScript, or when
// an import object's braces are not closed by the end.
GlueFacts readGlue(std::string_view js);

} // namespace wasmobj::glue
