// examples/python-wasm/package.sh, run as its README says on python-wasm@0.28.1 (the npm
// package, installed as for bundle_python.mjs): its bundle, run by the package's own
// kernel in place of dist/python.wasm, must print what the package's python.wasm prints
// for the same script (numpy and a dozen stdlib extensions), and the kernel's dlopen must
// see no bundled library (only _curses_panel, left out, reaches it; it fails both times).
//
// Usage: node recipe.mjs --prelink PRELINK --work DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HERE, ensureNpmInstall, ensureSite, runPython } from './pywasm.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const prelink = path.resolve(opt('prelink'));
const work = path.resolve(opt('work'));
const fail = (s) => {
  console.error(`FAIL: ${s}`);
  process.exit(1);
};

const pkg = ensureNpmInstall(work, console.log);
const site = ensureSite(work, pkg);
const out = path.join(work, 'recipe');
fs.rmSync(out, { recursive: true, force: true });
const recipe = path.resolve(HERE, '../../examples/python-wasm/package.sh');
const r = spawnSync(recipe, [pkg, out], { encoding: 'utf8', env: { ...process.env, PRELINK: prelink } });
if (r.status !== 0) fail(`package.sh exited ${r.status}: ${r.stdout}${r.stderr}`);
const manifest = JSON.parse(fs.readFileSync(path.join(out, 'python.json'), 'utf8'));
const names = manifest.libraries.filter((l) => !l.prelink_libdl).map((l) => path.basename(l.name));
if (names.length !== 1 + 24 + 19) fail(`the bundle holds ${names.length} libraries, want python.wasm + 24 + 19`);

const script = path.join(HERE, 'check.py');
const tail = 'import _curses_panel';
const runs = {};
for (const [name, wasm] of [['package', path.join(pkg, 'dist', 'python.wasm')], ['recipe', path.join(out, 'python.wasm')]]) {
  const p = runPython({ pkg, wasm, site, script, tail });
  if (p.status !== 0 || !p.report?.ok) fail(`${name} run exited ${p.status ?? p.signal}:\n${p.stdout}\n${p.stderr}`);
  runs[name] = p;
}
if (runs.package.stdout !== runs.recipe.stdout)
  fail(`the outputs differ:\n--- package\n${runs.package.stdout}\n--- recipe\n${runs.recipe.stdout}`);
// The kernel opens python.wasm itself (the bundle, in its place) as it does the original.
const reached = runs.recipe.report.dlopenPaths.filter((p) => p && !p.includes('_curses_panel') && path.basename(p) !== 'python.wasm');
if (reached.length) fail(`the kernel's dlopen saw bundled libraries: ${reached.join(', ')}`);
if (runs.package.report.dlopenPaths.length < 20) fail('the package run did not dlopen its extensions (is the script still importing them?)');
console.log(`PASS examples/python-wasm: ${names.length} libraries in one bundle, same output as the package ` +
  `(${runs.package.report.dlopenPaths.length} kernel dlopen calls there, ${runs.recipe.report.dlopenPaths.length} with the bundle)`);
