// Prints what prelink/link/glue.cpp reads from JS glue files, as JSON (one object per
// file, in an array), for tests/glue/glue_test.mjs to compare with acorn's syntax tree.
// With --tokens, each file's tokens instead: {"file", "begins": [byte offsets], "kinds":
// one letter per token (i identifier, # private name, n number, s string, t template,
// h/m/e template head/middle/tail, r regex, p punctuator)}.
// A glue that does not tokenize: `FILE: what (at byte offset N)` on stderr, exit 1.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "glue.h"

using namespace wasmobj;
using namespace wasmobj::glue;
using nlohmann::json;

namespace {

const char *formName(GlueValue::Form f) {
  switch (f) {
  case GlueValue::Form::WasmGlobal: return "WasmGlobal";
  case GlueValue::Form::ModuleConst: return "ModuleConst";
  case GlueValue::Form::Literal: return "Literal";
  case GlueValue::Form::Export: return "Export";
  }
  return "?";
}

json limit(const std::optional<GlueLimit> &l) {
  if (!l) return nullptr;
  return json{{"expr", l->expr}, {"value", l->value ? json(*l->value) : json(nullptr)}};
}

json toJson(const GlueFacts &f) {
  json j;
  j["tokens"] = f.tokens;
  j["importObjects"] = json::array();
  for (auto &o : f.importObjects) {
    json props = json::object();
    for (auto &[k, v] : o.props) props[k] = v;
    j["importObjects"].push_back(
        {{"name", o.name}, {"offset", o.offset}, {"complete", o.complete}, {"duplicates", o.duplicates}, {"keys", o.keys}, {"props", props}});
  }
  j["importModules"] = json::array();
  for (auto &m : f.importModules) {
    json mods = json::object();
    for (auto &[k, r] : m.modules) mods[k] = {{"object", r.object}, {"viaProxy", r.viaProxy}};
    j["importModules"].push_back({{"offset", m.offset}, {"modules", mods}});
  }
  j["sigs"] = json::object();
  for (auto &[k, v] : f.sigs) j["sigs"][k] = v;
  j["bases"] = json::object();
  for (auto &[name, vs] : f.bases) {
    json a = json::array();
    for (auto &v : vs) {
      json e = {{"form", formName(v.form)}, {"offset", v.offset}, {"declared", v.declared}, {"value", v.value ? json(*v.value) : json(nullptr)}};
      if (v.form == GlueValue::Form::WasmGlobal) e["type"] = v.type, e["mutable"] = v.isMutable;
      if (v.form == GlueValue::Form::Export) e["export"] = v.exportName;
      a.push_back(e);
    }
    j["bases"][name] = a;
  }
  j["base"] = json::object();
  for (auto &[name, vs] : f.bases)
    if (const GlueValue *v = f.base(name)) j["base"][name] = {{"form", formName(v->form)}, {"value", v->value ? json(*v->value) : json(nullptr)}, {"export", v->exportName}};
  j["moduleConstants"] = f.moduleConstants;
  j["configValues"] = f.configValues;
  j["exportsRead"] = f.exportsRead;
  j["memories"] = json::array();
  for (auto &m : f.memories)
    j["memories"].push_back({{"offset", m.offset}, {"initial", limit(m.initial)}, {"maximum", limit(m.maximum)}, {"shared", m.shared}, {"complete", m.complete}});
  j["tables"] = json::array();
  for (auto &t : f.tables)
    j["tables"].push_back({{"offset", t.offset}, {"initial", limit(t.initial)}, {"maximum", limit(t.maximum)}, {"element", t.element}, {"complete", t.complete}});
  j["markers"] = f.markers;
  j["dlFunctions"] = f.dlFunctions;
  return j;
}

json tokensJson(std::string_view js) {
  static const char kLetters[] = {'$', 'i', '#', 'n', 's', 't', 'h', 'm', 'e', 'r', 'p'};
  Tokenizer tz(js);
  json begins = json::array();
  std::string kinds;
  for (Token t = tz.next(); t.kind != TokenKind::End; t = tz.next()) {
    begins.push_back(t.begin);
    kinds += kLetters[size_t(t.kind)];
  }
  return json{{"begins", begins}, {"kinds", kinds}};
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: glue_facts GLUE.js...\n");
    return 2;
  }
  json out = json::array();
  bool tokens = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--tokens") {
      tokens = true;
      continue;
    }
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read\n", argv[i]);
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string js = ss.str();
    try {
      json j = tokens ? tokensJson(js) : toJson(readGlue(js));
      j["file"] = argv[i];
      out.push_back(std::move(j));
    } catch (const Error &e) {
      std::fprintf(stderr, "%s\n", e.withFile(argv[i]).format().c_str());
      return 1;
    }
  }
  std::cout << out.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}
