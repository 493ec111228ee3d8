#!/usr/bin/env node
// Runs a module linked by prelink under node with prelink-runtime:
//
//   prelink main.wasm libfoo.so -o app.wasm --manifest app.json
//   node run.mjs app.wasm app.json [LIBDIR]
//
// The host functions here are those of prelink's corpus programs (corpus/include/host.h:
// log_i32, log_i64, log_f64, log_str, each printing one line); a real program brings its
// own. Libraries the program dlopens that were not prelinked are read from LIBDIR
// (default: the module's directory), synchronously, as C's dlopen needs. Then the
// program's `run` export is called and its result printed as `ret N`.
import fs from 'node:fs';
import path from 'node:path';
import { instantiate } from 'prelink-runtime';

const [wasmFile, manifestFile, libDir = path.dirname(wasmFile ?? '.')] = process.argv.slice(2);
if (!wasmFile || !manifestFile) {
  console.error('usage: node run.mjs app.wasm app.json [LIBDIR]');
  process.exit(1);
}

try {
  /** @type {WebAssembly.Memory | null} */ let memory = null;
  const decoder = new TextDecoder();
  const rt = await instantiate({
    bytes: fs.readFileSync(wasmFile),
    manifest: JSON.parse(fs.readFileSync(manifestFile, 'utf8')),
    moduleName: wasmFile, // for the error when the manifest is not this module's
    manifestName: manifestFile,
    imports: (ctx) => {
      memory = ctx.memory;
      return {
        env: {
          log_i32: (n) => console.log(`i32 ${n}`),
          log_i64: (n) => console.log(`i64 ${n}`),
          log_f64: (x) => console.log(`f64 ${x}`),
          log_str: (p) => {
            const b = new Uint8Array(memory.buffer);
            let e = p;
            while (b[e]) e++;
            console.log(`str ${decoder.decode(b.subarray(p, e))}`);
          },
        },
      };
    },
    readFile: (name) => fs.readFileSync(path.join(libDir, path.basename(name))),
  });
  memory = rt.memory; // a module that defines its own memory
  console.log(`ret ${rt.exports.run()}`);
  if (rt.loaded.length) console.error(`run.mjs: loaded at run time: ${rt.loaded.join(', ')}`);
} catch (e) {
  console.error(`run.mjs: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
