// Link-level checks beyond the differential runs.
//   --check determinism --program DIR : linking twice, once from another working
//       directory with relative paths, gives byte-identical module and manifest.
//   --check python --fetched DIR : python.wasm + hello + the 19 numpy extensions link
//       with --allow-undefined into a module V8 and binaryen accept.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const prelink = path.resolve(args.prelink);

function fail(msg) {
  console.error(`FAIL ${msg}`);
  process.exit(1);
}

function run(argv, cwd) {
  const r = spawnSync(prelink, argv, { cwd, encoding: 'utf8' });
  if (r.status !== 0) fail(`prelink ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

function validate(file) {
  const bytes = fs.readFileSync(file);
  if (!WebAssembly.validate(bytes)) fail(`${file} does not validate in V8`);
  const v = spawnSync(process.env.WASM_OPT || 'wasm-opt', ['-all', '--quiet', file, '-o', '/dev/null'], { encoding: 'utf8' });
  if (v.status !== 0) fail(`binaryen rejects ${file}: ${v.stderr}`);
  return new WebAssembly.Module(bytes);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-check-'));
if (args.check === 'determinism') {
  const dir = path.resolve(args.program);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  const inputs = [spec.main, ...spec.libs];
  // Absolute paths from a scratch directory, relative paths from the program directory.
  run([...inputs.map((f) => path.join(dir, f)), '-o', path.join(tmp, 'a.wasm'), '--manifest', path.join(tmp, 'a.json')], tmp);
  run([...inputs, '-o', path.join(tmp, 'b.wasm'), '--manifest', path.join(tmp, 'b.json')], dir);
  for (const [x, y] of [['a.wasm', 'b.wasm'], ['a.json', 'b.json']]) {
    const a = fs.readFileSync(path.join(tmp, x));
    const b = fs.readFileSync(path.join(tmp, y));
    if (!a.equals(b)) fail(`${spec.name}: ${x} and ${y} differ`);
  }
  validate(path.join(tmp, 'a.wasm'));
  console.log(`PASS ${spec.name}: byte-identical module and manifest from two working directories`);
} else if (args.check === 'python') {
  const f = path.resolve(args.fetched);
  const numpy = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.so')) numpy.push(p);
    }
  };
  walk(path.join(f, 'numpy'));
  numpy.sort();
  if (numpy.length !== 19) fail(`expected 19 numpy extensions, found ${numpy.length}`);
  const out = path.join(tmp, 'python.wasm');
  const man = path.join(tmp, 'python.json');
  run([path.join(f, 'python.wasm'), path.join(f, 'hello.cpython-311-wasm32-wasi.so'), ...numpy, '--allow-undefined', '-o', out, '--manifest', man]);
  const mod = validate(out);
  const manifest = JSON.parse(fs.readFileSync(man, 'utf8'));
  if (manifest.libraries.length !== 21) fail(`manifest lists ${manifest.libraries.length} libraries, expected 21`);
  const dl = manifest.libraries.filter((l) => l.scope === 'dlopen').length;
  if (dl !== 20) fail(`expected 20 dlopen-only extensions, got ${dl}`);
  const imports = WebAssembly.Module.imports(mod);
  const bases = imports.filter((i) => i.name === '__memory_base' || i.name === '__table_base');
  if (bases.length) fail('output still imports __memory_base/__table_base');
  const hello = manifest.libraries.find((l) => l.name === 'hello.cpython-311-wasm32-wasi.so');
  const init = hello.symbols.find((s) => s.name === 'PyInit_hello');
  if (!init || init.kind !== 'function') fail('PyInit_hello missing from the manifest');
  const py = manifest.libraries[0];
  console.log(`PASS python.wasm + ${numpy.length + 1} extensions: ${fs.statSync(out).size} bytes, ` +
    `${imports.length} host imports, data relocations of python.wasm: ${py.data_relocations.operations - py.data_relocations.at_start_up}` +
    ` of ${py.data_relocations.operations} at link time`);
} else {
  fail(`unknown --check ${args.check}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
