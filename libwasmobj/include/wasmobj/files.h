// Reading inputs from disk (docs/reliability.md, "Files"): an input is opened without
// blocking and must be a regular file, so a FIFO or a device cannot hang or feed the link.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wasmobj/leb.h"

namespace wasmobj {

// A file's identity (device and inode): the same file under any name or link.
struct FileId {
  uint64_t dev = 0, ino = 0;
  auto operator<=>(const FileId &) const = default;
};

// The files a link read, each with the name it was read by (for messages).
using InputFiles = std::vector<std::pair<FileId, std::string>>;

// Opens PATH for reading: O_NONBLOCK so that the open itself cannot wait (a FIFO), then
// fstat; anything but a regular file is an Error naming PATH. Returns the descriptor
// (the caller closes it); ID and SIZE, when given, receive the file's identity and size.
int openInputFile(const std::string &path, FileId *id = nullptr, uint64_t *size = nullptr);

// Reads a whole regular file into memory; errors name the file. WASM: check the 8-byte
// header (magic, version) before reading the rest, so a large file that is not a module
// costs 8 bytes. BUDGET: a file larger than this is an Error naming --max-input-bytes
// (inputs found in directories). ID, when given, receives the file's identity.
std::shared_ptr<Bytes> loadFile(const std::string &path, FileId *id = nullptr, bool wasm = false,
                                uint64_t budget = ~uint64_t(0));

} // namespace wasmobj
