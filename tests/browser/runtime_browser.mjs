#!/usr/bin/env node
// The JavaScript runtime in a browser: links a corpus program that has "runtime_libs"
// (main + "libs" only), serves the page, the runtime, the linked module, its manifest
// and the runtime libs from a node http server on 127.0.0.1 (random port), and opens it
// in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core). The
// page preloads the runtime libs with fetch, runs the program and posts its transcript,
// which must equal expected.txt; the runtime must have loaded exactly the runtime libs.
// The runtime is the packed npm package installed into --runtime-project DIR (the CTest
// fixture tests/package/pack.mjs); the page imports it by name through an import map.
//
//   node runtime_browser.mjs --program DIR --prelink PATH --runtime-project DIR [--chromium PATH]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (/** @type {string} */ n, /** @type {string | undefined} */ d = undefined) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const dir = opt('--program');
const prelink = opt('--prelink');
const project = opt('--runtime-project');
const chromiumPath = /** @type {string} */ (opt('--chromium', process.env.CHROMIUM ?? '/usr/bin/chromium'));
if (!dir || !prelink || !project) {
  console.error('usage: node runtime_browser.mjs --program DIR --prelink PATH --runtime-project DIR [--chromium PATH]');
  process.exit(1);
}
// The file the installed package's exports map gives browsers (its "default" condition).
const pkgDir = path.join(project, 'node_modules/prelink-runtime');
const pkgEntry = path.join(pkgDir, JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports['.'].default);
if (!fs.existsSync(chromiumPath)) {
  console.error(`no Chromium at ${chromiumPath} (scripts/install-deps.sh installs Debian's chromium)`);
  process.exit(1);
}

// playwright-core, installed from package-lock.json when missing.
if (!fs.existsSync(path.join(here, 'node_modules/playwright-core/package.json'))) {
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) { console.error('npm ci failed in tests/browser'); process.exit(1); }
}
const { chromium } = await import(pathToFileURL(path.join(here, 'node_modules/playwright-core/index.mjs')).href);

const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.length);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-browser-'));
const out = path.join(tmp, 'app.wasm'), man = path.join(tmp, 'app.json');
const link = spawnSync(prelink, [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l)),
  '-o', out, '--manifest', man], { encoding: 'utf8' });
if (link.status !== 0) {
  console.error(`prelink failed (status ${link.status}):\n${link.stderr}`);
  process.exit(1);
}

/** URL path -> [file, content type] */
const files = new Map([
  ['/page.html', [path.join(here, 'page.html'), 'text/html']],
  ['/page.mjs', [path.join(here, 'page.mjs'), 'text/javascript']],
  ['/corpus_host.mjs', [path.join(here, 'corpus_host.mjs'), 'text/javascript']],
  ['/pkg/prelink-runtime', [pkgEntry, 'text/javascript']],
  ['/app.wasm', [out, 'application/wasm']],
  ['/app.json', [man, 'application/json']],
  ...spec.runtime_libs.map((/** @type {string} */ l) => [`/lib/${l}`, [path.join(dir, l), 'application/wasm']]),
]);
/** @type {string[]} */ const libRequests = [];
/** @type {(v: any) => void} */ let gotResult = () => {};
const result = new Promise((resolve) => { gotResult = resolve; });
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  if (url.startsWith('/lib/')) libRequests.push(url.slice(5));
  if (req.method === 'POST' && url === '/result') {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { res.end('ok'); gotResult(JSON.parse(body)); });
    return;
  }
  if (url === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ preload: spec.runtime_libs }));
    return;
  }
  const f = files.get(url);
  if (!f) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' });
  res.end(fs.readFileSync(f[0]));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

const t0 = performance.now();
const problems = [];
/** @type {any} */ let context = null;
try {
  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  /** @type {string[]} */ const consoleLines = [];
  page.on('console', (/** @type {any} */ m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (/** @type {any} */ e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/page.html`);
  /** @type {NodeJS.Timeout | undefined} */ let timer;
  const r = await Promise.race([result, new Promise((resolve) => { timer = setTimeout(() => resolve({ error: 'timed out waiting for the page' }), 30000); })]);
  clearTimeout(timer);
  if (r.error) problems.push(`page: ${r.error}\n  transcript so far: ${JSON.stringify(r.lines)}${consoleLines.length ? `\n  console:\n    ${consoleLines.join('\n    ')}` : ''}`);
  else {
    if (r.lines.join('\n') !== expected.join('\n')) {
      problems.push(`transcript differs from expected.txt:\n  got:\n${r.lines.map((/** @type {string} */ l) => `    ${l}`).join('\n')}\n  expected:\n${expected.map((l) => `    ${l}`).join('\n')}`);
    }
    if (JSON.stringify(r.loaded) !== JSON.stringify(spec.runtime_libs)) problems.push(`the runtime loaded ${JSON.stringify(r.loaded)}, expected ${JSON.stringify(spec.runtime_libs)}`);
  }
  // Each runtime lib fetched once (the preload); no prelinked library fetched. (A name
  // that is neither, such as the program's dlopen("libmissing.so"), is asked for and 404s.)
  const known = libRequests.filter((l) => spec.runtime_libs.includes(l) || spec.libs.includes(l));
  if (JSON.stringify(known) !== JSON.stringify(spec.runtime_libs)) problems.push(`library requests ${JSON.stringify(libRequests)}, expected ${JSON.stringify(spec.runtime_libs)} (and unknown names)`);
} catch (e) {
  problems.push(`browser: ${e instanceof Error ? e.message : e}`);
} finally {
  await context?.close().catch(() => {});
  server.closeAllConnections();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const ms = (performance.now() - t0).toFixed(0);
if (problems.length) {
  console.log(`FAIL ${spec.name} [chromium] (${ms} ms)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`ok   ${spec.name} [chromium] (${ms} ms)`);
process.exit(0);
