// prelink's JavaScript runtime: instantiates a module linked by prelink as its manifest
// says, and serves dlopen for side modules that were not prelinked (the fallback
// loader). No dependencies; node and browsers. See docs/runtime.md.
//
// It parses only the dylink.0 custom section; everything else about a module comes from
// WebAssembly.Module.imports/exports/customSections.

const PAGE = 65536;
const RTLD_NOLOAD = 4;
const RTLD_GLOBAL = 256;
const WEAK = 1; // WASM_SYM_BINDING_WEAK in EXPORT_INFO / IMPORT_INFO flags

/**
 * @typedef {{ name: string, kind: string, global: boolean, table_slot?: number | null,
 *             address?: number, function_index?: number | null }} ManifestSymbol
 * @typedef {{ name: string, dlopen_names?: string[], scope: string, needed: string[],
 *             memory_base: number, memory_size: number, table_base: number, table_size: number,
 *             symbols: ManifestSymbol[] }} ManifestLibrary
 * @typedef {{ memory: { imported: boolean, min_pages: number, max_pages: number | null, shared: boolean },
 *             table: { imported: boolean, min: number, max: number | null },
 *             stack: { low: number, high: number, size: number, pointer_imported: boolean },
 *             libraries: ManifestLibrary[], module?: { sha256: string, size: number },
 *             threads?: { tls_model: string | null } | null }} Manifest
 * @typedef {{ memorySize: number, memoryAlign: number, tableSize: number, tableAlign: number,
 *             needed: string[], runtimePath: string[], importFlags: Map<string, number>,
 *             exportFlags: Map<string, number> }} Dylink
 * @typedef {(name: string) => Uint8Array | ArrayBuffer | Promise<Uint8Array | ArrayBuffer>} ReadFile
 * @typedef {Record<string, Record<string, any>>} Imports
 * @typedef {ArrayBuffer | ArrayBufferView} Bytes module bytes (a Uint8Array, node's Buffer)
 * @typedef {{ module?: WebAssembly.Module, bytes?: Bytes, manifest: Manifest,
 *             imports?: Imports | ((ctx: { memory: WebAssembly.Memory | null, table: WebAssembly.Table | null }) => Imports),
 *             readFile?: ReadFile, preload?: string[], init?: boolean, stackSize?: number,
 *             allocate?: (size: number, align: number) => number,
 *             checkManifest?: boolean, moduleName?: string, manifestName?: string }} Options
 * @typedef {{ module?: WebAssembly.Module, bytes?: Bytes, manifest: Manifest, memory: WebAssembly.Memory,
 *             imports?: Imports | ((ctx: { memory: WebAssembly.Memory, table: WebAssembly.Table | null }) => Imports),
 *             stackTop?: number, tls?: number, tlsEnd?: number, allocate?: (size: number, align: number) => number,
 *             checkManifest?: boolean, moduleName?: string, manifestName?: string }} ThreadOptions
 * @typedef {{ stackTop?: number, tls?: number, tlsEnd?: number }} ThreadStart
 * @typedef {{ instance: WebAssembly.Instance, exports: Record<string, any>, memory: WebAssembly.Memory,
 *             table: WebAssembly.Table | null, manifest: Manifest, tlsSize: number, tlsAlign: number,
 *             tlsBase: number, initThread: (t: ThreadStart) => number }} ThreadInstance
 * @typedef {{ name: string, handle: number, refs: number, global: boolean,
 *             prelinked?: ManifestLibrary, instance?: WebAssembly.Instance,
 *             exports?: Record<string, any>, memoryBase: number, memorySize: number,
 *             tableBase: number, tableSize: number, scope: Lib[], fname?: number }} Lib
 * @typedef {{ kind: 'func', fn: Function | null, slot?: number | null } | { kind: 'data', address: number }} Sym
 */

/** Reads the dylink.0 section of a compiled module. @returns {Dylink} */
export function parseDylink(/** @type {WebAssembly.Module} */ module) {
  const sections = WebAssembly.Module.customSections(module, 'dylink.0');
  if (sections.length !== 1) throw new Error('not a dylink.0 side module (no dylink.0 section)');
  const b = new Uint8Array(sections[0]);
  let p = 0;
  const uleb = () => {
    let v = 0, shift = 0, byte;
    do {
      if (p >= b.length) throw new Error('dylink.0: truncated');
      byte = b[p++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return v;
  };
  const str = () => { const n = uleb(); const s = new TextDecoder().decode(b.subarray(p, p + n)); p += n; return s; };
  /** @type {Dylink} */
  const d = { memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0, needed: [], runtimePath: [],
    importFlags: new Map(), exportFlags: new Map() };
  while (p < b.length) {
    const type = b[p++];
    const len = uleb();
    const end = p + len;
    if (type === 1) { // MEM_INFO
      d.memorySize = uleb(); d.memoryAlign = uleb(); d.tableSize = uleb(); d.tableAlign = uleb();
    } else if (type === 2) { // NEEDED
      for (let n = uleb(); n > 0; n--) d.needed.push(str());
    } else if (type === 3) { // EXPORT_INFO
      for (let n = uleb(); n > 0; n--) { const name = str(); d.exportFlags.set(name, uleb()); }
    } else if (type === 4) { // IMPORT_INFO
      for (let n = uleb(); n > 0; n--) { const m = str(); const f = str(); d.importFlags.set(`${m}.${f}`, uleb()); }
    } else if (type === 5) { // RUNTIME_PATH
      for (let n = uleb(); n > 0; n--) d.runtimePath.push(str());
    }
    p = end; // unknown subsections are skipped
  }
  return d;
}

const basename = (/** @type {string} */ s) => s.slice(s.lastIndexOf('/') + 1);
const alignUp = (/** @type {number} */ v, /** @type {number} */ a) => Math.ceil(v / a) * a;

/** SHA-256 of bytes, lowercase hex: crypto.subtle (browsers, node 19+; node 18's webcrypto). */
async function sha256Hex(/** @type {Bytes} */ bytes) {
  let subtle = globalThis.crypto?.subtle;
  if (!subtle && typeof process === 'object' && process.versions?.node) {
    const name = 'node:crypto'; // not a static import: browsers and bundlers never see it
    subtle = /** @type {SubtleCrypto} */ ((await import(name)).webcrypto.subtle);
  }
  if (!subtle) throw new Error('prelink-runtime: crypto.subtle is not available (a page served over plain http from another host than localhost?): serve it over https, or pass checkManifest: false');
  const h = new Uint8Array(await subtle.digest('SHA-256', /** @type {BufferSource} */ (bytes)));
  return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks that the manifest is the one prelink wrote with these module bytes (its
 * module.sha256), so that a stale or swapped manifest fails with one clear error instead
 * of a wrong layout or a V8 link error.
 */
export async function checkManifest(/** @type {Bytes} */ bytes, /** @type {Manifest} */ manifest,
  { moduleName = 'the module', manifestName = 'the manifest' } = {}) {
  const want = manifest?.module?.sha256;
  if (typeof want !== 'string') {
    throw new Error(`prelink-runtime: ${manifestName} records no module sha256 (not a prelink manifest, or one written before prelink recorded it): relink, or pass checkManifest: false`);
  }
  const got = await sha256Hex(bytes);
  if (got !== want) {
    throw new Error(`prelink-runtime: ${manifestName} does not describe ${moduleName} (sha256 ${got} != ${want}): relink, or use the manifest written with the module`);
  }
}

/**
 * Instantiates a module linked by prelink and returns it with its dynamic loader.
 * @param {Options} opts
 */
export async function instantiate(opts) {
  const { manifest, readFile, init = true } = opts;
  if (!opts.module && !opts.bytes) throw new Error('prelink-runtime: instantiate needs bytes (the linked module) or module (compiled)');
  // The manifest must be the module's: checked on the bytes (a compiled module alone has none).
  if (opts.bytes && opts.checkManifest !== false) await checkManifest(opts.bytes, manifest, opts);
  const module = opts.module ?? await WebAssembly.compile(/** @type {BufferSource} */ (opts.bytes));
  const userImports = typeof opts.imports === 'function' ? null : (opts.imports ?? {});

  // Memory, table and (if imported) the stack pointer, as the manifest says.
  /** @type {WebAssembly.Memory | null} */ let memory = null;
  /** @type {WebAssembly.Table | null} */ let table = null;
  /** @type {WebAssembly.Global | null} */ let stackPointer = null;
  const modImports = WebAssembly.Module.imports(module);
  for (const imp of modImports) {
    if (imp.module !== 'env') continue;
    if (imp.kind === 'memory') {
      const m = manifest.memory;
      memory = new WebAssembly.Memory({ initial: m.min_pages, maximum: m.max_pages ?? (m.shared ? 65536 : undefined), shared: m.shared });
    } else if (imp.kind === 'table') {
      table = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min, maximum: manifest.table.max ?? undefined });
    } else if (imp.kind === 'global' && imp.name === '__stack_pointer') {
      stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, manifest.stack.high);
    }
  }
  const host = userImports ?? /** @type {Function} */ (opts.imports)({ memory, table });
  const env = { ...(host.env ?? {}) };
  // The caller's own memory, table or stack pointer win over the ones made here.
  if (memory) env.memory = memory = env.memory ?? memory;
  if (table) env.__indirect_function_table = table = env.__indirect_function_table ?? table;
  if (stackPointer) env.__stack_pointer = stackPointer = env.__stack_pointer ?? stackPointer;
  const dl = { dlopen, dlsym, dlclose, dlerror, dladdr };
  for (const imp of modImports) {
    if (imp.module === 'env' && imp.kind === 'function' && imp.name in dl && !(imp.name in env)) {
      env[imp.name] = dl[/** @type {keyof typeof dl} */ (imp.name)];
    }
  }
  const instance = await WebAssembly.instantiate(module, { ...host, env });
  const exports = /** @type {Record<string, any>} */ (instance.exports);
  memory ??= /** @type {WebAssembly.Memory} */ (Object.values(exports).find((x) => x instanceof WebAssembly.Memory) ?? null);
  table ??= /** @type {WebAssembly.Table} */ (Object.values(exports).find((x) => x instanceof WebAssembly.Table) ?? null);
  if (!memory) throw new Error('the linked module neither imports nor exports a memory');
  const mem = memory;
  if (exports.__stack_pointer instanceof WebAssembly.Global) stackPointer = exports.__stack_pointer;

  // The global scope of the linked module, from the manifest.
  /** @type {Map<string, ManifestLibrary>} */ const prelinked = new Map();
  /** @type {Map<string, ManifestSymbol>} */ const globalSyms = new Map();
  for (const lib of manifest.libraries) {
    for (const n of lib.dlopen_names ?? [lib.name]) prelinked.set(basename(n), lib);
    for (const s of lib.symbols) if (s.global) globalSyms.set(s.name, s);
  }

  /** @type {Map<string, WebAssembly.Module>} */ const compiled = new Map();
  /** @type {Map<string, Lib>} */ const libs = new Map(); // by basename
  /** @type {Lib[]} */ const handles = []; // handle h is handles[h - 1]
  /** @type {string[]} */ const loaded = [];
  /** @type {Map<Function, number>} */ const slotOf = new Map();
  let slotsScanned = 0;
  /** @type {string | null} */ let error = null;
  let errBuf = 0;
  let growNext = 0, growEnd = 0;
  /** @type {WebAssembly.Global | null} */ let ownStack = null;

  // ---- memory and table -------------------------------------------------------------
  /** Memory for a library: the program's allocator, else pages of its own. */
  function allocate(/** @type {number} */ size, /** @type {number} */ align) {
    align = Math.max(align, 1);
    let p;
    if (opts.allocate) p = opts.allocate(size, align);
    else if (typeof exports.aligned_alloc === 'function') p = exports.aligned_alloc(align, alignUp(Math.max(size, 1), align)) >>> 0;
    else if (typeof exports.malloc === 'function') p = alignUp(exports.malloc(size + align) >>> 0, align);
    else {
      // memory.grow: the pages are ours whatever an allocator that also grows memory does.
      if (alignUp(growNext, align) + size > growEnd) {
        const pages = Math.ceil((size + align) / PAGE);
        growNext = mem.grow(pages) * PAGE;
        growEnd = growNext + pages * PAGE;
      }
      p = alignUp(growNext, align);
      growNext = p + size;
      return p; // fresh pages are zero
    }
    if (!p) throw new Error(`out of memory (${size} bytes)`);
    new Uint8Array(mem.buffer, p, size).fill(0);
    return p;
  }

  /** The table slot of a function: the one it has, else a new one. */
  function slotFor(/** @type {Function} */ fn) {
    if (!table) throw new Error('the linked module neither imports nor exports its table');
    for (; slotsScanned < table.length; slotsScanned++) {
      const f = table.get(slotsScanned);
      if (f && !slotOf.has(f)) slotOf.set(f, slotsScanned);
    }
    let slot = slotOf.get(fn);
    if (slot === undefined) {
      slot = table.grow(1);
      table.set(slot, fn);
      slotOf.set(fn, slot);
      slotsScanned = table.length;
    }
    return slot;
  }

  // ---- symbols ----------------------------------------------------------------------
  /** A symbol of a library the runtime loaded. @returns {Sym | null} */
  function symbolOfLib(/** @type {Lib} */ lib, /** @type {string} */ name) {
    if (lib.prelinked) {
      const s = lib.prelinked.symbols.find((x) => x.name === name);
      if (!s) return null;
      if (s.kind === 'data') return { kind: 'data', address: /** @type {number} */ (s.address) };
      const fn = s.kind === 'function' ? (s.table_slot ? table?.get(s.table_slot) : s.global ? exports[name] : null) : null;
      return fn ? { kind: 'func', fn, slot: s.table_slot } : null;
    }
    if (!lib.exports || name.startsWith('__wasm_') || !(name in lib.exports)) return null;
    const v = lib.exports[name];
    if (typeof v === 'function') return { kind: 'func', fn: v };
    if (v instanceof WebAssembly.Global) return { kind: 'data', address: lib.memoryBase + Number(v.value) };
    return null;
  }

  /**
   * Resolves a symbol for `from` (null: the default scope): the manifest's global scope,
   * the linked module's exports, libraries loaded RTLD_GLOBAL, then `from`'s local scope
   * (itself and its NEEDED, breadth first), then the host's env imports.
   * @returns {Sym | null}
   */
  function resolve(/** @type {string} */ name, /** @type {Lib | null} */ from) {
    const g = globalSyms.get(name);
    if (g?.kind === 'data') return { kind: 'data', address: /** @type {number} */ (g.address) };
    if (g?.kind === 'function') {
      const fn = g.table_slot ? table?.get(g.table_slot) : exports[name];
      if (fn) return { kind: 'func', fn, slot: g.table_slot };
    }
    const e = exports[name];
    if (typeof e === 'function') return { kind: 'func', fn: e };
    if (e instanceof WebAssembly.Global && name !== '__stack_pointer') return { kind: 'data', address: Number(e.value) };
    for (const lib of handles) {
      if (!lib.global) continue;
      const s = symbolOfLib(lib, name);
      if (s) return s;
    }
    for (const lib of from?.scope ?? []) {
      const s = symbolOfLib(lib, name);
      if (s) return s;
    }
    if (typeof env[name] === 'function') return { kind: 'func', fn: env[name] };
    return null;
  }

  /** The value dlsym and GOT entries give a symbol: a slot or an address. */
  const valueOf = (/** @type {Sym} */ s) => (s.kind === 'data' ? s.address : s.slot || slotFor(/** @type {Function} */ (s.fn)));

  // ---- loading ----------------------------------------------------------------------
  function moduleOf(/** @type {string} */ name) {
    const key = basename(name);
    let m = compiled.get(key);
    if (m) return m;
    if (!readFile) throw new Error(`cannot load ${name}: no readFile given and it was not preloaded`);
    const bytes = readFile(name);
    if (bytes && typeof (/** @type {any} */ (bytes).then) === 'function') {
      /** @type {Promise<unknown>} */ (bytes).catch(() => {});
      throw new Error(`cannot load ${name}: it was not preloaded and readFile is asynchronous`);
    }
    m = new WebAssembly.Module(/** @type {BufferSource} */ (bytes));
    compiled.set(key, m);
    return m;
  }

  /** Reads and compiles libraries and their NEEDED ahead of dlopen (async: fetch). */
  async function preload(/** @type {string[]} */ names) {
    const queue = [...names];
    while (queue.length) {
      const name = /** @type {string} */ (queue.shift());
      const key = basename(name);
      if (prelinked.has(key) || compiled.has(key)) continue;
      if (!readFile) throw new Error(`cannot preload ${name}: no readFile given`);
      const m = await WebAssembly.compile(/** @type {BufferSource} */ (await readFile(name)));
      compiled.set(key, m);
      queue.push(...parseDylink(m).needed);
    }
  }

  /** A handle's library: a prelinked one (only when the module has no in-module libdl). */
  function prelinkedLib(/** @type {ManifestLibrary} */ p) {
    for (const lib of handles) if (lib.prelinked === p) return lib;
    if (p.scope !== 'global') {
      // A prelinked dlopen-only library: the in-module libdl initialises it.
      const hasLibdl = manifest.libraries.some((l) => /** @type {any} */ (l).prelink_libdl);
      if (!hasLibdl || typeof exports.dlopen !== 'function') throw new Error(`${p.name} is a dlopen-only library of the linked module, which has no in-module libdl to initialise it`);
      const n = new TextEncoder().encode(p.name).length + 1;
      if (!exports.dlopen(putString(p.name, allocate(n, 1), n), 0)) throw new Error(`the in-module dlopen of ${p.name} failed`);
    }
    /** @type {Lib} */
    const lib = { name: p.name, handle: handles.length + 1, refs: 0, global: false, prelinked: p,
      memoryBase: p.memory_base, memorySize: p.memory_size, tableBase: p.table_base, tableSize: p.table_size, scope: [] };
    lib.scope = [lib];
    handles.push(lib);
    return lib;
  }

  /** Loads a library and its NEEDED (dlopen's work). @returns {Lib} */
  function load(/** @type {string} */ name, /** @type {number} */ mode) {
    const key = basename(name);
    const known = libs.get(key) ?? (prelinked.has(key) ? prelinkedLib(/** @type {ManifestLibrary} */ (prelinked.get(key))) : null);
    if (known || mode & RTLD_NOLOAD) {
      if (!known) throw new Error(`${name} is not loaded (RTLD_NOLOAD)`);
      known.refs++;
      if (mode & RTLD_GLOBAL) known.global = true;
      return known;
    }
    // 1. The new libraries: this one and its NEEDED closure, breadth first.
    /** @type {{ lib: Lib, module: WebAssembly.Module, dylink: Dylink, needed: Lib[] }[]} */
    const batch = [];
    /** @type {Map<string, typeof batch[0]>} */ const inBatch = new Map();
    const get = (/** @type {string} */ n) => {
      const k = basename(n);
      const have = libs.get(k) ?? inBatch.get(k)?.lib;
      if (have) return have;
      const p = prelinked.get(k);
      if (p) return prelinkedLib(p);
      const module = moduleOf(n);
      /** @type {Lib} */
      const lib = { name: k, handle: 0, refs: 0, global: false, memoryBase: 0, memorySize: 0, tableBase: 0, tableSize: 0, scope: [] };
      const item = { lib, module, dylink: parseDylink(module), needed: /** @type {Lib[]} */ ([]) };
      batch.push(item);
      inBatch.set(k, item);
      return lib;
    };
    const root = get(name);
    for (let i = 0; i < batch.length; i++) batch[i].needed = batch[i].dylink.needed.map(get);
    for (const it of batch) { // local scope: itself, then NEEDED breadth first
      const scope = [it.lib];
      for (let i = 0; i < scope.length; i++) {
        const deps = inBatch.get(scope[i].name)?.needed ?? libs.get(scope[i].name)?.scope.slice(1) ?? [];
        for (const d of deps) if (!scope.includes(d)) scope.push(d);
      }
      it.lib.scope = scope;
    }

    // 2. Memory, table and imports; instantiate (dependencies first).
    /** @type {{ g: WebAssembly.Global, name: string, lib: Lib, weak: boolean }[]} */ const got = [];
    for (const it of [...batch].reverse()) {
      const { lib, module, dylink: d } = it;
      lib.memorySize = d.memorySize;
      lib.memoryBase = d.memorySize ? allocate(d.memorySize, 2 ** d.memoryAlign) : 0;
      lib.tableSize = d.tableSize;
      if (d.tableSize) {
        if (!table) throw new Error(`${lib.name} needs table slots but the linked module neither imports nor exports its table`);
        const a = 2 ** d.tableAlign;
        const pad = alignUp(table.length, a) - table.length;
        lib.tableBase = table.grow(d.tableSize + pad) + pad;
      } else {
        lib.tableBase = table?.length ?? 0;
      }
      /** @type {Imports} */ const imp = {};
      for (const i of WebAssembly.Module.imports(module)) {
        const weak = ((d.importFlags.get(`${i.module}.${i.name}`) ?? d.importFlags.get(`env.${i.name}`) ?? 0) & WEAK) !== 0;
        let v;
        if (i.module === 'env' && i.kind === 'memory') v = memory;
        else if (i.module === 'env' && i.kind === 'table') v = table;
        else if (i.module === 'env' && i.name === '__memory_base') v = new WebAssembly.Global({ value: 'i32' }, lib.memoryBase);
        else if (i.module === 'env' && i.name === '__table_base') v = new WebAssembly.Global({ value: 'i32' }, lib.tableBase);
        else if (i.module === 'env' && i.name === '__stack_pointer') v = stackPointer ?? sideStack();
        else if (i.module === 'GOT.mem' || i.module === 'GOT.func') {
          v = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
          got.push({ g: v, name: i.name, lib, weak });
        } else if (i.module === 'env' && i.kind === 'function') {
          v = importedFunction(i.name, lib, weak, inBatch);
        } else if (host[i.module] && i.name in host[i.module]) v = host[i.module][i.name];
        else throw new Error(`${lib.name}: undefined symbol: ${i.name} (import ${i.module}.${i.name})`);
        (imp[i.module] ??= {})[i.name] = v;
      }
      const instance = new WebAssembly.Instance(module, imp);
      lib.instance = instance;
      lib.exports = /** @type {Record<string, any>} */ (instance.exports);
    }

    // 3. GOT entries (now that every new library's exports exist), relocations, then
    // constructors, dependencies first.
    for (const e of got) {
      const s = resolve(e.name, e.lib);
      if (!s && !e.weak) throw new Error(`${e.lib.name}: undefined symbol: ${e.name}`);
      e.g.value = s ? valueOf(s) : 0;
    }
    for (const it of batch) {
      it.lib.handle = handles.length + 1;
      handles.push(it.lib);
      libs.set(it.lib.name, it.lib);
      loaded.push(it.lib.name);
    }
    for (const it of [...batch].reverse()) it.lib.exports?.__wasm_apply_data_relocs?.();
    /** @type {Set<Lib>} */ const done = new Set();
    const construct = (/** @type {Lib} */ lib) => {
      const it = inBatch.get(lib.name);
      if (!it || done.has(lib)) return;
      done.add(lib);
      it.needed.forEach(construct);
      lib.exports?.__wasm_call_ctors?.();
    };
    construct(root);
    batch.forEach((it) => construct(it.lib));
    root.refs++;
    if (mode & RTLD_GLOBAL) root.global = true;
    return root;
  }

  /** An env function import: resolved now, or a stub that finds it when first called. */
  function importedFunction(/** @type {string} */ name, /** @type {Lib} */ lib, /** @type {boolean} */ weak, /** @type {Map<string, any>} */ inBatch) {
    const s = resolve(name, lib);
    if (s?.kind === 'func' && s.fn) return s.fn;
    const later = [...inBatch.values()].some((it) => WebAssembly.Module.exports(it.module).some((e) => e.name === name));
    if (!later && !weak) throw new Error(`${lib.name}: undefined symbol: ${name}`);
    return (/** @type {any[]} */ ...args) => {
      const t = resolve(name, lib);
      if (t?.kind !== 'func' || !t.fn) throw new Error(`${lib.name}: call to undefined ${weak ? 'weak ' : ''}function ${name}`);
      return t.fn(...args);
    };
  }

  /** Stopgap when the linked module does not share its stack pointer: one stack for all
   *  libraries the runtime loads, taken from the heap. */
  function sideStack() {
    if (!ownStack) {
      const size = opts.stackSize ?? 65536;
      ownStack = new WebAssembly.Global({ value: 'i32', mutable: true }, allocate(size, 16) + size);
    }
    return ownStack;
  }

  // ---- the C interface (imports of the linked module) --------------------------------
  function cString(/** @type {number} */ p) {
    const b = new Uint8Array(mem.buffer);
    let e = p >>> 0;
    while (b[e]) e++;
    return new TextDecoder().decode(b.slice(p >>> 0, e));
  }
  function putString(/** @type {string} */ s, /** @type {number} */ p, /** @type {number} */ cap) {
    const bytes = new TextEncoder().encode(s).subarray(0, cap - 1);
    const b = new Uint8Array(mem.buffer);
    b.set(bytes, p);
    b[p + bytes.length] = 0;
    return p;
  }
  const fail = (/** @type {unknown} */ e, /** @type {number} */ r) => { error = e instanceof Error ? e.message : String(e); return r; };
  const byHandle = (/** @type {number} */ h) => handles[h - 1] ?? null;

  /** @returns {number} a handle (1, 2, ...) or 0 */
  function dlopen(/** @type {number} */ file, /** @type {number} */ mode) {
    try {
      if (!file) throw new Error('dlopen(NULL) is answered by the in-module libdl');
      return load(cString(file), mode).handle;
    } catch (e) {
      return fail(`dlopen: ${file ? cString(file) : 'NULL'}: ${e instanceof Error ? e.message : e}`, 0);
    }
  }
  function dlsym(/** @type {number} */ handle, /** @type {number} */ namePtr) {
    const name = cString(namePtr);
    try {
      const lib = handle ? byHandle(handle) : null;
      if (handle && !lib) return fail(`dlsym: invalid handle ${handle}`, 0);
      /** @type {Sym | null} */ let s = null;
      if (lib) for (const l of lib.scope) if ((s = symbolOfLib(l, name))) break;
      if (!lib) s = resolve(name, null);
      if (!s) return fail(`dlsym: symbol "${name}" not found${lib ? ` in ${lib.name}` : ''}`, 0);
      return valueOf(s);
    } catch (e) {
      return fail(`dlsym: ${name}: ${e instanceof Error ? e.message : e}`, 0);
    }
  }
  function dlclose(/** @type {number} */ handle) {
    const lib = byHandle(handle);
    if (!lib || lib.refs === 0) return fail(`dlclose: invalid handle ${handle}`, 1);
    lib.refs--; // libraries are never unloaded (as in musl)
    return 0;
  }
  function dlerror() {
    if (error === null) return 0;
    const msg = error;
    error = null;
    errBuf ||= allocate(512, 1);
    return putString(msg, errBuf, 512);
  }
  /** Dl_info { dli_fname, dli_fbase, dli_sname, dli_saddr } for loaded libraries' data. */
  function dladdr(/** @type {number} */ addr, /** @type {number} */ info) {
    addr >>>= 0;
    const lib = handles.find((l) => !l.prelinked && addr >= l.memoryBase && addr < l.memoryBase + l.memorySize);
    if (!lib) return 0;
    if (!lib.fname) lib.fname = putString(lib.name, allocate(lib.name.length * 3 + 1, 1), lib.name.length * 3 + 1);
    const v = new DataView(mem.buffer);
    v.setUint32(info, lib.fname, true);
    v.setUint32(info + 4, lib.memoryBase, true);
    v.setUint32(info + 8, 0, true);
    v.setUint32(info + 12, 0, true);
    return 1;
  }

  if (opts.preload?.length) await preload(opts.preload);
  // A threaded program with one combined TLS block (the llvm flavour, as wasm-ld's): the
  // host gives every thread its block, the main thread included, before code uses TLS.
  let tlsBase = 0;
  const tlsSize = exports.__tls_size instanceof WebAssembly.Global ? Number(exports.__tls_size.value) : 0;
  // (Browsers define SharedArrayBuffer only in cross-origin isolated pages.)
  const shared = typeof SharedArrayBuffer !== 'undefined' && mem.buffer instanceof SharedArrayBuffer;
  if (shared && typeof exports.__wasm_init_tls === 'function' && tlsSize > 0 &&
      (manifest.threads?.tls_model ?? 'combined') === 'combined') {
    const align = exports.__tls_align instanceof WebAssembly.Global ? Number(exports.__tls_align.value) : 16;
    tlsBase = allocate(tlsSize, align);
    exports.__wasm_init_tls(tlsBase);
  }
  if (init && typeof exports._start !== 'function') (exports._initialize ?? exports.__wasm_call_ctors)?.();

  return {
    instance, exports, memory, table, manifest,
    /** the main thread's TLS block (threaded programs with TLS), else 0 */
    tlsBase,
    /** the __stack_pointer loaded libraries share: the module's (exported or imported), or
     *  the runtime's own stack (stopgap, see docs/runtime.md); null until needed */
    get stackPointer() { return stackPointer ?? ownStack; },
    /** names of the libraries the fallback loader loaded, in load order */
    loaded,
    preload,
    /** dlopen from JavaScript: @returns {number} the handle */
    loadLibrary: (/** @type {string} */ name, { global = false } = {}) => load(name, global ? RTLD_GLOBAL : 0).handle,
    /** dlsym from JavaScript: a table slot or an address, or 0 */
    dlsym: (/** @type {number} */ handle, /** @type {string} */ name) => {
      const lib = byHandle(handle);
      let s = null;
      if (lib) for (const l of lib.scope) if ((s = symbolOfLib(l, name))) break;
      return s ? valueOf(s) : 0;
    },
    /** the library behind a handle: name, instance, exports, memoryBase, tableBase */
    library: byHandle,
  };
}

/**
 * Instantiates a module linked by prelink on another thread (a Worker) of a program whose
 * main thread instantiated it with instantiate(): on the main thread's shared memory, with
 * a table of its own (the module's element segments fill it as on the main thread), and
 * no constructors (they ran once, on the main thread; the start function only waits for
 * the memory to be initialised). Then initThread() (here at once when stackTop or tls is
 * given) sets the thread's stack pointer and initialises its TLS block, before the thread
 * runs any code of the module. See docs/runtime.md ("Threads").
 * @param {ThreadOptions} opts
 * @returns {Promise<ThreadInstance>}
 */
export async function instantiateThread(opts) {
  const { manifest, memory } = opts;
  if (!opts.module && !opts.bytes) throw new Error('prelink-runtime: instantiateThread needs bytes (the linked module) or module (compiled)');
  if (!(memory instanceof WebAssembly.Memory) || typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error('prelink-runtime: instantiateThread needs the main thread\'s memory, a shared WebAssembly.Memory (post it to the worker)');
  }
  if (!manifest.memory?.shared) throw new Error('prelink-runtime: the manifest says the memory is not shared: the module was not linked for threads');
  if (opts.bytes && opts.checkManifest !== false) await checkManifest(opts.bytes, manifest, opts);
  const module = opts.module ?? await WebAssembly.compile(/** @type {BufferSource} */ (opts.bytes));
  /** @type {WebAssembly.Table | null} */ let table = null;
  /** @type {WebAssembly.Global | null} */ let stackPointer = null;
  /** @type {Record<string, any>} */ let exports = {};

  // The fallback loader serves the main thread only: what the in-module libdl leaves to the
  // host (a library that was not prelinked) fails here as a C dlopen fails, with a message
  // for this thread's dlerror() (in a buffer from allocate, the module's malloc, or a page).
  /** @type {string | null} */ let error = null;
  let errBuf = 0;
  const fail = (/** @type {string} */ what, /** @type {number} */ r) => { error = `${what}: the fallback loader serves the main thread only`; return r; };
  const cstr = (/** @type {number} */ p) => {
    const b = new Uint8Array(memory.buffer);
    let e = p >>> 0;
    while (b[e]) e++;
    return new TextDecoder().decode(b.slice(p >>> 0, e));
  };
  const dl = {
    dlopen: (/** @type {number} */ file) => fail(`dlopen: ${file ? cstr(file) : 'NULL'}`, 0),
    dlsym: (/** @type {number} */ _h, /** @type {number} */ name) => fail(`dlsym: ${cstr(name)}`, 0),
    dlclose: (/** @type {number} */ h) => fail(`dlclose: ${h}`, 1),
    dladdr: () => 0,
    dlerror: () => {
      if (error === null) return 0;
      const size = 512;
      if (!errBuf) {
        if (opts.allocate) errBuf = opts.allocate(size, 1);
        else if (typeof exports.malloc === 'function') errBuf = exports.malloc(size) >>> 0;
        else errBuf = memory.grow(1) * PAGE; // the page is ours
      }
      const bytes = new TextEncoder().encode(error).subarray(0, size - 1);
      const b = new Uint8Array(memory.buffer);
      b.set(bytes, errBuf);
      b[errBuf + bytes.length] = 0;
      error = null;
      return errBuf;
    },
  };
  const modImports = WebAssembly.Module.imports(module);
  for (const imp of modImports) {
    if (imp.module !== 'env') continue;
    if (imp.kind === 'table') table = new WebAssembly.Table({ element: 'anyfunc', initial: manifest.table.min, maximum: manifest.table.max ?? undefined });
    else if (imp.kind === 'global' && imp.name === '__stack_pointer') stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  }
  const host = typeof opts.imports === 'function' ? opts.imports({ memory, table }) : (opts.imports ?? {});
  const env = { ...(host.env ?? {}) };
  for (const imp of modImports) {
    if (imp.module !== 'env') continue;
    if (imp.kind === 'memory') env[imp.name] = memory;
    else if (imp.kind === 'table') env[imp.name] = table = env[imp.name] ?? table;
    else if (imp.kind === 'global' && imp.name === '__stack_pointer') env[imp.name] = stackPointer = env[imp.name] ?? stackPointer;
    else if (imp.kind === 'function' && !(imp.name in env) && imp.name in dl) env[imp.name] = dl[/** @type {keyof typeof dl} */ (imp.name)];
  }
  const instance = await WebAssembly.instantiate(module, { ...host, env });
  exports = /** @type {Record<string, any>} */ (instance.exports);
  table ??= /** @type {WebAssembly.Table} */ (Object.values(exports).find((x) => x instanceof WebAssembly.Table) ?? null);
  const num = (/** @type {any} */ g) => (g instanceof WebAssembly.Global ? Number(g.value) : 0);
  const tlsSize = num(exports.__tls_size), tlsAlign = Math.max(num(exports.__tls_align), 1);
  if (tlsSize > 0 && typeof exports.__wasm_init_tls !== 'function') {
    throw new Error('prelink-runtime: the module exports __tls_size but no __wasm_init_tls: it cannot give a thread its TLS block');
  }
  const sp = stackPointer ?? (exports.__stack_pointer instanceof WebAssembly.Global ? exports.__stack_pointer : null);

  /** @type {ThreadInstance} */
  const th = {
    instance, exports, memory, table, manifest, tlsSize, tlsAlign, tlsBase: 0,
    /**
     * Starts a thread on this instance: its stack pointer (stackTop, 16-aligned), and its
     * TLS block (tlsSize bytes at tls aligned up to tlsAlign, which must end by tlsEnd when
     * given; without tls, from allocate) initialised by __wasm_init_tls. A worker that
     * runs several threads one after the other calls it for each. @returns the block
     */
    initThread(/** @type {ThreadStart} */ t) {
      if (t.stackTop !== undefined) {
        if (!sp) throw new Error('prelink-runtime: the linked module neither imports nor exports __stack_pointer, so a thread cannot have a stack of its own (link with --import-stack-pointer)');
        sp.value = t.stackTop;
      }
      if (tlsSize === 0) return (th.tlsBase = 0);
      let block;
      if (t.tls !== undefined) block = alignUp(t.tls, tlsAlign);
      else if (opts.allocate) block = opts.allocate(tlsSize, tlsAlign);
      else throw new Error(`prelink-runtime: the module has thread-local storage (${tlsSize} bytes): initThread needs tls (an address) or instantiateThread allocate`);
      if (t.tlsEnd !== undefined && block + tlsSize > t.tlsEnd) {
        throw new Error(`prelink-runtime: the TLS block (${tlsSize} bytes, aligned ${tlsAlign}) does not fit in [${t.tls}, ${t.tlsEnd})`);
      }
      exports.__wasm_init_tls(block);
      return (th.tlsBase = block);
    },
  };
  if (opts.stackTop !== undefined || opts.tls !== undefined) th.initThread(opts);
  return th;
}
