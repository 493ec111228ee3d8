// The manifest (docs/manifest.md): what the link decided, built once the module is
// emitted, and its text.
#include "manifest.h"

#include <charconv>

#include "linker.h"
#include "parallel.h"

namespace wasmobj::linking {

namespace {

using json = nlohmann::ordered_json;
using namespace std::literals;

// S as a JSON string, as nlohmann's dump prints it (not UTF-8: U+FFFD). Names are nearly
// always printable ASCII without quotes or backslashes, written as they are.
void putString(std::string &out, const std::string &s) {
  bool plain = true;
  for (unsigned char c : s) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!plain) return void(out += json(s).dump(-1, ' ', false, json::error_handler_t::replace));
  out += '"';
  out += s;
  out += '"';
}

// V as dump(2) prints it LEVEL deep: its lines after the first indented by LEVEL steps.
void putValue(std::string &out, const json &v, int level) {
  std::string s = v.dump(2, ' ', false, json::error_handler_t::replace);
  for (char c : s) {
    out += c;
    if (c == '\n') out.append(size_t(2 * level), ' ');
  }
}

void putMember(std::string &out, const std::string &key, int level) {
  out.append(size_t(2 * level), ' ');
  putString(out, key);
  out += ": ";
}

template <class T> void putOptional(std::string &out, const std::optional<T> &v) {
  if (!v) return void(out += "null"sv);
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, *v);
  out.append(buf, r.ptr);
}

// One library's "symbols" array, 3 levels deep (a large manifest is mostly these rows:
// literals of known length and numbers printed in place).
void putSymbols(std::string &out, const std::vector<ManifestSymbol> &syms) {
  if (syms.empty()) return void(out += "[]"sv);
  out += "[\n"sv;
  for (size_t i = 0; i < syms.size(); ++i) {
    const ManifestSymbol &s = syms[i];
    out += i ? ",\n        {\n          \"name\": "sv : "        {\n          \"name\": "sv;
    putString(out, *s.name);
    switch (s.kind) {
    case ManifestSymbol::Function:
      out += ",\n          \"kind\": \"function\",\n          \"function_index\": "sv;
      putOptional(out, s.value);
      out += ",\n          \"table_slot\": "sv;
      putOptional(out, s.tableSlot);
      break;
    case ManifestSymbol::Data:
      out += ",\n          \"kind\": \"data\",\n          \"address\": "sv;
      putOptional(out, s.value);
      break;
    case ManifestSymbol::GlobalIndex:
      out += ",\n          \"kind\": \"global\",\n          \"global_index\": "sv;
      putOptional(out, s.value);
      break;
    case ManifestSymbol::GlobalValue:
      out += ",\n          \"kind\": \"global\",\n          \"value\": "sv;
      putOptional(out, s.value);
      break;
    case ManifestSymbol::Other:
      out += ",\n          \"kind\": "sv;
      putString(out, s.otherKind);
      break;
    }
    out += s.global ? ",\n          \"global\": true\n        }"sv : ",\n          \"global\": false\n        }"sv;
  }
  out += "\n      ]"sv;
}

} // namespace

std::string Manifest::text() const {
  if (doc.empty()) return "{}\n";
  std::string out;
  head([&](std::string_view piece) { out += piece; });
  return out + "\n}\n";
}

std::string Manifest::tail(const std::string &key, const json &value) const {
  std::string out = doc.empty() ? "\n" : ",\n";
  putMember(out, key, 1);
  putValue(out, value, 1);
  out += "\n}\n";
  return out;
}

void Manifest::head(const std::function<void(std::string_view)> &put) const {
  // One buffer, handed on whenever it holds a piece (after a member or a library): the
  // text of a large manifest is never in memory whole, and its pages are reused.
  constexpr size_t kPiece = size_t(1) << 20;
  std::string out;
  out.reserve(kPiece + (kPiece >> 2));
  auto handOn = [&] {
    if (out.size() < kPiece) return;
    put(out);
    out.clear();
  };
  out += "{";
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    out += it == doc.begin() ? "\n" : ",\n";
    putMember(out, it.key(), 1);
    if (it.key() != "libraries" || !it.value().is_array() || it.value().empty()) {
      putValue(out, it.value(), 1);
      handOn();
      continue;
    }
    out += "[\n";
    for (size_t i = 0; i < it.value().size(); ++i) {
      const json &lib = it.value()[i];
      out += i ? ",\n    {" : "    {";
      bool first = true;
      for (auto m = lib.begin(); m != lib.end(); ++m) {
        out += first ? "\n" : ",\n";
        first = false;
        putMember(out, m.key(), 3);
        putValue(out, m.value(), 3);
      }
      if (i < symbols.size()) {
        out += first ? "\n" : ",\n";
        first = false;
        putMember(out, "symbols", 3);
        putSymbols(out, symbols[i]);
      }
      out += first ? "}" : "\n    }";
      handOn();
    }
    out += "\n  ]";
  }
  if (!out.empty()) put(out);
}

Manifest Linker::buildManifest() const {
  Manifest m;
  json &j = m.doc;
  j["prelink_version"] = "0.1.0";
  j["flavor"] = host->flavor();
  j["mode"] = cfg.shared ? "shared" : "executable";
  json opts;
  opts["stack_size"] = stackSize();
  opts["allow_undefined"] = importUndefined();
  opts["no_duplicates"] = cfg.noDuplicates;
  opts["import_stack_pointer"] = cfg.importStackPointer;
  opts["optimize"] = cfg.shrinkLevel == 1 ? "-Os" : cfg.shrinkLevel >= 2 ? "-Oz" : "-O" + std::to_string(cfg.optimizeLevel);
  opts["gc_sections"] = cfg.gcSections;
  opts["exports"] = cfg.exports;
  // No -L directories: they are paths of this machine (the manifest holds none); what
  // was found through them is in libraries[] by install name and sha256.
  j["options"] = opts;
  const Module &Mm = libs[0].mod;
  const Limits *ml = mainMemoryLimits();
  j["memory"] = {{"imported", mainImportsMemory},
                 {"min_pages", memoryPages},
                 {"max_pages", ml && ml->hasMax() ? json(ml->max) : json(nullptr)},
                 {"shared", ml ? ml->shared() : false}};
  if (sharedMemory() || threadInit) {
    json t;
    t["once_flag"] = onceFlag;
    const bool perModule = host->tlsModel() == Host::TlsModel::PerModule;
    t["tls_model"] = !threadInit ? json(nullptr) : json(perModule ? "per-module" : "combined");
    json inits = json::array();
    for (auto &L : libs)
      if (L.tlsInitFunc) inits.push_back(L.name);
    t["tls_initialisers"] = std::move(inits);
    t["tls_got_entries"] = tlsGots.size();
    t["tls_block"] = threadInit && !perModule ? json{{"size", tlsBlockSize}, {"align", tlsBlockAlign}} : json(nullptr);
    j["threads"] = std::move(t);
  }
  const Limits *tl = nullptr;
  for (auto &i : Mm.imports)
    if (i.kind == ExternKind::Table && i.table.elem == ValType{ValType::FuncRef, 0}) tl = &i.table.limits;
  j["table"] = {{"imported", mainImportsTable}, {"min", tableSize}, {"max", tl && tl->hasMax() ? json(tl->max) : json(nullptr)}};
  j["stack"] = {{"low", stackLow},
                {"high", stackHigh},
                {"size", stackHigh - stackLow},
                {"pointer_imported", importsStackPointer()},
                {"pointer_export", stackPointerExport.empty() ? json(nullptr) : json(stackPointerExport)}};
  j["data_end"] = dataEnd;
  j["heap_base"] = heapBase;
  j["heap_end"] = heapEnd;
  host->describe(*this, j);
  // Each library's member and symbol rows on every core, each into its own place (the
  // first error, a data address that cannot be evaluated, is the earliest library's).
  std::vector<json> libDocs(libs.size());
  m.symbols.resize(libs.size());
  parallelFor(uint32_t(libs.size()), [&](uint32_t li) {
    const Library &L = libs[li];
    json &l = libDocs[li];
    l["name"] = L.name;
    if (L.isLibdl) l["prelink_libdl"] = true;
    l["sha256"] = L.sha256;
    json names = json::array({L.name});
    for (auto &n : L.dlNames) names.push_back(n);
    l["dlopen_names"] = names;
    l["main"] = L.isMain;
    l["scope"] = L.global ? "global" : "dlopen";
    if (!L.unloadable.empty()) l["left_to_host"] = "needs " + L.unloadable;
    json needed = json::array();
    for (int n : L.needed) needed.push_back(libs[n].name);
    l["needed"] = needed;
    l["memory_base"] = L.memBase;
    l["memory_size"] = L.memSize;
    l["memory_align"] = L.memAlign;
    l["table_base"] = L.tableBase;
    l["table_size"] = L.tableSize;
    l["init_order"] = L.initOrder >= 0 ? json(L.initOrder) : json(nullptr);
    l["init_function"] = L.initFunc ? json(*L.initFunc) : json(nullptr);
    const uint32_t *initSlot = L.initFunc ? slotOf.find(*L.initFunc) : nullptr;
    l["init_slot"] = initSlot ? json(*initSlot) : json(nullptr);
    // How much of the relocation code ran at link time.
    auto status = [&](bool has, bool done, uint32_t residual, uint32_t total, const std::string &why) {
      json s;
      s["when"] = !has ? "none" : done ? "link-time" : residual ? "partly at start-up" : "start-up";
      if (has) {
        s["operations"] = total;
        s["at_start_up"] = done ? 0 : residual ? residual : total;
        if (!done) s["why"] = why;
      }
      return s;
    };
    l["data_relocations"] = status(L.relocFunc.has_value(), L.relocsEvaluated, L.relocsResidual, L.relocsTotal, L.relocsWhy);
    l["start_function"] = status(L.startFunc.has_value(), L.startEvaluated, L.startResidual, L.startTotal, L.startWhy);
    std::vector<ManifestSymbol> syms;
    syms.reserve(L.mod.exports.size());
    for (uint32_t ei = 0; ei < L.mod.exports.size(); ++ei) {
      const Export &e = L.mod.exports[ei];
      ManifestSymbol s;
      s.name = &e.name;
      if (e.kind == ExternKind::Func) {
        uint32_t f = L.funcMap.at(e.index);
        s.kind = ManifestSymbol::Function;
        s.value = f;
        if (const uint32_t *slot = slotOf.find(f)) s.tableSlot = *slot;
      } else if (isDataExport(L, e)) {
        s.kind = ManifestSymbol::Data;
        s.value = dataAddress(L, e);
      } else if (e.kind == ExternKind::Global) {
        const GlobalRemap &g = L.globalMap.at(e.index);
        s.kind = g.kind == GlobalRemap::Index ? ManifestSymbol::GlobalIndex : ManifestSymbol::GlobalValue;
        s.value = g.kind == GlobalRemap::Index ? int64_t(g.index) : g.value;
      } else {
        s.otherKind = externKindName(e.kind);
      }
      s.global = L.globalDef[ei];
      syms.push_back(s);
    }
    m.symbols[li] = std::move(syms);
  });
  json libsj = json::array();
  for (auto &l : libDocs) libsj.push_back(std::move(l));
  j["libraries"] = std::move(libsj);
  if (hasLibdl) {
    json hostFns = json::array();
    for (auto &L : libs)
      for (size_t k = 0; L.isLibdl && k < L.mod.imports.size(); ++k)
        if (L.imports[k].kind == Resolution::Host) hostFns.push_back(L.imports[k].hostName);
    j["dl_table"] = {{"address", dlTableBase}, {"size", dlTableSize}, {"host_fallback", hostFns}};
  } else {
    j["dl_table"] = nullptr;
  }
  json host = json::array();
  for (auto &h : hostImports) host.push_back({{"module", h.imp.module}, {"name", h.imp.field}, {"kind", externKindName(h.imp.kind)}});
  j["host_imports"] = host;
  return m;
}

} // namespace wasmobj::linking
