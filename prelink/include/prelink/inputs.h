// The wasm modules a command-line path stands for, found as the linker finds its inputs
// (prelink/link/archive.cpp): for `prelink inspect`.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wasmobj/files.h"
#include "wasmobj/leb.h"

namespace wasmobj {

struct ModuleFile {
  std::string path; // PATH, DIR/path below it, or ARCHIVE:member
  std::shared_ptr<const InputBytes> bytes;
  bool member = false; // found in a directory or an archive
};

// PATH itself when it is a plain file; for a directory, a wheel, a zip or a tarball, every
// `.so` and `.wasm` inside, sorted by the name inside. MAXBYTES bounds what the members
// may take in total. Throws Error as the linker does for its inputs (unsafe names, links
// pointing outside, corrupt archives, none inside).
std::vector<ModuleFile> expandModuleFiles(const std::string &path, uint64_t maxBytes);

} // namespace wasmobj
