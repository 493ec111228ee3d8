// -DBUILD_TESTING=OFF needs only what the build needs: configuring the source tree that
// way must never look for node, wasm-opt or doctest (the tests' tools). A guard included
// by project() (CMAKE_PROJECT_INCLUDE) fails the configuration the moment any of them is
// looked for; with BUILD_TESTING=ON the same configuration must fail, so the guard works.
// Usage: node configure_off.mjs --cmake CMAKE --source SRC --cc CC --cxx CXX --work DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail, finish } from './common.mjs';

const { values: a } = parseArgs({ options: Object.fromEntries(['cmake', 'source', 'cc', 'cxx', 'work'].map((k) => [k, { type: 'string' }])) });
fs.rmSync(a.work, { recursive: true, force: true });
fs.mkdirSync(a.work, { recursive: true });
const guard = path.join(a.work, 'guard.cmake');
fs.writeFileSync(guard, `
function(find_program var)
  if("\${var}" MATCHES "^(NODE|WASM_OPT|NPM)$")
    message(FATAL_ERROR "test-only tool looked for: find_program(\${ARGV})")
  endif()
  _find_program(\${ARGV})
endfunction()
macro(find_package name)
  if("\${name}" STREQUAL "doctest")
    message(FATAL_ERROR "test-only package looked for: find_package(\${ARGV})")
  endif()
  _find_package(\${ARGV})
endmacro()
`);

function configure(/** @type {string} */ testing) {
  const dir = path.join(a.work, `testing-${testing}`);
  return spawnSync(a.cmake, ['-S', a.source, '-B', dir, '-G', 'Ninja', `-DCMAKE_C_COMPILER=${a.cc}`, `-DCMAKE_CXX_COMPILER=${a.cxx}`,
    `-DBUILD_TESTING=${testing}`, '-DPRELINK_FETCH_CORPUS=OFF', `-DCMAKE_PROJECT_INCLUDE=${guard}`], { encoding: 'utf8' });
}
const off = configure('OFF');
if (off.status !== 0) fail(`configuring with -DBUILD_TESTING=OFF failed:\n${off.stdout}\n${off.stderr}`);
else {
  const cache = fs.readFileSync(path.join(a.work, 'testing-OFF', 'CMakeCache.txt'), 'utf8');
  for (const v of ['NODE', 'WASM_OPT', 'doctest_DIR']) if (new RegExp(`^${v}:`, 'm').test(cache)) fail(`the BUILD_TESTING=OFF cache has ${v}`);
}
const on = configure('ON');
if (on.status === 0) fail('the guard did not stop a BUILD_TESTING=ON configuration: this test proves nothing');
else if (!/test-only (tool|package) looked for/.test(on.stderr)) fail(`BUILD_TESTING=ON failed, but not because of the guard:\n${on.stderr}`);
fs.rmSync(a.work, { recursive: true, force: true });
finish('BUILD_TESTING=OFF configures without node, wasm-opt or doctest');
