#!/usr/bin/env node
// `prelink inspect`: the section filters (--dylink, --imports, --exports, --sections, any
// combination, text and JSON) and directories and archives as inputs (each .so and .wasm
// member, named ARCHIVE:member or DIR/path). Archives are made here with python3's
// zipfile and tarfile, from the corpus program given.
//
//   node inspect_filters.mjs --check filters  --program DIR --prelink PATH
//   node inspect_filters.mjs --check archives --program DIR --prelink PATH
//
// Exit status 0 when every check passes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { flags, scratch } from '../lib/cli.mjs';
import { makeTar, makeZip } from '../lib/archives.mjs';

const args = flags();
const prelink = path.resolve(args.prelink ?? '');
const dir = path.resolve(args.program ?? '');
const tmp = scratch(`prelink-inspect-${args.check}`);
let failures = 0;

function fail(/** @type {string} */ msg) {
  console.error(`FAIL ${msg}`);
  failures++;
}

function inspect(/** @type {string[]} */ argv) {
  const r = spawnSync(prelink, ['inspect', ...argv], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}
function inspectOk(/** @type {string[]} */ argv) {
  const r = inspect(argv);
  if (r.status !== 0) throw new Error(`prelink inspect ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const json = (/** @type {string[]} */ argv) => JSON.parse(inspectOk(['--json', ...argv]));

const ALL = ['file', 'size', 'dylink', 'imports', 'exports', 'start', 'counts', 'sections'];
const PARTS = { '--dylink': ['dylink'], '--imports': ['imports'], '--exports': ['exports', 'start'], '--sections': ['counts', 'sections'] };
const TEXT = { '--dylink': '\ndylink.0:\n', '--imports': '\nimports:\n', '--exports': '\nexports:\n', '--sections': '\nsections:\n' };

function checkFilters() {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  const file = path.join(dir, spec.libs[0]);
  const full = json([file]);
  if (JSON.stringify(Object.keys(full)) !== JSON.stringify(ALL)) fail(`no filter: keys ${Object.keys(full)}`);
  const fullText = inspectOk([file]);
  for (const t of Object.values(TEXT)) if (!fullText.includes(t)) fail(`no filter: the text has no ${JSON.stringify(t)}`);
  // Every non-empty combination of the four filters.
  const flags = Object.keys(PARTS);
  for (let mask = 1; mask < 16; mask++) {
    const chosen = flags.filter((_, i) => mask & (1 << i));
    const want = ALL.filter((k) => k === 'file' || k === 'size' || chosen.some((f) => PARTS[f].includes(k)));
    const j = json([...chosen, file]);
    if (JSON.stringify(Object.keys(j)) !== JSON.stringify(want)) fail(`${chosen.join(' ')}: keys ${Object.keys(j)}, want ${want}`);
    for (const k of want) if (JSON.stringify(j[k]) !== JSON.stringify(full[k])) fail(`${chosen.join(' ')}: ${k} differs from the unfiltered report`);
    const text = inspectOk([...chosen, file]);
    for (const f of flags) {
      if (text.includes(TEXT[f]) !== chosen.includes(f)) fail(`${chosen.join(' ')} (text): ${JSON.stringify(TEXT[f])} ${chosen.includes(f) ? 'missing' : 'present'}`);
    }
    // Each part's text is the unfiltered text's.
    for (const f of chosen) {
      const at = text.indexOf(TEXT[f]);
      const part = text.slice(at).split(/\n(?=\n\S)/)[0];
      if (!fullText.includes(part)) fail(`${chosen.join(' ')} (text): the ${f} part is not the unfiltered one`);
    }
  }
  // The main module without dylink.0 filters the same way.
  const main = json(['--dylink', path.join(dir, spec.main)]);
  if (!('dylink' in main) || 'imports' in main) fail(`--dylink on the main module: keys ${Object.keys(main)}`);
  if (!failures) console.log('PASS filters: every combination of --dylink/--imports/--exports/--sections, JSON and text, reports just those parts, as unfiltered');
}

/** A zip or tarball (KIND: zip, gz, xz) of MEMBERS: [name inside, source file]. */
function makeArchive(/** @type {string} */ file, /** @type {string} */ kind, /** @type {[string, string][]} */ members) {
  if (kind === 'zip') return makeZip(file, members.map(([name, src]) => [name, fs.readFileSync(src)]));
  return makeTar(file, members.map(([name, src]) => ({ name, bytes: fs.readFileSync(src) })), kind);
}

function checkArchives() {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'program.json'), 'utf8'));
  const notes = path.join(tmp, 'README.txt');
  fs.writeFileSync(notes, 'not a module\n');
  /** @type {[string, string][]} */
  const members = [['pkg/sub/' + spec.libs[0], path.join(dir, spec.libs[0])], ['bin/' + spec.main, path.join(dir, spec.main)], ['README.txt', notes]];
  for (const l of spec.libs.slice(1)) members.push([`pkg/${l}`, path.join(dir, l)]);
  const modules = members.filter(([n]) => n.endsWith('.so') || n.endsWith('.wasm')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tree = path.join(tmp, 'tree');
  for (const [name, src] of members) {
    fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
    fs.copyFileSync(src, path.join(tree, name));
  }
  const inputs = {
    whl: makeArchive(path.join(tmp, 'pkg-1.0-py3-none-any.whl'), 'zip', members),
    tgz: makeArchive(path.join(tmp, 'pkg.tar.gz'), 'gz', members),
    txz: makeArchive(path.join(tmp, 'pkg.tar.xz'), 'xz', members),
    dir: tree,
  };
  const strip = (/** @type {any} */ j) => ({ ...j, file: undefined });
  for (const [kind, input] of Object.entries(inputs)) {
    const sep = kind === 'dir' ? '/' : ':';
    const got = json([input]);
    if (!Array.isArray(got)) { fail(`${kind}: --json of an archive is not an array`); continue; }
    const names = got.map((j) => j.file);
    const want = modules.map(([n]) => `${input}${sep}${n}`);
    if (JSON.stringify(names) !== JSON.stringify(want)) fail(`${kind}: reports for ${JSON.stringify(names)}, want ${JSON.stringify(want)}`);
    got.forEach((j, i) => {
      const direct = json([modules[i][1]]);
      if (JSON.stringify(strip(j)) !== JSON.stringify(strip(direct))) fail(`${kind}: the report of ${modules[i][0]} differs from the file's own`);
    });
    const filtered = json(['--dylink', input]);
    if (filtered.some((/** @type {any} */ j) => Object.keys(j).join() !== 'file,size,dylink')) fail(`${kind}: --dylink over the members`);
    const text = inspectOk([input]);
    for (const w of want) if (!text.includes(`${w} (`)) fail(`${kind}: the text has no report headed ${w}`);
  }
  // Files and archives on one command line: one array, in command-line order.
  const mixed = json([path.join(dir, spec.main), inputs.whl]);
  if (mixed.length !== 1 + modules.length || mixed[0].file !== path.join(dir, spec.main)) fail(`file + wheel: ${mixed.map((/** @type {any} */ j) => j.file)}`);
  // An archive without a module: the one error line.
  const empty = makeArchive(path.join(tmp, 'empty.zip'), 'zip', [['README.txt', notes]]);
  const r = inspect([empty]);
  const lines = r.stderr.split('\n').filter(Boolean);
  if (r.status !== 1 || lines.length !== 1 || !lines[0].startsWith(`prelink: error: ${empty}: no .so or .wasm file in this archive`))
    fail(`archive without modules: status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  if (!failures) console.log('PASS archives: a wheel, .tar.gz, .tar.xz and a directory inspect as their .so/.wasm members, named ARCHIVE:member or DIR/path');
}

try {
  if (args.check === 'filters') checkFilters();
  else if (args.check === 'archives') checkArchives();
  else throw new Error(`unknown --check ${args.check}`);
} catch (e) {
  fail(e instanceof Error ? e.stack ?? e.message : String(e));
}
if (failures) console.error(`kept ${tmp} for inspection`);
else fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
