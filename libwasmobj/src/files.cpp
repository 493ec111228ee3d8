// Inputs and outputs on disk (wasmobj/files.h). POSIX calls rather than iostreams: an
// input must be opened with O_NONBLOCK and checked with fstat on the descriptor it was
// opened as (no window for a rename between the check and the read), and a temporary
// must be created with O_EXCL.
#include "wasmobj/files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <random>
#include <atomic>
#include <csignal>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmobj/diag.h"
#include "wasmobj/error.h"
#include "wasmobj/reader.h"

namespace wasmobj {

namespace fs = std::filesystem;

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

// At most this much per write(2). For a larger write the kernel's page cache takes large
// folios (128 KiB and up, Linux 6.x), and a VM that hands free memory back to its host
// (virtio-balloon free page reporting: Firecracker, cloud-hypervisor) keeps its free
// high-order blocks cold: 15 MB written 1 MiB at a time took 41-57 ms there, 64 KiB at a
// time 5-6 ms, 128 KiB 43-48 ms (docs/benchmarks.md). Where the pages are at hand, 64 KiB
// writes cost about 0.6 ms more for those 15 MB than 1 MiB ones (3.8 against 3.2 ms).
constexpr size_t kWriteAtMost = 64 * 1024;

bool writeFully(int fd, ByteView b) {
  size_t done = 0;
  while (done < b.size()) {
    ssize_t r = ::write(fd, b.data() + done, std::min(b.size() - done, kWriteAtMost));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += size_t(r);
  }
  return true;
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

namespace {

Error overBudget(const std::string &path, uint64_t n, uint64_t budget) {
  return Error("file of " + sizeText(n) + " is over what --max-input-bytes still allows (" + sizeText(budget) + ")", Error::kNoOffset,
               path);
}

// checkWasmHeader, its error naming PATH.
void checkHeaderOf(ByteView bytes, const std::string &path) {
  try {
    checkWasmHeader(bytes);
  } catch (const Error &e) {
    throw e.withFile(path);
  }
}

// loadFile's reading, of FD (at its start) whose fstat said SIZE.
std::shared_ptr<Bytes> readOpened(int fd, const std::string &path, uint64_t size, bool wasm, uint64_t budget) {
  if (size > budget) throw overBudget(path, size, budget);
  auto buf = std::make_shared<Bytes>();
  size_t got = 0;
  if (wasm && size >= 8 && size < 64 * 1024) {
    // A small module in one read(2) of a byte more than fstat saw: getting exactly its
    // size back is its end (three reads per file were 5% of a 3,000-library link). Any
    // other count (it grew or shrank meanwhile) starts over as below.
    buf->resize(size_t(size) + 1);
    ssize_t r;
    do r = ::read(fd, buf->data(), buf->size());
    while (r < 0 && errno == EINTR);
    if (r < 0) throw Error("cannot read file: " + errnoText(errno), Error::kNoOffset, path);
    if (uint64_t(r) == size) {
      buf->resize(size_t(r));
      checkHeaderOf(ByteView(*buf), path);
      return buf;
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) throw Error("cannot read file: " + errnoText(errno), Error::kNoOffset, path);
    buf->clear();
  }
  if (wasm) {
    // The header first: a large file that is not a module is refused after 8 bytes.
    buf->resize(8);
    got = readFully(fd, buf->data(), 8, path);
    buf->resize(got);
    checkHeaderOf(ByteView(*buf), path);
  }
  // The size fstat saw; a file that grows meanwhile is read to its end, within BUDGET.
  buf->resize(std::max<size_t>(got, size_t(size)));
  for (;;) {
    got += readFully(fd, buf->data() + got, buf->size() - got, path);
    if (got < buf->size()) break;
    if (got > budget) throw overBudget(path, got, budget);
    uint8_t probe;
    if (readFully(fd, &probe, 1, path) == 0) break;
    buf->push_back(probe);
    ++got;
    buf->resize(got + std::max<size_t>(got / 2, 64 * 1024));
  }
  buf->resize(got);
  if (got > budget) throw overBudget(path, got, budget);
  return buf;
}

// What the SIGBUS handler needs, kept where a signal handler can read it: lists that only
// grow (prepended atomically), each entry with its text made in advance.
struct Mapping {
  const uint8_t *base;
  size_t size;
  std::atomic<bool> live{true};
  std::string line; // the error line
  Mapping *next = nullptr;
};
struct Temporary {
  std::string path;
  std::atomic<bool> live{true};
  Temporary *next = nullptr;
};
std::atomic<Mapping *> gMappings{nullptr};
std::atomic<Temporary *> gTemporaries{nullptr};

template <class T> void prepend(std::atomic<T *> &head, T *n) {
  n->next = head.load();
  while (!head.compare_exchange_weak(n->next, n)) {
  }
}

// A mapped input that shrank: the access past its new end faults. One error line, the
// temporaries removed, exit 1, as for any failed link (only async-signal-safe calls).
void onSigbus(int sig, siginfo_t *info, void *) {
  const uint8_t *at = static_cast<const uint8_t *>(info->si_addr);
  for (Mapping *m = gMappings.load(); m; m = m->next)
    if (m->live.load() && at >= m->base && at < m->base + m->size) {
      for (Temporary *t = gTemporaries.load(); t; t = t->next)
        if (t->live.load()) ::unlink(t->path.c_str());
      ssize_t r = ::write(2, m->line.data(), m->line.size());
      (void)r;
      ::_exit(1);
    }
  // Not an input's: the default action.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void installSigbusHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = onSigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
}

// Files smaller than this are read: a mapping would save nothing.
constexpr uint64_t kMapAtLeast = 64 * 1024;

} // namespace

std::shared_ptr<Bytes> loadFile(const std::string &path, FileId *id, bool wasm, uint64_t budget) {
  uint64_t size = 0;
  Fd fd(openInputFile(path, id, &size));
  return readOpened(fd.fd, path, size, wasm, budget);
}

std::shared_ptr<InputBytes> mapInputFile(const std::string &path, FileId *id, uint64_t budget) {
  uint64_t size = 0;
  Fd fd(openInputFile(path, id, &size));
  if (size >= kMapAtLeast && size <= budget && size <= SIZE_MAX) {
    uint8_t header[8];
    size_t got = readFully(fd.fd, header, 8, path);
    checkHeaderOf(ByteView(header, got), path);
    installSigbusHandler();
    void *p = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, fd.fd, 0);
    if (p != MAP_FAILED) {
      std::shared_ptr<InputBytes> in(new InputBytes());
      in->map_ = p;
      in->mapSize_ = size_t(size);
      in->view_ = ByteView(static_cast<const uint8_t *>(p), size_t(size));
      auto *m = new Mapping{static_cast<const uint8_t *>(p), size_t(size), {true},
                            "prelink: error: " + escapeText(path + ": the file was truncated while prelink read it") + "\n", nullptr};
      prepend(gMappings, m);
      return in;
    }
    if (::lseek(fd.fd, 0, SEEK_SET) != 0) throw Error("cannot read file: " + errnoText(errno), Error::kNoOffset, path);
  }
  return std::make_shared<InputBytes>(std::move(*readOpened(fd.fd, path, size, true, budget)));
}

InputBytes::~InputBytes() {
  if (!map_) return;
  for (Mapping *m = gMappings.load(); m; m = m->next)
    if (m->base == map_) m->live.store(false);
  ::munmap(map_, mapSize_);
}

void InputBytes::release(ByteView part) const {
  if (!map_ || part.empty()) return;
  // Whole pages only: the pages at either end may hold bytes still in use.
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  uintptr_t b = (uintptr_t(part.data()) + page - 1) & ~(page - 1), e = (uintptr_t(part.data()) + part.size()) & ~(page - 1);
  if (uintptr_t(part.data()) + part.size() == uintptr_t(view_.data()) + view_.size()) e = uintptr_t(part.data()) + part.size();
  if (b < e) ::madvise(reinterpret_cast<void *>(b), e - b, MADV_DONTNEED);
}

namespace {

// How an output is written: through a temporary renamed into place, or in place (an
// existing device or FIFO).
struct Planned {
  const OutputFile *out;
  bool inPlace = false;
  std::string tmp; // the temporary, once created
  int fd = -1;     // in place: the open output
  Temporary *registered = nullptr; // for the SIGBUS handler
};

// The identity an output will have: the file's when it exists, else its directory's and
// its name (so "x", "./x" and "dir-link/x" are recognised as the same output).
struct OutputKey {
  FileId id;
  std::string name; // empty when the file exists
  auto operator<=>(const OutputKey &) const = default;
};

fs::path dirOf(const std::string &path) {
  fs::path dir = fs::path(path).parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// Checks one output; returns whether it is written in place, and its key.
std::pair<bool, OutputKey> checkOutput(const OutputFile &o, const std::map<FileId, std::string> &inputs) {
  if (o.path.empty()) throw Error("empty output file name (" + o.option + ")");
  struct stat st;
  const bool exists = ::stat(o.path.c_str(), &st) == 0;
  const FileId id{uint64_t(st.st_dev), uint64_t(st.st_ino)};
  if (exists) {
    if (auto it = inputs.find(id); it != inputs.end())
      throw Error(o.option + " would overwrite an input" + (it->second != o.path ? " (" + it->second + ")" : ""), Error::kNoOffset,
                  o.path);
    if (S_ISDIR(st.st_mode)) throw Error(o.option + " names a directory, not a file", Error::kNoOffset, o.path);
    if (!S_ISREG(st.st_mode)) {
      if (::faccessat(AT_FDCWD, o.path.c_str(), W_OK, AT_EACCESS) != 0)
        throw Error("cannot write output file: " + errnoText(errno), Error::kNoOffset, o.path);
      return {true, OutputKey{id, {}}};
    }
  } else if (errno != ENOENT) {
    throw Error("cannot create output file: " + errnoText(errno), Error::kNoOffset, o.path);
  }
  // A temporary is created in the output's directory, then renamed over the output.
  fs::path dir = dirOf(o.path);
  struct stat ds;
  if (::stat(dir.c_str(), &ds) != 0) throw Error("cannot create output file: " + errnoText(errno), Error::kNoOffset, o.path);
  if (!S_ISDIR(ds.st_mode)) throw Error("cannot create output file: " + errnoText(ENOTDIR), Error::kNoOffset, o.path);
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
    throw Error("cannot create output file: " + errnoText(errno), Error::kNoOffset, o.path);
  std::string name = fs::path(o.path).filename().string();
  if (name.empty()) throw Error(o.option + " names a directory, not a file", Error::kNoOffset, o.path); // "out/"
  if (exists) return {false, OutputKey{id, {}}};
  return {false, OutputKey{FileId{uint64_t(ds.st_dev), uint64_t(ds.st_ino)}, name}};
}

std::map<FileId, std::string> inputMap(const InputFiles &inputs) {
  std::map<FileId, std::string> m;
  for (auto &[id, path] : inputs) m.emplace(id, path);
  return m;
}

std::vector<Planned> plan(const std::vector<OutputFile> &outputs, const InputFiles &inputs) {
  auto byId = inputMap(inputs);
  std::map<OutputKey, const OutputFile *> seen;
  std::vector<Planned> out;
  for (auto &o : outputs) {
    auto [inPlace, key] = checkOutput(o, byId);
    auto [it, inserted] = seen.emplace(key, &o);
    if (!inserted)
      throw Error(it->second->option + " and " + o.option + " name the same file", Error::kNoOffset, o.path);
    out.push_back(Planned{&o, inPlace, {}, -1, nullptr});
  }
  return out;
}

// A new file next to PATH with a random name, created with O_EXCL (a file or link
// already there is never opened) and mode 0666 less the umask, like any new output.
int createTemporary(const std::string &path, std::string &tmp) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string stem = (dirOf(path) / ("." + fs::path(path).filename().string() + ".tmp")).string();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = stem;
    for (int i = 0; i < 12; ++i) name += kChars[rd() % (sizeof kChars - 1)];
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      tmp = name;
      return fd;
    }
    if (errno != EEXIST) break;
  }
  throw Error("cannot create output file: " + errnoText(errno), Error::kNoOffset, path);
}

// Puts the finished temporary TMP in PATH's place, atomically. An existing PATH is
// exchanged with TMP (renameat2 RENAME_EXCHANGE) and then removed under TMP's name,
// rather than renamed over: ext4 (auto_da_alloc) starts writing a file back when it is
// renamed over another, 10-14 ms of the P1 link for its 15 MB module, where the
// exchange and the removal take 1.5 ms (docs/design.md, "Speed and memory"). Nothing to
// exchange with (ENOENT), or a file system that cannot exchange: a plain rename.
int replaceFile(const std::string &tmp, const std::string &path) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    ::unlink(tmp.c_str()); // the old output now
    return 0;
  }
  return ::rename(tmp.c_str(), path.c_str());
}

} // namespace

void checkOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs) { (void)plan(outputs, inputs); }

struct StagedOutputs::Impl {
  std::vector<Planned> ps;
  std::vector<Bytes> held; // in place and streamed: the bytes commit writes
  std::vector<ByteView> pending;
};

StagedOutputs::StagedOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs) : impl_(std::make_unique<Impl>()) {
  impl_->ps = plan(outputs, inputs);
  impl_->held.resize(impl_->ps.size());
  impl_->pending.resize(impl_->ps.size());
  try {
    // Every in-place output opened now: a failure touches nothing.
    for (auto &p : impl_->ps) {
      if (!p.inPlace) continue;
      const std::string &path = p.out->path;
      // No O_CREAT, no O_TRUNC: the device or FIFO that is there is written as it is.
      p.fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (p.fd < 0) throw Error("cannot open output file: " + errnoText(errno), Error::kNoOffset, path);
      struct stat st;
      if (::fstat(p.fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        throw Error("output file changed while linking", Error::kNoOffset, path);
    }
  } catch (...) {
    cleanUp();
    throw;
  }
}

StagedOutputs::~StagedOutputs() { cleanUp(); }

// P's temporary removed, its output closed.
static void removeTemporary(Planned &p) {
  if (p.registered) p.registered->live.store(false);
  p.registered = nullptr;
  if (!p.tmp.empty()) ::unlink(p.tmp.c_str());
  if (p.fd >= 0) ::close(p.fd);
  p.tmp.clear();
  p.fd = -1;
}

void StagedOutputs::cleanUp() {
  for (auto &p : impl_->ps) removeTemporary(p);
}

void StagedOutputs::write(size_t i, ByteView bytes) {
  stream(i, [&](const std::function<void(ByteView)> &put) { put(bytes); });
}

void StagedOutputs::stream(size_t i, const std::function<void(const std::function<void(ByteView)> &)> &produce) {
  Planned &p = impl_->ps.at(i);
  const std::string &path = p.out->path;
  try {
    if (p.inPlace) {
      // A device or FIFO gets nothing before commit: the bytes wait here.
      Bytes &b = impl_->held[i];
      b.clear();
      produce([&](ByteView piece) { b.insert(b.end(), piece.begin(), piece.end()); });
      return;
    }
    if (!p.tmp.empty()) throw Error("internal error: output written twice", Error::kNoOffset, path);
    int fd = createTemporary(path, p.tmp);
    Fd guard(fd);
    // Removed by the SIGBUS handler too, should a mapped input shrink meanwhile.
    auto *t = new Temporary{p.tmp, {true}, nullptr};
    prepend(gTemporaries, t);
    p.registered = t;
    produce([&](ByteView piece) {
      if (!writeFully(fd, piece)) throw Error("cannot write output file: " + errnoText(errno), Error::kNoOffset, path);
    });
    if (::close(guard.release()) != 0) throw Error("cannot write output file: " + errnoText(errno), Error::kNoOffset, path);
  } catch (...) {
    // This output's temporary only (the others go with commit's failure or the
    // destructor): outputs may stream on threads of their own.
    removeTemporary(p);
    throw;
  }
}

void StagedOutputs::commit() {
  try {
    for (size_t i = 0; i < impl_->ps.size(); ++i) {
      Planned &p = impl_->ps[i];
      const std::string &path = p.out->path;
      if (p.inPlace) {
        bool ok = writeFully(p.fd, ByteView(impl_->held[i]));
        int e = errno;
        if (::close(p.fd) != 0 && ok) ok = false, e = errno;
        p.fd = -1;
        if (!ok) throw Error("cannot write output file: " + errnoText(e), Error::kNoOffset, path);
        continue;
      }
      if (p.tmp.empty()) throw Error("internal error: output not written", Error::kNoOffset, path);
      if (replaceFile(p.tmp, path) != 0)
        throw Error("cannot rename output file into place: " + errnoText(errno), Error::kNoOffset, path);
      p.tmp.clear();
      if (p.registered) p.registered->live.store(false);
      p.registered = nullptr;
    }
  } catch (...) {
    cleanUp();
    throw;
  }
}

void writeOutputs(const std::vector<OutputFile> &outputs, const InputFiles &inputs) {
  StagedOutputs s(outputs, inputs);
  for (size_t i = 0; i < outputs.size(); ++i) s.write(i, outputs[i].bytes);
  s.commit();
}

void writeFileAtomic(const std::string &path, ByteView bytes) { writeOutputs({OutputFile{path, bytes, "output"}}); }

} // namespace wasmobj
