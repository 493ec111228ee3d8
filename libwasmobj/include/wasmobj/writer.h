// The writer: sizes of every section are computed first, then the module is written in
// one pass into a buffer of exactly that size.
#pragma once
#include "wasmobj/module.h"

namespace wasmobj {

Bytes writeModule(const Module &m);

// Writes BYTES to PATH atomically: a temporary file next to it, renamed on success.
void writeFileAtomic(const std::string &path, ByteView bytes);

} // namespace wasmobj
