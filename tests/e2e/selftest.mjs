#!/usr/bin/env node
// Self-test of the reference loader: builds the small programs under
// selftest/ (C sources + build.json) with clang-19 and wasm-ld-19 into a
// temporary directory, then runs each through the differential driver.
//
//   node selftest.mjs [--clang PATH] [--wasm-ld PATH] [--prelink PATH] [--keep]
//
// Without --prelink only the runtime mode runs. Exit status 0 pass, 1 fail.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDifferential } from './differential.mjs';
import { loadProgram } from './refloader.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CFLAGS = ['--target=wasm32-unknown-emscripten', '-fPIC', '-O2', '-fvisibility=default', '-nostdlib'];

/** @param {string[]} argv */
function parseArgs(argv) {
  const o = { clang: 'clang-19', wasmLd: 'wasm-ld-19', prelink: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--clang') o.clang = argv[++i];
    else if (argv[i] === '--wasm-ld') o.wasmLd = argv[++i];
    else if (argv[i] === '--prelink') o.prelink = argv[++i];
    else if (argv[i] === '--keep') o.keep = true;
    else { console.error(`selftest.mjs: unknown argument ${argv[i]}`); process.exit(1); }
  }
  return o;
}

function run(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.error?.message ?? ''}${r.stderr}`);
  }
}

/**
 * Builds one program. Libraries are linked twice: first without their NEEDED
 * libraries (imports stay dynamic), then against them, so that NEEDED cycles
 * can be expressed.
 */
function build(/** @type {string} */ src, /** @type {string} */ out, /** @type {ReturnType<typeof parseArgs>} */ tools) {
  const spec = JSON.parse(fs.readFileSync(path.join(src, 'build.json'), 'utf8'));
  const compile = (/** @type {string[]} */ files) => files.map((f) => {
    const obj = path.join(out, `${path.basename(f, '.c')}.o`);
    run(tools.clang, [...CFLAGS, '-c', path.join(src, f), '-o', obj]);
    return obj;
  });
  const needed = (/** @type {string[]} */ names) => names.map((n) => path.join(out, n));
  const libObjs = spec.libs.map((/** @type {any} */ l) => compile(l.src));
  const shared = ['--experimental-pic', '-shared', '--unresolved-symbols=import-dynamic'];
  for (const pass of [1, 2]) {
    spec.libs.forEach((/** @type {any} */ l, /** @type {number} */ i) => {
      run(tools.wasmLd, [...shared, '-o', path.join(out, l.name), ...libObjs[i], ...(pass === 2 ? needed(l.needed) : [])]);
    });
  }
  run(tools.wasmLd, ['--experimental-pic', '-pie', '--import-memory', '--import-table', '--export-dynamic',
    '--no-entry', '--export-if-defined=__wasm_call_ctors', '--export=run', '--unresolved-symbols=import-dynamic',
    '-o', path.join(out, 'main.wasm'), ...compile(spec.main.src), ...needed(spec.main.needed)]);
  const program = {
    name: path.basename(src), main: 'main.wasm', libs: spec.libs.map((/** @type {any} */ l) => l.name),
    dlopen_only: spec.dlopen_only ?? [], flags: spec.flags ?? [], expect_error: null,
  };
  fs.writeFileSync(path.join(out, 'program.json'), JSON.stringify(program, null, 2) + '\n');
  fs.copyFileSync(path.join(src, 'expected.txt'), path.join(out, 'expected.txt'));
}

/** Checks of the loader's API beyond run(): symbols, dlopen, dlsym. Returns a list of problems. */
function apiChecks(/** @type {string} */ dir) {
  const problems = [];
  const expect = (/** @type {boolean} */ cond, /** @type {string} */ what) => { if (!cond) problems.push(what); };
  const logged = [];
  const read = (/** @type {string} */ f) => fs.readFileSync(path.join(dir, f));
  const program = loadProgram({
    mainBytes: read('main.wasm'),
    libs: new Map(['libw.so', 'libh.so', 'libdl.so'].map((l) => [l, read(l)])),
    dlopenOnly: ['libdl.so'],
    host: { log_i32: (/** @type {number} */ n) => logged.push(n), log_str: () => logged.push('str'), log_i64() {}, log_f64() {} },
  });
  expect(program.modules.map((m) => m.name).join() === '<main>,libw.so,libh.so', 'load order main, libw, libh');
  expect(program.symbols.get('hook')?.module === '<main>', 'hook defined by main (first in load order)');
  expect(program.symbols.get('shared_data')?.module === 'libw.so', 'shared_data defined by libw');
  expect(program.dlsym('dl_fn') === undefined, 'dl_fn not defined before dlopen');
  const dl = program.dlopen('libdl.so');
  expect(logged.length === 1, 'libdl constructor ran once at dlopen');
  expect(typeof dl.dl_fn === 'function' && program.dlsym('dl_fn')() === 1, 'dlsym finds dl_fn');
  const addr = program.dlsym('only_in_dl');
  expect(typeof addr === 'number' && new Int32Array(program.memory.buffer, addr, 1)[0] === 9, 'only_in_dl is at its address');
  expect(program.dlopen('libdl.so') === dl && logged.length === 1, 'a second dlopen loads nothing');
  return problems;
}

const tools = parseArgs(process.argv.slice(2));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refloader-selftest-'));
let failed = 0;
try {
  for (const name of fs.readdirSync(path.join(here, 'selftest')).sort()) {
    const src = path.join(here, 'selftest', name);
    if (!fs.existsSync(path.join(src, 'build.json'))) continue;
    const out = path.join(tmp, name);
    fs.mkdirSync(out);
    try {
      build(src, out, tools);
    } catch (e) {
      console.error(`FAIL ${name}: build: ${e instanceof Error ? e.message : e}`);
      failed++;
      continue;
    }
    const ok = runDifferential({ program: out, prelink: tools.prelink, mode: tools.prelink ? 'both' : 'runtime' });
    if (!ok) failed++;
    if (name === 'weak_dlopen') {
      const problems = apiChecks(out);
      for (const p of problems) console.error(`FAIL refloader API: ${p}`);
      if (problems.length) failed++;
      else console.log('PASS refloader API: symbols, dlopen, dlsym');
    }
  }
} finally {
  if (tools.keep || failed) console.error(`selftest: programs kept in ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
