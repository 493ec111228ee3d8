// The Debian package: cpack builds it from this build; its control fields are right
// (name, version, section, a Depends entry naming the package of every shared library
// the binary NEEDs, as dpkg -S finds them here); unpacked, its usr/bin/prelink runs,
// and links a corpus program that validates and runs.
// Its (stripped) libraries build tests/consumer, which links as the packaged CLI does.
// Usage: node deb.mjs --build BUILD --cpack CPACK --corpus CORPUS --version VERSION --work DIR
//        --source SRC --cmake CMAKE --cxx CXX --llvm static|shared (how the build links LLVM)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { checkRuns, fail, finish, programInputs, run, sameBytes } from './common.mjs';

const { values: a } = parseArgs({ options: Object.fromEntries(
  ['build', 'cpack', 'corpus', 'version', 'work', 'source', 'cmake', 'cxx', 'llvm'].map((k) => [k, { type: 'string' }])) });
fs.rmSync(a.work, { recursive: true, force: true });
fs.mkdirSync(a.work, { recursive: true });
run(a.cpack, ['-G', 'DEB', '-B', a.work, '--config', path.join(a.build, 'CPackConfig.cmake')]);
const debs = fs.readdirSync(a.work).filter((f) => f.endsWith('.deb'));
if (debs.length !== 1) {
  fail(`cpack made ${debs.length} .deb files: ${debs.join(' ')}`);
  finish('');
}
const deb = path.join(a.work, debs[0]);
const arch = run('dpkg', ['--print-architecture']).stdout.trim();
if (debs[0] !== `prelink_${a.version}_${arch}.deb`) fail(`the package file is ${debs[0]}, not prelink_${a.version}_${arch}.deb`);

const field = (/** @type {string} */ f) => run('dpkg-deb', ['-f', deb, f]).stdout.trim();
if (field('Package') !== 'prelink') fail(`Package: ${field('Package')}`);
if (field('Version') !== a.version) fail(`Version: ${field('Version')}, project() says ${a.version}`);
if (field('Section') !== 'devel') fail(`Section: ${field('Section')}`);
if (!field('Maintainer')) fail('no Maintainer');
if (!field('Description').startsWith('ahead-of-time dynamic linker for WebAssembly')) fail(`Description: ${field('Description')}`);
const depends = field('Depends');
const dependNames = new Set(depends.split(',').flatMap((alt) => alt.split('|')).map((d) => d.trim().split(/[\s(]/)[0]));

const root = path.join(a.work, 'root');
run('dpkg-deb', ['-x', deb, root]);
const bin = path.join(root, 'usr/bin/prelink');
for (const f of ['usr/bin/prelink', 'usr/share/man/man1/prelink.1.gz', 'usr/share/doc/prelink/LICENSE', 'usr/include/prelink/link.h'])
  if (!fs.existsSync(path.join(root, f))) fail(`the package has no /${f}`);
const man = path.join(root, 'usr/share/man/man1/prelink.1.gz');
if (fs.existsSync(man) && !zlib.gunzipSync(fs.readFileSync(man)).equals(fs.readFileSync(path.join(a.source, 'docs/prelink.1'))))
  fail('the packaged man page is not docs/prelink.1');
const copyright = path.join(root, 'usr/share/doc/prelink/copyright');
if (!fs.existsSync(copyright) || !/Copyright .* The prelink authors[^]*Apache License\s+Version 2\.0/.test(fs.readFileSync(copyright, 'utf8')))
  fail('the package has no /usr/share/doc/prelink/copyright with the copyright line and the Apache-2.0 licence');
if (!fs.readdirSync(path.join(root, 'usr'), { recursive: true }).some((f) => String(f).endsWith('cmake/prelink/prelinkConfig.cmake')))
  fail('the package has no prelinkConfig.cmake');

// Every NEEDED library's package (dpkg -S of where the dynamic loader finds it) is a dependency.
const needed = [...run('readelf', ['-d', bin]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]);
if (needed.length < 5) fail(`readelf finds only ${needed.length} NEEDED entries in the packaged binary`);
// ldd: `NAME => PATH (ADDR)`, and for the dynamic loader itself `PATH (ADDR)`.
const ldd = run('ldd', [bin]).stdout;
const where = new Map([...ldd.matchAll(/^\s*(\S+) => (\/\S+)/gm)].map((m) => [m[1], m[2]]));
for (const m of ldd.matchAll(/^\s*(\/\S+) \(/gm)) where.set(path.basename(m[1]), m[1]);
for (const lib of needed) {
  const found = where.get(lib);
  if (!found) {
    fail(`the packaged binary's NEEDED ${lib} is not found by the dynamic loader`);
    continue;
  }
  const real = fs.realpathSync(found);
  let owner = '';
  for (const p of [real, real.replace(/^\/usr\//, '/')]) {
    const r = run('sh', ['-c', 'dpkg -S "$1" 2>/dev/null || true', 'sh', p]).stdout.trim();
    if (r) {
      owner = r.split(':')[0];
      break;
    }
  }
  if (!owner) fail(`no Debian package owns ${real} (NEEDED ${lib})`);
  else if (!dependNames.has(owner)) fail(`NEEDED ${lib} (${real}) is in the package ${owner}, which Depends (${depends}) does not name`);
}
if (!dependNames.has('binaryen')) fail(`Depends (${depends}) does not name binaryen`);
// LLVM linked from its static archives (the default when llvm-19-dev has them): no libLLVM
// at run time, so no libllvm19 in Depends; linked shared, both.
const needsLlvm = needed.some((l) => /^libLLVM/.test(l));
if (a.llvm === 'static' && needsLlvm) fail(`LLVM is to be linked statically, but the packaged binary NEEDs ${needed.filter((l) => /^libLLVM/.test(l))}`);
if (a.llvm === 'shared' && !needsLlvm) fail('LLVM is to be linked shared, but the packaged binary does not NEED libLLVM');
if (needsLlvm !== dependNames.has('libllvm19')) fail(`the binary ${needsLlvm ? 'NEEDs' : 'does not NEED'} libLLVM, but Depends (${depends}) ${needsLlvm ? 'does not name' : 'names'} libllvm19`);

// The packaged binary works.
const version = run(bin, ['--version']).stdout.trim();
if (version !== `prelink ${a.version}`) fail(`the packaged prelink --version says ${version}`);
const chain = programInputs(a.corpus, 'chain');
run(bin, [...chain.inputs, '-o', path.join(a.work, 'chain.wasm'), '--manifest', path.join(a.work, 'chain.json')]);
checkRuns(a.corpus, 'chain', path.join(a.work, 'chain.wasm'), path.join(a.work, 'chain.json'), 'the packaged prelink');

// The packaged libraries, unpacked anywhere (the package config is relocatable).
const cbuild = path.join(a.work, 'consumer-build');
run(a.cmake, ['-S', path.join(a.source, 'tests/consumer'), '-B', cbuild, '-G', 'Ninja', `-DCMAKE_CXX_COMPILER=${a.cxx}`,
              `-DCMAKE_PREFIX_PATH=${path.join(root, 'usr')}`, '-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF']);
run(a.cmake, ['--build', cbuild]);
run(path.join(cbuild, 'consumer'), ['link', path.join(a.work, 'consumer.wasm'), path.join(a.work, 'consumer.json'), ...chain.inputs]);
if (!sameBytes(path.join(a.work, 'consumer.wasm'), path.join(a.work, 'chain.wasm')))
  fail('a consumer of the packaged libraries links differently from the packaged prelink');

finish(`${debs[0]}: Depends: ${depends}`);
