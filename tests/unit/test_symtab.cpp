// The global scope's symbol table (prelink/link/symtab.h): the first definition in load
// order wins, the others come back in load order, on one part or several.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "symtab.h"

using namespace wasmobj::linking;

namespace {

// LIBS libraries of PER names each; library L defines "s<L*PER+k>" and, every third
// library, also the names of the library before it (repeats).
struct Fixture {
  std::vector<std::vector<std::string>> names;
  std::vector<std::vector<SymbolTable::Candidate>> candidates;
  Fixture(int libs, int per) {
    names.resize(size_t(libs));
    for (int l = 0; l < libs; ++l) {
      for (int k = 0; k < per; ++k) names[size_t(l)].push_back("s" + std::to_string(l * per + k));
      if (l % 3 == 2)
        for (int k = 0; k < per; ++k) names[size_t(l)].push_back("s" + std::to_string((l - 1) * per + k));
    }
    candidates.resize(size_t(libs));
    for (int l = 0; l < libs; ++l)
      for (uint32_t e = 0; e < names[size_t(l)].size(); ++e) candidates[size_t(l)].push_back({names[size_t(l)][e], SymRef{l, e}});
  }
};

void check(int libs, int per) {
  Fixture f(libs, per);
  SymbolTable t;
  std::vector<SymbolTable::Repeat> repeats = t.build(f.candidates);
  size_t want = 0;
  for (int l = 0; l < libs; ++l) {
    for (int k = 0; k < per; ++k) {
      const SymRef *s = t.find("s" + std::to_string(l * per + k));
      REQUIRE(s);
      CHECK(s->lib == l);
      CHECK(s->exportIdx == uint32_t(k));
    }
    if (l % 3 == 2) want += size_t(per);
  }
  CHECK(!t.find("s-1"));
  CHECK(!t.find(""));
  REQUIRE(repeats.size() == want);
  for (size_t i = 0; i < repeats.size(); ++i) {
    const auto &r = repeats[i];
    CHECK(r.sym.lib % 3 == 2);
    CHECK(r.first.lib == r.sym.lib - 1);
    CHECK(r.first.exportIdx == r.sym.exportIdx - uint32_t(per));
    if (i) // load order
      CHECK((repeats[i - 1].sym.lib < r.sym.lib ||
             (repeats[i - 1].sym.lib == r.sym.lib && repeats[i - 1].sym.exportIdx < r.sym.exportIdx)));
  }
}

} // namespace

TEST_CASE("symbol table: first definition wins, repeats in load order (one part)") { check(12, 5); }

TEST_CASE("symbol table: the same with 120,000 names in parts built on several cores") { check(3000, 40); }

TEST_CASE("symbol table: empty") {
  SymbolTable t;
  CHECK(!t.find("x"));
  CHECK(t.build({}).empty());
  CHECK(!t.find("x"));
  CHECK(t.build({{}, {}}).empty());
  CHECK(!t.find("x"));
}
