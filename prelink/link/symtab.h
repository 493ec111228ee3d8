// The global scope's symbol table (docs/design.md, "Speed and memory"): a name -> the
// (library, export) that defines it in the global scope, built once by buildSymbolTable
// and only read afterwards.
//
// A 3,000-library link has 120,000 global names; a node-based hash map of them took a
// tenth of the link in cache misses and allocations. This one is open addressing over
// views of the export names, in parts by hash, each part built on a core of its own.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace wasmobj::linking {

struct SymRef {
  int lib;
  uint32_t exportIdx;
};

class SymbolTable {
public:
  // One candidate definition, in load order.
  struct Candidate {
    std::string_view name;
    SymRef sym;
  };
  // A candidate whose name an earlier one already defines.
  struct Repeat {
    SymRef sym;   // the later definition, not in the table
    SymRef first; // the definition that is
  };

  // The table of NAMES (each library's candidates, libraries in load order): the first
  // candidate of each name is its definition (as a loader does it). Returns the others,
  // in load order.
  std::vector<Repeat> build(const std::vector<std::vector<Candidate>> &names);
  // NAME's definition, or nullptr. The pointer stays valid as long as the table does.
  const SymRef *find(std::string_view name) const;

private:
  struct Slot {
    uint32_t tag = 0;            // the hash's low 32 bits
    uint32_t entry = UINT32_MAX; // index into Part::entries; UINT32_MAX: empty
  };
  struct Part {
    std::vector<Slot> slots; // a power of two, at most half full
    std::vector<Candidate> entries;
  };
  static uint64_t hashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }
  uint32_t partOf(uint64_t h) const { return partShift_ >= 64 ? 0 : uint32_t(h >> partShift_); }
  unsigned partShift_ = 64; // part = hash >> partShift_ (0 parts: an empty table)
  std::vector<Part> parts_;
};

} // namespace wasmobj::linking
