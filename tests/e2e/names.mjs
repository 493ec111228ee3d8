#!/usr/bin/env node
// The output's name section and custom sections (prelink/link/sections.cpp).
//
//   node names.mjs --check objdump  --program DIR --prelink PATH
//       links a corpus program; `wasm-objdump -x -j name` of the output lists every
//       defined function name of every input, each exported function under its own name
//       at its index, and prelink's own functions; -O2 keeps the names.
//   node names.mjs --check trap     --clang PATH --wasm-ld PATH --prelink PATH
//       a program built here traps in a side module's static function: V8's stack trace
//       names it when the program runs prelinked, as when it runs runtime-loaded
//       (refloader.mjs), and does not with --strip-all.
//   node names.mjs --check strip    --clang PATH --wasm-ld PATH --prelink PATH
//       a side built with -g: one warning and no .debug_* section in the output; no warning
//       with --strip-debug (names kept) or --strip-all (no name, producers,
//       target_features section); a malformed name section costs only itself (a warning);
//       another custom section of two inputs comes out once, the payloads concatenated.
//
// Exit status 0 when every check passes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadProgram } from './refloader.mjs';
import { flags, scratch } from '../lib/cli.mjs';

const args = flags();
const prelink = path.resolve(args.prelink ?? '');
const objdump = process.env.WASM_OBJDUMP || 'wasm-objdump';
const tmp = scratch(`prelink-names-${args.check}`);
let failures = 0;

function fail(/** @type {string} */ msg) {
  console.error(`FAIL ${msg}`);
  failures++;
}

function sh(/** @type {string} */ cmd, /** @type {string[]} */ argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.error?.message ?? ''}${r.stderr}`);
  return r.stdout;
}

/** Runs prelink; throws unless it succeeds. @returns {{out: string, man: string, stderr: string, manifest: any}} */
function linkOk(/** @type {string} */ tag, /** @type {string[]} */ inputs, /** @type {string[]} */ flags = []) {
  const out = path.join(tmp, `${tag}.wasm`);
  const man = path.join(tmp, `${tag}.json`);
  const r = spawnSync(prelink, [...inputs, '-o', out, '--manifest', man, ...flags], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`prelink ${inputs.join(' ')} ${flags.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (!WebAssembly.validate(fs.readFileSync(out))) throw new Error(`${tag}: the output does not validate in V8`);
  return { out, man, stderr: r.stderr, manifest: JSON.parse(fs.readFileSync(man, 'utf8')) };
}

/** `wasm-objdump -x -j name FILE` as {func, global, dataseg}: index -> name. */
function objdumpNames(/** @type {string} */ file) {
  const r = spawnSync(objdump, ['-x', '-j', 'name', file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  /** @type {Record<string, Map<number, string>>} */
  const names = { func: new Map(), global: new Map(), dataseg: new Map() };
  for (const m of r.stdout.matchAll(/^ - (func|global|dataseg)\[(\d+)\] <(.*)>$/gm)) names[m[1]].set(Number(m[2]), m[3]);
  return { ...names, found: r.status === 0 && /name: "name"/.test(r.stdout) };
}

/** Names of the custom sections of FILE, in order. */
function customSections(/** @type {string} */ file) {
  return [...sh(objdump, ['-h', file]).matchAll(/Custom start=.*"(.*)"$/gm)].map((m) => m[1]);
}

function importedFunctions(/** @type {string} */ file) {
  return WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(file))).filter((i) => i.kind === 'function').length;
}

function checkObjdump() {
  const dir = path.resolve(args.program);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  const inputs = [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l))];
  for (const [tag, flags] of [['plain', []], ['optimized', ['-O2']]]) {
    const r = linkOk(tag, inputs, [...flags, ...(spec.flags ?? [])]);
    const names = objdumpNames(r.out);
    if (!names.found) { fail(`${tag}: wasm-objdump finds no name section`); continue; }
    const all = new Set(names.func.values());
    // Every defined function of every input, by its name in that input (-O2 may inline
    // or merge functions away: there, the exported ones at least).
    const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(fs.readFileSync(r.out))).map((e) => e.name));
    for (const input of inputs) {
      const own = objdumpNames(input);
      const first = importedFunctions(input);
      const defined = [...own.func].filter(([i]) => i >= first).map(([, n]) => n);
      if (!defined.length) fail(`${tag}: ${path.basename(input)} has no function names to look for`);
      // (binaryen merges identical functions: the empty __wasm_* ones of every input.)
      const want = tag === 'plain' ? defined : defined.filter((n) => exported.has(n) && !n.startsWith('__wasm_'));
      const missing = want.filter((n) => !all.has(n));
      if (missing.length) fail(`${tag}: names of ${path.basename(input)} missing from the output: ${missing.join(', ')}`);
    }
    // Each name sits at its function's index: the exported functions are named after
    // their exports (the module's __wasm_call_ctors is prelink's).
    const exportsOut = sh(objdump, ['-x', '-j', 'Export', r.out]);
    let checked = 0;
    for (const m of exportsOut.matchAll(/^ - func\[(\d+)\] .*-> "(.*)"$/gm)) {
      if (tag === 'optimized' && m[2].startsWith('__wasm_')) continue; // merged by binaryen, see above
      const want = m[2] === '__wasm_call_ctors' ? 'prelink.call_ctors' : m[2];
      const got = names.func.get(Number(m[1]));
      // binaryen makes duplicate names unique by a suffix (-O2 only).
      if (got !== want && !(tag === 'optimized' && got?.startsWith(`${want}.`))) fail(`${tag}: function ${m[1]}, exported as ${m[2]}, is named ${got}`);
      checked++;
    }
    if (checked < 2) fail(`${tag}: only ${checked} exported functions to check`);
    if (tag === 'plain') {
      if (![...names.func.values()].includes('prelink.start')) fail('plain: no function named prelink.start');
      if (!names.dataseg.size) fail('plain: no data segment names');
      if (![...names.dataseg.values()].includes(`data:${spec.main}`)) fail(`plain: no data segment named data:${spec.main}`);
      const sections = customSections(r.out);
      for (const s of ['name', 'producers', 'target_features']) if (!sections.includes(s)) fail(`plain: no ${s} section (sections: ${sections.join(', ')})`);
      const size = fs.statSync(r.out).size;
      const stripped = linkOk('stripped', inputs, ['--strip-all', ...(spec.flags ?? [])]);
      console.log(`size: ${size} bytes with names, ${fs.statSync(stripped.out).size} with --strip-all`);
    }
  }
  // Bundle mode: the side modules as one side module carry their names too.
  const sides = inputs.slice(1);
  const bundle = linkOk('bundle', sides, ['--shared']);
  const inBundle = new Set(objdumpNames(bundle.out).func.values());
  for (const input of sides) {
    const first = importedFunctions(input);
    const missing = [...objdumpNames(input).func].filter(([i, n]) => i >= first && !inBundle.has(n)).map(([, n]) => n);
    if (missing.length) fail(`--shared: names of ${path.basename(input)} missing from the bundle: ${missing.join(', ')}`);
  }
  if (!inBundle.has('prelink.apply_relocs')) fail('--shared: no function named prelink.apply_relocs in the bundle');
  if (!failures) console.log(`PASS names: wasm-objdump lists every input's functions of ${spec.name} at their output indices, also after -O2 and in a --shared bundle`);
}

// A program that traps in a static (so not exported) function of its side module.
const CFLAGS = ['--target=wasm32-unknown-emscripten', '-fPIC', '-O2', '-fvisibility=default', '-nostdlib', '-fno-builtin'];
function buildTrapProgram(/** @type {string[]} */ sideFlags = []) {
  const c = (/** @type {string} */ name, /** @type {string} */ text) => {
    fs.writeFileSync(path.join(tmp, name), text);
    return path.join(tmp, name);
  };
  const side = c('boom.c', [
    '__attribute__((noinline)) static int boom_inner_trap(int x) {',
    '  if (x > 2) __builtin_trap();',
    '  return x * 7;',
    '}',
    'int boom_volatile_sink;',
    'int boom(int x) { boom_volatile_sink = boom_inner_trap(x + boom_volatile_sink); return boom_volatile_sink + 1; }',
  ].join('\n'));
  const main = c('main.c', 'int boom(int);\nint run(void) { return boom(3); }\n');
  const tag = sideFlags.length ? 'g' : 'plain';
  sh(args.clang, [...CFLAGS, ...sideFlags, '-c', side, '-o', path.join(tmp, `boom-${tag}.o`)]);
  sh(args.clang, [...CFLAGS, '-c', main, '-o', path.join(tmp, 'main.o')]);
  const so = path.join(tmp, tag === 'g' ? 'libboomg.so' : 'libboom.so');
  sh(args['wasm-ld'], ['--experimental-pic', '-shared', '--unresolved-symbols=import-dynamic', '-o', so, path.join(tmp, `boom-${tag}.o`)]);
  const wasm = path.join(tmp, `main-${tag}.wasm`);
  sh(args['wasm-ld'], ['--experimental-pic', '-pie', '--import-memory', '--import-table', '--export-dynamic', '--no-entry',
    '--export-if-defined=__wasm_call_ctors', '--export=run', '-o', wasm, path.join(tmp, 'main.o'), so]);
  return { main: wasm, side: so };
}

/** The stack of the trap when OUT runs, instantiated as its manifest says. */
function prelinkedStack(/** @type {string} */ out, /** @type {any} */ manifest) {
  const module = new WebAssembly.Module(fs.readFileSync(out));
  const env = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory') env[imp.name] = new WebAssembly.Memory({ initial: manifest.memory.min_pages });
    else if (imp.kind === 'table') env[imp.name] = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min });
    else throw new Error(`unexpected import ${imp.module}.${imp.name}`);
  }
  const { exports } = new WebAssembly.Instance(module, { env });
  exports.__wasm_call_ctors?.();
  return trapStack(() => exports.run());
}

function trapStack(/** @type {() => any} */ fn) {
  try {
    fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return String(e.stack);
    throw e;
  }
  throw new Error('run() did not trap');
}

function checkTrap() {
  const p = buildTrapProgram();
  const program = loadProgram({ mainBytes: fs.readFileSync(p.main), libs: new Map([['libboom.so', fs.readFileSync(p.side)]]), host: () => ({}) });
  const runtime = trapStack(() => program.exports.run());
  // (V8 writes MODULE.FUNCTION when the name section names the module, as wasm-ld does.)
  if (!/at (libboom\.so\.)?boom_inner_trap \(/.test(runtime)) fail(`runtime-loaded: the stack does not name boom_inner_trap:\n${runtime}`);
  const r = linkOk('trap', [p.main, p.side]);
  const linked = prelinkedStack(r.out, r.manifest);
  if (!/at boom_inner_trap \(/.test(linked)) fail(`prelinked: the stack does not name boom_inner_trap:\n${linked}`);
  if (!/at run \(/.test(linked)) fail(`prelinked: the stack does not name run (the main's):\n${linked}`);
  // Without the name section V8 has no name for it: the name above came from it.
  const s = linkOk('trap-stripped', [p.main, p.side], ['--strip-all']);
  const stripped = prelinkedStack(s.out, s.manifest);
  if (/boom_inner_trap/.test(stripped)) fail(`--strip-all: the stack still names boom_inner_trap:\n${stripped}`);
  if (!failures) console.log('PASS trap: a trap in a side module\'s static function names it in V8\'s stack, prelinked as runtime-loaded; not with --strip-all');
}

function checkStrip() {
  const p = buildTrapProgram(['-g']);
  const debugIn = customSections(p.side).filter((s) => s.startsWith('.debug_'));
  if (!debugIn.length) throw new Error(`clang -g gave the side no .debug_* section: ${customSections(p.side).join(', ')}`);
  const warnings = (/** @type {string} */ stderr) => stderr.split('\n').filter((l) => l.startsWith('prelink: warning:'));

  const plain = linkOk('g', [p.main, p.side]);
  const w = warnings(plain.stderr);
  if (w.length !== 1 || !/debug information .* of 1 input \(.*libboomg\.so\)/.test(w[0])) fail(`-g side: want one warning about debug information of 1 input, got:\n${plain.stderr}`);
  const secs = customSections(plain.out);
  if (secs.some((s) => s.startsWith('.debug_'))) fail(`-g side: the output has debug sections: ${secs.join(', ')}`);
  if (!objdumpNames(plain.out).func.size) fail('-g side: the output has no function names');

  const debug = linkOk('strip-debug', [p.main, p.side], ['--strip-debug']);
  if (warnings(debug.stderr).length) fail(`--strip-debug: warnings:\n${debug.stderr}`);
  const dn = objdumpNames(debug.out);
  if (![...dn.func.values()].includes('boom_inner_trap')) fail('--strip-debug: the name section lost boom_inner_trap');
  if (customSections(debug.out).some((s) => s.startsWith('.debug_'))) fail('--strip-debug: debug sections in the output');

  const all = linkOk('strip-all', [p.main, p.side], ['--strip-all']);
  if (warnings(all.stderr).length) fail(`--strip-all: warnings:\n${all.stderr}`);
  const left = customSections(all.out).filter((s) => ['name', 'producers', 'target_features'].includes(s) || s.startsWith('.debug_'));
  if (left.length) fail(`--strip-all: the output still has ${left.join(', ')}`);
  if (objdumpNames(all.out).found) fail('--strip-all: wasm-objdump finds a name section');

  // A malformed name section (names out of index order) of one input: a warning naming
  // it, a valid output, the other input's names kept.
  const clean = path.join(tmp, 'libboom-nonames.so');
  sh(args['wasm-ld'], ['--experimental-pic', '-shared', '--unresolved-symbols=import-dynamic', '--strip-all', '-o', clean, path.join(tmp, 'boom-g.o')]);
  const payload = Buffer.from([0x01, 0x06, 0x02, 0x00, 0x01, 0x41, 0x00, 0x00]); // subsection 1: (0 "A"), (0 "")
  const name = Buffer.from('name');
  const body = Buffer.concat([Buffer.from([name.length]), name, payload]);
  fs.mkdirSync(path.join(tmp, 'bad'));
  const bad = path.join(tmp, 'bad', 'libboomg.so'); // the name the main NEEDs
  fs.writeFileSync(bad, Buffer.concat([fs.readFileSync(clean), Buffer.from([0x00, body.length]), body]));
  const b = linkOk('bad-names', [p.main, bad]);
  const bw = warnings(b.stderr);
  if (bw.length !== 1 || !/bad\/libboomg\.so: the name section is malformed and left out: function names are not in increasing index order .*\(at byte offset \d+\)/.test(bw[0]))
    fail(`malformed name section: want one warning naming it, got:\n${b.stderr}`);
  if (![...objdumpNames(b.out).func.values()].includes('run')) fail('malformed name section of the side: the main\'s names are gone too');
  // Another custom section, in both inputs: kept, the payloads concatenated in load order
  // (main first), with --strip-all too (wasm-ld's rule).
  const withCustom = (/** @type {string} */ file, /** @type {string} */ out, /** @type {string} */ text) => {
    const n = Buffer.from('prelink.test');
    const b2 = Buffer.concat([Buffer.from([n.length]), n, Buffer.from(text)]);
    fs.writeFileSync(out, Buffer.concat([fs.readFileSync(file), Buffer.from([0x00, b2.length]), b2]));
    return out;
  };
  fs.mkdirSync(path.join(tmp, 'custom'));
  const cm = withCustom(p.main, path.join(tmp, 'custom', 'main.wasm'), 'AB');
  const cs = withCustom(p.side, path.join(tmp, 'custom', 'libboomg.so'), 'CD');
  for (const flags of [['--strip-debug'], ['--strip-all']]) {
    const k = linkOk(`custom${flags[0]}`, [cm, cs], flags);
    const got = WebAssembly.Module.customSections(new WebAssembly.Module(fs.readFileSync(k.out)), 'prelink.test');
    const text = got.map((x) => Buffer.from(x).toString()).join('|');
    if (text !== 'ABCD') fail(`${flags[0]}: the inputs' prelink.test sections came out as ${JSON.stringify(text)}, want one "ABCD"`);
  }
  if (!failures) console.log('PASS strip: DWARF dropped with one warning, --strip-debug keeps names silently, --strip-all leaves no name section, a bad name section costs only itself, other custom sections concatenated');
}

try {
  if (args.check === 'objdump') checkObjdump();
  else if (args.check === 'trap') checkTrap();
  else if (args.check === 'strip') checkStrip();
  else throw new Error(`unknown --check ${args.check}`);
} catch (e) {
  fail(e instanceof Error ? e.stack ?? e.message : String(e));
}
if (failures) console.error(`kept ${tmp} for inspection`);
else fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
