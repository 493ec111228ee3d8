#!/usr/bin/env node
// The JavaScript runtime (runtime/prelink-runtime.mjs) under node: links a corpus program
// that has "runtime_libs" with prelink (main + "libs", NOT the runtime libs), runs it with
// the runtime, whose fallback loader must load exactly the runtime libs when the program
// calls dlopen, and compares the transcript with expected.txt. Variants:
//   sync       readFile is fs.readFileSync, nothing preloaded (node's way)
//   preload    readFile is async and the runtime libs are preloaded (a browser's way)
//   reserved   library memory from a caller-given region (opts.allocate) in the heap
//   import-sp  linked with --import-stack-pointer: the runtime creates the stack pointer
//   no-libdl   linked with --no-libdl: every dlopen reaches the runtime; the loaded
//              libraries share the module's exported __stack_pointer
//
//   node runtime.mjs --program DIR --prelink PATH
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { instantiate } from '../../runtime/prelink-runtime.mjs';
import { corpusHost } from '../browser/corpus_host.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const dir = opt('--program');
const prelink = opt('--prelink');
if (!dir || !prelink) {
  console.error('usage: node runtime.mjs --program DIR --prelink PATH');
  process.exit(1);
}
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.length);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-runtime-'));
let failures = 0;

/** Links the program; @returns {{ bytes: Uint8Array, manifest: any }} */
function link(/** @type {string[]} */ flags) {
  const out = path.join(tmp, 'out.wasm'), man = path.join(tmp, 'out.json');
  const r = spawnSync(prelink, [path.join(dir, spec.main), ...spec.libs.map((l) => path.join(dir, l)),
    '-o', out, '--manifest', man, ...flags], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prelink failed (status ${r.status}):\n${r.stderr}`);
  return { bytes: fs.readFileSync(out), manifest: JSON.parse(fs.readFileSync(man, 'utf8')) };
}

async function variant(/** @type {string} */ name, /** @type {string[]} */ flags, /** @type {Record<string, any>} */ extra) {
  const t0 = performance.now();
  const { bytes, manifest } = link(flags);
  /** @type {string[]} */ const lines = [];
  /** @type {string[]} */ const reads = [];
  const file = (/** @type {string} */ n) => { reads.push(n); return fs.readFileSync(path.join(dir, path.basename(n))); };
  const opts = {
    bytes, manifest,
    imports: (/** @type {{ memory: WebAssembly.Memory }} */ { memory }) => ({ env: corpusHost(lines, () => memory) }),
    readFile: extra.async ? async (/** @type {string} */ n) => file(n) : file,
    ...extra.opts?.(manifest),
  };
  const problems = [];
  try {
    const rt = await instantiate(opts);
    if (extra.async) {
      await rt.preload(spec.runtime_libs);
      if (reads.join() !== spec.runtime_libs.join()) problems.push(`preload read ${JSON.stringify(reads)}`);
    }
    lines.push(`ret ${rt.exports.run()}`);
    if (JSON.stringify(rt.loaded) !== JSON.stringify(spec.runtime_libs)) {
      problems.push(`the runtime loaded ${JSON.stringify(rt.loaded)}, expected exactly ${JSON.stringify(spec.runtime_libs)}`);
    }
    const prelinkedRead = reads.filter((r) => spec.libs.includes(path.basename(r)) || r === spec.main);
    if (prelinkedRead.length) problems.push(`the runtime read prelinked files ${JSON.stringify(prelinkedRead)}`);
    if (extra.check) problems.push(...extra.check(rt, manifest));
  } catch (e) {
    problems.push(`failed: ${e instanceof Error ? e.stack : e}`);
  }
  if (lines.join('\n') !== expected.join('\n')) {
    problems.push(`transcript differs from expected.txt:\n  got:\n${lines.map((l) => `    ${l}`).join('\n')}\n  expected:\n${expected.map((l) => `    ${l}`).join('\n')}`);
  }
  const ms = (performance.now() - t0).toFixed(0);
  if (problems.length) {
    failures++;
    console.log(`FAIL ${spec.name} [${name}] (${ms} ms)\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`ok   ${spec.name} [${name}] (${ms} ms)`);
  }
}

/** Every library the runtime loaded has its memory in [lo, hi). */
const memoryIn = (/** @type {number} */ lo, /** @type {number} */ hi) => (/** @type {any} */ rt) => {
  const libs = [];
  for (let h = 1, l; (l = rt.library(h)); h++) if (!l.prelinked) libs.push(l);
  const bad = libs.filter((l) => l.memoryBase < lo || l.memoryBase + l.memorySize > hi);
  return libs.length && !bad.length ? []
    : [`library memory outside [${lo}, ${hi}): ${libs.map((l) => `${l.name}@${l.memoryBase}+${l.memorySize}`).join(', ')}`];
};

try {
  await variant('sync', [], {
    // no allocator exported: fresh pages above the initial memory
    check: (/** @type {any} */ rt, /** @type {any} */ m) => memoryIn(m.heap_end, rt.memory.buffer.byteLength)(rt),
  });
  await variant('preload', [], { async: true });
  await variant('reserved', [], {
    opts: (/** @type {any} */ m) => {
      let next = m.heap_base;
      return { allocate: (/** @type {number} */ size, /** @type {number} */ align) => {
        const p = Math.ceil(next / align) * align;
        next = p + size;
        if (next > m.heap_end) throw new Error('reserved region exhausted');
        return p;
      } };
    },
    check: (/** @type {any} */ rt, /** @type {any} */ m) => memoryIn(m.heap_base, m.heap_end)(rt),
  });
  await variant('import-sp', ['--import-stack-pointer'], {
    check: (/** @type {any} */ rt, /** @type {any} */ m) => (m.stack.pointer_imported ? [] : ['manifest: stack.pointer_imported is false']),
  });
  await variant('no-libdl', ['--no-libdl'], {
    // every dlopen reaches the runtime; the loaded libraries share the module's one stack
    // pointer, which the module exports (manifest: stack.pointer_export)
    check: (/** @type {any} */ rt, /** @type {any} */ m) => {
      const sp = rt.stackPointer;
      if (m.stack.pointer_export !== '__stack_pointer') return [`manifest: stack.pointer_export is ${m.stack.pointer_export}`];
      if (!sp || sp !== rt.exports.__stack_pointer) return ['the runtime does not use the exported __stack_pointer'];
      return [];
    },
  });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
