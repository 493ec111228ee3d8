// Unit tests of the writer (modules built in memory, written, read back) and of the reader
// and the linker on tiny hand-made modules written to a temporary directory.
#include "test_util.h"
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "prelink/link.h"
#include "wasmobj/code.h"
#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

using namespace wasmobj;
using testutil::B;
using testutil::errorOf;
namespace fs = std::filesystem;

namespace {

ConstExpr expr(Module &m, Bytes b) { return ConstExpr{m.own(std::move(b)), 0}; }

Import imp(std::string mod, std::string field, ExternKind k) {
  Import i;
  i.module = std::move(mod);
  i.field = std::move(field);
  i.kind = k;
  return i;
}
Import globalImport(std::string mod, std::string field, ValType t, bool mut = false) {
  Import i = imp(std::move(mod), std::move(field), ExternKind::Global);
  i.global = GlobalType{t, mut};
  return i;
}

// A side module in the shape wasm-ld -shared gives it: memory, table and bases imported,
// functions exported, an active element and data segment relative to the bases.
// FUNCS: exported function names, each `() -> i32` returning its index. IMPORTS: extra
// function imports from "env" (type `() -> i32`).
Module sideModule(const std::vector<std::string> &funcs, const std::vector<std::string> &imports = {},
                  uint32_t memSize = 16, uint32_t tableSize = 1) {
  Module m;
  m.dylink = Dylink{};
  m.dylink->hasMemInfo = true;
  m.dylink->memorySize = memSize;
  m.dylink->memoryAlign = 2;
  m.dylink->tableSize = tableSize;
  m.types.push_back(FuncType{{}, {ValType::i32()}});
  Import mem = imp("env", "memory", ExternKind::Memory);
  mem.memory.min = 1;
  m.imports.push_back(mem);
  Import tab = imp("env", "__indirect_function_table", ExternKind::Table);
  tab.table.limits.min = tableSize;
  m.imports.push_back(tab);
  m.imports.push_back(globalImport("env", "__memory_base", ValType::i32()));
  m.imports.push_back(globalImport("env", "__table_base", ValType::i32()));
  for (auto &n : imports) m.imports.push_back(imp("env", n, ExternKind::Func)); // type 0
  m.countImports();
  const uint32_t nImported = m.numImportedFuncs;
  for (size_t k = 0; k < funcs.size(); ++k) {
    Function f;
    f.typeIndex = 0;
    f.body = m.own(B({0x00, 0x41, int(k), 0x0b}));
    m.functions.push_back(f);
    m.exports.push_back(Export{funcs[k], ExternKind::Func, nImported + uint32_t(k)});
  }
  if (!funcs.empty() && tableSize) {
    ElemSegment e;
    e.offset = expr(m, B({0x23, 0x01, 0x0b})); // global.get __table_base
    e.funcs = {nImported};
    m.elems.push_back(e);
  }
  if (memSize) {
    DataSegment d;
    d.offset = expr(m, B({0x23, 0x00, 0x0b})); // global.get __memory_base
    d.bytes = m.own(B({'h', 'i'}));
    m.datas.push_back(d);
  }
  return m;
}

// A PIE main module: defines memory and table; exports _start and FUNCS; NEEDED libraries
// are in the global scope (the others are dlopen-only).
Module mainModule(const std::vector<std::string> &funcs = {}, const std::vector<std::string> &needed = {}) {
  Module m;
  m.dylink = Dylink{};
  m.dylink->hasMemInfo = true;
  m.dylink->needed = needed;
  m.types.push_back(FuncType{{}, {}});
  m.types.push_back(FuncType{{}, {ValType::i32()}});
  Function start;
  start.body = m.own(B({0x00, 0x0b}));
  m.functions.push_back(start);
  m.exports.push_back(Export{"_start", ExternKind::Func, 0});
  for (size_t k = 0; k < funcs.size(); ++k) {
    Function f;
    f.typeIndex = 1;
    f.body = m.own(B({0x00, 0x41, 0x07, 0x0b}));
    m.functions.push_back(f);
    m.exports.push_back(Export{funcs[k], ExternKind::Func, uint32_t(1 + k)});
  }
  Table t;
  t.type.limits.min = 1;
  m.tables.push_back(t);
  Limits mem;
  mem.min = 1;
  m.memories.push_back(mem);
  return m;
}

// A fresh temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("prelink-unit-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string &name, const Module &m) const {
    std::string p = (path / name).string();
    writeFileAtomic(p, writeModule(m));
    return p;
  }
};

// Sections of a written module: (id, payload offset, payload size).
struct Sec {
  uint8_t id;
  size_t at, size;
};
std::vector<Sec> sectionsOf(const Bytes &b) {
  std::vector<Sec> out;
  Cursor c{ByteView(b)};
  c.skip(8);
  while (!c.atEnd()) {
    uint8_t id = c.u8();
    uint32_t size = c.u32();
    out.push_back(Sec{id, c.pos(), size});
    c.skip(size);
  }
  return out;
}

} // namespace

// ---- writer ------------------------------------------------------------------------

TEST_CASE("writer: a module built in memory reads back field for field") {
  Module m;
  m.types.push_back(FuncType{{ValType::i32(), ValType::i64()}, {ValType::i32()}});
  m.types.push_back(FuncType{{}, {}});
  m.imports.push_back(imp("env", "host", ExternKind::Func));
  Import mem = imp("env", "memory", ExternKind::Memory);
  mem.memory.flags = 1;
  mem.memory.min = 2;
  mem.memory.max = 10;
  m.imports.push_back(mem);
  m.imports.push_back(globalImport("env", "__memory_base", ValType::i32()));
  m.imports.push_back(globalImport("GOT.mem", "counter", ValType::i32(), true));
  m.countImports();
  Function f0;
  f0.typeIndex = 0;
  f0.body = m.own(B({0x01, 0x01, 0x7f, 0x20, 0x00, 0x20, 0x02, 0x6a, 0x0b})); // 1 local i32; local.get 0 local.get 2 i32.add
  Function f1;
  f1.typeIndex = 1;
  f1.body = m.own(B({0x00, 0x10, 0x00, 0x1a, 0x0b})); // call 0 (drop) -- types do not matter to the reader
  m.functions = {f0, f1};
  Table t;
  t.type.limits.flags = 1;
  t.type.limits.min = 3;
  t.type.limits.max = 3;
  m.tables.push_back(t);
  Global g;
  g.type = GlobalType{ValType::i32(), true};
  g.init = expr(m, B({0x41, 0xc0, 0x00, 0x0b})); // i32.const 64
  m.globals.push_back(g);
  Global g2;
  g2.type = GlobalType{ValType::i64(), false};
  g2.init = expr(m, B({0x42, 0x7f, 0x0b})); // i64.const -1
  m.globals.push_back(g2);
  m.exports.push_back(Export{"add", ExternKind::Func, 1});
  m.exports.push_back(Export{"sp", ExternKind::Global, 2});
  m.exports.push_back(Export{"tab", ExternKind::Table, 0});
  ElemSegment e;
  e.offset = expr(m, B({0x41, 0x01, 0x0b}));
  e.funcs = {1, 2};
  m.elems.push_back(e);
  DataSegment d;
  d.offset = expr(m, B({0x23, 0x00, 0x0b})); // global.get __memory_base
  d.bytes = m.own(B({'a', 'b', 'c'}));
  m.datas.push_back(d);
  DataSegment passive;
  passive.flags = 1;
  passive.bytes = m.own(B({0x01, 0x02}));
  m.datas.push_back(passive);
  m.dataCount = 2;
  Bytes customPayload = B({0x01, 0x02, 0x03});
  m.customs.push_back(CustomSection{"my.custom", m.own(customPayload), 0});
  m.dylink = Dylink{};
  m.dylink->hasMemInfo = true;
  m.dylink->memorySize = 3;
  m.dylink->needed = {"libdep.so"};
  m.dylink->runtimePath = {"$ORIGIN"};

  Bytes bytes = writeModule(m);
  Module r = readModule(ByteView(bytes), "mem.wasm");

  REQUIRE(r.types.size() == 2);
  CHECK(r.types[0] == m.types[0]);
  CHECK(r.types[0].str() == "(i32, i64) -> (i32)");
  CHECK(r.types[1] == m.types[1]);
  REQUIRE(r.imports.size() == 4);
  CHECK(r.imports[0].field == "host");
  CHECK(r.imports[0].kind == ExternKind::Func);
  CHECK(r.imports[1].kind == ExternKind::Memory);
  CHECK(r.imports[1].memory == mem.memory);
  CHECK(r.imports[3].module == "GOT.mem");
  CHECK(r.imports[3].global.mut);
  CHECK(r.numImportedFuncs == 1);
  CHECK(r.numImportedGlobals == 2);
  REQUIRE(r.functions.size() == 2);
  for (size_t k = 0; k < 2; ++k) {
    CHECK(r.functions[k].typeIndex == m.functions[k].typeIndex);
    CHECK(Bytes(r.functions[k].body.begin(), r.functions[k].body.end()) ==
          Bytes(m.functions[k].body.begin(), m.functions[k].body.end()));
    // The body offset points at the body in the written file.
    CHECK(std::equal(r.functions[k].body.begin(), r.functions[k].body.end(), bytes.begin() + long(r.functions[k].bodyOffset)));
  }
  REQUIRE(r.tables.size() == 1);
  CHECK(r.tables[0].type == t.type);
  CHECK(r.memories.empty());
  REQUIRE(r.globals.size() == 2);
  CHECK(r.globals[0].type == g.type);
  CHECK(Bytes(r.globals[0].init.bytes.begin(), r.globals[0].init.bytes.end()) == B({0x41, 0xc0, 0x00, 0x0b}));
  CHECK(Bytes(r.globals[1].init.bytes.begin(), r.globals[1].init.bytes.end()) == B({0x42, 0x7f, 0x0b}));
  REQUIRE(r.exports.size() == 3);
  CHECK(r.exports[1].name == "sp");
  CHECK(r.exports[1].kind == ExternKind::Global);
  CHECK(r.exports[1].index == 2);
  CHECK(r.findExport("tab") != nullptr);
  REQUIRE(r.elems.size() == 1);
  CHECK(r.elems[0].funcs == std::vector<uint32_t>{1, 2});
  CHECK(r.elems[0].active());
  REQUIRE(r.datas.size() == 2);
  CHECK(Bytes(r.datas[0].bytes.begin(), r.datas[0].bytes.end()) == B({'a', 'b', 'c'}));
  CHECK(Bytes(r.datas[0].offset.bytes.begin(), r.datas[0].offset.bytes.end()) == B({0x23, 0x00, 0x0b}));
  CHECK_FALSE(r.datas[1].active());
  CHECK(r.dataCount == std::optional<uint32_t>(2));
  REQUIRE(r.customs.size() == 1);
  CHECK(r.customs[0].name == "my.custom");
  CHECK(Bytes(r.customs[0].payload.begin(), r.customs[0].payload.end()) == customPayload);
  REQUIRE(r.dylink);
  CHECK(r.dylink->memorySize == 3);
  CHECK(r.dylink->needed == std::vector<std::string>{"libdep.so"});
  CHECK(r.dylink->runtimePath == std::vector<std::string>{"$ORIGIN"});
  CHECK(r.funcTypeIndex(0) == 0);
  CHECK(r.funcTypeIndex(2) == 1);
  CHECK(r.globalType(3).type == ValType::i64());

  // Reading back and writing again gives the same bytes.
  CHECK(writeModule(r) == bytes);
}

TEST_CASE("writer: the streamed module and deferred bodies are the buffered bytes") {
  // 3000 bodies of 1 KiB (more than one buffer of the stream), half deferred; a data
  // segment and a custom section large enough to be handed on without a copy.
  Module m = sideModule({"f"});
  m.functions.clear();
  struct Source : BodySource {
    void write(std::span<const uint32_t> funcs, std::span<uint8_t *const> out) const override {
      for (size_t i = 0; i < funcs.size(); ++i) {
        uint8_t *p = out[i];
        *p++ = 0; // no locals
        for (int k = 0; k < 1021; ++k) *p++ = 0x01; // nop
        *p++ = 0x0b;
        (void)p;
      }
    }
  };
  Bytes plain{0x00};
  for (int k = 0; k < 1021; ++k) plain.push_back(0x01);
  plain.push_back(0x0b);
  ByteView pv = m.own(plain);
  for (uint32_t k = 0; k < 3000; ++k) {
    Function f;
    f.typeIndex = 0;
    if (k % 2) f.deferred = true, f.deferredSize = plain.size();
    else f.body = pv;
    m.functions.push_back(f);
  }
  m.bodies = std::make_shared<Source>();
  Bytes big(3 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i % 251 + 1);
  DataSegment d;
  d.flags = 1;
  d.bytes = m.own(big);
  m.datas.push_back(d);
  m.customs.push_back(CustomSection{"big", m.own(Bytes(1 << 20, 7)), 0});
  const Bytes whole = writeModule(m);
  Bytes streamed;
  size_t pieces = 0;
  size_t n = writeModule(m, [&](ByteView piece) {
    ++pieces;
    streamed.insert(streamed.end(), piece.begin(), piece.end());
  });
  CHECK(n == whole.size());
  CHECK(streamed == whole);
  CHECK(pieces > 3);
  // The same once the bodies are made into the arena.
  Module copy = m;
  copy.materializeBodies();
  CHECK(!copy.bodies);
  CHECK(writeModule(copy) == whole);
  // A failure of PUT comes out of writeModule.
  size_t calls = 0;
  Error e = errorOf([&] {
    writeModule(m, [&](ByteView) {
      if (++calls == 2) throw Error("disk full");
    });
  });
  CHECK(e.message() == "disk full");
  // Several consumers, each at its own pace: one that lags behind the other by a few
  // pieces still sees every byte in order, and so does the other.
  Bytes fast, slow;
  const std::function<void(ByteView)> both[] = {
      [&](ByteView piece) { fast.insert(fast.end(), piece.begin(), piece.end()); },
      [&](ByteView piece) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        slow.insert(slow.end(), piece.begin(), piece.end());
      }};
  CHECK(writeModule(m, both) == whole.size());
  CHECK(fast == whole);
  CHECK(slow == whole);
  // A failure of either comes out of writeModule.
  for (int failing = 0; failing < 2; ++failing) {
    size_t seen[2] = {0, 0};
    const std::function<void(ByteView)> two[] = {
        [&](ByteView) {
          if (++seen[0] == 3 && failing == 0) throw Error("hash failed");
        },
        [&](ByteView) {
          if (++seen[1] == 3 && failing == 1) throw Error("disk full");
        }};
    Error f = errorOf([&] { writeModule(m, two); });
    CHECK(f.message() == (failing == 0 ? "hash failed" : "disk full"));
  }
}

TEST_CASE("writer: header, canonical section order, dylink.0 first, customs last") {
  Module m = sideModule({"f", "g"});
  m.customs.push_back(CustomSection{"producers", m.own(B({0x00})), 0});
  m.start = 1; // g (no imported functions)
  Bytes b = writeModule(m);
  REQUIRE(b.size() > 8);
  CHECK(Bytes(b.begin(), b.begin() + 8) == B({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}));
  std::vector<Sec> secs = sectionsOf(b);
  std::vector<uint8_t> ids;
  for (auto &s : secs) ids.push_back(s.id);
  CHECK(ids == std::vector<uint8_t>{0, 1, 2, 3, 7, 8, 9, 10, 11, 0});
  // dylink.0 first: its name, then MEM_INFO (subsection 1, 4 bytes: 16, 2, 1, 0).
  Cursor c(ByteView(b).subspan(secs[0].at, secs[0].size));
  CHECK(c.name() == "dylink.0");
  CHECK(c.u8() == 1);
  CHECK(c.u32() == 4);
  CHECK(c.u32() == 16);
  CHECK(c.u32() == 2);
  CHECK(c.u32() == 1);
  CHECK(c.u32() == 0);
  CHECK(c.atEnd());
  Cursor last(ByteView(b).subspan(secs.back().at, secs.back().size));
  CHECK(last.name() == "producers");
  // The start section holds exactly the function index.
  CHECK(secs[5].size == 1);
  CHECK(b[secs[5].at] == 1);
  // The code section: 2 bodies of 4 bytes each, size-prefixed.
  CHECK(Bytes(b.begin() + long(secs[7].at), b.begin() + long(secs[7].at + secs[7].size)) ==
        B({0x02, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x01, 0x0b}));
}

TEST_CASE("writer: padded section sizes and custom section positions survive a round trip") {
  Module m = sideModule({"f"});
  Bytes b = writeModule(m);
  // Pad the type section's size to 5 bytes by hand, and insert a custom section after it.
  std::vector<Sec> secs = sectionsOf(b);
  REQUIRE(secs[1].id == 1);
  const size_t idAt = secs[1].at - 2; // id, 1-byte size
  Bytes padded(b.begin(), b.begin() + long(idAt) + 1);
  uint8_t t[5];
  putUlebPadded(t, secs[1].size, 5);
  padded.insert(padded.end(), t, t + 5);
  padded.insert(padded.end(), b.begin() + long(secs[1].at), b.begin() + long(secs[1].at + secs[1].size));
  Bytes custom = B({0x00, 0x04, 0x03, 'a', 'b', 'c'});
  padded.insert(padded.end(), custom.begin(), custom.end());
  padded.insert(padded.end(), b.begin() + long(secs[1].at + secs[1].size), b.end());
  Module r = readModule(ByteView(padded), "padded.wasm");
  CHECK(writeModule(r) == padded);
  // A module built in memory puts new custom sections last.
  r.layout.clear();
  Bytes canon = writeModule(r);
  CHECK(sectionsOf(canon).back().id == 0);
  CHECK(canon.size() == padded.size() - 4);
}

TEST_CASE("writer: writeFileAtomic replaces the file and leaves no temporary behind") {
  TempDir d;
  std::string p = (d.path / "out.wasm").string();
  writeFileAtomic(p, B({1, 2, 3}));
  writeFileAtomic(p, B({4, 5}));
  auto buf = loadFile(p);
  CHECK(*buf == B({4, 5}));
  size_t n = 0;
  for ([[maybe_unused]] auto &e : fs::directory_iterator(d.path)) ++n;
  CHECK(n == 1);
  // As rename(2) would: the name is replaced, not the file it named. Another name of the
  // old file keeps the old bytes; a symbolic link becomes the new file, its target stays.
  fs::create_hard_link(p, d.path / "old.wasm");
  fs::create_symlink("old.wasm", d.path / "link.wasm");
  writeFileAtomic(p, B({6}));
  writeFileAtomic((d.path / "link.wasm").string(), B({8}));
  CHECK(*loadFile(p) == B({6}));
  CHECK(*loadFile((d.path / "old.wasm").string()) == B({4, 5}));
  CHECK_FALSE(fs::is_symlink(d.path / "link.wasm"));
  CHECK(*loadFile((d.path / "link.wasm").string()) == B({8}));
  n = 0;
  for ([[maybe_unused]] auto &e : fs::directory_iterator(d.path)) ++n;
  CHECK(n == 3);
  Error e = errorOf([&] { writeFileAtomic((d.path / "no-such-dir" / "x.wasm").string(), B({1})); });
  CHECK(e.message() == "cannot create output file: No such file or directory");
}

TEST_CASE("files: writeOutputs checks every output before writing any") {
  TempDir d;
  auto at = [&](const char *n) { return (d.path / n).string(); };
  writeFileAtomic(at("m.json"), B({7}));
  fs::create_directory(d.path / "dir");
  Bytes mod = B({1, 2}), man = B({3});
  // The manifest would be renamed first; the module's destination is a directory.
  Error e = errorOf([&] { writeOutputs({{at("m.json"), man, "--manifest"}, {at("dir"), mod, "-o"}}); });
  CHECK(e.message() == "-o names a directory, not a file");
  CHECK(e.file() == at("dir"));
  CHECK(*loadFile(at("m.json")) == B({7}));
  // The same file by two names.
  e = errorOf([&] { writeOutputs({{at("x.wasm"), man, "--manifest"}, {(d.path / "dir" / ".." / "x.wasm").string(), mod, "-o"}}); });
  CHECK(e.message() == "--manifest and -o name the same file");
  CHECK_FALSE(fs::exists(d.path / "x.wasm"));
  // An input, by device and inode: a hard link to it is the same file.
  FileId id;
  loadFile(at("m.json"), &id);
  fs::create_hard_link(d.path / "m.json", d.path / "alias.json");
  e = errorOf([&] { writeOutputs({{at("alias.json"), mod, "-o"}}, {{id, "in.json"}}); });
  CHECK(e.message() == "-o would overwrite an input (in.json)");
  CHECK(*loadFile(at("m.json")) == B({7}));
  size_t n = 0;
  for ([[maybe_unused]] auto &f : fs::directory_iterator(d.path)) ++n;
  CHECK(n == 3); // m.json, alias.json, dir: no temporary
  // Both written when both can be.
  writeOutputs({{at("m.json"), man, "--manifest"}, {at("out.wasm"), mod, "-o"}});
  CHECK(*loadFile(at("m.json")) == man);
  CHECK(*loadFile(at("out.wasm")) == mod);
}

TEST_CASE("files: an output that is a FIFO is written in place") {
  TempDir d;
  std::string p = (d.path / "out.fifo").string();
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  Bytes got;
  std::thread reader([&] {
    std::ifstream in(p, std::ios::binary);
    got.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  writeFileAtomic(p, B({1, 2, 3}));
  reader.join();
  CHECK(got == B({1, 2, 3}));
  struct stat st;
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("files: loadFile refuses what is not a regular file, and non-modules after 8 bytes") {
  TempDir d;
  std::string fifo = (d.path / "in.fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Error e = errorOf([&] { loadFile(fifo); }); // would block in open() without O_NONBLOCK
  CHECK(e.format() == fifo + ": is a FIFO, not a regular file");
  e = errorOf([&] { loadFile("/dev/zero"); });
  CHECK(e.message() == "is a character device, not a regular file");
  std::string text = (d.path / "text.wasm").string();
  writeFileAtomic(text, B({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}));
  CHECK(loadFile(text)->size() == 11);
  e = errorOf([&] { loadFile(text, nullptr, true); });
  CHECK(e.format() == text + ": not a wasm module (bad magic number) (at byte offset 0)");
  e = errorOf([&] { loadFile(text, nullptr, false, 10); });
  CHECK(e.message() == "file of 11 bytes is over what --max-input-bytes still allows (10 bytes)");
  FileId a, b;
  loadFile(text, &a);
  fs::create_symlink(text, d.path / "link.wasm");
  loadFile((d.path / "link.wasm").string(), &b);
  CHECK(a == b);
}

TEST_CASE("files: mapInputFile maps a module; release keeps it readable; a file truncated meanwhile is one error line") {
  TempDir d;
  std::string big = (d.path / "big.wasm").string();
  Bytes b(200000);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 7 + i / 251);
  const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  std::copy(header, header + 8, b.begin());
  writeFileAtomic(big, b);
  FileId id, id2;
  auto in = mapInputFile(big, &id);
  loadFile(big, &id2);
  CHECK(id == id2);
  CHECK(Bytes(in->begin(), in->end()) == b);
  in->release(ByteView(*in).subspan(5000, 100000));
  CHECK(Bytes(in->begin(), in->end()) == b);
  in->release();
  CHECK(Bytes(in->begin(), in->end()) == b);
  // The errors are loadFile's, for small and large files.
  std::string text = (d.path / "text.wasm").string(), junk = (d.path / "junk.wasm").string();
  writeFileAtomic(text, B({'h', 'e', 'l', 'l', 'o'}));
  writeFileAtomic(junk, Bytes(100000, 'x'));
  CHECK(errorOf([&] { mapInputFile(text); }).format() == errorOf([&] { loadFile(text, nullptr, true); }).format());
  CHECK(errorOf([&] { mapInputFile(junk); }).format() == junk + ": not a wasm module (bad magic number) (at byte offset 0)");
  CHECK(errorOf([&] { mapInputFile(big, nullptr, 1000); }).message() ==
        "file of 200000 bytes is over what --max-input-bytes still allows (1000 bytes)");
  // Truncated while an output is being written from it: in a child, which must print one
  // error line, remove the temporary and exit 1.
  std::string out = (d.path / "out.wasm").string();
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      ::dup2(pipefd[1], 2);
      auto m = mapInputFile(big);
      m->release();
      std::vector<OutputFile> outputs{OutputFile{out, {}, "-o"}};
      StagedOutputs staged(outputs);
      staged.stream(0, [&](const std::function<void(ByteView)> &put) {
        put(ByteView(*m).subspan(0, 100));
        if (::truncate(big.c_str(), 0) != 0) ::_exit(3);
        Bytes piece(ByteView(*m).subspan(150000, 100).begin(), ByteView(*m).subspan(150000, 100).end()); // faults
        put(piece);
      });
    } catch (...) {
    }
    ::_exit(2);
  }
  ::close(pipefd[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;) err.append(buf, size_t(n));
  ::close(pipefd[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(err == "prelink: error: " + big + ": the file was truncated while prelink read it\n");
  size_t left = 0;
  for (auto &e : fs::directory_iterator(d.path)) left += e.path().filename().string().find("out.wasm") != std::string::npos;
  CHECK(left == 0);
}

// ---- reader ------------------------------------------------------------------------

TEST_CASE("reader: errors name the file and the offset") {
  Module m = sideModule({"f"});
  Bytes b = writeModule(m);
  Bytes bad = b;
  bad[4] = 2;
  Error e = errorOf([&] { readModule(ByteView(bad), "x.wasm"); });
  CHECK(e.format() == "x.wasm: unsupported wasm version 2 (at byte offset 4)");
  // Two function entries but one body in the code section.
  Module two = sideModule({"f", "g"});
  Bytes tb = writeModule(two);
  std::vector<Sec> ts = sectionsOf(tb);
  for (auto &s : ts)
    if (s.id == 10) {
      // Keep one body: count 1, then the first body (5 bytes incl. its size), and fix the section size.
      Bytes code = B({0x01});
      code.insert(code.end(), tb.begin() + long(s.at) + 1, tb.begin() + long(s.at) + 6);
      Bytes out(tb.begin(), tb.begin() + long(s.at) - 1);
      out.push_back(uint8_t(code.size()));
      out.insert(out.end(), code.begin(), code.end());
      out.insert(out.end(), tb.begin() + long(s.at + s.size), tb.end());
      e = errorOf([&] { readModule(ByteView(out), "two.wasm"); });
      CHECK(e.message() == "the code section has 1 body for 2 functions");
      CHECK(e.offset() == s.at);
    }
}

TEST_CASE("reader: a malformed LEB inside a section LLVM parses is an error, not an abort") {
  // type section; import section whose only import's type index is cut off.
  Bytes b = B({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
               0x02, 0x08, 0x01, 0x01, 'e', 0x01, 'f', 0x00, 0x80, 0x80});
  Error e = errorOf([&] { readModule(ByteView(b), "t.wasm"); });
  CHECK(e.format() == "t.wasm: malformed import section: truncated LEB128 value (at byte offset 14)");
}

TEST_CASE("reader: LLVM parses dylink.0 as it is and never the custom sections it would reject, wherever they stand") {
  // Every dylink.0 subsection prelink reads, and one it does not know: LLVM parses this
  // section in place, so it must accept whatever prelink's parser accepted.
  Module m = sideModule({"f"});
  m.dylink->needed = {"liba.so"};
  m.dylink->exportInfo = {{"f", kSymBindingWeak}};
  m.dylink->importInfo = {{"env", "g", kSymBindingWeak}};
  m.dylink->runtimePath = {"$ORIGIN"};
  m.dylink->unknown.push_back(DylinkUnknown{9, B({1, 2, 3}), 0});
  const Bytes b = writeModule(m);
  Module d = readModule(ByteView(b), "d.wasm");
  REQUIRE(d.dylink);
  CHECK(d.dylink->runtimePath == std::vector<std::string>{"$ORIGIN"});
  CHECK(d.dylink->unknown.size() == 1);
  CHECK(writeModule(d) == b);
  // Custom sections LLVM would parse, each one it rejects: a name section naming function
  // 7 (the module has 1), a linking section of version 99, a reloc. section, producers and
  // target_features cut short. After the type section (before the last standard section:
  // LLVM gets a copy with their names masked) and at the end (LLVM's view stops before).
  const std::vector<std::pair<std::string, Bytes>> bad = {
      {"name", B({0x01, 0x04, 0x01, 0x07, 0x01, 'x'})}, {"linking", B({0x63})}, {"reloc.CODE", B({0xff})},
      {"producers", B({0x05})}, {"target_features", B({0x05})}};
  Bytes customs;
  for (auto &[name, payload] : bad) {
    Bytes sec = B({uint8_t(name.size())});
    sec.insert(sec.end(), name.begin(), name.end());
    sec.insert(sec.end(), payload.begin(), payload.end());
    customs.push_back(0x00);
    customs.push_back(uint8_t(sec.size()));
    customs.insert(customs.end(), sec.begin(), sec.end());
  }
  std::vector<Sec> secs = sectionsOf(b);
  REQUIRE(secs[1].id == 1);
  for (size_t at : {secs[1].at + secs[1].size, b.size()}) {
    CAPTURE(at);
    Bytes with(b.begin(), b.begin() + long(at));
    with.insert(with.end(), customs.begin(), customs.end());
    with.insert(with.end(), b.begin() + long(at), b.end());
    Module r = readModule(ByteView(with), "c.wasm");
    REQUIRE(r.customs.size() == bad.size());
    for (size_t k = 0; k < bad.size(); ++k) {
      CHECK(r.customs[k].name == bad[k].first);
      CHECK(Bytes(r.customs[k].payload.begin(), r.customs[k].payload.end()) == bad[k].second);
    }
    CHECK(r.functions.size() == 1);
    CHECK(writeModule(r) == with);
  }
}

TEST_CASE("reader: names must be UTF-8") {
  Module m;
  m.types.push_back(FuncType{{}, {}});
  m.imports.push_back(imp("env", std::string("\xc3\x28", 2), ExternKind::Func));
  m.countImports();
  Bytes b = writeModule(m);
  Error e = errorOf([&] { readModule(ByteView(b), "u.wasm"); });
  CHECK(e.message() == "import field name is not valid UTF-8");
  // 8 header + type section (2 + 4) + import section id, size, count, "env" (4 bytes), name length.
  CHECK(e.offset() == 8 + 6 + 2 + 1 + 4 + 1);
  Module x;
  x.types.push_back(FuncType{{}, {}});
  Function f;
  f.body = x.own(B({0x00, 0x0b}));
  x.functions.push_back(f);
  x.exports.push_back(Export{std::string("\xff", 1), ExternKind::Func, 0});
  e = errorOf([&] { readModule(ByteView(writeModule(x)), "x.wasm"); });
  CHECK(e.message() == "export name is not valid UTF-8");
}

TEST_CASE("reader: loadFile explains why a file cannot be read") {
  TempDir d;
  Error e = errorOf([&] { loadFile((d.path / "missing.wasm").string()); });
  CHECK(e.format() == (d.path / "missing.wasm").string() + ": cannot open file: No such file or directory");
  e = errorOf([&] { loadFile(d.path.string()); });
  CHECK(e.message() == "is a directory, not a wasm module");
  CHECK_FALSE(e.hasOffset());
}

// ---- link --------------------------------------------------------------------------

TEST_CASE("link: a main and a side module link") {
  TempDir d;
  LinkConfig cfg;
  cfg.inputs = {d.write("main.wasm", mainModule({}, {"side.wasm"})), d.write("side.wasm", sideModule({"get"}))};
  LinkResult r = link(cfg);
  CHECK(r.warnings.empty());
  CHECK(r.module.findExport("get") != nullptr);
  CHECK(r.module.imports.empty());
  // The output is a valid module that reads back.
  Bytes out = writeModule(r.module);
  Module back = readModule(ByteView(out), "out.wasm");
  CHECK(back.functions.size() == r.module.functions.size());
}

TEST_CASE("link: an undefined symbol error names the symbol") {
  TempDir d;
  LinkConfig cfg;
  std::string side = d.write("side.wasm", sideModule({"get"}, {"missing_fn"}));
  cfg.inputs = {d.write("main.wasm", mainModule()), side};
  Error e = errorOf([&] { link(cfg); });
  CHECK(e.format() == side + ": undefined symbol: missing_fn (function)");
  // Several at once: the first in full, then the others by name.
  cfg.inputs[1] = d.write("side2.wasm", sideModule({"get"}, {"a_fn", "b_fn", "c_fn"}));
  e = errorOf([&] { link(cfg); });
  CHECK(e.message() == cfg.inputs[1] + ": undefined symbol: a_fn (function) (and 2 more undefined symbols: b_fn, c_fn)");
  // --allow-undefined leaves it to the host.
  cfg.allowUndefined = true;
  LinkResult r = link(cfg);
  CHECK(r.module.numImportedFuncs == 3);
}

TEST_CASE("link: a symbol defined by another input resolves") {
  TempDir d;
  LinkConfig cfg;
  cfg.inputs = {d.write("main.wasm", mainModule({"helper"})), d.write("side.wasm", sideModule({"get"}, {"helper"}))};
  LinkResult r = link(cfg);
  CHECK(r.module.numImportedFuncs == 0);
}

TEST_CASE("link: --no-duplicates makes a duplicate strong symbol an error") {
  TempDir d;
  LinkConfig cfg;
  std::string side = d.write("side.wasm", sideModule({"dup"}));
  cfg.inputs = {d.write("main.wasm", mainModule({"dup"}, {"side.wasm"})), side};
  // Without the flag: a warning, and the first definition wins.
  LinkResult r = link(cfg);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == side + ": duplicate symbol: dup (defined in main.wasm and side.wasm); the definition in main.wasm is used");
  cfg.noDuplicates = true;
  Error e = errorOf([&] { link(cfg); });
  CHECK(e.format() == side + ": duplicate symbol: dup (defined in main.wasm and side.wasm)");
}

TEST_CASE("runLink: warnings and --stats go to the diagnostics sink and not to stderr (and link() returns the manifest runLink writes)") {
  TempDir d;
  LinkConfig cfg;
  std::string side = d.write("side.wasm", sideModule({"dup"}));
  cfg.inputs = {d.write("main.wasm", mainModule({"dup"}, {"side.wasm"})), side};
  cfg.output = (d.path / "out.wasm").string();
  cfg.manifest = (d.path / "out.json").string();
  cfg.stats = true;
  std::vector<std::pair<std::string, std::string>> seen;
  cfg.diagnostics = [&](std::string_view severity, std::string_view message) { seen.emplace_back(severity, message); };
  // stderr goes to a file while runLink runs: nothing may reach it.
  std::string errFile = (d.path / "stderr.txt").string();
  std::fflush(stderr);
  int saved = ::dup(2);
  FILE *capture = std::fopen(errFile.c_str(), "w");
  REQUIRE(capture);
  ::dup2(::fileno(capture), 2);
  int rc = runLink(cfg);
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(capture);
  CHECK(rc == 0);
  CHECK(fs::file_size(errFile) == 0);
  REQUIRE(seen.size() >= 3);
  CHECK(seen[0].first == "warning");
  CHECK(seen[0].second == side + ": duplicate symbol: dup (defined in main.wasm and side.wasm); the definition in main.wasm is used");
  for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].first == "stats");
  CHECK(seen.back().second.rfind("total ", 0) == 0);
  // link() hands back the very manifest text and module runLink wrote.
  std::ifstream in(cfg.manifest, std::ios::binary);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LinkResult r = link(cfg);
  CHECK(written == r.manifest);
  CHECK(nlohmann::ordered_json::parse(r.manifest).contains("libraries"));
  std::ifstream win(cfg.output, std::ios::binary);
  Bytes wasm((std::istreambuf_iterator<char>(win)), std::istreambuf_iterator<char>());
  CHECK(wasm == writeModule(r.module));
}

TEST_CASE("link: input errors") {
  TempDir d;
  LinkConfig cfg;
  Module noDylink = sideModule({"get"});
  noDylink.dylink.reset();
  std::string plain = d.write("plain.wasm", noDylink);
  cfg.inputs = {d.write("main.wasm", mainModule()), plain};
  CHECK(errorOf([&] { link(cfg); }).format() == plain + ": not a dynamic library: no dylink.0 section");
  Module needs = sideModule({"get"});
  needs.dylink->needed = {"libnothere.so"};
  std::string n = d.write("needs.wasm", needs);
  cfg.inputs = {cfg.inputs[0], n};
  CHECK(errorOf([&] { link(cfg); }).format() ==
        n + ": cannot find library \"libnothere.so\" (NEEDED by needs.wasm): give it as an input or add its directory with -L");
  // A data segment past MEM_INFO's memory size.
  std::string small = d.write("small.wasm", sideModule({"get"}, {}, 1));
  cfg.inputs = {cfg.inputs[0], small};
  Error e = errorOf([&] { link(cfg); });
  CHECK(e.message() == "data segment [0, +2) lies outside the library's memory size 1 (dylink.0 MEM_INFO)");
  CHECK(e.file() == small);
  CHECK(e.hasOffset());
}

TEST_CASE("link: thread-local storage without its per-thread initialiser is refused clearly") {
  // wasm-ld exports __wasm_init_tls and __tls_size only when asked: without them no host
  // could set up the library's block in a new thread.
  TempDir d;
  LinkConfig cfg;
  Module tls = sideModule({"get"});
  tls.dylink->exportInfo.push_back(DylinkExportInfo{"get", kSymTLS});
  std::string side = d.write("tls.wasm", tls);
  cfg.inputs = {d.write("main.wasm", mainModule({}, {"tls.wasm"})), side};
  CHECK(errorOf([&] { link(cfg); }).format() ==
        side + ": the library has thread-local storage but does not export __wasm_init_tls and __tls_size (link it with "
               "--export=__wasm_init_tls --export=__tls_size --export=__tls_align)");
}

TEST_CASE("link: bundle mode keeps what it does not define as imports") {
  TempDir d;
  LinkConfig cfg;
  cfg.shared = true;
  Module a = sideModule({"get"}, {"from_host"});
  a.dylink->needed = {"libelsewhere.so"};
  cfg.inputs = {d.write("a.so", a)};
  LinkResult r = link(cfg);
  REQUIRE(r.module.dylink);
  CHECK(r.module.dylink->needed == std::vector<std::string>{"libelsewhere.so"});
  bool hostImport = false, memoryBase = false;
  for (auto &i : r.module.imports) {
    hostImport = hostImport || (i.module == "env" && i.field == "from_host" && i.kind == ExternKind::Func);
    memoryBase = memoryBase || (i.module == "env" && i.field == "__memory_base" && i.kind == ExternKind::Global);
  }
  CHECK(hostImport);
  CHECK(memoryBase);
  CHECK(r.module.findExport("get") != nullptr);
  CHECK(r.module.findExport("__wasm_call_ctors") != nullptr);
  CHECK(r.module.findExport("__wasm_apply_data_relocs") != nullptr);
  CHECK(nlohmann::ordered_json::parse(r.manifest)["mode"] == "shared");
}

TEST_CASE("link: evaluation gives up on a relocation function whose stack holds 1024 values") {
  // Relocation code keeps two or three values on the stack; PAIRS (address, value) pairs
  // pushed before as many stores is not that code. Below the bound, the evaluation runs
  // to the stores (address 0 is no library's data); at it, it stops there.
  auto whyFor = [](int pairs) {
    TempDir d;
    Module side = sideModule({"get"});
    side.types.push_back(FuncType{{}, {}});
    Bytes body{0x00}; // no locals
    for (int k = 0; k < pairs; ++k) body.insert(body.end(), {0x41, 0x00, 0x41, 0x07}); // i32.const 0, i32.const 7
    for (int k = 0; k < pairs; ++k) body.insert(body.end(), {0x36, 0x02, 0x00});       // i32.store
    body.push_back(0x0b);
    Function f;
    f.typeIndex = 1;
    f.body = side.own(std::move(body));
    side.functions.push_back(f);
    side.exports.push_back(Export{"__wasm_apply_data_relocs", ExternKind::Func, side.numImportedFuncs + 1});
    LinkConfig cfg;
    cfg.inputs = {d.write("main.wasm", mainModule({}, {"side.so"})), d.write("side.so", side)};
    LinkResult r = link(cfg);
    auto m = nlohmann::ordered_json::parse(r.manifest);
    for (auto &l : m["libraries"])
      if (l["name"] == "side.so") return l["data_relocations"]["why"].get<std::string>();
    return std::string("no side.so in the manifest");
  };
  CHECK(whyFor(500) == "it stores to address 0, outside every library's data");
  CHECK(whyFor(520) == "its stack holds 1024 values");
}

TEST_CASE("link: relocation code evaluates the same whichever way its instructions are encoded") {
  // Evaluation decodes the common instructions of relocation code on a path of its own
  // (short LEBs, memory 0, 16 bytes from the end) and everything else through InstrReader.
  // The same stores, encoded with short LEBs (the fast path but for the end), padded LEBs
  // (the general path) and alternately, must give the same data and evaluate at link time.
  struct Link {
    std::string when, why;
    std::vector<std::pair<uint64_t, Bytes>> data; // the output's active segments
    uint64_t memBase = 0, bodyOffset = 0;
  };
  // A main and side.so in D, whose __wasm_apply_data_relocs is BODY; the link's inputs.
  auto inputs = [](const TempDir &d, Bytes body) {
    Module side = sideModule({"get"}, {}, 256);
    side.types.push_back(FuncType{{}, {}});
    Function f;
    f.typeIndex = 1;
    f.body = side.own(std::move(body));
    side.functions.push_back(f);
    side.exports.push_back(Export{"__wasm_apply_data_relocs", ExternKind::Func, side.numImportedFuncs + 1});
    return std::vector<std::string>{d.write("main.wasm", mainModule({}, {"side.so"})), d.write("side.so", side)};
  };
  auto run = [&](const std::function<void(Bytes &, int)> &encode, int stores, Bytes tail = {0x0b}) {
    TempDir d;
    Bytes body{0x00}; // no locals
    for (int k = 0; k < stores; ++k) encode(body, k);
    body.insert(body.end(), tail.begin(), tail.end());
    LinkConfig cfg;
    cfg.inputs = inputs(d, std::move(body));
    const std::string sidePath = cfg.inputs[1];
    LinkResult r = link(cfg);
    Link out;
    const auto manifest = nlohmann::ordered_json::parse(r.manifest);
    for (auto &l : manifest["libraries"])
      if (l["name"] == "side.so") {
        out.when = l["data_relocations"]["when"].get<std::string>();
        out.why = l["data_relocations"].value("why", "");
        out.memBase = l["memory_base"].get<uint64_t>();
      }
    for (auto &seg : r.module.datas) {
      InstrReader ir(seg.offset.bytes);
      Instr in;
      REQUIRE(ir.next(in));
      out.data.emplace_back(uint64_t(uint32_t(in.value)), Bytes(seg.bytes.begin(), seg.bytes.end()));
    }
    Module back = readModuleFile(sidePath);
    out.bodyOffset = back.functions.back().bodyOffset;
    return out;
  };
  // Store K: memory_base + 8K (i32.add), the value 0x01020304 * (K + 1) (i32.store), or
  // every third one an i64 (i64.store offset=4).
  auto store = [](Bytes &b, int k, bool padded) {
    auto uleb = [&](uint64_t v, size_t width) {
      uint8_t t[10];
      b.insert(b.end(), t, padded ? putUlebPadded(t, v, width) : putUleb(t, v));
    };
    auto sleb = [&](int64_t v, size_t width) {
      if (!padded) {
        uint8_t t[10];
        b.insert(b.end(), t, putSleb(t, v));
        return;
      }
      for (size_t i = 0; i + 1 < width; ++i, v >>= 7) b.push_back(uint8_t((v & 0x7f) | 0x80));
      b.push_back(uint8_t(v & 0x7f));
    };
    const bool wide = k % 3 == 2;
    b.push_back(0x23), uleb(0, 5); // global.get __memory_base
    b.push_back(0x41), sleb(8 * k, 5); // i32.const 8K
    b.push_back(0x6a);                 // i32.add
    if (wide) b.push_back(0x42), sleb(int64_t(0x0102030405060708) * (k + 1), 10);
    else b.push_back(0x41), sleb(int32_t(0x01020304u * uint32_t(k + 1)), 5);
    b.push_back(wide ? 0x37 : 0x36), uleb(wide ? 3 : 2, 5), uleb(wide ? 4 : 0, 10); // store, align, offset
  };
  const int n = 20;
  Link shortForm = run([&](Bytes &b, int k) { store(b, k, false); }, n);
  Link padded = run([&](Bytes &b, int k) { store(b, k, true); }, n);
  Link mixed = run([&](Bytes &b, int k) { store(b, k, k % 2 == 1); }, n);
  CHECK(shortForm.when == "link-time");
  CHECK(padded.when == "link-time");
  CHECK(mixed.when == "link-time");
  CHECK(shortForm.data == padded.data);
  CHECK(shortForm.data == mixed.data);
  // The stores are there: the value of store 1 at memory_base + 8.
  bool found = false;
  for (auto &[at, bytes] : shortForm.data)
    if (at <= shortForm.memBase + 8 && shortForm.memBase + 12 <= at + bytes.size()) {
      uint32_t v;
      std::memcpy(&v, bytes.data() + (shortForm.memBase + 8 - at), 4);
      CHECK(v == 0x01020304u * 2);
      found = true;
    }
  CHECK(found);
  // What stops it is named with its file offset, on either path: a block after the stores,
  // then enough bytes that the fast path would have taken it.
  const Bytes blockTail{0x02, 0x40, 0x0b, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x0b};
  for (bool pad : {false, true}) {
    Bytes probe{0x00};
    for (int k = 0; k < n; ++k) store(probe, k, pad);
    Link stopped = run([&](Bytes &b, int k) { store(b, k, pad); }, n, blockTail);
    CHECK(stopped.why == "it contains opcode 0x02 at byte offset " + std::to_string(stopped.bodyOffset + probe.size()));
  }
  // A body with bytes after its final end is an error at the first of them.
  TempDir d;
  Bytes body{0x00};
  for (int k = 0; k < n; ++k) store(body, k, false);
  const size_t endAt = body.size();
  body.insert(body.end(), {0x0b, 0x01});
  LinkConfig cfg;
  cfg.inputs = inputs(d, std::move(body));
  Error e = errorOf([&] { link(cfg); });
  CHECK(e.message() == "bytes after the final end of the expression");
  CHECK(e.offset() == readModuleFile(cfg.inputs[1]).functions.back().bodyOffset + endAt + 1);
}
