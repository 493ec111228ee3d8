// Custom sections that tools read and the linker rebuilds: the "name" section (the core
// spec's appendix), "producers" and "target_features" (tool conventions). Parsers check
// everything and throw Error with the file offset; custom sections are advisory (the spec:
// a malformed one must not make the module invalid), so callers decide what an error
// costs — the linker drops that input's section with a warning.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasmobj/leb.h"

namespace wasmobj {

// Index -> name, sorted by index without duplicates (as the spec requires of a name map).
// The names are views: of the payload parsed (parseNameSection), or of strings the maker
// keeps, for as long as the map is used (a large link has a name per function: 120,000
// at 3,000 libraries, which are not copied).
using NameMap = std::vector<std::pair<uint32_t, std::string_view>>;

struct NameSection {
  std::optional<std::string> module; // subsection 0
  NameMap functions;                 // subsection 1
  NameMap globals;                   // subsection 7
  NameMap dataSegments;              // subsection 9
  // Local names (2) and the other subsections (labels, types, tables, memories, elem
  // segments, fields, tags) are checked for framing and skipped.
};

// Parses the payload of a "name" section (the bytes after its name); OFFSET is the file
// offset of PAYLOAD's first byte. Throws Error: subsections out of order or twice, a size
// that does not match, a name map out of order, a name that is not UTF-8. The maps' names
// are views of PAYLOAD.
NameSection parseNameSection(ByteView payload, uint64_t offset = 0);

// The payload of a "name" section holding S (empty subsections are left out; every map
// must be sorted by index without duplicates).
Bytes encodeNameSection(const NameSection &s);

// "producers": field name -> (tool or language name, version), in order of first appearance.
struct Producers {
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> fields;
  bool empty() const { return fields.empty(); }
};
Producers parseProducers(ByteView payload, uint64_t offset = 0);
Bytes encodeProducers(const Producers &p);
// One "producers" for all of ALL: each field once, in order of first appearance, with every
// distinct (name, version) of it in that order — wasm-ld's merge. Linear (hash maps).
Producers mergeProducers(const std::vector<Producers> &all);

// "target_features": (prefix '+', '-' or '=', feature name).
using TargetFeatures = std::vector<std::pair<uint8_t, std::string>>;
TargetFeatures parseTargetFeatures(ByteView payload, uint64_t offset = 0);
Bytes encodeTargetFeatures(const TargetFeatures &f);

} // namespace wasmobj
