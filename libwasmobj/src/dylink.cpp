// dylink.0 parsing and encoding (tool-conventions DynamicLinking.md). Our own code: LLVM 19
// does not know RUNTIME_PATH and drops unknown subsections, and a round trip must keep
// subsection order and unknown payloads byte-exact.
#include "wasmobj/dylink.h"

#include <algorithm>

namespace wasmobj {

bool Dylink::isWeakImport(std::string_view field) const {
  for (auto &i : importInfo)
    if (i.field == field) return i.flags & kSymBindingWeak;
  return false;
}

uint32_t Dylink::exportFlags(std::string_view name) const {
  for (auto &e : exportInfo)
    if (e.name == name) return e.flags;
  return 0;
}

std::unordered_map<std::string_view, uint32_t> Dylink::importFlagsByField() const {
  std::unordered_map<std::string_view, uint32_t> m;
  m.reserve(importInfo.size());
  for (auto &i : importInfo) m.emplace(i.field, i.flags);
  return m;
}

std::unordered_map<std::string_view, uint32_t> Dylink::exportFlagsByName() const {
  std::unordered_map<std::string_view, uint32_t> m;
  m.reserve(exportInfo.size());
  for (auto &e : exportInfo) m.emplace(e.name, e.flags);
  return m;
}

Dylink parseDylink(ByteView payload, uint64_t base, bool legacy) {
  Dylink d;
  d.legacy = legacy;
  Cursor c(payload, base);
  if (legacy) {
    // Pre-2021 layout: mem_size, mem_align, table_size, table_align, needed names.
    d.memorySize = c.u32();
    const uint64_t memAlignAt = c.offset();
    d.memoryAlign = c.u32();
    d.tableSize = c.u32();
    const uint64_t tableAlignAt = c.offset();
    d.tableAlign = c.u32();
    d.hasMemInfo = true;
    // As for dylink.0: an alignment is a power of two of a 32-bit address.
    if (d.memoryAlign > 31) c.failAt("dylink memory alignment 2^" + std::to_string(d.memoryAlign) + " is too large", memAlignAt);
    if (d.tableAlign > 31) c.failAt("dylink table alignment 2^" + std::to_string(d.tableAlign) + " is too large", tableAlignAt);
    uint32_t n = c.u32();
    for (uint32_t i = 0; i < n; ++i) d.needed.emplace_back(c.name());
    if (!c.atEnd()) c.fail("trailing bytes in dylink section");
    return d;
  }
  bool seen[6] = {};
  while (!c.atEnd()) {
    const uint64_t subStart = c.offset();
    uint8_t type = c.u8();
    uint32_t size = c.u32();
    if (c.remaining() < size)
      c.failAt("dylink.0 subsection " + std::to_string(type) + " of " + std::to_string(size) +
                   " bytes runs past the end of the section",
               subStart);
    const uint64_t bodyAt = c.offset(); // before c.bytes(): argument order is unspecified
    Cursor s(c.bytes(size), bodyAt);
    if (type >= 1 && type <= 5) {
      if (seen[type]) s.failAt("duplicate dylink.0 subsection " + std::to_string(type), subStart);
      seen[type] = true;
    }
    d.order.push_back(type);
    switch (type) {
    case kDylinkMemInfo:
      d.memorySize = s.u32();
      d.memoryAlign = s.u32();
      d.tableSize = s.u32();
      d.tableAlign = s.u32();
      d.hasMemInfo = true;
      if (d.memoryAlign > 31) s.failAt("dylink.0 memory alignment 2^" + std::to_string(d.memoryAlign) + " is too large", subStart);
      if (d.tableAlign > 31) s.failAt("dylink.0 table alignment 2^" + std::to_string(d.tableAlign) + " is too large", subStart);
      break;
    case kDylinkNeeded: {
      uint32_t n = s.u32();
      for (uint32_t i = 0; i < n; ++i) d.needed.emplace_back(s.name());
      break;
    }
    case kDylinkExportInfo: {
      uint32_t n = s.u32();
      for (uint32_t i = 0; i < n; ++i) {
        DylinkExportInfo e;
        e.name = s.name();
        e.flags = s.u32();
        d.exportInfo.push_back(std::move(e));
      }
      break;
    }
    case kDylinkImportInfo: {
      uint32_t n = s.u32();
      for (uint32_t i = 0; i < n; ++i) {
        DylinkImportInfo e;
        e.module = s.name();
        e.field = s.name();
        e.flags = s.u32();
        d.importInfo.push_back(std::move(e));
      }
      break;
    }
    case kDylinkRuntimePath: {
      uint32_t n = s.u32();
      for (uint32_t i = 0; i < n; ++i) d.runtimePath.emplace_back(s.name());
      break;
    }
    default: {
      DylinkUnknown u;
      u.type = type;
      u.offset = subStart;
      u.payload.assign(s.ptr(), s.ptr() + s.remaining());
      s.skip(s.remaining());
      d.unknown.push_back(std::move(u));
      break;
    }
    }
    if (!s.atEnd())
      s.fail("dylink.0 subsection " + std::to_string(type) + " has " + std::to_string(s.remaining()) +
             " trailing bytes");
  }
  return d;
}

static void encodeSub(ByteSink &out, uint8_t type, const ByteSink &body) {
  out.u8(type);
  out.uleb(body.size());
  out.bytes(body.out);
}

Bytes encodeDylink(const Dylink &d) {
  ByteSink out;
  if (d.legacy) {
    out.uleb(d.memorySize);
    out.uleb(d.memoryAlign);
    out.uleb(d.tableSize);
    out.uleb(d.tableAlign);
    out.uleb(d.needed.size());
    for (auto &n : d.needed) out.name(n);
    return std::move(out.out);
  }
  std::vector<uint8_t> order = d.order;
  if (order.empty()) {
    // Canonical order: the one LLVM and emscripten write.
    if (d.hasMemInfo) order.push_back(kDylinkMemInfo);
    if (!d.needed.empty()) order.push_back(kDylinkNeeded);
    if (!d.exportInfo.empty()) order.push_back(kDylinkExportInfo);
    if (!d.importInfo.empty()) order.push_back(kDylinkImportInfo);
    if (!d.runtimePath.empty()) order.push_back(kDylinkRuntimePath);
    for (auto &u : d.unknown) order.push_back(u.type);
  }
  size_t unknownNext = 0;
  for (uint8_t type : order) {
    ByteSink b;
    switch (type) {
    case kDylinkMemInfo:
      b.uleb(d.memorySize);
      b.uleb(d.memoryAlign);
      b.uleb(d.tableSize);
      b.uleb(d.tableAlign);
      break;
    case kDylinkNeeded:
      b.uleb(d.needed.size());
      for (auto &n : d.needed) b.name(n);
      break;
    case kDylinkExportInfo:
      b.uleb(d.exportInfo.size());
      for (auto &e : d.exportInfo) {
        b.name(e.name);
        b.uleb(e.flags);
      }
      break;
    case kDylinkImportInfo:
      b.uleb(d.importInfo.size());
      for (auto &e : d.importInfo) {
        b.name(e.module);
        b.name(e.field);
        b.uleb(e.flags);
      }
      break;
    case kDylinkRuntimePath:
      b.uleb(d.runtimePath.size());
      for (auto &n : d.runtimePath) b.name(n);
      break;
    default:
      // Unknown subsections come back in the order they were read.
      if (unknownNext < d.unknown.size()) b.bytes(d.unknown[unknownNext++].payload);
      break;
    }
    encodeSub(out, type, b);
  }
  return std::move(out.out);
}

} // namespace wasmobj
