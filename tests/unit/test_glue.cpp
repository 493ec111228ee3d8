// Unit tests of the JS glue reader (prelink/link/glue.cpp): the tokenizer's lexical
// cases on hand-written snippets, the extractor's facts, the errors' offsets, and its
// running time on a large synthetic glue.
#include "test_util.h"
#include <doctest/doctest.h>

#include <ctime>
#include <string>
#include <vector>

#include "glue.h"

using namespace wasmobj;
using namespace wasmobj::glue;
using testutil::errorOf;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRELINK_TEST_ASAN 1
#endif
#endif
#ifndef PRELINK_TEST_ASAN
#define PRELINK_TEST_ASAN 0
#endif

namespace {

struct Tok {
  TokenKind kind;
  std::string text;
};

std::vector<Tok> tokens(std::string_view js) {
  Tokenizer tz(js);
  std::vector<Tok> out;
  for (Token t = tz.next(); t.kind != TokenKind::End; t = tz.next()) out.push_back({t.kind, std::string(t.text)});
  return out;
}

// The token kinds as letters: i identifier, n number, s string, t template, h/m/e template
// head/middle/tail, r regex, p punctuator, # private name.
std::string kinds(std::string_view js) {
  std::string s;
  for (auto &t : tokens(js)) {
    switch (t.kind) {
    case TokenKind::Identifier: s += 'i'; break;
    case TokenKind::PrivateName: s += '#'; break;
    case TokenKind::Number: s += 'n'; break;
    case TokenKind::String: s += 's'; break;
    case TokenKind::Template: s += 't'; break;
    case TokenKind::TemplateHead: s += 'h'; break;
    case TokenKind::TemplateMiddle: s += 'm'; break;
    case TokenKind::TemplateTail: s += 'e'; break;
    case TokenKind::Regex: s += 'r'; break;
    case TokenKind::Punctuator: s += 'p'; break;
    case TokenKind::End: break;
    }
  }
  return s;
}

Token first(std::string_view js) { return Tokenizer(js).next(); }

const GlueImportObject &imports(const GlueFacts &f) {
  REQUIRE(f.importObject() != nullptr);
  return *f.importObject();
}

} // namespace

TEST_CASE("glue tokenizer: identifiers with $, _, escapes and non-ASCII characters") {
  auto t = tokens("$a _b c$_1 \\u0061bc \\u{62}x caf\xC3\xA9 \xCF\x80r");
  REQUIRE(t.size() == 7);
  for (auto &x : t) CHECK(x.kind == TokenKind::Identifier);
  CHECK(t[0].text == "$a");
  Tokenizer tz("\\u0061bc \\u{62}x");
  Token a = tz.next(), b = tz.next();
  CHECK(a.escaped);
  CHECK(Tokenizer::identifierName(a) == "abc");
  CHECK(Tokenizer::identifierName(b) == "bx");
  CHECK(t[5].text == "caf\xC3\xA9");
  // Non-ASCII white space and line terminators separate tokens.
  CHECK(kinds("a\xC2\xA0" "b\xE2\x80\xA8" "c") == "iii");
  CHECK(errorOf([] { tokens("a \\x41"); }).offset() == 2);
  CHECK(errorOf([] { tokens("a \xFF"); }).offset() == 2);
  CHECK(errorOf([] { tokens("x @"); }).message() == "unexpected character 0x40");
}

TEST_CASE("glue tokenizer: numbers") {
  struct Case {
    const char *src;
    std::optional<uint64_t> value;
  } cases[] = {{"0", 0},          {"1024", 1024},       {"0x1F", 31},       {"0XfF", 255},           {"0o17", 15},
               {"0b101", 5},      {"017", 15},          {"019", 19},        {"1_000_000", 1000000},  {"10n", 10},
               {"1e3", 1000},     {"2.5e1", 25},        {"4.0", 4},         {".5", std::nullopt},    {"1.5", std::nullopt},
               {"1e-3", std::nullopt}, {"9007199254740992", uint64_t(1) << 53}, {"9007199254740993", std::nullopt},
               {"0xFFFFFFFFFFFFFFFFFF", std::nullopt}};
  for (auto &c : cases) {
    CAPTURE(c.src);
    Token t = first(c.src);
    CHECK(t.kind == TokenKind::Number);
    CHECK(t.text == c.src);
    CHECK(Tokenizer::numberValue(t) == c.value);
  }
  CHECK(kinds("1..toString()") == "npipp"); // `1.` then `.toString`
  CHECK(kinds("a?.5:b") == "ipnpi");       // a conditional, not an optional chain
  CHECK(kinds("a?.b") == "ipi");
  CHECK(errorOf([] { tokens("x = 3in"); }).offset() == 5);
  CHECK(errorOf([] { tokens("0x"); }).offset() == 0);
  CHECK(errorOf([] { tokens("1e+"); }).offset() == 0);
}

TEST_CASE("glue tokenizer: strings and their escapes") {
  auto v = [](const char *js) { return Tokenizer::stringValue(first(js)); };
  CHECK(v("'it''s'") == "it"); // two strings
  CHECK(kinds("'it''s'") == "ss");
  CHECK(v("\"a\\\"b\"") == "a\"b");
  CHECK(v("'a\\'b'") == "a'b");
  CHECK(v("'\\n\\t\\\\\\x41\\u0042\\u{43}\\0'") == std::string("\n\t\\ABC") + '\0');
  CHECK(v("'\\uD83D\\uDE00'") == "\xF0\x9F\x98\x80"); // a surrogate pair
  CHECK(v("'line\\\ncontinued'") == "linecontinued");
  CHECK(v("'\\101'") == "A"); // legacy octal
  CHECK(v("'caf\xC3\xA9'") == "caf\xC3\xA9");
  CHECK(v("'a\xE2\x80\xA8" "b'") == "a\xE2\x80\xA8" "b"); // U+2028 may stand in a string
  // Unterminated: at the end, or at a line break (the offset is the opening quote's).
  CHECK(errorOf([] { tokens("x = 'abc"); }).offset() == 4);
  auto e = errorOf([] { tokens("var a = 1;\nvar s = \"abc\ndef\";"); });
  CHECK(e.message() == "unterminated string literal");
  CHECK(e.offset() == 19);
  CHECK(errorOf([] { tokens("'abc\\"); }).offset() == 0);
}

TEST_CASE("glue tokenizer: comments and the #! line") {
  CHECK(kinds("#!/usr/bin/env node\na // b\n/* c */ d /** @export */ e") == "iii");
  Tokenizer tz("a /* x\n y */ b // z\nc");
  CHECK_FALSE(tz.next().newlineBefore);
  CHECK(tz.next().newlineBefore); // the block comment held a line break
  CHECK(tz.next().newlineBefore);
  auto e = errorOf([] { tokens("a = 1; /* never closed"); });
  CHECK(e.message() == "unterminated comment");
  CHECK(e.offset() == 7);
  CHECK(kinds("a /* */ / b") == "ipi"); // a comment between keeps `/` a division
}

TEST_CASE("glue tokenizer: template literals with nested substitutions") {
  CHECK(kinds("`plain`") == "t");
  CHECK(kinds("`a${b}c`") == "hie");
  CHECK(kinds("`a${b}c${d}e`") == "himie");
  CHECK(kinds("`${ {a:1} }`") == "hpipnpe");
  CHECK(kinds("`x${ `y${ `z${w}` }` }`") == "hhhiee" "e");
  CHECK(kinds("`\\${not} \\` still`") == "t");
  CHECK(kinds("`${a}` / 2") == "hiepn"); // division after a template
  // Depth 10,000 needs no recursion.
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "`${";
  deep += "x";
  for (int i = 0; i < 10000; ++i) deep += "}`";
  CHECK(kinds(deep).size() == 20001);
  auto e = errorOf([] { tokens("x = `abc ${ y } def"); });
  CHECK(e.message() == "unterminated template literal");
  CHECK(e.offset() == 4);
  CHECK(errorOf([] { tokens("x = 1; y = `a${ {b: 2}"); }).offset() == 11);
}

TEST_CASE("glue tokenizer: regular expressions and division") {
  CHECK(kinds("a / b / c") == "ipipi");
  CHECK(kinds("x = /re/g") == "ipr");
  CHECK(kinds("/re/.test(s)") == "rpipip");
  CHECK(kinds("(a) / 2") == "pippn");
  CHECK(kinds("a[0] / 2") == "ipnppn");
  CHECK(kinds("f(/[/]/, x)") == "iprpip"); // `/` inside a class
  CHECK(kinds("s.replace(/\\//g, '')") == "ipiprpsp");
  CHECK(kinds("return /x/") == "ir");
  CHECK(kinds("typeof /x/") == "ir");
  CHECK(kinds("x.return / 2") == "ipipn"); // a property name, not the keyword
  CHECK(kinds("if (a) /re/.test(s)") == "ipiprpipip");
  CHECK(kinds("a++ / 2") == "ippn");
  CHECK(kinds("x /= 2") == "ipn");
  CHECK(kinds("x = a ? /y/ : /z/") == "ipiprpr");
  CHECK(kinds("`${/re/}`") == "hre");
  auto e = errorOf([] { tokens("x = /abc\n/"); });
  CHECK(e.message() == "unterminated regular expression literal");
  CHECK(e.offset() == 4);
  CHECK(errorOf([] { tokens("x = /[/"); }).offset() == 4);
}

TEST_CASE("glue tokenizer: punctuators, longest first") {
  auto t = tokens("a>>>=b===c!==d**=e?""?=f=>g...h?.i");
  std::vector<std::string> p;
  for (auto &x : t)
    if (x.kind == TokenKind::Punctuator) p.push_back(x.text);
  CHECK(p == std::vector<std::string>{">>>=", "===", "!==", "**=", "?""?=", "=>", "...", "?."});
  CHECK(kinds("#priv in obj") == "#ii");
}

TEST_CASE("glue: the import object, whatever hides the same words") {
  // A `wasmImports = {...}` inside a string, a comment, a template or a regex is no import
  // object; the values holding strings, templates with `${ {...} }` and regexes do not
  // end the real one early.
  const char *js = R"JS(
var s = "wasmImports={x:1}";
// wasmImports = {y: 1}
/* wasmImports = {z: 1} */
var t = `wasmImports = {w: 1}`;
var r = /{"wasmImports={x:1}"/;
var wasmImports = {
  /** @export */ a: _a,
  b: "}", c: `${ {a: 1} }`, d: /}/g,
  "e": _e, 'f-g': _f, 42: _n, 0x10: _h,
  shorthand,
  /** @export */ other,
  nested: { inner: 1 }, call: f(1, 2),
  method() { return 1 },
  get getter() { return 2 },
  a: _a2,
  last
};
var after = { notAKey: 1 };
)JS";
  GlueFacts f = readGlue(js);
  REQUIRE(f.importObjects.size() == 1);
  const GlueImportObject &o = imports(f);
  CHECK(o.name == "wasmImports");
  CHECK(o.complete);
  CHECK(o.keys == std::vector<std::string>{"a", "b", "c", "d", "e", "f-g", "42", "16", "shorthand", "other", "nested", "call",
                                           "method", "getter", "last"});
  CHECK(o.props.at("a") == "_a2"); // the last wins
  CHECK(o.duplicates == 1);
  CHECK(o.props.at("b").empty());
  CHECK(o.props.at("c").empty());
  CHECK(o.props.at("e") == "_e");
  CHECK(o.props.at("f-g") == "_f");
  CHECK(o.props.at("42") == "_n");
  CHECK(o.props.at("16") == "_h");
  CHECK(o.props.at("shorthand") == "shorthand");
  CHECK(o.props.at("other") == "other");
  CHECK(o.props.at("nested").empty());
  CHECK(o.props.at("method").empty());
  CHECK(o.props.at("last") == "last");
  CHECK(o.props.count("inner") == 0);
  CHECK(o.props.count("notAKey") == 0);
}

TEST_CASE("glue: asmLibraryArg, keys after line breaks, spreads, and an unclosed object") {
  GlueFacts f = readGlue("var asmLibraryArg = {\n\"__heap_base\":\n___heap_base,\n\n  memory\n:\nwasmMemory, ...more, [k]: v};");
  const GlueImportObject &o = imports(f);
  CHECK(o.name == "asmLibraryArg");
  CHECK(o.props.at("__heap_base") == "___heap_base");
  CHECK(o.props.at("memory") == "wasmMemory");
  CHECK(o.keys.size() == 2);
  CHECK_FALSE(o.complete);
  // Assigned without var; a member `x.wasmImports = {...}` is not it.
  CHECK(imports(readGlue("x.wasmImports = {a: b}; wasmImports = {c: d}")).keys == std::vector<std::string>{"c"});
  CHECK(readGlue("x.wasmImports = {a: b}").importObjects.empty());
  auto e = errorOf([] { readGlue("var x = 1;\nvar wasmImports = {a: b, c: {"); });
  CHECK(e.message() == "the import object wasmImports is not closed");
  CHECK(e.offset() == 29);
}

TEST_CASE("glue: the import modules of the instantiation") {
  GlueFacts f = readGlue(R"(var info={"env":wasmImports,"wasi_snapshot_preview1":wasmImports,"GOT.mem":new Proxy(wasmImports,GOTHandler),"x":f()};)");
  REQUIRE(f.importModules.size() == 1);
  auto &m = f.importModules[0].modules;
  CHECK(m.at("env").object == "wasmImports");
  CHECK_FALSE(m.at("env").viaProxy);
  CHECK(m.at("GOT.mem").object == "wasmImports");
  CHECK(m.at("GOT.mem").viaProxy);
  CHECK(m.at("x").object.empty());
  // Any identifier as env (a minifier renames wasmImports), but no import object from it
  // unless the literal also gives GOT.mem or wasi_snapshot_preview1.
  GlueFacts other = readGlue("var somethingElse = {a: b}; var o = {env: somethingElse}");
  CHECK(other.importModules.size() == 1);
  CHECK(other.importObject() == nullptr);
}

TEST_CASE("glue: a minified glue's import object and .sig, found by what the instantiation gives") {
  // As closure writes emcc 6's glue: the import object assigned in one function, given as
  // env (and wasi) in another, the .sig property renamed.
  GlueFacts f = readGlue(R"(var Kb=a=>fg(a);Kb.h="pp";var Mb=(a,b)=>0;Mb.h="ppi";var Q=1;Q.h="x";
function ib(){L={_dlopen_js:Kb,_dlsym_js:Mb,memory:xa}}
function Ea(){var a=new Proxy(new Set(["w"]),ld);return{env:L,wasi_snapshot_preview1:L,"GOT.mem":a,"GOT.func":a}})");
  REQUIRE(f.importObject() != nullptr);
  CHECK(f.importObject()->name == "L");
  CHECK(f.importObject()->props.at("_dlopen_js") == "Kb");
  CHECK(f.importObject()->props.at("memory") == "xa");
  CHECK(f.sigs.at("Kb") == "pp");
  CHECK(f.sigs.at("Mb") == "ppi");
  CHECK(f.sigs.count("Q") == 0);
  // Not every `{env: X}` is the instantiation's.
  CHECK(readGlue("L={a:b}; var o={env:L}").importObject() == nullptr);
}

TEST_CASE("glue: .sig of the JS functions") {
  GlueFacts f = readGlue("function _f(){}_f.sig=\"vii\";__dlsym_js.sig = 'pppp'\nx.y.sig = 'no'; _g.sig = 'i' + k; _h.sig = \"ii\"\n_h.sig = 'iii';");
  CHECK(f.sigs.at("_f") == "vii");
  CHECK(f.sigs.at("__dlsym_js") == "pppp");
  CHECK(f.sigs.at("_h") == "iii"); // the last wins
  CHECK(f.sigs.count("y") == 0);
  CHECK(f.sigs.count("_g") == 0);
}

TEST_CASE("glue: the bases in each form the glues write them") {
  const char *js = R"JS(
var ___memory_base=new WebAssembly.Global({"value":"i32","mutable":false},1024);
var ___table_base = new WebAssembly.Global({value: 'i32', mutable: !1}, 1);
var ___stack_pointer=new WebAssembly.Global({value:"i32",mutable:!0},9876144);
var ___heap_base = 15227408;
function sbrk(size) { var ret = ___heap_base; ___heap_base = ret + size; }
var ___stack_high = Module["___stack_high"] = 5000;
var ___stack_low = (Module['___stack_low'] = 4000);
var _core_globals = (Module['_core_globals'] = 13825392);
var _plug = Module["_plug"] = 3248;
var _notConst = Module["_x"] = f();
)JS";
  GlueFacts f = readGlue(js);
  const GlueValue *mb = f.base("___memory_base");
  REQUIRE(mb);
  CHECK(mb->form == GlueValue::Form::WasmGlobal);
  CHECK(mb->value == uint64_t(1024));
  CHECK(mb->type == "i32");
  CHECK_FALSE(mb->isMutable);
  CHECK(mb->declared);
  CHECK(f.base("___table_base")->value == uint64_t(1));
  CHECK_FALSE(f.base("___table_base")->isMutable);
  CHECK(f.base("___stack_pointer")->isMutable);
  CHECK(f.base("___stack_pointer")->value == uint64_t(9876144));
  // `___heap_base = ret + size` is no value; the declaration is.
  CHECK(f.bases.at("___heap_base").size() == 1);
  CHECK(f.base("___heap_base")->form == GlueValue::Form::Literal);
  CHECK(f.base("___heap_base")->value == uint64_t(15227408));
  CHECK(f.base("___stack_high")->form == GlueValue::Form::ModuleConst);
  CHECK(f.base("___stack_high")->value == uint64_t(5000));
  CHECK(f.base("___stack_low")->value == uint64_t(4000));
  CHECK(f.moduleConstants.at("_core_globals") == 13825392);
  CHECK(f.moduleConstants.at("_plug") == 3248);
  CHECK(f.moduleConstants.at("___stack_low") == 4000);
  CHECK(f.moduleConstants.count("_notConst") == 0);
}

TEST_CASE("glue: bases and exports read from the instance") {
  const char *js = R"JS(
function assignWasmExports(wasmExports) {
  memory = wasmMemory = wasmExports['memory'];
  ___stack_pointer = Module['___stack_pointer'] =
    wasmExports['__stack_pointer'];
  __indirect_function_table = wasmTable = wasmExports["__indirect_function_table"];
  _main = wasmExports.main;
  ___heap_base = asm["__heap_base"];
  f = Module["asm"]["__wasm_call_ctors"]; g = Module.asm.stackSave;
  h = wasmExports?.optional; k = wasmExports?.['optional2'];
  wasmExports.assigned = 1;
  other.wasmExports['no'];
}
)JS";
  GlueFacts f = readGlue(js);
  const GlueValue *sp = f.base("___stack_pointer");
  REQUIRE(sp);
  CHECK(sp->form == GlueValue::Form::Export);
  CHECK(sp->exportName == "__stack_pointer");
  CHECK_FALSE(sp->value);
  CHECK(f.base("___heap_base")->exportName == "__heap_base");
  CHECK(f.exportsRead == std::set<std::string>{"memory", "__stack_pointer", "__indirect_function_table", "main", "__heap_base",
                                               "__wasm_call_ctors", "stackSave", "optional", "optional2"});
}

TEST_CASE("glue: memory and table constructions") {
  const char *js = R"JS(
var TOTAL_STACK=5242880;var INITIAL_MEMORY=Module["INITIAL_MEMORY"]||16777216;
wasmMemory=new WebAssembly.Memory({"initial":INITIAL_MEMORY/65536,"maximum":2147483648/65536});
var m2 = new WebAssembly.Memory({shared:!0,initial:1,maximum:UNKNOWN/65536});
var m3 = new WebAssembly.Memory(opts);
var wasmTable=new WebAssembly.Table({"initial":7,"element":"anyfunc"});
var t2 = new WebAssembly.Table({ initial: LATER * 2, element: 'externref' });
var LATER = 3;
)JS";
  GlueFacts f = readGlue(js);
  CHECK(f.configValues.at("TOTAL_STACK") == 5242880);
  CHECK(f.configValues.at("INITIAL_MEMORY") == 16777216);
  REQUIRE(f.memories.size() == 3);
  CHECK(f.memories[0].complete);
  CHECK(f.memories[0].initial->expr == "INITIAL_MEMORY/65536");
  CHECK(f.memories[0].initial->value == uint64_t(256));
  CHECK(f.memories[0].maximum->value == uint64_t(32768));
  CHECK_FALSE(f.memories[0].shared);
  CHECK(f.memories[1].shared);
  CHECK(f.memories[1].initial->value == uint64_t(1));
  CHECK_FALSE(f.memories[1].maximum->value);
  CHECK_FALSE(f.memories[2].complete);
  REQUIRE(f.tables.size() == 2);
  CHECK(f.tables[0].initial->value == uint64_t(7));
  CHECK(f.tables[0].element == "anyfunc");
  CHECK_FALSE(f.tables[0].maximum);
  CHECK(f.tables[1].initial->value == uint64_t(6)); // a constant declared later
  CHECK(f.tables[1].element == "externref");
}

TEST_CASE("glue: generation markers and the loader's functions") {
  const char *js = R"JS(
var LDSO = {loadedLibsByName: {}};
function loadDylibs() { reportUndefinedSymbols(); }
var GOT = {}; var s = "LDSO GOT";
function __dlopen_js(handle) {} __dlopen_js.sig = "iiii";
var __emscripten_dlopen_js = (a, b) => 0, __dlsym_catchup_js = (a) => 0;
function _helper_js() {}
)JS";
  GlueFacts f = readGlue(js);
  CHECK(f.markers.at("LDSO") == 1); // not the string's
  CHECK(f.markers.at("GOT") == 1);
  CHECK(f.has("loadDylibs"));
  CHECK(f.has("reportUndefinedSymbols"));
  CHECK_FALSE(f.has("asmLibraryArg"));
  CHECK(f.dlFunctions == std::set<std::string>{"__dlopen_js", "__emscripten_dlopen_js", "__dlsym_catchup_js"});
}

TEST_CASE("glue: a large glue is read in linear time") {
  // N import keys, each with a JS function of its own (strings, a template, a regex and a
  // comment in it), then the import object: about 250 bytes per key.
  auto make = [](int n) {
    std::string js;
    js.reserve(size_t(n) * 260);
    for (int i = 0; i < n; ++i) {
      std::string k = std::to_string(i);
      js += "function _f" + k + "(a, b) { /* a comment that pads the glue to over 50 MB: " + k + " */ var s = \"wasmImports={x:" + k + "}\"; var t = `${a}/" + k +
            "`; return /[/]re" + k + "/g.test(s) ? a / b / 2 : 0x" + k + "; }\n_f" + k + ".sig = 'iii';\n";
    }
    js += "var wasmImports = {\n";
    for (int i = 0; i < n; ++i) js += "  /** @export */ key_" + std::to_string(i) + ": _f" + std::to_string(i) + ",\n";
    js += "};\n";
    return js;
  };
  // The thread's CPU time, not the wall clock: other processes on a loaded machine (the
  // tests run in parallel) do not count.
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
  };
  auto timed = [&](const std::string &js, int n) {
    double t0 = cpu();
    GlueFacts f = readGlue(js);
    double s = cpu() - t0;
    REQUIRE(f.importObject());
    CHECK(f.importObject()->keys.size() == size_t(n));
    CHECK(f.sigs.size() == size_t(n));
    return s;
  };
  const int n = 200000;
  std::string big = make(n), quarter = make(n / 4);
  CHECK(big.size() > 50u * 1000 * 1000);
  double tBig = timed(big, n), tQuarter = timed(quarter, n / 4);
  MESSAGE("glue of " << big.size() << " bytes: " << tBig << " s of CPU; a quarter of it: " << tQuarter << " s");
  // The absolute bound holds for the optimised build (RelWithDebInfo); the sanitizers'
  // build is several times slower, but as linear.
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !PRELINK_TEST_ASAN
  CHECK(tBig < 5.0);
#endif
  CHECK(tBig / std::max(tQuarter, 1e-3) < 8.0);
}

TEST_CASE("glue facts: struct dso's name offset, read where dlopenInternal reads it") {
  // emcc 3.1.6 (function form, readable) and 3.1.58 (arrow form, minified).
  CHECK(readGlue("function dlopenInternal(handle,jsflags){var filename=UTF8ToString(handle+44);var flags=HEAP32[handle+20>>2]}")
            .dsoNameOffset == std::optional<uint64_t>(44));
  CHECK(readGlue("var dlopenInternal=(handle,jsflags)=>{var filename=UTF8ToString(handle+36);}").dsoNameOffset ==
        std::optional<uint64_t>(36));
  // The first one after dlopenInternal counts, not one elsewhere or too far after it.
  CHECK(readGlue("var a=UTF8ToString(p+12);function dlopenInternal(h){return UTF8ToString(h + 28)}").dsoNameOffset ==
        std::optional<uint64_t>(28));
  std::string far = "function dlopenInternal(h){";
  for (int i = 0; i < 20; ++i) far += "x;";
  far += "UTF8ToString(h+36)}";
  CHECK(!readGlue(far).dsoNameOffset);
  CHECK(!readGlue("var s=UTF8ToString(h+36)").dsoNameOffset);
}
