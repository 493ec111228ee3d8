#!/usr/bin/env node
// Threaded corpus programs (corpus_threads() in corpus/CMakeLists.txt; "threads": true in
// program.json): runs one with node worker_threads, runtime-linked by the reference
// loader (refloader.mjs, the oracle) and/or as prelink's output through the runtime
// package (prelink-runtime's instantiate on the main thread, instantiateThread in each
// worker), and compares each transcript with expected.txt.
//
//   node threads.mjs --program DIR [--prelink PATH] [--runtime-project DIR] [--wasm-ld PATH]
//                    [--mode runtime|prelinked|both|static] [--extra-flags "PRELINK OPTIONS"]
//
// --mode static links the program's objects with wasm-ld into one module instead (no
// dynamic linking: the runtime package's thread path on wasm-ld's own threads output).
//
// The host's thread_spawn(fn, arg) / thread_join(id) (corpus/include/host.h) are served
// by a pool of POOL workers, started (and their instances made) before run() is called:
// thread_spawn hands a job to an idle worker through a shared control block
// (Atomics.notify), thread_join waits for it (Atomics.wait: run() blocks the main
// thread, as a C thread join does) and then takes the lines the thread logged, which the
// worker posted on its own MessagePort, with receiveMessageOnPort (synchronous). Each job
// is a new thread: memory for its stack and TLS (AREA bytes) is allocated by the main
// thread, the worker sets its stack pointer and initialises fresh TLS blocks, then calls
// the function at table slot fn with arg.
//
// Runtime mode: every thread's refloader shares one ordered log of dl operations and
// allocations (SharedLog below, refloader's DlLog), so that all threads keep one layout.
// Prelinked mode: the module's dl functions are answered inside it (libdl); a call that
// reaches the host's dl imports fails the run.
//
// Exit status: 0 pass, 1 fail.

import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Worker, isMainThread, workerData, threadId, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { corpusHost } from '../browser/corpus_host.mjs';
import { loadProgram } from './refloader.mjs';
import { checkLinkedOutput, diffLines, TestFailure } from './differential.mjs';

// V8's baseline compiler (Liftoff) in node 20.20 loses a function's locals across
// memory.atomic.wait32: in a worker, (func (param $i i32) (drop (memory.atomic.wait32 ...))
// (call $log (local.get $i))) logs 0 whatever $i was. TurboFan alone is right, so this
// process (V8 flags are per process: its workers too) compiles wasm with TurboFan only.
v8.setFlagsFromString('--no-liftoff');

const POOL = 4;
const AREA = 65536;      // per thread: stack, then TLS
const STACK = 49152;     // the stack part (the rest, 16 KiB, holds the TLS blocks)
// Control block of a worker (Int32Array of CTRL_WORDS): state, fn, arg, area.
const CTRL_WORDS = 4;
const IDLE = 0, JOB = 1, DONE = 2, FAILED = 3, EXIT = 4;

/**
 * refloader's DlLog on a SharedArrayBuffer: word 0 the lock (owner's threadId + 1), word
 * 1 the number of entries, word 2 the bytes used; then MAX_ENTRIES offsets; then the
 * entries' JSON (UTF-8). lock() is re-entrant (the depth is the owner's own business).
 */
class SharedLog {
  static MAX_ENTRIES = 4096;
  static SIZE = 1 << 20;
  constructor(/** @type {SharedArrayBuffer} */ sab) {
    this.words = new Int32Array(sab, 0, 3 + SharedLog.MAX_ENTRIES + 1);
    this.bytes = new Uint8Array(sab, (3 + SharedLog.MAX_ENTRIES + 1) * 4);
    this.me = threadId + 1;
    this.depth = 0;
    /** @type {any[]} */ this.cache = [];
  }
  lock() {
    if (this.depth > 0) { this.depth++; return; }
    for (;;) {
      const owner = Atomics.compareExchange(this.words, 0, 0, this.me);
      if (owner === 0) break;
      Atomics.wait(this.words, 0, owner, 100);
    }
    this.depth = 1;
  }
  unlock() {
    if (--this.depth > 0) return;
    Atomics.store(this.words, 0, 0);
    Atomics.notify(this.words, 0);
  }
  length() { return Atomics.load(this.words, 1); }
  get(/** @type {number} */ i) {
    if (this.cache[i] === undefined) {
      const start = this.words[3 + i], end = this.words[3 + i + 1];
      this.cache[i] = JSON.parse(new TextDecoder().decode(this.bytes.slice(start, end)));
    }
    return this.cache[i];
  }
  append(/** @type {any} */ entry) {
    const n = this.words[1];
    if (n >= SharedLog.MAX_ENTRIES) throw new Error('dl log full');
    const data = new TextEncoder().encode(JSON.stringify(entry));
    const start = this.words[2];
    if (start + data.length > this.bytes.length) throw new Error('dl log full');
    this.bytes.set(data, start);
    this.words[3 + n] = start;
    this.words[3 + n + 1] = start + data.length;
    this.words[2] = start + data.length;
    Atomics.store(this.words, 1, n + 1);
  }
}

const noThreads = () => { throw new Error('thread_spawn/thread_join: only the main thread spawns and joins'); };

// ---- a worker ------------------------------------------------------------------------
async function workerMain() {
  const d = workerData;
  const ctrl = new Int32Array(d.ctrl);
  /** @type {import('node:worker_threads').MessagePort} */ const port = d.port;
  /** @type {string[]} */ const lines = [];
  /** @type {(t: {stackTop: number, tlsLow: number, tlsHigh: number}) => void} */ let start;
  /** @type {WebAssembly.Table} */ let table;
  const memory = /** @type {WebAssembly.Memory} */ (d.memory);
  const host = { ...corpusHost(lines, () => memory), thread_spawn: noThreads, thread_join: noThreads };
  if (d.mode === 'runtime') { // refloader; else prelinked or static: the runtime package
    const program = loadProgram({
      mainBytes: d.mainBytes, libs: new Map(d.libs), dlopenOnly: d.dlopenOnly,
      memory, thread: true, dlLog: new SharedLog(d.log), host,
    });
    table = program.table;
    start = (t) => program.startThread(t);
  } else {
    /** @type {typeof import('../../runtime/prelink-runtime.mjs')} */
    const { instantiateThread } = await import(d.runtime);
    const th = await instantiateThread({ module: d.module, manifest: d.manifest, memory, imports: { env: host } });
    table = /** @type {WebAssembly.Table} */ (th.table);
    start = (t) => th.initThread({ stackTop: t.stackTop, tls: t.tlsLow, tlsEnd: t.tlsHigh });
  }
  port.postMessage('ready');
  for (;;) {
    Atomics.wait(ctrl, 0, IDLE);
    const state = Atomics.load(ctrl, 0);
    if (state === EXIT) break;
    if (state !== JOB) continue;
    const fn = ctrl[1], arg = ctrl[2], area = ctrl[3];
    let error = null;
    try {
      start({ stackTop: area + STACK, tlsLow: area + STACK, tlsHigh: area + AREA });
      const f = table.get(fn);
      if (typeof f !== 'function') throw new Error(`thread_spawn: table slot ${fn} holds no function in this thread`);
      f(arg);
    } catch (e) {
      const frame = e instanceof Error && e.stack ? e.stack.split('\n').find((l) => l.includes('wasm://')) : undefined;
      error = `${e instanceof Error ? e.message : e}${frame ? ` ${frame.trim()}` : ''}`;
    }
    port.postMessage({ lines: lines.splice(0), error });
    Atomics.store(ctrl, 0, error === null ? DONE : FAILED);
    Atomics.notify(ctrl, 0);
  }
  port.close();
}

// ---- the main thread ------------------------------------------------------------------
/**
 * A pool of workers and the thread_spawn / thread_join host functions over it.
 * @param {Record<string, any>} data  workerData common to all workers (mode, memory, ...)
 * @param {(size: number) => number} allocate  memory for a thread's area (main thread)
 * @param {string[]} lines  the main transcript (a joined thread's lines are appended)
 * @param {() => void} [afterJoin]
 */
async function startPool(data, allocate, lines, afterJoin) {
  /** @type {{worker: Worker, ctrl: Int32Array, port: import('node:worker_threads').MessagePort, id: number}[]} */
  const pool = [];
  for (let i = 0; i < POOL; i++) {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { ...data, ctrl: ctrl.buffer, port: port2 }, transferList: [port2],
    });
    pool.push({ worker, ctrl, port: port1, id: 0 });
  }
  const stop = async () => {
    for (const w of pool) { Atomics.store(w.ctrl, 0, EXIT); Atomics.notify(w.ctrl, 0); }
    await Promise.all(pool.map((w) => w.worker.terminate()));
  };
  // Ready (or failed) before run(): a worker's start-up error is a failure of the mode.
  try {
    await Promise.all(pool.map((w) => new Promise((resolve, reject) => {
      w.worker.once('error', reject);
      w.worker.once('exit', (code) => reject(new Error(`a worker exited with status ${code} before it was ready`)));
      w.port.once('message', (m) => (m === 'ready' ? resolve(undefined) : reject(new Error(`unexpected ${m}`))));
    })));
  } catch (e) {
    await stop();
    throw new TestFailure(`${data.mode}: a worker failed to start: ${e instanceof Error ? e.message : e}`);
  }
  for (const w of pool) { w.worker.removeAllListeners('error'); w.worker.removeAllListeners('exit'); }
  let nextId = 1;
  const host = {
    thread_spawn: (/** @type {number} */ fn, /** @type {number} */ arg) => {
      const w = pool.find((x) => x.id === 0);
      if (!w) throw new Error(`thread_spawn: more than ${POOL} threads at once`);
      w.id = nextId++;
      w.ctrl[1] = fn; w.ctrl[2] = arg; w.ctrl[3] = allocate(AREA);
      Atomics.store(w.ctrl, 0, JOB);
      Atomics.notify(w.ctrl, 0);
      return w.id;
    },
    thread_join: (/** @type {number} */ id) => {
      const w = pool.find((x) => x.id === id && id !== 0);
      if (!w) throw new Error(`thread_join: no running thread ${id}`);
      let st;
      while ((st = Atomics.load(w.ctrl, 0)) === JOB) Atomics.wait(w.ctrl, 0, JOB);
      let m;
      while (!(m = receiveMessageOnPort(w.port))) Atomics.wait(w.ctrl, 0, st, 10); // posted before the store
      w.id = 0;
      Atomics.store(w.ctrl, 0, IDLE);
      const { lines: tl, error } = m.message;
      lines.push(...tl);
      if (st === FAILED) throw new Error(`thread ${id} failed: ${error}`);
      afterJoin?.();
    },
  };
  return { host, stop };
}

/** Calls run() (after the workers are ready) and appends `ret <value>`. */
function callRun(/** @type {any} */ exports, /** @type {string[]} */ lines, /** @type {string} */ what) {
  let ret;
  try {
    ret = exports.run();
  } catch (e) {
    const frame = e instanceof Error && e.stack ? e.stack.split('\n').find((l) => l.includes('wasm://')) : undefined;
    throw new TestFailure(`${what}: run() failed: ${e instanceof Error ? e.message : e}${frame ? ` ${frame.trim()}` : ''}\n  transcript so far:\n${lines.map((l) => `    ${l}`).join('\n')}`);
  }
  lines.push(`ret ${ret}`);
}

/** The oracle: refloader on every thread. */
async function runRuntime(/** @type {string} */ dir, /** @type {any} */ spec) {
  /** @type {string[]} */ const lines = [];
  const mainBytes = fs.readFileSync(path.join(dir, spec.main));
  const libs = (spec.libs ?? []).map((/** @type {string} */ l) => [path.basename(l), fs.readFileSync(path.join(dir, l))]);
  const dlopenOnly = (spec.dlopen_only ?? []).map((/** @type {string} */ l) => path.basename(l));
  const log = new SharedArrayBuffer(SharedLog.SIZE);
  /** @type {any} */ const hostThreads = {};
  let program;
  try {
    program = loadProgram({
      mainBytes, libs: new Map(/** @type {any} */ (libs)), dlopenOnly, sharedMemory: true, dlLog: new SharedLog(log),
      host: ({ memory }) => ({
        ...corpusHost(lines, () => memory),
        thread_spawn: (/** @type {number} */ f, /** @type {number} */ a) => hostThreads.thread_spawn(f, a),
        thread_join: (/** @type {number} */ id) => hostThreads.thread_join(id),
      }),
    });
  } catch (e) {
    throw new TestFailure(`runtime: loading failed: ${e instanceof Error ? e.message : e}`);
  }
  const p = program;
  const { host, stop } = await startPool({ mode: 'runtime', memory: p.memory, mainBytes, libs, dlopenOnly, log },
    (size) => p.allocate(size, 16), lines, () => p.syncDl());
  Object.assign(hostThreads, host);
  try {
    callRun(p.exports, lines, 'runtime');
  } finally {
    await stop();
  }
  return lines;
}

/** prelink's output through the runtime package. */
async function runPrelinked(/** @type {string} */ dir, /** @type {any} */ spec, /** @type {string} */ prelink, /** @type {string} */ runtime) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prelink-threads-${spec.name}-`));
  const out = path.join(tmp, 'out.wasm'), manifestPath = path.join(tmp, 'out.json');
  const args = [path.join(dir, spec.main), ...(spec.libs ?? []).map((/** @type {string} */ l) => path.join(dir, l)),
    '-o', out, '--manifest', manifestPath, ...(spec.flags ?? [])];
  const r = spawnSync(prelink, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new TestFailure(`prelinked: prelink exited with status ${r.status} (signal ${r.signal})\n  command: ${prelink} ${args.join(' ')}\n${r.stderr}`);
  }
  const { module, bytes } = checkLinkedOutput(out);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  fs.rmSync(tmp, { recursive: true, force: true });
  const memImport = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
  if (!memImport || manifest.memory?.shared !== true) {
    throw new TestFailure(`prelinked: a threaded program's output must import a shared memory (imports ${memImport ? `${memImport.module}.${memImport.name}` : 'none'}, manifest memory.shared ${manifest.memory?.shared})`);
  }
  return runWithRuntime(module, bytes, manifest, runtime, 'prelinked', manifest.heap_base ?? manifest.data_end, true);
}

/**
 * The program linked wholly by wasm-ld-19 (one static module, from the same objects),
 * which follows the contract of prelink's output for threads by itself (the shared
 * memory imported, __wasm_init_memory as the start function, __wasm_init_tls for the
 * whole TLS block): the runtime's thread path, checked without prelink. The manifest is
 * made here with the keys instantiate and instantiateThread read (no sha256: the module
 * is given compiled). Programs that call dlopen cannot be linked so.
 */
async function runStatic(/** @type {string} */ dir, /** @type {any} */ spec, /** @type {string} */ wasmLd, /** @type {string} */ runtime) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prelink-threads-static-${spec.name}-`));
  const out = path.join(tmp, 'static.wasm');
  const objs = fs.readdirSync(path.join(dir, 'obj')).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, 'obj', f));
  const pages = 256;
  const args = ['--no-entry', '--import-memory', '--shared-memory', `--initial-memory=${pages * 65536}`, '--max-memory=4294967296',
    '--export=run', '--export-if-defined=__wasm_call_ctors', '--export=__wasm_init_tls', '--export=__tls_size',
    '--export=__tls_align', '--export=__tls_base', '--export=__stack_pointer', '--export=__heap_base', '--export-table',
    '-o', out, ...objs];
  const r = spawnSync(wasmLd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new TestFailure(`static: ${wasmLd} exited with status ${r.status}\n  command: ${wasmLd} ${args.join(' ')}\n${r.stderr}`);
  const bytes = fs.readFileSync(out);
  fs.rmSync(tmp, { recursive: true, force: true });
  const module = new WebAssembly.Module(bytes);
  const manifest = { memory: { imported: true, min_pages: pages, max_pages: 65536, shared: true }, table: { imported: false, min: 0, max: null },
    stack: { low: 0, high: 0, size: 0, pointer_imported: false }, libraries: [] };
  // No allocator, little data: thread memory from 1 MiB up (checked against __heap_base).
  return runWithRuntime(module, null, /** @type {any} */ (manifest), runtime, 'static', 1 << 20, false);
}

/**
 * Runs a linked module (prelink's, or wasm-ld's static one) through the runtime package on
 * the main thread and the pool; memory for thread areas and the main thread's TLS block
 * goes from heapStart up (these programs have no allocator of their own). The dl functions are the runtime's: a program's dlopen of a
 * library that was not linked (thread_dlopen's libnone.so) reaches them and must fail as
 * in C; the fallback loader must load nothing.
 * @param {WebAssembly.Module} module @param {Buffer | null} bytes @param {any} manifest
 * @param {string} runtime @param {string} what @param {number} heapStart @param {boolean} check
 */
async function runWithRuntime(module, bytes, manifest, runtime, what, heapStart, check) {
  /** @type {typeof import('../../runtime/prelink-runtime.mjs')} */
  const { instantiate } = await import(runtime);
  /** @type {string[]} */ const lines = [];
  /** @type {any} */ const hostThreads = {};
  /** @type {WebAssembly.Memory | null} */ let mem = null;
  let next = Math.ceil(heapStart / 16) * 16;
  const allocate = (/** @type {number} */ size, align = 16) => {
    const m = /** @type {WebAssembly.Memory} */ (mem);
    const p = Math.ceil(next / align) * align;
    next = p + size;
    const pages = Math.ceil(next / 65536) - m.buffer.byteLength / 65536;
    if (pages > 0) m.grow(pages);
    return p;
  };
  let rt;
  try {
    rt = await instantiate({
      ...(bytes ? { bytes } : { module }), manifest, checkManifest: check, allocate,
      imports: ({ memory }) => {
        mem = memory;
        return {
          env: {
            ...corpusHost(lines, () => /** @type {WebAssembly.Memory} */ (memory)),
            thread_spawn: (/** @type {number} */ f, /** @type {number} */ a) => hostThreads.thread_spawn(f, a),
            thread_join: (/** @type {number} */ id) => hostThreads.thread_join(id),
          },
        };
      },
    });
  } catch (e) {
    throw new TestFailure(`${what}: instantiation failed: ${e instanceof Error ? e.message : e}`);
  }
  const heapBase = rt.exports.__heap_base?.value;
  if (typeof heapBase === 'number' && heapBase > heapStart) throw new TestFailure(`${what}: __heap_base ${heapBase} is above ${heapStart}, where thread memory starts`);
  const { host, stop } = await startPool({ mode: what, memory: rt.memory, module, manifest, runtime }, allocate, lines);
  Object.assign(hostThreads, host);
  try {
    callRun(rt.exports, lines, what);
  } finally {
    await stop();
  }
  if (rt.loaded.length) throw new TestFailure(`${what}: the runtime's fallback loader loaded ${rt.loaded.join(', ')}: libdl should have answered`);
  return lines;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
  const dir = opt('--program');
  const prelink = opt('--prelink');
  const project = opt('--runtime-project');
  const wasmLd = opt('--wasm-ld');
  // --extra-flags "-O2 --gc": more prelink options for the prelinked run.
  const extra = (opt('--extra-flags') ?? '').split(/\s+/).filter(Boolean);
  const mode = opt('--mode') ?? (prelink ? 'both' : 'runtime');
  if (!dir || !['runtime', 'prelinked', 'both', 'static'].includes(mode) || (['prelinked', 'both'].includes(mode) && (!prelink || !project)) ||
      (mode === 'static' && (!wasmLd || !project))) {
    console.error('usage: node threads.mjs --program DIR [--prelink PATH] [--runtime-project DIR] [--wasm-ld PATH] [--mode runtime|prelinked|both|static]');
    process.exit(1);
  }
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  spec.flags = [...(spec.flags ?? []), ...extra];
  const name = spec.name ?? path.basename(dir);
  if (spec.threads !== true) {
    console.error(`FAIL ${name}: not a threaded program ("threads": true in program.json)`);
    process.exit(1);
  }
  const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').replace(/\n+$/, '').split('\n');
  const runtime = project ? pathToFileURL(path.join(project, 'index.mjs')).href : '';
  let ok = true;
  const summary = [];
  /** @type {Record<string, string[]>} */ const got = {};
  for (const m of mode === 'both' ? ['runtime', 'prelinked'] : [mode]) {
    try {
      const lines = m === 'runtime' ? await runRuntime(dir, spec)
        : m === 'static' ? await runStatic(dir, spec, /** @type {string} */ (wasmLd), runtime)
          : await runPrelinked(dir, spec, /** @type {string} */ (prelink), runtime);
      got[m] = lines;
      if (lines.join('\n') === expected.join('\n')) summary.push(`${m}: ok (${lines.length} lines)`);
      else { ok = false; console.error(`FAIL ${name}: ${m} output differs from expected.txt\n${diffLines(expected, lines, 'expected.txt', m)}`); }
    } catch (e) {
      if (!(e instanceof TestFailure)) throw e;
      ok = false;
      console.error(`FAIL ${name}: ${e.message}`);
    }
  }
  if (ok) console.log(`PASS ${name}: ${summary.join(', ')} (${POOL} worker threads)`);
  else console.error(`FAIL ${name}${summary.length ? ` (passed: ${summary.join(', ')})` : ''}`);
  process.exitCode = ok ? 0 : 1;
}

if (isMainThread) await main();
else await workerMain();
