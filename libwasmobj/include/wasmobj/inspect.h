// `prelink inspect`: what a dynamic library declares, as JSON (the text form is rendered
// from the same JSON, so the two can never disagree).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "wasmobj/module.h"

namespace wasmobj {

// The parts of a report (prelink inspect --dylink/--imports/--exports/--sections): none
// selected means all. "file" and "size" are always there; "start" goes with the exports,
// "counts" with the sections.
struct InspectParts {
  bool dylink = false, imports = false, exports = false, sections = false;
  bool any() const { return dylink || imports || exports || sections; }
};

// A report of one or more modules (docs/cli.md gives the JSON schema and the text form),
// built one module at a time. JSON is the library's own business: it is not in this API.
class InspectReport {
public:
  InspectReport();
  ~InspectReport();
  InspectReport(const InspectReport &) = delete;
  InspectReport &operator=(const InspectReport &) = delete;
  // Adds M, read from FILE of FILESIZE bytes.
  void add(const Module &m, const std::string &file, uint64_t fileSize, InspectParts parts = {});
  size_t size() const;
  // The text form of every module added, in order; what came from an input is escaped.
  std::string text() const;
  // The JSON text: the one module's object when there is one and not ASARRAY, else an
  // array. File names that are not UTF-8 get U+FFFD for their invalid bytes.
  std::string json(bool asArray) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace wasmobj
