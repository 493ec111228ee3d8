// The writer: sizes of every section are computed first, then the module is written in
// one pass into a buffer of exactly that size.
#pragma once
#include <functional>
#include <span>

#include "wasmobj/files.h"
#include "wasmobj/module.h"

namespace wasmobj {

Bytes writeModule(const Module &m);

// The same bytes, handed to PUT in pieces of at most a few MiB (large data segments and
// custom sections whole) without the module ever being in memory at once; deferred
// bodies (Function::deferred) are made a buffer at a time. PUT runs on a thread of its
// own, one call at a time, in order (overlapping the encoding); its exceptions come out of
// writeModule. Returns the module's size.
size_t writeModule(const Module &m, const std::function<void(ByteView)> &put);

// The same pieces handed to each of PUTS, every one on a thread of its own and at its own
// pace (one may be a few pieces ahead of another), each in order: runLink hashes the
// module and writes it. A piece's bytes are valid until every PUT has returned for it.
// The first exception of any PUT comes out of writeModule.
size_t writeModule(const Module &m, std::span<const std::function<void(ByteView)>> puts);

// Writing files to disk: writeOutputs and writeFileAtomic (wasmobj/files.h).

} // namespace wasmobj
