#!/usr/bin/env node
// Inputs and outputs on disk (wasmobj/files.h, docs/reliability.md "Files"): what prelink
// reads must be a regular file and cannot cost more than it holds; what it writes never
// destroys an input, never half-replaces a set of outputs, and cannot be redirected.
// The modules are make_bad.mjs's crafted ones; every other file is made here.
//
//   node files.mjs --check NAME --prelink PATH
//
// NAME: inputs-not-regular, archive-bomb, output-is-input, outputs-together, temporary,
// write-fails, in-place. Exit status 0 when every check passes. Each prelink run has a
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
  // The crafted side modules here are dlopen-only in a program that never dlopens: the
  // warning that says so (docs/cli.md) is not what these checks are about.
  const lines = (r.stderr ?? '').split('\n').filter((l) => l !== '' && !/^prelink: warning: .*it is linked but can never run$/.test(l));
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

function mkfifo(/** @type {string} */ p) {
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error(`mkfifo ${p}: ${r.stderr}`);
}

// ---- inputs-not-regular ------------------------------------------------------------------

// A FIFO nothing writes to, in every place prelink reads from: each one is refused at
// once (or, in a directory or an -L directory, is not a library), never waited on.
function checkInputsNotRegular() {
  mkfifo(path.join(tmp, 'pipe.wasm'));
  mkfifo(path.join(tmp, 'pipe.zip'));
  mkfifo(path.join(tmp, 'pipe.js'));
  fs.mkdirSync(path.join(tmp, 'dir'));
  fs.copyFileSync(path.join(tmp, 'valid-side.wasm'), path.join(tmp, 'dir', 'libok.so'));
  mkfifo(path.join(tmp, 'dir', 'libpipe.so'));
  fs.mkdirSync(path.join(tmp, 'lib'));
  mkfifo(path.join(tmp, 'lib', 'valid-side.wasm')); // main-needs-two.wasm NEEDs valid-side.wasm
  expectError(run(['inspect', 'pipe.wasm']), 'pipe.wasm: is a FIFO, not a regular file');
  expectError(run(['pipe.wasm', 'valid-side.wasm', '-o', 'out.wasm']), 'pipe.wasm: is a FIFO, not a regular file');
  expectError(run(['main.wasm', 'pipe.wasm', '-o', 'out.wasm']), 'pipe.wasm: is a FIFO, not a regular file');
  expectError(run(['main.wasm', 'pipe.zip', '-o', 'out.wasm']), 'pipe.zip: is a FIFO, not a regular file');
  expectError(run(['main.wasm', 'valid-side.wasm', '--flavor', 'emscripten', '--emscripten-glue', 'pipe.js', '-o', 'out.wasm']),
              'pipe.js: is a FIFO, not a regular file');
  expectError(run(['main-needs-two.wasm', 'link-duplicate-symbol.wasm', '-L', 'lib', '-o', 'out.wasm']),
              'cannot find library "valid-side.wasm"');
  // In a directory: only regular files are libraries; the FIFO is passed over.
  const r = run(['main.wasm', 'dir', '-o', 'out.wasm']);
  if (r.status !== 0 || r.lines.length) fail(`${r.cmd}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  // A character device: /dev/zero never ends.
  expectError(run(['inspect', '/dev/zero']), '/dev/zero: is a character device, not a regular file');
  expectError(run(['main.wasm', '/dev/zero', '-o', 'out2.wasm']), '/dev/zero: is a character device, not a regular file');
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

// ---- output-is-input ---------------------------------------------------------------------

/** The bytes of every regular file under TMP (inputs that must survive a run), but the
 * sparse 8 GiB case of make_bad.mjs. */
function snapshot() {
  const m = new Map();
  // Names as bytes: make_bad.mjs writes members whose names are not UTF-8.
  const walk = (/** @type {Buffer} */ dir, /** @type {string} */ rel) => {
    for (const f of fs.readdirSync(dir, { encoding: 'buffer' })) {
      const full = Buffer.concat([dir, Buffer.from('/'), f]);
      const r = rel ? `${rel}/${f.toString('latin1')}` : f.toString('latin1');
      const st = fs.lstatSync(full); // links are not followed
      if (st.isDirectory()) walk(full, r);
      else if (st.isFile() && st.size < MiB) m.set(r, fs.readFileSync(full));
    }
  };
  walk(Buffer.from(tmp), '');
  return m;
}
function expectUnchanged(/** @type {Map<string, Buffer>} */ before, /** @type {string} */ what) {
  const after = snapshot();
  for (const [f, b] of before)
    if (!after.has(f) || !after.get(f).equals(b)) fail(`${what}: ${f} was changed`);
  for (const f of after.keys()) if (!before.has(f)) fail(`${what}: ${f} was left behind`);
}

// An output that is one of the files the link read, under whatever name: refused before
// anything is written (compared by device and inode).
function checkOutputIsInput() {
  fs.mkdirSync(path.join(tmp, 'dir'));
  fs.copyFileSync(path.join(tmp, 'valid-side.wasm'), path.join(tmp, 'dir', 'libv.so'));
  fs.mkdirSync(path.join(tmp, 'lib'));
  fs.copyFileSync(path.join(tmp, 'valid-side.wasm'), path.join(tmp, 'lib', 'valid-side.wasm'));
  fs.symlinkSync('main.wasm', path.join(tmp, 'main-link.wasm'));
  fs.linkSync(path.join(tmp, 'valid-side.wasm'), path.join(tmp, 'hard-link.wasm'));
  fs.writeFileSync(path.join(tmp, 'main.js'), 'var x = 1; // not a glue prelink can read\n');
  fs.writeFileSync(path.join(tmp, 'libs.tar'), '');
  const tar = spawnSync('tar', ['cf', 'libs.tar', '-C', 'dir', 'libv.so'], { cwd: tmp });
  if (tar.status !== 0) throw new Error('tar failed');
  const cases = [
    [['main.wasm', 'valid-side.wasm', '-o', 'main.wasm'], 'main.wasm: -o would overwrite an input'],
    [['main.wasm', 'valid-side.wasm', '-o', 'valid-side.wasm'], 'valid-side.wasm: -o would overwrite an input'],
    [['main.wasm', 'valid-side.wasm', '-o', 'out.wasm', '--manifest', 'valid-side.wasm'], 'valid-side.wasm: --manifest would overwrite an input'],
    [['main.wasm', 'dir', '-o', 'dir/libv.so'], 'dir/libv.so: -o would overwrite an input'],
    [['main.wasm', 'dir', '-o', 'out.wasm', '--manifest', './dir/libv.so'], './dir/libv.so: --manifest would overwrite an input (dir/libv.so)'],
    [['main.wasm', 'libs.tar', '-o', 'libs.tar'], 'libs.tar: -o would overwrite an input'],
    [['main.wasm', 'valid-side.wasm', '-o', 'main-link.wasm'], 'main-link.wasm: -o would overwrite an input (main.wasm)'],
    [['main.wasm', 'valid-side.wasm', '-o', 'hard-link.wasm'], 'hard-link.wasm: -o would overwrite an input (valid-side.wasm)'],
    [['main-needs-two.wasm', 'link-duplicate-symbol.wasm', '-L', 'lib', '-o', 'lib/valid-side.wasm'],
     'lib/valid-side.wasm: -o would overwrite an input'],
    // The glue found beside the main module (the emscripten flavour reads it).
    [['main.wasm', 'valid-side.wasm', '--flavor', 'emscripten', '-o', 'main.js'], 'main.js: -o would overwrite an input'],
  ];
  for (const [argv, want] of cases) {
    const before = snapshot();
    expectError(run(argv), want);
    expectUnchanged(before, `prelink ${argv.join(' ')}`);
  }
}

// ---- outputs-together ----------------------------------------------------------------------

// -o and --manifest are checked together before either is written: the same file twice,
// a directory, a directory that does not exist. Nothing existing is touched.
function checkOutputsTogether() {
  fs.mkdirSync(path.join(tmp, 'adir'));
  fs.symlinkSync('.', path.join(tmp, 'here'));
  fs.writeFileSync(path.join(tmp, 'm.json'), 'an existing manifest\n');
  fs.writeFileSync(path.join(tmp, 'old.wasm'), 'an existing module\n');
  const cases = [
    [['-o', 'out.wasm', '--manifest', 'out.wasm'], 'out.wasm: --manifest and -o name the same file'],
    [['-o', './out.wasm', '--manifest', 'out.wasm'], './out.wasm: --manifest and -o name the same file'],
    [['-o', 'here/out.wasm', '--manifest', 'out.wasm'], 'here/out.wasm: --manifest and -o name the same file'],
    [['-o', 'old.wasm', '--manifest', 'old.wasm'], 'old.wasm: --manifest and -o name the same file'],
    [['-o', 'adir', '--manifest', 'm.json'], 'adir: -o names a directory, not a file'],
    [['-o', 'old.wasm', '--manifest', 'adir'], 'adir: --manifest names a directory, not a file'],
    [['-o', 'no-such-dir/out.wasm', '--manifest', 'm.json'], 'no-such-dir/out.wasm: cannot create output file: No such file or directory'],
    [['-o', 'old.wasm', '--manifest', 'old.wasm/m.json'], 'old.wasm/m.json: cannot create output file: Not a directory'],
  ];
  for (const [flags, want] of cases) {
    const before = snapshot();
    const r = run(['main.wasm', 'valid-side.wasm', ...flags]);
    expectError(r, want);
    expectUnchanged(before, r.cmd);
  }
}

// ---- temporary ---------------------------------------------------------------------------

/** What `prelink main.wasm valid-side.wasm` writes, linked into a fresh directory. */
function reference() {
  const dir = fs.mkdtempSync(path.join(tmp, 'ref-'));
  const r = run(['main.wasm', 'valid-side.wasm', '-o', path.join(dir, 'out.wasm'), '--manifest', path.join(dir, 'm.json')]);
  if (r.status !== 0) throw new Error(`reference link failed: ${r.stderr}`);
  return { wasm: fs.readFileSync(path.join(dir, 'out.wasm')), json: fs.readFileSync(path.join(dir, 'm.json'), 'utf8') };
}

// The temporaries have unpredictable names and are created with O_EXCL: a symbolic link
// planted at the name they used to have (".NAME.tmp.PID": the shell's $$ is prelink's pid
// after exec) is not followed, and the outputs are right. New outputs get 0666 less the
// umask, as any new file.
function checkTemporary() {
  const ref = reference();
  if (!WebAssembly.validate(ref.wasm)) fail('the reference output does not validate');
  fs.writeFileSync(path.join(tmp, 'victim'), 'must stay\n');
  const r = run(['main.wasm', 'valid-side.wasm', '-o', 'out.wasm', '--manifest', 'm.json'], {
    shell: 'ln -s victim .out.wasm.tmp.$$ && ln -s victim .m.json.tmp.$$ && umask 027 && exec "$P" "$@"',
  });
  if (r.status !== 0 || r.lines.length) fail(`${r.cmd} (with planted links): exit ${r.status}: ${r.stderr}`);
  if (fs.readFileSync(path.join(tmp, 'victim'), 'utf8') !== 'must stay\n') fail('the planted link was followed: victim changed');
  for (const [f, want] of [['out.wasm', ref.wasm], ['m.json', Buffer.from(ref.json)]]) {
    const st = fs.lstatSync(path.join(tmp, f));
    if (!st.isFile()) fail(`${f} is not a regular file`);
    else if (!fs.readFileSync(path.join(tmp, f)).equals(want)) fail(`${f} differs from the reference link's`);
    if ((st.mode & 0o777) !== 0o640) fail(`${f}: mode ${(st.mode & 0o777).toString(8)}, want 640 (0666 less umask 027)`);
  }
  const left = fs.readdirSync(tmp).filter((f) => f.includes('.tmp') && !fs.lstatSync(path.join(tmp, f)).isSymbolicLink());
  if (left.length) fail(`temporaries left behind: ${left.join(', ')}`);
  // Writing again replaces the outputs (the planted links are still there).
  const again = run(['main.wasm', 'valid-side.wasm', '-o', 'out.wasm', '--manifest', 'm.json']);
  if (again.status !== 0 || !fs.readFileSync(path.join(tmp, 'out.wasm')).equals(ref.wasm)) fail(`${again.cmd}: ${again.stderr}`);
}

// ---- write-fails ---------------------------------------------------------------------

// A write that fails (here the file size limit, `ulimit -f`, with SIGXFSZ ignored so that
// write(2) says EFBIG) is one error line, and leaves the outputs that were there as they
// were and no temporary. The module and the manifest are written at once, on two threads
// (docs/design.md, "Speed and memory"): the manifest alone failing, and both failing (the
// module's error is the one told), are both checked.
function checkWriteFails() {
  const ref = reference();
  fs.writeFileSync(path.join(tmp, 'out.wasm'), 'an existing module\n');
  fs.writeFileSync(path.join(tmp, 'm.json'), 'an existing manifest\n');
  const blocks = Math.ceil(ref.wasm.length / 512); // sh's ulimit -f counts 512-byte blocks
  const cases = [[0, 'out.wasm: cannot write output file: File too large']];
  if (blocks * 512 < Buffer.byteLength(ref.json)) cases.push([blocks, 'm.json: cannot write output file: File too large']);
  else fail(`the reference manifest (${Buffer.byteLength(ref.json)} bytes) is not larger than ${blocks} blocks: no manifest-only case`);
  for (const [limit, want] of cases) {
    const before = snapshot();
    const r = run(['main.wasm', 'valid-side.wasm', '-o', 'out.wasm', '--manifest', 'm.json'],
                  { shell: `trap '' XFSZ && ulimit -f ${limit} && exec "$P" "$@"` });
    expectError(r, want);
    expectUnchanged(before, `${r.cmd} (ulimit -f ${limit})`);
  }
}

// ---- in-place --------------------------------------------------------------------------

// An output that exists and is not a regular file is written into, as lld does, never
// replaced by a regular file: a FIFO (read by cat) and a character device (a node for
// /dev/null of our own when root, where replacing /dev/null itself would succeed; else
// /dev/null, which an ordinary user cannot replace).
async function checkInPlace() {
  const ref = reference();
  mkfifo(path.join(tmp, 'out.fifo'));
  const { spawn } = await import('node:child_process');
  const got = [];
  const cat = spawn('cat', [path.join(tmp, 'out.fifo')]);
  cat.stdout.on('data', (d) => got.push(d));
  const catDone = new Promise((resolve) => cat.on('close', resolve));
  const r = run(['main.wasm', 'valid-side.wasm', '-o', 'out.fifo']);
  if (r.status !== 0 || r.lines.length) fail(`${r.cmd}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  const timer = setTimeout(() => cat.kill(), TIME_LIMIT_MS);
  await catDone;
  clearTimeout(timer);
  if (!Buffer.concat(got).equals(ref.wasm)) fail('what came through the FIFO is not the linked module');
  if (!fs.lstatSync(path.join(tmp, 'out.fifo')).isFIFO()) fail('out.fifo is no longer a FIFO');

  let dev = '/dev/null';
  if (process.getuid?.() === 0) {
    dev = path.join(tmp, 'null');
    const mk = spawnSync('mknod', [dev, 'c', '1', '3']);
    if (mk.status !== 0) {
      console.log(`files.mjs: mknod failed (${mk.stderr.trim()}): character device case skipped`);
      return;
    }
  }
  const d = run(['main.wasm', 'valid-side.wasm', '-o', dev, '--manifest', 'm.json']);
  if (d.status !== 0 || d.lines.length) fail(`${d.cmd}: exit ${d.status}: ${d.stderr}`);
  const st = fs.lstatSync(dev);
  if (!st.isCharacterDevice()) fail(`${dev} is no longer a character device`);
  if (fs.readFileSync(path.join(tmp, 'm.json'), 'utf8') !== ref.json) fail('the manifest written beside -o /dev/null differs');
  if (fs.readdirSync(path.dirname(dev)).some((f) => f.startsWith(`.${path.basename(dev)}.tmp`))) fail('a temporary was left next to the device');
}

// ---- main ------------------------------------------------------------------------------

const checks = {
  'inputs-not-regular': checkInputsNotRegular,
  'archive-bomb': checkArchiveBomb,
  'output-is-input': checkOutputIsInput,
  'outputs-together': checkOutputsTogether,
  temporary: checkTemporary,
  'write-fails': checkWriteFails,
  'in-place': checkInPlace,
};
if (!(args.check in checks)) {
  console.error(`files.mjs: unknown check ${args.check}`);
  process.exit(2);
}
await checks[args.check]();
if (failures) {
  console.error(`files.mjs --check ${args.check}: ${failures} failure(s); files kept in ${tmp}`);
  process.exit(1);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`files.mjs --check ${args.check}: ok`);
