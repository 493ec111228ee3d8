// The scaling benchmark (issue: speed by design): a main module and N generated side
// modules (bench/gen_startup.mjs: 40 functions, data relocations and a constructor each,
// about 4.4 KB of wasm), for N = 10 ... 3000. Per N: prelink's wall time (median), its
// stages (--stats, each the median over the runs), peak RSS (/usr/bin/time), and
// wasm-ld-19 linking the same code statically from the objects, all measured side by
// side in one run. The generated programs are compiled once into WORK and reused while
// their sources are unchanged.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateStartup } from './gen_startup.mjs';

const CFLAGS = ['--target=wasm32-unknown-emscripten', '-O2', '-nostdlib', '-fno-builtin', '-fPIC', '-fvisibility=default'];

function sh(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 6).join(' ')} ... failed (${r.status}):\n${r.stderr}`);
  return r;
}

/** Compiles what is missing or older than its source, on every core. */
function build(/** @type {string} */ work, /** @type {string} */ include, /** @type {number} */ max) {
  const src = path.join(work, 'src');
  generateStartup(src, max); // deterministic: rewriting equal sources keeps them valid
  for (const d of ['obj', 'so']) fs.mkdirSync(path.join(work, d), { recursive: true });
  const todo = [];
  for (let i = 0; i < max; i++) {
    const so = path.join(work, 'so', `lib${i}.so`);
    if (!fs.existsSync(so)) todo.push(i);
  }
  if (todo.length) {
    // xargs -P: one clang + wasm-ld per library, as many at a time as there are cores.
    const script = `clang-19 ${CFLAGS.join(' ')} -I${include} -c ${src}/lib$0.c -o ${work}/obj/lib$0.o && ` +
      `wasm-ld-19 --experimental-pic -shared --unresolved-symbols=import-dynamic -o ${work}/so/lib$0.so ${work}/obj/lib$0.o`;
    const r = spawnSync('xargs', ['-P', String(os.cpus().length), '-n', '1', 'sh', '-c', script], { input: todo.join('\n'), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the scaling libraries failed: ${r.stderr}`);
  }
}

/** The main module of N libraries (and its object, for the static link). */
function buildMain(/** @type {string} */ work, /** @type {string} */ include, /** @type {number} */ n) {
  const dir = path.join(work, `main${n}`);
  const wasm = path.join(dir, 'main.wasm');
  if (fs.existsSync(wasm)) return dir;
  generateStartup(path.join(dir, 'src'), n);
  sh('clang-19', [...CFLAGS, `-I${include}`, '-c', path.join(dir, 'src', 'main.c'), '-o', path.join(dir, 'main.o')]);
  const libs = Array.from({ length: n }, (_, i) => path.join(work, 'so', `lib${i}.so`));
  sh('wasm-ld-19', ['--experimental-pic', '-pie', '--import-memory', '--import-table', '--export-dynamic', '--no-entry',
    '--export-if-defined=__wasm_call_ctors', '--export=run', '-o', wasm, path.join(dir, 'main.o'), ...libs]);
  return dir;
}


/** One run of CMD: wall time (ms), the stages it printed (--stats), peak RSS (KB). */
function runOnce(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  const t = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', 'RSS %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (p.status !== 0) throw new Error(`${cmd} failed: ${p.stderr}`);
  const stages = {};
  for (const m of p.stderr.matchAll(/prelink: stats: (\S+)\s+([\d.]+) ms/g)) stages[m[1]] = Number(m[2]);
  return { ms, stages, rss: Number(/RSS (\d+)/.exec(p.stderr)?.[1] ?? 0) };
}

/** Runs each of CMDS ([cmd, args]) REPS times, taking turns (a noisy machine's slow spell
 *  falls on all of them alike); per command the median run (wall time, RSS) and, stage by
 *  stage, the median of that stage over the runs (one run's stages move by a millisecond
 *  or two, which is much of a small stage at N = 1000). */
function measure(/** @type {[string, string[]][]} */ cmds, /** @type {number} */ reps) {
  const runs = cmds.map(() => /** @type {any[]} */ ([]));
  for (let r = 0; r < reps; r++) cmds.forEach(([cmd, args], i) => runs[i].push(runOnce(cmd, args)));
  const median = (/** @type {number[]} */ v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return runs.map((rs) => {
    /** @type {Record<string, number>} */ const stages = {};
    for (const k of Object.keys(rs[0].stages)) stages[k] = median(rs.map((r) => r.stages[k] ?? 0));
    rs.sort((a, b) => a.ms - b.ms);
    return { ...rs[rs.length >> 1], stages };
  });
}

/** @returns {{n: number, bytes: number, prelink: any, wasmld: any}[]} */
export function benchScaling({ prelink, work, include, reps = 3, sizes = [10, 100, 300, 1000, 3000] }) {
  const max = Math.max(...sizes);
  build(work, include, max);
  const out = [];
  for (const n of sizes) {
    const dir = buildMain(work, include, n);
    const libs = Array.from({ length: n }, (_, i) => path.join(work, 'so', `lib${i}.so`));
    const objs = Array.from({ length: n }, (_, i) => path.join(work, 'obj', `lib${i}.o`));
    const bytes = [path.join(dir, 'main.wasm'), ...libs].reduce((s, f) => s + fs.statSync(f).size, 0);
    const [p, w] = measure([
      [prelink, [path.join(dir, 'main.wasm'), ...libs, '-o', path.join(dir, 'out.wasm'), '--manifest', path.join(dir, 'out.json'), '--stats']],
      ['wasm-ld-19', ['--no-entry', '--export=run', '-o', path.join(dir, 'static.wasm'), path.join(dir, 'main.o'), ...objs]],
    ], reps);
    out.push({ n, bytes, prelink: p, wasmld: w });
  }
  return out;
}
