#include "wasmobj/module.h"

#include <type_traits>

namespace wasmobj {

const char *sectionName(SectionId id) {
  switch (id) {
  case SectionId::Custom: return "custom";
  case SectionId::Type: return "type";
  case SectionId::Import: return "import";
  case SectionId::Function: return "function";
  case SectionId::Table: return "table";
  case SectionId::Memory: return "memory";
  case SectionId::Global: return "global";
  case SectionId::Export: return "export";
  case SectionId::Start: return "start";
  case SectionId::Elem: return "elem";
  case SectionId::Code: return "code";
  case SectionId::Data: return "data";
  case SectionId::DataCount: return "datacount";
  case SectionId::Tag: return "tag";
  }
  return "unknown";
}

const char *externKindName(ExternKind k) {
  switch (k) {
  case ExternKind::Func: return "function";
  case ExternKind::Table: return "table";
  case ExternKind::Memory: return "memory";
  case ExternKind::Global: return "global";
  case ExternKind::Tag: return "tag";
  }
  return "unknown";
}

std::string ValType::str() const {
  switch (code) {
  case I32: return "i32";
  case I64: return "i64";
  case F32: return "f32";
  case F64: return "f64";
  case V128: return "v128";
  case FuncRef: return "funcref";
  case ExternRef: return "externref";
  case ExnRef: return "exnref";
  case 0x63: return "(ref null " + std::to_string(heap) + ")";
  case 0x64: return "(ref " + std::to_string(heap) + ")";
  }
  return "type 0x" + std::to_string(code);
}

std::string FuncType::str() const {
  std::string s = "(";
  for (size_t i = 0; i < params.size(); ++i) s += (i ? ", " : "") + params[i].str();
  s += ") -> (";
  for (size_t i = 0; i < results.size(); ++i) s += (i ? ", " : "") + results[i].str();
  return s + ")";
}

void Module::countImports() {
  numImportedFuncs = numImportedTables = numImportedMemories = numImportedGlobals = numImportedTags = 0;
  for (auto &v : importPos_) v.clear();
  for (uint32_t k = 0; k < imports.size(); ++k) {
    const Import &i = imports[k];
    if (size_t(i.kind) < 5) importPos_[size_t(i.kind)].push_back(k);
    switch (i.kind) {
    case ExternKind::Func: ++numImportedFuncs; break;
    case ExternKind::Table: ++numImportedTables; break;
    case ExternKind::Memory: ++numImportedMemories; break;
    case ExternKind::Global: ++numImportedGlobals; break;
    case ExternKind::Tag: ++numImportedTags; break;
    }
  }
}

const Import *Module::importOf(ExternKind kind, uint32_t index) const {
  // The index countImports made, while it matches the imports (else the scan below).
  if (size_t(kind) < 5 && index < importPos_[size_t(kind)].size()) {
    uint32_t k = importPos_[size_t(kind)][index];
    if (k < imports.size() && imports[k].kind == kind) return &imports[k];
  }
  uint32_t n = 0;
  for (auto &i : imports) {
    if (i.kind != kind) continue;
    if (n == index) return &i;
    ++n;
  }
  return nullptr;
}

uint32_t Module::funcTypeIndex(uint32_t func) const {
  if (func < numImportedFuncs) return importOf(ExternKind::Func, func)->typeIndex;
  return functions.at(func - numImportedFuncs).typeIndex;
}

GlobalType Module::globalType(uint32_t global) const {
  if (global < numImportedGlobals) return importOf(ExternKind::Global, global)->global;
  return globals.at(global - numImportedGlobals).type;
}

const Export *Module::findExport(std::string_view name) const {
  for (auto &e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

} // namespace wasmobj

namespace wasmobj {

// Vectors of modules grow by moving them (see Module::arena).
static_assert(std::is_nothrow_move_constructible_v<Module>);

void Module::materializeBodies() {
  std::vector<uint32_t> funcs;
  std::vector<uint8_t *> at;
  size_t total = 0;
  for (uint32_t k = 0; k < functions.size(); ++k)
    if (functions[k].deferred) funcs.push_back(k), total += functions[k].deferredSize;
  if (funcs.empty()) return;
  arena.emplace_back(total);
  uint8_t *p = arena.back().data();
  for (uint32_t k : funcs) {
    at.push_back(p);
    p += functions[k].deferredSize;
  }
  bodies->write(funcs, at);
  for (size_t i = 0; i < funcs.size(); ++i) {
    Function &f = functions[funcs[i]];
    f.body = ByteView(at[i], f.deferredSize);
    f.deferred = false;
    f.deferredSize = 0;
  }
  bodies.reset();
}

} // namespace wasmobj
