// Errors of libwasmobj: every error carries the byte offset where it was found, and the
// reader adds the file name. Printed as `FILE: what (at byte offset N)`.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace wasmobj {

class Error : public std::runtime_error {
public:
  static constexpr uint64_t kNoOffset = ~uint64_t(0);
  Error(std::string what, uint64_t offset = kNoOffset, std::string file = {})
      : std::runtime_error(what), what_(std::move(what)), offset_(offset), file_(std::move(file)) {}
  const std::string &message() const { return what_; }
  uint64_t offset() const { return offset_; }
  const std::string &file() const { return file_; }
  bool hasOffset() const { return offset_ != kNoOffset; }
  // Returns a copy naming FILE when none is set yet, and shifting the offset by BASE
  // (used when a buffer was parsed out of a larger file).
  Error withFile(const std::string &file, uint64_t base = 0) const {
    return Error(what_, hasOffset() ? offset_ + base : offset_, file_.empty() ? file : file_);
  }
  // `FILE: what (at byte offset N)`
  std::string format() const {
    std::string s;
    if (!file_.empty()) s += file_ + ": ";
    s += what_;
    if (hasOffset()) s += " (at byte offset " + std::to_string(offset_) + ")";
    return s;
  }

private:
  std::string what_;
  uint64_t offset_;
  std::string file_;
};

} // namespace wasmobj
