#!/usr/bin/env node
// Runs examples/node and examples/browser as their README says, with the packed
// prelink-runtime package (the fixture tests/package/pack.mjs made OUT/ with the tarball
// and OUT/project): a corpus program that has "runtime_libs" is linked without them; the
// example must print exactly expected.txt, the runtime having loaded the runtime libs.
//   node      examples/node/run.mjs copied into OUT/project/examples/node (it resolves
//             prelink-runtime from OUT/project/node_modules) and run there
//   browser   examples/browser copied into OUT/example-browser, the tarball installed
//             there offline (the page's import map points into its node_modules), served
//             by a static file server on 127.0.0.1 and opened in headless Chromium
//             (tests/browser's playwright-core); the transcript is the page's <pre>
//
//   node examples.mjs --example node|browser --program DIR --prelink PATH --out DIR
//                     --examples SRC/examples [--chromium PATH]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const example = opt('--example'), dir = opt('--program'), prelink = opt('--prelink'), out = opt('--out'), examples = opt('--examples');
if (!example || !dir || !prelink || !out || !examples) {
  console.error('usage: node examples.mjs --example node|browser --program DIR --prelink PATH --out DIR --examples SRC/examples [--chromium PATH]');
  process.exit(1);
}
const programDir = path.resolve(dir);
const spec = JSON.parse(fs.readFileSync(path.join(programDir, 'program.json'), 'utf8'));
const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.length);
const fail = (/** @type {string} */ msg) => { console.log(`FAIL example ${example} [${spec.name}]\n  ${msg}`); process.exit(1); };
const differs = (/** @type {string[]} */ got) => got.join('\n') === expected.join('\n') ? '' :
  `transcript differs from expected.txt:\n  got:\n${got.map((l) => `    ${l}`).join('\n')}\n  expected:\n${expected.map((l) => `    ${l}`).join('\n')}`;

/** Links the program (main + "libs", not the runtime libs) into WORK/app.wasm + app.json. */
function link(/** @type {string} */ work) {
  const r = spawnSync(prelink, [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l)),
    '-o', path.join(work, 'app.wasm'), '--manifest', path.join(work, 'app.json')], { encoding: 'utf8' });
  if (r.status !== 0) fail(`prelink failed (${r.status}):\n${r.stderr}`);
}

const t0 = performance.now();
if (example === 'node') {
  const work = path.join(out, 'project/examples/node');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.copyFileSync(path.join(examples, 'node/run.mjs'), path.join(work, 'run.mjs'));
  link(work);
  const r = spawnSync(process.execPath, ['run.mjs', 'app.wasm', 'app.json', programDir], { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) fail(`run.mjs exited ${r.status}:\n${r.stdout}${r.stderr}`);
  const problem = differs(r.stdout.split('\n').filter((l) => l.length));
  if (problem) fail(problem);
  const loaded = `run.mjs: loaded at run time: ${spec.runtime_libs.join(', ')}`;
  if (r.stderr.trim() !== loaded) fail(`stderr is ${JSON.stringify(r.stderr)}, expected ${JSON.stringify(loaded)}`);
} else if (example === 'browser') {
  const chromiumPath = opt('--chromium') ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath} (scripts/install-deps.sh installs Debian's chromium)`);
  const work = path.join(out, 'example-browser');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  for (const f of ['index.html', 'main.mjs']) fs.copyFileSync(path.join(examples, 'browser', f), path.join(work, f));
  fs.writeFileSync(path.join(work, 'package.json'), `${JSON.stringify({ name: 'prelink-example-browser', private: true, type: 'module' }, null, 2)}\n`);
  const tarball = fs.readdirSync(out).find((f) => /^prelink-runtime-.*\.tgz$/.test(f));
  if (!tarball) fail(`no packed prelink-runtime in ${out}`);
  const npm = spawnSync('npm', ['install', '--offline', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error',
    path.join(out, /** @type {string} */ (tarball))], { cwd: work, encoding: 'utf8' });
  if (npm.status !== 0) fail(`npm install of the tarball failed:\n${npm.stderr}`);
  link(work);
  for (const l of spec.runtime_libs) fs.copyFileSync(path.join(dir, l), path.join(work, l));

  // A static file server of the directory, as `python3 -m http.server` would be.
  const types = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
  /** @type {string[]} */ const requests = [];
  const server = http.createServer((req, res) => {
    let url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (url.endsWith('/')) url += 'index.html';
    requests.push(url);
    const file = path.join(work, path.normalize(url));
    if (!file.startsWith(work + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': /** @type {Record<string, string>} */ (types)[path.extname(file)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  // playwright-core from tests/browser (installed from its package-lock.json when missing).
  const browserDir = path.join(here, '../browser');
  if (!fs.existsSync(path.join(browserDir, 'node_modules/playwright-core/package.json'))) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: browserDir, stdio: 'inherit' });
    if (r.status !== 0) fail('npm ci failed in tests/browser');
  }
  const { chromium } = await import(pathToFileURL(path.join(browserDir, 'node_modules/playwright-core/index.mjs')).href);
  /** @type {any} */ let context = null;
  let problem = '';
  try {
    context = await chromium.launchPersistentContext(path.join(out, 'example-browser-profile'), {
      executablePath: chromiumPath, headless: true, timeout: 30000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? await context.newPage();
    /** @type {string[]} */ const consoleLines = [];
    page.on('console', (/** @type {any} */ m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (/** @type {any} */ e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/?preload=${spec.runtime_libs.join(',')}`);
    await page.waitForSelector('body[data-status]', { timeout: 30000 }).catch(() => {});
    const status = await page.evaluate(() => document.body.dataset.status ?? null);
    const text = /** @type {string} */ (await page.textContent('#out')) ?? '';
    const lines = text.split('\n').filter((l) => l.length);
    if (status !== 'done') problem = `the page's status is ${status}; it shows:\n    ${lines.join('\n    ')}\n  console:\n    ${consoleLines.join('\n    ')}`;
    else problem = differs(lines);
    // The runtime libs fetched (once each, by the preload); no prelinked library.
    const libs = requests.filter((u) => spec.libs.includes(u.slice(1)) || spec.runtime_libs.includes(u.slice(1))).map((u) => u.slice(1));
    if (!problem && JSON.stringify(libs) !== JSON.stringify(spec.runtime_libs)) problem = `library requests ${JSON.stringify(libs)}, expected ${JSON.stringify(spec.runtime_libs)}`;
  } catch (e) {
    problem = `browser: ${e instanceof Error ? e.message : e}`;
  } finally {
    await context?.close().catch(() => {});
    server.closeAllConnections();
    server.close();
    fs.rmSync(path.join(out, 'example-browser-profile'), { recursive: true, force: true });
  }
  if (problem) fail(problem);
} else {
  fail(`unknown example ${example}`);
}
console.log(`ok   example ${example} [${spec.name}] (${(performance.now() - t0).toFixed(0)} ms)`);
