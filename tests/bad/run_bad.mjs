// Runs the malformed-input suite: generates the crafted files (make_bad.mjs), then for
// each one runs prelink and checks that it fails cleanly: exit status 1, exactly one
// stderr line equal to the expected one (expected.txt; a case in make_bad.mjs's WARNINGS
// prints those warning lines first, the error line always last), within 2 s and 1 GiB of address
// space (`ulimit -v`; PRELINK_BAD_NO_ULIMIT=1 turns that off for sanitizer builds, which
// reserve terabytes of address space). Link cases must leave no output and no temporary
// behind, and must not touch an existing output (every other case starts with one); a
// case expected as `(exit 0)` must succeed.
//
// usage: node run_bad.mjs --prelink PATH --dir DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cases, checks, generate, linkArgs, linkCases, linkOk, warnings } from './make_bad.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TIME_LIMIT_MS = 2000;
const VM_LIMIT_KB = 1024 * 1024;
const useUlimit = process.env.PRELINK_BAD_NO_ULIMIT !== '1';

function usage(msg) {
  console.error(`run_bad.mjs: ${msg}\nusage: node run_bad.mjs --prelink PATH --dir DIR`);
  process.exit(1);
}
const args = process.argv.slice(2);
let prelink = null, dir = null;
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--prelink') prelink = args[++i];
  else if (args[i] === '--dir') dir = args[++i];
  else usage(`unknown argument ${args[i]}`);
}
if (!prelink || !dir) usage('--prelink and --dir are required');
prelink = path.resolve(prelink);
dir = path.resolve(dir);

/** @returns {Map<string, string>} file name -> expected stderr line */
function readExpected() {
  const m = new Map();
  for (const line of fs.readFileSync(path.join(here, 'expected.txt'), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) usage(`expected.txt: no tab in line: ${line}`);
    m.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return m;
}

function run(argv) {
  const t0 = process.hrtime.bigint();
  const r = useUlimit
    ? spawnSync('/bin/sh', ['-c', `ulimit -v ${VM_LIMIT_KB} && exec "$0" "$@"`, prelink, ...argv],
                { cwd: dir, encoding: 'utf8', timeout: 10 * TIME_LIMIT_MS })
    : spawnSync(prelink, argv, { cwd: dir, encoding: 'utf8', timeout: 10 * TIME_LIMIT_MS });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ...r, ms };
}

const expected = readExpected();
generate(dir);

const failures = [];
// Every case has an expectation and every expectation a case.
for (const n of Object.keys(cases)) if (!expected.has(n)) failures.push(`${n}: no expected line in expected.txt`);
for (const n of expected.keys()) if (!(n in cases)) failures.push(`${n}: in expected.txt but make_bad.mjs has no such case`);

// The unmodified modules are valid: every failure below comes from its corruption.
{
  const r = run(['inspect', 'valid-side.wasm']);
  if (r.status !== 0) failures.push(`valid-side.wasm: inspect failed (status ${r.status}): ${r.stderr}`);
  const out = path.join(dir, 'valid-linked.wasm');
  fs.rmSync(out, { force: true });
  const l = run(['main.wasm', 'valid-side.wasm', '-o', 'valid-linked.wasm']);
  if (l.status !== 0 || !fs.existsSync(out)) failures.push(`valid-side.wasm: link failed (status ${l.status}): ${l.stderr}`);
}

let passed = 0;
let caseNo = 0;
const SENTINEL = 'an existing good output\n';
for (const [n, want] of expected) {
  if (!(n in cases)) continue;
  const isLink = linkCases.has(n);
  const mustWork = linkOk.has(n);
  const outName = `out-${n}`;
  const outPath = path.join(dir, outName);
  fs.rmSync(outPath, { force: true });
  const existing = isLink && !mustWork && caseNo++ % 2 === 0;
  if (existing) fs.writeFileSync(outPath, SENTINEL);
  const argv = isLink ? (linkArgs[n] ? linkArgs[n](outName) : ['main.wasm', n, '-o', outName]) : ['inspect', n];
  const r = run(argv);
  const problems = [];
  if (r.error) problems.push(`cannot run prelink: ${r.error.message}`);
  if (r.signal) problems.push(`killed by signal ${r.signal}`);
  else if (r.status !== (mustWork ? 0 : 1)) problems.push(`exit status ${r.status}, want ${mustWork ? 0 : 1}`);
  const lines = (r.stderr ?? '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (mustWork) {
    if (want !== '(exit 0)') problems.push('expected.txt: a case that must link is written `(exit 0)`');
    // A crafted side module nothing NEEDs, in a program that never dlopens, is rightly
    // said to be unreachable; any other line is a problem.
    const other = lines.filter((l) => !/^prelink: warning: .*it is linked but can never run$/.test(l));
    if (other.length) problems.push(`stderr not empty: ${other[0]}`);
    if (!fs.existsSync(outPath)) problems.push('no output written');
  } else {
    // The warnings the case expects, each one line, then exactly one error line, last.
    const warned = warnings[n] ?? [];
    if (lines.length !== warned.length + 1) problems.push(`${lines.length} stderr lines, want ${warned.length + 1}`);
    else {
      warned.forEach((w, i) => { if (lines[i] !== w) problems.push(`warning line ${i + 1} differs:\n    got:  ${lines[i]}\n    want: ${w}`); });
      if (lines.at(-1) !== want) problems.push(`stderr line differs:\n    got:  ${lines.at(-1)}\n    want: ${want}`);
    }
    if (lines.filter((l) => l.startsWith('prelink: error:')).length !== 1 || !lines.at(-1).startsWith('prelink: error:'))
      problems.push('want exactly one `prelink: error:` line, the last');
  }
  if (checks[n] && !r.error) problems.push(...checks[n](dir, outName));
  if (r.ms > TIME_LIMIT_MS) problems.push(`took ${r.ms.toFixed(0)} ms (limit ${TIME_LIMIT_MS} ms)`);
  if (isLink && !mustWork) {
    const left = fs.readdirSync(dir).filter((f) => (!existing && f === outName) || f.startsWith(`.${outName}.tmp`) || f.startsWith('.out.json.tmp'));
    if (left.length) problems.push(`output left behind: ${left.join(', ')}`);
    if (existing && (!fs.existsSync(outPath) || fs.readFileSync(outPath, 'utf8') !== SENTINEL))
      problems.push('the existing output was changed');
  }
  if (problems.length) {
    failures.push(`${n} (${isLink ? 'link' : 'inspect'}): ${problems.join('; ')}` +
      (lines.length > 1 ? `\n  stderr:\n${r.stderr}` : ''));
  } else {
    ++passed;
  }
}

console.log(`bad-input: ${passed}/${expected.size} cases passed`);
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
