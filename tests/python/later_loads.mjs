// What a bundle offers to the modules loaded after it (issue: bundles as drop-ins), under
// cowasm's unmodified kernel with python-wasm@0.28.1. Each case runs later_loads.py (a dozen
// stdlib extensions and numpy, each computing something) with the package's python.wasm
// and with a bundle in its place; the outputs must be identical.
//   --case alone     python.wasm bundled alone: every extension, and numpy, is loaded from
//                    disk by the kernel after the bundle (their GOT entries find the
//                    bundle's data and functions: the bundle keeps python.wasm's GOT imports)
//   --case dynload   python.wasm + lib-dynload bundled; numpy from its unpacked tarball on
//                    disk; the kernel's dlopen sees numpy but no stdlib extension
//   --case symbolic  python.wasm alone with -Bsymbolic: the other rule, under which a
//                    later module cannot find the bundle's data in cowasm's GOT
//   --case whole     python.wasm + the whole lib-dynload directory, with the kernel as
//                    --host-module: _curses_panel (needs libpanel) and the members that
//                    need what kernel.wasm does not show are left to the kernel's dlopen;
//                    `import _curses_panel` fails exactly as in the original, the rest
//                    (mmap, left to the kernel, too) works
// Usage: node later_loads.mjs --case C --prelink PRELINK --fetched DIR --work DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EXCLUDED, HERE, bundleInputs, ensureNpmInstall, ensureSite, runPython } from './pywasm.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const which = opt('case');
const prelink = path.resolve(opt('prelink'));
const fetched = path.resolve(opt('fetched'));
const work = path.resolve(opt('work'));
const fail = (s) => {
  console.error(`FAIL ${which}: ${s}`);
  process.exit(1);
};

const pkg = ensureNpmInstall(work, console.log);
const site = ensureSite(work, pkg);
const inputs = bundleInputs(fetched);
const out = path.join(work, `later-${which}`);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const bundle = path.join(out, 'python.wasm');
// The kernel the package runs on, as the package resolves it.
const kernel = path.join(path.dirname(createRequire(path.join(pkg, 'package.json')).resolve('@cowasm/kernel/package.json')),
  'dist', 'kernel', 'kernel.wasm');
const args = ['--shared', ...(which === 'symbolic' ? ['-Bsymbolic'] : []), inputs.python,
  ...(which === 'dynload' ? inputs.dynload : []), ...(which === 'whole' ? [path.join(fetched, 'lib-dynload'), '--host-module', kernel] : []),
  '-o', bundle, '--manifest', path.join(out, 'python.json')];
const r = spawnSync(prelink, args, { encoding: 'utf8' });
if (r.status !== 0) fail(`prelink ${args.join(' ')}: ${r.stderr}`);

const script = path.join(HERE, 'later_loads.py');
const tail = 'import _curses_panel'; // needs libpanel: fails under the kernel, both ways
const orig = runPython({ pkg, wasm: path.join(pkg, 'dist', 'python.wasm'), site, script, tail });
if (orig.status !== 0 || !orig.report?.ok) fail(`the package's python.wasm: ${orig.stdout}${orig.stderr}`);
const bund = runPython({ pkg, wasm: bundle, site, script, tail });
const opened = (rep) => (rep?.dlopenPaths ?? []).filter((p) => p && path.basename(p) !== 'python.wasm');
const stdlib = (rep) => opened(rep).filter((p) => p.includes('/lib-dynload/') && !EXCLUDED.some((e) => p.endsWith(e)));
const numpy = (rep) => opened(rep).filter((p) => p.includes('/numpy/'));

if (which === 'symbolic') {
  if (bund.report?.ok) fail('-Bsymbolic: the later loads worked; the rule makes no difference');
  if (!/UNRESOLVED SYMBOL/.test(`${bund.stderr}${bund.report?.error}`)) fail(`-Bsymbolic failed otherwise: ${bund.stderr}`);
  console.log('PASS symbolic: under -Bsymbolic a module loaded after the bundle cannot find its data in cowasm\'s GOT');
  process.exit(0);
}
if (bund.status !== 0 || !bund.report?.ok) fail(`the bundle: ${bund.stdout}${bund.stderr}`);
if (orig.stdout !== bund.stdout) fail(`the outputs differ:\n--- package\n${orig.stdout}\n--- bundle\n${bund.stdout}`);
if (orig.stdout.split('\n').filter((l) => l).length < 13) fail(`later_loads.py printed too little:\n${orig.stdout}`);
if (orig.report.tailError !== bund.report.tailError || !orig.report.tailError)
  fail(`import _curses_panel: package "${orig.report.tailError}", bundle "${bund.report.tailError}"`);
if (numpy(bund.report).length < 10) fail(`numpy was not loaded from disk after the bundle: ${numpy(bund.report)}`);
if (which === 'whole') {
  // Exactly the members the manifest leaves to the host reach the kernel's dlopen.
  const left = JSON.parse(fs.readFileSync(path.join(out, 'python.json'), 'utf8')).libraries.filter((l) => l.left_to_host)
    .map((l) => path.basename(l.name));
  if (!left.includes(EXCLUDED[0])) fail(`${EXCLUDED[0]} is not left to the host: ${left}`);
  if (!r.stderr.includes(`${EXCLUDED[0]}: needs panel_above`)) fail(`no warning about ${EXCLUDED[0]}: ${r.stderr}`);
  const reached = opened(bund.report).filter((p) => p.includes('/lib-dynload/')).map((p) => path.basename(p));
  const stray = reached.filter((n) => !left.includes(n));
  if (stray.length) fail(`the kernel's dlopen saw bundled members: ${stray}`);
  if (!reached.includes(EXCLUDED[0])) fail(`import _curses_panel did not reach the kernel: ${reached}`);
  console.log(`PASS whole: the 25 members bundled, ${left.length} left to the kernel (${left.join(', ')}); identical output; ` +
    `import _curses_panel fails as in the original: ${bund.report.tailError}`);
  process.exit(0);
}
if (which === 'alone') {
  if (stdlib(bund.report).length < 10) fail(`fewer than ten stdlib extensions were loaded from disk: ${stdlib(bund.report)}`);
} else if (stdlib(bund.report).length) {
  fail(`the kernel loaded bundled extensions from disk: ${stdlib(bund.report)}`);
}
console.log(`PASS ${which}: identical output; loaded from disk after the bundle: ${stdlib(bund.report).length} stdlib ` +
  `extensions, ${numpy(bund.report).length} numpy modules; _curses_panel fails the same way`);
