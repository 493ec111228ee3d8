// Writes the malformed-input suite into a directory: crafted wasm files, each a small
// corruption of one valid dylink.0 side module that this script assembles byte by byte
// (no build products, no dependencies), plus a valid main module for the link cases.
//
// usage: node make_bad.mjs OUTDIR
//
// The expected diagnostic of each case is in expected.txt next to this script.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// ---- encoding helpers ----------------------------------------------------------------

/** @param {number} v @returns {number[]} minimal unsigned LEB128 */
export function uleb(v) {
  const out = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
/** @param {number} v @returns {number[]} minimal signed LEB128 (|v| < 2^31) */
export function sleb(v) {
  const out = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}
/** @param {string | number[]} s @returns {number[]} length-prefixed name */
export function name(s) {
  const bytes = typeof s === 'string' ? [...Buffer.from(s, 'utf8')] : s;
  return [...uleb(bytes.length), ...bytes];
}
/** @param {number[][]} items @returns {number[]} a vector: count then items */
export function vec(items) { return [...uleb(items.length), ...items.flat()]; }

const I32 = 0x7f, I64 = 0x7e, FUNCREF = 0x70;

/** A section: {id, payload}. Custom sections carry their name inside the payload. */
function sec(id, payload) { return { id, payload }; }
function custom(nm, body) { return sec(0, [...name(nm), ...body]); }
function dylinkSub(type, body) { return [type, ...uleb(body.length), ...body]; }
function memInfo(memSize, memAlign, tableSize, tableAlign) {
  return dylinkSub(1, [...uleb(memSize), ...uleb(memAlign), ...uleb(tableSize), ...uleb(tableAlign)]);
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** @param {{id:number,payload:number[]}[]} sections @returns {Buffer} */
function assemble(sections) {
  const out = [...HEADER];
  for (const s of sections) out.push(s.id, ...uleb(s.payload.length), ...s.payload);
  return Buffer.from(out);
}

// ---- the valid side module -----------------------------------------------------------
//
// (module  ;; dylink.0: mem 16 (align 2^2), table 1 (align 2^0)
//   (import "env" "memory" (memory 1))
//   (import "env" "__indirect_function_table" (table 1 funcref))
//   (import "env" "__memory_base" (global i32))
//   (import "env" "__table_base" (global i32))
//   (func $get (result i32) i32.const 42)
//   (export "get" (func $get))
//   (elem (global.get __table_base) $get)
//   (data (global.get __memory_base) "hello"))

function sideParts(o = {}) {
  const dylinkBody = o.dylinkBody ?? memInfo(o.memSize ?? 16, 2, o.tableSize ?? 1, 0);
  const imports = o.imports ?? [
    [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)],
    [...name('env'), ...name('__indirect_function_table'), 0x01, FUNCREF, 0x00, ...uleb(1)],
    [...name('env'), ...name('__memory_base'), 0x03, I32, 0x00],
    [...name('env'), ...name('__table_base'), 0x03, I32, 0x00],
    ...(o.extraImports ?? []),
  ];
  const body = o.body ?? [0x00, 0x41, ...sleb(42), 0x0b]; // no locals; i32.const 42; end
  return {
    dylink: custom('dylink.0', dylinkBody),
    type: sec(1, vec([[0x60, 0x00, 0x01, I32]])),
    import: sec(2, vec(imports)),
    function: sec(3, vec([uleb(0)])),
    export: sec(7, vec([[...name('get'), 0x00, ...uleb(0)]])),
    // active, table 0; offset: global.get 1 (__table_base); funcs [0]
    elem: sec(9, vec([[0x00, 0x23, ...uleb(1), 0x0b, ...vec([uleb(0)])]])),
    code: sec(10, vec([[...uleb(body.length), ...body]])),
    // active, memory 0; offset: global.get 0 (__memory_base); "hello"
    data: sec(11, vec([[0x00, 0x23, ...uleb(0), 0x0b, ...name('hello')]])),
    name: custom('producers', vec([])),
  };
}
function sideList(p) {
  return [p.dylink, p.type, p.import, p.function, p.export, p.elem, p.code, p.data, p.name];
}
function side(o = {}) { return assemble(sideList(sideParts(o))); }

// The main module: a PIE main that defines the memory and the table and imports nothing.
function mainModule(needed = []) {
  return assemble([
    custom('dylink.0', [...memInfo(0, 0, 0, 0), ...(needed.length ? dylinkSub(2, vec(needed.map((n) => name(n)))) : [])]),
    sec(1, vec([[0x60, 0x00, 0x00]])),
    sec(3, vec([uleb(0)])),
    sec(4, vec([[FUNCREF, 0x00, ...uleb(1)]])),
    sec(5, vec([[0x00, ...uleb(1)]])),
    sec(7, vec([[...name('_start'), 0x00, ...uleb(0)]])),
    sec(10, vec([[0x02, 0x00, 0x0b]])),
  ]);
}

/** Byte offset of section number K (0-based, in sideList order) of a side module. */
function sectionOffset(sections, k) {
  let off = 8;
  for (let i = 0; i < k; ++i) off += 1 + uleb(sections[i].payload.length).length + sections[i].payload.length;
  return off;
}

// ---- the cases -----------------------------------------------------------------------

/**
 * A case is the bytes of a file, or a file that is not one: 'dir', 'missing', 'fifo' (a
 * named pipe nothing writes to), {symlink: target}, {sparse: size} (a file of SIZE zero
 * bytes that takes no disk space).
 * @type {Record<string, () => Buffer | 'dir' | 'missing' | 'fifo' | {symlink: string} | {sparse: number}>}
 */
export const cases = {};
const C = (n, f) => { cases[n] = f; };

C('empty.wasm', () => Buffer.alloc(0));
C('four-bytes.wasm', () => Buffer.from(HEADER.slice(0, 4)));
C('bad-magic.wasm', () => { const b = side(); b[1] = 0x62; return b; });
C('bad-version.wasm', () => { const b = side(); b[4] = 0x02; return b; });
C('truncated-section-header.wasm', () => {
  // The type section's size written as a padded 2-byte LEB; the file ends after its first byte.
  const p = sideParts();
  const list = sideList(p);
  const head = assemble(list.slice(0, 1));
  return Buffer.from([...head, 0x01, 0x80 | p.type.payload.length]);
});
C('section-size-past-end.wasm', () => {
  const list = sideList(sideParts());
  const b = assemble(list.slice(0, 2)); // dylink.0, type
  const at = sectionOffset(list, 1) + 1; // type section size byte
  b[at] = 100;
  return b;
});
C('unknown-section-id.wasm', () => {
  const list = sideList(sideParts());
  list.splice(2, 0, sec(14, [0x00]));
  return assemble(list);
});
C('sections-out-of-order.wasm', () => {
  const p = sideParts();
  return assemble([p.dylink, p.type, p.function, p.import, p.export, p.elem, p.code, p.data]);
});
C('duplicate-type-section.wasm', () => {
  const p = sideParts();
  return assemble([p.dylink, p.type, p.type, p.import, p.function, p.export, p.elem, p.code, p.data]);
});
C('truncated-leb-in-import.wasm', () => {
  // One function import whose type index LEB has its continuation bit set at the end of
  // the section.
  const p = sideParts();
  p.import = sec(2, [...uleb(1), ...name('env'), ...name('f'), 0x00, 0x80]);
  return assemble([p.dylink, p.type, p.import]);
});
C('overlong-leb.wasm', () => {
  // The type section's size as a 6-byte LEB (a u32 takes at most 5).
  const p = sideParts();
  const n = p.type.payload.length;
  return Buffer.from([...assemble([p.dylink]), 0x01, 0x80 | n, 0x80, 0x80, 0x80, 0x80, 0x00, ...p.type.payload]);
});
C('non-utf8-import-name.wasm', () => {
  const p = sideParts({
    imports: [
      [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)],
      [...name('env'), ...name([0x66, 0xc3, 0x28]), 0x03, I32, 0x00], // "f" + broken 2-byte sequence
    ],
  });
  return assemble([p.dylink, p.type, p.import]);
});
C('dylink-not-first.wasm', () => {
  const p = sideParts();
  return assemble([p.type, p.dylink, p.import, p.function, p.export, p.elem, p.code, p.data]);
});
C('dylink-duplicate-subsection.wasm', () =>
  side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...memInfo(16, 2, 1, 0)] }));
C('dylink-memory-align-2-40.wasm', () => side({ dylinkBody: memInfo(16, 40, 1, 0) }));
C('dylink-subsection-size-lies.wasm', () => {
  // NEEDED subsection claims 20 bytes; 6 follow.
  const body = [...uleb(1), ...name('libx.so')].slice(0, 6);
  return side({ dylinkBody: [...memInfo(16, 2, 1, 0), 0x02, 20, ...body] });
});
C('dylink-subsection-too-short.wasm', () => {
  // MEM_INFO claims 2 bytes: its third field runs past the subsection.
  return side({ dylinkBody: [0x01, 0x02, 16, 2, 1, 0] });
});
C('code-fewer-bodies.wasm', () => {
  const p = sideParts();
  p.function = sec(3, vec([uleb(0), uleb(0)]));
  return assemble(sideList(p));
});
C('custom-name-past-section.wasm', () => {
  const p = sideParts();
  return assemble([...sideList(p).slice(0, -1), sec(0, [...uleb(50), 0x61, 0x62, 0x63])]);
});
// inspect takes a directory for the modules in it (as the linker takes a side module
// directory): an empty one has none.
C('a-directory.wasm', () => 'dir');
C('does-not-exist.wasm', () => 'missing');
// Not regular files: refused after an open that cannot block, not read (a FIFO nothing
// writes to would wait forever; /dev/zero never ends).
C('a-fifo.wasm', () => 'fifo');
C('a-char-device.wasm', () => ({ symlink: '/dev/zero' }));
// 8 GiB that are not a module: refused after their first 8 bytes (the runner's ulimit -v
// is 1 GiB).
C('huge-not-wasm.wasm', () => ({ sparse: 8 * 1024 * 1024 * 1024 }));

// Link cases: `prelink main.wasm CASE -o OUT`.
export const linkCases = new Set();
const L = (n, f) => { linkCases.add(n); C(n, f); };
L('link-unknown-opcode.wasm', () => side({ body: [0x00, 0x41, ...sleb(42), 0xd7, 0x0b] }));
L('link-data-past-memsize.wasm', () => side({ memSize: 4 }));
L('link-elem-past-tablesize.wasm', () => side({ tableSize: 0 }));
L('link-got-mem-i64.wasm', () =>
  side({ extraImports: [[...name('GOT.mem'), ...name('counter'), 0x03, I64, 0x01]] }));

// ---- hardening cases (docs/reliability.md) ---------------------------------------------

const U32MAX = 4294967295;
/** A side module with section KEY's payload replaced by BYTES (a malformed tail). */
function sideWith(key, bytes, o = {}) {
  const p = sideParts(o);
  p[key] = sec(p[key].id, bytes);
  return assemble(sideList(p));
}
/** The side module with extra sections inserted before the one at index K of sideList. */
function sideInsert(k, extra, o = {}) {
  const list = sideList(sideParts(o));
  list.splice(k, 0, ...extra);
  return assemble(list);
}

// A LEB128 whose continuation bit is set on the last byte of each section kind.
C('truncated-leb-in-type.wasm', () => sideWith('type', [...uleb(1), 0x60, 0x81]));
C('truncated-leb-in-function.wasm', () => sideWith('function', [...uleb(1), 0x80]));
C('truncated-leb-in-table.wasm', () => sideInsert(4, [sec(4, [...uleb(1), FUNCREF, 0x00, 0x81])]));
C('truncated-leb-in-memory.wasm', () => sideInsert(4, [sec(5, [...uleb(1), 0x00, 0x81])]));
C('truncated-leb-in-global.wasm', () => sideInsert(4, [sec(6, [...uleb(1), I32, 0x00, 0x41, 0x80])]));
C('truncated-leb-in-export.wasm', () => sideWith('export', [...uleb(1), ...name('get'), 0x00, 0x80]));
C('truncated-leb-in-start.wasm', () => sideInsert(5, [sec(8, [0x80])]));
C('truncated-leb-in-elem.wasm', () => sideWith('elem', [...uleb(1), 0x00, 0x23, 0x81]));
C('truncated-leb-in-datacount.wasm', () => sideInsert(6, [sec(12, [0x81])]));
C('truncated-leb-in-code.wasm', () => sideWith('code', [...uleb(1), 0x85]));
C('truncated-leb-in-data.wasm', () => sideWith('data', [...uleb(1), 0x00, 0x23, 0x00, 0x0b, 0x85]));
C('truncated-leb-in-dylink.wasm', () => side({ dylinkBody: [0x01, 0x04, 16, 2, 1, 0x80] }));
// A code body whose size runs past the section.
C('truncated-code-body.wasm', () => {
  const body = [0x00, 0x41, ...sleb(42), 0x0b];
  return sideWith('code', [...uleb(1), ...uleb(body.length + 40), ...body]);
});
// Counts that claim far more entries than there are bytes (LLVM would reserve for them).
C('function-count-4g.wasm', () => sideWith('function', [...uleb(U32MAX), 0x00]));
C('import-count-4g.wasm', () => sideWith('import', [...uleb(U32MAX), ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]));
C('non-utf8-export-name.wasm', () => sideWith('export', [...uleb(1), ...name([0x67, 0xff, 0x74]), 0x00, 0x00]));
C('export-name-past-section.wasm', () => sideWith('export', [...uleb(1), ...uleb(1000), 0x67, 0x65, 0x74, 0x00, 0x00]));
C('dylink-needed-non-utf8.wasm', () => side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, [...uleb(1), ...name([0x6c, 0x69, 0x62, 0xc0, 0xaf])])] }));
C('dylink-needed-name-too-long.wasm', () =>
  side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, [...uleb(1), ...uleb(100000), 0x6c, 0x69, 0x62])] }));
C('elem-bad-table-index.wasm', () => sideWith('elem', [...uleb(1), 0x02, ...uleb(5), 0x23, ...uleb(1), 0x0b, 0x00, ...vec([uleb(0)])]));
C('start-out-of-range.wasm', () => sideInsert(5, [sec(8, uleb(7))]));
C('datacount-mismatch.wasm', () => sideInsert(6, [sec(12, uleb(3))]));
C('import-unknown-kind.wasm', () =>
  sideWith('import', vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)], [...name('env'), ...name('thing'), 0x07, 0x00]])));

// Link cases with their own command line: LINKARGS[name](outName) is prelink's argv, and
// cases in LINKOK must succeed (exit 0, output written).
export const linkArgs = {};
export const linkOk = new Set();
/** Extra files a case needs: [name, () => Buffer]. */
export const auxFiles = [];
L('link-table-size-4g.wasm', () => side({ tableSize: U32MAX }));
L('link-memory-4g.wasm', () => side({ memSize: U32MAX - 8 }));
L('link-got-mem-immutable.wasm', () =>
  side({ extraImports: [[...name('GOT.mem'), ...name('counter'), 0x03, I32, 0x00]] }));
L('link-needed-not-found.wasm', () => side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, vec([name('libmissing.so')]))] }));
// Both define `get` and are in the global scope (the main NEEDs them).
// Two different libraries defining one symbol: the same bytes twice would be one library
// linked once (a warning), so the second carries a custom section more.
const distinct = (/** @type {Buffer} */ b) => Buffer.concat([b, Buffer.from([0, 5, 4, ...Buffer.from('twin')])]);
L('link-duplicate-symbol.wasm', () => distinct(side()));
auxFiles.push(['main-needs-two.wasm', () => mainModule(['valid-side.wasm', 'link-duplicate-symbol.wasm'])]);
linkArgs['link-duplicate-symbol.wasm'] = (out) =>
  ['main-needs-two.wasm', 'valid-side.wasm', 'link-duplicate-symbol.wasm', '--no-duplicates', '-o', out];
// 3 GiB of memory claimed: links, without allocating it (the runner's ulimit -v is 1 GiB).
L('link-memory-3g.wasm', () => side({ memSize: 3 * 1024 * 1024 * 1024 }));
linkOk.add('link-memory-3g.wasm');
// Imports `get` as (i32) -> i32 from the library it NEEDs, which defines () -> i32.
L('link-signature-mismatch.wasm', () => {
  const p = sideParts({
    dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, vec([name('valid-side.wasm')]))],
    extraImports: [[...name('env'), ...name('get'), 0x00, ...uleb(1)]],
  });
  p.type = sec(1, vec([[0x60, 0x00, 0x01, I32], [0x60, 0x01, I32, 0x01, I32]]));
  p.export = sec(7, vec([[...name('get2'), 0x00, ...uleb(1)]]));
  p.elem = sec(9, vec([[0x00, 0x23, ...uleb(1), 0x0b, ...vec([uleb(1)])]]));
  return assemble(sideList(p));
});
linkArgs['link-signature-mismatch.wasm'] = (out) =>
  ['main.wasm', 'link-signature-mismatch.wasm', 'valid-side.wasm', '-o', out];
// Cyclic NEEDED works: a NEEDs b, b NEEDs a.
L('link-needed-cycle.wasm', () => side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, vec([name('needed-cycle-b.wasm')]))] }));
auxFiles.push(['needed-cycle-b.wasm', () => {
  const p = sideParts({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, vec([name('link-needed-cycle.wasm')]))] });
  p.export = sec(7, vec([[...name('get_b'), 0x00, ...uleb(0)]]));
  return assemble(sideList(p));
}]);
linkArgs['link-needed-cycle.wasm'] = (out) => ['main.wasm', 'link-needed-cycle.wasm', 'needed-cycle-b.wasm', '-o', out];
linkOk.add('link-needed-cycle.wasm');
// The same kinds of files as link inputs: a side module, and the main module.
L('link-fifo.wasm', () => 'fifo');
L('link-huge-not-wasm.wasm', () => ({ sparse: 8 * 1024 * 1024 * 1024 }));
linkArgs['link-huge-not-wasm.wasm'] = (out) => ['link-huge-not-wasm.wasm', 'valid-side.wasm', '-o', out];
// A main module is always a file (a side module may be a directory: a-directory.wasm).
L('link-main-directory.wasm', () => 'dir');
linkArgs['link-main-directory.wasm'] = (out) => ['link-main-directory.wasm', 'valid-side.wasm', '-o', out];
// Numeric options out of range: refused before the layout could wrap (a stack of 2^64 - 1
// bytes would put the stack pointer at 0).
L('link-stack-size-huge.wasm', () => side());
linkArgs['link-stack-size-huge.wasm'] = (out) =>
  ['main.wasm', 'link-stack-size-huge.wasm', '--stack-size', '18446744073709551615', '-o', out];
L('link-stack-over-max-memory.wasm', () => side());
linkArgs['link-stack-over-max-memory.wasm'] = (out) =>
  ['main.wasm', 'link-stack-over-max-memory.wasm', '--stack-size', '2097152', '--max-memory', '1048576', '-o', out];
L('link-max-memory-huge.wasm', () => side());
linkArgs['link-max-memory-huge.wasm'] = (out) =>
  ['main.wasm', 'link-max-memory-huge.wasm', '--max-memory', '18446744073709551615', '-o', out];
L('link-max-table-size-huge.wasm', () => side());
linkArgs['link-max-table-size-huge.wasm'] = (out) =>
  ['main.wasm', 'link-max-table-size-huge.wasm', '--max-table-size', '4294967296', '-o', out];
// Large values that pass the option checks still cannot overflow the layout: a 2 GiB
// stack with 3 GiB of data, and a layout ending at exactly 2^32 (not an i32 address).
L('link-stack-and-data-over-4g.wasm', () => side({ memSize: 3 * 1024 * 1024 * 1024 }));
linkArgs['link-stack-and-data-over-4g.wasm'] = (out) =>
  ['main.wasm', 'link-stack-and-data-over-4g.wasm', '--stack-size', '2147483648', '-o', out];
L('link-layout-ends-at-4g.wasm', () => side());
linkArgs['link-layout-ends-at-4g.wasm'] = (out) =>
  ['main.wasm', 'link-layout-ends-at-4g.wasm', '--stack-size', '4294967280', '-o', out];
// A valid link whose manifest cannot be written: neither output may appear.
L('link-manifest-unwritable.wasm', () => side());
linkArgs['link-manifest-unwritable.wasm'] = (out) =>
  ['main.wasm', 'link-manifest-unwritable.wasm', '--manifest', 'no-such-dir/out.json', '-o', out];

// ---- second hardening round (docs/reliability.md) ------------------------------------

// The legacy "dylink" section (mem_size, mem_align, table_size, table_align, needed) with an
// alignment no 32-bit address has.
C('dylink-legacy-align-2-64.wasm', () => {
  const p = sideParts();
  p.dylink = custom('dylink', [...uleb(16), ...uleb(64), ...uleb(1), ...uleb(0), ...uleb(0)]);
  return assemble(sideList(p));
});
// Imports that would link into a module that does not validate.
L('link-stack-pointer-i64.wasm', () => side({ extraImports: [[...name('env'), ...name('__stack_pointer'), 0x03, I64, 0x01]] }));
L('link-stack-pointer-immutable.wasm', () => side({ extraImports: [[...name('env'), ...name('__stack_pointer'), 0x03, I32, 0x00]] }));
L('link-memory-base-i64.wasm', () => side({ extraImports: [[...name('env'), ...name('__memory_base'), 0x03, I64, 0x00]] }));
L('link-table-base-mutable.wasm', () => side({ extraImports: [[...name('env'), ...name('__table_base'), 0x03, I32, 0x01]] }));
/** The valid side with its memory or table import replaced. */
function sideImporting(memory, table) {
  return side({
    imports: [
      [...name('env'), ...name('memory'), 0x02, ...memory],
      [...name('env'), ...name('__indirect_function_table'), 0x01, FUNCREF, ...table],
      [...name('env'), ...name('__memory_base'), 0x03, I32, 0x00],
      [...name('env'), ...name('__table_base'), 0x03, I32, 0x00],
    ],
  });
}
L('link-memory64-import.wasm', () => sideImporting([0x04, ...uleb(1)], [0x00, ...uleb(1)]));
L('link-table64-import.wasm', () => sideImporting([0x00, ...uleb(1)], [0x04, ...uleb(1)]));
L('link-shared-memory-mismatch.wasm', () => sideImporting([0x03, ...uleb(1), ...uleb(1)], [0x00, ...uleb(1)]));

// Names from inputs reach the error line escaped (diag.h): a newline cannot forge a second
// line, ESC/BEL/C1 bytes do not reach the terminal, NUL does not cut the message.
const FORGE = 'x\nprelink: error: forged';
const needs = (n) => side({ dylinkBody: [...memInfo(16, 2, 1, 0), ...dylinkSub(2, vec([name(n)]))] });
L('link-needed-newline.wasm', () => needs(`lib${FORGE}.so`));
L('link-needed-esc-bel.wasm', () => needs('lib\x1b[2J\x1b]0;title\x07.so'));
L('link-needed-nul.wasm', () => needs('lib\0hidden.so'));
L('link-needed-c1-del.wasm', () => needs('lib\u009b31m\x7f\\.so'));
/** The valid side plus an imported function FIELD nobody defines (indices shifted past it). */
function sideImportingFunc(field) {
  const p = sideParts({ extraImports: [[...name('env'), ...name(field), 0x00, ...uleb(0)]] });
  p.export = sec(7, vec([[...name('get'), 0x00, ...uleb(1)]]));
  p.elem = sec(9, vec([[0x00, 0x23, ...uleb(1), 0x0b, ...vec([uleb(1)])]]));
  return assemble(sideList(p));
}
L('link-import-name-newline.wasm', () => sideImportingFunc(`f${FORGE}`));
L('link-import-name-esc.wasm', () => sideImportingFunc('f\x1b[31m\x07\0tail'));
// An export name in a duplicate-symbol error (--no-duplicates): two sides define it.
const escExport = 'get\x1b]0;owned\x07\nprelink: error: forged';
function sideExporting(n) {
  const p = sideParts();
  p.export = sec(7, vec([[...name(n), 0x00, ...uleb(0)]]));
  return assemble(sideList(p));
}
L('link-export-name-control.wasm', () => distinct(sideExporting(escExport)));
auxFiles.push(['export-control-twin.wasm', () => sideExporting(escExport)]);
auxFiles.push(['main-needs-export-twins.wasm', () => mainModule(['export-control-twin.wasm', 'link-export-name-control.wasm'])]);
linkArgs['link-export-name-control.wasm'] = (out) =>
  ['main-needs-export-twins.wasm', 'export-control-twin.wasm', 'link-export-name-control.wasm', '--no-duplicates', '-o', out];
// Directory members whose file names hold control bytes or are not UTF-8 (an empty .so:
// the error names it). {files: [[name bytes, contents]]} is a directory of such files.
const raw = (s) => Buffer.from(s, 'latin1');
L('link-dir-member-control', () => ({ files: [[raw('lib\x1b[1m\nprelink: error: forged.so'), Buffer.alloc(0)]] }));
linkArgs['link-dir-member-control'] = (out) => ['main.wasm', 'link-dir-member-control', '-o', out];
L('link-dir-member-non-utf8', () => ({ files: [[raw('lib\xff\xfe.so'), Buffer.alloc(0)]] }));
linkArgs['link-dir-member-non-utf8'] = (out) => ['main.wasm', 'link-dir-member-non-utf8', '-o', out];
// A valid library whose file name is not UTF-8 links; its manifest is valid JSON with the
// bytes replaced by U+FFFD (docs/cli.md), not an exception without a file name.
L('link-manifest-non-utf8-name', () => ({ files: [[raw('lib\xc3(\xff.so'), side()]] }));
linkArgs['link-manifest-non-utf8-name'] = (out) => ['main.wasm', 'link-manifest-non-utf8-name', '--manifest', `${out}.json`, '-o', out];
linkOk.add('link-manifest-non-utf8-name');
// Warnings and the error line (docs/reliability.md): warnings come first, one escaped
// `prelink: warning:` line each, then the one `prelink: error:` line, last. Here a duplicate
// symbol with a newline in its name (a warning without --no-duplicates), then an undefined
// symbol. WARNINGS[name] lists the warning lines a case prints before its error line.
export const warnings = {};
L('link-warning-then-error.wasm', () => {
  const p = sideParts({ extraImports: [[...name('env'), ...name('missing'), 0x00, ...uleb(0)]] });
  p.export = sec(7, vec([[...name(escExport), 0x00, ...uleb(1)]]));
  p.elem = sec(9, vec([[0x00, 0x23, ...uleb(1), 0x0b, ...vec([uleb(1)])]]));
  return assemble(sideList(p));
});
auxFiles.push(['main-needs-warning-twins.wasm', () => mainModule(['export-control-twin.wasm', 'link-warning-then-error.wasm'])]);
linkArgs['link-warning-then-error.wasm'] = (out) =>
  ['main-needs-warning-twins.wasm', 'export-control-twin.wasm', 'link-warning-then-error.wasm', '-o', out];
warnings['link-warning-then-error.wasm'] = [
  'prelink: warning: link-warning-then-error.wasm: duplicate symbol: get\\x1b]0;owned\\x07\\nprelink: error: forged ' +
    '(defined in export-control-twin.wasm and link-warning-then-error.wasm); the definition in export-control-twin.wasm is used',
];

/** Checks of a case's outputs beyond its exit status: CHECKS[name](dir, outName) -> problems. */
export const checks = {};
checks['link-manifest-non-utf8-name'] = (dir, out) => {
  const text = fs.readFileSync(path.join(dir, `${out}.json`), 'utf8');
  const names = JSON.parse(text).libraries.map((l) => l.name);
  return names.includes('lib\ufffd(\ufffd.so') ? [] : [`manifest names ${JSON.stringify(names)} lack "lib\ufffd(\ufffd.so"`];
};
// An archive member name with control bytes (a ustar archive, written here).
function tar(members) {
  const blocks = [];
  for (const [nm, data] of members) {
    const h = Buffer.alloc(512);
    nm.copy(h, 0, 0, Math.min(nm.length, 100));
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.write('00000000000\0', 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h.write('0', 156, 'latin1');
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
L('link-archive-member-control.tar', () => tar([[raw('lib\x07\x1b[H\nprelink: error: forged.so'), Buffer.alloc(0)]]));

/** Writes the valid modules and every case into DIR. */
export function generate(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.wasm'), mainModule());
  fs.writeFileSync(path.join(dir, 'valid-side.wasm'), side());
  for (const [n, make] of auxFiles) fs.writeFileSync(path.join(dir, n), make());
  for (const [n, make] of Object.entries(cases)) {
    const p = path.join(dir, n);
    fs.rmSync(p, { recursive: true, force: true });
    const v = make();
    if (v === 'dir') fs.mkdirSync(p);
    else if (v === 'fifo') {
      const r = spawnSync('mkfifo', [p]);
      if (r.status !== 0) throw new Error(`mkfifo ${p} failed: ${r.stderr}`);
    } else if (v instanceof Buffer) fs.writeFileSync(p, v);
    else if (typeof v === 'object' && 'symlink' in v) fs.symlinkSync(v.symlink, p);
    else if (typeof v === 'object' && 'sparse' in v) {
      fs.writeFileSync(p, '');
      fs.truncateSync(p, v.sparse);
    } else if (v && v.files) {
      fs.mkdirSync(p);
      for (const [nm, data] of v.files) fs.writeFileSync(Buffer.concat([Buffer.from(`${p}/`), nm]), data);
    } else if (v !== 'missing') throw new Error(`${n}: unknown kind of case`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node make_bad.mjs OUTDIR');
    process.exit(1);
  }
  generate(dir);
}
