// Reports of a link for people and for Make (docs/cli.md): the -Map text (like lld's map:
// every input with its bases, every symbol with its address or slot and its definer),
// the --verbose lines and the --dependency-file rule. They read the link's state; nothing
// here changes it.
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <set>

#include "linker.h"
#include "optimize.h"
#include "wasmobj/diag.h"

namespace wasmobj::linking {

static std::string hex(uint64_t v, int width = 8) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*" PRIx64, width, v);
  return b;
}

static std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string Linker::mapText() const {
  // Names come from the inputs: escaped (control bytes shown as \xNN), as on stderr.
  std::string m;
  m += "# prelink map of " + escapeText(cfg.output) + " (flavor " + host->flavor() + ", " + (cfg.shared ? "shared" : "executable") +
       ")\n";
  m += "# memory: " + hex(memoryPages * 65536) + " bytes (" + std::to_string(memoryPages) + " pages); table: " +
       std::to_string(tableSize) + " slots\n";
  if (!cfg.shared) {
    m += "# stack " + hex(stackLow) + "-" + hex(stackHigh) + ", data end " + hex(dataEnd) + ", heap " + hex(heapBase) + "-" +
         hex(heapEnd) + "\n";
    if (hasLibdl) m += "# dl table " + hex(dlTableBase) + " size " + hex(dlTableSize) + "\n";
  } else {
    m += "# addresses are relative to the bundle's __memory_base, slots to its __table_base\n";
  }
  if (wantsBinaryen(cfg)) m += "# function indices are the link's, before binaryen (-O, --gc-sections) renumbers them\n";
  m += "\nInputs\n";
  m += "  " + pad("Memory", 12) + pad("Size", 12) + pad("Align", 7) + pad("Table", 8) + pad("Slots", 8) + pad("Scope", 8) +
       "Input\n";
  for (auto &L : libs) {
    std::string scope = L.isMain ? "main" : L.global ? "global" : "dlopen";
    bool renamed = std::filesystem::path(L.path).filename().string() != L.name;
    std::string what = L.isLibdl ? "<prelink libdl>" : escapeText(L.path) + (renamed ? " (as " + escapeText(L.name) + ")" : "");
    m += "  " + pad(hex(L.memBase), 12) + pad(hex(L.memSize), 12) + pad(std::to_string(1u << std::min(L.memAlign, 31u)), 7) +
         pad(std::to_string(L.tableBase), 8) + pad(std::to_string(L.tableSize), 8) + pad(scope, 8) + what + "\n";
  }
  m += "\nSymbols (address or slot, kind, symbol, input; * = the definition the global scope uses)\n";
  for (size_t li = 0; li < libs.size(); ++li) {
    const Library &L = libs[li];
    if (L.isLibdl) continue;
    std::string in = escapeText(L.name);
    // One line per export, in the input's export order (deterministic).
    for (uint32_t ei = 0; ei < L.mod.exports.size(); ++ei) {
      const Export &e = L.mod.exports[ei];
      std::string where, kind;
      if (e.kind == ExternKind::Func) {
        uint32_t f = L.funcMap.at(e.index);
        const uint32_t *slot = slotOf.find(f);
        where = slot ? "slot " + std::to_string(*slot) : "-";
        kind = "func " + std::to_string(f);
      } else if (isDataExport(L, e)) {
        where = hex(uint64_t(dataAddress(L, e)));
        kind = "data";
      } else if (e.kind == ExternKind::Global) {
        const GlobalRemap &g = L.globalMap.at(e.index);
        where = g.kind == GlobalRemap::Index ? "-" : hex(uint64_t(g.value));
        kind = g.kind == GlobalRemap::Index ? "global " + std::to_string(g.index) : "global";
      } else {
        where = "-";
        kind = externKindName(e.kind);
      }
      bool used = L.globalDef[ei];
      m += std::string(used ? "* " : "  ") + pad(where, 12) + pad(kind, 14) + escapeText(e.name) + "  " + in + "\n";
    }
  }
  if (!stubNames.empty()) {
    m += "\nUndefined functions (a call traps)\n";
    for (auto &[f, n] : stubNames) m += "  " + pad("func " + std::to_string(f), 14) + escapeText(n) + "\n";
  }
  return m;
}

std::vector<std::string> Linker::verboseLines() const {
  std::vector<std::string> v;
  v.push_back("host: " + std::string(host->flavor()) + (cfg.shared ? " (bundle)" : "") + ", " + std::to_string(libs.size()) +
              " libraries, " + std::to_string(memoryPages) + " memory pages, " + std::to_string(tableSize) + " table slots");
  for (auto &L : libs) {
    std::string s = L.isLibdl ? "prelink's libdl" : L.path;
    s += L.isMain ? " (main)" : L.global ? " (global scope)" : " (dlopen only)";
    if (!L.needed.empty()) {
      s += " needs";
      for (int n : L.needed) s += " " + libs[n].name;
    }
    s += ": memory " + hex(L.memBase) + "+" + hex(L.memSize) + ", table " + std::to_string(L.tableBase) + "+" +
         std::to_string(L.tableSize);
    s += L.relocFunc ? (L.relocsEvaluated ? ", relocations at link time" : ", relocations at start-up (" + L.relocsWhy + ")") : "";
    v.push_back(s);
  }
  v.push_back("imports of the output: " + std::to_string(hostImports.size()) + " (" + std::to_string(numHostFuncs) + " functions)");
  return v;
}

std::vector<std::string> Linker::dependencies() const {
  // A directory given as an input is a dependency too: adding a library to it changes its
  // time stamp, so Make relinks.
  std::vector<std::string> d;
  std::set<std::string> seen;
  for (auto &dir : inputDirs)
    if (seen.insert(dir).second) d.push_back(dir);
  for (auto &[id, path] : inputFiles)
    if (seen.insert(path).second) d.push_back(path);
  return d;
}

} // namespace wasmobj::linking

namespace wasmobj {

// Make's escaping of a file name in a rule: spaces and '#' with a backslash, '$' doubled.
static std::string makeEscape(const std::string &s) {
  std::string o;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '#' || c == '\\') o += '\\';
    if (c == '$') o += '$';
    o += c;
  }
  return o;
}

std::string dependencyRule(const std::vector<std::string> &targets, const std::vector<std::string> &deps) {
  // As lld's --dependency-file: "targets: \ deps..." then an empty rule per dependency,
  // so that Make does not fail when one is deleted.
  for (auto *list : {&targets, &deps})
    for (auto &f : *list)
      if (f.find('\n') != std::string::npos || f.find('\r') != std::string::npos)
        throw Error("a file name with a line break cannot be written in a Make rule: " + escapeText(f), Error::kNoOffset,
                    "--dependency-file");
  std::string r;
  for (size_t i = 0; i < targets.size(); ++i) r += (i ? " " : "") + makeEscape(targets[i]);
  r += ":";
  for (auto &d : deps) r += " \\\n  " + makeEscape(d);
  r += "\n";
  for (auto &d : deps) r += "\n" + makeEscape(d) + ":\n";
  return r;
}

} // namespace wasmobj
