// Reading inputs and writing outputs on disk (docs/reliability.md, "Files"): an input is
// opened without blocking and must be a regular file, so a FIFO or a device cannot hang
// or feed the link; outputs are checked before any is written, written to temporaries
// with unpredictable names and renamed together, and never onto an input.
#pragma once
#include <cstdint>
#include <functional>
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

// An input's bytes: a regular file mapped read-only, or bytes in memory (an archive
// member, a small file). A mapping costs memory only for the pages being read, and
// release() hands back those the link is done with (the page cache keeps them; a later
// read maps them again), so a link holds little more of its inputs than what it is
// working on. A mapped file truncated while prelink runs ends it with SIGBUS, caught:
// one error line naming the file, temporaries removed, exit 1 (docs/reliability.md).
class InputBytes {
public:
  explicit InputBytes(Bytes bytes) : owned_(std::move(bytes)), view_(owned_) {}
  ~InputBytes();
  InputBytes(const InputBytes &) = delete;
  InputBytes &operator=(const InputBytes &) = delete;
  const uint8_t *data() const { return view_.data(); }
  size_t size() const { return view_.size(); }
  const uint8_t *begin() const { return view_.data(); }
  const uint8_t *end() const { return view_.data() + view_.size(); }
  // Drops the resident pages wholly inside PART (a view into these bytes); nothing for
  // bytes in memory. The bytes stay readable.
  void release(ByteView part) const;
  void release() const { release(view_); }

private:
  friend std::shared_ptr<InputBytes> mapInputFile(const std::string &, FileId *, uint64_t);
  InputBytes() = default;
  Bytes owned_;
  ByteView view_;
  void *map_ = nullptr;
  size_t mapSize_ = 0;
};

// loadFile(PATH, ID, true, BUDGET) for a module, mapped when it is a regular file of some
// size (the 8-byte header is read and checked first, so a large file that is not a module
// is never mapped); errors as loadFile's.
std::shared_ptr<InputBytes> mapInputFile(const std::string &path, FileId *id = nullptr, uint64_t budget = ~uint64_t(0));

// One output: its path, its bytes, and how the command line named it (for messages:
// "-o", "--manifest").
struct OutputFile {
  std::string path;
  ByteView bytes;
  std::string option;
};

// Checks OUTPUTS before anything is written: none is a directory, no two are the same
// file, none is one of INPUTS (by device and inode, whatever the names), and each one's
// destination can be written. Throws Error naming the output.
void checkOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs = {});

// Writes OUTPUTS as one, as far as a file system allows: checkOutputs first; then every
// regular output is written to a new temporary next to it (a random name, created with
// O_EXCL so that nothing planted there is followed; permissions from the umask); only
// when all are written are they renamed into place, in order (put the file others key
// on last: the module after its manifest). An output that exists and is not a regular
// file (/dev/null, a FIFO) is opened as it is and written in place, as lld does, never
// replaced. A failure before the renames touches no destination and removes every
// temporary.
void writeOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs = {});

// writeOutputs in steps, for outputs made one after the other (runLink streams the module
// into its temporary, then writes the manifest that names the module's SHA-256). The
// constructor checks every output (checkOutputs) and opens those written in place;
// write/stream fill one output's temporary (an in-place output's bytes are kept for
// commit); commit renames every temporary into place in order, after writing the
// in-place ones. Any failure, or destruction before commit, removes every temporary.
// Different outputs may be written or streamed at the same time, on threads of their own.
class StagedOutputs {
public:
  StagedOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs = {});
  ~StagedOutputs();
  StagedOutputs(const StagedOutputs &) = delete;
  StagedOutputs &operator=(const StagedOutputs &) = delete;
  void write(size_t i, ByteView bytes);
  // Output I's bytes in pieces: PRODUCE hands each piece, in order, to its argument.
  void stream(size_t i, const std::function<void(const std::function<void(ByteView)> &)> &produce);
  void commit();

private:
  void cleanUp();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// writeOutputs of one file.
void writeFileAtomic(const std::string &path, ByteView bytes);

} // namespace wasmobj
