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
//   O2         linked with -O2: the manifest's sha256 is of binaryen's output
// and the manifest check: the manifest of another program (--other DIR) or one without
// module.sha256 fails with the one error that names both, before anything is compiled.
// The runtime is the packed npm package, installed into --runtime-project DIR by the
// CTest fixture tests/package/pack.mjs and imported by its name from there.
//
//   node runtime.mjs --program DIR --other DIR --prelink PATH --runtime-project DIR
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { corpusHost } from '../browser/corpus_host.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const dir = opt('--program');
const other = opt('--other');
const prelink = opt('--prelink');
const project = opt('--runtime-project');
if (!dir || !other || !prelink || !project) {
  console.error('usage: node runtime.mjs --program DIR --other DIR --prelink PATH --runtime-project DIR');
  process.exit(1);
}
/** @type {typeof import('../../runtime/prelink-runtime.mjs')} */
const { instantiate } = await import(pathToFileURL(path.join(project, 'index.mjs')).href);
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.length);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-runtime-'));
let failures = 0;

/** Links the program (or another); @returns {{ bytes: Uint8Array, manifest: any }} */
function link(/** @type {string[]} */ flags, d = dir, s = spec) {
  const out = path.join(tmp, 'out.wasm'), man = path.join(tmp, 'out.json');
  const r = spawnSync(prelink, [path.join(d, s.main), ...s.libs.map((/** @type {string} */ l) => path.join(d, l)),
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
  await variant('O2', ['-O2'], {});
  await manifestChecks();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** A manifest that is not the module's fails with one clear error naming both. */
async function manifestChecks() {
  const t0 = performance.now();
  const mine = link([]);
  const otherSpec = JSON.parse(fs.readFileSync(path.join(other, 'program.json'), 'utf8'));
  const theirs = link([], other, otherSpec);
  const sha = (/** @type {Uint8Array} */ b) => crypto.createHash('sha256').update(b).digest('hex');
  const problems = [];
  if (mine.manifest.module?.sha256 !== sha(mine.bytes) || mine.manifest.module?.size !== mine.bytes.length) {
    problems.push(`manifest module ${JSON.stringify(mine.manifest.module)} is not the written module's (sha256 ${sha(mine.bytes)}, ${mine.bytes.length} bytes)`);
  }
  const host = { env: corpusHost([], () => { throw new Error('not called'); }) };
  /** @returns {Promise<string>} the error message, or '' when instantiate succeeded */
  const attempt = async (/** @type {Record<string, any>} */ o) => {
    try { await instantiate({ imports: host, readFile: () => { throw new Error('read'); }, ...o }); return ''; } catch (e) { return e instanceof Error ? e.message : String(e); }
  };
  const cases = [
    [{ bytes: mine.bytes, manifest: theirs.manifest, moduleName: 'app.wasm', manifestName: `${otherSpec.name}.json` },
      `prelink-runtime: ${otherSpec.name}.json does not describe app.wasm (sha256 ${sha(mine.bytes)} != ${sha(theirs.bytes)}): relink, or use the manifest written with the module`],
    [{ bytes: theirs.bytes, manifest: mine.manifest },
      `prelink-runtime: the manifest does not describe the module (sha256 ${sha(theirs.bytes)} != ${sha(mine.bytes)}): relink, or use the manifest written with the module`],
    [{ bytes: mine.bytes, manifest: { ...mine.manifest, module: undefined } },
      'prelink-runtime: the manifest records no module sha256 (not a prelink manifest, or one written before prelink recorded it): relink, or pass checkManifest: false'],
  ];
  for (const [o, want] of cases) {
    const got = await attempt(/** @type {Record<string, any>} */ (o));
    if (got !== want) problems.push(`instantiate gave ${JSON.stringify(got)}\n    expected ${JSON.stringify(want)}`);
  }
  // The right manifest passes; checkManifest: false skips the check (it then fails later, differently).
  const ok = await attempt({ bytes: mine.bytes, manifest: mine.manifest });
  if (ok) problems.push(`the module's own manifest was refused: ${ok}`);
  const skipped = await attempt({ bytes: mine.bytes, manifest: theirs.manifest, checkManifest: false });
  if (skipped.startsWith('prelink-runtime: ')) problems.push(`checkManifest: false still checked: ${skipped}`);
  const ms = (performance.now() - t0).toFixed(0);
  if (problems.length) {
    failures++;
    console.log(`FAIL ${spec.name} [manifest check vs ${otherSpec.name}] (${ms} ms)\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`ok   ${spec.name} [manifest check vs ${otherSpec.name}] (${ms} ms)`);
  }
}
process.exit(failures ? 1 : 0);
