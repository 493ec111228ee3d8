#!/usr/bin/env node
// Emscripten drop-in test: one program of corpus/emscripten (emcc's main.js glue,
// main.wasm and side modules), run four ways under node with the glue emcc wrote:
//   runtime    as emcc built it (the glue's loader links the side modules at run time);
//   prelinked  `prelink main.wasm <libs> <dlopen_libs>` writes main.wasm next to an
//              unmodified copy of main.js and the side modules;
//   no-libs    the same without any side module on disk (for a program with a
//              "noembed_dir", that build's glue, whose file system has no copy of the
//              dlopen'ed libraries: only the prelinked module can answer the dlopen);
//   optimized  prelinked with -O2 --gc-sections (binaryen; without --gc-sections when
//              the glue loads libraries later, which need the side modules' exports).
// stdout, stderr and the exit status of the prelinked runs must equal the runtime
// run's (and the runtime run's stdout the program's expected.txt, if any). A preload
// script (emscripten_preload.cjs) records the wasm modules each run compiles: the
// runtime run must compile more than one when the program has start-up side modules,
// each prelinked run exactly one, plus one per "runtime_libs" library (dlopen'ed but
// not prelinked, so the glue loads it) — not even the glue's one-function trampolines:
// JS functions whose address the program takes are imported with their slots.
// The prelinked module must validate in V8 and binaryen (wasm-opt, $WASM_OPT) and its
// manifest must say "flavor": "emscripten".
// A pthreads program ("pthreads": N, emcc 3.1.6's main.worker.js beside the glue): the
// preload script records the workers too. Every run must instantiate the main module
// once in each of the N workers (the module the main thread sent them); in the runtime
// run the workers load the side modules again themselves, in the prelinked runs they
// compile nothing (the exact count above covers all threads).
//
//   node emscripten.mjs --program DIR --prelink PATH --work DIR
//
// Exit status: 0 pass, 1 fail.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(HERE, 'emscripten_preload.cjs');
const RUN_TIMEOUT_MS = 60_000;

class TestFailure extends Error {}

/**
 * @typedef {Object} EmProgram
 * @property {string} name
 * @property {string} main      main module file name (main.wasm)
 * @property {string} glue      emcc's JS glue file name (main.js)
 * @property {string[]} libs    start-up side modules (main's NEEDED first)
 * @property {string[]} dlopen_libs  side modules the program only dlopen's
 * @property {string[]} runtime_libs  dlopen'ed side modules not given to prelink (embedded; the glue loads them)
 * @property {string} [noembed_dir]  relative to the program's directory
 * @property {number} [pthreads]  size of the glue's pool of pthread workers
 */

/**
 * @typedef {Object} RunResult
 * @property {string} label
 * @property {string} dir
 * @property {number | null} status
 * @property {string} stdout
 * @property {string} stderr
 * @property {{api: string, bytes: number | null, compiled: boolean, dylink: boolean, trampoline: boolean, worker: boolean}[]} wasm
 */

function parseArgs(/** @type {string[]} */ argv) {
  /** @type {Record<string, string>} */ const a = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) usage(`bad argument ${key}`);
    a[key.slice(2)] = argv[i + 1];
  }
  for (const k of ['program', 'prelink', 'work']) if (!a[k]) usage(`--${k} is required`);
  return { program: path.resolve(a.program), prelink: path.resolve(a.prelink), work: path.resolve(a.work) };
}

function usage(/** @type {string} */ msg) {
  console.error(`emscripten.mjs: ${msg}\nusage: node emscripten.mjs --program DIR --prelink PATH --work DIR`);
  process.exit(1);
}

/** Long lines (node echoes the minified glue's source line on a crash) cut short. */
function shorten(/** @type {string} */ text, maxLines = 60, maxWidth = 240) {
  const lines = text.split('\n');
  const out = lines.slice(0, maxLines).map((l) => (l.length > maxWidth ? `${l.slice(0, maxWidth)} [... ${l.length - maxWidth} more characters]` : l));
  if (lines.length > maxLines) out.push(`[... ${lines.length - maxLines} more lines]`);
  return out.join('\n');
}

function copyInto(/** @type {string} */ from, /** @type {string} */ dir, /** @type {string[]} */ names) {
  for (const n of names) fs.copyFileSync(path.join(from, n), path.join(dir, n));
}

/** The glue and what emcc wrote beside it for it (a .data package, a pthreads build's worker script). */
function glueFiles(/** @type {string} */ dir, /** @type {EmProgram} */ p) {
  const stem = p.glue.replace(/\.js$/, '');
  return [p.glue, ...fs.readdirSync(dir).filter((f) => f === `${stem}.data` || f === `${stem}.worker.js`).sort()];
}

/** Runs the glue with node in `dir` (its NEEDED side modules are loaded from the cwd). */
function runGlue(/** @type {string} */ label, /** @type {string} */ dir, /** @type {EmProgram} */ p) {
  const log = path.join(path.dirname(dir), `${path.basename(dir)}.wasm-log.json`);
  fs.rmSync(log, { force: true });
  const r = spawnSync(process.execPath, ['--no-experimental-fetch', '--require', PRELOAD, p.glue], {
    cwd: dir,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    env: { ...process.env, PRELINK_WASM_LOG: log },
  });
  if (r.error) throw new TestFailure(`${label}: cannot run node: ${r.error.message}`);
  let wasm = [];
  if (fs.existsSync(log)) {
    wasm = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  }
  // Paths of the run's directory would differ between the runs.
  const stderr = r.stderr.split(dir).join('<dir>');
  return /** @type {RunResult} */ ({ label, dir, status: r.status, stdout: r.stdout, stderr, wasm });
}

/** A run's report; stdout and stderr equal to `ref`'s are not repeated. */
function describeRun(/** @type {RunResult} */ r, /** @type {RunResult | null} */ ref = null) {
  const mods = r.wasm.map((w) => `${w.worker ? 'worker ' : ''}${w.api}(${w.bytes ?? '?'} bytes${w.dylink ? ', dylink' : ''}${w.trampoline ? ', trampoline' : ''}${w.compiled ? '' : ', not compiled'})`);
  const same = (/** @type {'stdout' | 'stderr'} */ k) => ref !== null && r[k] === ref[k];
  return [
    `== ${r.label} (in ${r.dir}): exit status ${r.status}`,
    same('stdout') ? `-- stdout: same as ${ref?.label}` : `-- stdout:\n${shorten(r.stdout)}`,
    same('stderr') ? `-- stderr: same as ${ref?.label}` : `-- stderr:\n${shorten(r.stderr)}`,
    `-- wasm compiled: ${mods.length ? mods.join(', ') : 'none recorded'}`,
  ].join('\n');
}

/** Compiled modules that are neither the glue's trampolines nor skipped instantiations. */
function programModules(/** @type {RunResult} */ r) {
  return r.wasm.filter((w) => w.compiled && !w.trampoline);
}

/**
 * prelink <main> <libs...> -o <outDir>/<main> --manifest ...; throws if prelink fails,
 * returns the problems of its output (V8 and binaryen validation, the manifest's flavor):
 * the runs go on, so that a failure report shows them too.
 * @returns {string[]}
 */
function prelinkInto(/** @type {string} */ prelink, /** @type {string} */ mainDir, /** @type {string} */ libDir,
  /** @type {EmProgram} */ p, /** @type {string} */ outDir, /** @type {string} */ label, /** @type {string[]} */ extra = []) {
  const out = path.join(outDir, p.main);
  const manifest = path.join(outDir, 'main.manifest.json');
  const args = [path.join(mainDir, p.main), ...[...p.libs, ...p.dlopen_libs].map((l) => path.join(libDir, l)),
    '-o', out, '--manifest', manifest, ...extra];
  const r = spawnSync(prelink, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  const cmd = [prelink, ...args].join(' ');
  if (r.error) throw new TestFailure(`${label}: cannot run prelink: ${r.error.message}`);
  if (r.status !== 0) throw new TestFailure(`${label}: prelink failed (status ${r.status})\n  command: ${cmd}\n${shorten(r.stderr)}`);

  const problems = [];
  const bytes = fs.readFileSync(out);
  if (!WebAssembly.validate(bytes)) {
    let why = '';
    try { new WebAssembly.Module(bytes); } catch (e) { why = e instanceof Error ? `: ${e.message}` : ''; }
    problems.push(`the prelinked module does not validate in V8${why}`);
  }
  const wasmOpt = process.env.WASM_OPT || 'wasm-opt';
  const v = spawnSync(wasmOpt, ['--all-features', '--quiet', out, '-o', '/dev/null'], { encoding: 'utf8' });
  if (v.error) throw new TestFailure(`${label}: cannot run ${wasmOpt}: ${v.error.message}`);
  if (v.status !== 0) problems.push(`binaryen rejects the prelinked module (status ${v.status}):\n${shorten(v.stderr, 12)}`);
  let m;
  try { m = JSON.parse(fs.readFileSync(manifest, 'utf8')); } catch (e) {
    problems.push(`cannot read the manifest ${manifest}: ${e instanceof Error ? e.message : e}`);
  }
  if (m && m.flavor !== 'emscripten') problems.push(`the manifest's "flavor" is ${JSON.stringify(m.flavor)}, not "emscripten"`);
  return problems.map((x) => `${label}: ${x}`);
}

/** A pthreads program's run: each of the pool's workers instantiated the main module it was sent, once. */
function workerProblems(/** @type {RunResult} */ r, /** @type {EmProgram} */ p) {
  if (!p.pthreads) return [];
  const inst = r.wasm.filter((w) => w.worker && w.api === 'Instance' && w.dylink).length;
  return inst === p.pthreads ? [] : [`the workers instantiated the main module ${inst} times, not once in each of the ${p.pthreads} workers`];
}

/** Checks one prelinked run against the runtime run; returns problems. */
function compare(/** @type {RunResult} */ ref, /** @type {RunResult} */ r, /** @type {EmProgram} */ p) {
  const runtimeLibs = p.runtime_libs;
  const problems = workerProblems(r, p);
  if (r.status !== ref.status) problems.push(`exit status ${r.status}, runtime ${ref.status}`);
  if (r.stdout !== ref.stdout) problems.push('stdout differs from the runtime run');
  if (r.stderr !== ref.stderr) problems.push('stderr differs from the runtime run');
  // Not even the glue's trampolines: JS functions whose address the program takes are
  // imported by the prelinked module and have their slots already.
  const mods = r.wasm.filter((w) => w.compiled);
  const want = 1 + runtimeLibs.length;
  if (mods.length !== want) {
    problems.push(`compiled ${mods.length} wasm modules, not exactly ${want} (the prelinked main` +
      `${runtimeLibs.length ? ` and the ${runtimeLibs.length} library(ies) not prelinked` : ''})` +
      `${p.pthreads ? `, ${mods.filter((w) => w.worker).length} of them in workers` : ''}`);
  }
  return problems;
}

function runEmscripten(/** @type {{program: string, prelink: string, work: string}} */ opts) {
  const p = /** @type {EmProgram} */ (JSON.parse(fs.readFileSync(path.join(opts.program, 'program.json'), 'utf8')));
  p.libs ??= [];
  p.dlopen_libs ??= [];
  p.runtime_libs ??= [];
  const sides = [...p.libs, ...p.dlopen_libs];
  fs.rmSync(opts.work, { recursive: true, force: true });
  const dirs = { runtime: path.join(opts.work, 'runtime'), prelinked: path.join(opts.work, 'prelinked'), nolibs: path.join(opts.work, 'no-libs'), optimized: path.join(opts.work, 'optimized') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });

  // (a) runtime: a copy of emcc's output directory.
  copyInto(opts.program, dirs.runtime, [...glueFiles(opts.program, p), p.main, ...sides]);
  const runtime = runGlue('runtime', dirs.runtime, p);
  const failures = [];
  if (runtime.status !== 0) failures.push(`runtime: exit status ${runtime.status}`);
  const expectedFile = path.join(opts.program, 'expected.txt');
  if (fs.existsSync(expectedFile) && runtime.stdout !== fs.readFileSync(expectedFile, 'utf8')) {
    failures.push(`runtime: stdout differs from ${expectedFile}`);
  }
  const runtimeMods = programModules(runtime).filter((w) => w.dylink);
  if (p.libs.length > 0 && runtimeMods.length < 2) {
    failures.push(`runtime: compiled ${runtimeMods.length} dylink module(s); the program has start-up side modules (is the preload script working?)`);
  }
  failures.push(...workerProblems(runtime, p).map((x) => `runtime: ${x}`));
  // As emcc built it, every worker loads the start-up side modules from disk again.
  const workerSides = runtimeMods.filter((w) => w.worker).length;
  if (p.pthreads && p.libs.length > 0 && workerSides < p.pthreads * p.libs.length) {
    failures.push(`runtime: the workers compiled ${workerSides} dylink module(s), not the ${p.libs.length} side module(s) in each of the ${p.pthreads} workers (is the preload script recording workers?)`);
  }
  if (failures.length) {
    throw new TestFailure(`${p.name}: ${failures.join('; ')}\n${describeRun(runtime)}`);
  }

  /** @type {RunResult[]} */ const runs = [];
  // (b) prelinked: the glue and the side modules as emcc wrote them, main.wasm prelinked.
  copyInto(opts.program, dirs.prelinked, [...glueFiles(opts.program, p), ...sides]);
  const linkProblems = prelinkInto(opts.prelink, opts.program, opts.program, p, dirs.prelinked, 'prelinked');
  runs.push(runGlue('prelinked', dirs.prelinked, p));

  // (c) no side module on disk; a program with a noembed build uses that build's glue.
  const glueDir = p.noembed_dir ? path.resolve(opts.program, p.noembed_dir) : opts.program;
  copyInto(glueDir, dirs.nolibs, glueFiles(glueDir, p));
  if (p.noembed_dir) {
    linkProblems.push(...prelinkInto(opts.prelink, glueDir, opts.program, p, dirs.nolibs, 'no-libs'));
  } else {
    copyInto(dirs.prelinked, dirs.nolibs, [p.main, 'main.manifest.json']);
  }
  const stray = fs.readdirSync(dirs.nolibs).filter((f) => f.endsWith('.so'));
  if (stray.length) throw new TestFailure(`no-libs: side modules on disk: ${stray.join(', ')}`);
  runs.push(runGlue(p.noembed_dir ? 'no-libs (noembed build)' : 'no-libs', dirs.nolibs, p));

  // (d) prelinked and optimised by binaryen (-O2 --gc-sections), side modules on disk.
  // --gc-sections exports no side-module symbol unless asked: a library the glue loads
  // later needs them, so a program with such libraries is optimised without it.
  const optFlags = p.runtime_libs.length ? ['-O2'] : ['-O2', '--gc-sections'];
  const optLabel = `prelinked ${optFlags.join(' ')}`;
  fs.mkdirSync(dirs.optimized, { recursive: true });
  copyInto(opts.program, dirs.optimized, [...glueFiles(opts.program, p), ...sides]);
  linkProblems.push(...prelinkInto(opts.prelink, opts.program, opts.program, p, dirs.optimized, optLabel, optFlags));
  runs.push(runGlue(optLabel, dirs.optimized, p));

  const report = [...linkProblems];
  for (const r of runs) {
    const problems = compare(runtime, r, p);
    if (problems.length) report.push(`${r.label}: ${problems.join('; ')}`);
  }
  if (report.length) {
    throw new TestFailure(`${p.name}:\n  ${report.join('\n  ')}\n${[describeRun(runtime), ...runs.map((r) => describeRun(r, runtime))].join('\n')}`);
  }
  const counts = [runtime, ...runs].map((r) => {
    const t = r.wasm.filter((w) => w.trampoline).length;
    return `${r.label} ${programModules(r).length}${t ? ` (+${t} trampolines)` : ''}`;
  }).join(', ');
  console.log(`emscripten ${p.name}: pass (${runtime.stdout.split('\n').length - 1} lines; wasm modules compiled: ${counts})`);
}

const opts = parseArgs(process.argv.slice(2));
try {
  runEmscripten(opts);
} catch (e) {
  if (e instanceof TestFailure) {
    const name = path.basename(opts.program);
    console.error(`FAIL ${e.message.startsWith(`${name}:`) ? '' : `${name}: `}${e.message}`);
    process.exit(1);
  }
  throw e;
}
