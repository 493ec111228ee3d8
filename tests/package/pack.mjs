#!/usr/bin/env node
// runtime/ as the npm package users get: `npm pack` into OUT (the build tree), the exact
// file list checked, the tarball installed offline (no dependencies, so no registry) into
// a fresh project OUT/project, and imported there by its package name; its exports must be
// exactly the functions its declarations (prelink-runtime.d.ts) declare. OUT/project is the
// CTest fixture the other runtime tests import the runtime from (OUT/project/index.mjs,
// `export * from 'prelink-runtime'`: ESM resolves a bare name from the importing file's
// directory, so the importing module must live in the project).
//
//   node pack.mjs --runtime SRC/runtime --out DIR --version X.Y.Z
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const runtimeDir = opt('--runtime'), out = opt('--out'), version = opt('--version');
if (!runtimeDir || !out || !version) {
  console.error('usage: node pack.mjs --runtime SRC/runtime --out DIR --version X.Y.Z');
  process.exit(1);
}
const fail = (/** @type {string} */ msg) => { console.log(`FAIL runtime package: ${msg}`); process.exit(1); };
const npm = (/** @type {string[]} */ a, /** @type {string} */ cwd) => {
  const r = spawnSync('npm', [...a, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
  if (r.status !== 0) fail(`npm ${a.join(' ')} (in ${cwd}) failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
};

// 1. npm pack, into the build tree only.
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', out], runtimeDir))[0];
const files = packed.files.map((/** @type {{ path: string }} */ f) => f.path).sort();
const want = ['README.md', 'package.json', 'prelink-runtime.d.ts', 'prelink-runtime.mjs'];
if (JSON.stringify(files) !== JSON.stringify(want)) fail(`the tarball holds ${JSON.stringify(files)}, expected ${JSON.stringify(want)}`);
if (packed.name !== 'prelink-runtime' || packed.version !== version) fail(`packed ${packed.name}@${packed.version}, expected prelink-runtime@${version}`);
const tarball = path.join(out, packed.filename);
if (!fs.existsSync(tarball)) fail(`npm pack wrote no ${tarball}`);

// 2. A fresh project installs the tarball offline.
const project = path.join(out, 'project');
fs.mkdirSync(project);
fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'prelink-runtime-consumer', private: true, type: 'module' }, null, 2)}\n`);
npm(['install', '--offline', '--ignore-scripts', '--no-package-lock', tarball], project);
const installed = path.join(project, 'node_modules/prelink-runtime');
for (const f of want) if (!fs.existsSync(path.join(installed, f))) fail(`the installed package lacks ${f}`);

// 3. Imported by name from the project: the exports are the declared functions.
const r = spawnSync(process.execPath, ['--input-type=module', '-e',
  "const m = await import('prelink-runtime'); console.log(JSON.stringify(Object.keys(m).sort()));"], { cwd: project, encoding: 'utf8' });
if (r.status !== 0) fail(`import('prelink-runtime') from the project failed:\n${r.stderr}`);
const exported = JSON.parse(r.stdout);
const dts = fs.readFileSync(path.join(installed, 'prelink-runtime.d.ts'), 'utf8');
const declared = [...dts.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).sort();
if (JSON.stringify(exported) !== JSON.stringify(declared)) fail(`the package exports ${JSON.stringify(exported)}, its declarations ${JSON.stringify(declared)}`);
fs.writeFileSync(path.join(project, 'index.mjs'), "// The runtime by its package name, for the tests (tests/package/pack.mjs).\nexport * from 'prelink-runtime';\n");
console.log(`ok   runtime package: ${packed.filename} (${files.join(', ')}) installed offline, exports ${exported.join(', ')}`);
