// Whole-program optimisation and garbage collection of a linked module, with binaryen.
#pragma once
#include "manifest.h"

#include "prelink/link.h"
#include "wasmobj/module.h"

namespace wasmobj::linking {

// Whether the configuration asks for binaryen at all (-O1.. or --gc-sections).
inline bool wantsBinaryen(const LinkConfig &cfg) { return cfg.optimizeLevel > 0 || cfg.shrinkLevel > 0 || cfg.gcSections; }

// Hands the linked module's bytes to binaryen: --gc-sections first (binaryen's
// remove-unused-module-elements from the exports, the start function and the table's
// element segments), then the -O pipeline, then validation. Checks that every table slot
// still holds the function it held (the dl table and function pointers depend on it),
// rewrites the manifest's function indices into the new index space (null for a function
// optimisation removed), and adds its "optimization" and "gc" reports. Returns the new
// bytes. Throws Error when binaryen cannot read or validate the module.
Bytes optimizeLinked(ByteView linked, const LinkConfig &cfg, Manifest &manifest,
                     std::vector<std::pair<std::string, double>> &stageMs);

// What binaryen changed in the custom sections of M, its output for LINKED, undone
// (sections.cpp): binaryen 108 writes a name for every function, making up its former
// index (decimal digits) for those without one, and cannot read a module back in which
// such a name collides with another's: names that are only digits are dropped (no symbol
// of C, C++ or Rust is). And it writes the feature set prelink let it use as
// target_features, not what the code uses: LINKED's section replaces it.
void restoreCustomSections(Module &m, const Module &linked);

} // namespace wasmobj::linking
