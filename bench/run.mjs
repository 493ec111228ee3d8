#!/usr/bin/env node
// prelink's performance suite (docs/benchmarks.md). Everything is measured side by side
// in one run, repeated, and reported as medians.
//
//   bench/run [--build DIR] [--reps N] [--only P1,P2,...] [--quick] [--n ITER]
//
//   P1 link time   python.wasm + 25 lib-dynload + 19 numpy .so, prelink --stats, against
//                  binaryen's plain read+write of python.wasm (wasm-opt, no passes)
//   P2 start-up    generated main + 20 side modules: reference loader vs prelinked
//   P3 code speed  bench/compute: PIC + reference loader, prelink -O2, wasm-ld static
//   P4 size        bench/compute: prelink -O2 --gc vs static vs the sum of the inputs
//   P5 memory      peak RSS of the P1 link (/usr/bin/time, runs of its own) against the input bytes
//   P6 emscripten  emcc main + 20 emcc side modules under emcc's own glue: runtime-linked
//                  vs prelinked, process start → first line of output (bench/emscripten.mjs)
//
// --quick: 1 repetition, a tiny P3 loop and no P1/P5 (the ctest smoke test).
// Tools: clang-19, wasm-ld-19, wasm-opt on PATH (P6: emcc); prelink from BUILD/prelink/prelink.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProgram } from '../tests/e2e/refloader.mjs';
import { benchEmscripten } from './emscripten.mjs';
import { generateStartup } from './gen_startup.mjs';
import { benchScaling } from './scaling.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

function parseArgs(/** @type {string[]} */ argv) {
  const o = { build: path.join(root, 'build'), reps: 5, only: 'P1,P2,P3,P4,P5,P6,S', quick: false, n: 20_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') { o.quick = true; continue; }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--build') o.build = path.resolve(v);
    else if (a === '--reps') o.reps = Number(v);
    else if (a === '--only') o.only = v;
    else if (a === '--n') o.n = Number(v);
    else throw new Error(`unknown argument ${a} (see the header of bench/run.mjs)`);
  }
  if (o.quick) { o.reps = 1; o.n = 1000; o.only = o.only.split(',').filter((p) => !['P1', 'P5', 'S'].includes(p)).join(','); }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const PRELINK = path.join(opts.build, 'prelink', 'prelink');
const WORK = path.join(opts.build, 'bench');
const FETCHED = path.join(opts.build, 'corpus', 'fetched');
const CFLAGS = ['--target=wasm32-unknown-emscripten', '-O2', '-nostdlib', '-fno-builtin', `-I${path.join(here, 'include')}`];

/** Runs a command; throws with its stderr when it fails. */
function sh(/** @type {string} */ cmd, /** @type {string[]} */ args, /** @type {object} */ o = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...o });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
}
const ms = (/** @type {bigint} */ ns) => Number(ns) / 1e6;
function timed(/** @type {() => void} */ f) {
  const t = process.hrtime.bigint();
  f();
  return ms(process.hrtime.bigint() - t);
}
const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (/** @type {number} */ x) => x.toFixed(1);
const f2 = (/** @type {number} */ x) => x.toFixed(2);
/** @type {{id: string, what: string, value: string, goal: string, verdict: string}[]} */
const rows = [];
const row = (/** @type {string} */ id, /** @type {string} */ what, /** @type {string} */ value, /** @type {string} */ goal = '', /** @type {boolean | null} */ met = null) =>
  rows.push({ id, what, value, goal, verdict: met === null ? '' : met ? 'met' : 'MISSED' });

// ---- building the benchmark programs ------------------------------------------------
function compile(/** @type {string} */ src, /** @type {string} */ obj, /** @type {boolean} */ pic) {
  sh('clang-19', [...CFLAGS, ...(pic ? ['-fPIC', '-fvisibility=default'] : []), '-c', src, '-o', obj]);
}
function linkSide(/** @type {string} */ out, /** @type {string[]} */ objs) {
  sh('wasm-ld-19', ['--experimental-pic', '-shared', '--unresolved-symbols=import-dynamic', '-o', out, ...objs]);
}
function linkMain(/** @type {string} */ out, /** @type {string[]} */ objs, /** @type {string[]} */ libs) {
  sh('wasm-ld-19', ['--experimental-pic', '-pie', '--import-memory', '--import-table', '--export-dynamic', '--no-entry',
    '--export-if-defined=__wasm_call_ctors', '--export=run', '-o', out, ...objs, ...libs]);
}
/** A PIC program: main.wasm + lib*.so from C files in srcDir; writes program.json. */
function buildPic(/** @type {string} */ srcDir, /** @type {string} */ outDir, /** @type {string[]} */ libs) {
  fs.mkdirSync(path.join(outDir, 'obj'), { recursive: true });
  for (const l of libs) {
    const o = path.join(outDir, 'obj', `${l}.pic.o`);
    compile(path.join(srcDir, `${l}.c`), o, true);
    linkSide(path.join(outDir, `lib${l.replace(/^lib/, '')}.so`), [o]);
  }
  const mo = path.join(outDir, 'obj', 'main.pic.o');
  compile(path.join(srcDir, 'main.c'), mo, true);
  const sos = libs.map((l) => `lib${l.replace(/^lib/, '')}.so`);
  linkMain(path.join(outDir, 'main.wasm'), [mo], sos.map((s) => path.join(outDir, s)));
  fs.writeFileSync(path.join(outDir, 'program.json'), JSON.stringify({ main: 'main.wasm', libs: sos }));
  return sos;
}
function prelinkProgram(/** @type {string} */ dir, /** @type {string[]} */ sos, /** @type {string} */ out, /** @type {string[]} */ flags) {
  sh(PRELINK, [path.join(dir, 'main.wasm'), ...sos.map((s) => path.join(dir, s)), '-o', path.join(dir, `${out}.wasm`),
    '--manifest', path.join(dir, `${out}.json`), ...flags]);
}

// ---- P1 / P5: the python link --------------------------------------------------------
function p1p5() {
  const python = path.join(FETCHED, 'python.wasm');
  if (!fs.existsSync(python)) {
    row('P1', 'link time', `skipped: ${python} missing (configure with PRELINK_FETCH_CORPUS=ON)`);
    return;
  }
  const dynload = fs.readdirSync(path.join(FETCHED, 'lib-dynload')).filter((f) => f.endsWith('.so')).sort().map((f) => path.join(FETCHED, 'lib-dynload', f));
  const numpy = [];
  const walk = (/** @type {string} */ d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.so')) numpy.push(path.join(d, e.name));
    }
  };
  walk(path.join(FETCHED, 'numpy'));
  const inputs = [python, ...dynload, ...numpy];
  const inputBytes = inputs.reduce((s, f) => s + fs.statSync(f).size, 0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-bench-'));
  const out = path.join(tmp, 'py.wasm');
  const args = [...inputs, '--allow-undefined', '-o', out, '--manifest', path.join(tmp, 'py.json'), '--stats'];
  const linkMs = [], woMs = [], rss = [];
  /** @type {Map<string, number[]>} */ const stages = new Map();
  const reps = Math.max(opts.reps, 3);
  for (let i = 0; i < reps; i++) {
    // prelink and wasm-opt alternate, so both see the same machine state; each is timed
    // as it is, without /usr/bin/time (about 1 ms of its own).
    let r;
    linkMs.push(timed(() => { r = sh(PRELINK, args); }));
    for (const line of /** @type {any} */ (r).stderr.split('\n')) {
      const m = /^prelink: stats: (\S+)\s+([\d.]+) ms$/.exec(line);
      if (m) stages.set(m[1], [...(stages.get(m[1]) ?? []), Number(m[2])]);
    }
    woMs.push(timed(() => sh('wasm-opt', ['-all', python, '-o', path.join(tmp, 'wo.wasm')])));
  }
  // P5: the peak RSS of the same link, in runs of its own.
  for (let i = 0; i < 3; i++) {
    const k = /^maxrss_kb (\d+)/m.exec(sh('/usr/bin/time', ['-f', 'maxrss_kb %M', PRELINK, ...args]).stderr);
    if (k) rss.push(Number(k[1]) * 1024);
  }
  const L = median(linkMs), W = median(woMs), outBytes = fs.statSync(out).size;
  row('P1', `prelink link: python.wasm + ${dynload.length} lib-dynload + ${numpy.length} numpy .so (${f1(inputBytes / 1e6)} MB in, ${f1(outBytes / 1e6)} MB out), wall`, `${f1(L)} ms (${f1(inputBytes / 1e6 / (L / 1e3))} MB/s)`);
  row('P1', 'binaryen read+write of python.wasm alone (wasm-opt -all, no passes), wall', `${f1(W)} ms`);
  row('P1', 'ratio prelink / wasm-opt', f2(L / W), '≤ 0.15', L / W <= 0.15);
  row('P1', 'prelink stages (median ms)', [...stages].map(([k, v]) => `${k} ${f1(median(v))}`).join(', '));
  const R = median(rss);
  row('P5', 'peak RSS of the P1 link / input bytes', `${f1(R / 1e6)} MB / ${f1(inputBytes / 1e6)} MB = ${f2(R / inputBytes)}×`, '≤ 2.5×', R / inputBytes <= 2.5);
  // What the process costs before it reads anything: the mapped and relocated shared
  // libraries (libbinaryen, libcrypto, libarchive, libstdc++; libLLVM when linked shared)
  // and the binary itself.
  const base = Number(/maxrss_kb (\d+)/.exec(sh('/usr/bin/time', ['-f', 'maxrss_kb %M', PRELINK, '--version']).stderr)?.[1] ?? 0) * 1024;
  row('P5', 'of which the process baseline (prelink --version); the link\'s own growth / input bytes', `${f1(base / 1e6)} MB; ${f1((R - base) / 1e6)} MB = ${f2((R - base) / inputBytes)}×`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

// ---- P2: start-up ----------------------------------------------------------------------
function p2() {
  const dir = path.join(WORK, 'startup');
  const src = path.join(dir, 'src');
  const { libs } = generateStartup(src, 20);
  const sos = buildPic(src, dir, libs);
  prelinkProgram(dir, sos, 'prelinked', ['-O2']);
  const child = path.join(here, 'startup_child.mjs');
  const run = (/** @type {string} */ mode) => JSON.parse(sh(process.execPath, [child, mode, dir]).stdout);
  const rt = [], pl = [], rtLoad = [], plLoad = [];
  const reps = Math.max(opts.reps * 2, 3);
  let a, b;
  for (let i = 0; i < reps; i++) {
    a = run('runtime'); rt.push(a.sinceProcessStart); rtLoad.push(a.load);
    b = run('prelinked'); pl.push(b.sinceProcessStart); plLoad.push(b.load);
  }
  if (a.ret !== b.ret || a.logs.join() !== b.logs.join()) throw new Error(`P2: results differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  const inBytes = ['main.wasm', ...sos].reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  row('P2', `start-up, 20 side modules (${f1(inBytes / 1e3)} KB of wasm): process start → run(), runtime-linked vs prelinked -O2`, `${f1(median(rt))} ms vs ${f1(median(pl))} ms (${f2(median(rt) / median(pl))}×)`, '≥ 3×', median(rt) / median(pl) >= 3);
  row('P2', 'the loading part alone (first line of the script → run())', `${f1(median(rtLoad))} ms vs ${f1(median(plLoad))} ms (${f1(median(rtLoad) / median(plLoad))}×)`);
}

// ---- P3 / P4: code speed and size --------------------------------------------------------
function p3p4() {
  const dir = path.join(WORK, 'compute');
  const src = path.join(here, 'compute');
  const sos = buildPic(src, dir, ['kern', 'acc']);
  prelinkProgram(dir, sos, 'prelinked', ['-O2']);
  prelinkProgram(dir, sos, 'prelinked-gc', ['-O2', '--gc']);
  prelinkProgram(dir, sos, 'prelinked-O0', []);
  const objs = ['main', 'kern', 'acc'].map((n) => {
    const o = path.join(dir, 'obj', `${n}.static.o`);
    compile(path.join(src, `${n}.c`), o, false);
    return o;
  });
  const stat = path.join(dir, 'static.wasm');
  sh('wasm-ld-19', ['--no-entry', '--export=run', '-o', stat, ...objs]);
  const statOpt = path.join(dir, 'static-O2.wasm');
  sh('wasm-opt', ['-O2', '--enable-sign-ext', '--enable-mutable-globals', '--enable-bulk-memory', '--enable-multivalue', '--enable-reference-types', stat, '-o', statOpt]);

  const n = opts.n;
  /** @returns {{run: () => number, logs: number[]}} */
  const variant = (/** @type {string} */ kind, /** @type {string} */ file = '') => {
    const logs = [];
    const host = { log_i32: (/** @type {number} */ v) => { logs.push(v); }, bench_n: () => n };
    let exports;
    if (kind === 'runtime') {
      const libs = new Map(sos.map((s) => [s, fs.readFileSync(path.join(dir, s))]));
      exports = loadProgram({ mainBytes: fs.readFileSync(path.join(dir, 'main.wasm')), libs, dlopenOnly: [], host: () => host }).exports;
    } else if (kind === 'prelinked') {
      const manifest = JSON.parse(fs.readFileSync(file.replace(/\.wasm$/, '.json'), 'utf8'));
      const module = new WebAssembly.Module(fs.readFileSync(file));
      /** @type {Record<string, any>} */ const env = { ...host };
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.kind === 'memory') env[imp.name] = new WebAssembly.Memory({ initial: manifest.memory.min_pages });
        if (imp.kind === 'table') env[imp.name] = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min });
      }
      exports = new WebAssembly.Instance(module, { env }).exports;
      exports.__wasm_call_ctors?.();
    } else {
      exports = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), { env: host }).exports;
    }
    return { run: () => /** @type {any} */ (exports).run(), logs };
  };
  const variants = {
    'runtime-linked PIC (refloader)': variant('runtime'),
    'prelinked -O0': variant('prelinked', path.join(dir, 'prelinked-O0.wasm')),
    'prelinked -O2': variant('prelinked', path.join(dir, 'prelinked.wasm')),
    'static wasm-ld (non-PIC)': variant('static', stat),
    'static wasm-ld + wasm-opt -O2': variant('static', statOpt),
  };
  /** @type {Record<string, number[]>} */ const times = {};
  /** @type {Record<string, number>} */ const results = {};
  const reps = Math.max(opts.reps * 2, 1);
  for (const v of Object.values(variants)) v.run(); // warm-up (tier-up)
  for (let i = 0; i < reps; i++) {
    for (const [name, v] of Object.entries(variants)) {
      let r = 0;
      (times[name] ??= []).push(timed(() => { r = v.run(); }));
      results[name] = r;
    }
  }
  const distinct = new Set(Object.entries(variants).map(([k, v]) => `${results[k]}/${v.logs.slice(-2).join()}`));
  if (distinct.size !== 1) throw new Error(`P3: the builds disagree: ${JSON.stringify(results)}`);
  const t = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const S = t['static wasm-ld (non-PIC)'], P = t['prelinked -O2'], R = t['runtime-linked PIC (refloader)'];
  row('P3', `compute loop, ${n} iterations (median of ${reps}, ms)`, Object.entries(t).map(([k, v]) => `${k} ${f1(v)}`).join('; '));
  row('P3', 'prelinked -O2 / static', f2(P / S), '≤ 1.03', P / S <= 1.03);
  row('P3', 'speed-up of prelinked -O2 over runtime-linked', `${f2(R / P)}×`);
  row('P3', 'prelinked -O2 / static + wasm-opt -O2', f2(P / t['static wasm-ld + wasm-opt -O2']));

  const size = (/** @type {string} */ f) => fs.statSync(path.join(dir, f)).size;
  const inputs = size('main.wasm') + sos.reduce((s, f) => s + size(f), 0);
  const G = size('prelinked-gc.wasm');
  row('P4', 'size: prelinked -O2 --gc vs static wasm-ld', `${G} B vs ${size('static.wasm')} B = ${f2(G / size('static.wasm'))}×`, '≤ 1.05×', G / size('static.wasm') <= 1.05);
  row('P4', 'size: vs static + wasm-opt -O2; vs the sum of the inputs; prelinked -O0', `${f2(G / size('static-O2.wasm'))}× (${size('static-O2.wasm')} B); ${f2(G / inputs)}× (${inputs} B); -O0 ${size('prelinked-O0.wasm')} B`);
}

// ---- P6: start-up of an emcc program under emcc's glue ----------------------------------
async function p6() {
  const r = /** @type {any} */ (await benchEmscripten({ prelink: PRELINK, work: path.join(WORK, 'emscripten'), reps: Math.max(opts.reps * 3, 3) }));
  if (r.skipped) { row('P6', 'emscripten start-up', `skipped: ${r.skipped}`); return; }
  const m = r.median, o = r.overNode, b = r.bytes;
  row('P6', `emcc 3.1.6 main + ${r.sides} side modules under emcc's glue (${f1(b.inputs / 1e3)} KB of wasm): process start → first line, runtime-linked vs prelinked (median of ${r.reps})`,
    `${f1(m.runtime.first)} ms vs ${f1(m.prelinked.first)} ms (${f2(m.runtime.first / m.prelinked.first)}×)`);
  row('P6', 'process start → exit', `${f1(m.runtime.exit)} ms vs ${f1(m.prelinked.exit)} ms (${f2(m.runtime.exit / m.prelinked.exit)}×)`);
  row('P6', 'prelinked -O2; node alone printing one line', `${f1(m['prelinked -O2'].first)} ms (${f2(m.runtime.first / m['prelinked -O2'].first)}×); ${f1(m['node only'].first)} ms`);
  row('P6', 'beyond node\'s own start-up (first line − node alone, paired by round): runtime vs prelinked vs prelinked -O2',
    `${f1(o.runtime.first)} vs ${f1(o.prelinked.first)} vs ${f1(o['prelinked -O2'].first)} ms`);
  row('P6', 'prelink link time (-O0; -O2); size: main.wasm + .so vs prelinked (-O0; -O2)',
    `${f1(r.linkMs.prelinked)} ms; ${f1(r.linkMs['prelinked -O2'])} ms; ${b.inputs} B vs ${b.prelinked} B; ${b['prelinked -O2']} B`);
}

// ---- S: scaling with the number of side modules --------------------------------------------
function scaling() {
  const r = benchScaling({ prelink: PRELINK, work: path.join(WORK, 'scaling'), include: path.join(here, 'include'), reps: Math.max(3, Math.min(opts.reps, 5)) });
  for (const x of r) {
    const st = Object.entries(x.prelink.stages).map(([k, v]) => `${k} ${f1(/** @type {number} */ (v))}`).join(', ');
    row('S', `N = ${x.n} (${f1(x.bytes / 1e6)} MB of wasm): prelink vs wasm-ld-19 static; peak RSS; stages (ms)`,
      `${f1(x.prelink.ms)} ms vs ${f1(x.wasmld.ms)} ms (${f2(x.prelink.ms / x.wasmld.ms)}×); ${f1(x.prelink.rss / 1024)} MB vs ${f1(x.wasmld.rss / 1024)} MB; ${st}`,
      x.n === 3000 ? '≤ 1.0× wasm-ld' : '', x.n === 3000 ? x.prelink.ms <= x.wasmld.ms : null);
  }
  const at = (/** @type {number} */ n) => r.find((x) => x.n === n);
  const a = at(1000), b = at(3000);
  if (a && b) {
    row('S', 'linear: t(3000) / t(1000)', f2(b.prelink.ms / a.prelink.ms), '≤ 3.3', b.prelink.ms / a.prelink.ms <= 3.3);
    const stages = Object.keys(b.prelink.stages).map((k) => `${k} ${f2(b.prelink.stages[k] / (a.prelink.stages[k] || 1))}`).join(', ');
    row('S', 'per stage: t(3000) / t(1000)', stages, '≤ 3.3 each');
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
console.log(`prelink benchmarks: ${cpu}, ${os.cpus().length} cores, ${f1(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.type()} ${os.release()}`);
console.log(`command: bench/run ${process.argv.slice(2).join(' ')} (repetitions: ${opts.reps}${opts.quick ? ', quick' : ''})\n`);
const only = new Set(opts.only.split(','));
if (only.has('P1') || only.has('P5')) p1p5();
if (only.has('P2')) p2();
if (only.has('P3') || only.has('P4')) p3p4();
if (only.has('P6')) await p6();
if (only.has('S')) scaling();
console.log('| | measurement | result | goal | |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.id} | ${r.what} | ${r.value} | ${r.goal} | ${r.verdict} |`);
