// A TypeScript consumer of the prelink-runtime package, type-checked (tsc --strict) against
// its declarations by tests/package/types.mjs: what a program does with the API must
// check, and each misuse below must be an error (@ts-expect-error fails when it is not).
import { checkManifest, instantiate, instantiateThread, parseDylink, type Library, type Manifest, type Runtime, type ThreadInstance } from 'prelink-runtime';

export async function run(bytes: Uint8Array, module: WebAssembly.Module, manifest: Manifest, libs: Map<string, Uint8Array>): Promise<number> {
  const rt: Runtime = await instantiate({
    bytes,
    manifest,
    moduleName: 'app.wasm',
    imports: ({ memory, table }) => ({ env: { log_i32: (n: number) => console.log(n, memory?.buffer.byteLength, table?.length) } }),
    readFile: (name) => libs.get(name) ?? new Uint8Array(),
    preload: ['libextra.so'],
    allocate: (size, align) => size * align,
  });
  await rt.preload(['libmore.so']);
  const h: number = rt.loadLibrary('libextra.so', { global: true });
  const lib: Library | null = rt.library(h);
  const base: number = (lib?.memoryBase ?? 0) + rt.dlsym(h, 'extra_value');
  const sp: WebAssembly.Global | null = rt.stackPointer;
  const names: string[] = rt.loaded;
  const slot: number | null | undefined = rt.manifest.libraries[0].symbols[0].table_slot;
  const sha: string = manifest.module.sha256;
  const d = parseDylink(module);
  const needed: string[] = d.needed;
  const flags: number | undefined = d.importFlags.get('env.f');
  await checkManifest(bytes, manifest, { manifestName: 'app.json' });
  await instantiate({ module, manifest, checkManifest: false, init: false, imports: { env: {} } });
  console.log(base, sp, names, slot, sha, needed, flags, manifest.stack.pointer_export, manifest.libraries[0].init_slot);
  return rt.exports.run() as number;
}

// A worker's side of a threaded program: the main thread's memory, the thread's stack and TLS.
export async function thread(module: WebAssembly.Module, manifest: Manifest, memory: WebAssembly.Memory, area: number): Promise<number> {
  const th: ThreadInstance = await instantiateThread({ module, manifest, memory, imports: ({ table }) => ({ env: { n: () => table?.length } }) });
  const block: number = th.initThread({ stackTop: area + 65536, tls: area, tlsEnd: area + th.tlsSize + th.tlsAlign });
  const again: number = th.initThread({ tls: block });
  return block + again + th.tlsBase;
}

export async function misuse(bytes: Uint8Array, manifest: Manifest) {
  // @ts-expect-error the manifest is required
  await instantiate({ bytes });
  // @ts-expect-error checkManifest is a boolean
  await instantiate({ bytes, manifest, checkManifest: 'no' });
  const rt = await instantiate({ bytes, manifest });
  // @ts-expect-error loadLibrary returns a handle (a number)
  const s: string = rt.loadLibrary('libx.so');
  // @ts-expect-error stackPointer is read-only
  rt.stackPointer = null;
  // @ts-expect-error a manifest's scope is "global" or "dlopen"
  const scope: 'local' = manifest.libraries[0].scope;
  // @ts-expect-error dlsym takes a handle and a name
  rt.dlsym('libx.so');
  // @ts-expect-error a thread needs the main thread's memory
  await instantiateThread({ bytes, manifest });
  console.log(s, scope);
}
