// Directories, wheels/zip files and tarballs as inputs: every `.so` inside is one library,
// named by its normalised path inside. Archives are read with libarchive, in memory:
// nothing is extracted to disk, so a hostile name cannot write anywhere; it is still
// rejected, as is a link pointing outside, so that a bad archive fails loudly.
#include "archive_inputs.h"
#include "dynlib.h"
#include "prelink/inputs.h"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <filesystem>
#include <optional>
#include <unistd.h>

#include "wasmobj/error.h"
#include "wasmobj/reader.h"

namespace wasmobj::linking {

namespace fs = std::filesystem;

static bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

static bool isZipName(const std::string &path) {
  std::string f = fs::path(path).filename().string();
  return endsWith(f, ".whl") || endsWith(f, ".zip");
}

bool isArchiveName(const std::string &path) {
  std::string f = fs::path(path).filename().string();
  for (const char *s : {".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst"})
    if (endsWith(f, s)) return true;
  return false;
}

static bool isLibraryName(const std::string &name) { return endsWith(name, ".so"); }
// What is looked at inside: libraries, and for `prelink inspect` modules named .wasm too.
static bool isModuleName(const std::string &name, bool alsoWasm) { return isLibraryName(name) || (alsoWasm && endsWith(name, ".wasm")); }

// Splits on '/' and '\\' (a zip made on Windows), drops empty and "." components.
static std::vector<std::string> components(const std::string &name) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : name + "/") {
    if (c == '/' || c == '\\') {
      if (!cur.empty() && cur != ".") parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return parts;
}

static bool isAbsoluteName(const std::string &name) {
  if (name.empty()) return false;
  if (name[0] == '/' || name[0] == '\\') return true;
  // "C:..." (a zip made on Windows).
  return name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0]));
}

std::optional<std::string> normaliseMemberName(const std::string &name) {
  if (isAbsoluteName(name)) return std::nullopt;
  std::string out;
  for (auto &p : components(name)) {
    if (p == "..") return std::nullopt;
    out += (out.empty() ? "" : "/") + p;
  }
  return out;
}

// Whether a symbolic link at member LINK (normalised) to TARGET stays inside the archive.
static bool linkStaysInside(const std::string &link, const std::string &target) {
  if (target.empty() || isAbsoluteName(target)) return false;
  std::vector<std::string> at = components(link);
  if (!at.empty()) at.pop_back(); // the link's directory
  for (auto &p : components(target)) {
    if (p != "..") {
      at.push_back(p);
    } else if (at.empty()) {
      return false;
    } else {
      at.pop_back();
    }
  }
  return true;
}

namespace {

// libarchive, loaded by the first archive a link reads: linked in, it and the nine
// libraries it needs (libxml2, ICU, nettle, the compressors) cost every run about 1.4 ms
// of start-up (`prelink --version` 5.5 -> 4.1 ms, docs/benchmarks.md). The functions keep
// their names, as members of la().
#define PRELINK_ARCHIVE_FUNCTIONS(X) \
  X(archive_entry_filetype) \
  X(archive_entry_hardlink) \
  X(archive_entry_pathname) \
  X(archive_entry_pathname_utf8) \
  X(archive_entry_size) \
  X(archive_entry_size_is_set) \
  X(archive_entry_symlink) \
  X(archive_error_string) \
  X(archive_read_data) \
  X(archive_read_free) \
  X(archive_read_new) \
  X(archive_read_next_header) \
  X(archive_read_open_fd) \
  X(archive_read_support_filter_all) \
  X(archive_read_support_format_gnutar) \
  X(archive_read_support_format_tar) \
  X(archive_read_support_format_zip_seekable)

PRELINK_DYNAMIC_API(ArchiveApi, la, PRELINK_ARCHIVE_FUNCTIONS, PRELINK_LIBARCHIVE_SONAME, PRELINK_LIBARCHIVE_LIBRARY,
                    "libarchive to read archives", "apt-get install libarchive13")

struct ArchiveReader {
  struct archive *a = la().archive_read_new();
  ~ArchiveReader() { la().archive_read_free(a); }
  std::string why() const {
    const char *e = la().archive_error_string(a);
    return e ? e : "unknown error";
  }
};

std::string sizeText(uint64_t n) { return std::to_string(n) + " bytes"; }

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() { ::close(fd); }
};

} // namespace

static std::vector<InputFile> readArchive(const std::string &path, uint64_t &budget, InputFiles &files, bool alsoWasm) {
  // Opened by us (a regular file, without blocking: files.h), read by libarchive.
  FileId id;
  Fd fd(openInputFile(path, &id));
  files.emplace_back(id, path);
  try {
    (void)la();
  } catch (const Error &e) {
    throw e.withFile(path);
  }
  ArchiveReader r;
  la().archive_read_support_filter_all(r.a);
  if (isZipName(path)) {
    // The seekable reader trusts the central directory at the end: a truncated zip is
    // an error, not an archive that silently lost its last members.
    la().archive_read_support_format_zip_seekable(r.a);
  } else {
    la().archive_read_support_format_tar(r.a);
    la().archive_read_support_format_gnutar(r.a);
  }
  if (la().archive_read_open_fd(r.a, fd.fd, 64 * 1024) != ARCHIVE_OK)
    throw Error("cannot read archive: " + r.why() + (isZipName(path) ? " (truncated, or not a zip file)" : ""),
                Error::kNoOffset, path);

  std::vector<InputFile> out;
  std::string previous; // the last member read, for errors found while reading the next header
  for (;;) {
    struct archive_entry *e = nullptr;
    int rc = la().archive_read_next_header(r.a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      throw Error("truncated or corrupt archive" + (previous.empty() ? "" : " after member " + previous) + ": " + r.why(),
                  Error::kNoOffset, path);
    const char *raw = la().archive_entry_pathname(e);
    if (!raw) raw = la().archive_entry_pathname_utf8(e);
    if (!raw) throw Error("a member name cannot be decoded" + (previous.empty() ? "" : " (after " + previous + ")"), Error::kNoOffset, path);
    std::string rawName = raw;
    std::string member = path + ":" + rawName;
    auto name = normaliseMemberName(rawName);
    if (!name) throw Error("unsafe member name: absolute or with \"..\"", Error::kNoOffset, member);
    member = path + ":" + *name;
    previous = *name;
    if (const char *hl = la().archive_entry_hardlink(e)) {
      if (!normaliseMemberName(hl)) throw Error("hard link points outside the archive (to \"" + std::string(hl) + "\")", Error::kNoOffset, member);
      continue;
    }
    auto type = la().archive_entry_filetype(e);
    if (type == AE_IFLNK) {
      const char *target = la().archive_entry_symlink(e);
      std::string t = target ? target : "";
      if (!linkStaysInside(*name, t)) throw Error("symbolic link points outside the archive (to \"" + t + "\")", Error::kNoOffset, member);
      continue; // links are checked, never followed
    }
    if (type != AE_IFREG || !isModuleName(*name, alsoWasm)) continue;

    // The header's size is a claim. Over the budget, it refuses the member at once;
    // otherwise it bounds what may inflate (a zip member that says 1000 bytes and
    // inflates to 3 GiB is stopped at byte 1001), and so does the budget, counted block
    // by block on the bytes that actually come out. Memory is reserved from the claim
    // only up to a few MiB: past that, only for bytes that arrived.
    auto bytes = std::make_shared<Bytes>();
    const uint64_t allowed = budget;
    std::optional<uint64_t> declared;
    if (la().archive_entry_size_is_set(e)) {
      declared = uint64_t(std::max<la_int64_t>(0, la().archive_entry_size(e)));
      if (*declared > budget)
        throw Error("member of " + sizeText(*declared) + " is over what --max-input-bytes still allows (" + sizeText(budget) + ")",
                    Error::kNoOffset, member);
      bytes->reserve(size_t(std::min<uint64_t>(*declared, 16 << 20)));
    }
    uint8_t buf[64 * 1024];
    for (;;) {
      la_ssize_t n = la().archive_read_data(r.a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        if (n == ARCHIVE_WARN) continue;
        throw Error("truncated or corrupt archive: " + r.why(), Error::kNoOffset, member);
      }
      if (declared && bytes->size() + uint64_t(n) > *declared)
        throw Error("corrupt archive: the member inflates to more than the " + sizeText(*declared) + " its header declares",
                    Error::kNoOffset, member);
      if (uint64_t(n) > budget)
        throw Error("member is over what --max-input-bytes still allows (" + sizeText(allowed) + ")", Error::kNoOffset, member);
      budget -= uint64_t(n);
      bool hadHeader = bytes->size() >= 8;
      bytes->insert(bytes->end(), buf, buf + n);
      // Not a module: refused after its first 8 bytes, not after inflating all of it.
      if (!hadHeader && bytes->size() >= 8) try {
          checkWasmHeader(ByteView(*bytes));
        } catch (const Error &err) {
          throw err.withFile(member);
        }
    }
    out.push_back(InputFile{*name, member, std::make_shared<const InputBytes>(std::move(*bytes)), true});
  }
  return out;
}

static std::vector<InputFile> readDirectory(const std::string &dir, uint64_t &budget, InputFiles &files, bool alsoWasm) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) throw Error("cannot open directory: " + ec.message(), Error::kNoOffset, dir);
  std::vector<std::pair<std::string, fs::path>> found; // install name, path
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) throw Error("cannot open directory: " + ec.message(), Error::kNoOffset, dir);
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error("cannot read directory: " + ec.message(), Error::kNoOffset, dir);
    const fs::path &p = it->path();
    std::string rel = p.lexically_relative(dir).generic_string();
    std::string shown = (fs::path(dir) / rel).string();
    if (it->is_symlink(ec)) {
      // Checked, never followed: the target must be inside the directory.
      fs::path target = fs::weakly_canonical(p, ec);
      fs::path inside = ec ? fs::path() : target.lexically_relative(root);
      if (ec || inside.empty() || *inside.begin() == "..")
        throw Error("symbolic link points outside the directory", Error::kNoOffset, shown);
      continue;
    }
    if (!it->is_regular_file(ec) || !isModuleName(rel, alsoWasm)) continue;
    found.emplace_back(rel, p);
  }
  std::sort(found.begin(), found.end());
  std::vector<InputFile> out;
  for (auto &[rel, p] : found) {
    std::string shown = (fs::path(dir) / rel).string();
    FileId id;
    auto bytes = mapInputFile(shown, &id, budget);
    files.emplace_back(id, shown);
    budget -= bytes->size();
    out.push_back(InputFile{rel, shown, std::move(bytes), true});
  }
  return out;
}

std::vector<InputFile> expandInput(const std::string &path, uint64_t &budget, InputFiles &files, bool alsoWasm) {
  std::error_code ec;
  std::vector<InputFile> out;
  bool dir = fs::is_directory(path, ec);
  if (dir) out = readDirectory(path, budget, files, alsoWasm);
  else if (isArchiveName(path)) out = readArchive(path, budget, files, alsoWasm);
  else {
    FileId id;
    auto bytes = mapInputFile(path, &id);
    files.emplace_back(id, path);
    return {InputFile{fs::path(path).filename().string(), path, std::move(bytes), false}};
  }
  if (out.empty())
    throw Error(std::string(alsoWasm ? "no .so or .wasm file in this " : "no .so file in this ") + (dir ? "directory" : "archive"),
                Error::kNoOffset, path);
  std::sort(out.begin(), out.end(), [](const InputFile &a, const InputFile &b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].name == out[i - 1].name) throw Error("two members have the same name", Error::kNoOffset, out[i].path);
  return out;
}

} // namespace wasmobj::linking

namespace wasmobj {

std::vector<ModuleFile> expandModuleFiles(const std::string &path, uint64_t maxBytes) {
  InputFiles files;
  std::vector<ModuleFile> out;
  for (auto &f : linking::expandInput(path, maxBytes, files, true)) out.push_back(ModuleFile{f.path, std::move(f.bytes), f.member});
  return out;
}

} // namespace wasmobj
