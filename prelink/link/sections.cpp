// The output's custom sections (docs/design.md, "Names and custom sections"), decided per
// section as wasm-ld decides them for its objects:
//   name             rebuilt: every input's function, global and data segment names at
//                    their output indices, and prelink's own functions, globals, segments
//   producers        merged (each field once, every distinct tool/version)
//   target_features  merged (a feature any input uses)
//   .debug_*, sourceMappingURL, external_debug_info
//                    dropped: they describe code offsets that rewriting changes (one
//                    warning, none under --strip-debug / --strip-all)
//   metadata.code.*  dropped (code offsets too), with one warning naming them
//   linking, reloc.*, .llvmbc, .llvmcmd, build_id
//                    dropped: facts about one input file, not about the output
//   anything else    kept, the inputs' payloads of one name concatenated in load order
// A malformed name, producers or target_features section of an input costs only that
// section (a warning): custom sections are advisory, the spec's rule.
#include <deque>
#include <optional>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "linker.h"
#include "optimize.h"
#include "parallel.h"
#include "wasmobj/names.h"

namespace wasmobj::linking {

namespace {

bool isDebugSection(const std::string &n) {
  return n.starts_with(".debug_") || n == "sourceMappingURL" || n == "external_debug_info";
}

bool isInputFact(const std::string &n) {
  return n == "linking" || n.starts_with("reloc.") || n == ".llvmbc" || n == ".llvmcmd" || n == "build_id";
}

// NAME as UTF-8, as the name section requires: install names of archive members need not
// be; each byte that is not part of well-formed UTF-8 becomes U+FFFD.
std::string utf8Name(const std::string &name) {
  if (Cursor::validUtf8(name)) return name;
  std::string out;
  uint32_t cp;
  for (size_t i = 0, len; i < name.size(); i += len) {
    len = Cursor::utf8SequenceAt(name, i, cp);
    if (len) out.append(name, i, len);
    else out += "\xef\xbf\xbd", len = 1;
  }
  return out;
}

// binaryen's placeholder for a function without a name (optimize.h): never written.
bool isPlaceholder(std::string_view n) { return !n.empty() && n.find_first_not_of("0123456789") == std::string_view::npos; }

void dropPlaceholders(NameMap &m) { std::erase_if(m, [](const auto &e) { return isPlaceholder(e.second); }); }

// A library in the names prelink makes: its file name, the same whether it came as a file
// or from a directory or an archive (the output does not depend on how it was given).
std::string fileName(const Library &L) { return std::filesystem::path(L.name).filename().string(); }

} // namespace

void restoreCustomSections(Module &m, const Module &linked) {
  const CustomSection *want = nullptr;
  for (auto &c : linked.customs)
    if (c.name == "target_features") want = &c;
  bool placed = false, extra = false;
  for (auto &c : m.customs) {
    if (c.name != "target_features") continue;
    if (want && !placed) c.payload = m.own(Bytes(want->payload.begin(), want->payload.end()));
    else extra = true;
    placed = true;
  }
  if (extra) {
    // Removing sections: the layout's indices into customs would go stale; binaryen's
    // order is the canonical one anyway (custom sections last).
    m.layout.clear();
    bool first = true;
    std::erase_if(m.customs, [&](const CustomSection &c) {
      if (c.name != "target_features") return false;
      bool drop = !want || !first;
      first = false;
      return drop;
    });
  }
  if (want && !placed) m.customs.push_back(CustomSection{want->name, m.own(Bytes(want->payload.begin(), want->payload.end())), 0});
  for (auto &c : m.customs) {
    if (c.name != "name") continue;
    NameSection s;
    try {
      s = parseNameSection(c.payload, c.offset);
    } catch (const Error &) {
      continue; // not ours to judge: binaryen wrote it
    }
    dropPlaceholders(s.functions);
    dropPlaceholders(s.globals);
    dropPlaceholders(s.dataSegments);
    c.payload = m.own(encodeNameSection(s));
  }
}

void Linker::emitCustomSections() {
  const bool keepNames = !cfg.stripAll, warnDebug = !cfg.stripDebug && !cfg.stripAll;
  std::vector<NameSection> inputNames(libs.size());
  std::vector<Producers> producers;
  TargetFeatures features;
  std::unordered_set<std::string> featureSeen;
  bool anyFeatures = false;
  size_t debugInputs = 0;
  std::string firstDebugInput;
  std::vector<std::string> droppedCode;
  std::unordered_set<std::string> droppedSeen;
  std::vector<std::pair<std::string, std::vector<ByteView>>> kept; // in order of first appearance
  std::unordered_map<std::string, size_t> keptAt;

  // What a malformed advisory section costs: itself, with one warning.
  auto malformed = [](const CustomSection &c, const Library &L, const Error &e) {
    return Error("the " + c.name + " section is malformed and left out: " + e.message(), e.offset(), L.path).format();
  };
  // Each library's (first) name section, parsed on every core; its warning, if any, is
  // told in its place below.
  std::vector<std::string> nameWarnings(libs.size());
  if (keepNames)
    parallelFor(uint32_t(libs.size()), [&](uint32_t li) {
      const Library &L = libs[li];
      for (const CustomSection &c : L.mod.customs) {
        if (c.name != "name") continue;
        try {
          NameSection &s = inputNames[li];
          s = parseNameSection(c.payload, c.offset);
          dropPlaceholders(s.functions);
          dropPlaceholders(s.globals);
          dropPlaceholders(s.dataSegments);
        } catch (const Error &e) {
          inputNames[li] = NameSection{};
          nameWarnings[li] = malformed(c, L, e);
        }
        break;
      }
    }, 64);
  for (size_t li = 0; li < libs.size(); ++li) {
    Library &L = libs[li];
    bool hasDebug = false, hasNames = false;
    auto parse = [&](const CustomSection &c, auto &&fn) {
      try {
        fn();
      } catch (const Error &e) {
        warnings.push_back(malformed(c, L, e));
      }
    };
    for (const CustomSection &c : L.mod.customs) {
      if (c.name == "name") {
        if (hasNames) {
          if (keepNames) warnings.push_back(Error("a second name section is left out", c.offset, L.path).format());
          continue;
        }
        hasNames = true;
        if (keepNames && !nameWarnings[li].empty()) warnings.push_back(std::move(nameWarnings[li]));
      } else if (c.name == "producers") {
        if (keepNames) parse(c, [&] { producers.push_back(parseProducers(c.payload, c.offset)); });
      } else if (c.name == "target_features") {
        if (keepNames) parse(c, [&] {
            for (auto &[prefix, name] : parseTargetFeatures(c.payload, c.offset)) {
              anyFeatures = true;
              // Used ('+') or required ('='): the linked code uses it. A '-' says an object
              // must not be linked with code that uses it, which is no fact of the output.
              if (prefix != '-' && featureSeen.insert(name).second) features.emplace_back('+', name);
            }
          });
      } else if (isDebugSection(c.name)) {
        hasDebug = true;
      } else if (c.name.starts_with("metadata.code.")) {
        if (droppedSeen.insert(c.name).second) droppedCode.push_back(c.name);
      } else if (!isInputFact(c.name)) {
        auto [it, inserted] = keptAt.emplace(c.name, kept.size());
        if (inserted) kept.emplace_back(c.name, std::vector<ByteView>{});
        kept[it->second].second.push_back(c.payload);
      }
    }
    if (hasDebug && !debugInputs++) firstDebugInput = L.path;
  }
  if (debugInputs && warnDebug)
    warnings.push_back("debug information (.debug_* sections, source maps) of " + std::to_string(debugInputs) +
                       (debugInputs == 1 ? " input (" + firstDebugInput + ")" : " inputs (" + firstDebugInput + " and others)") +
                       " is dropped: linking rewrites the code it describes (--strip-debug drops it without this warning)");
  if (!droppedCode.empty()) {
    std::string list;
    for (auto &n : droppedCode) list += (list.empty() ? "" : ", ") + n;
    warnings.push_back("custom sections that describe code offsets are dropped (linking rewrites the code): " + list);
  }

  for (auto &[name, parts] : kept) {
    CustomSection cs;
    cs.name = name;
    if (parts.size() == 1) {
      cs.payload = parts[0]; // the output keeps every input alive (run)
    } else {
      Bytes all;
      for (auto p : parts) all.insert(all.end(), p.begin(), p.end());
      cs.payload = out.own(std::move(all));
    }
    out.customs.push_back(cs);
  }
  if (!keepNames) return;

  // Names by output index: one pointer per function, global and data segment, filled from
  // the inputs and prelink's own, then written in index order (linear, deterministic).
  std::deque<std::string> own; // prelink's names (the inputs' are views of their sections)
  std::vector<std::optional<std::string_view>> funcs(out.numFuncs()), globals(out.numGlobals()), datas(out.datas.size());
  auto set = [&](std::vector<std::optional<std::string_view>> &v, uint64_t i, std::string n) {
    if (i < v.size()) v[i] = own.emplace_back(utf8Name(n));
  };
  uint32_t fi = 0, gi = 0;
  for (auto &imp : out.imports) {
    if (imp.kind == ExternKind::Func) set(funcs, fi++, imp.field);
    if (imp.kind == ExternKind::Global) set(globals, gi++, imp.field);
  }
  for (size_t li = 0; li < libs.size(); ++li) {
    const Library &L = libs[li];
    const Module &m = L.mod;
    for (auto &[i, n] : inputNames[li].functions)
      if (i >= m.numImportedFuncs && i < m.numFuncs() && L.funcBase + (i - m.numImportedFuncs) < funcs.size())
        funcs[L.funcBase + (i - m.numImportedFuncs)] = n;
    for (auto &[i, n] : inputNames[li].globals)
      if (i >= m.numImportedGlobals && i < m.numGlobals() && L.globalBase + (i - m.numImportedGlobals) < globals.size())
        globals[L.globalBase + (i - m.numImportedGlobals)] = n;
    for (auto &[i, n] : inputNames[li].dataSegments)
      if (i < m.datas.size() && !m.datas[i].active() && i < L.dataMap.size() && L.dataMap[i] < datas.size()) datas[L.dataMap[i]] = n;
  }
  for (auto &[f, n] : stubNames) set(funcs, f, n);
  set(funcs, startFuncIndex, "prelink.start");
  set(funcs, ctorsFuncIndex, "prelink.call_ctors");
  if (host->relocatableOutput()) {
    set(funcs, relocsFuncIndex, "prelink.apply_relocs");
    set(funcs, trapFuncIndex, "prelink.empty_slot");
  }
  for (auto &L : libs)
    if (!L.global) {
      if (L.initFunc) set(funcs, *L.initFunc, "prelink.init:" + fileName(L));
      set(globals, L.initGuard, "prelink.init_done:" + fileName(L));
    }
  if (tlsInitFuncIndex) set(funcs, *tlsInitFuncIndex, "prelink.tls_init");
  for (auto &[key, i] : tlsGotIndex) set(globals, tlsGots[i].global, "GOT.mem." + key.second);
  if (combinedTls()) {
    set(globals, tlsSizeGlobal, "__tls_size");
    set(globals, tlsAlignGlobal, "__tls_align");
  }
  if (!importsStackPointer() && !host->mainDefinesStackPointer()) set(globals, spGlobal, "__stack_pointer");
  for (auto &[key, g] : baseRelativeGlobals)
    set(globals, g,
        std::string(key.first == Resolution::RelocTable ? "prelink.table_base" : "prelink.memory_base") +
            (key.second < 0 ? "-" : "+") + std::to_string(key.second < 0 ? -uint64_t(key.second) : uint64_t(key.second)));
  for (auto &[d, n] : segmentNames) set(datas, d, n);

  NameSection ns;
  auto collect = [](const std::vector<std::optional<std::string_view>> &v, NameMap &m) {
    for (uint32_t i = 0; i < v.size(); ++i)
      if (v[i]) m.emplace_back(i, *v[i]);
  };
  collect(funcs, ns.functions);
  collect(globals, ns.globals);
  collect(datas, ns.dataSegments);
  if (!ns.functions.empty() || !ns.globals.empty() || !ns.dataSegments.empty()) {
    CustomSection cs;
    cs.name = "name";
    cs.payload = out.own(encodeNameSection(ns));
    out.customs.push_back(cs);
  }
  if (!producers.empty()) {
    Producers merged = mergeProducers(producers);
    if (!merged.empty()) {
      CustomSection cs;
      cs.name = "producers";
      cs.payload = out.own(encodeProducers(merged));
      out.customs.push_back(cs);
    }
  }
  if (anyFeatures && !features.empty()) {
    CustomSection cs;
    cs.name = "target_features";
    cs.payload = out.own(encodeTargetFeatures(features));
    out.customs.push_back(cs);
  }
}

} // namespace wasmobj::linking
