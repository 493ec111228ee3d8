// P7: start-up of php-wasm 0.1.0 (PHP 8.3, node) with its sqlite and intl extensions, run by
// the package's own PhpNode: runtime-loaded (the package's way: sharedLibs, every .so
// fetched, compiled and linked by emcc's glue at start-up) against the same program
// prelinked (`prelink MAIN.wasm php8.3-sqlite.so php8.3-pdo-sqlite.so php8.3-intl.so -L ...`,
// the extension= lines only, no .so). The packages are the ones the build fetched
// (build/corpus/fetched, corpus/fetch.cmake).
//
// Each measurement is a fresh node process running one PHP script that uses sqlite3, PDO and
// intl; timed by this process from just before spawn() to the child's exit (the script
// prints after PHP has started and run). Variants alternate, the order rotated each round;
// medians. The outputs of all runs must be equal.
//
//   node bench/php_wasm.mjs [--build DIR] [--reps N] [--json]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const build = path.resolve(opt('--build', path.join(here, '..', 'build')));
const reps = Number(opt('--reps', '10'));
const asJson = args.includes('--json');
const fetched = path.join(build, 'corpus', 'fetched');
const prelink = path.join(build, 'prelink', 'prelink');
const php = path.join(fetched, 'php-wasm-0.1.0', 'package');
const sqlite = path.join(fetched, 'php-wasm-sqlite-0.1.0', 'package');
const intl = path.join(fetched, 'php-wasm-intl-0.1.0', 'package');
const MAIN = '846ab4c4d0999f57ac5270940b3820a9b6938633.wasm';
for (const d of [php, sqlite, intl])
  if (!fs.existsSync(d)) {
    console.error(`P7: ${d} missing (configure with -DPRELINK_FETCH_CORPUS=ON and build)`);
    process.exit(2);
  }

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-p7-'));
const pre = path.join(work, 'prelinked');
fs.mkdirSync(pre);
for (const f of fs.readdirSync(php)) if (f !== MAIN) fs.copyFileSync(path.join(php, f), path.join(pre, f));
const iniLibs = [[sqlite, 'php8.3-sqlite.so'], [sqlite, 'php8.3-pdo-sqlite.so'], [intl, 'php8.3-intl.so']];
const otherLibs = [[sqlite, 'libsqlite3.so'], ...['libicuuc.so', 'libicutu.so', 'libicutest.so', 'libicuio.so', 'libicui18n.so', 'libicudata.so'].map((n) => [intl, n])];
const t0 = process.hrtime.bigint();
const link = spawnSync(prelink, [path.join(php, MAIN), '--emscripten-glue', path.join(php, 'php8.3-node.mjs'),
  ...iniLibs.map(([d, n]) => path.join(d, n)), '-L', sqlite, '-L', intl, '-o', path.join(pre, MAIN)], { encoding: 'utf8' });
const linkMs = Number(process.hrtime.bigint() - t0) / 1e6;
if (link.status !== 0) {
  console.error(`P7: prelink failed:\n${link.stderr}`);
  process.exit(1);
}
const data = path.join(work, 'data');
fs.mkdirSync(data);
fs.copyFileSync(path.join(intl, 'icudt72l.dat'), path.join(data, 'icudt72l.dat'));

const script = path.join(work, 'run.mjs');
fs.writeFileSync(script, `
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [dir, mode] = process.argv.slice(2);
const { PhpNode } = await import(pathToFileURL(path.join(dir, 'PhpNode.mjs')).href);
const iniLibs = ${JSON.stringify(iniLibs)}, otherLibs = ${JSON.stringify(otherLibs)};
const url = ([d, n]) => pathToFileURL(path.join(d, n)).href;
const sharedLibs = mode === 'runtime' ? [...iniLibs.map((l) => ({ name: l[1], url: url(l), ini: true })), ...otherLibs.map((l) => ({ name: l[1], url: url(l) }))] : [];
const ini = mode === 'runtime' ? undefined : iniLibs.map((l) => 'extension=' + l[1]).join('\\n');
const dat = mode === 'runtime' ? ${JSON.stringify(intl)} : ${JSON.stringify(data)};
const php = new PhpNode({ version: '8.3', sharedLibs, ini, files: [{ name: 'icudt72l.dat', parent: '/preload/', url: pathToFileURL(path.join(dat, 'icudt72l.dat')).href }] });
let out = '';
php.addEventListener('output', (e) => { out += e.detail.join(''); });
await php.binary;
await php.run(\`<?php
$db = new SQLite3(':memory:'); $db->exec('CREATE TABLE t (n INTEGER)'); $db->exec('INSERT INTO t VALUES (41)');
echo $db->querySingle('SELECT n + 1 FROM t'), "\\\\n";
echo (new PDO('sqlite::memory:'))->query('SELECT 6 * 7')->fetchColumn(), "\\\\n";
echo (new NumberFormatter('en', NumberFormatter::SPELLOUT))->format(42), "\\\\n";
\`);
process.stdout.write(out);
`);

function runOnce(dir, mode) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const c = spawn(process.execPath, [script, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('exit', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, out, code }));
  });
}

const variants = [['runtime-loaded', php, 'runtime'], ['prelinked', pre, 'prelinked']];
const times = Object.fromEntries(variants.map(([n]) => [n, []]));
let expected = null;
for (let r = 0; r < reps; r++) {
  const order = r % 2 ? [...variants].reverse() : variants;
  for (const [name, dir, mode] of order) {
    const x = await runOnce(dir, mode);
    if (x.code !== 0 || (expected !== null && x.out !== expected) || !x.out.includes('forty-two')) {
      console.error(`P7: ${name} run failed or differs (status ${x.code}):\n${x.out}`);
      process.exit(1);
    }
    expected ??= x.out;
    times[name].push(x.ms);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const res = {
  side_modules_runtime: iniLibs.length + otherLibs.length,
  runs: reps,
  link_ms: Math.round(linkMs),
  runtime_loaded_ms: Math.round(median(times['runtime-loaded'])),
  prelinked_ms: Math.round(median(times.prelinked)),
};
res.speedup = Number((res.runtime_loaded_ms / res.prelinked_ms).toFixed(2));
fs.rmSync(work, { recursive: true, force: true });
if (asJson) console.log(JSON.stringify(res));
else
  console.log(`P7 php-wasm 0.1.0 + sqlite + intl (${res.side_modules_runtime} side modules at run time), ${reps} runs each, medians: ` +
    `runtime-loaded ${res.runtime_loaded_ms} ms, prelinked ${res.prelinked_ms} ms (${res.speedup}x); prelink itself ${res.link_ms} ms`);
