// The writer: sizes of every section are computed first, then the module is written in
// one pass into a buffer of exactly that size.
#pragma once
#include "wasmobj/module.h"

namespace wasmobj {

Bytes writeModule(const Module &m);

// Writes BYTES to PATH atomically: a temporary file next to it, renamed on success.
void writeFileAtomic(const std::string &path, ByteView bytes);

// Several outputs as one: every file is written to its temporary first; only when all
// are written are they renamed, in order (put the file others key on last: the module
// after its manifest, so a new module never sits next to an old manifest). A failed
// write touches no target and removes every temporary.
void writeFilesAtomic(const std::vector<std::pair<std::string, ByteView>> &files);

} // namespace wasmobj
