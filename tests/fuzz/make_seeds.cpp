// Writes the seed corpora of the fuzz targets from built modules:
//   make_seeds OUTDIR MODULE...
// OUTDIR/reader: every module; OUTDIR/dylink: every dylink.0 payload; OUTDIR/code: every
// function body (up to 64 per module, with a selector byte and a map seed) and every
// constant expression; OUTDIR/link: pairs of side modules of the same directory (also
// against fuzz_link's emcc-like main).
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "wasmobj/dylink.h"
#include "wasmobj/reader.h"

using namespace wasmobj;
namespace fs = std::filesystem;

static int counter = 0;
static void put(const fs::path &dir, const Bytes &b) {
  fs::create_directories(dir);
  std::ofstream out(dir / ("seed-" + std::to_string(counter++)), std::ios::binary);
  out.write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_seeds OUTDIR MODULE...\n");
    return 1;
  }
  fs::path out(argv[1]);
  std::map<std::string, std::vector<std::shared_ptr<Bytes>>> sidesByDir;
  for (int i = 2; i < argc; ++i) {
    try {
      auto buf = loadFile(argv[i]);
      Module m = readModule(ByteView(*buf), argv[i], buf);
      put(out / "reader", *buf);
      if (m.dylink) {
        Bytes d{0x00};
        Bytes enc = encodeDylink(*m.dylink);
        d.insert(d.end(), enc.begin(), enc.end());
        put(out / "dylink", d);
      }
      uint8_t sel = 0;
      size_t k = 0;
      for (auto &f : m.functions) {
        if (k++ == 64) break;
        Bytes b{uint8_t(sel++ & 0xfe), 1, 2, 3, 4, 5, 6, 7, uint8_t(k)};
        b.insert(b.end(), f.body.begin(), f.body.end());
        put(out / "code", b);
      }
      for (auto &g : m.globals) {
        Bytes b{uint8_t(1 | (sel++ << 1)), 8, 7, 6, 5, 4, 3, 2, 1};
        b.insert(b.end(), g.init.bytes.begin(), g.init.bytes.end());
        put(out / "code", b);
      }
      if (fs::path(argv[i]).extension() == ".so") sidesByDir[fs::path(argv[i]).parent_path().string()].push_back(buf);
    } catch (const Error &e) {
      std::fprintf(stderr, "make_seeds: skipping %s\n", e.format().c_str());
    }
  }
  for (auto &[dir, sides] : sidesByDir) {
    for (size_t a = 0; a < sides.size(); ++a) {
      const Bytes &A = *sides[a];
      const Bytes &B = *sides[(a + 1) % sides.size()];
      uint32_t n = uint32_t(A.size());
      Bytes b{uint8_t(sides.size() == 1 ? 9 : 1), uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24)};
      b.insert(b.end(), A.begin(), A.end());
      if (sides.size() > 1) b.insert(b.end(), B.begin(), B.end());
      put(out / "link", b);
      // The same against the emcc-like main (fuzz_link.cpp, bit 4), undefined symbols allowed.
      b[0] |= 16 | 1;
      put(out / "link", b);
    }
  }
  return 0;
}
