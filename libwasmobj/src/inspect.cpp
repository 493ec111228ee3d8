#include "wasmobj/inspect.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "wasmobj/diag.h"

namespace wasmobj {

using json = nlohmann::ordered_json;

static json limitsJson(const Limits &l) {
  json j;
  j["min"] = l.min;
  j["max"] = l.hasMax() ? json(l.max) : json(nullptr);
  if (l.shared()) j["shared"] = true;
  if (l.is64()) j["memory64"] = true;
  return j;
}

static json inspectModule(const Module &m, const std::string &file, uint64_t fileSize, InspectParts parts) {
  json j;
  j["file"] = file;
  j["size"] = fileSize;
  if (m.dylink) {
    const Dylink &d = *m.dylink;
    json dj;
    dj["section"] = d.legacy ? "dylink" : "dylink.0";
    dj["memory_size"] = d.memorySize;
    dj["memory_align"] = d.memoryAlign;
    dj["table_size"] = d.tableSize;
    dj["table_align"] = d.tableAlign;
    dj["needed"] = d.needed;
    dj["runtime_path"] = d.runtimePath;
    json weak = json::array(), tls = json::array(), importInfo = json::array(), exportInfo = json::array();
    for (auto &i : d.importInfo) {
      importInfo.push_back({{"module", i.module}, {"field", i.field}, {"flags", i.flags}});
      if (i.flags & kSymBindingWeak) weak.push_back(i.module + "." + i.field);
    }
    for (auto &e : d.exportInfo) {
      exportInfo.push_back({{"name", e.name}, {"flags", e.flags}});
      if (e.flags & kSymTLS) tls.push_back(e.name);
    }
    dj["weak_imports"] = weak;
    dj["tls_exports"] = tls;
    dj["import_info"] = importInfo;
    dj["export_info"] = exportInfo;
    json unknown = json::array();
    for (auto &u : d.unknown) unknown.push_back({{"type", u.type}, {"size", u.payload.size()}, {"offset", u.offset}});
    dj["unknown_subsections"] = unknown;
    j["dylink"] = dj;
  } else {
    j["dylink"] = nullptr;
  }

  json hostFuncs = json::array(), gotMem = json::array(), gotFunc = json::array(), env = json::array(), other = json::array();
  for (auto &i : m.imports) {
    if (i.module == "GOT.mem") { gotMem.push_back(i.field); continue; }
    if (i.module == "GOT.func") { gotFunc.push_back(i.field); continue; }
    if (i.kind == ExternKind::Func) {
      hostFuncs.push_back({{"module", i.module}, {"name", i.field}, {"type", m.types.size() > i.typeIndex ? m.types[i.typeIndex].str() : "?"}});
      continue;
    }
    json e = {{"module", i.module}, {"name", i.field}, {"kind", externKindName(i.kind)}};
    if (i.kind == ExternKind::Memory) e["limits"] = limitsJson(i.memory);
    if (i.kind == ExternKind::Table) { e["limits"] = limitsJson(i.table.limits); e["elem"] = i.table.elem.str(); }
    if (i.kind == ExternKind::Global) { e["type"] = i.global.type.str(); e["mutable"] = i.global.mut; }
    if (i.kind == ExternKind::Tag) e["type"] = i.tag.typeIndex;
    (i.kind == ExternKind::Tag ? other : env).push_back(e);
  }
  j["imports"] = {{"functions", hostFuncs}, {"got_mem", gotMem}, {"got_func", gotFunc}, {"memory_table_globals", env}, {"other", other}};

  json funcs = json::array(), data = json::array(), otherEx = json::array();
  for (auto &e : m.exports) {
    if (e.kind == ExternKind::Func) { funcs.push_back(e.name); continue; }
    if (e.kind == ExternKind::Global && e.index < m.numGlobals()) {
      GlobalType t = m.globalType(e.index);
      if (t.type == ValType::i32() && !t.mut) {
        json dj = {{"name", e.name}};
        // A PIC module's data symbol: an immutable i32 global holding an offset relative
        // to __memory_base; show the offset when the initialiser is a plain constant.
        if (e.index >= m.numImportedGlobals) {
          auto &g = m.globals[e.index - m.numImportedGlobals];
          Cursor c(g.init.bytes);
          if (g.init.bytes.size() >= 2 && c.u8() == 0x41) dj["offset"] = c.sleb(32);
        }
        data.push_back(dj);
        continue;
      }
    }
    otherEx.push_back({{"name", e.name}, {"kind", externKindName(e.kind)}, {"index", e.index}});
  }
  j["exports"] = {{"functions", funcs}, {"data", data}, {"other", otherEx}};
  if (m.start) {
    json s = {{"index", *m.start}};
    for (auto &e : m.exports)
      if (e.kind == ExternKind::Func && e.index == *m.start) s["export"] = e.name;
    j["start"] = s;
  } else {
    j["start"] = nullptr;
  }
  j["counts"] = {{"types", m.types.size()},       {"imported_functions", m.numImportedFuncs},
                 {"functions", m.functions.size()}, {"globals", m.globals.size()},
                 {"tables", m.tables.size()},       {"memories", m.memories.size()},
                 {"elem_segments", m.elems.size()}, {"data_segments", m.datas.size()}};
  json secs = json::array();
  for (auto &r : m.layout) {
    json s = {{"id", uint8_t(r.id)}, {"name", sectionName(r.id)}, {"offset", r.offset}, {"size", r.size}};
    if (r.id == SectionId::Custom)
      s["name"] = r.customIndex == ~0u ? std::string(m.dylink && m.dylink->legacy ? "dylink" : "dylink.0")
                                       : m.customs[r.customIndex].name;
    if (r.id == SectionId::Custom) s["custom"] = true;
    secs.push_back(s);
  }
  j["sections"] = secs;
  if (parts.any()) {
    if (!parts.dylink) j.erase("dylink");
    if (!parts.imports) j.erase("imports");
    if (!parts.exports) j.erase("exports"), j.erase("start");
    if (!parts.sections) j.erase("counts"), j.erase("sections");
  }
  return j;
}

// A string of the JSON as text: escaped (diag.h), since it may come from the input.
static std::string str(const json &v) { return escapeText(v.get<std::string>()); }

static std::string joinList(const json &arr, const char *sep = ", ") {
  std::string s;
  for (size_t i = 0; i < arr.size(); ++i) {
    if (i) s += sep;
    s += arr[i].is_string() ? str(arr[i]) : arr[i].dump();
  }
  return s;
}

static std::string renderInspectText(const json &j) {
  std::ostringstream o;
  o << str(j["file"]) << " (" << j["size"].get<uint64_t>() << " bytes)\n";
  if (!j.contains("dylink")) {
    // not asked for
  } else if (j["dylink"].is_null()) {
    o << "\nno dylink.0 section: not a dynamic library\n";
  } else {
    auto &d = j["dylink"];
    o << "\n" << str(d["section"]) << ":\n";
    o << "  memory size       " << d["memory_size"] << "\n";
    // The reader refuses alignments above 2^31 (dylink.h); the shift stays defined anyway.
    const uint32_t memAlign = d["memory_align"].get<uint32_t>();
    o << "  memory alignment  2^" << memAlign;
    if (memAlign < 64) o << " (" << (uint64_t(1) << memAlign) << " bytes)";
    o << "\n";
    o << "  table size        " << d["table_size"] << "\n";
    o << "  table alignment   2^" << d["table_align"] << "\n";
    o << "  needed            " << (d["needed"].empty() ? "(none)" : joinList(d["needed"])) << "\n";
    o << "  runtime paths     " << (d["runtime_path"].empty() ? "(none)" : joinList(d["runtime_path"])) << "\n";
    o << "  weak imports      " << (d["weak_imports"].empty() ? "(none)" : joinList(d["weak_imports"])) << "\n";
    o << "  TLS exports       " << (d["tls_exports"].empty() ? "(none)" : joinList(d["tls_exports"])) << "\n";
    for (auto &u : d["unknown_subsections"])
      o << "  unknown subsection type " << u["type"] << " (" << u["size"] << " bytes, kept)\n";
  }
  if (j.contains("imports")) {
    auto &im = j["imports"];
    o << "\nimports:\n";
    o << "  host functions    " << im["functions"].size() << "\n";
    for (auto &f : im["functions"])
      o << "    " << str(f["module"]) << "." << str(f["name"]) << " " << str(f["type"]) << "\n";
    o << "  GOT.mem           " << im["got_mem"].size() << "\n";
    for (auto &f : im["got_mem"]) o << "    " << str(f) << "\n";
    o << "  GOT.func          " << im["got_func"].size() << "\n";
    for (auto &f : im["got_func"]) o << "    " << str(f) << "\n";
    o << "  memory, table and base globals " << im["memory_table_globals"].size() << "\n";
    for (auto &f : im["memory_table_globals"]) {
      o << "    " << str(f["module"]) << "." << str(f["name"]) << " (" << str(f["kind"]);
      if (f.contains("type")) o << " " << (f["type"].is_string() ? str(f["type"]) : f["type"].dump()) << (f.value("mutable", false) ? " mut" : "");
      if (f.contains("limits")) o << " min " << f["limits"]["min"] << (f["limits"]["max"].is_null() ? "" : " max " + f["limits"]["max"].dump());
      o << ")\n";
    }
    for (auto &f : im["other"]) o << "    " << str(f["module"]) << "." << str(f["name"]) << " (" << str(f["kind"]) << ")\n";
  }
  if (j.contains("exports")) {
    auto &ex = j["exports"];
    o << "\nexports:\n";
    o << "  functions         " << ex["functions"].size() << "\n";
    for (auto &f : ex["functions"]) o << "    " << str(f) << "\n";
    o << "  data symbols      " << ex["data"].size() << "\n";
    for (auto &f : ex["data"]) {
      o << "    " << str(f["name"]);
      if (f.contains("offset")) o << " @ __memory_base+" << f["offset"];
      o << "\n";
    }
    if (!ex["other"].empty()) {
      o << "  other             " << ex["other"].size() << "\n";
      for (auto &f : ex["other"]) o << "    " << str(f["name"]) << " (" << str(f["kind"]) << ")\n";
    }
    o << "\nstart function:     ";
    if (j["start"].is_null()) o << "(none)\n";
    else o << j["start"]["index"] << (j["start"].contains("export") ? " (" + str(j["start"]["export"]) + ")" : std::string()) << "\n";
  }
  if (j.contains("sections")) {
    o << "\nsections:\n";
    for (auto &s : j["sections"]) {
      // The name padded to 22 columns; a longer one is written whole (a fixed buffer would
      // cut it, and the line's newline with it).
      std::string name = str(s["name"]);
      if (name.size() < 22) name.resize(22, ' ');
      char nums[80];
      std::snprintf(nums, sizeof nums, " offset %10llu  size %10llu\n", (unsigned long long)s["offset"].get<uint64_t>(),
                    (unsigned long long)s["size"].get<uint64_t>());
      o << "  " << name << nums;
    }
  }
  return o.str();
}

struct InspectReport::Impl {
  std::vector<nlohmann::ordered_json> modules;
};

InspectReport::InspectReport() : impl(std::make_unique<Impl>()) {}
InspectReport::~InspectReport() = default;

void InspectReport::add(const Module &m, const std::string &file, uint64_t fileSize, InspectParts parts) {
  impl->modules.push_back(inspectModule(m, file, fileSize, parts));
}

size_t InspectReport::size() const { return impl->modules.size(); }

std::string InspectReport::text() const {
  std::string t;
  for (auto &j : impl->modules) t += (t.empty() ? "" : "\n") + renderInspectText(j);
  return t;
}

std::string InspectReport::json(bool asArray) const {
  // Names in modules are checked UTF-8 (the reader); file names need not be: invalid
  // bytes become U+FFFD (docs/cli.md) instead of an exception.
  const bool one = impl->modules.size() == 1 && !asArray;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  if (!one)
    for (auto &j : impl->modules) all.push_back(j);
  try {
    return (one ? impl->modules[0] : all).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } catch (const nlohmann::ordered_json::exception &e) {
    throw Error(std::string("cannot write JSON: ") + e.what());
  }
}

} // namespace wasmobj
