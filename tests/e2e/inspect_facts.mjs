// `prelink inspect --json` on the fetched cowasm modules reports what their dylink.0
// sections and imports really say (facts checked by hand with wasm-objdump).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const argv = process.argv.slice(2);
const opt = (n) => argv[argv.indexOf(`--${n}`) + 1];
const fetched = opt('fetched');
const prelink = opt('prelink');
let failed = 0;
function inspect(file) {
  const r = spawnSync(prelink, ['inspect', '--json', path.join(fetched, file)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`inspect ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
function expect(what, got, want) {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(got)}${ok ? '' : ` (want ${JSON.stringify(want)})`}`);
  if (!ok) failed++;
}
const py = inspect('python.wasm');
expect('python.wasm memory size', py.dylink.memory_size, 1712286);
expect('python.wasm memory alignment (p2)', py.dylink.memory_align, 4);
expect('python.wasm table size', py.dylink.table_size, 3939);
expect('python.wasm GOT.mem imports', py.imports.got_mem.length, 219);
expect('python.wasm GOT.func imports', py.imports.got_func.length, 1306);
const hello = inspect('hello.cpython-311-wasm32-wasi.so');
expect('hello memory size', hello.dylink.memory_size, 228);
expect('hello table size', hello.dylink.table_size, 5);
expect('hello GOT.mem', hello.imports.got_mem, ['_Py_NoneStruct']);
expect('hello exports PyInit_hello', hello.exports.functions.includes('PyInit_hello'), true);
process.exit(failed ? 1 : 0);
