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
// The interposition rule (docs/design.md, "Interposition"). By default the bundle's GOT
// entries for its own symbols stay GOT imports its loader fills, as the originals had
// them: a definition loaded before the bundle (the main module's) interposes on data and
// function addresses, and every program, weak's interposition included, prints its
// expected.txt. With -Bsymbolic they resolve inside the bundle: no GOT import names a
// symbol the bundle exports, and weak shows the other rule (libstrong sees its own pick
// and weak_data), while every other program prints the same.
if (mainDylink.needed.length !== 1) {
  console.log(`SKIP ${spec.name}: the main module NEEDs ${mainDylink.needed.length} libraries (a bundle stands for one)`);
  process.exit(0);
}
const primary = mainDylink.needed[0];
const inputs = [primary, ...bundled.filter((l) => l !== primary)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-bundle-'));
const fail = (m) => {
  console.error(`FAIL ${spec.name}: ${m}`);
  process.exit(1);
};
const gotImports = (m) => new Set(WebAssembly.Module.imports(m).filter((i) => i.module === 'GOT.mem' || i.module === 'GOT.func')
  .map((i) => `${i.module}.${i.name}`));

function build(rule) {
  const dirOut = path.join(tmp, rule);
  fs.mkdirSync(dirOut);
  const out = path.join(dirOut, primary);
  const flags = rule === 'symbolic' ? ['-Bsymbolic'] : [];
  const r = spawnSync(prelink, ['--shared', ...flags, ...inputs.map((l) => path.join(dir, l)), '-o', out, '--manifest', path.join(dirOut, 'bundle.json')], { encoding: 'utf8' });
  if (r.status !== 0) fail(`prelink --shared ${flags.join(' ')} exited ${r.status}: ${r.stderr}`);
  const bytes = fs.readFileSync(out);
  if (!WebAssembly.validate(bytes)) fail(`the ${rule} bundle does not validate in V8`);
  const v = spawnSync(process.env.WASM_OPT || 'wasm-opt', ['-all', '--quiet', out, '-o', '/dev/null'], { encoding: 'utf8' });
  if (v.status !== 0) fail(`binaryen rejects the ${rule} bundle: ${v.stderr}`);
  const module = new WebAssembly.Module(bytes);
  for (const n of readDylink(module).needed)
    if (inputs.includes(n)) fail(`the ${rule} bundle still NEEDs ${n}, which it contains`);
  const manifest = JSON.parse(fs.readFileSync(path.join(dirOut, 'bundle.json'), 'utf8'));
  const got = gotImports(module);
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (rule === 'symbolic') {
    for (const g of got)
      if (exported.has(g.slice(g.indexOf('.', 4) + 1))) fail(`-Bsymbolic: the bundle imports ${g}, a symbol it exports`);
  } else {
    // Every GOT entry of a library of the bundle's global scope is one of the bundle's.
    for (const lib of manifest.libraries.filter((l) => l.scope === 'global' && !l.prelink_libdl)) {
      const input = inputs.find((i) => path.basename(i) === lib.name);
      if (!input) continue;
      for (const g of gotImports(new WebAssembly.Module(fs.readFileSync(path.join(dir, input)))))
        if (!got.has(g)) fail(`${lib.name} imports ${g}, the bundle does not`);
    }
  }
  return bytes;
}

function run(bytes) {
  const results = [];
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
    results.push({ order: ctorsBeforeRelocs ? 'constructors first' : 'relocations first', lines });
  }
  return results;
}

const interposes = spec.name === 'weak'; // the program whose output the rule decides
let size = 0;
for (const rule of ['default', 'symbolic']) {
  const bytes = build(rule);
  if (rule === 'default') size = bytes.length;
  for (const { order, lines } of run(bytes)) {
    const same = lines.join('\n') === expected.join('\n');
    if (rule === 'symbolic' && interposes) {
      if (same) fail(`-Bsymbolic (${order}): main's weak definitions still interpose`);
    } else if (!same) {
      fail(`${rule} rule (${order}):\n--- expected\n${expected.join('\n')}\n--- bundle\n${lines.join('\n')}`);
    }
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`PASS ${spec.name}: ${inputs.length} libraries as one bundle (${size} bytes), both init orders, both interposition rules`);
