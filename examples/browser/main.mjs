// The page's script: fetches a module linked by prelink and its manifest, preloads the
// libraries the program will dlopen that were not prelinked (C's dlopen cannot wait for
// fetch), runs the program's `run` export and shows what it printed. The host functions
// are those of prelink's corpus programs (corpus/include/host.h); a real program brings
// its own. When it is done, <body data-status> is "done" or "error".
import { instantiate } from 'prelink-runtime';

const params = new URLSearchParams(location.search);
const moduleUrl = params.get('module') ?? 'app.wasm';
const manifestUrl = params.get('manifest') ?? 'app.json';
const preload = (params.get('preload') ?? '').split(',').filter((s) => s);
const out = /** @type {HTMLElement} */ (document.getElementById('out'));
const print = (/** @type {string} */ line) => { out.textContent += `${line}\n`; };

/** Fetches a file of this directory as bytes. */
async function bytesOf(/** @type {string} */ url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

try {
  /** @type {WebAssembly.Memory | null} */ let memory = null;
  const decoder = new TextDecoder();
  const rt = await instantiate({
    bytes: await bytesOf(moduleUrl), // bytes, not compileStreaming: the manifest is checked against them
    manifest: await (await fetch(manifestUrl)).json(),
    moduleName: moduleUrl,
    manifestName: manifestUrl,
    imports: (ctx) => {
      memory = ctx.memory;
      return {
        env: {
          log_i32: (/** @type {number} */ n) => print(`i32 ${n}`),
          log_i64: (/** @type {bigint} */ n) => print(`i64 ${n}`),
          log_f64: (/** @type {number} */ x) => print(`f64 ${x}`),
          log_str: (/** @type {number} */ p) => {
            const b = new Uint8Array(/** @type {WebAssembly.Memory} */ (memory).buffer);
            let e = p;
            while (b[e]) e++;
            print(`str ${decoder.decode(b.slice(p, e))}`);
          },
        },
      };
    },
    // Libraries by their last path component, from this directory.
    readFile: (name) => bytesOf(name.slice(name.lastIndexOf('/') + 1)),
    preload,
  });
  memory = rt.memory;
  print(`ret ${rt.exports.run()}`);
  document.body.dataset.status = 'done';
} catch (e) {
  print(`error: ${e instanceof Error ? e.message : e}`);
  document.body.dataset.status = 'error';
}
