#!/usr/bin/env node
// docs/manifest.md lists every field prelink writes: every corpus program is linked (and
// some again with -O2 --gc-sections, --shared, --no-libdl, --import-stack-pointer, and the
// emscripten corpus with its glue), and every key of every manifest must be documented:
//   a top-level key           a row of the first table (`field` in its first cell)
//   libraries[].KEY           a row of the second table
//   a key nested below either (stack.pointer_export, libraries[].symbols[].table_slot, ...)
//                             a word in a `code span` of its top-level row's meaning
// Each manifest's module.sha256 and size must also be those of the module written.
//
//   node manifest_keys.mjs --prelink PATH --docs docs/manifest.md --corpus DIR --programs a,b
//                          [--em-dir DIR --em-programs a,b]
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const prelink = opt('--prelink'), docs = opt('--docs'), corpus = opt('--corpus'), programs = opt('--programs');
if (!prelink || !docs || !corpus || !programs) {
  console.error('usage: node manifest_keys.mjs --prelink PATH --docs docs/manifest.md --corpus DIR --programs a,b [--em-dir DIR --em-programs a,b]');
  process.exit(1);
}
const list = (/** @type {string | undefined} */ s) => (s ?? '').split(',').filter((x) => x);

// The two tables of docs/manifest.md: field -> the words of the code spans of its meaning.
/** @type {Map<string, Set<string>>[]} */ const tables = [];
let current = null;
for (const line of fs.readFileSync(docs, 'utf8').split('\n')) {
  if (/^\| field \| meaning \|/.test(line)) { current = new Map(); tables.push(current); continue; }
  if (!line.startsWith('|')) { current = null; continue; }
  if (!current || /^\| ---/.test(line)) continue;
  const cells = line.replace(/\\\|/g, '\u0000').split('|').slice(1, -1);
  if (cells.length < 2) continue;
  const words = new Set([...cells.slice(1).join('|').matchAll(/`([^`]*)`/g)].flatMap((m) => m[1].split(/[^A-Za-z0-9_]+/)));
  for (const f of cells[0].matchAll(/`([^`]+)`/g)) current.set(f[1], words);
}
if (tables.length !== 2) { console.log(`FAIL manifest keys: ${docs} has ${tables.length} field tables, expected 2 (top level, libraries)`); process.exit(1); }

/** Every key path of a JSON value: a.b, a[].b */
function keys(/** @type {any} */ v, /** @type {string[]} */ at, /** @type {Map<string, string>} */ out, /** @type {string} */ where) {
  if (Array.isArray(v)) { for (const x of v) keys(x, [...at.slice(0, -1), `${at.at(-1)}[]`], out, where); return; }
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const p = [...at, k];
    if (!out.has(p.join('.'))) out.set(p.join('.'), where);
    keys(x, p, out, where);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prelink-manifest-keys-'));
/** @type {Map<string, string>} key path -> the first link that wrote it */ const seen = new Map();
const problems = [];
let links = 0;
function link(/** @type {string} */ label, /** @type {string[]} */ argv) {
  const out = path.join(tmp, 'out.wasm'), man = path.join(tmp, 'out.json');
  const r = spawnSync(prelink, [...argv, '-o', out, '--manifest', man], { encoding: 'utf8' });
  if (r.status !== 0) { problems.push(`${label}: prelink failed (${r.status}): ${r.stderr.trim()}`); return; }
  links++;
  const bytes = fs.readFileSync(out);
  const m = JSON.parse(fs.readFileSync(man, 'utf8'));
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  if (m.module?.sha256 !== sha || m.module?.size !== bytes.length) problems.push(`${label}: module ${JSON.stringify(m.module)}, but the module written has sha256 ${sha}, ${bytes.length} bytes`);
  keys(m, [], seen, label);
}
try {
  for (const p of list(programs)) {
    const dir = path.join(corpus, p);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
    const inputs = [path.join(dir, spec.main), ...spec.libs.map((/** @type {string} */ l) => path.join(dir, l))];
    link(p, [...inputs, ...(spec.flags ?? [])]);
    if (p === 'demo') link(`${p} -O2 --gc-sections`, [...inputs, '-O2', '--gc-sections']);
    if (p === 'chain') link(`${p} --shared`, [...inputs, '--shared']);
    if (p === 'dlopen') link(`${p} --no-libdl`, [...inputs, '--no-libdl']);
    if (p === 'bothways') link(`${p} --import-stack-pointer`, [...inputs, '--import-stack-pointer']);
  }
  const emDir = opt('--em-dir');
  for (const p of emDir ? list(opt('--em-programs')) : []) {
    const dir = path.join(/** @type {string} */ (emDir), p);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
    const inputs = [path.join(dir, spec.main), ...[...spec.libs, ...(spec.dlopen_libs ?? [])].map((/** @type {string} */ l) => path.join(dir, l))];
    link(`emscripten/${p}`, inputs);
    if (p === 'bothways') link(`emscripten/${p} -O2`, [...inputs, '-O2']);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const undocumented = [];
for (const [key, where] of seen) {
  const parts = key.split('.');
  const lib = parts[0] === 'libraries[]';
  const table = tables[lib ? 1 : 0];
  const rest = lib ? parts.slice(1) : parts;
  if (!rest.length) continue; // libraries[] itself
  const row = table.get(rest[0].replace(/\[\]$/, ''));
  if (!row) { undocumented.push(`${key} (no row \`${rest[0].replace(/\[\]$/, '')}\` in the ${lib ? 'libraries' : 'top-level'} table; written by ${where})`); continue; }
  for (const sub of rest.slice(1)) {
    const name = sub.replace(/\[\]$/, '');
    if (!row.has(name)) undocumented.push(`${key} (\`${name}\` is not in the meaning of \`${rest[0]}\`; written by ${where})`);
  }
}
if (undocumented.length) problems.push(`keys not documented in ${docs}:\n    ${undocumented.join('\n    ')}`);
if (problems.length) {
  console.log(`FAIL manifest keys (${links} links, ${seen.size} keys)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`ok   manifest keys: ${seen.size} keys of ${links} links all in ${path.basename(docs)}; every module.sha256 is the written module's`);
