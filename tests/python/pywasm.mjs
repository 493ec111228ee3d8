// Shared by tests/python/bundle_python.mjs and bench/python.mjs: the npm python-wasm
// install, numpy's site directory, the bundle, and running one Python session in a fresh
// node process (tests/python/run_python.mjs).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE = 'python-wasm@0.28.1';

const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

// `npm install --ignore-scripts python-wasm@0.28.1` (its preinstall demands pnpm) into
// DIR/npm, once: a finished install leaves DIR/npm/.installed. Installed into a
// temporary directory and renamed, so a crash never leaves half an install behind.
// Returns the package directory (…/node_modules/python-wasm).
export function ensureNpmInstall(dir, log = () => {}) {
  const root = path.join(dir, 'npm');
  const pkg = path.join(root, 'node_modules', 'python-wasm');
  const stamp = path.join(root, '.installed');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === PACKAGE) return pkg;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, 'npm-tmp-'));
  fs.writeFileSync(path.join(tmp, 'package.json'), '{"name":"prelink-python-test","private":true}\n');
  log(`npm install --ignore-scripts ${PACKAGE} (into ${root})`);
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', PACKAGE],
    { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`npm install ${PACKAGE} failed (exit ${r.status}): ${r.stderr || r.error}`);
  }
  fs.writeFileSync(path.join(tmp, '.installed'), PACKAGE);
  fs.rmSync(root, { recursive: true, force: true });
  fs.renameSync(tmp, root);
  return pkg;
}

// numpy.tar.xz (from the package) unpacked into DIR/site, once.
export function ensureSite(dir, pkg) {
  const site = path.join(dir, 'site');
  const stamp = path.join(site, '.unpacked');
  const tarball = path.join(pkg, 'dist', 'numpy.tar.xz');
  const want = sha256(tarball);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return site;
  fs.rmSync(site, { recursive: true, force: true });
  fs.mkdirSync(site, { recursive: true });
  const r = spawnSync('tar', ['-C', site, '-xJf', tarball], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xJf ${tarball} failed: ${r.stderr}`);
  fs.writeFileSync(stamp, want);
  return site;
}

// The libraries bundled with python.wasm, from the checksummed corpus (build/corpus/fetched):
// lib-dynload/*.so and numpy/**/*.so, sorted; `excluded` lists lib-dynload files left out.
// _curses_panel needs libpanel (panel_above, new_panel, ...), which the cowasm kernel does
// not provide: the kernel's loader cannot load it at all (`import _curses_panel` fails with
// "panel_above -- undefined" on the original too), and a bundle whose imports the loader
// cannot satisfy does not load. So it stays a separate file, reached through the host.
export const EXCLUDED = ['_curses_panel.cpython-311-wasm32-wasi.so'];

export function bundleInputs(fetched) {
  const dynload = fs.readdirSync(path.join(fetched, 'lib-dynload')).filter((f) => f.endsWith('.so')).sort();
  const numpy = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.so')) numpy.push(p);
    }
  };
  walk(path.join(fetched, 'numpy'));
  return {
    python: path.join(fetched, 'python.wasm'),
    dynload: dynload.filter((f) => !EXCLUDED.includes(f)).map((f) => path.join(fetched, 'lib-dynload', f)),
    excluded: dynload.filter((f) => EXCLUDED.includes(f)),
    numpy,
  };
}

// prelink --shared python.wasm <lib-dynload .so> <numpy .so> -o OUT/python.wasm
export function buildBundle(prelink, fetched, outDir) {
  const inputs = bundleInputs(fetched);
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'python.wasm');
  const args = ['--shared', inputs.python, ...inputs.dynload, ...inputs.numpy, '-o', out,
    '--manifest', path.join(outDir, 'python.json')];
  const t0 = performance.now();
  const r = spawnSync(prelink, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`prelink ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return { out, args, inputs, ms, stderr: r.stderr };
}

// One Python session in a fresh node process. Returns its stdout, the timings and the
// paths the kernel's dlopen was called with.
export function runPython({ pkg, wasm, site, script, tail, timeout = 120000 }) {
  const report = path.join(os.tmpdir(), `prelink-python-report-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`);
  const args = [path.join(HERE, 'run_python.mjs'), '--package', pkg, '--wasm', wasm, '--site', site, '--report', report];
  if (script) args.push('--script', script);
  if (tail) args.push('--tail', tail);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  let rep = null;
  if (fs.existsSync(report)) {
    rep = JSON.parse(fs.readFileSync(report, 'utf8'));
    fs.rmSync(report);
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, report: rep };
}
