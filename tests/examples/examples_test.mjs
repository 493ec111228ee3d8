// The examples of examples/, run as a user runs them (docs/cli.md points at them).
//   --check make : examples/make, copied to a scratch directory: `make` builds and
//       prelinks; the output computes what the three modules compute loaded at run time
//       (the reference loader); a second `make` has nothing to do; after count.c changes,
//       `make` rebuilds libcount.so and relinks the output (through the depfile) but not
//       the main module, and the new output agrees with the new modules again.
//   --check ci : examples/ci/prelink-step.sh passes on a corpus program, leaves its four
//       artifacts, and fails (no artifacts) on a program that links with a warning.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runLinkedOutput, runRuntime } from '../e2e/differential.mjs';
import { flags, scratch } from '../lib/cli.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = path.resolve(HERE, '../../examples');
const args = flags();
const prelink = path.resolve(args.prelink);
const tmp = scratch('prelink-examples');
const fail = (m) => {
  console.error(`FAIL ${m}`);
  process.exit(1);
};

if (args.check === 'make') {
  const src = path.join(tmp, 'src');
  fs.cpSync(path.join(EXAMPLES, 'make'), src, { recursive: true });
  const out = path.join(tmp, 'out');
  const vars = [`OUT=${out}`, `PRELINK=${prelink}`, `CLANG=${args.clang}`, `WASM_LD=${args['wasm-ld']}`];
  const make = (...extra) => spawnSync('make', ['-C', src, ...vars, ...extra], { encoding: 'utf8' });
  const spec = { name: 'examples/make', main: 'main.wasm', libs: ['lib/libgreet.so', 'lib/libcount.so'], dlopen_only: [] };
  const compare = (when) => {
    const want = runRuntime(out, spec);
    const got = runLinkedOutput(path.join(out, 'app.wasm'), path.join(out, 'app.json'));
    if (JSON.stringify(want) !== JSON.stringify(got)) fail(`${when}: prelinked ${JSON.stringify(got)} != run-time loaded ${JSON.stringify(want)}`);
    return got;
  };
  let r = make();
  if (r.status !== 0) fail(`make: ${r.stdout}${r.stderr}`);
  const first = compare('first build');
  r = make('-q', 'all');
  if (r.status !== 0) fail('make -q: not up to date right after make');
  const mainTime = fs.statSync(path.join(out, 'main.wasm')).mtimeMs;
  // A different word count: spaces and the letter i separate words now (written after
  // every output, so newer than all of them).
  const count = path.join(src, 'count.c');
  fs.writeFileSync(count, fs.readFileSync(count, 'utf8').replace("int space = *s == ' ';", "int space = *s == ' ' || *s == 'i';"));
  r = make();
  if (r.status !== 0) fail(`make after editing count.c: ${r.stdout}${r.stderr}`);
  const ran = r.stdout.split('\n');
  if (!ran.some((l) => l.includes('libcount.so') && l.includes(args['wasm-ld'])) || !ran.some((l) => l.startsWith(prelink)))
    fail(`make did not rebuild libcount.so and relink:\n${r.stdout}`);
  if (fs.statSync(path.join(out, 'main.wasm')).mtimeMs !== mainTime) fail('the main module was relinked');
  const second = compare('after editing count.c');
  if (JSON.stringify(first) === JSON.stringify(second)) fail('the edit did not change what the program computes');
  r = make('-q', 'all');
  if (r.status !== 0) fail('make -q: not up to date after the rebuild');
  console.log(`PASS examples/make: ${second.length} lines as run-time loaded; the depfile relinked after count.c changed`);
} else if (args.check === 'ci') {
  const step = path.join(EXAMPLES, 'ci', 'prelink-step.sh');
  const corpus = path.resolve(args.corpus);
  const env = { ...process.env, PRELINK: prelink };
  const demo = path.join(corpus, 'demo');
  const out = path.join(tmp, 'ok');
  let r = spawnSync(step, [out, path.join(demo, 'main.wasm'), '-L', demo], { encoding: 'utf8', env });
  if (r.status !== 0) fail(`prelink-step.sh on demo: ${r.stdout}${r.stderr}`);
  for (const f of ['app.wasm', 'app.json', 'app.map', 'app.d'])
    if (!fs.existsSync(path.join(out, f))) fail(`prelink-step.sh left no ${f}`);
  if (fs.readdirSync(out).length !== 4) fail(`prelink-step.sh left ${fs.readdirSync(out).join(', ')}`);
  const dup = path.join(corpus, 'err_duplicate'); // links with a duplicate-symbol warning
  const bad = path.join(tmp, 'bad');
  r = spawnSync(step, [bad, path.join(dup, 'main.wasm'), path.join(dup, 'libdup1.so'), path.join(dup, 'libdup2.so')], { encoding: 'utf8', env });
  if (r.status === 0 || !r.stderr.includes('--fatal-warnings')) fail(`prelink-step.sh passed a link with a warning: ${r.stdout}${r.stderr}`);
  if (fs.existsSync(path.join(bad, 'app.wasm'))) fail('a failed step left app.wasm');
  console.log('PASS examples/ci: the step passes on demo with its four artifacts and fails on a warning');
} else {
  fail(`unknown --check ${args.check}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
