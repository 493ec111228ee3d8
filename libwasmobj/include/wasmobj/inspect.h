// `prelink inspect`: what a dynamic library declares, as JSON (the text form is rendered
// from the same JSON, so the two can never disagree).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "wasmobj/module.h"

namespace wasmobj {

nlohmann::ordered_json inspectModule(const Module &m, const std::string &file, uint64_t fileSize);
std::string renderInspectText(const nlohmann::ordered_json &j);

} // namespace wasmobj
