#!/usr/bin/env node
// Inputs and outputs on disk (wasmobj/files.h, docs/reliability.md "Files"): what prelink
// reads must be a regular file and cannot cost more than it holds; what it writes never
// destroys an input, never half-replaces a set of outputs, and cannot be redirected.
// The modules are make_bad.mjs's crafted ones; every other file is made here.
//
//   node files.mjs --check NAME --prelink PATH
//
// NAME: archive-bomb. Exit status 0 when every check passes. Each prelink run has a
// time limit, so that a regression that hangs fails instead of stalling the suite.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { generate } from '../bad/make_bad.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, /** @type {[string, string][]} */ ([])));
if (!args.check || !args.prelink) {
  console.error('usage: node files.mjs --check NAME --prelink PATH');
  process.exit(2);
}
const prelink = path.resolve(args.prelink);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prelink-files-${args.check}-`));
generate(tmp); // main.wasm, valid-side.wasm, main-needs-two.wasm, ...
const TIME_LIMIT_MS = 10000;
// As in tests/bad/run_bad.mjs: sanitizer builds reserve terabytes of address space and
// take more memory, so PRELINK_BAD_NO_ULIMIT=1 drops `ulimit -v` and the memory checks.
const sanitized = process.env.PRELINK_BAD_NO_ULIMIT === '1';
const MiB = 1024 * 1024;
let failures = 0;

function fail(/** @type {string} */ msg) {
  console.error(`FAIL ${msg}`);
  failures++;
}

/**
 * Runs prelink in TMP with a time limit (and, with VMKB, `ulimit -v`).
 * @param {string[]} argv
 * @param {{vmKb?: number, shell?: string}} [o] shell: a sh command line run instead; "$P"
 *   is prelink
 */
function run(argv, o = {}) {
  const t0 = Date.now();
  const limit = o.vmKb && !sanitized ? `ulimit -v ${o.vmKb} && ` : '';
  const script = o.shell ?? `${limit}exec "$P" "$@"`;
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', ...argv],
                      { cwd: tmp, encoding: 'utf8', timeout: TIME_LIMIT_MS, env: { ...process.env, P: prelink } });
  const lines = (r.stderr ?? '').split('\n').filter((l) => l !== '');
  return { ...r, lines, ms: Date.now() - t0, cmd: `prelink ${argv.join(' ')}` };
}

/** A failed run: exit 1, within the time limit, and one stderr line that contains WANT. */
function expectError(/** @type {ReturnType<typeof run>} */ r, /** @type {string} */ want) {
  if (r.error || r.signal) return fail(`${r.cmd}: did not finish (${r.error?.message ?? r.signal})`);
  if (r.status !== 1) return fail(`${r.cmd}: exit status ${r.status}, want 1 (${r.stderr.trim()})`);
  if (r.lines.length !== 1) return fail(`${r.cmd}: ${r.lines.length} stderr lines, want 1:\n${r.stderr}`);
  if (!r.lines[0].startsWith('prelink: error: ') || !r.lines[0].includes(want))
    fail(`${r.cmd}: stderr ${JSON.stringify(r.lines[0])} does not say ${JSON.stringify(want)}`);
}

// ---- archive-bomb ----------------------------------------------------------------------

const HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * A zip with one member NAME: a wasm header then zeros, MIB MiB in all once inflated,
 * compressed to about a thousandth, while both headers claim CLAIMED bytes. The deflate
 * stream is one full-flush segment per MiB (each one independent, so one segment of zeros
 * is compressed once and repeated), then an empty final block. The CRC is not computed:
 * nothing should read far enough to check it.
 */
function zipBomb(/** @type {string} */ name, /** @type {number} */ mib, /** @type {number} */ claimed) {
  const F = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const first = zlib.deflateRawSync(Buffer.concat([HEADER, Buffer.alloc(MiB - HEADER.length)]), F);
  const zeros = zlib.deflateRawSync(Buffer.alloc(MiB), F);
  const data = Buffer.concat([first, ...Array(mib - 1).fill(zeros), Buffer.from([0x03, 0x00])]);
  const nm = Buffer.from(name);
  const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  // version 2.0, no flags, deflate, 1980-01-01, crc, sizes, name length, no extra field
  const common = [u16(20), u16(0), u16(8), u16(0), u16(0x21), u32(0), u32(data.length), u32(claimed), u16(nm.length), u16(0)];
  const local = Buffer.concat([u32(0x04034b50), ...common, nm]);
  const central = Buffer.concat([u32(0x02014b50), u16(20), ...common, u16(0), u16(0), u16(0), u32(0), u32(0), nm]);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(1), u16(1), u32(central.length),
                             u32(local.length + data.length), u16(0)]);
  return Buffer.concat([local, data, central, end]);
}

/** Peak resident memory in KiB of `prelink ARGV`, with its result (GNU time's %M). */
function runMeasured(/** @type {string[]} */ argv) {
  const r = run(argv, { shell: `ulimit -v ${1024 * 1024} && exec /usr/bin/time -f 'peak %M' "$P" "$@"` }); // not sanitized
  const peak = r.lines.find((l) => l.startsWith('peak '));
  const own = (/** @type {string} */ l) => l === peak || l.startsWith('Command exited with non-zero status');
  return { ...r, lines: r.lines.filter((l) => !own(l)), peakKb: peak ? Number(peak.slice(5)) : NaN };
}

function checkArchiveBomb() {
  const haveTime = fs.existsSync('/usr/bin/time') && !sanitized;
  const measure = (/** @type {string[]} */ argv) => (haveTime ? runMeasured(argv) : { ...run(argv, { vmKb: 1024 * 1024 }), peakKb: NaN });
  // Claims 1000 bytes, inflates to 3 GiB: stopped at byte 1001, whatever the budget.
  fs.writeFileSync(path.join(tmp, 'lying.zip'), zipBomb('liblying.so', 3072, 1000));
  // Claims what it holds, 3 GiB: refused by its header before any inflating.
  fs.writeFileSync(path.join(tmp, 'honest.zip'), zipBomb('libhonest.so', 3072, 3 * 1024 * MiB));
  // 20 MiB said and held, against a budget of 10 MB.
  fs.writeFileSync(path.join(tmp, 'over.zip'), zipBomb('libover.so', 20, 20 * MiB));
  const cases = [
    [['main.wasm', 'lying.zip', '-o', 'out.wasm'], 'lying.zip:liblying.so: corrupt archive: the member inflates to more than the 1000 bytes its header declares'],
    [['main.wasm', 'honest.zip', '-o', 'out.wasm'], 'honest.zip:libhonest.so: member of 3221225472 bytes is over what --max-input-bytes still allows (2147483648 bytes)'],
    [['main.wasm', 'over.zip', '--max-input-bytes', '10000000', '-o', 'out.wasm'], 'over.zip:libover.so: member of 20971520 bytes is over what --max-input-bytes still allows (10000000 bytes)'],
    [['main.wasm', 'lying.zip', '--max-input-bytes', '10000000', '-o', 'out.wasm'], 'lying.zip:liblying.so: corrupt archive'],
  ];
  for (const [argv, want] of cases) {
    const r = measure(argv);
    expectError(r, want);
    // prelink itself takes some 60 MiB (LLVM, binaryen); 3 GiB inflated would show.
    if (r.peakKb > 256 * 1024) fail(`${r.cmd}: peak memory ${r.peakKb} KiB, want under 256 MiB`);
    if (r.ms > 5000) fail(`${r.cmd}: took ${r.ms} ms`);
    if (fs.existsSync(path.join(tmp, 'out.wasm'))) fail(`${r.cmd}: wrote an output`);
  }
}

// ---- main ------------------------------------------------------------------------------

const checks = { 'archive-bomb': checkArchiveBomb };
if (!(args.check in checks)) {
  console.error(`files.mjs: unknown check ${args.check}`);
  process.exit(2);
}
checks[args.check]();
if (failures) {
  console.error(`files.mjs --check ${args.check}: ${failures} failure(s); files kept in ${tmp}`);
  process.exit(1);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`files.mjs --check ${args.check}: ok`);
