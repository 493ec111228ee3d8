// dylink.0 (tool-conventions DynamicLinking.md) and the legacy "dylink" section.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasmobj/leb.h"

namespace wasmobj {

enum DylinkSubsection : uint8_t {
  kDylinkMemInfo = 1,
  kDylinkNeeded = 2,
  kDylinkExportInfo = 3,
  kDylinkImportInfo = 4,
  kDylinkRuntimePath = 5,
};

// Symbol flags used in EXPORT_INFO / IMPORT_INFO (Linking.md).
enum : uint32_t {
  kSymBindingWeak = 0x1,
  kSymBindingLocal = 0x2,
  kSymVisibilityHidden = 0x4,
  kSymUndefined = 0x10,
  kSymExported = 0x20,
  kSymExplicitName = 0x40,
  kSymNoStrip = 0x80,
  kSymTLS = 0x100,
  kSymAbsolute = 0x200,
};

struct DylinkExportInfo {
  std::string name;
  uint32_t flags = 0;
};
struct DylinkImportInfo {
  std::string module, field;
  uint32_t flags = 0;
};
struct DylinkUnknown {
  uint8_t type = 0;
  Bytes payload;
  uint64_t offset = 0;
};

struct Dylink {
  bool legacy = false; // the pre-2021 "dylink" section (no subsections)
  uint32_t memorySize = 0;
  uint32_t memoryAlign = 0; // p2
  uint32_t tableSize = 0;
  uint32_t tableAlign = 0;  // p2
  std::vector<std::string> needed;
  std::vector<DylinkExportInfo> exportInfo;
  std::vector<DylinkImportInfo> importInfo;
  std::vector<std::string> runtimePath;
  std::vector<DylinkUnknown> unknown;
  // Order in which subsections appeared (for a byte-exact round trip); empty = canonical.
  std::vector<uint8_t> order;
  bool hasMemInfo = false;

  // Whether IMPORT_INFO marks the symbol FIELD weak. Matched by symbol name: LLVM records
  // GOT.mem / GOT.func imports there under module "env".
  bool isWeakImport(std::string_view field) const;
  uint32_t exportFlags(std::string_view name) const;
  // The same answers for many names: IMPORT_INFO flags by field and EXPORT_INFO flags by
  // name (the first entry of a name wins, as above), built in one pass. The keys view
  // this Dylink's strings: use the map while the Dylink is unchanged and not moved.
  std::unordered_map<std::string_view, uint32_t> importFlagsByField() const;
  std::unordered_map<std::string_view, uint32_t> exportFlagsByName() const;
};

// Parse the payload of a "dylink.0" (or, with legacy, "dylink") custom section; `base`
// is the payload's file offset, for error messages.
Dylink parseDylink(ByteView payload, uint64_t base, bool legacy = false);
// Encode the payload (without the custom section header and name).
Bytes encodeDylink(const Dylink &d);

} // namespace wasmobj
