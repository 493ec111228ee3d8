#include "wasmobj/writer.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <variant>

#include "wasmobj/error.h"

namespace wasmobj {

namespace {

// Three sinks with one interface: encoders are written once as templates, run first with
// CountSink to size a section, then with PtrSink to emit it into a buffer of that size or
// with StreamSink to emit it in pieces.
struct CountSink {
  size_t n = 0;
  void u8(uint8_t) { ++n; }
  void uleb(uint64_t v) { n += ulebSize(v); }
  void sleb(int64_t v) { n += slebSize(v); }
  void bytes(ByteView b) { n += b.size(); }
  void name(std::string_view s) { n += ulebSize(s.size()) + s.size(); }
  void code(const Module &m) {
    for (auto &f : m.functions) n += ulebSize(f.bodySize()) + f.bodySize();
  }
};

struct PtrSink {
  uint8_t *p;
  void u8(uint8_t b) { *p++ = b; }
  void uleb(uint64_t v) { p = putUleb(p, v); }
  void sleb(int64_t v) { p = putSleb(p, v); }
  void bytes(ByteView b) {
    if (!b.empty()) std::memcpy(p, b.data(), b.size());
    p += b.size();
  }
  void name(std::string_view s) {
    uleb(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  // Every body in place; the deferred ones at once, at the end.
  void code(const Module &m) {
    std::vector<uint32_t> funcs;
    std::vector<uint8_t *> at;
    for (uint32_t k = 0; k < m.functions.size(); ++k) {
      const Function &f = m.functions[k];
      uleb(f.bodySize());
      if (f.deferred) {
        funcs.push_back(k);
        at.push_back(p);
        p += f.deferredSize;
      } else {
        bytes(f.body);
      }
    }
    if (!funcs.empty()) m.bodies->write(funcs, at);
  }
};

// Hands pieces to PUT on a thread of its own, one at a time and in order, so that what
// PUT does (runLink: SHA-256, or write(2)) overlaps encoding what follows. Pieces are
// numbered from 1 in the order pushed. An exception of PUT comes back from the next push
// or wait.
class Pipe {
public:
  explicit Pipe(const std::function<void(ByteView)> &put) : put_(put), thread_([this] { run(); }) {}
  ~Pipe() {
    {
      std::lock_guard l(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void push(ByteView b) {
    std::lock_guard l(m_);
    if (error_) std::rethrow_exception(error_);
    q_.push_back(b);
    cv_.notify_all();
  }
  // Until PUT has returned for the piece ID.
  void waitFor(uint64_t id) {
    std::unique_lock l(m_);
    cv_.wait(l, [&] { return done_ >= id || error_; });
    if (error_) std::rethrow_exception(error_);
  }

private:
  void run() {
    for (;;) {
      ByteView b;
      {
        std::unique_lock l(m_);
        cv_.wait(l, [&] { return stop_ || !q_.empty(); });
        if (stop_ || error_) return; // the writer is gone, or has failed
        b = q_.front();
      }
      std::exception_ptr e;
      try {
        put_(b);
      } catch (...) {
        e = std::current_exception();
      }
      {
        std::lock_guard l(m_);
        q_.pop_front();
        ++done_;
        error_ = e;
      }
      cv_.notify_all();
    }
  }
  const std::function<void(ByteView)> &put_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<ByteView> q_;
  uint64_t done_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_; // last: started once the rest is ready
};

// Emits through kBuffers buffers of kChunk bytes, filled in turn: a full one goes to
// every consumer's Pipe while the next fills, and is filled again once every consumer is
// done with it. The consumers keep their own pace (runLink's SHA-256 of a piece need not
// wait for its write(2), nor the next piece's write for the hash). A large span (a data
// segment, a custom section) goes to them as it is, without a copy.
struct StreamSink {
  static constexpr size_t kChunk = size_t(1) << 20;
  static constexpr int kBuffers = 4;
  Bytes bufs[kBuffers];
  std::vector<std::unique_ptr<Pipe>> pipes; // after the buffers: stopped before they go
  uint64_t lastUse[kBuffers] = {}; // the number of each buffer's last piece
  uint64_t pushed = 0;              // pieces handed to every pipe so far
  int cur = 0;
  uint8_t *p = nullptr;
  size_t flushed = 0; // bytes handed to the pipes so far

  explicit StreamSink(std::span<const std::function<void(ByteView)>> outs) {
    for (auto &out : outs) pipes.push_back(std::make_unique<Pipe>(out));
    bufs[0].resize(kChunk); // the others once they are needed
    p = bufs[0].data();
  }
  uint64_t push(ByteView b) {
    for (auto &pipe : pipes) pipe->push(b);
    return ++pushed;
  }
  void waitFor(uint64_t id) {
    for (auto &pipe : pipes) pipe->waitFor(id);
  }
  uint8_t *base() { return bufs[cur].data(); }
  size_t written() const { return flushed + size_t(p - bufs[cur].data()); }
  void flush() {
    size_t n = size_t(p - base());
    if (!n) return;
    lastUse[cur] = push(ByteView(base(), n));
    flushed += n;
    cur = (cur + 1) % kBuffers;
    waitFor(lastUse[cur]);
    if (bufs[cur].empty()) bufs[cur].resize(kChunk);
    p = base();
  }
  // Everything handed on and consumed.
  void finish() {
    flush();
    waitFor(pushed);
  }
  // Room for N more bytes in the buffer (grown for a single piece larger than a chunk).
  void room(size_t n) {
    if (size_t(base() + bufs[cur].size() - p) >= n) return;
    flush();
    if (n > bufs[cur].size()) {
      bufs[cur].assign(n, 0);
      p = base();
    }
  }
  void u8(uint8_t b) {
    room(1);
    *p++ = b;
  }
  void uleb(uint64_t v) {
    room(10);
    p = putUleb(p, v);
  }
  void sleb(int64_t v) {
    room(10);
    p = putSleb(p, v);
  }
  void bytes(ByteView b) {
    if (b.size() >= kChunk / 2) {
      flush();
      push(b);
      flushed += b.size();
      return;
    }
    room(b.size());
    if (!b.empty()) std::memcpy(p, b.data(), b.size());
    p += b.size();
  }
  void name(std::string_view s) {
    uleb(s.size());
    bytes(ByteView(reinterpret_cast<const uint8_t *>(s.data()), s.size()));
  }
  // Bodies a buffer at a time: the deferred ones of each buffer made at once (the body
  // source spreads them over the cores), then the buffer is handed on.
  void code(const Module &m) {
    std::vector<uint32_t> funcs;
    std::vector<uint8_t *> at;
    auto make = [&] {
      if (!funcs.empty()) m.bodies->write(funcs, at);
      funcs.clear();
      at.clear();
    };
    for (uint32_t k = 0; k < m.functions.size(); ++k) {
      const Function &f = m.functions[k];
      size_t n = f.bodySize(), need = ulebSize(n) + n;
      if (size_t(base() + bufs[cur].size() - p) < need) {
        make();
        room(need);
      }
      p = putUleb(p, n);
      if (f.deferred) {
        funcs.push_back(k);
        at.push_back(p);
        p += n;
      } else {
        if (n) std::memcpy(p, f.body.data(), n);
        p += n;
      }
    }
    make();
  }
};

template <class S> void valType(S &s, const ValType &t) {
  s.u8(t.code);
  if (t.code == 0x63 || t.code == 0x64) s.sleb(t.heap);
}

template <class S> void limits(S &s, const Limits &l) {
  s.u8(l.flags);
  s.uleb(l.min);
  if (l.hasMax()) s.uleb(l.max);
  if (l.flags & 8) s.uleb(l.pageSizeLog2);
}

template <class S> void tagType(S &s, const TagType &t) {
  s.u8(t.attribute);
  s.uleb(t.typeIndex);
}

template <class S> void tableType(S &s, const TableType &t) {
  valType(s, t.elem);
  limits(s, t.limits);
}

template <class S> void typeSection(S &s, const Module &m) {
  s.uleb(m.types.size());
  for (auto &t : m.types) {
    s.u8(0x60);
    s.uleb(t.params.size());
    for (auto &v : t.params) valType(s, v);
    s.uleb(t.results.size());
    for (auto &v : t.results) valType(s, v);
  }
}

template <class S> void importSection(S &s, const Module &m) {
  s.uleb(m.imports.size());
  for (auto &i : m.imports) {
    s.name(i.module);
    s.name(i.field);
    s.u8(uint8_t(i.kind));
    switch (i.kind) {
    case ExternKind::Func: s.uleb(i.typeIndex); break;
    case ExternKind::Table: tableType(s, i.table); break;
    case ExternKind::Memory: limits(s, i.memory); break;
    case ExternKind::Global:
      valType(s, i.global.type);
      s.u8(i.global.mut);
      break;
    case ExternKind::Tag: tagType(s, i.tag); break;
    }
  }
}

template <class S> void functionSection(S &s, const Module &m) {
  s.uleb(m.functions.size());
  for (auto &f : m.functions) s.uleb(f.typeIndex);
}

template <class S> void tableSection(S &s, const Module &m) {
  s.uleb(m.tables.size());
  for (auto &t : m.tables) {
    if (t.init) {
      s.u8(0x40);
      s.u8(0x00);
      tableType(s, t.type);
      s.bytes(t.init->bytes);
    } else {
      tableType(s, t.type);
    }
  }
}

template <class S> void memorySection(S &s, const Module &m) {
  s.uleb(m.memories.size());
  for (auto &l : m.memories) limits(s, l);
}

template <class S> void tagSection(S &s, const Module &m) {
  s.uleb(m.tags.size());
  for (auto &t : m.tags) tagType(s, t);
}

template <class S> void globalSection(S &s, const Module &m) {
  s.uleb(m.globals.size());
  for (auto &g : m.globals) {
    valType(s, g.type.type);
    s.u8(g.type.mut);
    s.bytes(g.init.bytes);
  }
}

template <class S> void exportSection(S &s, const Module &m) {
  s.uleb(m.exports.size());
  for (auto &e : m.exports) {
    s.name(e.name);
    s.u8(uint8_t(e.kind));
    s.uleb(e.index);
  }
}

template <class S> void startSection(S &s, const Module &m) { s.uleb(*m.start); }

template <class S> void elemSection(S &s, const Module &m) {
  s.uleb(m.elems.size());
  for (auto &e : m.elems) {
    s.uleb(e.flags);
    if (e.active()) {
      if (e.flags & 2) s.uleb(e.table);
      s.bytes(e.offset.bytes);
    }
    if (e.flags & 3) {
      if (e.usesExprs()) valType(s, e.elemType);
      else s.u8(e.elemKind);
    }
    if (e.usesExprs()) {
      s.uleb(e.exprs.size());
      for (auto &x : e.exprs) s.bytes(x.bytes);
    } else {
      s.uleb(e.funcs.size());
      for (uint32_t f : e.funcs) s.uleb(f);
    }
  }
}

template <class S> void dataCountSection(S &s, const Module &m) { s.uleb(*m.dataCount); }

template <class S> void codeSection(S &s, const Module &m) {
  s.uleb(m.functions.size());
  s.code(m);
}

template <class S> void dataSection(S &s, const Module &m) {
  s.uleb(m.datas.size());
  for (auto &d : m.datas) {
    s.uleb(d.flags);
    if (d.flags == 2) s.uleb(d.memory);
    if (d.active()) s.bytes(d.offset.bytes);
    s.uleb(d.bytes.size());
    s.bytes(d.bytes);
  }
}

template <class S> void customSection(S &s, std::string_view name, ByteView payload) {
  s.name(name);
  s.bytes(payload);
}

// A sink of any of the three kinds, for the encoders' one signature.
using AnySink = std::variant<CountSink *, PtrSink *, StreamSink *>;
using Encoder = void (*)(AnySink, const Module &, const void *);

// One section to write: an id and a function that encodes its payload into any sink.
struct Planned {
  SectionId id;
  uint8_t sizeWidth = 0;
  size_t size = 0;
  Encoder encode = nullptr;
  const void *arg = nullptr;
};

#define SECTION_THUNK(fn) [](AnySink s, const Module &m, const void *) { std::visit([&](auto *k) { fn(*k, m); }, s); }

void customThunk(AnySink s, const Module &, const void *arg) {
  auto *cs = static_cast<const CustomSection *>(arg);
  std::visit([&](auto *k) { customSection(*k, cs->name, cs->payload); }, s);
}

struct DylinkPayload {
  Bytes bytes;
  std::string name;
};
void dylinkThunk(AnySink s, const Module &, const void *arg) {
  auto *d = static_cast<const DylinkPayload *>(arg);
  std::visit([&](auto *k) { customSection(*k, d->name, d->bytes); }, s);
}

// The sections of M in the order they are written, each with its payload's size.
struct Plan {
  DylinkPayload dylink;
  std::vector<Planned> sections;
  size_t total = 0; // bytes of the whole module
};
const uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

void planModule(const Module &m, Plan &P) {
  // Which standard sections have content.
  auto present = [&](SectionId id) -> bool {
    switch (id) {
    case SectionId::Type: return !m.types.empty();
    case SectionId::Import: return !m.imports.empty();
    case SectionId::Function: return !m.functions.empty();
    case SectionId::Table: return !m.tables.empty();
    case SectionId::Memory: return !m.memories.empty();
    case SectionId::Tag: return !m.tags.empty();
    case SectionId::Global: return !m.globals.empty();
    case SectionId::Export: return !m.exports.empty();
    case SectionId::Start: return m.start.has_value();
    case SectionId::Elem: return !m.elems.empty();
    case SectionId::DataCount: return m.dataCount.has_value();
    case SectionId::Code: return !m.functions.empty();
    case SectionId::Data: return !m.datas.empty();
    default: return false;
    }
  };
  static const SectionId canonical[] = {SectionId::Type,   SectionId::Import,    SectionId::Function, SectionId::Table,
                                        SectionId::Memory, SectionId::Tag,       SectionId::Global,   SectionId::Export,
                                        SectionId::Start,  SectionId::Elem,      SectionId::DataCount, SectionId::Code,
                                        SectionId::Data};
  auto thunkFor = [](SectionId id) -> Encoder {
    switch (id) {
    case SectionId::Type: return SECTION_THUNK(typeSection);
    case SectionId::Import: return SECTION_THUNK(importSection);
    case SectionId::Function: return SECTION_THUNK(functionSection);
    case SectionId::Table: return SECTION_THUNK(tableSection);
    case SectionId::Memory: return SECTION_THUNK(memorySection);
    case SectionId::Tag: return SECTION_THUNK(tagSection);
    case SectionId::Global: return SECTION_THUNK(globalSection);
    case SectionId::Export: return SECTION_THUNK(exportSection);
    case SectionId::Start: return SECTION_THUNK(startSection);
    case SectionId::Elem: return SECTION_THUNK(elemSection);
    case SectionId::DataCount: return SECTION_THUNK(dataCountSection);
    case SectionId::Code: return SECTION_THUNK(codeSection);
    case SectionId::Data: return SECTION_THUNK(dataSection);
    default: return nullptr;
    }
  };

  DylinkPayload &dylink = P.dylink;
  std::vector<Planned> &plan = P.sections;
  if (m.dylink) {
    dylink.bytes = encodeDylink(*m.dylink);
    dylink.name = m.dylink->legacy ? "dylink" : "dylink.0";
  }

  // Plan the order: the input's order for what it had; dylink.0 first; a custom section
  // stays after the standard section it followed; new sections go to canonical places.
  std::vector<bool> customDone(m.customs.size(), false);
  std::vector<uint8_t> widthOf(14, 0);
  std::vector<bool> inLayout(14, false);
  // customs anchored after standard section id (0 = before all standard sections)
  std::vector<std::vector<uint32_t>> anchored(14);
  uint8_t dylinkWidth = 0;
  {
    uint8_t lastStd = 0;
    for (auto &r : m.layout) {
      if (r.id == SectionId::Custom) {
        if (r.customIndex == ~0u) dylinkWidth = r.sizeWidth;
        else if (r.customIndex < m.customs.size()) anchored[lastStd].push_back(r.customIndex);
      } else {
        lastStd = uint8_t(r.id);
        widthOf[lastStd] = r.sizeWidth;
        inLayout[lastStd] = true;
      }
    }
  }
  if (m.dylink) plan.push_back(Planned{SectionId::Custom, dylinkWidth, 0, dylinkThunk, &dylink});
  auto addCustoms = [&](uint8_t anchor) {
    for (uint32_t ci : anchored[anchor]) {
      customDone[ci] = true;
      plan.push_back(Planned{SectionId::Custom, 0, 0, customThunk, &m.customs[ci]});
    }
  };
  // Custom section widths: look them up in the layout.
  addCustoms(0);
  for (SectionId id : canonical) {
    uint8_t k = uint8_t(id);
    if (present(id) || inLayout[k]) plan.push_back(Planned{id, widthOf[k], 0, thunkFor(id), nullptr});
    addCustoms(k);
  }
  for (size_t ci = 0; ci < m.customs.size(); ++ci)
    if (!customDone[ci]) plan.push_back(Planned{SectionId::Custom, 0, 0, customThunk, &m.customs[ci]});
  // Size widths of custom sections from the layout.
  for (auto &r : m.layout)
    if (r.id == SectionId::Custom && r.customIndex != ~0u && r.customIndex < m.customs.size())
      for (auto &p : plan)
        if (p.arg == &m.customs[r.customIndex]) p.sizeWidth = r.sizeWidth;

  size_t total = 8;
  for (auto &p : plan) {
    CountSink c;
    p.encode(&c, m, p.arg);
    p.size = c.n;
    if (p.sizeWidth && ulebSize(p.size) > p.sizeWidth) p.sizeWidth = 0;
    total += 1 + (p.sizeWidth ? p.sizeWidth : ulebSize(p.size)) + p.size;
  }
  P.total = total;
}

[[noreturn]] void sizeMismatch() { throw Error("internal error: section size mismatch while writing"); }

} // namespace

Bytes writeModule(const Module &m) {
  Plan plan;
  planModule(m, plan);
  Bytes out(plan.total);
  uint8_t *q = out.data();
  std::memcpy(q, kHeader, 8);
  q += 8;
  for (auto &p : plan.sections) {
    *q++ = uint8_t(p.id);
    q = p.sizeWidth ? putUlebPadded(q, p.size, p.sizeWidth) : putUleb(q, p.size);
    PtrSink ps{q};
    p.encode(&ps, m, p.arg);
    if (size_t(ps.p - q) != p.size) sizeMismatch();
    q = ps.p;
  }
  return out;
}

size_t writeModule(const Module &m, const std::function<void(ByteView)> &put) {
  return writeModule(m, std::span<const std::function<void(ByteView)>>(&put, 1));
}

size_t writeModule(const Module &m, std::span<const std::function<void(ByteView)>> puts) {
  Plan plan;
  planModule(m, plan);
  StreamSink s(puts);
  s.bytes(ByteView(kHeader, 8));
  for (auto &p : plan.sections) {
    s.u8(uint8_t(p.id));
    s.room(10);
    s.p = p.sizeWidth ? putUlebPadded(s.p, p.size, p.sizeWidth) : putUleb(s.p, p.size);
    size_t start = s.written();
    p.encode(&s, m, p.arg);
    if (s.written() - start != p.size) sizeMismatch();
  }
  s.finish();
  if (s.written() != plan.total) sizeMismatch();
  return plan.total;
}

} // namespace wasmobj
