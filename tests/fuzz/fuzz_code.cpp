// Fuzz target: the instruction decoder and the rewriter (code.h).
//
// Input: byte 0 chooses the body kind (bit 0: constant expression) and which index
// spaces get a random map (bits 1-7); bytes 1-8 seed the maps; the rest is the body.
// Invariants: every entry point returns or throws Error; rewrittenSize and its reference
// (the general decoder alone, without the fast path) agree on sizes, edits and errors;
// scanCode and rewrittenSize agree on what is malformed when the maps are the identity;
// rewriteInto writes exactly rewrittenSize bytes, and rewrite (its edits applied,
// rewriteWithEdits) the same bytes; identity maps give back the input; a rewritten body
// decodes again and rewriting it with identity maps is a no-op; InstrReader's sizes add up.
#include <string>
#include <vector>

#include "fuzz_common.h"

#include "wasmobj/code.h"

using namespace wasmobj;

namespace {

std::vector<uint32_t> randomMap(FuzzRng &rng) {
  std::vector<uint32_t> v(1 + rng.below(64));
  for (auto &x : v) {
    uint32_t r = rng.below(4);
    x = r == 0 ? uint32_t(rng.next()) : r == 1 ? rng.below(128) : rng.below(1u << 20);
  }
  return v;
}

// rewrittenSize and reference::rewrittenSize (no fast path) agree: the same size and
// edits, or the same error at the same offset.
void sameAsReference(ByteView body, const RewriteMaps &maps, BodyKind kind) {
  auto run = [&](bool reference, Bytes &edits) -> std::string {
    try {
      size_t n = reference ? wasmobj::reference::rewrittenSize(body, maps, kind, 9, &edits)
                           : rewrittenSize(body, maps, kind, 9, &edits);
      return "size " + std::to_string(n);
    } catch (const Error &e) {
      edits.clear(); // what was recorded before an error is of no use
      return "error " + e.format();
    }
  };
  Bytes fastEdits, refEdits;
  const std::string fast = run(false, fastEdits), ref = run(true, refEdits);
  if (fast != ref) std::fprintf(stderr, "fast path: %s\nreference: %s\n", fast.c_str(), ref.c_str());
  FUZZ_CHECK(fast == ref);
  FUZZ_CHECK(fastEdits == refEdits);
}

bool scans(ByteView body, BodyKind kind) {
  try {
    scanCode(body, kind, 9);
    return true;
  } catch (const Error &) {
    return false;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 9) return 0;
  const uint8_t sel = data[0];
  FuzzRng rng{0};
  for (int i = 1; i <= 8; ++i) rng.s = (rng.s << 8) | data[i];
  ByteView body(data + 9, size - 9);
  const BodyKind kind = (sel & 1) ? BodyKind::ConstExpr : BodyKind::Function;

  const bool ok = scans(body, kind);

  // The instruction stream: sizes add up to the expression.
  try {
    ByteView expr = kind == BodyKind::Function ? skipLocals(body, 9) : body;
    if (kind == BodyKind::Function) (void)readLocals(body, 9);
    InstrReader r(expr, 9 + (body.size() - expr.size()));
    Instr in;
    uint64_t total = 0;
    while (r.next(in)) {
      total += in.size;
      if (in.shape == ImmShape::BrTable) (void)brTableLabels(in);
      if (in.shape == ImmShape::SelectT) (void)selectTypes(in);
      if (in.shape == ImmShape::TryTable) (void)tryTableCatches(in);
    }
    FUZZ_CHECK(total == expr.size());
    FUZZ_CHECK(ok);
  } catch (const Error &) {
  }

  // Identity maps.
  {
    RewriteMaps id;
    sameAsReference(body, id, kind);
    size_t n = 0;
    bool sized = true;
    try {
      n = rewrittenSize(body, id, kind, 9);
    } catch (const Error &) {
      sized = false;
    }
    FUZZ_CHECK(sized == ok);
    if (sized) {
      FUZZ_CHECK(n == body.size());
      Bytes out(n);
      FUZZ_CHECK(rewriteInto(body, id, kind, out.data(), 9) == out.data() + n);
      FUZZ_CHECK(std::equal(out.begin(), out.end(), body.begin()));
    }
  }

  // Random maps.
  std::vector<uint32_t> funcs, types, tables, memories, datas, elems, tags;
  std::vector<GlobalRemap> globals;
  if (sel & 2) funcs = randomMap(rng);
  if (sel & 4) types = randomMap(rng);
  if (sel & 8) { tables = randomMap(rng); memories = randomMap(rng); }
  if (sel & 16) { datas = randomMap(rng); elems = randomMap(rng); }
  if (sel & 32) tags = randomMap(rng);
  if (sel & 64) {
    globals.resize(1 + rng.below(64));
    for (auto &g : globals) {
      uint32_t r = rng.below(3);
      g = r == 0 ? GlobalRemap::to(rng.below(1u << 16)) : r == 1 ? GlobalRemap::i32(int32_t(rng.next()))
                                                               : GlobalRemap::i64(int64_t(rng.next()));
    }
  }
  RewriteMaps maps;
  maps.funcs = funcs; maps.types = types; maps.tables = tables; maps.memories = memories;
  maps.datas = datas; maps.elems = elems; maps.tags = tags; maps.globals = globals;
  sameAsReference(body, maps, kind);
  size_t n = 0;
  try {
    n = rewrittenSize(body, maps, kind, 9);
  } catch (const Error &) {
    return 0;
  }
  FUZZ_CHECK(ok);
  Bytes out(n);
  FUZZ_CHECK(rewriteInto(body, maps, kind, out.data(), 9) == out.data() + n);
  Bytes viaRewrite = rewrite(body, maps, kind, 9);
  FUZZ_CHECK(viaRewrite == out);
  // The output is well formed and a fixed point of the identity rewrite.
  try {
    scanCode(ByteView(out), kind, 0);
  } catch (const Error &e) {
    std::fprintf(stderr, "rewritten body does not decode: %s\n", e.format().c_str());
    FUZZ_CHECK(!"rewritten body decodes");
  }
  FUZZ_CHECK(rewrite(ByteView(out), RewriteMaps{}, kind, 0) == out);
  return 0;
}
