// ld's conventions in prelink's command line (docs/cli.md, "ld conventions"): each check
// links corpus programs two ways and compares, or checks a report against the manifest.
//   --check library    -l/-l:/--library/--library= with -L/-LDIR/--library-path give the
//                      same bytes as the paths; a missing -l is one error line
//   --check response   @file (quotes, nesting) = the same arguments; self-inclusion, a
//                      missing file and a FIFO are one error line each
//   --check output     a repeated -o takes the last, and nothing else is written
//   --check map        -Map: every input with the manifest's bases, every symbol with the
//                      manifest's address or slot and the input that defined it
//   --check depfile    --dependency-file: a Make rule naming exactly the files read
//                      (directory members, -L libraries, the directory itself); make
//                      accepts it
//   --check trace      --trace on stdout and --verbose on stderr
//   --check undefined  --error-limit, --unresolved-symbols=report-all|ignore-all|
//                      import-dynamic (ignore-all's function traps, named, when called)
//   --check warnings   --fatal-warnings fails the link and writes nothing
//   --check inputs     an input nothing can reach, and the same bytes twice, each one
//                      warning; the copy is linked once and answers to its name too
//   --check progress   no progress without a terminal; on one (script(1)), binaryen's
//                      steps are shown and cleared (fetched python.wasm, -O1)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { runLinkedOutput } from './differential.mjs';
import { flags, scratch } from '../lib/cli.mjs';

const args = flags();
const prelink = path.resolve(args.prelink);
const corpus = args.corpus ? path.resolve(args.corpus) : '';
const tmp = scratch('prelink-ld');

function fail(msg) {
  console.error(`FAIL ${msg}`);
  process.exit(1);
}
function pl(argv, opts = {}) {
  return spawnSync(prelink, argv, { encoding: 'utf8', ...opts });
}
function ok(argv, opts) {
  const r = pl(argv, opts);
  if (r.status !== 0) fail(`prelink ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}
// Exactly one line on stderr, `prelink: error: ...`, holding WANT; exit status 1.
function oneError(argv, want, opts) {
  const r = pl(argv, opts);
  const lines = r.stderr.split('\n').filter((l) => l);
  if (r.status !== 1 || lines.length !== 1 || !lines[0].startsWith('prelink: error: ') || !lines[0].includes(want))
    fail(`prelink ${argv.join(' ')}: want one error line with "${want}", got status ${r.status}: ${r.stderr}`);
  return lines[0];
}
function same(a, b, what) {
  if (!fs.readFileSync(a).equals(fs.readFileSync(b))) fail(`${what}: ${a} and ${b} differ`);
}
const prog = (name) => {
  const dir = path.join(corpus, name);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  return { dir, spec, main: path.join(dir, spec.main), libs: spec.libs.map((l) => path.join(dir, l)) };
};
const out = (n) => path.join(tmp, n);

const check = args.check;
if (check === 'library') {
  const d = prog('demo');
  ok([d.main, ...d.libs, '-o', out('ref.wasm'), '--manifest', out('ref.json')]);
  const forms = [
    ['-L', d.dir, '-lshapes', '-lstats'],
    [`-L${d.dir}`, '-l', 'shapes', '-l:libstats.so'],
    ['--library-path', d.dir, '--library', 'shapes', '--library=stats'],
    ['-lshapes', '-L', '/nonexistent', '-L', d.dir, '-lstats'], // every -L applies to every -l
  ];
  // The manifest records the -L directories (options.search_dirs): its libraries agree.
  const libsOf = (f) => JSON.stringify(JSON.parse(fs.readFileSync(f, 'utf8')).libraries);
  forms.forEach((f, i) => {
    ok([d.main, ...f, '-o', out(`l${i}.wasm`), '--manifest', out(`l${i}.json`)]);
    same(out('ref.wasm'), out(`l${i}.wasm`), `-l form ${f.join(' ')}`);
    if (libsOf(out('ref.json')) !== libsOf(out(`l${i}.json`))) fail(`-l form ${f.join(' ')}: the manifest's libraries differ`);
  });
  oneError([d.main, '-L', d.dir, '-lnope', '-o', out('x.wasm')], `cannot find -lnope: no libnope.so in ${d.dir}`);
  oneError([d.main, '-lnope', '-o', out('x.wasm')], 'cannot find -lnope: no -L directory');
  if (fs.existsSync(out('x.wasm'))) fail('a failed -l link wrote its output');
  console.log(`PASS -l: ${forms.length} spellings give the same module and manifest; missing libraries are one error line`);
} else if (check === 'response') {
  const d = prog('demo');
  ok([d.main, ...d.libs, '-o', out('ref.wasm')]);
  // A file name with a space, quoted; a nested response file; a comment-free GNU file.
  const spaced = out('a dir/libstats.so');
  fs.mkdirSync(path.dirname(spaced));
  fs.copyFileSync(d.libs[1], spaced);
  fs.writeFileSync(out('inner.rsp'), `"${spaced}"\n-o '${out('r.wasm')}'\n`);
  fs.writeFileSync(out('outer.rsp'), `${d.main}\n  ${d.libs[0]} @${out('inner.rsp')}\n`);
  ok([`@${out('outer.rsp')}`]);
  same(out('ref.wasm'), out('r.wasm'), '@file');
  fs.writeFileSync(out('self.rsp'), `-o x.wasm @${out('self.rsp')}\n`);
  oneError([`@${out('self.rsp')}`], 'response file includes itself');
  oneError([`@${out('missing.rsp')}`], 'missing.rsp');
  const fifo = out('fifo.rsp');
  if (spawnSync('mkfifo', [fifo]).status === 0) oneError([`@${fifo}`], 'fifo.rsp');
  console.log('PASS @file: nested and quoted arguments expand in place; bad response files are one error line');
} else if (check === 'output') {
  const d = prog('demo');
  ok([d.main, ...d.libs, '-o', out('first.wasm'), '-o', out('last.wasm'), '--manifest', out('a.json'), '--manifest', out('b.json')]);
  if (fs.existsSync(out('first.wasm')) || fs.existsSync(out('a.json'))) fail('a repeated -o/--manifest wrote the earlier one');
  ok([d.main, ...d.libs, '-o', out('ref.wasm'), '--manifest', out('ref.json')]);
  same(out('ref.wasm'), out('last.wasm'), 'repeated -o');
  same(out('ref.json'), out('b.json'), 'repeated --manifest');
  console.log('PASS a repeated -o and --manifest take the last, as ld does');
} else if (check === 'map') {
  // A program with dlopen-only libraries and one with data: every input and symbol.
  for (const name of ['demo', 'dlopen', 'datarelocs']) {
    const d = prog(name);
    ok([d.main, ...d.libs, '-o', out(`${name}.wasm`), '--manifest', out(`${name}.json`), '-Map', out(`${name}.map`)]);
    ok([d.main, ...d.libs, '-o', out(`${name}2.wasm`), `-Map=${out(`${name}2.map`)}`]);
    same(out(`${name}.wasm`), out(`${name}2.wasm`), '-Map does not change the module');
    const map = fs.readFileSync(out(`${name}.map`), 'utf8').split('\n');
    const m = JSON.parse(fs.readFileSync(out(`${name}.json`), 'utf8'));
    const hex = (v) => '0x' + v.toString(16).padStart(8, '0');
    for (const lib of m.libraries) {
      if (lib.prelink_libdl) continue;
      const line = map.find((l) => /^  0x/.test(l) && (l.endsWith(`/${lib.name}`) || l.endsWith(` ${lib.name}`) || l.endsWith(`(as ${lib.name})`)));
      if (!line) fail(`${name}: the map has no input line for ${lib.name}`);
      const cols = line.trim().split(/\s+/);
      if (cols[0] !== hex(lib.memory_base) || cols[1] !== hex(lib.memory_size) || cols[3] !== String(lib.table_base) ||
          cols[4] !== String(lib.table_size))
        fail(`${name}: map line "${line}" does not match the manifest's bases of ${lib.name}`);
      for (const s of lib.symbols) {
        const where = s.kind === 'data' ? hex(s.address) : s.kind === 'function' ? (s.table_slot === null ? '-' : `slot ${s.table_slot}`) : null;
        if (where === null) continue;
        const want = `${s.global ? '*' : ' '} ${where.padEnd(12)}`;
        if (!map.some((l) => l.startsWith(want) && l.endsWith(`  ${s.name}  ${lib.name}`)))
          fail(`${name}: the map lacks ${s.name} of ${lib.name} at ${where}`);
      }
    }
    console.log(`PASS -Map ${name}: ${m.libraries.length} inputs and their symbols agree with the manifest`);
  }
} else if (check === 'depfile') {
  const d = prog('chain'); // main NEEDs liba, which NEEDs libb ...: found through -L
  const libdir = out('libs');
  fs.mkdirSync(path.join(libdir, 'sub'), { recursive: true });
  const libs = d.libs.map((l, i) => {
    const p = i === 0 ? path.join(libdir, path.basename(l)) : path.join(libdir, 'sub', path.basename(l));
    fs.copyFileSync(l, p);
    return p;
  });
  // The first library from a -L directory, the rest from a directory input.
  fs.renameSync(libs[0], out(path.basename(libs[0])));
  const mainCopy = out('main dir/main.wasm');
  fs.mkdirSync(path.dirname(mainCopy));
  fs.copyFileSync(d.main, mainCopy);
  const deps = out('app.d');
  ok([mainCopy, path.join(libdir, 'sub'), '-L', tmp, '-o', out('app.wasm'), '--manifest', out('app.json'), '--dependency-file', deps]);
  const text = fs.readFileSync(deps, 'utf8');
  const esc = (f) => f.replace(/([ #\\])/g, '\\$1').replace(/\$/g, '$$$$');
  const want = [mainCopy, path.join(libdir, 'sub'), ...libs.slice(1), out(path.basename(libs[0]))];
  const [rule] = text.split('\n\n');
  const [targets, ...prereqs] = rule.replace(/ \\\n/g, '\n').split('\n').map((l) => l.trim()).filter((l) => l);
  if (targets !== `${esc(out('app.wasm'))} ${esc(out('app.json'))}:`) fail(`depfile targets: ${targets}`);
  if (JSON.stringify([...prereqs].sort()) !== JSON.stringify(want.map(esc).sort()))
    fail(`depfile prerequisites ${JSON.stringify(prereqs)}, want ${JSON.stringify(want.map(esc))}`);
  // make reads it: with the output newer than every prerequisite, nothing to do; touch
  // one library in the directory and make wants to relink.
  const mk = out('Makefile');
  fs.writeFileSync(mk, `${esc(out('app.wasm'))}:\n\t@echo relink\ninclude ${esc(deps)}\n`);
  const future = new Date(Date.now() + 5000);
  fs.utimesSync(out('app.wasm'), future, future);
  let r = spawnSync('make', ['-f', mk, '-q', out('app.wasm')], { encoding: 'utf8' });
  if (r.status !== 0) fail(`make -q says the output is out of date right after the link: ${r.stdout}${r.stderr}`);
  const later = new Date(Date.now() + 10000);
  fs.utimesSync(libs[1], later, later);
  r = spawnSync('make', ['-f', mk, '-q', out('app.wasm')], { encoding: 'utf8' });
  if (r.status !== 1) fail(`make -q does not see a changed library (status ${r.status})`);
  console.log(`PASS --dependency-file: ${prereqs.length} prerequisites, exactly the files read; make follows it`);
} else if (check === 'trace') {
  const d = prog('chain');
  const r = ok([d.main, '-L', d.dir, '-o', out('t.wasm'), '--trace', '--verbose']);
  const read = r.stdout.split('\n').filter((l) => l);
  const want = [d.main, ...d.libs];
  if (read.length !== want.length || read[0] !== d.main || !want.every((f) => read.includes(f)))
    fail(`--trace printed ${JSON.stringify(read)}, want the ${want.length} files ${JSON.stringify(want)}`);
  const v = r.stderr.split('\n').filter((l) => l);
  if (!v.length || !v.every((l) => l.startsWith('prelink: verbose: ')) || !v.some((l) => l.includes('(main)')) ||
      v.filter((l) => l.includes('(global scope)')).length !== d.libs.length)
    fail(`--verbose: ${r.stderr}`);
  const quiet = ok([d.main, '-L', d.dir, '-o', out('q.wasm')]);
  if (quiet.stdout || quiet.stderr) fail(`without --trace/--verbose prelink printed: ${quiet.stdout}${quiet.stderr}`);
  same(out('t.wasm'), out('q.wasm'), '--trace/--verbose do not change the module');
  console.log(`PASS --trace lists the ${read.length} files read, in order; --verbose one line per library`);
} else if (check === 'undefined') {
  // err_undefined's main with a libuses.so made here that calls 30 functions nobody has.
  const e = prog('err_undefined');
  const c = out('uses.c');
  const n = 30;
  fs.writeFileSync(c, Array.from({ length: n }, (_, i) => `int missing_${i}(int);\n`).join('') +
    `int uses_fn(int x) { return ${Array.from({ length: n }, (_, i) => `missing_${i}(x)`).join(' + ')}; }\n`);
  const cc = spawnSync(args.clang, ['--target=wasm32-unknown-emscripten', '-fPIC', '-fvisibility=default', '-O1', '-c', c, '-o', out('uses.o')], { encoding: 'utf8' });
  if (cc.status !== 0) fail(`clang: ${cc.stderr}`);
  fs.mkdirSync(out('u'));
  const ld = spawnSync(args['wasm-ld'], ['--experimental-pic', '-shared', '--unresolved-symbols=import-dynamic', out('uses.o'),
    '-o', out('u/libuses.so')], { encoding: 'utf8' });
  if (ld.status !== 0) fail(`wasm-ld: ${ld.stderr}`);
  const d = { main: e.main, libs: [out('u/libuses.so')] };
  const all = pl([d.main, ...d.libs, '-o', out('u.wasm'), '--error-limit', '0']).stderr;
  const count = (s) => {
    const m = /\(and (\d+) more undefined symbols?: ([^)]*)\)/.exec(s);
    return m ? { more: Number(m[1]), named: m[2].replace(/, \.\.\..*$/, '').split(', ').length } : { more: 0, named: 0 };
  };
  const c0 = count(all);
  if (c0.more !== n - 1 || c0.named !== c0.more) fail(`--error-limit 0 should name all ${c0.more} more symbols: ${all}`);
  const l2 = oneError([d.main, ...d.libs, '-o', out('u.wasm'), '--error-limit', '2'], 'undefined symbol');
  const l20 = oneError([d.main, ...d.libs, '-o', out('u.wasm')], 'undefined symbol');
  if (count(l20).named !== 19) fail(`the default limit names 20 symbols: ${l20}`);
  const c2 = count(l2);
  if (c2.more !== c0.more || c2.named !== 1 || !l2.includes('--error-limit=0')) fail(`--error-limit 2: ${l2}`);
  // import-dynamic is --allow-undefined.
  ok([d.main, ...d.libs, '-o', out('a.wasm'), '--allow-undefined']);
  ok([d.main, ...d.libs, '-o', out('b.wasm'), '--unresolved-symbols=import-dynamic']);
  same(out('a.wasm'), out('b.wasm'), '--unresolved-symbols=import-dynamic vs --allow-undefined');
  oneError([d.main, ...d.libs, '-o', out('c.wasm'), '--unresolved-symbols=report-all'], 'undefined symbol');
  // ignore-all: err_undefined links; its missing function traps, named, when called.
  ok([e.main, ...e.libs, '-o', out('i.wasm'), '--manifest', out('i.json'), '--unresolved-symbols=ignore-all']);
  let trapped = '';
  try {
    runLinkedOutput(out('i.wasm'), out('i.json'));
  } catch (err) {
    trapped = `${err instanceof Error ? err.stack : err}`;
  }
  if (!/unreachable/.test(trapped) || !trapped.includes('corpus_missing_fn'))
    fail(`ignore-all: calling the missing function should trap naming corpus_missing_fn, got: ${trapped || 'no trap'}`);
  console.log(`PASS --error-limit (0 names all ${c0.more + 1}, 2 names 2, default 20) and --unresolved-symbols' three rules`);
} else if (check === 'warnings') {
  const d = prog('err_duplicate'); // two libraries define dup_fn: a warning without --no-duplicates
  const w = ok([d.main, ...d.libs, '-o', out('w.wasm')]);
  if (!/prelink: warning: .*duplicate symbol: dup_fn/.test(w.stderr)) fail(`expected a duplicate-symbol warning: ${w.stderr}`);
  const r = pl([d.main, ...d.libs, '-o', out('f.wasm'), '--manifest', out('f.json'), '--fatal-warnings']);
  const lines = r.stderr.split('\n').filter((l) => l);
  if (r.status !== 1 || !lines[lines.length - 1].startsWith('prelink: error: 1 warning is an error with --fatal-warnings'))
    fail(`--fatal-warnings: status ${r.status}: ${r.stderr}`);
  if (fs.existsSync(out('f.wasm')) || fs.existsSync(out('f.json'))) fail('--fatal-warnings wrote an output');
  const clean = prog('demo');
  ok([clean.main, ...clean.libs, '-o', out('c.wasm'), '--fatal-warnings']);
  console.log('PASS --fatal-warnings: a warning fails the link and nothing is written; a clean link passes');
} else if (check === 'inputs') {
  // Inputs a link cannot use are told about: one nothing NEEDs in a program that never
  // dlopens (chain's libx.so added to demo), and the same bytes twice (a copy of
  // libstats.so), which is linked once and answers to both names.
  const d = prog('demo');
  const x = path.join(corpus, 'chain', 'libx.so');
  const u = ok([d.main, ...d.libs, x, '-o', out('u.wasm')]);
  if (!u.stderr.includes(`prelink: warning: ${x}: no library NEEDs it and none calls dlopen: it is linked but can never run`))
    fail(`no unreachable-input warning: ${u.stderr}`);
  const quiet = ok([d.main, ...d.libs, '-o', out('q.wasm')]);
  if (quiet.stderr) fail(`warnings without an unreachable input: ${quiet.stderr}`);
  const copy = out('libstats-copy.so');
  fs.copyFileSync(d.libs[1], copy);
  const c = ok([d.main, ...d.libs, copy, '-o', out('c.wasm'), '--manifest', out('c.json')]);
  const lines = c.stderr.split('\n').filter((l) => l);
  if (lines.length !== 1 || !lines[0].includes(`${copy}: the same bytes as ${d.libs[1]}: linked once`)) fail(`same bytes twice: ${c.stderr}`);
  same(out('q.wasm'), out('c.wasm'), 'a copy of an input adds nothing to the module');
  const stats = JSON.parse(fs.readFileSync(out('c.json'), 'utf8')).libraries.find((l) => l.name === 'libstats.so');
  if (!stats?.dlopen_names.includes('libstats-copy.so')) fail(`the copy's name does not answer dlopen: ${JSON.stringify(stats?.dlopen_names)}`);
  console.log('PASS inputs: an unreachable input and a copy of an input are each one warning; the copy is linked once');
} else if (check === 'progress') {
  const py = path.join(path.resolve(args.fetched), 'python.wasm');
  const plain = pl([py, '-o', out('p.wasm'), '-O1', '--allow-undefined']);
  if (plain.status !== 0 || plain.stderr) fail(`-O1 without a terminal printed: ${plain.stderr}`);
  const cmd = [prelink, py, '-o', out('t.wasm'), '-O1', '--allow-undefined'].map((a) => `'${a}'`).join(' ');
  const t = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
  if (t.status !== 0) fail(`under script(1): status ${t.status}: ${t.stdout}`);
  if (!/prelink: binaryen: optimising -O1 \(\d+ functions\) \.\.\. \d+ s/.test(t.stdout)) fail(`no progress on a terminal: ${JSON.stringify(t.stdout)}`);
  if (!t.stdout.endsWith('\r\x1b[K') && !t.stdout.endsWith('\r\x1b[K\r\n')) fail(`the progress line is not cleared: ${JSON.stringify(t.stdout.slice(-40))}`);
  same(out('p.wasm'), out('t.wasm'), 'progress does not change the module');
  console.log('PASS progress: shown on a terminal (binaryen steps with seconds), cleared, absent otherwise');
} else {
  fail(`unknown --check ${check}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
