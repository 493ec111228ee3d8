// Fuzz target: a whole link of two fuzzed side modules against a fixed main module.
//
// Input: byte 0 holds flags (bit 0 --allow-undefined, bit 1 --no-duplicates, bit 2
// --no-libdl, bit 3 link only liba.so, bit 4 --flavor emscripten), bytes 1-4 the size of
// the first side module (LE), then the first side module, then the second. The modules
// are written to a private temporary directory as liba.so and libb.so (so NEEDED "libb.so"
// finds the second), the main is the malformed-input suite's main (tests/bad/make_bad.mjs):
// it defines the memory and the table and exports _start. With bit 4 the main is instead
// shaped like an emcc MAIN_MODULE (imports the memory, the table, the stack pointer and
// both bases; one function in the table), linked with emcc's defaults (no glue).
// Invariants: link() returns or throws Error; a linked module writes, reads back and
// writes to the same bytes; the manifest serialises.
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "fuzz_common.h"

#include "prelink/link.h"
#include "wasmobj/reader.h"
#include "wasmobj/writer.h"

using namespace wasmobj;
namespace fs = std::filesystem;

namespace {

const uint8_t kMain[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x08, 0x64, 0x79, 0x6c, 0x69, 0x6e,
    0x6b, 0x2e, 0x30, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
    0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a,
    0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};

void writeFile(const fs::path &p, const uint8_t *d, size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(d), std::streamsize(n));
  FUZZ_CHECK(bool(out));
}

// An emcc-like main module, written by the one writer.
Bytes emscriptenMain() {
  Module m;
  Dylink d;
  d.memorySize = 16;
  d.memoryAlign = 4;
  d.tableSize = 1;
  d.hasMemInfo = true;
  m.dylink = d;
  m.types.push_back(FuncType{});
  auto global = [](const char *name, bool mut) {
    Import i;
    i.module = "env";
    i.field = name;
    i.kind = ExternKind::Global;
    i.global = GlobalType{ValType::i32(), mut};
    return i;
  };
  Import mem;
  mem.module = "env";
  mem.field = "memory";
  mem.kind = ExternKind::Memory;
  mem.memory.flags = 1;
  mem.memory.min = mem.memory.max = 256;
  Import table;
  table.module = "env";
  table.field = "__indirect_function_table";
  table.kind = ExternKind::Table;
  table.table.limits.min = 1;
  m.imports = {mem, table, global("__stack_pointer", true), global("__memory_base", false), global("__table_base", false)};
  m.countImports();
  Function f;
  f.typeIndex = 0;
  static const uint8_t body[] = {0x00, 0x0b};
  f.body = ByteView(body, sizeof body);
  m.functions.push_back(f);
  ElemSegment seg;
  static const uint8_t tableBase[] = {0x23, 0x02, 0x0b}; // global.get __table_base
  seg.offset.bytes = ByteView(tableBase, sizeof tableBase);
  seg.funcs.push_back(0);
  m.elems.push_back(seg);
  m.exports = {Export{"main", ExternKind::Func, 0}, Export{"stackSave", ExternKind::Func, 0}};
  return writeModule(m);
}

// A private directory for this process, removed at exit.
struct TempDir {
  fs::path path;
  TempDir() {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path = base / ("prelink-fuzz-link-" + std::to_string(::getpid()));
    fs::create_directories(path);
    writeFile(path / "main.wasm", kMain, sizeof kMain);
    Bytes em = emscriptenMain();
    writeFile(path / "emmain.wasm", em.data(), em.size());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static TempDir dir;
  if (size < 5) return 0;
  const uint8_t flags = data[0];
  uint32_t lenA = uint32_t(data[1]) | uint32_t(data[2]) << 8 | uint32_t(data[3]) << 16 | uint32_t(data[4]) << 24;
  const uint8_t *rest = data + 5;
  size_t restSize = size - 5;
  if (lenA > restSize) lenA = uint32_t(restSize);
  writeFile(dir.path / "liba.so", rest, lenA);
  writeFile(dir.path / "libb.so", rest + lenA, restSize - lenA);

  LinkConfig cfg;
  const bool em = flags & 16;
  cfg.inputs = {(dir.path / (em ? "emmain.wasm" : "main.wasm")).string(), (dir.path / "liba.so").string()};
  if (em) cfg.flavor = LinkConfig::Flavor::Emscripten;
  if (!(flags & 8)) cfg.inputs.push_back((dir.path / "libb.so").string());
  cfg.output = (dir.path / "out.wasm").string();
  cfg.allowUndefined = flags & 1;
  cfg.noDuplicates = flags & 2;
  cfg.noLibdl = flags & 4;
  LinkResult r;
  try {
    r = link(cfg);
  } catch (const Error &e) {
    FUZZ_CHECK(!e.format().empty());
    return 0;
  }
  // link() serialises the manifest (invalid UTF-8 replaced, never an exception).
  FUZZ_CHECK(!r.manifest.empty() && r.manifest.back() == '\n');
  Bytes once = writeModule(r.module);
  try {
    Module back = readModule(ByteView(once), "linked.wasm");
    FUZZ_CHECK(writeModule(back) == once);
  } catch (const Error &e) {
    std::fprintf(stderr, "the linked module does not read back: %s\n", e.format().c_str());
    FUZZ_CHECK(!"linked module readable");
  }
  return 0;
}
