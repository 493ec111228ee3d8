// Bundle mode (prelink --shared): the program's side modules become one side module,
// loaded by the reference loader in place of the first of them. The program must print
// its expected.txt, whichever order the loader calls __wasm_apply_data_relocs and
// __wasm_call_ctors in (emscripten: relocations first; cowasm: constructors first).
// Usage: node bundle.mjs --program DIR --prelink PRELINK
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProgram, readDylink } from './refloader.mjs';
import { makeHost } from './differential.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const dir = path.resolve(opt('program'));
const prelink = path.resolve(opt('prelink'));
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');

// The bundle replaces what the main module NEEDs: the first NEEDED is its name; dlopen-only
// libraries stay separate files (their NEEDED of a bundled library finds the bundle).
const mainDylink = readDylink(new WebAssembly.Module(fs.readFileSync(path.join(dir, spec.main))));
const dlopenOnly = new Set(spec.dlopen_only ?? []);
const bundled = spec.libs.filter((l) => !dlopenOnly.has(l));
// A bundle resolves the symbols it defines inside itself (like -Bsymbolic): a definition
// outside it, in the main module, no longer interposes. These programs test exactly that
// interposition, so their output differs by design.
const interposed = { weak: 'main.wasm\'s weak definitions interpose libstrong\'s own' };
if (interposed[spec.name]) {
  console.log(`SKIP ${spec.name}: ${interposed[spec.name]}`);
  process.exit(0);
}
if (mainDylink.needed.length !== 1) {
  console.log(`SKIP ${spec.name}: the main module NEEDs ${mainDylink.needed.length} libraries (a bundle stands for one)`);
  process.exit(0);
}
const primary = mainDylink.needed[0];
const inputs = [primary, ...bundled.filter((l) => l !== primary)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-bundle-'));
const out = path.join(tmp, primary);
const r = spawnSync(prelink, ['--shared', ...inputs.map((l) => path.join(dir, l)), '-o', out, '--manifest', path.join(tmp, 'bundle.json')], { encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`FAIL ${spec.name}: prelink --shared exited ${r.status}: ${r.stderr}`);
  process.exit(1);
}
const bytes = fs.readFileSync(out);
if (!WebAssembly.validate(bytes)) {
  console.error(`FAIL ${spec.name}: the bundle does not validate in V8`);
  process.exit(1);
}
const v = spawnSync(process.env.WASM_OPT || 'wasm-opt', ['-all', '--quiet', out, '-o', '/dev/null'], { encoding: 'utf8' });
if (v.status !== 0) {
  console.error(`FAIL ${spec.name}: binaryen rejects the bundle: ${v.stderr}`);
  process.exit(1);
}
const bundleDylink = readDylink(new WebAssembly.Module(bytes));
for (const n of bundleDylink.needed)
  if (inputs.includes(n)) {
    console.error(`FAIL ${spec.name}: the bundle still NEEDs ${n}, which it contains`);
    process.exit(1);
  }

let failed = false;
for (const ctorsBeforeRelocs of [false, true]) {
  const libs = new Map([[primary, bytes], ...[...dlopenOnly].map((l) => [l, fs.readFileSync(path.join(dir, l))])]);
  const lines = [];
  try {
    const program = loadProgram({
      mainBytes: fs.readFileSync(path.join(dir, spec.main)), libs, dlopenOnly: [...dlopenOnly],
      host: ({ memory }) => makeHost(lines, () => memory), ctorsBeforeRelocs,
    });
    lines.push(`ret ${program.exports.run()}`);
  } catch (e) {
    lines.push(`error: ${e instanceof Error ? e.message : e}`);
  }
  const order = ctorsBeforeRelocs ? 'constructors first' : 'relocations first';
  if (lines.join('\n') !== expected.join('\n')) {
    failed = true;
    console.error(`FAIL ${spec.name} (${order}):\n--- expected\n${expected.join('\n')}\n--- bundle\n${lines.join('\n')}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
if (failed) process.exit(1);
console.log(`PASS ${spec.name}: ${inputs.length} libraries as one bundle (${bytes.length} bytes), both init orders`);
