#!/usr/bin/env node
// Differential end-to-end driver: runs one corpus program with the reference
// run-time loader (refloader.mjs) and/or as prelink's single linked module,
// and compares the host-call transcript of each with expected.txt.
//
//   node differential.mjs --program DIR [--prelink PATH] [--mode runtime|prelinked|both]
//
// Exit status: 0 pass, 1 fail (including usage errors).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { corpusHost } from '../browser/corpus_host.mjs';
import { loadProgram } from './refloader.mjs';

/**
 * @typedef {Object} ProgramSpec
 * @property {string} name
 * @property {string} main
 * @property {string[]} [libs]
 * @property {string[]} [dlopen_only]
 * @property {string[]} [flags]
 * @property {string | null} [expect_error]
 * @property {string} [host_dl]  "refloader": libraries not given to prelink are to be served
 *           by a JS runtime in prelinked mode (not implemented yet: the host dl* still throw)
 */

export class TestFailure extends Error {}

/**
 * Host functions of module "env"; each call appends one transcript line (one definition,
 * shared with the browser page: tests/browser/corpus_host.mjs).
 * @param {string[]} lines
 * @param {() => WebAssembly.Memory} getMemory
 */
export function makeHost(lines, getMemory) {
  return corpusHost(lines, getMemory);
}

/** The C interface a linked module may import from its host (dlfcn.h). */
const DL_FUNCTIONS = ['dlopen', 'dlsym', 'dlclose', 'dlerror', 'dladdr'];

/**
 * Host dl* functions for a prelinked module. Every library of a corpus program is given
 * to prelink, whose in-module libdl must answer every call about them, so each call is
 * recorded in `calls` and throws an Error naming the call and its arguments.
 * @param {string[]} calls
 * @param {() => WebAssembly.Memory} getMemory
 */
export function makeThrowingDl(calls, getMemory) {
  const cstr = (/** @type {number} */ ptr) => {
    if (ptr === 0) return 'NULL';
    try {
      const bytes = new Uint8Array(getMemory().buffer);
      let end = ptr >>> 0;
      while (end < bytes.length && bytes[end] !== 0 && end - (ptr >>> 0) < 200) end++;
      return JSON.stringify(new TextDecoder('utf-8').decode(bytes.slice(ptr >>> 0, end)));
    } catch {
      return `<unreadable ${ptr >>> 0}>`;
    }
  };
  const ptr = (/** @type {number} */ p) => (p === 0 ? 'NULL' : `0x${(p >>> 0).toString(16)}`);
  const fail = (/** @type {string} */ call) => {
    calls.push(call);
    throw new Error(`host ${call} called: a prelinked library reached the host's dl functions`);
  };
  return {
    dlopen: (/** @type {number} */ file, /** @type {number} */ mode) => fail(`dlopen(${cstr(file)}, ${mode})`),
    dlsym: (/** @type {number} */ h, /** @type {number} */ name) => fail(`dlsym(${ptr(h)}, ${cstr(name)})`),
    dlclose: (/** @type {number} */ h) => fail(`dlclose(${ptr(h)})`),
    dlerror: () => fail('dlerror()'),
    dladdr: (/** @type {number} */ addr, /** @type {number} */ info) => fail(`dladdr(${ptr(addr)}, ${ptr(info)})`),
  };
}

/** Calls run() and appends `ret <value>`; a trap becomes a failure. */
function callRun(/** @type {Record<string, any>} */ exports, /** @type {string[]} */ lines, /** @type {string} */ what) {
  if (typeof exports.run !== 'function') throw new TestFailure(`${what}: no exported function "run"`);
  let ret;
  try {
    ret = exports.run();
  } catch (e) {
    // The innermost wasm frame names the function (the module's name section).
    const frame = e instanceof Error && e.stack ? e.stack.split('\n').find((l) => l.includes('wasm://')) : undefined;
    throw new TestFailure(`${what}: run() trapped: ${e instanceof Error ? e.message : e}${frame ? ` ${frame.trim()}` : ''}\n  transcript so far:\n${lines.map((l) => `    ${l}`).join('\n')}`);
  }
  lines.push(`ret ${ret}`);
}

/** Runs the program with the reference loader. @returns {string[]} */
export function runRuntime(/** @type {string} */ dir, /** @type {ProgramSpec} */ spec) {
  const lines = [];
  const libs = new Map((spec.libs ?? []).map((l) => [path.basename(l), fs.readFileSync(path.join(dir, l))]));
  let program;
  try {
    program = loadProgram({
      mainBytes: fs.readFileSync(path.join(dir, spec.main)),
      libs,
      dlopenOnly: (spec.dlopen_only ?? []).map((l) => path.basename(l)),
      host: ({ memory }) => makeHost(lines, () => memory),
    });
  } catch (e) {
    throw new TestFailure(`runtime: loading failed: ${e instanceof Error ? e.message : e}`);
  }
  callRun(program.exports, lines, 'runtime');
  return lines;
}

/**
 * Runs prelink, checks its output, then runs it. Calls of the host's dl* functions are
 * appended to `dlCalls` (each also makes run() trap).
 * @returns {string[] | null} null for a passed error case
 */
export function runPrelinked(/** @type {string} */ dir, /** @type {ProgramSpec} */ spec, /** @type {string} */ prelink,
  /** @type {string[]} */ dlCalls = []) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prelink-e2e-${spec.name ?? 'prog'}-`));
  const out = path.join(tmp, 'out.wasm');
  const manifestPath = path.join(tmp, 'out.json');
  const args = [path.join(dir, spec.main), ...(spec.libs ?? []).map((l) => path.join(dir, l)),
    '-o', out, '--manifest', manifestPath, ...(spec.flags ?? [])];
  const cmd = `${prelink} ${args.join(' ')}`;
  const r = spawnSync(prelink, args, { encoding: 'utf8' });
  if (r.error) throw new TestFailure(`prelinked: cannot run ${prelink}: ${r.error.message}`);
  let keep = true;
  try {
    if (spec.expect_error) {
      checkErrorCase(r, spec.expect_error, out, manifestPath, cmd);
      keep = false;
      return null;
    }
    if (r.status !== 0) {
      throw new TestFailure(`prelinked: prelink exited with status ${r.status} (signal ${r.signal})\n  command: ${cmd}\n${r.stderr}`);
    }
    const lines = runLinkedOutput(out, manifestPath, dlCalls);
    keep = false;
    return lines;
  } finally {
    if (keep) console.error(`prelinked: kept ${tmp} for inspection`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** An error case passes when prelink fails cleanly: status 1, one diagnostic, no output files. */
function checkErrorCase(/** @type {import('node:child_process').SpawnSyncReturns<string>} */ r, /** @type {string} */ expected,
  /** @type {string} */ out, /** @type {string} */ manifestPath, /** @type {string} */ cmd) {
  const problems = [];
  if (r.status !== 1) problems.push(`exit status ${r.status} (signal ${r.signal}), expected 1`);
  const stderrLines = r.stderr.split('\n').filter((l) => l.length > 0);
  if (stderrLines.length !== 1) problems.push(`expected exactly one stderr line, got ${stderrLines.length}`);
  const diag = stderrLines[0] ?? '';
  if (!diag.startsWith('prelink: error: ')) problems.push('stderr line does not start with "prelink: error: "');
  if (!diag.includes(expected)) problems.push(`stderr line does not contain ${JSON.stringify(expected)}`);
  if (fs.existsSync(out)) problems.push('out.wasm was created');
  if (fs.existsSync(manifestPath)) problems.push('out.json was created');
  if (problems.length) {
    throw new TestFailure(`prelinked (error case): ${problems.join('; ')}\n  command: ${cmd}\n  stderr:\n${r.stderr}`);
  }
}

/**
 * Validates and instantiates prelink's output, runs it. The host's env.dlopen/dlsym/
 * dlclose/dlerror/dladdr, if imported, throw and are recorded in `dlCalls`.
 * @returns {string[]}
 */
export function runLinkedOutput(/** @type {string} */ out, /** @type {string} */ manifestPath,
  /** @type {string[]} */ dlCalls = []) {
  const { module } = checkLinkedOutput(out);
  return runChecked(module, manifestPath, dlCalls);
}

/**
 * The checks every prelinked output must pass before it runs: V8 and binaryen validate
 * it, and it imports nothing of dynamic linking (GOT.*, __memory_base, __table_base).
 * @returns {{module: WebAssembly.Module, bytes: Buffer}}
 */
export function checkLinkedOutput(/** @type {string} */ out) {
  const bytes = fs.readFileSync(out);
  if (!WebAssembly.validate(bytes)) {
    let why = '';
    try { new WebAssembly.Module(bytes); } catch (e) { why = e instanceof Error ? `: ${e.message}` : ''; }
    throw new TestFailure(`prelinked: output does not validate in V8${why}`);
  }
  const wasmOpt = process.env.WASM_OPT || 'wasm-opt';
  const v = spawnSync(wasmOpt, ['-all', '--quiet', out, '-o', '/dev/null'], { encoding: 'utf8' });
  if (v.error) throw new TestFailure(`prelinked: cannot run ${wasmOpt}: ${v.error.message}`);
  if (v.status !== 0) throw new TestFailure(`prelinked: binaryen rejects the output (status ${v.status}):\n${v.stderr}`);

  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const bad = imports.filter((i) => i.module === 'GOT.mem' || i.module === 'GOT.func' ||
    i.name === '__memory_base' || i.name === '__table_base');
  if (bad.length) throw new TestFailure(`prelinked: output still imports ${bad.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  return { module, bytes };
}

/**
 * Instantiates the output of checkLinkedOutput with the corpus host, runs it. The host's
 * env.dlopen & co., if imported, throw and are recorded in `dlCalls`.
 * @returns {string[]}
 */
function runChecked(/** @type {WebAssembly.Module} */ module, /** @type {string} */ manifestPath, /** @type {string[]} */ dlCalls) {
  const imports = WebAssembly.Module.imports(module);
  let manifest = {};
  try { manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')); } catch (e) {
    throw new TestFailure(`prelinked: cannot read manifest ${manifestPath}: ${e instanceof Error ? e.message : e}`);
  }
  const mem = manifest?.memory ?? {};
  const tab = manifest?.table ?? {};
  const shared = mem.shared === true;
  /** @type {WebAssembly.Memory | null} */ let memory = null;
  /** @type {WebAssembly.Table | null} */ let table = null;
  const lines = [];
  const getMemory = () => /** @type {WebAssembly.Memory} */ (memory);
  const host = { ...makeHost(lines, getMemory), ...makeThrowingDl(dlCalls, getMemory) };
  /** @type {Record<string, Record<string, any>>} */ const importObject = { env: {} };
  for (const imp of imports) {
    if (imp.module === 'env' && imp.kind === 'memory') {
      memory = new WebAssembly.Memory({
        initial: mem.min_pages ?? 256,
        maximum: mem.max_pages ?? (shared ? 65536 : undefined),
        shared,
      });
      importObject.env[imp.name] = memory;
    } else if (imp.module === 'env' && imp.kind === 'table') {
      table = new WebAssembly.Table({ element: 'anyfunc', initial: tab.min ?? 4096, maximum: tab.max ?? undefined });
      importObject.env[imp.name] = table;
    } else if (imp.module === 'env' && imp.kind === 'function' && imp.name in host) {
      importObject.env[imp.name] = host[/** @type {keyof typeof host} */ (imp.name)];
    } else {
      throw new TestFailure(`prelinked: unexpected import ${imp.module}.${imp.name} (${imp.kind})`);
    }
  }
  let instance;
  try {
    instance = new WebAssembly.Instance(module, importObject);
  } catch (e) {
    throw new TestFailure(`prelinked: instantiation failed: ${e instanceof Error ? e.message : e}`);
  }
  const exports = /** @type {Record<string, any>} */ (instance.exports);
  if (!memory) {
    const exported = Object.values(exports).find((x) => x instanceof WebAssembly.Memory);
    if (!exported) throw new TestFailure('prelinked: output neither imports nor exports a memory');
    memory = exported;
  }
  try {
    exports.__wasm_call_ctors?.();
  } catch (e) {
    throw new TestFailure(`prelinked: __wasm_call_ctors trapped: ${e instanceof Error ? e.message : e}`);
  }
  callRun(exports, lines, 'prelinked');
  return lines;
}

/** A line diff (LCS based) in a unified-like format. */
export function diffLines(/** @type {string[]} */ a, /** @type {string[]} */ b, /** @type {string} */ labelA, /** @type {string} */ labelB) {
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push(`  ${a[i]}`); i++; j++; }
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out.join('\n');
}

function usage(/** @type {string} */ msg) {
  console.error(`differential.mjs: ${msg}\nusage: node differential.mjs --program DIR [--prelink PATH] [--mode runtime|prelinked|both]`);
  process.exit(1);
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{program?: string, prelink?: string, mode?: string, extraFlags?: string}} */ const o = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    // --extra-flags "-O2 --gc": more prelink options for every link of this run.
    const key = { '--program': 'program', '--prelink': 'prelink', '--mode': 'mode', '--extra-flags': 'extraFlags' }[flag];
    if (!key) usage(`unknown argument ${argv[i]}`);
    const value = inline ?? argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    o[/** @type {'program'|'prelink'|'mode'|'extraFlags'} */ (key)] = value;
  }
  if (!o.program) usage('--program is required');
  o.mode ??= o.prelink ? 'both' : 'runtime';
  if (!['runtime', 'prelinked', 'both'].includes(o.mode)) usage(`bad --mode ${o.mode}`);
  if (o.mode !== 'runtime' && !o.prelink) usage(`--mode ${o.mode} needs --prelink`);
  return /** @type {{program: string, prelink?: string, mode: string}} */ (o);
}

/** Runs one program in the given mode(s); returns true when everything matched. */
export function runDifferential(/** @type {{program: string, prelink?: string, mode: string, extraFlags?: string}} */ opts) {
  const dir = opts.program;
  /** @type {ProgramSpec} */ let spec;
  try {
    spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  } catch (e) {
    console.error(`FAIL ${dir}: cannot read program.json: ${e instanceof Error ? e.message : e}`);
    return false;
  }
  if (opts.extraFlags) spec.flags = [...(spec.flags ?? []), ...opts.extraFlags.split(/\s+/).filter(Boolean)];
  const name = spec.name ?? path.basename(dir);
  const expectedPath = path.join(dir, 'expected.txt');
  const expected = fs.existsSync(expectedPath) ? fs.readFileSync(expectedPath, 'utf8').replace(/\n+$/, '') : '';
  const expectedLines = expected === '' ? [] : expected.split('\n');
  const summary = [];
  let ok = true;
  const check = (/** @type {string} */ what, /** @type {() => string[] | null} */ run) => {
    try {
      const lines = run();
      if (lines === null) { summary.push(`${what}: error case ok`); return; }
      if (lines.join('\n') === expectedLines.join('\n')) { summary.push(`${what}: ok (${lines.length} lines)`); return; }
      ok = false;
      console.error(`FAIL ${name}: ${what} output differs from expected.txt\n${diffLines(expectedLines, lines, 'expected.txt', what)}`);
    } catch (e) {
      if (!(e instanceof TestFailure)) throw e;
      ok = false;
      console.error(`FAIL ${name}: ${e.message}`);
    }
  };
  if (opts.mode !== 'prelinked') {
    if (spec.expect_error) {
      console.log('runtime: skipped (error case)');
      summary.push('runtime skipped');
    }
    else check('runtime', () => runRuntime(dir, spec));
  }
  if (opts.mode !== 'runtime') {
    /** @type {string[]} */ const dlCalls = [];
    check('prelinked', () => runPrelinked(dir, spec, /** @type {string} */ (opts.prelink), dlCalls));
    if (!spec.expect_error) {
      if (dlCalls.length) {
        ok = false;
        console.error(`FAIL ${name}: prelinked: the host's dl functions were called: ${dlCalls.join(', ')}`);
      }
      summary.push(`host dl* calls: ${dlCalls.length ? dlCalls.length : 'none'}`);
      if (spec.host_dl === 'refloader') summary.push('host_dl=refloader not implemented yet (host dl* throw)');
    }
  }
  if (ok) console.log(`PASS ${name}: ${summary.join(', ')}`);
  else console.error(`FAIL ${name}${summary.length ? ` (passed: ${summary.join(', ')})` : ''}`);
  return ok;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const ok = runDifferential(parseArgs(process.argv.slice(2)));
  process.exitCode = ok ? 0 : 1;
}
