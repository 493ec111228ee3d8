#include "symtab.h"

#include <algorithm>
#include <bit>

#include "parallel.h"

namespace wasmobj::linking {

std::vector<SymbolTable::Repeat> SymbolTable::build(const std::vector<std::vector<Candidate>> &names) {
  // Hashes on every core; then each part takes the names of its hashes, in load order.
  std::vector<std::vector<uint64_t>> hashes(names.size());
  size_t total = 0;
  for (auto &v : names) total += v.size();
  parallelFor(uint32_t(names.size()), [&](uint32_t li) {
    auto &h = hashes[li];
    h.reserve(names[li].size());
    for (auto &c : names[li]) h.push_back(hashOf(c.name));
  }, 64);
  const unsigned bits = total < 4096 ? 0 : unsigned(std::bit_width(parallelism() - 1)); // 2^bits parts
  partShift_ = 64 - bits;
  parts_.assign(size_t(1) << bits, Part{});
  std::vector<std::vector<Repeat>> repeats(parts_.size());
  parallelFor(uint32_t(parts_.size()), [&](uint32_t p) {
    size_t n = 0;
    for (auto &hv : hashes)
      for (uint64_t h : hv) n += partOf(h) == p;
    Part &part = parts_[p];
    part.slots.assign(std::bit_ceil(std::max<size_t>(16, 2 * n)), Slot{});
    part.entries.reserve(n);
    const size_t mask = part.slots.size() - 1;
    for (size_t li = 0; li < names.size(); ++li)
      for (size_t k = 0; k < names[li].size(); ++k) {
        const uint64_t h = hashes[li][k];
        if (partOf(h) != p) continue;
        const Candidate &c = names[li][k];
        for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
          Slot &s = part.slots[i];
          if (s.entry == UINT32_MAX) {
            s = Slot{uint32_t(h), uint32_t(part.entries.size())};
            part.entries.push_back(c);
            break;
          }
          if (s.tag == uint32_t(h) && part.entries[s.entry].name == c.name) {
            repeats[p].push_back(Repeat{c.sym, part.entries[s.entry].sym});
            break;
          }
        }
      }
  }, 1);
  std::vector<Repeat> all;
  for (auto &r : repeats) all.insert(all.end(), r.begin(), r.end());
  std::sort(all.begin(), all.end(), [](const Repeat &a, const Repeat &b) {
    return a.sym.lib != b.sym.lib ? a.sym.lib < b.sym.lib : a.sym.exportIdx < b.sym.exportIdx;
  });
  return all;
}

const SymRef *SymbolTable::find(std::string_view name) const {
  if (parts_.empty()) return nullptr;
  const uint64_t h = hashOf(name);
  const Part &part = parts_[partOf(h)];
  const size_t mask = part.slots.size() - 1;
  for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
    const Slot &s = part.slots[i];
    if (s.entry == UINT32_MAX) return nullptr;
    if (s.tag == uint32_t(h) && part.entries[s.entry].name == name) return &part.entries[s.entry].sym;
  }
}

} // namespace wasmobj::linking
