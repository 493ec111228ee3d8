// The link: a main module and its side modules become one module and a manifest.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wasmobj/module.h"

namespace wasmobj {

// Written only by the driver, read everywhere else.
struct LinkConfig {
  std::vector<std::string> inputs; // main module first, then side modules
  std::string output;
  std::string manifest;
  std::vector<std::string> searchDirs; // -L
  bool allowUndefined = false;
  bool noDuplicates = false;
  bool importStackPointer = false;
  uint64_t stackSize = 64 * 1024;
  // dlopen names: NAME=PATH (an input, by install name or path, also answers to PATH)
  // and DIR=PREFIX (every input under DIR answers to PREFIX/<path below DIR>).
  std::vector<std::string> dlopenNames;
  std::vector<std::string> dlopenPrefixes;
  bool noLibdl = false; // do not add the in-module libdl
};

struct LinkResult {
  Module module;
  nlohmann::ordered_json manifest;
  std::vector<std::string> warnings;
};

// Links in memory. Throws Error (naming the file and offset) on the first fatal problem,
// or an Error listing every undefined symbol at once.
LinkResult link(const LinkConfig &cfg);

// link() + write the module and manifest atomically; prints warnings; returns 0.
int runLink(const LinkConfig &cfg);

} // namespace wasmobj
