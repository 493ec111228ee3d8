// Reading a module: a framing pass of our own (section headers, order, sizes — exact byte
// offsets), then LLVM's WasmObjectFile for the contents, then our decoders for what LLVM
// does not model (element segments with expressions, dylink.0 subsections).
#pragma once
#include <string>

#include "wasmobj/files.h"
#include "wasmobj/module.h"

namespace wasmobj {

// Parses BYTES; FILE names the input in errors. OWNER keeps BYTES alive for the views the
// module holds (may be null if the caller keeps them alive).
Module readModule(ByteView bytes, const std::string &file, std::shared_ptr<const void> owner = nullptr);

// Reads PATH from disk (loadFile, wasmobj/files.h) and parses it.
Module readModuleFile(const std::string &path);

// Checks the 8-byte header of a module: magic number and version 1 (Error with offset).
void checkWasmHeader(ByteView bytes);

} // namespace wasmobj
