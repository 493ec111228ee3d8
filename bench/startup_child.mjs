// P2's measured process: loads the generated program one way, calls run(), and prints
// {"sinceProcessStart": ms, "load": ms, "ret": value} on stdout. performance.now() counts
// from the start of the node process; "load" from the first line of this script.
//
//   node bench/startup_child.mjs runtime DIR       main.wasm + lib*.so with the reference loader
//   node bench/startup_child.mjs prelinked DIR     DIR/prelinked.wasm (+ .json) as one module
const t0 = performance.now();
const fs = await import('node:fs');
const [mode, dir] = process.argv.slice(2);
const logs = [];
const host = { log_i32: (/** @type {number} */ v) => { logs.push(v); }, bench_n: () => 1 };
let exports;
if (mode === 'runtime') {
  const { loadProgram } = await import('../tests/e2e/refloader.mjs');
  const spec = JSON.parse(fs.readFileSync(`${dir}/program.json`, 'utf8'));
  const libs = new Map(spec.libs.map((/** @type {string} */ l) => [l, fs.readFileSync(`${dir}/${l}`)]));
  exports = loadProgram({ mainBytes: fs.readFileSync(`${dir}/main.wasm`), libs, dlopenOnly: [], host: () => host }).exports;
} else {
  const bytes = fs.readFileSync(`${dir}/prelinked.wasm`);
  const manifest = JSON.parse(fs.readFileSync(`${dir}/prelinked.json`, 'utf8'));
  const module = new WebAssembly.Module(bytes);
  const env = { ...host };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory') env[imp.name] = new WebAssembly.Memory({ initial: manifest.memory.min_pages });
    if (imp.kind === 'table') env[imp.name] = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min });
  }
  exports = new WebAssembly.Instance(module, { env }).exports;
  exports.__wasm_call_ctors?.();
}
const t1 = performance.now();
const ret = exports.run();
console.log(JSON.stringify({ sinceProcessStart: t1, load: t1 - t0, ret, logs }));
