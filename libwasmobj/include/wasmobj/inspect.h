// `prelink inspect`: what a dynamic library declares, as JSON (the text form is rendered
// from the same JSON, so the two can never disagree).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "wasmobj/module.h"

namespace wasmobj {

// The parts of a report (prelink inspect --dylink/--imports/--exports/--sections): none
// selected means all. "file" and "size" are always there; "start" goes with the exports,
// "counts" with the sections.
struct InspectParts {
  bool dylink = false, imports = false, exports = false, sections = false;
  bool any() const { return dylink || imports || exports || sections; }
};

nlohmann::ordered_json inspectModule(const Module &m, const std::string &file, uint64_t fileSize, InspectParts parts = {});
// Renders the parts J holds.
std::string renderInspectText(const nlohmann::ordered_json &j);

} // namespace wasmobj
