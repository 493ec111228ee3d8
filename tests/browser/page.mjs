// The browser side of runtime_browser.mjs: fetches the linked module and its manifest,
// preloads the libraries the program will dlopen (C's dlopen is synchronous; fetch is
// not), runs the program and posts its transcript to the test's server. The runtime checks
// the manifest against the module's bytes with the browser's crypto.subtle.
import { instantiate } from 'prelink-runtime';
import { corpusHost } from '/corpus_host.mjs';

const post = (/** @type {unknown} */ body) =>
  fetch('/result', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

try {
  const config = await (await fetch('/config.json')).json(); // { preload: [...] }
  const manifest = await (await fetch('/app.json')).json();
  /** @type {string[]} */ const lines = (globalThis.__lines = []);
  const rt = await instantiate({
    bytes: new Uint8Array(await (await fetch('/app.wasm')).arrayBuffer()),
    manifest,
    moduleName: '/app.wasm',
    manifestName: '/app.json',
    imports: ({ memory }) => ({ env: corpusHost(lines, () => /** @type {WebAssembly.Memory} */ (memory)) }),
    readFile: async (name) => {
      const r = await fetch(`/lib/${encodeURIComponent(name)}`);
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    },
    preload: config.preload,
  });
  lines.push(`ret ${rt.exports.run()}`);
  await post({ lines, loaded: rt.loaded });
} catch (e) {
  await post({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e), lines: globalThis.__lines });
}
