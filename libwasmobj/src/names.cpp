#include "wasmobj/names.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "wasmobj/error.h"

namespace wasmobj {

namespace {

// A name map: count, then (index, name) with strictly increasing indices.
NameMap readNameMap(Cursor &c, const char *what) {
  NameMap m;
  const uint64_t at = c.offset();
  uint32_t n = c.u32();
  // Each entry takes at least two bytes: a count beyond that is a lie, refused before
  // reserving anything.
  if (n > c.remaining() / 2) c.failAt(std::string(what) + " names: " + std::to_string(n) + " entries cannot fit in the subsection", at);
  m.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t entry = c.offset();
    uint32_t idx = c.u32();
    if (!m.empty() && idx <= m.back().first)
      c.failAt(std::string(what) + " names are not in increasing index order (" + std::to_string(idx) + " after " +
                   std::to_string(m.back().first) + ")",
               entry);
    m.emplace_back(idx, c.name());
  }
  return m;
}

// An indirect name map (local names and the like): framing checked, contents skipped.
void skipIndirectNameMap(Cursor &c) {
  uint32_t n = c.u32();
  for (uint32_t i = 0; i < n; ++i) {
    (void)c.u32();
    uint32_t k = c.u32();
    for (uint32_t j = 0; j < k; ++j) {
      (void)c.u32();
      (void)c.name();
    }
  }
}

void writeNameMap(ByteSink &out, uint8_t id, const NameMap &m) {
  if (m.empty()) return;
  ByteSink sub;
  sub.uleb(m.size());
  for (auto &[idx, name] : m) {
    sub.uleb(idx);
    sub.name(name);
  }
  out.u8(id);
  out.uleb(sub.out.size());
  out.bytes(sub.out);
}

// Framing shared by producers and target_features: the payload must be used up exactly.
void checkEnd(const Cursor &c, const char *section) {
  if (!c.atEnd()) c.fail(std::to_string(c.remaining()) + " bytes after the end of the " + section + " section's contents");
}

} // namespace

NameSection parseNameSection(ByteView payload, uint64_t offset) {
  NameSection s;
  Cursor c(payload, offset);
  int last = -1;
  while (!c.atEnd()) {
    const uint64_t at = c.offset();
    uint8_t id = c.u8();
    if (int(id) <= last)
      c.failAt("name subsection " + std::to_string(id) + (int(id) == last ? " appears twice" : " is out of order"), at);
    last = id;
    uint32_t size = c.u32();
    if (size > c.remaining())
      c.failAt("name subsection " + std::to_string(id) + " of " + std::to_string(size) + " bytes runs past the end of the section", at);
    const uint64_t subAt = c.offset();
    Cursor sub(c.bytes(size), subAt);
    switch (id) {
    case 0: s.module = std::string(sub.name()); break;
    case 1: s.functions = readNameMap(sub, "function"); break;
    case 7: s.globals = readNameMap(sub, "global"); break;
    case 9: s.dataSegments = readNameMap(sub, "data segment"); break;
    case 2: case 3: case 10: skipIndirectNameMap(sub); break; // locals, labels, fields
    default:
      if (id <= 11) (void)readNameMap(sub, "entity"); // types, tables, memories, elem segments, tags
      else sub.skip(sub.remaining());                  // a later extension: its size frames it
      break;
    }
    if (!sub.atEnd()) sub.fail("name subsection " + std::to_string(id) + " has " + std::to_string(sub.remaining()) + " bytes after its contents");
  }
  return s;
}

Bytes encodeNameSection(const NameSection &s) {
  ByteSink out;
  if (s.module) {
    ByteSink sub;
    sub.name(*s.module);
    out.u8(0);
    out.uleb(sub.out.size());
    out.bytes(sub.out);
  }
  writeNameMap(out, 1, s.functions);
  writeNameMap(out, 7, s.globals);
  writeNameMap(out, 9, s.dataSegments);
  return std::move(out.out);
}

Producers parseProducers(ByteView payload, uint64_t offset) {
  Producers p;
  Cursor c(payload, offset);
  uint32_t n = c.u32();
  std::unordered_set<std::string_view> fieldNames;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t at = c.offset();
    std::string_view field = c.name();
    if (!fieldNames.insert(field).second) c.failAt("producers field \"" + std::string(field) + "\" appears twice", at);
    uint32_t k = c.u32();
    if (k > c.remaining() / 2) c.fail("producers field with " + std::to_string(k) + " values cannot fit in the section");
    std::vector<std::pair<std::string, std::string>> values;
    values.reserve(k);
    for (uint32_t j = 0; j < k; ++j) {
      std::string name(c.name());
      values.emplace_back(std::move(name), std::string(c.name()));
    }
    p.fields.emplace_back(std::string(field), std::move(values));
  }
  checkEnd(c, "producers");
  return p;
}

Bytes encodeProducers(const Producers &p) {
  ByteSink out;
  out.uleb(p.fields.size());
  for (auto &[field, values] : p.fields) {
    out.name(field);
    out.uleb(values.size());
    for (auto &[name, version] : values) {
      out.name(name);
      out.name(version);
    }
  }
  return std::move(out.out);
}

Producers mergeProducers(const std::vector<Producers> &all) {
  Producers out;
  std::unordered_map<std::string, size_t> fieldAt;
  std::unordered_set<std::string> seen; // field NUL name NUL version
  for (auto &p : all)
    for (auto &[field, values] : p.fields) {
      auto [it, inserted] = fieldAt.emplace(field, out.fields.size());
      if (inserted) out.fields.emplace_back(field, std::vector<std::pair<std::string, std::string>>{});
      auto &dst = out.fields[it->second].second;
      for (auto &v : values)
        if (seen.insert(field + '\0' + v.first + '\0' + v.second).second) dst.push_back(v);
    }
  return out;
}

TargetFeatures parseTargetFeatures(ByteView payload, uint64_t offset) {
  TargetFeatures f;
  Cursor c(payload, offset);
  uint32_t n = c.u32();
  if (n > c.remaining() / 2) c.fail("target_features claims " + std::to_string(n) + " entries, more than fit in the section");
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t at = c.offset();
    uint8_t prefix = c.u8();
    if (prefix != '+' && prefix != '-' && prefix != '=') c.failAt("target_features prefix " + std::to_string(prefix) + " is not +, - or =", at);
    f.emplace_back(prefix, std::string(c.name()));
  }
  checkEnd(c, "target_features");
  return f;
}

Bytes encodeTargetFeatures(const TargetFeatures &f) {
  ByteSink out;
  out.uleb(f.size());
  for (auto &[prefix, name] : f) {
    out.u8(prefix);
    out.name(name);
  }
  return std::move(out.out);
}

} // namespace wasmobj
