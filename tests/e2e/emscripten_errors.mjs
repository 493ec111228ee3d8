#!/usr/bin/env node
// The emscripten flavour's refusals and its start-up check, on one program of
// corpus/emscripten (emcc's main.js, main.wasm, side modules):
//   glue-lacks-import   a glue whose import object lacks a function the linked module
//                       imports: exit 1, one line naming it, no output written;
//   not-a-glue          --emscripten-glue naming a file that is no emcc glue: exit 1;
//   memory              a glue whose stack ends so high that the side modules' data no
//                       longer fits in the main's INITIAL_MEMORY: exit 1, one line;
//   shared              --shared with --flavor emscripten: exit 1, one line;
//   defaults            no glue beside main.wasm: a warning, emcc 3.1's defaults, and the
//                       output runs under the real glue with the runtime run's output;
//   startup-check       that output under a glue whose stack pointer differs from the
//                       defaults: instantiation traps instead of running on overlapping
//                       memory;
//   determinism         the program copied to two directories links to byte-identical
//                       modules and manifests.
//
//   node emscripten_errors.mjs --program DIR --prelink PATH --work DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) throw new Error(`missing ${name}`);
  return args[i + 1];
};
const programDir = opt('--program');
const prelink = opt('--prelink');
const work = opt('--work');
const p = JSON.parse(fs.readFileSync(path.join(programDir, 'program.json'), 'utf8'));
const libs = [...(p.libs ?? []), ...(p.dlopen_libs ?? [])].map((l) => path.join(programDir, l));
const glueText = fs.readFileSync(path.join(programDir, p.glue), 'utf8');

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const failures = [];
const check = (name, cond, detail) => {
  if (!cond) failures.push(`${name}: ${detail}`);
};

function runPrelink(extra, out) {
  return spawnSync(prelink, [...extra, '-o', out], { encoding: 'utf8' });
}

// One `prelink: error: ... ` line, exit status 1, no output file.
function expectError(name, extra, want) {
  const out = path.join(work, `${name}.wasm`);
  const r = runPrelink(extra, out);
  const lines = r.stderr.split('\n').filter((l) => l);
  check(name, r.status === 1, `exit status ${r.status}, want 1 (stderr: ${r.stderr.trim()})`);
  check(name, lines.length === 1 && lines[0].startsWith('prelink: error: '), `want one error line, got:\n${r.stderr}`);
  check(name, lines.length > 0 && lines[0].includes(want), `the error does not say "${want}": ${lines[0]}`);
  check(name, !fs.existsSync(out), `${out} was written`);
}

function runGlue(dir) {
  return spawnSync(process.execPath, ['--no-experimental-fetch', p.glue], { cwd: dir, encoding: 'utf8', timeout: 60000 });
}

// A copy of the glue with one edit; fails the test when the edit finds nothing to change.
function editedGlue(name, re, replacement) {
  const text = glueText.replace(re, replacement);
  check(name, text !== glueText, `the glue has nothing matching ${re}`);
  const file = path.join(work, `${name}.js`);
  fs.writeFileSync(file, text);
  return file;
}

const mainWasm = path.join(programDir, p.main);

// A normal link tells which host functions the module imports.
{
  const out = path.join(work, 'normal.wasm');
  const manifest = path.join(work, 'normal.json');
  const r = spawnSync(prelink, [mainWasm, ...libs, '-o', out, '--manifest', manifest], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`FAIL: the normal link failed: ${r.stderr}`);
    process.exit(1);
  }
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const fn = m.host_imports.find((h) => h.module === 'env' && h.kind === 'function');
  if (!fn) failures.push('normal: the linked module imports no env function to remove from the glue');
  else {
    const esc = fn.name.replace(/[$]/g, '\\$');
    const glue = editedGlue('glue-lacks-import', new RegExp(`"${esc}":[A-Za-z0-9_$]+,?`), '');
    expectError('glue-lacks-import', [mainWasm, ...libs, '--emscripten-glue', glue], `does not provide env.${fn.name}`);
  }
}

{
  const notGlue = path.join(work, 'not-a-glue.js');
  fs.writeFileSync(notGlue, 'console.log("hello");\n');
  expectError('not-a-glue', [mainWasm, ...libs, '--emscripten-glue', notGlue], 'not an emcc MAIN_MODULE glue');
}

{
  // The stack's top at 16 MiB, the end of INITIAL_MEMORY: side data after it cannot fit.
  const glue = editedGlue('memory', /(___stack_pointer\s*=\s*new WebAssembly\.Global\(\{[^}]*\},\s*)\d+/, '$1' + String(16 * 1048576));
  expectError('memory', [mainWasm, ...libs, '--emscripten-glue', glue], "of the main module's INITIAL_MEMORY");
}

expectError('shared', ['--shared', '--flavor', 'emscripten', ...libs], 'bundle mode');

{
  // No glue beside the main module: emcc 3.1's defaults, which are this glue's.
  const alone = path.join(work, 'alone');
  fs.mkdirSync(alone);
  fs.copyFileSync(mainWasm, path.join(alone, p.main));
  const runDir = path.join(work, 'defaults');
  fs.mkdirSync(runDir);
  const r = runPrelink([path.join(alone, p.main), ...libs], path.join(runDir, p.main));
  check('defaults', r.status === 0, `prelink failed: ${r.stderr}`);
  check('defaults', /warning: .*defaults assumed/.test(r.stderr), `no warning about the defaults: ${r.stderr}`);
  fs.copyFileSync(path.join(programDir, p.glue), path.join(runDir, p.glue));
  const expected = fs.readFileSync(path.join(programDir, 'expected.txt'), 'utf8');
  const run = runGlue(runDir);
  check('defaults', run.status === 0 && run.stdout === expected, `the output under the glue differs (status ${run.status}):\n${run.stdout}\n${run.stderr.slice(-400)}`);

  // The same module under a glue whose stack ends elsewhere: the start function traps.
  const checkDir = path.join(work, 'startup-check');
  fs.mkdirSync(checkDir);
  fs.copyFileSync(path.join(runDir, p.main), path.join(checkDir, p.main));
  const moved = glueText.replace(/(___stack_pointer\s*=\s*new WebAssembly\.Global\(\{[^}]*\},\s*)(\d+)/, (_, a, n) => a + String(Number(n) + 65536));
  check('startup-check', moved !== glueText, 'the glue has no ___stack_pointer to move');
  fs.writeFileSync(path.join(checkDir, p.glue), moved);
  const bad = runGlue(checkDir);
  check('startup-check', bad.status !== 0 && /unreachable/.test(bad.stderr) && !bad.stdout.includes(expected.split('\n')[0]),
    `the module ran under a glue with another layout (status ${bad.status}):\n${bad.stdout}`);
}

{
  // Deterministic, and independent of where the inputs are: the program copied to two
  // directories links to byte-identical modules and manifests.
  const outs = ['copy1', 'copy2'].map((name) => {
    const d = path.join(work, name);
    fs.mkdirSync(d);
    for (const f of [p.main, p.glue, ...(p.libs ?? []), ...(p.dlopen_libs ?? [])]) fs.copyFileSync(path.join(programDir, f), path.join(d, f));
    const out = path.join(d, 'out.wasm');
    const manifest = path.join(d, 'out.json');
    const r = spawnSync(prelink, [path.join(d, p.main), ...[...(p.libs ?? []), ...(p.dlopen_libs ?? [])].map((l) => path.join(d, l)),
      '-o', out, '--manifest', manifest], { encoding: 'utf8' });
    check('determinism', r.status === 0, `prelink failed in ${d}: ${r.stderr}`);
    return r.status === 0 ? [fs.readFileSync(out), fs.readFileSync(manifest)] : [Buffer.alloc(0), Buffer.alloc(0)];
  });
  check('determinism', outs[0][0].equals(outs[1][0]), 'the two linked modules differ');
  check('determinism', outs[0][1].equals(outs[1][1]), 'the two manifests differ');
}

if (failures.length) {
  console.error(`FAIL ${p.name}:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`emscripten errors on ${p.name}: pass (7 checks)`);
