// The manifest (docs/manifest.md) while a link builds it, and its text.
//
// Everything but the libraries' symbol lists is a JSON document the stages, the hosts and
// the binaryen step add to. The symbol lists are most of a large manifest (3,000 libraries
// of 40 exports: 120,000 objects of five fields), so they are rows written straight into
// the text instead of a DOM of one node per field: building, copying and freeing that DOM
// was a third of such a link.
#pragma once
#include <functional>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasmobj::linking {

// One entry of a library's "symbols" (docs/manifest.md, libraries[].symbols).
struct ManifestSymbol {
  enum Kind : uint8_t { Function, Data, GlobalIndex, GlobalValue, Other } kind = Other;
  bool global = false;        // the global scope's definition of the name
  const std::string *name = nullptr; // the export's name, owned by the input module
  const char *otherKind = nullptr;   // Other: its extern kind ("table", "memory", "tag")
  // Function: function_index (nullopt: null, optimisation removed it); Data: address;
  // GlobalIndex: global_index; GlobalValue: value.
  std::optional<int64_t> value;
  std::optional<uint32_t> tableSlot; // Function: table_slot (nullopt: null)
};

struct Manifest {
  nlohmann::ordered_json doc;
  // symbols[i] is doc["libraries"][i]'s "symbols", its last member.
  std::vector<std::vector<ManifestSymbol>> symbols;

  // The text --manifest writes: what nlohmann's dump(2) of the whole document with the
  // symbols in it prints (names that are not UTF-8 get U+FFFD; docs/cli.md), and a newline.
  std::string text() const;
  // The same text in two parts, for a last member known only later (runLink: "module",
  // the hash of the bytes written meanwhile): the pieces head hands to PUT, in order
  // (about 1 MB each, in a buffer reused), and then tail(KEY, VALUE) are text() once
  // doc[KEY] = VALUE is added, KEY not in doc before.
  void head(const std::function<void(std::string_view)> &put) const;
  std::string tail(const std::string &key, const nlohmann::ordered_json &value) const;
};

} // namespace wasmobj::linking
