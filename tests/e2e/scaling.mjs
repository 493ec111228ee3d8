// Linear time on inputs crafted to find per-item scans (docs/reliability.md, "Bounded
// time"): each case runs at size N and 4N; a linear stage takes about 4 times as long, a
// quadratic one 16 times. The check is ratio < 8 (best of 3 runs each, so a noisy shared
// machine does not fail it) and an absolute bound far below what the quadratic code took.
//
//   imports:  a side module with 4N undefined function imports, half of them weak in
//             IMPORT_INFO, linked with --allow-undefined (was 5 s for 40,000)
//   sections: a module with 4N empty custom sections before a malformed type section that
//             only LLVM rejects (locating its offset took minutes for 20,000)
//
// usage: node scaling.mjs --prelink PATH [--dir DIR]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { name, uleb, vec } from '../bad/make_bad.mjs';

const args = process.argv.slice(2);
let prelink = null, dir = null;
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--prelink') prelink = path.resolve(args[++i]);
  else if (args[i] === '--dir') dir = path.resolve(args[++i]);
}
if (!prelink) {
  console.error('usage: node scaling.mjs --prelink PATH [--dir DIR]');
  process.exit(1);
}
dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-scaling-'));
fs.mkdirSync(dir, { recursive: true });

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const sec = (id, payload) => [id, ...uleb(payload.length), ...payload];
const custom = (nm, body) => sec(0, [...name(nm), ...body]);
const sub = (type, body) => [type, ...uleb(body.length), ...body];
const memInfo = sub(1, [0, 0, 0, 0]);
const bytes = (parts) => Buffer.from(parts.flat());

function mainModule() {
  return bytes([HEADER, custom('dylink.0', memInfo), sec(1, vec([[0x60, 0x00, 0x00]])), sec(3, vec([uleb(0)])),
    sec(4, vec([[0x70, 0x00, ...uleb(1)]])), sec(5, vec([[0x00, ...uleb(1)]])), sec(7, vec([[...name('_start'), 0x00, ...uleb(0)]])),
    sec(10, vec([[0x02, 0x00, 0x0b]]))]);
}
// N function imports env.f0..; the even ones weak (IMPORT_INFO): stubs; the odd ones host imports.
function manyImports(n) {
  const fields = Array.from({ length: n }, (_, i) => `f${i}`);
  const info = fields.filter((_, i) => i % 2 === 0).map((f) => [...name('env'), ...name(f), ...uleb(1)]);
  return bytes([HEADER, custom('dylink.0', [...memInfo, ...sub(4, vec(info))]), sec(1, vec([[0x60, 0x00, 0x00]])),
    sec(2, vec(fields.map((f) => [...name('env'), ...name(f), 0x00, ...uleb(0)])))]);
}
// N empty custom sections, then a type section whose LEB128 runs past its end.
function manySections(n) {
  const parts = [HEADER];
  for (let i = 0; i < n; ++i) parts.push(custom('c', []));
  return { module: bytes([...parts, sec(1, [0x01, 0x60, 0x81])]), typeAt: 8 + 4 * n };
}

function timed(argv) {
  let best = Infinity, r;
  for (let k = 0; k < 3; ++k) {
    const t0 = process.hrtime.bigint();
    r = spawnSync(prelink, argv, { cwd: dir, encoding: 'utf8', timeout: 120000 });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ...r, ms: best };
}

const failures = [];
const check = (what, ok, msg) => { if (!ok) failures.push(`${what}: ${msg}`); };
fs.writeFileSync(path.join(dir, 'main.wasm'), mainModule());

const N = 25000;
const runs = {};
for (const n of [N, 4 * N]) {
  fs.writeFileSync(path.join(dir, `imports-${n}.wasm`), manyImports(n));
  const out = path.join(dir, `out-${n}.wasm`);
  const r = timed(['main.wasm', `imports-${n}.wasm`, '--allow-undefined', '-o', out]);
  check(`imports ${n}`, r.status === 0, `exit ${r.status}: ${r.stderr}`);
  if (r.status === 0) {
    const m = fs.readFileSync(out);
    check(`imports ${n}`, WebAssembly.validate(m), 'the output does not validate');
    const host = WebAssembly.Module.imports(new WebAssembly.Module(m)).filter((i) => i.kind === 'function').length;
    check(`imports ${n}`, host === n / 2, `${host} host functions, want ${n / 2} (the weak half become stubs)`);
  }
  runs[`imports-${n}`] = r.ms;
}
for (const n of [N / 5, (4 * N) / 5]) {
  const { module, typeAt } = manySections(n);
  fs.writeFileSync(path.join(dir, `sections-${n}.wasm`), module);
  const r = timed(['inspect', `sections-${n}.wasm`]);
  const want = `prelink: error: sections-${n}.wasm: malformed type section: truncated LEB128 value (at byte offset ${typeAt})`;
  check(`sections ${n}`, r.status === 1 && r.stderr === `${want}\n`, `exit ${r.status}, stderr:\n${r.stderr}\nwant: ${want}`);
  runs[`sections-${n}`] = r.ms;
}
for (const [what, small, large] of [['imports', N, 4 * N], ['sections', N / 5, (4 * N) / 5]]) {
  const a = runs[`${what}-${small}`], b = runs[`${what}-${large}`];
  console.log(`${what}: ${small}: ${a.toFixed(0)} ms, ${large}: ${b.toFixed(0)} ms (ratio ${(b / a).toFixed(1)})`);
  check(what, b < 20000, `${large} took ${b.toFixed(0)} ms (limit 20000 ms)`);
  // Below 150 ms process start-up dominates and the ratio says nothing.
  check(what, b < 150 || b / a < 8, `time grew ${(b / a).toFixed(1)}x for 4x the input (want < 8x: linear)`);
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log('scaling: all checks passed');
