// Preloaded (node --require) into the runs of tests/e2e/emscripten.mjs: records every
// WebAssembly.compile / compileStreaming / instantiate / instantiateStreaming call and
// every `new WebAssembly.Module`, one JSON line per call appended at once to the file
// named by $PRELINK_WASM_LOG (so a run that dies still leaves its record):
//   {"api": "instantiate", "bytes": <length or null>, "compiled": true, "dylink": true|false,
//    "trampoline": true|false, "worker": true|false}
// "worker": the call was made in a worker thread (node passes --require on to the
// workers of emcc's pthreads glue, so they are recorded too, in the same file). In a
// worker, `new WebAssembly.Instance` of a module compiled in another thread (how emcc's
// worker instantiates the main module it was sent) is recorded as {"api": "Instance",
// "bytes": null, "compiled": false, "dylink": <the module's>}.
// "dylink": the module has a dylink.0 (or legacy dylink) custom section: a main or side
// module. "trampoline": a tiny module importing one function e.f and exporting f, which
// emcc's glue compiles to put a JS function into the table (convertJsFunctionToWasm).
// instantiate() of an already compiled WebAssembly.Module compiles nothing and is
// recorded with "bytes": null, "compiled": false.
'use strict';

const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const logFile = process.env.PRELINK_WASM_LOG;
function write(/** @type {object} */ r) {
  if (logFile) fs.appendFileSync(logFile, `${JSON.stringify({ ...r, worker: !isMainThread })}\n`);
}
const W = WebAssembly;
const OrigModule = W.Module;

/** @returns {Uint8Array | null} */
function bytesOf(source) {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return null;
}

/** Whether the module has a dylink.0 (or legacy dylink) section, as V8 reads it. */
function hasDylink(bytes) {
  try {
    const m = new OrigModule(bytes);
    return OrigModule.customSections(m, 'dylink.0').length > 0 || OrigModule.customSections(m, 'dylink').length > 0;
  } catch {
    return false;
  }
}

function isTrampoline(bytes) {
  if (bytes.length > 64) return false;
  try {
    const m = new OrigModule(bytes);
    const imports = OrigModule.imports(m);
    const exports = OrigModule.exports(m);
    return imports.length === 1 && imports[0].module === 'e' && imports[0].name === 'f' &&
      exports.length === 1 && exports[0].name === 'f';
  } catch {
    return false;
  }
}

function record(api, source) {
  if (source instanceof OrigModule) {
    write({ api, bytes: null, compiled: false, dylink: false, trampoline: false });
    return;
  }
  const bytes = bytesOf(source);
  if (!bytes) {
    // A Response (streaming) or something unexpected: counted as a compiled module.
    write({ api, bytes: null, compiled: true, dylink: true, trampoline: false });
    return;
  }
  write({
    api,
    bytes: bytes.length,
    compiled: true,
    dylink: hasDylink(bytes),
    trampoline: isTrampoline(bytes),
  });
}

/** Modules compiled in this thread (the others came from another thread in a message). */
const compiledHere = new WeakSet();
function noteCompiled(/** @type {unknown} */ r) {
  if (r instanceof OrigModule) compiledHere.add(r);
  else if (r && typeof r === 'object' && 'module' in r && r.module instanceof OrigModule) compiledHere.add(r.module);
  return r;
}

for (const api of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
  const orig = W[api];
  if (typeof orig !== 'function') continue;
  W[api] = function (source, ...rest) {
    record(api, source);
    const p = orig.call(this, source, ...rest);
    return p && typeof p.then === 'function' ? p.then(noteCompiled) : p;
  };
}

W.Module = new Proxy(OrigModule, {
  construct(target, args, newTarget) {
    record('Module', args[0]);
    return noteCompiled(Reflect.construct(target, args, newTarget === W.Module ? target : newTarget));
  },
});

if (!isMainThread) {
  const OrigInstance = W.Instance;
  W.Instance = new Proxy(OrigInstance, {
    construct(target, args, newTarget) {
      const m = args[0];
      if (m instanceof OrigModule && !compiledHere.has(m)) {
        const dylink = OrigModule.customSections(m, 'dylink.0').length > 0 || OrigModule.customSections(m, 'dylink').length > 0;
        write({ api: 'Instance', bytes: null, compiled: false, dylink, trampoline: false });
      }
      return Reflect.construct(target, args, newTarget === W.Instance ? target : newTarget);
    },
  });
}
