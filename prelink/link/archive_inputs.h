// Inputs that hold libraries: directories, Python wheels and zip files, tarballs
// (libarchive). Every `.so` inside becomes one input whose install name is its normalised
// path inside (docs/cli.md, "Directories and archives").
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasmobj/files.h"
#include "wasmobj/leb.h"

namespace wasmobj::linking {

struct InputFile {
  std::string name; // install name: the file name, or the path inside a directory/archive
  std::string path; // for messages (`numpy.tar.xz:numpy/core/x.so`) and $ORIGIN
  std::shared_ptr<const InputBytes> bytes;
  bool member = false; // found inside a directory or an archive
};

// Whether PATH names an archive prelink opens (by its name: .whl, .zip, .tar, .tar.gz,
// .tgz, .tar.xz, .txz, .tar.bz2, .tbz2, .tar.zst).
bool isArchiveName(const std::string &path);

// The libraries PATH stands for: PATH itself when it is a plain file; for a directory or
// an archive, every `.so` inside, sorted by install name. BUDGET is the number of bytes
// members may still take (--max-input-bytes); what is extracted is taken from it.
// Throws Error naming `ARCHIVE:MEMBER` for unsafe names, links pointing outside,
// truncated or corrupt archives, and an archive or directory without any `.so`. Every
// file read (the archive, each file of a directory) is added to FILES. ALSOWASM: members
// named .wasm too (prelink inspect).
std::vector<InputFile> expandInput(const std::string &path, uint64_t &budget, InputFiles &files, bool alsoWasm = false);

// The normalised form of an archive member's name ("./a//b/x.so" -> "a/b/x.so"; "./" ->
// ""), or nullopt when it is unsafe: absolute, or with a ".." component.
std::optional<std::string> normaliseMemberName(const std::string &name);

} // namespace wasmobj::linking
