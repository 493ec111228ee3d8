// Unit tests of the name, producers and target_features codecs (wasmobj/names.h). Byte
// sequences are hand-assembled from the spec's appendix (name section) and the tool
// conventions (producers, target_features).
#include "test_util.h"
#include <doctest/doctest.h>

#include <string>

#include "wasmobj/names.h"

using namespace wasmobj;
using testutil::B;
using testutil::errorOf;

TEST_CASE("name section: module, function, local, global and data names are read") {
  // 0: module "m"; 1: {0 "f", 3 "gh"}; 2: locals {0: {0 "x"}} (skipped); 7: {1 "sp"};
  // 9: {0 "d"}; 12: an unknown later subsection (skipped by its size).
  Bytes b = B({0, 2, 1, 'm',
               1, 8, 2, 0, 1, 'f', 3, 2, 'g', 'h',
               2, 6, 1, 0, 1, 0, 1, 'x',
               7, 5, 1, 1, 2, 's', 'p',
               9, 4, 1, 0, 1, 'd',
               12, 2, 0xaa, 0xbb});
  NameSection s = parseNameSection(b, 100);
  REQUIRE(s.module);
  CHECK(*s.module == "m");
  CHECK(s.functions == NameMap{{0, "f"}, {3, "gh"}});
  CHECK(s.globals == NameMap{{1, "sp"}});
  CHECK(s.dataSegments == NameMap{{0, "d"}});
}

TEST_CASE("name section: encode then parse gives the same names; empty maps are left out") {
  NameSection s;
  s.functions = {{0, "main"}, {7, "prelink.start"}, {300, "undefined:foo"}};
  s.dataSegments = {{2, "data:libx.so"}};
  Bytes b = encodeNameSection(s);
  NameSection t = parseNameSection(b);
  CHECK(!t.module);
  CHECK(t.functions == s.functions);
  CHECK(t.globals.empty());
  CHECK(t.dataSegments == s.dataSegments);
  // Subsection ids in the bytes: 1 then 9, nothing for the empty global map.
  CHECK(b[0] == 1);
  CHECK(encodeNameSection(NameSection{}).empty());
}

TEST_CASE("name section: malformed ones are refused with the offset of the problem") {
  // Indices out of order (spec: a name map is sorted by index).
  Error e = errorOf([] { parseNameSection(B({1, 7, 2, 5, 1, 'a', 5, 1, 'b'}), 10); });
  CHECK(e.message().find("increasing index order") != std::string::npos);
  CHECK(e.offset() == 10 + 6);
  // A subsection twice, and out of order.
  e = errorOf([] { parseNameSection(B({1, 1, 0, 1, 1, 0})); });
  CHECK(e.message().find("appears twice") != std::string::npos);
  CHECK(e.offset() == 3);
  e = errorOf([] { parseNameSection(B({7, 1, 0, 1, 1, 0})); });
  CHECK(e.message().find("out of order") != std::string::npos);
  // A size running past the end, bytes left inside a subsection, a count that cannot fit.
  CHECK(errorOf([] { parseNameSection(B({1, 9, 0})); }).message().find("runs past the end") != std::string::npos);
  CHECK(errorOf([] { parseNameSection(B({1, 2, 0, 0})); }).message().find("bytes after its contents") != std::string::npos);
  CHECK(errorOf([] { parseNameSection(B({1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f})); }).message().find("cannot fit") != std::string::npos);
  // A name that is not UTF-8.
  CHECK(errorOf([] { parseNameSection(B({1, 4, 1, 0, 1, 0xff})); }).message().find("UTF-8") != std::string::npos);
  // Truncated LEB128.
  errorOf([] { parseNameSection(B({1, 1, 0x80})); });
}

TEST_CASE("producers: parse, encode and merge as wasm-ld merges") {
  Producers a;
  a.fields = {{"language", {{"C11", ""}}}, {"processed-by", {{"clang", "19.1.7"}}}};
  Producers b;
  b.fields = {{"processed-by", {{"clang", "19.1.7"}, {"wasm-ld", "19.1.7"}}}, {"sdk", {{"emscripten", "3.1.56"}}}};
  Bytes enc = encodeProducers(a);
  Producers back = parseProducers(enc, 0);
  CHECK(back.fields == a.fields);
  Producers m = mergeProducers({a, b});
  REQUIRE(m.fields.size() == 3);
  CHECK(m.fields[0].first == "language");
  CHECK(m.fields[1].second == std::vector<std::pair<std::string, std::string>>{{"clang", "19.1.7"}, {"wasm-ld", "19.1.7"}});
  CHECK(m.fields[2].first == "sdk");
  // A field twice, and bytes after the contents.
  Bytes twice = B({2, 1, 'a', 0, 1, 'a', 0});
  CHECK(errorOf([&] { parseProducers(twice, 0); }).message().find("appears twice") != std::string::npos);
  Bytes extra = encodeProducers(a);
  extra.push_back(0);
  CHECK(errorOf([&] { parseProducers(extra, 0); }).message().find("after the end") != std::string::npos);
}

TEST_CASE("target_features: round trip, refusal of an unknown prefix") {
  TargetFeatures f{{'+', "mutable-globals"}, {'-', "atomics"}, {'=', "sign-ext"}};
  CHECK(parseTargetFeatures(encodeTargetFeatures(f), 0) == f);
  Error e = errorOf([] { parseTargetFeatures(B({1, '*', 1, 'x'}), 40); });
  CHECK(e.message().find("prefix") != std::string::npos);
  CHECK(e.offset() == 41);
}
