// Shared by the package tests: running commands, corpus programs, checking a linked one.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runLinkedOutput } from '../e2e/differential.mjs';

export const problems = [];
export function fail(/** @type {string} */ msg) { problems.push(msg); }
export function finish(/** @type {string} */ ok) {
  if (problems.length) {
    for (const p of problems) console.error(`FAIL ${p}`);
    process.exit(1);
  }
  console.log(`ok: ${ok}`);
}

// Runs FILE ARGS; a failure ends the test with its output.
export function run(/** @type {string} */ file, /** @type {string[]} */ argv, opts = {}) {
  const r = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.error || r.status !== 0) {
    console.error(`FAIL ${file} ${argv.join(' ')}: ${r.error ? r.error.message : `status ${r.status}`}\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

// A corpus program's inputs on the command line: its main module, then its libraries.
export function programInputs(/** @type {string} */ corpus, /** @type {string} */ name) {
  const dir = path.join(corpus, name);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  return { dir, spec, inputs: [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l))] };
}

// The linked program validates (V8, binaryen) and prints exactly its expected.txt.
export function checkRuns(/** @type {string} */ corpus, /** @type {string} */ name, /** @type {string} */ wasm, /** @type {string} */ manifest, /** @type {string} */ who) {
  const want = fs.readFileSync(path.join(corpus, name, 'expected.txt'), 'utf8').trimEnd().split('\n');
  let got;
  try {
    got = runLinkedOutput(wasm, manifest);
  } catch (e) {
    fail(`${who}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (got.join('\n') !== want.join('\n')) fail(`${who}: the linked ${name} printed\n${got.join('\n')}\ninstead of\n${want.join('\n')}`);
}

export function sameBytes(/** @type {string} */ a, /** @type {string} */ b) {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

export { execFileSync };
