// The manifest's text (prelink/link/manifest.cpp) writes the symbol lists as rows: it
// must print exactly what nlohmann's dump(2) prints for the same document as a DOM.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifest.h"

using wasmobj::linking::Manifest;
using wasmobj::linking::ManifestSymbol;
using json = nlohmann::ordered_json;

namespace {

// The DOM the rows stand for (docs/manifest.md, libraries[].symbols).
json asJson(const ManifestSymbol &s) {
  json j;
  j["name"] = *s.name;
  auto opt = [](const auto &v) { return v ? json(*v) : json(nullptr); };
  switch (s.kind) {
  case ManifestSymbol::Function:
    j["kind"] = "function";
    j["function_index"] = opt(s.value);
    j["table_slot"] = opt(s.tableSlot);
    break;
  case ManifestSymbol::Data:
    j["kind"] = "data";
    j["address"] = opt(s.value);
    break;
  case ManifestSymbol::GlobalIndex:
    j["kind"] = "global";
    j["global_index"] = opt(s.value);
    break;
  case ManifestSymbol::GlobalValue:
    j["kind"] = "global";
    j["value"] = opt(s.value);
    break;
  case ManifestSymbol::Other:
    j["kind"] = s.otherKind;
    break;
  }
  j["global"] = s.global;
  return j;
}

std::string domText(const Manifest &m) {
  json d = m.doc;
  for (size_t i = 0; i < m.symbols.size(); ++i) {
    json syms = json::array();
    for (auto &s : m.symbols[i]) syms.push_back(asJson(s));
    d["libraries"][i]["symbols"] = syms;
  }
  return d.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace

TEST_CASE("manifest text: the symbol rows print as nlohmann's dump(2) of the same document") {
  // Names that take each path of the string writer: plain, quotes and backslashes,
  // control characters, DEL, UTF-8, and bytes that are not UTF-8 (U+FFFD).
  const std::vector<std::string> names = {"main", "a\"b\\c", std::string("tab\there\x01\x1f"), "del\x7f",
                                          "caf\xc3\xa9", std::string("bad\xff\xfe utf8\xc3"), ""};
  Manifest m;
  m.doc["prelink_version"] = "0.1.0";
  m.doc["options"] = {{"exports", json::array()}, {"nested", {{"x", 1}, {"y", json::array({1, 2})}}}};
  m.doc["libraries"] = json::array();
  for (int li = 0; li < 3; ++li) {
    json l;
    l["name"] = "lib" + std::to_string(li) + (li == 2 ? "\xe2\x82\xac" : "");
    l["needed"] = li ? json::array({"main"}) : json::array();
    l["init_order"] = li == 1 ? json(nullptr) : json(li);
    l["data_relocations"] = {{"when", "none"}};
    m.doc["libraries"].push_back(l);
    std::vector<ManifestSymbol> syms;
    if (li != 1) // library 1: no symbols, "[]"
      for (size_t k = 0; k < names.size(); ++k) {
        ManifestSymbol s;
        s.name = &names[k];
        s.kind = ManifestSymbol::Kind(k % 5);
        s.global = k % 2;
        if (s.kind == ManifestSymbol::Other) s.otherKind = "memory";
        if (k != 5) s.value = k == 3 ? -123456789012LL : int64_t(k * 1000);
        if (k == 0) s.tableSlot = 7;
        syms.push_back(s);
      }
    m.symbols.push_back(std::move(syms));
  }
  m.doc["host_imports"] = json::array({{{"module", "env"}, {"name", "f"}}});
  const json module = {{"sha256", "00"}, {"size", 12}};
  // In two parts (runLink writes the head while the module streams): the same text.
  std::string twoParts;
  m.head([&](std::string_view piece) { twoParts += piece; });
  twoParts += m.tail("module", module);
  m.doc["module"] = module;
  CHECK(m.text() == domText(m));
  CHECK(twoParts == m.text());
  // A document without libraries prints as nlohmann prints it.
  Manifest plain;
  plain.doc["a"] = json::object();
  plain.doc["b"] = json::array();
  CHECK(plain.text() == plain.doc.dump(2) + "\n");
  Manifest empty;
  empty.doc = json::object();
  CHECK(empty.text() == "{}\n");
  std::string emptyParts;
  empty.head([&](std::string_view piece) { emptyParts += piece; });
  CHECK(emptyParts + empty.tail("module", module) == json({{"module", module}}).dump(2) + "\n");
  // A library without members (and without a symbol list) prints as {}.
  Manifest bare;
  bare.doc["libraries"] = json::array({json::object(), {{"name", "x"}}});
  CHECK(bare.text() == bare.doc.dump(2) + "\n");
}

TEST_CASE("manifest text: a large manifest comes in pieces that join to the same text") {
  // 600 libraries of 40 symbols: about 4 MB, several pieces of the head.
  std::vector<std::string> names;
  for (int k = 0; k < 40; ++k) names.push_back("a_rather_long_exported_symbol_name_" + std::to_string(k));
  Manifest m;
  m.doc["prelink_version"] = "0.1.0";
  m.doc["libraries"] = json::array();
  for (int li = 0; li < 600; ++li) {
    m.doc["libraries"].push_back({{"name", "lib" + std::to_string(li) + ".so"}, {"memory_base", li * 4096}});
    std::vector<ManifestSymbol> syms;
    for (size_t k = 0; k < names.size(); ++k) {
      ManifestSymbol s;
      s.name = &names[k];
      s.kind = k % 2 ? ManifestSymbol::Data : ManifestSymbol::Function;
      s.value = int64_t(li * 1000 + k);
      syms.push_back(s);
    }
    m.symbols.push_back(std::move(syms));
  }
  m.doc["host_imports"] = json::array();
  std::string joined;
  size_t pieces = 0, largest = 0;
  m.head([&](std::string_view piece) {
    joined += piece;
    ++pieces;
    largest = std::max(largest, piece.size());
  });
  const json module = {{"sha256", "ab"}, {"size", 3}};
  joined += m.tail("module", module);
  m.doc["module"] = module;
  CHECK(pieces > 2);
  CHECK(largest < (size_t(5) << 18)); // 1.25 MB: a piece is about 1 MB
  CHECK(joined == m.text());
  CHECK(joined == domText(m));
}
