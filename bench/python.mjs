// Benchmark: cowasm's python-wasm@0.28.1 under node, boot + `import numpy`, with its
// python.wasm runtime-linked by the kernel's JS loader against a `prelink --shared` bundle
// of python.wasm + lib-dynload + numpy in its place (tests/python: same setup as the CTest
// test). Each measurement is a fresh node process; the two sides alternate (ABBA), and the
// medians are reported with their ratio.
//
//   node bench/python.mjs [--build DIR] [--reps N] [--markdown]
//
// Needs a built DIR (default build/) with the fetched corpus, and npm (the package is
// installed into DIR/bench/python once).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, ensureNpmInstall, ensureSite, runPython } from '../tests/python/pywasm.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const build = path.resolve(opt('build', path.join(ROOT, 'build')));
const reps = Number(opt('reps', 7));
const markdown = argv.includes('--markdown');
const work = path.join(build, 'bench', 'python');
const prelink = path.join(build, 'prelink', 'prelink');
const fetched = path.join(build, 'corpus', 'fetched');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const f0 = (x) => x.toFixed(0);

const pkg = ensureNpmInstall(work, (s) => console.error(s));
const site = ensureSite(work, pkg);
const b = buildBundle(prelink, fetched, path.join(work, 'bundle'));
const sides = { runtime: path.join(pkg, 'dist', 'python.wasm'), bundled: b.out };

// Compiling the modules alone (fresh process each, like the kernel's synchronous
// `new WebAssembly.Module`): what the bundle moves to boot time.
function compileMs(files) {
  const code = `const fs=require('fs');const bs=${JSON.stringify(files)}.map(f=>fs.readFileSync(f));` +
    'const t=performance.now();for(const b of bs)new WebAssembly.Module(b);console.log(performance.now()-t)';
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
}

const m = { runtime: [], bundled: [] };
const comp = { runtime: [], bundled: [] };
let dlopened = [];
for (let i = 0; i < reps; ++i) {
  const order = i % 2 ? ['bundled', 'runtime'] : ['runtime', 'bundled'];
  for (const side of order) {
    const r = runPython({ pkg, wasm: sides[side], site });
    if (r.status !== 0 || !r.report?.ok) throw new Error(`${side} run failed: ${r.stderr}\n${r.report?.error}`);
    m[side].push(r.report);
    if (side === 'runtime') dlopened = r.report.dlopenPaths.filter((p) => p && p.endsWith('.so'));
  }
}
// The extension files the runtime-linked side loaded, mapped to the corpus copies.
const extFiles = dlopened.map((p) => {
  const rel = p.includes('/lib-dynload/') ? path.join('lib-dynload', path.basename(p)) : p.slice(p.indexOf('numpy/'));
  return path.join(fetched, rel);
});
for (let i = 0; i < Math.min(reps, 5); ++i) {
  comp.runtime.push(compileMs([sides.runtime, ...extFiles]));
  comp.bundled.push(compileMs([sides.bundled]));
}

const stat = (side, k) => median(m[side].map((r) => r[k]));
const total = (side) => median(m[side].map((r) => r.processToBootMs + r.importNumpyMs));
const rows = [
  ['process start → numpy imported', total('runtime'), total('bundled')],
  ['boot (kernel + python.wasm + Py_Initialize)', stat('runtime', 'bootMs'), stat('bundled', 'bootMs')],
  ['`import numpy`', stat('runtime', 'importNumpyMs'), stat('bundled', 'importNumpyMs')],
  [`compiling the wasm (python.wasm + the ${extFiles.length} .so \`import numpy\` loads, vs the bundle)`, median(comp.runtime), median(comp.bundled)],
];
const size = (f) => (fs.statSync(f).size / 1e6).toFixed(1);
if (markdown) {
  console.log(`Machine: ${os.cpus()[0].model} (${os.cpus().length} cores), node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}; ` +
    `median of ${reps} fresh processes per side, alternating.`);
  console.log('| | runtime-linked (ms) | bundled (ms) | runtime / bundled |');
  console.log('| --- | --- | --- | --- |');
  for (const [what, a, c] of rows) console.log(`| ${what} | ${f0(a)} | ${f0(c)} | ${(a / c).toFixed(2)}× |`);
  console.log(`\npython.wasm ${size(sides.runtime)} MB; bundle ${size(sides.bundled)} MB (${b.inputs.dynload.length} lib-dynload + ${b.inputs.numpy.length} numpy .so), linked in ${f0(b.ms)} ms.`);
} else {
  for (const [what, a, c] of rows) console.log(`${what}: runtime-linked ${f0(a)} ms, bundled ${f0(c)} ms, ratio ${(a / c).toFixed(2)}`);
  console.log(`(medians of ${reps}; bundle ${size(sides.bundled)} MB linked in ${f0(b.ms)} ms)`);
}
