// The output of the P1 link (bench/run: python.wasm + 25 lib-dynload + 19 numpy .so) and of
// the `--shared` bundle of those side modules must stay byte for byte what it was: module
// and manifest, by SHA-256, against tests/python/golden.json. Work on speed and memory
// (issue #16) must not change a byte. A change that means to change the output updates
// golden.json in the same commit and says why (`node golden.mjs ... --print` prints it).
//
//   node golden.mjs --prelink PRELINK --fetched DIR --work DIR [--print]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const prelink = opt('--prelink'), fetched = opt('--fetched'), work = path.join(opt('--work'), 'golden');
fs.mkdirSync(work, { recursive: true });
const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
// The inputs in one fixed order: code-unit order of their paths under FETCHED.
const sos = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.so')) sos.push(p);
  }
};
walk(path.join(fetched, 'lib-dynload'));
walk(path.join(fetched, 'numpy'));
sos.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
if (sos.length !== 44) throw new Error(`expected 25 lib-dynload + 19 numpy .so, found ${sos.length}`);
const links = {
  executable: [path.join(fetched, 'python.wasm'), ...sos, '--allow-undefined'],
  bundle: ['--shared', ...sos],
};
const got = {};
for (const [name, inputs] of Object.entries(links)) {
  const out = path.join(work, `${name}.wasm`), manifest = path.join(work, `${name}.json`);
  execFileSync(prelink, [...inputs, '-o', out, '--manifest', manifest], { stdio: ['ignore', 'ignore', 'inherit'] });
  got[name] = { module: sha256(out), manifest: sha256(manifest) };
}
if (args.includes('--print')) {
  console.log(JSON.stringify(got, null, 2));
  process.exit(0);
}
const golden = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden.json'), 'utf8'));
let bad = 0;
for (const name of Object.keys(links))
  for (const what of ['module', 'manifest'])
    if (got[name][what] !== golden[name][what]) {
      console.error(`golden: the ${name} link's ${what} changed: sha256 ${got[name][what]}, golden.json has ${golden[name][what]}`);
      bad++;
    }
if (bad) process.exit(1);
console.log('golden: the executable and bundle links are byte-identical to golden.json');
