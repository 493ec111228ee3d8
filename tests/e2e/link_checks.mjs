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
  const inputs = manifest.libraries.filter((l) => !l.prelink_libdl);
  if (inputs.length !== 21) fail(`manifest lists ${inputs.length} input libraries, expected 21`);
  // python.wasm imports dlopen, dlsym and dlerror: prelink answers them in the module and
  // keeps the host's for names that were not prelinked.
  if (!manifest.dl_table) fail('no dl table although python.wasm imports dlopen');
  if (manifest.dl_table.host_fallback.join() !== 'dlopen,dlsym,dlerror') fail(`host fallback: ${manifest.dl_table.host_fallback}`);
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
} else if (args.check === 'search') {
  // The chain program (main -> liba -> libb -> libx) with only the main on the command
  // line: NEEDED libraries come from -L, and from RUNTIME_PATH ($ORIGIN expanded).
  const dir = path.resolve(args.program);
  const ref = path.join(tmp, 'ref.wasm');
  run([path.join(dir, 'main.wasm'), path.join(dir, 'liba.so'), path.join(dir, 'libb.so'), path.join(dir, 'libx.so'), '-o', ref]);
  const viaL = path.join(tmp, 'viaL.wasm');
  const r = run([path.join(dir, 'main.wasm'), '-L', dir, '-o', viaL]);
  if (!fs.readFileSync(ref).equals(fs.readFileSync(viaL))) fail('linking with -L differs from linking with explicit inputs');
  // Each -L takes one directory: what follows it is an input again, and -L repeats.
  const viaL2 = path.join(tmp, 'viaL2.wasm');
  run(['-L', dir, path.join(dir, 'main.wasm'), '-L', tmp, '-o', viaL2]);
  if (!fs.readFileSync(ref).equals(fs.readFileSync(viaL2))) fail('-L before the inputs, or repeated, links differently');
  // RUNTIME_PATH: main's copy says "$ORIGIN/libs"; libraries live there.
  const libs = path.join(tmp, 'libs');
  fs.mkdirSync(libs);
  // As with ELF's RUNPATH, a library's RUNTIME_PATH serves its own NEEDED entries only:
  // liba and libb say "$ORIGIN" to find their neighbours.
  const tool = path.resolve(args['set-runtime-path']);
  const setRp = (from, to, ...rp) => {
    const t = spawnSync(tool, [from, to, ...rp], { encoding: 'utf8' });
    if (t.status !== 0) fail(`set_runtime_path: ${t.stderr}`);
  };
  setRp(path.join(dir, 'main.wasm'), path.join(tmp, 'main.wasm'), '$ORIGIN/libs');
  setRp(path.join(dir, 'liba.so'), path.join(libs, 'liba.so'), '$ORIGIN');
  setRp(path.join(dir, 'libb.so'), path.join(libs, 'libb.so'), '$ORIGIN');
  fs.copyFileSync(path.join(dir, 'libx.so'), path.join(libs, 'libx.so'));
  const insp = spawnSync(prelink, ['inspect', '--json', path.join(libs, 'liba.so')], { encoding: 'utf8' });
  if (JSON.parse(insp.stdout).dylink.runtime_path.join() !== '$ORIGIN') fail('inspect does not show the RUNTIME_PATH');
  const viaRp = path.join(tmp, 'viaRp.wasm');
  run([path.join(tmp, 'main.wasm'), '-o', viaRp, '--manifest', path.join(tmp, 'rp.json')]);
  const names = JSON.parse(fs.readFileSync(path.join(tmp, 'rp.json'), 'utf8')).libraries.map((l) => l.name);
  if (names.join() !== 'main.wasm,liba.so,libb.so,libx.so') fail(`RUNTIME_PATH link found ${names}`);
  validate(viaRp);
  // Without any of them the link fails and says which library is missing.
  const miss = spawnSync(prelink, [path.join(dir, 'main.wasm'), '-o', path.join(tmp, 'miss.wasm')], { encoding: 'utf8' });
  if (miss.status !== 1 || !/cannot find library "liba.so"/.test(miss.stderr)) fail(`missing NEEDED: ${miss.stderr}`);
  if (fs.existsSync(path.join(tmp, 'miss.wasm'))) fail('a failed link left an output file');
  console.log('PASS NEEDED found through -L and through RUNTIME_PATH ($ORIGIN)');
} else if (args.check === 'import-sp') {
  const dir = path.resolve(args.program);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  const out = path.join(tmp, 'sp.wasm');
  run([...[spec.main, ...spec.libs].map((f) => path.join(dir, f)), '--import-stack-pointer', '-o', out]);
  const imps = WebAssembly.Module.imports(validate(out));
  if (!imps.some((i) => i.module === 'env' && i.name === '__stack_pointer' && i.kind === 'global'))
    fail('--import-stack-pointer: no env.__stack_pointer import');
  const out2 = path.join(tmp, 'nosp.wasm');
  run([...[spec.main, ...spec.libs].map((f) => path.join(dir, f)), '-o', out2]);
  if (WebAssembly.Module.imports(validate(out2)).some((i) => i.name === '__stack_pointer'))
    fail('without --import-stack-pointer the output still imports __stack_pointer');
  console.log('PASS --import-stack-pointer');
} else {
  fail(`unknown --check ${args.check}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
