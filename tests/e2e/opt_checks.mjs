#!/usr/bin/env node
// Checks of whole-program optimisation and --gc-sections beyond the differential runs
// (which run every corpus program at -O2 --gc):
//   - --gc-sections exports only the roots: the main's exports and --export names;
//   - the manifest reports "gc" and "optimization", and its function indices are
//     recomputed (a function that no longer exists is null, the others are in range);
//   - --export of a name no library defines fails cleanly;
//   - --stats prints one line per stage and the totals.
//
//   node opt_checks.mjs --program DIR(corpus/demo) --prelink PATH
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (i % 2 ? acc : [...acc, [a.replace(/^--/, ''), all[i + 1]]]), /** @type {[string, string][]} */ ([])));
const dir = args.program, prelink = args.prelink;
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
const inputs = [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l))];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-opt-'));
let failed = false;
const fail = (/** @type {string} */ m) => { console.error(`FAIL: ${m}`); failed = true; };
const link = (/** @type {string} */ name, /** @type {string[]} */ flags) => {
  const out = path.join(tmp, `${name}.wasm`), man = path.join(tmp, `${name}.json`);
  const r = spawnSync(prelink, [...inputs, '-o', out, '--manifest', man, ...flags], { encoding: 'utf8' });
  return { r, out, man };
};

// 1. exports are the roots; the manifest reports what was collected.
const a = link('gc', ['-O2', '--gc', '--export', 'stats_mean']);
if (a.r.status !== 0) fail(`-O2 --gc --export stats_mean: status ${a.r.status}\n${a.r.stderr}`);
else {
  const mod = new WebAssembly.Module(fs.readFileSync(a.out));
  const names = WebAssembly.Module.exports(mod).map((e) => e.name);
  if (!names.includes('stats_mean')) fail(`--export stats_mean is not exported: ${names}`);
  if (names.includes('stats_max')) fail('stats_max is exported although it is no root');
  if (!names.includes('run')) fail('the main module\'s export run is gone');
  const m = JSON.parse(fs.readFileSync(a.man, 'utf8'));
  if (!m.gc || !(m.gc.functions_removed >= 1)) fail(`manifest gc report: ${JSON.stringify(m.gc)}`);
  if (m.optimization?.level !== '-O2' || m.options?.gc_sections !== true) fail(`manifest optimization/options: ${JSON.stringify(m.optimization)} ${JSON.stringify(m.options)}`);
  const nfuncs = m.optimization.functions_after;
  const sym = (/** @type {string} */ lib, /** @type {string} */ name) => m.libraries.find((/** @type {any} */ l) => l.name === lib).symbols.find((/** @type {any} */ s) => s.name === name);
  for (const [lib, name] of [['main.wasm', 'run'], ['libstats.so', 'stats_mean']]) {
    const s = sym(lib, name);
    if (!(Number.isInteger(s.function_index) && s.function_index < nfuncs)) fail(`${name}: function_index ${s.function_index} of ${nfuncs}`);
  }
  if (sym('libstats.so', 'stats_max').function_index !== null) fail('stats_max was collected but its function_index is not null');
}

// 2. --export of an unknown name.
const b = link('bad', ['--gc', '--export', 'no_such_symbol']);
const lines = b.r.stderr.split('\n').filter(Boolean);
if (b.r.status !== 1 || lines.length !== 1 || !lines[0].startsWith('prelink: error: --export no_such_symbol') || fs.existsSync(b.out))
  fail(`--export no_such_symbol: status ${b.r.status}, stderr ${JSON.stringify(b.r.stderr)}`);

// 3. --stats.
const c = link('stats', ['--stats']);
for (const stage of ['read', 'resolve', 'layout', 'rewrite', 'manifest', 'write'])
  if (!new RegExp(`^prelink: stats: ${stage} +[\\d.]+ ms$`, 'm').test(c.r.stderr)) fail(`--stats: no line for ${stage}:\n${c.r.stderr}`);
if (!/^prelink: stats: total [\d.]+ ms, input \d+ bytes, output \d+ bytes, [\d.]+ MB\/s$/m.test(c.r.stderr)) fail(`--stats: no total line:\n${c.r.stderr}`);

fs.rmSync(tmp, { recursive: true, force: true });
if (failed) process.exit(1);
console.log('PASS optimisation checks');
