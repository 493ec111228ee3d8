#!/usr/bin/env node
// Directories, wheels and tarballs as prelink inputs (prelink/link/archive.cpp).
// The archives are made at test time from corpus modules: zip files with python3's
// zipfile module, tarballs with tar (both on every Debian).
//
//   node archive_test.mjs --check same-bytes    --corpus DIR --prelink PATH
//   node archive_test.mjs --check install-names --corpus DIR --prelink PATH
//   node archive_test.mjs --check duplicates    --corpus DIR --prelink PATH
//   node archive_test.mjs --check bad           --corpus DIR --prelink PATH
//   node archive_test.mjs --check numpy         --fetched DIR --prelink PATH
//
// Exit status 0 when every check passes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHost, makeThrowingDl, runLinkedOutput } from '../e2e/differential.mjs';
import { makeTar, makeZip } from '../lib/archives.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, /** @type {[string, string][]} */ ([])));
const prelink = path.resolve(args.prelink ?? '');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prelink-archive-${args.check}-`));
let failures = 0;

function fail(/** @type {string} */ msg) {
  console.error(`FAIL ${msg}`);
  failures++;
}

function sh(/** @type {string} */ cmd, /** @type {string[]} */ argv, /** @type {string} */ cwd = tmp) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Runs prelink; returns {status, stderr, out, man}. */
function link(/** @type {string} */ tag, /** @type {string[]} */ inputs, /** @type {string[]} */ flags = []) {
  const out = path.join(tmp, `${tag}.wasm`);
  const man = path.join(tmp, `${tag}.json`);
  const r = spawnSync(prelink, [...inputs, '-o', out, '--manifest', man, ...flags], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr, out, man, cmd: `prelink ${inputs.join(' ')} ${flags.join(' ')}` };
}

function linkOk(/** @type {string} */ tag, /** @type {string[]} */ inputs, /** @type {string[]} */ flags = []) {
  const r = link(tag, inputs, flags);
  if (r.status !== 0) throw new Error(`${r.cmd} exited ${r.status}: ${r.stderr}`);
  return { ...r, manifest: JSON.parse(fs.readFileSync(r.man, 'utf8')) };
}

/** The dl_open corpus program and its side libraries' bytes. */
function dlOpen() {
  const dir = path.join(path.resolve(args.corpus), 'dl_open');
  const read = (/** @type {string} */ f) => fs.readFileSync(path.join(dir, f));
  return { dir, main: path.join(dir, 'main.wasm'), global: path.join(dir, 'libglobal.so'),
    pdep: read('libpdep.so'), plugin: read('libplugin.so'),
    expected: fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.length > 0) };
}

/** The four containers of the same members: a wheel, a .tar.gz, a .tar.xz, a directory. */
function containers(/** @type {string} */ tag, /** @type {[string, Buffer][]} */ members) {
  const dir = path.join(tmp, `${tag}-dir`);
  for (const [name, bytes] of members) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), bytes);
  }
  fs.writeFileSync(path.join(dir, 'README.txt'), 'not a library\n'); // ignored
  const entries = [...members.map(([name, bytes]) => ({ name, bytes })), { name: 'README.txt', bytes: Buffer.from('x') }];
  return {
    whl: makeZip(path.join(tmp, `${tag}-1.0-py3-none-any.whl`), [...members, ['pkg-1.0.dist-info/RECORD', Buffer.from('')]]),
    tgz: makeTar(path.join(tmp, `${tag}.tar.gz`), entries, 'gz'),
    txz: makeTar(path.join(tmp, `${tag}.tar.xz`), entries, 'xz'),
    tar: makeTar(path.join(tmp, `${tag}.tar`), entries, ''),
    dir,
  };
}

function sameFile(/** @type {string} */ a, /** @type {string} */ b) {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

/** Instantiates a linked module the way differential.mjs does; returns its exports and memory. */
function instantiate(/** @type {string} */ out, /** @type {any} */ manifest) {
  const module = new WebAssembly.Module(fs.readFileSync(out));
  /** @type {WebAssembly.Memory | null} */ let memory = null;
  const lines = /** @type {string[]} */ ([]);
  const getMemory = () => /** @type {WebAssembly.Memory} */ (memory);
  // A name the module does not know goes to the host's dlopen, which finds nothing here.
  const host = { ...makeHost(lines, getMemory), ...makeThrowingDl([], getMemory), dlopen: () => 0, dlerror: () => 0 };
  /** @type {Record<string, any>} */ const env = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory') env[imp.name] = memory = new WebAssembly.Memory({ initial: manifest.memory.min_pages });
    else if (imp.kind === 'table') env[imp.name] = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min });
    else env[imp.name] = host[/** @type {keyof typeof host} */ (imp.name)];
  }
  const exports = /** @type {Record<string, any>} */ (new WebAssembly.Instance(module, { env }).exports);
  memory ??= /** @type {WebAssembly.Memory} */ (Object.values(exports).find((x) => x instanceof WebAssembly.Memory));
  exports.__wasm_call_ctors?.();
  return { exports, memory: /** @type {WebAssembly.Memory} */ (memory) };
}

// --- checks -------------------------------------------------------------------------

/** Members at the top of the archive: same install names, so byte-identical results. */
function checkSameBytes() {
  const p = dlOpen();
  const c = containers('flat', [['libpdep.so', p.pdep], ['libplugin.so', p.plugin]]);
  const direct = linkOk('direct', [p.main, p.global, path.join(p.dir, 'libpdep.so'), path.join(p.dir, 'libplugin.so')]);
  for (const [kind, input] of Object.entries(c)) {
    const r = linkOk(`flat-${kind}`, [p.main, p.global, input]);
    if (!sameFile(r.out, direct.out)) fail(`${kind}: the module differs from the link of the files themselves`);
    if (!sameFile(r.man, direct.man)) fail(`${kind}: the manifest differs from the link of the files themselves`);
  }
  // Archives anywhere on the command line, the global library inside one too.
  const both = makeTar(path.join(tmp, 'all.tar.gz'), [
    { name: 'libglobal.so', bytes: fs.readFileSync(p.global) }, { name: 'libpdep.so', bytes: p.pdep },
    { name: 'libplugin.so', bytes: p.plugin }], 'gz');
  const r = linkOk('all', [p.main, both]);
  if (!sameFile(r.out, direct.out)) fail('all.tar.gz (libglobal.so too): the module differs');
  if (!failures) console.log(`PASS same bytes: wheel, .tar.gz, .tar.xz, .tar and directory give the module and manifest of the files themselves`);
}

/** Members under pkg/: install names, NEEDED by file name, dlopen by a long path. */
function checkInstallNames() {
  const p = dlOpen();
  const c = containers('nested', [['pkg/libpdep.so', p.pdep], ['pkg/sub/libplugin.so', p.plugin]]);
  const direct = linkOk('direct', [p.main, p.global, path.join(p.dir, 'libpdep.so'), path.join(p.dir, 'libplugin.so')], ['--no-libdl']);
  for (const [kind, input] of Object.entries(c)) {
    const r = linkOk(`nested-${kind}`, [p.main, p.global, input]);
    const libs = /** @type {any[]} */ (r.manifest.libraries);
    const names = libs.map((l) => l.name);
    const want = ['main.wasm', 'libglobal.so', 'libprelink_dl.so', 'pkg/libpdep.so', 'pkg/sub/libplugin.so'];
    if (JSON.stringify([...names].sort()) !== JSON.stringify([...want].sort())) fail(`${kind}: install names ${JSON.stringify(names)}, want ${JSON.stringify(want)}`);
    const plugin = libs.find((l) => l.name === 'pkg/sub/libplugin.so');
    const pdep = libs.find((l) => l.name === 'pkg/libpdep.so');
    if (!plugin?.needed?.includes('pkg/libpdep.so')) fail(`${kind}: libplugin's NEEDED libpdep.so resolved to ${JSON.stringify(plugin?.needed)}`);
    if (JSON.stringify(plugin?.dlopen_names) !== '["pkg/sub/libplugin.so","libplugin.so"]') fail(`${kind}: libplugin's dlopen_names ${JSON.stringify(plugin?.dlopen_names)}`);
    if (plugin?.scope !== 'dlopen' || pdep?.scope !== 'dlopen') fail(`${kind}: the members are not dlopen-only`);

    // The program itself: dlopen("libplugin.so"), dlopen("/some/dir/libplugin.so"), ...
    const lines = runLinkedOutput(r.out, r.man);
    if (lines.join('\n') !== p.expected.join('\n')) fail(`${kind}: the transcript differs from expected.txt:\n${lines.join('\n')}`);

    // The in-module dlopen by a long path ending in the install name finds the member,
    // the same handle as by file name; a path ending in another directory does not.
    const { exports, memory } = instantiate(r.out, r.manifest);
    if (typeof exports.dlopen !== 'function') {
      fail(`${kind}: the linked module does not export dlopen`);
    } else {
      const scratch = r.manifest.heap_base + 4096;
      const open = (/** @type {string} */ s, /** @type {number} */ mode) => {
        const b = new TextEncoder().encode(`${s}\0`);
        new Uint8Array(memory.buffer).set(b, scratch);
        return exports.dlopen(scratch, mode);
      };
      const RTLD_NOW = 2;
      const byLong = open('/any/site-packages/pkg/sub/libplugin.so', RTLD_NOW);
      const byName = open('libplugin.so', RTLD_NOW);
      const byInstall = open('pkg/sub/libplugin.so', RTLD_NOW);
      if (!byLong || byLong !== byName || byLong !== byInstall) fail(`${kind}: dlopen by long path ${byLong}, by file name ${byName}, by install name ${byInstall}`);
      const wrong = open('/any/other/sub/libplugin2.so', RTLD_NOW);
      if (wrong) fail(`${kind}: dlopen of a path that names no member returned ${wrong}`);
    }

    // Without the dl table (which holds the names) the module is the files' module.
    const nl = linkOk(`nested-${kind}-nolibdl`, [p.main, p.global, input], ['--no-libdl']);
    if (!sameFile(nl.out, direct.out)) fail(`${kind}: with --no-libdl the module differs from the link of the files themselves`);
    const strip = (/** @type {any} */ m) => JSON.stringify({ ...m, libraries: m.libraries.map((/** @type {any} */ l) => ({ ...l, name: path.basename(l.name), needed: l.needed.map((/** @type {string} */ n) => path.basename(n)), dlopen_names: undefined })) });
    if (strip(nl.manifest) !== strip(direct.manifest)) fail(`${kind}: with --no-libdl the manifest differs in more than the install names`);
  }
  // A directory's paths serve --dlopen-prefix like files given one by one.
  const r = linkOk('nested-prefix', [p.main, p.global, c.dir], ['--dlopen-prefix', `${c.dir}=/lib/python3.11/site-packages`]);
  const plugin = r.manifest.libraries.find((/** @type {any} */ l) => l.name === 'pkg/sub/libplugin.so');
  if (!plugin?.dlopen_names?.includes('/lib/python3.11/site-packages/pkg/sub/libplugin.so')) fail(`--dlopen-prefix on a directory input: dlopen_names ${JSON.stringify(plugin?.dlopen_names)}`);
  if (!failures) console.log('PASS install names: NEEDED by file name, manifest names, the program runs, dlopen by a long path finds the member');
}

/** Two members with the same file name in different directories. */
function checkDuplicates() {
  const p = dlOpen();
  // Two different libraries (the same code, one with a custom section more) by one file
  // name: the same bytes twice would be one library (below).
  const pdep2 = Buffer.concat([p.pdep, Buffer.from([0, 5, 4, ...Buffer.from('note')])]);
  // Nothing NEEDs libpdep.so by that name here: both kept, neither answers the bare name.
  const two = makeZip(path.join(tmp, 'two.whl'), [['a/libpdep.so', p.pdep], ['b/libpdep.so', pdep2]]);
  const r = linkOk('two', [p.main, p.global, two]);
  const libs = r.manifest.libraries.filter((/** @type {any} */ l) => l.name.endsWith('libpdep.so'));
  if (libs.length !== 2) fail(`two members named libpdep.so: ${libs.length} libraries in the manifest`);
  for (const l of libs) if (l.dlopen_names.includes('libpdep.so')) fail(`${l.name} answers the ambiguous name libpdep.so`);
  // libplugin NEEDs libpdep.so: ambiguous, an error naming both.
  const amb = makeZip(path.join(tmp, 'amb.whl'), [['a/libpdep.so', p.pdep], ['b/libpdep.so', pdep2], ['libplugin.so', p.plugin]]);
  expectError('ambiguous NEEDED', link('amb', [p.main, p.global, amb]), ['ambiguous', 'amb.whl:a/libpdep.so', 'amb.whl:b/libpdep.so']);
  // The same install name from two archives.
  const one = makeZip(path.join(tmp, 'one.whl'), [['a/libpdep.so', p.pdep]]);
  const other = makeTar(path.join(tmp, 'other.tar.gz'), [{ name: './a/libpdep.so', bytes: pdep2 }], 'gz');
  expectError('same install name twice', link('same', [p.main, p.global, one, other]), ['same name "a/libpdep.so"', 'one.whl:a/libpdep.so', 'other.tar.gz:a/libpdep.so']);
  // The same bytes under two names (a file and its copy): linked once, with a warning,
  // and the copy's name answers dlopen and NEEDED too; the module is the one-copy link's.
  const copies = makeZip(path.join(tmp, 'copies.whl'), [['a/libpdep.so', p.pdep], ['b/libpdep2.so', p.pdep], ['libplugin.so', p.plugin]]);
  const once = makeZip(path.join(tmp, 'once.whl'), [['a/libpdep.so', p.pdep], ['libplugin.so', p.plugin]]);
  const dup = link('copies', [p.main, p.global, copies]);
  if (dup.status !== 0) fail(`same bytes twice: exit ${dup.status}: ${dup.stderr}`);
  else {
    const warned = dup.stderr.split('\n').filter((l) => l.includes('the same bytes as'));
    if (warned.length !== 1 || !warned[0].includes('copies.whl:b/libpdep2.so') || !warned[0].includes('copies.whl:a/libpdep.so'))
      fail(`same bytes twice: want one warning naming both members, got: ${dup.stderr}`);
    const m = JSON.parse(fs.readFileSync(dup.man, 'utf8'));
    const pd = m.libraries.filter((/** @type {any} */ l) => l.name.includes('libpdep'));
    if (pd.length !== 1 || !pd[0].dlopen_names.includes('b/libpdep2.so')) fail(`same bytes twice: ${JSON.stringify(pd.map((l) => [l.name, l.dlopen_names]))}`);
    const one1 = linkOk('once', [p.main, p.global, once], ['--no-libdl']);
    const dup2 = linkOk('copies-nolibdl', [p.main, p.global, copies], ['--no-libdl']);
    if (!sameFile(one1.out, dup2.out)) fail('same bytes twice: the module is not the one of a link with one copy');
  }
  if (!failures) console.log('PASS duplicates: same file name kept apart unless NEEDED by it (then an error); same install name is an error; same bytes linked once');
}

/** One failed link: status 1, one line `prelink: error: ...` with every NEEDLE, no output. */
function expectError(/** @type {string} */ what, /** @type {ReturnType<typeof link>} */ r, /** @type {string[]} */ needles) {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  const problems = [];
  if (r.status !== 1) problems.push(`exit status ${r.status}`);
  if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
  if (!lines[0]?.startsWith('prelink: error: ')) problems.push('the line does not start with "prelink: error: "');
  for (const n of needles) if (!lines[0]?.includes(n)) problems.push(`the line does not name ${JSON.stringify(n)}`);
  if (fs.existsSync(r.out) || fs.existsSync(r.man)) problems.push('an output file was written');
  if (problems.length) fail(`${what}: ${problems.join('; ')}\n  ${r.cmd}\n  stderr: ${r.stderr}`);
  else console.log(`ok   ${what}: ${lines[0]}`);
}

function checkBad() {
  const p = dlOpen();
  const base = [p.main, p.global];
  const bad = (/** @type {string} */ tag, /** @type {string} */ input, /** @type {string[]} */ needles, flags = /** @type {string[]} */ ([])) =>
    expectError(tag, link(tag, [...base, input], flags), needles);

  bad('zip-slip name', makeZip(path.join(tmp, 'slip.whl'), [['pkg/libpdep.so', p.pdep], ['../evil.so', p.pdep]]), ['slip.whl:../evil.so', 'unsafe']);
  bad('zip-slip name inside', makeZip(path.join(tmp, 'slip2.zip'), [['pkg/../../evil.so', p.pdep]]), ['slip2.zip:pkg/../../evil.so']);
  bad('absolute name (tar)', makeTar(path.join(tmp, 'abs.tar.gz'), [{ name: '/etc/x.so', bytes: p.pdep }], 'gz'), ['abs.tar.gz:/etc/x.so', 'absolute']);
  bad('absolute name (zip)', makeZip(path.join(tmp, 'abs.whl'), [['/etc/x.so', p.pdep]]), ['abs.whl:/etc/x.so']);
  bad('symlink pointing outside', makeTar(path.join(tmp, 'link.tar.gz'), [
    { name: 'pkg/libpdep.so', bytes: p.pdep }, { name: 'pkg/evil.so', link: '../../etc/passwd' }], 'gz'), ['link.tar.gz:pkg/evil.so', 'outside']);
  bad('symlink to an absolute path', makeTar(path.join(tmp, 'link2.tar.xz'), [{ name: 'x.so', link: '/etc/passwd' }], 'xz'), ['link2.tar.xz:x.so', 'outside']);

  // Truncated archives: the first half of a good one.
  const big = [['pkg/libpdep.so', p.pdep], ['pkg/libplugin.so', p.plugin]];
  const tgz = makeTar(path.join(tmp, 'whole.tar.gz'), big.map(([name, bytes]) => ({ name: /** @type {string} */ (name), bytes: /** @type {Buffer} */ (bytes) })), 'gz');
  const half = (/** @type {string} */ from, /** @type {string} */ to) => {
    const b = fs.readFileSync(from);
    fs.writeFileSync(to, b.subarray(0, b.length >> 1));
    return to;
  };
  bad('truncated .tar.gz', half(tgz, path.join(tmp, 'cut.tar.gz')), ['cut.tar.gz', 'truncated']);
  const whl = makeZip(path.join(tmp, 'whole.whl'), /** @type {[string, Buffer][]} */ (big));
  bad('truncated zip', half(whl, path.join(tmp, 'cut.whl')), ['cut.whl']);
  // The end only cut off (the central directory): still an error, not fewer members.
  const w = fs.readFileSync(whl);
  fs.writeFileSync(path.join(tmp, 'nocd.whl'), w.subarray(0, w.length - 30));
  bad('zip without its end', path.join(tmp, 'nocd.whl'), ['nocd.whl']);
  const txz = makeTar(path.join(tmp, 'whole.tar.xz'), big.map(([name, bytes]) => ({ name: /** @type {string} */ (name), bytes: /** @type {Buffer} */ (bytes) })), 'xz');
  bad('truncated .tar.xz', half(txz, path.join(tmp, 'cut.tar.xz')), ['cut.tar.xz']);

  bad('member .so that is not wasm', makeZip(path.join(tmp, 'notwasm.whl'), [['pkg/libpdep.so', p.pdep], ['pkg/notwasm.so', Buffer.from('\x7fELF not a wasm module')]]), ['notwasm.whl:pkg/notwasm.so']);
  bad('member .so without dylink.0', makeTar(path.join(tmp, 'nodylink.tar.gz'), [{ name: 'pkg/plain.so', bytes: Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) }], 'gz'), ['nodylink.tar.gz:pkg/plain.so', 'dylink.0']);
  bad('no .so inside', makeZip(path.join(tmp, 'empty.whl'), [['pkg/__init__.py', Buffer.from('')]]), ['empty.whl', 'no .so']);
  bad('not an archive', (() => { fs.writeFileSync(path.join(tmp, 'junk.tar.gz'), 'junk'); return path.join(tmp, 'junk.tar.gz'); })(), ['junk.tar.gz']);
  bad('over --max-input-bytes', makeZip(path.join(tmp, 'bomb.whl'), [['pkg/libpdep.so', p.pdep], ['pkg/zeros.so', Buffer.alloc(1 << 20)]]),
    ['bomb.whl:pkg/zeros.so', '--max-input-bytes'], ['--max-input-bytes', String(p.pdep.length + 1000)]);
  const outside = path.join(tmp, 'outside-dir');
  fs.mkdirSync(path.join(outside, 'pkg'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'pkg', 'libpdep.so'), p.pdep);
  fs.symlinkSync('/etc/passwd', path.join(outside, 'pkg', 'evil.so'));
  bad('directory with a link pointing outside', outside, [path.join(outside, 'pkg', 'evil.so'), 'outside']);
  if (!failures) console.log('PASS bad archives: each exit 1, one line naming archive and member, nothing written');
}

// The first input must stay a plain file: the archive is then the main position.
function checkBadMain() {
  const p = dlOpen();
  const m = makeZip(path.join(tmp, 'main.whl'), [['main.wasm', fs.readFileSync(p.main)]]);
  expectError('archive as the main module', link('mainarch', [m, p.global]), ['main.whl']);
}

/** cowasm's numpy.tar.xz, as shipped in the python-wasm npm package. */
function checkNumpy() {
  const fetched = path.resolve(args.fetched);
  sh('tar', ['-xzf', path.join(fetched, 'python-wasm-0.28.1.tgz'), '-C', tmp, 'package/dist/numpy.tar.xz']);
  const txz = path.join(tmp, 'package/dist/numpy.tar.xz');
  const want = sh('tar', ['-tJf', txz]).split('\n').map((l) => l.replace(/^\.\//, '')).filter((l) => l.endsWith('.so')).sort();
  if (want.length !== 19) fail(`numpy.tar.xz lists ${want.length} .so files, expected 19`);
  const r = linkOk('numpy', [path.join(fetched, 'python.wasm'), txz, '--allow-undefined']);
  const names = r.manifest.libraries.map((/** @type {any} */ l) => l.name).filter((/** @type {string} */ n) => n.startsWith('numpy/')).sort();
  if (JSON.stringify(names) !== JSON.stringify(want)) fail(`install names ${JSON.stringify(names)}\n  want ${JSON.stringify(want)}`);
  const umath = r.manifest.libraries.find((/** @type {any} */ l) => l.name === 'numpy/core/_multiarray_umath.cpython-311-wasm32-wasi.so');
  if (!umath?.dlopen_names?.includes('_multiarray_umath.cpython-311-wasm32-wasi.so')) fail(`_multiarray_umath dlopen_names ${JSON.stringify(umath?.dlopen_names)}`);
  const bytes = fs.readFileSync(r.out);
  if (!WebAssembly.validate(bytes)) fail('the module does not validate in V8');
  // The same members as a directory (extracted): the same module and manifest.
  const dir = path.join(tmp, 'extracted');
  fs.mkdirSync(dir);
  sh('tar', ['-xJf', txz, '-C', dir]);
  const d = linkOk('numpy-dir', [path.join(fetched, 'python.wasm'), dir, '--allow-undefined']);
  if (!sameFile(d.out, r.out) || !sameFile(d.man, r.man)) fail('numpy.tar.xz and its extracted directory link differently');
  // And the numpy .so the corpus unpacked, given one by one with their dlopen names.
  if (!failures) console.log(`PASS python.wasm + numpy.tar.xz: ${names.length} libraries named numpy/..., ${bytes.length} bytes; the extracted directory gives the same bytes`);
}

try {
  switch (args.check) {
    case 'same-bytes': checkSameBytes(); break;
    case 'install-names': checkInstallNames(); break;
    case 'duplicates': checkDuplicates(); break;
    case 'bad': checkBad(); checkBadMain(); break;
    case 'numpy': checkNumpy(); break;
    default: throw new Error(`unknown --check ${args.check}`);
  }
} catch (e) {
  fail(e instanceof Error ? e.stack ?? e.message : String(e));
}
if (failures) {
  console.error(`kept ${tmp} for inspection`);
  process.exit(1);
}
fs.rmSync(tmp, { recursive: true, force: true });
