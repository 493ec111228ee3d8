// The real thing: cowasm's python-wasm@0.28.1 from npm, run by its own unmodified kernel,
// once with its python.wasm (the kernel's JS loader links CPython's extension modules at
// run time) and once with a prelink bundle in its place:
//
//   prelink --shared python.wasm <24 lib-dynload .so> <19 numpy .so> -o bundle/python.wasm
//
// The same script (check.py: numpy arithmetic, linalg, random, fft, zlib, json, decimal,
// unicodedata, _sqlite3) must print the same both ways, and with the bundle the kernel's
// dlopen must never be called for a bundled library (CPython's dlopen of an extension is
// answered inside the bundle; the files stay on disk for Python's importer). A library
// left out (_curses_panel, see pywasm.mjs) still falls through to the kernel, and fails
// there the same way both times.
//
// Usage: node bundle_python.mjs --prelink PRELINK --fetched BUILD/corpus/fetched --work DIR
import fs from 'node:fs';
import path from 'node:path';
import { HERE, buildBundle, ensureNpmInstall, ensureSite, runPython } from './pywasm.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const prelink = path.resolve(opt('prelink'));
const fetched = path.resolve(opt('fetched'));
const work = path.resolve(opt('work'));
const log = (s) => console.log(s);
const fail = (s) => {
  console.error(`FAIL: ${s}`);
  process.exit(1);
};

const pkg = ensureNpmInstall(work, log);
const distWasm = path.join(pkg, 'dist', 'python.wasm');
if (!fs.readFileSync(distWasm).equals(fs.readFileSync(path.join(fetched, 'python.wasm'))))
  fail(`${distWasm} differs from the checksummed corpus copy ${fetched}/python.wasm`);
const site = ensureSite(work, pkg);
const b = buildBundle(prelink, fetched, path.join(work, 'bundle'));
const nlibs = 1 + b.inputs.dynload.length + b.inputs.numpy.length;
log(`bundle: prelink --shared python.wasm <${b.inputs.dynload.length} lib-dynload .so> <${b.inputs.numpy.length} numpy .so> ` +
    `-o ${path.relative(work, b.out)}: ${nlibs} modules, ${(fs.statSync(b.out).size / 1e6).toFixed(1)} MB, ${b.ms.toFixed(0)} ms` +
    (b.inputs.excluded.length ? ` (left out: ${b.inputs.excluded.join(', ')})` : ''));
if (b.stderr.trim()) log(b.stderr.trim());

const script = path.join(HERE, 'check.py');
const tail = 'import _curses_panel'; // not bundled: the kernel's loader, both times
const runs = {};
for (const [name, wasm] of [['runtime-linked', distWasm], ['bundled', b.out]]) {
  const r = runPython({ pkg, wasm, site, script, tail });
  if (r.status !== 0 || !r.report?.ok)
    fail(`${name} run exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}\n${r.report?.error ?? ''}`);
  runs[name] = r;
  log(`${name}: boot ${r.report.bootMs.toFixed(0)} ms, import numpy ${r.report.importNumpyMs.toFixed(0)} ms, ` +
      `kernel dlopen calls: ${r.report.dlopenPaths.length}`);
}
const orig = runs['runtime-linked'], bund = runs.bundled;

// 1. Same output.
if (orig.stdout !== bund.stdout)
  fail(`the outputs differ:\n--- runtime-linked\n${orig.stdout}\n--- bundled\n${bund.stdout}`);
for (const want of ['numpy 1.24.1', 'linalg.solve', 'linalg.det', 'random.default_rng', 'fft', 'zlib.crc32', 'json',
  'decimal', 'unicodedata', '_sqlite3'])
  if (!orig.stdout.split('\n').some((l) => l.startsWith(want + ' ')))
    fail(`no "${want}" line in the output:\n${orig.stdout}`);
if (orig.report.tailError !== bund.report.tailError)
  fail(`\`${tail}\` differs: runtime-linked: ${orig.report.tailError}; bundled: ${bund.report.tailError}`);

// 2. The kernel's dlopen: the runtime-linked run loads the extensions through it; the
// bundled run never asks it for a bundled library.
const bundled = new Set([...b.inputs.dynload, ...b.inputs.numpy].map((p) => path.basename(p)));
const isBundled = (p) => p != null && bundled.has(path.posix.basename(p));
const origExt = orig.report.dlopenPaths.filter(isBundled);
if (origExt.length < 10)
  fail(`the runtime-linked run dlopened only ${origExt.length} bundled extensions through the kernel: ${origExt.join(', ')}`);
const leaked = bund.report.dlopenPaths.filter(isBundled);
if (leaked.length) fail(`with the bundle, the kernel's dlopen was called for bundled libraries: ${leaked.join(', ')}`);
const fellThrough = bund.report.dlopenPaths.filter((p) => p != null && p !== b.out);
for (const ex of b.inputs.excluded)
  if (!fellThrough.some((p) => path.posix.basename(p) === ex))
    fail(`${ex} (not bundled) did not reach the kernel's dlopen: ${JSON.stringify(bund.report.dlopenPaths)}`);

log(`same output (${orig.stdout.trimEnd().split('\n').length} lines):`);
for (const l of orig.stdout.trimEnd().split('\n')) log(`  ${l}`);
log(`\`${tail}\` fails the same way both times: ${orig.report.tailError}`);
log(`runtime-linked: the kernel dlopened ${origExt.length} extensions, e.g. ${origExt.slice(0, 3).join(', ')}`);
log(`bundled: the kernel's dlopen saw only ${[...new Set(bund.report.dlopenPaths)].map((p) => p === b.out ? 'the bundle itself' : p).join(', ')}` +
    ` (${bund.report.dlopenPaths.length} calls, none for the ${bundled.size} bundled libraries)`);
log('PASS');
