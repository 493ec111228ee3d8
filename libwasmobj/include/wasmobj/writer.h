// The writer: sizes of every section are computed first, then the module is written in
// one pass into a buffer of exactly that size.
#pragma once
#include "wasmobj/files.h"
#include "wasmobj/module.h"

namespace wasmobj {

Bytes writeModule(const Module &m);

// Writing files to disk: writeOutputs and writeFileAtomic (wasmobj/files.h).

} // namespace wasmobj
