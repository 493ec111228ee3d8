// Inputs on disk (wasmobj/files.h). POSIX calls rather than iostreams: an input must be
// opened with O_NONBLOCK and checked with fstat on the descriptor it was opened as (no
// window for a rename between the check and the read).
#include "wasmobj/files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmobj/error.h"
#include "wasmobj/reader.h"

namespace wasmobj {

namespace {

std::string errnoText(int e) { return std::strerror(e); }

// What a file that is not a regular file is, for messages.
const char *kindOf(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

// read(2) until N bytes or the end of the file; returns the bytes read.
size_t readFully(int fd, uint8_t *p, size_t n, const std::string &path) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw Error("cannot read file: " + errnoText(errno), Error::kNoOffset, path);
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

std::string sizeText(uint64_t n) { return std::to_string(n) + " bytes"; }

} // namespace

int openInputFile(const std::string &path, FileId *id, uint64_t *size) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.fd < 0) throw Error("cannot open file: " + errnoText(errno), Error::kNoOffset, path);
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) throw Error("cannot open file: " + errnoText(errno), Error::kNoOffset, path);
  if (S_ISDIR(st.st_mode)) throw Error("is a directory, not a wasm module", Error::kNoOffset, path);
  if (!S_ISREG(st.st_mode)) throw Error(std::string("is ") + kindOf(st.st_mode) + ", not a regular file", Error::kNoOffset, path);
  // Back to blocking reads (no difference for a regular file; says what we mean).
  int flags = ::fcntl(fd.fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd.fd, F_SETFL, flags & ~O_NONBLOCK);
  if (id) *id = FileId{uint64_t(st.st_dev), uint64_t(st.st_ino)};
  if (size) *size = uint64_t(std::max<off_t>(0, st.st_size));
  return fd.release();
}

std::shared_ptr<Bytes> loadFile(const std::string &path, FileId *id, bool wasm, uint64_t budget) {
  uint64_t size = 0;
  Fd fd(openInputFile(path, id, &size));
  auto overBudget = [&](uint64_t n) {
    return Error("file of " + sizeText(n) + " is over what --max-input-bytes still allows (" + sizeText(budget) + ")",
                 Error::kNoOffset, path);
  };
  if (size > budget) throw overBudget(size);
  auto buf = std::make_shared<Bytes>();
  size_t got = 0;
  if (wasm) {
    // The header first: a large file that is not a module is refused after 8 bytes.
    buf->resize(8);
    got = readFully(fd.fd, buf->data(), 8, path);
    buf->resize(got);
    try {
      checkWasmHeader(ByteView(*buf));
    } catch (const Error &e) {
      throw e.withFile(path);
    }
  }
  // The size fstat saw; a file that grows meanwhile is read to its end, within BUDGET.
  buf->resize(std::max<size_t>(got, size_t(size)));
  for (;;) {
    got += readFully(fd.fd, buf->data() + got, buf->size() - got, path);
    if (got < buf->size()) break;
    if (got > budget) throw overBudget(got);
    uint8_t probe;
    if (readFully(fd.fd, &probe, 1, path) == 0) break;
    buf->push_back(probe);
    ++got;
    buf->resize(got + std::max<size_t>(got / 2, 64 * 1024));
  }
  buf->resize(got);
  if (got > budget) throw overBudget(got);
  return buf;
}

} // namespace wasmobj
