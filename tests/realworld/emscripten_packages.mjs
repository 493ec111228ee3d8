// Real emscripten programs of today, prelinked and run by their own unmodified loaders
// (tests/realworld/CMakeLists.txt; the packages are fetched by corpus/fetch.cmake):
//
//   pyodide     pyodide@0.26.4 (emcc 3.1.58, relocatable main): pyodide.asm.wasm prelinked
//               alone, `loadPyodide` from the package's own pyodide.js runs a script using
//               the stdlib and the JS FFI.
//   php-sqlite  php-wasm@0.1.0 (relocatable main) + php8.3-sqlite.so, php8.3-pdo-sqlite.so,
//               libsqlite3.so from php-wasm-sqlite@0.1.0, run through the package's PhpNode:
//               the original loads the three files at run time, the prelinked run gets only
//               the extension= ini lines and no .so.
//   php-intl    the same with php-wasm-intl@0.1.0 (php8.3-intl.so + six ICU libraries):
//               NumberFormatter (SPELLOUT included), Collator, MessageFormatter.
//   php-intl-bundle  the seven intl libraries as one `prelink --shared` bundle, loaded by the
//               package's unmodified glue and main in place of the seven.
//   playground  @php-wasm/node-8-3@3.1.56 (WordPress Playground, emcc 4.0.19, asyncify,
//               non-relocatable main) + xdebug.so, run with @php-wasm/universal@3.1.56's
//               loadPHPRuntime and PHP: xdebug is loaded by zend_extension= with no file.
//   wasm-vips   wasm-vips@0.0.19 (emcc 6.0.10, pthreads, shared memory, TLS, non-relocatable
//               main) + vips-jxl, vips-heif, vips-resvg: its own vips-node.js glue, given no
//               dynamicLibraries and no side module on disk, encodes and decodes JPEG XL and
//               AVIF, renders an SVG, resizes and blurs a 1024x768 image on its threads.
//
// Each case: the original and the prelinked run print the same; the prelinked module is
// valid (V8); node --require emscripten_preload.cjs counts the modules compiled: the
// prelinked run compiles exactly one (no side module, no trampoline aside), the original
// more than one where it loads side modules. Usage:
//   node emscripten_packages.mjs CASE --fetched DIR --prelink BIN --work DIR [--node-modules DIR]
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const which = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) {
    if (dflt !== undefined) return dflt;
    throw new Error(`missing ${name}`);
  }
  return args[i + 1];
};
const fetched = opt('--fetched');
const prelink = opt('--prelink');
const work = opt('--work');
const nodeModules = opt('--node-modules', '');
const preload = path.join(here, '..', 'e2e', 'emscripten_preload.cjs');

const failures = [];
const check = (what, cond, detail) => {
  if (!cond) failures.push(`${what}: ${detail}`);
};

function copyDir(from, to, filter = () => true) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (!filter(e.name)) continue;
    const s = path.join(from, e.name), d = path.join(to, e.name);
    if (e.isDirectory()) copyDir(s, d, filter);
    else fs.copyFileSync(s, d);
  }
}

function runPrelink(argv) {
  const r = spawnSync(prelink, argv, { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`FAIL ${which}: prelink ${argv.join(' ')}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

/** Runs SCRIPT (an .mjs written into the work directory) with the compile counter. */
function runCounted(name, script, scriptArgs) {
  const log = path.join(work, `${name}.wasm-log`);
  fs.rmSync(log, { force: true });
  const env = { ...process.env, PRELINK_WASM_LOG: log };
  if (nodeModules) env.NODE_PATH = nodeModules;
  const r = spawnSync(process.execPath, ['--require', preload, script, ...scriptArgs],
    { encoding: 'utf8', env, timeout: 240000, maxBuffer: 64 << 20 });
  const records = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  // Program modules: not emcc's one-function trampolines, not an empty module's 8 bytes
  // (a loader's feature check).
  const compiled = records.filter((x) => x.compiled && !x.trampoline && !(x.bytes !== null && x.bytes <= 8)).length;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, compiled };
}

function compare(orig, pre, { originalLoadsSides }) {
  check('original', orig.status === 0 && orig.stdout.length > 0, `the original run failed (status ${orig.status}):\n${orig.stderr.slice(-1500)}`);
  check('prelinked', pre.status === 0, `the prelinked run failed (status ${pre.status}):\n${pre.stderr.slice(-1500)}`);
  check('output', orig.stdout === pre.stdout, `outputs differ:\n--- original\n${orig.stdout.slice(0, 3000)}\n--- prelinked\n${pre.stdout.slice(0, 3000)}`);
  check('compiled', pre.compiled === 1, `the prelinked run compiled ${pre.compiled} modules, not 1`);
  if (originalLoadsSides) check('compiled', orig.compiled > 1, `the original run compiled only ${orig.compiled} module(s): it loaded no side module?`);
}

function validate(file) {
  const bytes = fs.readFileSync(file);
  check('valid', WebAssembly.validate(bytes), `${file} does not validate in V8`);
}

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

// ---------------------------------------------------------------- pyodide
function pyodide() {
  const pkg = path.join(fetched, 'pyodide-0.26.4', 'package');
  const orig = path.join(work, 'orig'), pre = path.join(work, 'prelinked');
  copyDir(pkg, orig);
  copyDir(pkg, pre, (n) => n !== 'pyodide.asm.wasm');
  runPrelink([path.join(orig, 'pyodide.asm.wasm'), '-o', path.join(pre, 'pyodide.asm.wasm'), '--manifest', path.join(work, 'pyodide.json')]);
  validate(path.join(pre, 'pyodide.asm.wasm'));
  const m = JSON.parse(fs.readFileSync(path.join(work, 'pyodide.json'), 'utf8'));
  check('manifest', m.flavor === 'emscripten' && m.emscripten.main === 'relocatable' && m.emscripten.import_object === 'wasmImports' &&
    m.emscripten.dl_abi && m.emscripten.dl_abi.dso_name_offset === 36, `unexpected detection: ${JSON.stringify(m.emscripten)}`);
  const script = path.join(work, 'run_pyodide.mjs');
  fs.writeFileSync(script, `
import { createRequire } from 'node:module';
const dir = process.argv[2] + '/';
const { loadPyodide } = createRequire(import.meta.url)(dir + 'pyodide.js');
const py = await loadPyodide({ indexURL: dir });
globalThis.prelinkValue = { a: 21, twice: (x) => x * 2, list: [3, 1, 2] };
const out = await py.runPythonAsync(\`
import json, hashlib, re, math, collections, datetime, decimal, fractions, struct, zlib, base64
import js
d = {"k": [1, 2, 3], "s": "h\\u00e9llo", "f": 1.5}
r = [json.dumps(d, sort_keys=True), hashlib.sha256(b"prelink").hexdigest(), re.sub(r"l+", "L", "hello world"),
     str(math.factorial(40)), str(js.prelinkValue.a), str(js.prelinkValue.twice(21)), str(sorted(js.prelinkValue.list.to_py())),
     str(collections.Counter("abracadabra").most_common(3)), datetime.date(2026, 12, 2).isoformat(),
     str(decimal.Decimal(1) / decimal.Decimal(7)), str(fractions.Fraction(3, 12)), struct.pack("<iq", -2, 2**40).hex(),
     base64.b64encode(zlib.compress(b"prelink " * 50)).decode()[:40]]
"\\\\n".join(r)
\`);
console.log(out);
const f = py.globals.get('len');
console.log(f([1, 2, 3]));
`);
  const o = runCounted('orig', script, [orig]);
  const p = runCounted('prelinked', script, [pre]);
  compare(o, p, { originalLoadsSides: false });

  // -O on what Debian's binaryen 108 cannot read (table.get on pyodide's externref tables):
  // binaryen runs in a child process, so its Fatal() becomes prelink's one error line.
  const optOut = path.join(work, 'opt', 'pyodide.asm.wasm');
  fs.mkdirSync(path.dirname(optOut), { recursive: true });
  const r = spawnSync(prelink, [path.join(orig, 'pyodide.asm.wasm'), '-O1', '-o', optOut], { encoding: 'utf8' });
  const lines = r.stderr.split('\n').filter(Boolean);
  check('binaryen', r.status === 1 && lines.length === 1 && /^prelink: error: .*binaryen .*on the linked module/.test(lines[0]),
    `-O1: status ${r.status}, stderr:\n${r.stderr}`);
  check('binaryen', !fs.existsSync(optOut) && fs.readdirSync(path.dirname(optOut)).length === 0, '-O1 left a file behind');
}

// ---------------------------------------------------------------- php-wasm
const PHP_WASM = '846ab4c4d0999f57ac5270940b3820a9b6938633.wasm';
function phpWasm(kind, { bundle = false } = {}) {
  const php = path.join(fetched, 'php-wasm-0.1.0', 'package');
  const ext = kind === 'sqlite' ? path.join(fetched, 'php-wasm-sqlite-0.1.0', 'package') : path.join(fetched, 'php-wasm-intl-0.1.0', 'package');
  const iniLibs = kind === 'sqlite' ? ['php8.3-sqlite.so', 'php8.3-pdo-sqlite.so'] : ['php8.3-intl.so'];
  const otherLibs = kind === 'sqlite' ? ['libsqlite3.so'] : ['libicuuc.so', 'libicutu.so', 'libicutest.so', 'libicuio.so', 'libicui18n.so', 'libicudata.so'];
  const orig = path.join(work, 'orig'), pre = path.join(work, 'prelinked');
  copyDir(php, orig);
  const bundleDir = path.join(work, 'bundle');
  if (bundle) {
    // The bundle: the extension and the six ICU libraries as one side module under the
    // extension's name, loaded by the package's own glue in place of the seven.
    fs.mkdirSync(bundleDir, { recursive: true });
    runPrelink(['--shared', ...iniLibs.map((n) => path.join(ext, n)), ...otherLibs.map((n) => path.join(ext, n)),
      '-o', path.join(bundleDir, iniLibs[0]), '--manifest', path.join(work, 'bundle.json')]);
    validate(path.join(bundleDir, iniLibs[0]));
    fs.copyFileSync(path.join(ext, 'icudt72l.dat'), path.join(bundleDir, 'icudt72l.dat'));
  } else {
    copyDir(php, pre, (n) => n !== PHP_WASM);
    // The prelinked program: the main and the extensions (their NEEDED libraries found with -L).
    runPrelink([path.join(orig, PHP_WASM), '--emscripten-glue', path.join(orig, 'php8.3-node.mjs'), ...iniLibs.map((n) => path.join(ext, n)),
      '-L', ext, '-o', path.join(pre, PHP_WASM), '--manifest', path.join(work, 'php.json')]);
    validate(path.join(pre, PHP_WASM));
  }
  const code = kind === 'sqlite' ? `<?php
$db = new SQLite3(':memory:');
$db->exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL)');
foreach (['alpha' => 1.5, 'beta' => 2.25, 'gamma' => 3.125] as $k => $v) $db->exec("INSERT INTO t (name, n) VALUES ('$k', $v)");
$r = $db->query('SELECT name, n * 2 AS d FROM t ORDER BY name DESC');
while ($row = $r->fetchArray(SQLITE3_ASSOC)) echo $row['name'], '=', $row['d'], "\\n";
echo SQLite3::version()['versionString'], "\\n";
$pdo = new PDO('sqlite::memory:');
$pdo->exec('CREATE TABLE u (k TEXT, v INTEGER)');
$st = $pdo->prepare('INSERT INTO u VALUES (?, ?)');
foreach (range(1, 7) as $i) $st->execute(["k$i", $i * $i]);
echo json_encode($pdo->query('SELECT SUM(v), GROUP_CONCAT(k) FROM u')->fetch(PDO::FETCH_NUM)), "\\n";
try { $pdo->query('SELECT * FROM nope'); } catch (PDOException $e) { echo get_class($e), ': ', $e->getMessage(), "\\n"; }
echo implode(',', get_loaded_extensions()), "\\n";
` : `<?php
$f = new NumberFormatter('en_US', NumberFormatter::DECIMAL); echo $f->format(1234567.891), "\\n";
$f = new NumberFormatter('de_DE', NumberFormatter::CURRENCY); echo $f->formatCurrency(1234.5, 'EUR'), "\\n";
$f = new NumberFormatter('en', NumberFormatter::SPELLOUT); echo $f->format(4213), "\\n";
$f = new NumberFormatter('fr', NumberFormatter::SPELLOUT); echo $f->format(99), "\\n";
$c = new Collator('sv_SE'); $a = ['ö', 'z', 'a', 'å', 'ä']; $c->sort($a); echo implode(',', $a), "\\n";
$c = new Collator('de_DE'); echo $c->compare('Äpfel', 'Apfel'), "\\n";
echo MessageFormatter::formatMessage('en_US', '{0,number,integer} apples and {1} pears on {2,date,short}', [12345, 'x', 0]), "\\n";
$m = new MessageFormatter('en_US', '{n, plural, one{# file} other{# files}}'); echo $m->format(['n' => 1]), ' / ', $m->format(['n' => 42]), "\\n";
echo Normalizer::normalize("e\\u{301}", Normalizer::FORM_C) === "\\u{e9}" ? "nfc ok" : "nfc bad", "\\n";
$d = new IntlDateFormatter('de_DE', IntlDateFormatter::FULL, IntlDateFormatter::SHORT, 'Europe/Berlin', IntlDateFormatter::GREGORIAN); echo $d->format(1700000000), "\\n";
$d = new IntlDateFormatter('ja_JP', IntlDateFormatter::LONG, IntlDateFormatter::NONE, 'Asia/Tokyo'); echo $d->format(0), "\\n";
echo INTL_ICU_VERSION, "\\n";
`;
  const script = path.join(work, 'run_php.mjs');
  fs.writeFileSync(script, `
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [dir, extDir, mode] = process.argv.slice(2);
const { PhpNode } = await import(pathToFileURL(path.join(dir, 'PhpNode.mjs')).href);
const iniLibs = ${JSON.stringify(iniLibs)}, otherLibs = ${JSON.stringify(otherLibs)};
const url = (n) => pathToFileURL(path.join(extDir, n)).href;
// The original: the package's way, every .so fetched at run time. The prelinked run: the
// extension= lines only, no .so anywhere.
// The bundle run: the package's way with one file, the bundle under the extension's name.
const sharedLibs = mode === 'files' ? [...iniLibs.map((n) => ({ name: n, url: url(n), ini: true })), ...otherLibs.map((n) => ({ name: n, url: url(n) }))]
  : mode === 'bundle' ? iniLibs.map((n) => ({ name: n, url: url(n), ini: true })) : [];
const ini = mode !== 'ini' ? undefined : iniLibs.map((n) => 'extension=' + n).join('\\n');
const files = ${kind === 'intl' ? "[{ name: 'icudt72l.dat', parent: '/preload/', url: url('icudt72l.dat') }]" : '[]'};
const php = new PhpNode({ version: '8.3', sharedLibs, ini, files });
let out = '', err = '';
php.addEventListener('output', (e) => { out += e.detail.join(''); });
php.addEventListener('error', (e) => { err += e.detail.join(''); });
await php.binary;
await php.run(${JSON.stringify(code)});
process.stdout.write(out);
if (err) process.stderr.write(err);
`);
  const o = runCounted('orig', script, [orig, ext, 'files']);
  if (bundle) {
    const b = runCounted('bundle', script, [orig, bundleDir, 'bundle']);
    // The original main and one side module, against the main and seven.
    compare(o, { ...b, compiled: b.compiled - 1 }, { originalLoadsSides: true });
    check('compiled', o.compiled === b.compiled + otherLibs.length, `the original compiled ${o.compiled} modules, the bundle run ${b.compiled}`);
    return;
  }
  // The prelinked run's directory holds the ICU data file (data, not a library) and no .so.
  const data = path.join(work, 'data');
  fs.mkdirSync(data, { recursive: true });
  if (kind === 'intl') fs.copyFileSync(path.join(ext, 'icudt72l.dat'), path.join(data, 'icudt72l.dat'));
  const p = runCounted('prelinked', script, [pre, data, 'ini']);
  compare(o, p, { originalLoadsSides: true });
}

// ---------------------------------------------------------------- WordPress Playground
function playground() {
  const pkg = path.join(fetched, 'php-wasm-node-8-3-3.1.56', 'package', 'asyncify');
  const orig = path.join(work, 'orig'), pre = path.join(work, 'prelinked');
  for (const d of [orig, pre]) {
    fs.mkdirSync(path.join(d, '8_3_33'), { recursive: true });
    fs.copyFileSync(path.join(pkg, 'php_8_3.js'), path.join(d, 'php_8_3.js'));
    fs.writeFileSync(path.join(d, 'package.json'), '{"type":"module"}\n');
  }
  fs.copyFileSync(path.join(pkg, '8_3_33', 'php_8_3.wasm'), path.join(orig, '8_3_33', 'php_8_3.wasm'));
  const xdebug = path.join(pkg, 'extensions', 'xdebug', 'xdebug.so');
  runPrelink([path.join(pkg, '8_3_33', 'php_8_3.wasm'), '--emscripten-glue', path.join(pkg, 'php_8_3.js'), xdebug,
    '-o', path.join(pre, '8_3_33', 'php_8_3.wasm'), '--manifest', path.join(work, 'php.json')]);
  validate(path.join(pre, '8_3_33', 'php_8_3.wasm'));
  const m = JSON.parse(fs.readFileSync(path.join(work, 'php.json'), 'utf8'));
  check('manifest', m.emscripten.main === 'fixed' && m.emscripten.dl_abi && m.emscripten.dl_abi.generation === 4,
    `unexpected detection: ${JSON.stringify(m.emscripten)}`);
  const script = path.join(work, 'run_playground.mjs');
  fs.writeFileSync(script, `
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [glueDir, xdebugSo] = process.argv.slice(2); // xdebugSo '-': none on disk
const require = createRequire(${JSON.stringify(path.join(nodeModules || work, 'x.js'))});
const { loadPHPRuntime, PHP } = await import(pathToFileURL(require.resolve('@php-wasm/universal')).href);
const mod = await import(pathToFileURL(path.join(glueDir, 'php_8_3.js')).href);
const dir = '/internal/shared/ext';
const id = await loadPHPRuntime(mod, {
  ENV: { PHP_INI_SCAN_DIR: dir },
  preRun: [(m) => {
    m.FS.mkdirTree(dir);
    m.FS.writeFile(dir + '/xdebug.ini', 'zend_extension=' + dir + '/xdebug.so\\nxdebug.mode=develop\\n');
    if (xdebugSo !== '-') m.FS.writeFile(dir + '/xdebug.so', fs.readFileSync(xdebugSo));
  }],
});
const php = new PHP(id);
const r = await php.run({ code: ${JSON.stringify(`<?php
echo PHP_VERSION, "\\n";
var_dump(extension_loaded('xdebug'));
echo phpversion('xdebug'), "\\n";
function f($n) { return $n <= 1 ? 1 : $n * f($n - 1); }
echo f(20), "\\n";
echo function_exists('xdebug_info') ? 'xdebug_info' : 'none', "\\n";
function g() { return xdebug_call_function(); }
function h() { return g(); }
var_dump(h());
$a = ['x' => [1, 2.5, "s"], 'y' => null, 'z' => new ArrayObject([1])];
var_dump($a);
echo implode(',', get_loaded_extensions(true)), "\\n";
`)} });
process.stdout.write(r.text);
if (r.errors) process.stderr.write(r.errors);
process.exit(0);
`);
  const o = runCounted('orig', script, [orig, xdebug]);
  const p = runCounted('prelinked', script, [pre, '-']);
  compare(o, p, { originalLoadsSides: true });
  check('xdebug', o.stdout.includes('xdebug-var-dump'), 'the original run did not load xdebug');
}

// ---------------------------------------------------------------- wasm-vips
function wasmVips() {
  const lib = path.join(fetched, 'wasm-vips-0.0.19', 'package', 'lib');
  const sides = ['vips-jxl.wasm', 'vips-heif.wasm', 'vips-resvg.wasm'];
  const orig = path.join(work, 'orig'), pre = path.join(work, 'prelinked');
  copyDir(lib, orig);
  // The prelinked directory: the glue and the linked main, no side module.
  copyDir(lib, pre, (n) => n === 'vips-node.js');
  const manifest = path.join(work, 'vips.json');
  runPrelink([path.join(orig, 'vips.wasm'), ...sides.map((s) => path.join(orig, s)), '--emscripten-glue', path.join(orig, 'vips-node.js'),
    '-o', path.join(pre, 'vips.wasm'), '--manifest', manifest]);
  validate(path.join(pre, 'vips.wasm'));
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  // The glue is closure-minified: its import object is found by what the instantiation gives.
  check('manifest', m.flavor === 'emscripten' && m.emscripten.main === 'fixed' && m.memory.shared === true &&
    m.emscripten.glue === 'vips-node.js' && typeof m.emscripten.import_object === 'string' &&
    m.libraries.filter((l) => sides.includes(l.name)).length === 3, `unexpected link: ${JSON.stringify({ e: m.emscripten, memory: m.memory })}`);
  check('threads', m.threads && m.threads.tls_model === 'per-module' && m.threads.tls_initialisers.length === 4,
    `manifest threads: ${JSON.stringify(m.threads)}`);
  const script = path.join(work, 'run_vips.mjs');
  // The original run names the three side modules in dynamicLibraries (the glue's default
  // lacks resvg); the prelinked one gives none, and its directory holds none.
  fs.writeFileSync(script, `
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
const [dir, mode] = process.argv.slice(2);
const Vips = createRequire(import.meta.url)(dir + '/vips-node.js');
const vips = await Vips({ dynamicLibraries: mode === 'orig' ? ${JSON.stringify(sides)} : [] });
const h = (b) => crypto.createHash('sha256').update(b).digest('hex');
console.log('vips', vips.version(), 'threads', vips.concurrency() > 1);
const bands = vips.Image.black(1024, 768, { bands: 3 }).add([10, 80, 160]).cast('uchar');
const img = vips.Image.xyz(1024, 768).extractBand(0).linear(0.2, 0).cast('uchar').bandjoin([bands.extractBand(1), bands.extractBand(2)]);
const r = img.resize(0.5);
console.log('resize', r.width, r.height, h(r.writeToMemory()));
console.log('blur', h(img.gaussblur(3).writeToMemory()));
const jxl = img.writeToBuffer('.jxl');
const dj = vips.Image.newFromBuffer(jxl);
console.log('jxl', h(jxl), dj.width, dj.height, h(dj.writeToMemory()));
const avif = img.writeToBuffer('.avif');
const da = vips.Image.newFromBuffer(avif);
console.log('avif', h(avif), da.width, da.height, h(da.writeToMemory()));
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect x="10" y="10" width="180" height="80" fill="#f80"/><circle cx="100" cy="50" r="30" fill="blue"/></svg>';
const s = vips.Image.newFromBuffer(Buffer.from(svg));
console.log('svg', s.width, s.height, h(s.writeToMemory()));
process.exit(0);
`);
  const o = runCounted('orig', script, [orig, 'orig']);
  const p = runCounted('prelinked', script, [pre, 'pre']);
  compare(o, p, { originalLoadsSides: true });
  check('formats', /^jxl /m.test(o.stdout) && /^avif /m.test(o.stdout) && /^svg 200 100/m.test(o.stdout), `the original run did not use the side modules:\n${o.stdout}`);
}

const cases = { pyodide, 'php-sqlite': () => phpWasm('sqlite'), 'php-intl': () => phpWasm('intl'),
  'php-intl-bundle': () => phpWasm('intl', { bundle: true }), playground, 'wasm-vips': wasmVips };
if (!cases[which]) throw new Error(`unknown case ${which}`);
cases[which]();
if (failures.length) {
  console.error(`FAIL ${which}:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`realworld ${which}: pass`);
