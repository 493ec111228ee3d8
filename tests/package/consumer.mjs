// The installed libraries are usable: `cmake --install` the build into a fresh prefix
// (checking it installs exactly the product: CLI, libraries, headers, CMake package, man
// page, licence, nothing of tests/), build tests/consumer against it with find_package
// alone, and check the consumer's links against the CLI's, byte for byte:
// - link(): corpus program `chain` (module and manifest equal the CLI's; it runs);
// - runLink() with a diagnostics sink: `err_duplicate` without --no-duplicates, whose
//   warnings reach the sink and are exactly the CLI's `prelink: warning:` lines.
// Usage: node consumer.mjs --build BUILD --source SRC --corpus CORPUS --prelink PRELINK
//        --cmake CMAKE --cxx CXX --work DIR
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkRuns, fail, finish, programInputs, run, sameBytes } from './common.mjs';

const { values: a } = parseArgs({ options: Object.fromEntries(
  ['build', 'source', 'corpus', 'prelink', 'cmake', 'cxx', 'work'].map((k) => [k, { type: 'string' }])) });
fs.rmSync(a.work, { recursive: true, force: true });
const prefix = path.join(a.work, 'prefix');
fs.mkdirSync(a.work, { recursive: true });

// 1. The install: exactly these files (LIBDIR is lib or lib64 or a multiarch directory).
run(a.cmake, ['--install', a.build, '--prefix', prefix]);
const installed = [];
(function walk(/** @type {string} */ d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else installed.push(path.relative(prefix, p));
  }
})(prefix);
const headers = (/** @type {string} */ dir, /** @type {string} */ ns) =>
  fs.readdirSync(dir).filter((f) => f.endsWith('.h')).map((f) => `include/${ns}/${f}`);
const wantHeaders = [...headers(path.join(a.source, 'libwasmobj/include/wasmobj'), 'wasmobj'),
                     ...headers(path.join(a.source, 'prelink/include/prelink'), 'prelink')];
const allowed = [/^bin\/prelink$/, /^lib[^/]*(\/[^/]+)?\/lib(wasmobj|prelinker)\.a$/,
  /^lib[^/]*(\/[^/]+)?\/cmake\/prelink\/prelink(Config|ConfigVersion|Targets|Targets-[a-z]+|Binaryen)\.cmake$/,
  /^share\/man\/man1\/prelink\.1(\.gz)?$/, /^share\/doc\/prelink\/(LICENSE|NOTICE|README\.md|copyright)$/, /^include\/(wasmobj|prelink)\/[^/]+\.h$/];
for (const f of installed) if (!allowed.some((r) => r.test(f))) fail(`cmake --install installs ${f}, which is not part of the product`);
if (!installed.some((f) => /^share\/man\/man1\/prelink\.1(\.gz)?$/.test(f))) fail('cmake --install does not install the man page');
for (const f of ['bin/prelink', ...wantHeaders])
  if (!installed.includes(f)) fail(`cmake --install does not install ${f}`);
for (const lib of ['libwasmobj.a', 'libprelinker.a'])
  if (!installed.some((f) => f.endsWith('/' + lib))) fail(`cmake --install does not install ${lib}`);
for (const h of wantHeaders.filter((h) => h.startsWith('include/prelink/')))
  if (/#include <nlohmann/.test(fs.readFileSync(path.join(prefix, h), 'utf8'))) fail(`${h} includes nlohmann-json`);

// 2. The consumer, configured against the prefix alone.
const cbuild = path.join(a.work, 'consumer-build');
run(a.cmake, ['-S', path.join(a.source, 'tests/consumer'), '-B', cbuild, '-G', 'Ninja', `-DCMAKE_CXX_COMPILER=${a.cxx}`,
              `-DCMAKE_PREFIX_PATH=${prefix}`, '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF']);
const cache = fs.readFileSync(path.join(cbuild, 'CMakeCache.txt'), 'utf8');
const dirLine = /^prelink_DIR:PATH=(.*)$/m.exec(cache);
if (!dirLine || !path.resolve(dirLine[1]).startsWith(prefix + path.sep)) fail(`the consumer found prelink at ${dirLine?.[1]}, not in ${prefix}`);
run(a.cmake, ['--build', cbuild]);
const consumer = path.join(cbuild, 'consumer');

// 3. link(): the same module and manifest as the CLI's; it runs.
const chain = programInputs(a.corpus, 'chain');
const out = (/** @type {string} */ n) => path.join(a.work, n);
const c = run(consumer, ['link', out('consumer.wasm'), out('consumer.json'), ...chain.inputs]);
run(a.prelink, [...chain.inputs, '-o', out('cli.wasm'), '--manifest', out('cli.json')]);
if (!sameBytes(out('consumer.wasm'), out('cli.wasm'))) fail('the consumer\'s link() output differs from the CLI\'s');
if (!sameBytes(out('consumer.json'), out('cli.json'))) fail('the consumer\'s manifest differs from the CLI\'s');
const inspected = JSON.parse(run(a.prelink, ['inspect', '--json', chain.inputs[0]]).stdout);
const neededLine = `needed: ${inspected.dylink.needed.join(' ')}`;
if (inspected.dylink.needed.length === 0) fail('corpus/chain/main.wasm NEEDs nothing: pick a program that does');
if (!c.stdout.startsWith(neededLine + '\n')) fail(`the consumer printed ${JSON.stringify(c.stdout)}, expected ${neededLine} first`);
checkRuns(a.corpus, 'chain', out('consumer.wasm'), out('consumer.json'), 'consumer');

// 4. runLink() with a sink: nothing on stderr, the CLI's warnings on stdout.
const dup = programInputs(a.corpus, 'err_duplicate');
const d = run(consumer, ['run', out('dup-consumer.wasm'), ...dup.inputs]);
const cli = run(a.prelink, [...dup.inputs, '-o', out('dup-cli.wasm')]);
const sunk = d.stdout.split('\n').filter(Boolean);
if (sunk.length === 0) fail('err_duplicate linked without --no-duplicates gave the sink no warning');
if (d.stderr !== '') fail(`runLink with a diagnostics sink wrote to stderr: ${JSON.stringify(d.stderr)}`);
const printed = cli.stderr.split('\n').filter(Boolean);
if (sunk.map((l) => `prelink: ${l}`).join('\n') !== printed.join('\n'))
  fail(`the sink saw\n${sunk.join('\n')}\nthe CLI printed\n${printed.join('\n')}`);
if (!sameBytes(out('dup-consumer.wasm'), out('dup-cli.wasm'))) fail('the consumer\'s runLink() output differs from the CLI\'s');

finish(`installed ${installed.length} files; the consumer links like the CLI`);
