// The man page (docs/prelink.1) stays true to the CLI: every option `prelink --help` and
// `prelink inspect --help` list is documented, every option the man page heads a
// paragraph with exists, and its version is `prelink --version`'s.
// Usage: node man_page.mjs --prelink PRELINK --man docs/prelink.1
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { prelink: { type: 'string' }, man: { type: 'string' } } });
const problems = [];

// Options from CLI11's help: the first column of each line that starts with a dash.
function helpOptions(/** @type {string[]} */ argv) {
  const text = execFileSync(args.prelink, argv, { encoding: 'utf8' });
  const names = [];
  for (const line of text.split('\n')) {
    const m = /^ {2}(-\S*)/.exec(line);
    if (m) for (const n of m[1].split(',')) names.push(n);
  }
  return names;
}
const cliOptions = new Set([...helpOptions(['--help']), ...helpOptions(['inspect', '--help'])]);
if (cliOptions.size < 10) problems.push(`only ${cliOptions.size} options found in prelink --help: has its format changed?`);

// The man page as plain text: roff's escaped hyphens and font changes undone.
const roff = fs.readFileSync(args.man, 'utf8');
const plain = (/** @type {string} */ s) => s.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\ /g, ' ');
const optionToken = /(?<![\w-])--?[A-Za-z][\w-]*/g;
const manTokens = new Set(plain(roff).match(optionToken) ?? []);
// A one-letter option whose value is attached (-O2) is documented by its forms.
const documented = (/** @type {string} */ o) =>
  manTokens.has(o) || (/^-[A-Za-z]$/.test(o) && [...manTokens].some((t) => t.startsWith(o) && t.length > 2 && !t.startsWith('--')));
for (const o of cliOptions) if (!documented(o)) problems.push(`${o} (in prelink --help) is not documented in ${args.man}`);

// Every option a paragraph is about (the line after .TP) exists.
const lines = roff.split('\n');
for (let i = 0; i + 1 < lines.length; ++i) {
  if (lines[i].trim() !== '.TP') continue;
  for (const t of plain(lines[i + 1]).match(optionToken) ?? []) {
    // ld's single-dash spellings of long options (-Bsymbolic, -Map) stand for --NAME.
    const known = cliOptions.has(t) || (!t.startsWith('--') && cliOptions.has(`-${t}`)) ||
      [...cliOptions].some((o) => /^-[A-Za-z]$/.test(o) && t.startsWith(o) && !t.startsWith('--'));
    if (!known) problems.push(`${args.man} documents ${t}, which prelink --help does not list`);
  }
}

const version = execFileSync(args.prelink, ['--version'], { encoding: 'utf8' }).trim();
const th = lines.find((l) => l.startsWith('.TH '));
if (!th || !th.includes(`"${version}"`)) problems.push(`${args.man}: .TH should name "${version}": ${th}`);

if (problems.length) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
}
console.log(`ok: ${cliOptions.size} options documented, ${version}`);
