// Reference run-time loader for WebAssembly dylink.0 programs (a PIE main
// module plus -shared side modules). It is the oracle the end-to-end tests
// compare prelink's output against, so it favours clarity over speed.
//
// Semantics follow tool-conventions/DynamicLinking.md and the loader in
// emscripten's libdylink.js; where the two leave a choice, the ELF dynamic
// linker's behaviour is used (breadth-first NEEDED load order, first
// definition in load order wins, constructors of dependencies first).
// Only the dylink.0 custom section is parsed here; imports and exports are
// read with WebAssembly.Module.imports/exports.
//
// The loader also answers the C interface env.dlopen/dlsym/dlclose/dlerror/dladdr
// (unless the host functions bring their own), with ELF semantics: RTLD_LOCAL
// libraries stay out of the global scope and look symbols up in the global scope,
// then in their dlopen root's NEEDED closure (each such dlopen has its own GOT);
// RTLD_GLOBAL (also on an already loaded library) adds a library and its closure to
// the global scope; RTLD_NOLOAD; dlopen(NULL) is the global scope; a library answers
// to its file name and to any path ending in "/" + that name; dlclose never unloads.
// dlerror() texts (written into a scratch region above the stack; the wording of
// prelink's in-module libdl, prelink/link/libdl/prelink_dl.c):
//   dlopen: cannot find library "<path>"
//   dlsym: symbol "<name>" not found in <library file name>   (a library's handle)
//   dlsym: symbol "<name>" not found in the global scope      (RTLD_DEFAULT, dlopen(NULL))
//   dlsym: symbol "<name>" is neither a function nor data in <library file name>
//   dlsym: invalid handle (looking up "<name>")
//   dlclose: invalid handle
// RTLD_NOLOAD of a library not loaded returns NULL and sets no message (as glibc).
//
// Threads (programs linked with a shared memory): the first loadProgram, on the main
// thread, loads as above; each further thread calls loadProgram with thread: true and
// the main thread's memory, which instantiates the same modules at the same bases with
// a table of its own filled the same way, but applies no data relocations and runs no
// constructors (each module's start function, __wasm_init_memory, initialises memory only
// once). Thread-local storage: every module exporting __wasm_init_tls gets, per thread, a
// block of __tls_size bytes aligned to __tls_align (on the main thread the static block
// its start function claimed), initialised by calling __wasm_init_tls(block); a GOT.mem
// entry of a TLS symbol (EXPORT_INFO flag 0x100, the export being an offset) holds the
// calling thread's address of it, the defining module's __tls_base + that offset.
// startThread() gives a thread its stack and fresh TLS blocks (a pooled thread may run
// several). All threads must see one linker state (memory and table layout, handles),
// so every operation that changes it (dlopen, dlsym, dlclose, dladdr, allocate) goes
// through a shared, ordered log (opts.dlLog): before its own operation a thread replays
// the entries it has not seen (loads again without relocations and constructors), then
// appends its own; syncDl() replays without an operation of its own. dlerror() state
// is per thread, as in POSIX.

const WASM_DYLINK_MEM_INFO = 1;
const WASM_DYLINK_NEEDED = 2;
const WASM_DYLINK_EXPORT_INFO = 3;
const WASM_DYLINK_IMPORT_INFO = 4;
const WASM_DYLINK_RUNTIME_PATH = 5;
const WASM_SYM_BINDING_MASK = 0x3;
const WASM_SYM_BINDING_WEAK = 0x1;
const WASM_SYM_TLS = 0x100;
const PAGE = 65536;

// dlopen flags (musl / emscripten values) and the scratch region of the in-loader libdl.
const RTLD_NOLOAD = 4;
const RTLD_GLOBAL = 256;
const DL_SCRATCH_SIZE = 16384; // reserved right above the stack
const DL_ERROR_SIZE = 1024;    // first part: the dlerror() buffer; the rest: interned names

/** Exports that describe a module itself, never symbols to share (as libdylink.js's isInternalSym). */
const INTERNAL_EXPORTS = new Set([
  '__wasm_call_ctors', '__wasm_apply_data_relocs', '__wasm_apply_global_relocs',
  '__wasm_init_tls', '__tls_size', '__tls_align', '__tls_base', '__dso_handle',
  '__memory_base', '__table_base', '__stack_pointer', '__indirect_function_table',
  'memory', '__cpp_exception', '__c_longjmp', '__set_stack_limits',
]);

export class LoadError extends Error {}

/**
 * @typedef {Object} DylinkInfo
 * @property {number} memorySize   bytes to reserve at __memory_base
 * @property {number} memoryAlign  log2 of the alignment of __memory_base
 * @property {number} tableSize    table slots to reserve at __table_base
 * @property {number} tableAlign   log2 of the alignment of __table_base
 * @property {string[]} needed     NEEDED library names, in order
 * @property {string[]} runtimePath RUNTIME_PATH entries (informational)
 * @property {Map<string, number>} exportFlags symbol flags by export name
 * @property {Map<string, number>} importFlags symbol flags by "module\0field"
 * @property {Set<string>} weakImports symbol names with weak binding in IMPORT_INFO. LLVM
 *           records GOT.mem/GOT.func imports under module "env", so (like libdylink.js)
 *           weakness is keyed by the symbol name alone.
 */

/**
 * Parses the dylink.0 custom section of a compiled module.
 * @param {WebAssembly.Module} module
 * @returns {DylinkInfo | null} null when the module has no dylink.0 section
 */
export function readDylink(module) {
  const sections = WebAssembly.Module.customSections(module, 'dylink.0');
  if (sections.length === 0) return null;
  if (sections.length > 1) throw new LoadError('more than one dylink.0 section');
  const bytes = new Uint8Array(sections[0]);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  const u8 = () => {
    if (pos >= bytes.length) throw new LoadError('dylink.0: unexpected end of section');
    return bytes[pos++];
  };
  const uleb = () => {
    let result = 0, shift = 0, byte;
    do {
      byte = u8();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const str = () => {
    const len = uleb();
    if (pos + len > bytes.length) throw new LoadError('dylink.0: string past end of section');
    const s = utf8.decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const strList = () => Array.from({ length: uleb() }, str);
  /** @type {DylinkInfo} */
  const info = {
    memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0,
    needed: [], runtimePath: [], exportFlags: new Map(), importFlags: new Map(), weakImports: new Set(),
  };
  while (pos < bytes.length) {
    const id = u8();
    const size = uleb();
    const end = pos + size;
    if (end > bytes.length) throw new LoadError(`dylink.0: subsection ${id} past end of section`);
    switch (id) {
      case WASM_DYLINK_MEM_INFO:
        info.memorySize = uleb(); info.memoryAlign = uleb();
        info.tableSize = uleb(); info.tableAlign = uleb();
        break;
      case WASM_DYLINK_NEEDED: info.needed = strList(); break;
      case WASM_DYLINK_RUNTIME_PATH: info.runtimePath = strList(); break;
      case WASM_DYLINK_EXPORT_INFO:
        for (let n = uleb(); n > 0; n--) { const name = str(); info.exportFlags.set(name, uleb()); }
        break;
      case WASM_DYLINK_IMPORT_INFO:
        for (let n = uleb(); n > 0; n--) {
          const mod = str(), field = str(), flags = uleb();
          info.importFlags.set(`${mod}\0${field}`, flags);
          if ((flags & WASM_SYM_BINDING_MASK) === WASM_SYM_BINDING_WEAK) info.weakImports.add(field);
        }
        break;
      default: pos = end; // unknown subsection: skip it
    }
    if (pos !== end) throw new LoadError(`dylink.0: subsection ${id} has the wrong size`);
  }
  return info;
}

/**
 * One loaded module (the main module or a side module).
 * @typedef {Object} Dso
 * @property {string} name
 * @property {WebAssembly.Module} module
 * @property {DylinkInfo | null} dylink
 * @property {Dso[]} deps            resolved NEEDED entries
 * @property {number} memoryBase
 * @property {number} tableBase
 * @property {WebAssembly.Instance | null} instance
 * @property {Map<string, string>} exportKinds symbol exports (no internal ones): name -> kind
 * @property {boolean} global        in the global scope (start-up, or dlopen'ed RTLD_GLOBAL)
 * @property {Dso[] | null} scope    local scope searched after the global scope (RTLD_LOCAL
 *           dlopen: the dlopen root and its NEEDED closure, breadth-first), else null
 * @property {GotSpace} got          the GOT its imports are bound to (one per lookup scope)
 * @property {number} handle         dlopen handle (0 until one is handed out)
 * @property {number} refs           dlopen reference count (never unloads)
 * @property {boolean} [tlsReady]    this thread's TLS block of the module is initialised
 */

/**
 * @typedef {Object} SymbolDef
 * @property {Dso} dso      defining module (first in load order)
 * @property {string} kind  'function' | 'global' | 'tag'
 */

/** @typedef {{global: WebAssembly.Global, required: boolean, filled: boolean, tls?: {dso: Dso, name: string}}} GotEntry
 *  tls: the entry is a TLS symbol's (its value is per thread) */

/**
 * The shared log of operations that change the linker state, for threads (see the top
 * of this file). Entries are plain JSON-able objects; lock() is re-entrant per thread.
 * @typedef {Object} DlLog
 * @property {() => void} lock
 * @property {() => void} unlock
 * @property {() => number} length
 * @property {(i: number) => any} get
 * @property {(entry: any) => void} append
 */

/**
 * GOT entries of one lookup scope: the global scope's, or one per RTLD_LOCAL dlopen.
 * @typedef {{mem: Map<string, GotEntry>, func: Map<string, GotEntry>, scope: Dso[] | null}} GotSpace
 */

/** @typedef {Record<string, Function>} HostFunctions */

const alignUp = (/** @type {number} */ x, /** @type {number} */ a) => Math.ceil(x / a) * a;

class Linker {
  /** @param {LoadOptions} opts */
  constructor(opts) {
    this.libs = opts.libs ?? new Map();
    this.stackSize = opts.stackSize ?? 64 * 1024;
    this.minPages = opts.minPages ?? 256;
    this.maxPages = opts.maxPages;
    this.shared = opts.sharedMemory ?? (opts.memory !== undefined);
    /** @type {WebAssembly.Memory | null} */ this.givenMemory = opts.memory ?? null;
    this.thread = opts.thread ?? false; // not the main thread: no relocations, no constructors
    /** @type {DlLog | null} */ this.dlLog = opts.dlLog ?? null;
    this.logSeen = 0;     // entries of dlLog applied in this thread
    this.replaying = false; // applying another thread's operation: no relocs, ctors, writes
    this.deferTls = this.thread; // a thread's start-up: blocks come with startThread()
    /** @type {{next: number, end: number} | null} */ this.tlsArena = null;
    this.ctorsBeforeRelocs = opts.ctorsBeforeRelocs ?? false;
    this.otherImports = opts.imports ?? {};
    this.hostOption = opts.host ?? {};
    /** @type {HostFunctions} */ this.host = {};
    /** @type {Map<string, Dso>} */ this.loaded = new Map();
    /** @type {Dso[]} */ this.loadOrder = [];
    /** @type {Map<string, SymbolDef>} */ this.symbols = new Map();
    /** @type {GotSpace} */ this.globalGot = { mem: new Map(), func: new Map(), scope: null };
    /** @type {GotSpace[]} */ this.gotSpaces = [this.globalGot];
    /** @type {Map<Function, number>} */ this.slotOf = new Map();
    // Address 0..1023 stays unused so that a null pointer never aliases data;
    // the stack follows and grows down towards it.
    this.memCursor = 1024 + alignUp(this.stackSize, 16);
    this.tableCursor = 1; // slot 0 stays null
    /** @type {WebAssembly.Memory | null} */ this.memory = null;
    /** @type {WebAssembly.Table | null} */ this.table = null;
    this.stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, this.memCursor);
    this.mainStackTop = this.memCursor;
    // Scratch memory of the dl* functions: dlerror() text, then interned C strings
    // (library and symbol names handed out by dladdr).
    this.dlScratch = this.memCursor;
    this.memCursor += DL_SCRATCH_SIZE;
    this.dlNamesCursor = this.dlScratch + DL_ERROR_SIZE;
    /** @type {Map<string, number>} */ this.dlNames = new Map();
    /** @type {string | null} */ this.dlError = null;
    /** @type {Dso[]} */ this.handles = []; // handle h is handles[h - 1]
    this.mainFileName = opts.mainName ?? 'main.wasm';
    /** @type {HostFunctions} */ this.dl = this.makeDl();
  }

  /** Looks a NEEDED name up in the library map (exact name, then its basename). */
  findLib(/** @type {string} */ name) {
    if (this.libs.has(name)) return name;
    const base = name.slice(name.lastIndexOf('/') + 1);
    return this.libs.has(base) ? base : null;
  }

  /**
   * Compiles `roots` and, breadth-first, every library they need that is not
   * loaded yet. Each library is loaded once, so diamonds and cycles terminate.
   * @param {Array<{name: string, bytes: BufferSource}>} roots
   * @returns {Dso[]} the new modules, in load order
   */
  collect(roots) {
    /** @type {Dso[]} */ const batch = [];
    const add = (/** @type {string} */ name, /** @type {BufferSource} */ bytes) => {
      const module = new WebAssembly.Module(bytes);
      /** @type {Dso} */
      /** @type {Map<string, string>} */ const exportKinds = new Map();
      for (const { name: e, kind } of WebAssembly.Module.exports(module)) {
        if (!INTERNAL_EXPORTS.has(e) && kind !== 'memory' && kind !== 'table') exportKinds.set(e, kind);
      }
      /** @type {Dso} */
      const dso = {
        name, module, dylink: readDylink(module), deps: [], memoryBase: 0, tableBase: 0, instance: null,
        exportKinds, global: true, scope: null, got: this.globalGot, handle: 0, refs: 0, tlsReady: false,
      };
      this.loaded.set(name, dso);
      batch.push(dso);
    };
    let i = 0;
    for (const r of roots) {
      if (!this.loaded.has(r.name)) add(r.name, r.bytes);
      for (; i < batch.length; i++) {
        for (const needed of batch[i].dylink?.needed ?? []) {
          const key = this.findLib(needed);
          if (key === null) throw new LoadError(`${batch[i].name}: needed library not found: ${needed}`);
          if (!this.loaded.has(key)) add(key, /** @type {BufferSource} */ (this.libs.get(key)));
          batch[i].deps.push(/** @type {Dso} */ (this.loaded.get(key)));
        }
      }
    }
    return batch;
  }

  /** Reserves each module's memory and table area, honouring MEM_INFO alignment. */
  layout(/** @type {Dso[]} */ batch) {
    // GOT.func slots appended by an earlier batch (dlopen) sit after the reserved areas.
    if (this.table) this.tableCursor = Math.max(this.tableCursor, this.table.length);
    for (const dso of batch) {
      const d = dso.dylink;
      if (!d) continue; // not relocatable: bases stay 0
      this.memCursor = alignUp(this.memCursor, 2 ** d.memoryAlign);
      dso.memoryBase = this.memCursor;
      this.memCursor += d.memorySize;
      this.tableCursor = alignUp(this.tableCursor, 2 ** d.tableAlign);
      dso.tableBase = this.tableCursor;
      this.tableCursor += d.tableSize;
    }
    const pages = Math.ceil(this.memCursor / PAGE);
    if (!this.memory) {
      const initial = Math.max(pages, this.minPages);
      const maximum = this.maxPages ?? (this.shared ? 65536 : undefined);
      this.memory = this.givenMemory ?? new WebAssembly.Memory({ initial, maximum, shared: this.shared });
      const have = this.memory.buffer.byteLength / PAGE;
      if (pages > have) this.memory.grow(pages - have);
      this.table = new WebAssembly.Table({ element: 'anyfunc', initial: this.tableCursor });
      const h = this.hostOption; // host functions may need the memory (e.g. to read strings)
      this.host = typeof h === 'function' ? h({ memory: this.memory, table: this.table }) : h;
    } else {
      const have = this.memory.buffer.byteLength / PAGE;
      if (pages > have) this.memory.grow(pages - have);
      const table = /** @type {WebAssembly.Table} */ (this.table);
      if (this.tableCursor > table.length) table.grow(this.tableCursor - table.length);
    }
  }

  /** Adds the batch's exports to the global symbol table; earlier definitions win. */
  define(/** @type {Dso[]} */ batch) {
    for (const dso of batch) {
      for (const [name, kind] of dso.exportKinds) {
        if (!this.symbols.has(name)) this.symbols.set(name, { dso, kind });
      }
    }
  }

  /** `root` and its NEEDED closure, breadth-first (ELF's search list of a dlopen handle). */
  searchList(/** @type {Dso} */ root) {
    const list = [root];
    const seen = new Set(list);
    for (let i = 0; i < list.length; i++) {
      for (const d of list[i].deps) if (!seen.has(d)) { seen.add(d); list.push(d); }
    }
    return list;
  }

  /**
   * Looks `name` up as a module of `scope` sees it: the global scope first, then (for a
   * library dlopen'ed RTLD_LOCAL) its local scope breadth-first.
   * @param {Dso[] | null} scope
   * @returns {SymbolDef | undefined}
   */
  resolveSym(scope, /** @type {string} */ name) {
    const sym = this.symbols.get(name);
    if (sym || !scope) return sym;
    for (const dso of scope) {
      const kind = dso.exportKinds.get(name);
      if (kind) return { dso, kind };
    }
    return undefined;
  }

  /** Puts `root` and its NEEDED closure into the global scope (dlopen with RTLD_GLOBAL). */
  promote(/** @type {Dso} */ root) {
    const added = this.searchList(root).filter((d) => !d.global);
    for (const d of added) d.global = true;
    this.define(added);
    if (added.length) this.fillGot(false); // weak GOT entries may now resolve
  }

  /**
   * Initialisation order: DFS post-order over NEEDED (dependencies first),
   * visiting NEEDED in listed order, so a cycle is broken where it closes.
   * @param {Dso} root visited last   @param {Dso[]} extraRoots visited before root
   */
  initOrder(root, extraRoots) {
    /** @type {Set<Dso>} */ const seen = new Set([root]);
    /** @type {Dso[]} */ const order = [];
    const visit = (/** @type {Dso} */ d) => {
      if (seen.has(d) || d.instance) return;
      seen.add(d);
      d.deps.forEach(visit);
      order.push(d);
    };
    root.deps.forEach(visit);
    extraRoots.forEach(visit);
    order.push(root);
    return order;
  }

  /** @param {GotSpace} got  @param {string} space 'GOT.mem' | 'GOT.func'  @param {string} name  @param {boolean} weak */
  gotEntry(got, space, name, weak) {
    const map = space === 'GOT.mem' ? got.mem : got.func;
    let e = map.get(name);
    if (!e) {
      e = { global: new WebAssembly.Global({ value: 'i32', mutable: true }, 0), required: false, filled: false };
      map.set(name, e);
    }
    if (!weak) e.required = true;
    return e;
  }

  /** A function to import for `name`: the export itself, or a trampoline if its module is not instantiated yet. */
  functionRef(/** @type {SymbolDef} */ sym, /** @type {string} */ name) {
    if (sym.dso.instance) return sym.dso.instance.exports[name];
    const dso = sym.dso;
    /** @type {Function | undefined} */ let target;
    return (/** @type {any[]} */ ...args) => {
      target ??= /** @type {Function} */ (dso.instance?.exports[name]);
      if (!target) throw new LoadError(`${name} called before ${dso.name} was instantiated`);
      return target(...args);
    };
  }

  /** Resolves one import of module "env". */
  resolveEnv(/** @type {Dso} */ dso, /** @type {WebAssembly.ModuleImportDescriptor} */ imp, /** @type {boolean} */ weak) {
    const { name, kind } = imp;
    if (kind === 'memory') return this.memory;
    if (kind === 'table' && (name === '__indirect_function_table' || name === 'table')) return this.table;
    if (kind === 'global') {
      if (name === '__memory_base') return new WebAssembly.Global({ value: 'i32' }, dso.memoryBase);
      if (name === '__table_base') return new WebAssembly.Global({ value: 'i32' }, dso.tableBase);
      if (name === '__stack_pointer') return this.stackPointer;
    }
    const sym = this.resolveSym(dso.scope, name);
    if (kind === 'function') {
      if (sym?.kind === 'function') return this.functionRef(sym, name);
      if (typeof this.host[name] === 'function') return this.host[name];
      if (typeof this.dl[name] === 'function') return this.dl[name]; // unless the host brings its own
      if (weak) return () => { throw new LoadError(`called undefined weak function ${name}`); };
      throw new LoadError(`${dso.name}: undefined symbol: ${name}`);
    }
    if (kind === 'tag' && sym?.kind === 'tag' && sym.dso.instance) return sym.dso.instance.exports[name];
    throw new LoadError(`${dso.name}: unsupported import env.${name} (${kind})`);
  }

  instantiate(/** @type {Dso} */ dso) {
    /** @type {Record<string, Record<string, any>>} */ const imports = {};
    for (const imp of WebAssembly.Module.imports(dso.module)) {
      const weak = dso.dylink?.weakImports.has(imp.name) ?? false;
      let value;
      if (imp.module === 'GOT.mem' || imp.module === 'GOT.func') value = this.gotEntry(dso.got, imp.module, imp.name, weak).global;
      else if (imp.module === 'env') value = this.resolveEnv(dso, imp, weak);
      else value = this.otherImports[imp.module]?.[imp.name];
      if (value === undefined) throw new LoadError(`${dso.name}: unresolved import ${imp.module}.${imp.name}`);
      (imports[imp.module] ??= {})[imp.name] = value;
    }
    dso.instance = new WebAssembly.Instance(dso.module, imports);
    // Remember which functions already have a slot, so GOT.func reuses it.
    const table = /** @type {WebAssembly.Table} */ (this.table);
    for (let i = dso.tableBase; i < dso.tableBase + (dso.dylink?.tableSize ?? 0); i++) {
      const f = table.get(i);
      if (f && !this.slotOf.has(f)) this.slotOf.set(f, i);
    }
  }

  /**
   * Absolute address of a data symbol, or null if `name` is no data symbol
   * (exports of a PIC module are relative to its __memory_base; TLS exports are
   * relative to a per-thread __tls_base: GOT.mem entries get them from tlsAddress,
   * dlsym and dladdr do not answer them).
   * @returns {number | null}
   */
  dataAddress(/** @type {SymbolDef} */ sym, /** @type {string} */ name) {
    const g = /** @type {any} */ (sym.dso.instance?.exports[name]);
    if (sym.kind !== 'global' || typeof g?.value !== 'number') return null;
    if ((sym.dso.dylink?.exportFlags.get(name) ?? 0) & WASM_SYM_TLS) return null;
    return (g.value + sym.dso.memoryBase) | 0;
  }

  /** Whether `name`, exported by sym.dso, is a thread-local symbol (its export is an offset). */
  isTls(/** @type {SymbolDef} */ sym, /** @type {string} */ name) {
    return sym.kind === 'global' && ((sym.dso.dylink?.exportFlags.get(name) ?? 0) & WASM_SYM_TLS) !== 0;
  }

  /** The calling thread's address of a TLS symbol of `dso`: its __tls_base + the offset. */
  tlsAddress(/** @type {Dso} */ dso, /** @type {string} */ name) {
    const x = /** @type {any} */ (dso.instance?.exports);
    return (x.__tls_base.value + x[name].value) | 0;
  }

  /**
   * Gives `dso` this thread's TLS block: the static one its start function claimed (the
   * first instance of the module, in any thread) unless `fresh`, else one from this
   * thread's arena; calls __wasm_init_tls(block) (which also applies the main module's
   * own TLS relocations, which its start function does not).
   */
  initTls(/** @type {Dso} */ dso, /** @type {boolean} */ fresh) {
    const x = /** @type {any} */ (dso.instance?.exports);
    if (typeof x?.__wasm_init_tls !== 'function') {
      const tls = [...(dso.dylink?.exportFlags ?? [])].find(([, f]) => f & WASM_SYM_TLS);
      if (tls) throw new LoadError(`${dso.name}: thread-local ${tls[0]} but no __wasm_init_tls export (link with --export=__wasm_init_tls --export=__tls_base ...)`);
      return;
    }
    if (!(x.__tls_base instanceof WebAssembly.Global) || !(x.__tls_size instanceof WebAssembly.Global)) {
      throw new LoadError(`${dso.name}: exports __wasm_init_tls but not __tls_base and __tls_size`);
    }
    if (this.deferTls && !fresh) return;
    let block = x.__tls_base.value;
    if (fresh || block === 0) {
      const size = x.__tls_size.value, align = x.__tls_align?.value ?? 16;
      if (size === 0) { dso.tlsReady = true; return; }
      if (!this.tlsArena) throw new LoadError(`${dso.name}: no TLS arena in this thread (startThread)`);
      block = alignUp(this.tlsArena.next, Math.max(align, 1));
      if (block + size > this.tlsArena.end) throw new LoadError(`${dso.name}: the thread's TLS arena is full`);
      this.tlsArena.next = block + size;
    }
    x.__wasm_init_tls(block);
    dso.tlsReady = true;
  }

  /** Recomputes every TLS GOT entry for this thread. */
  refreshTlsGot() {
    for (const g of this.gotSpaces) {
      for (const e of g.mem.values()) {
        if (e.tls && e.tls.dso.tlsReady) { e.global.value = this.tlsAddress(e.tls.dso, e.tls.name); e.filled = true; }
      }
    }
  }

  /**
   * Runs `op` (which changes the linker state) in log order: replays what other threads
   * did first, then records `entry` so they repeat it. Without a log: just `op`.
   * @template T @param {any} entry @param {() => T} op @returns {T}
   */
  logged(entry, op) {
    const log = this.dlLog;
    if (!log || this.replaying) return op();
    log.lock();
    try {
      this.syncDl();
      const r = op();
      log.append(entry);
      this.logSeen++;
      return r;
    } finally {
      log.unlock();
    }
  }

  /** Applies the log entries this thread has not seen (other threads' operations). */
  syncDl() {
    const log = this.dlLog;
    if (!log) return;
    log.lock();
    const error = this.dlError;
    this.replaying = true;
    try {
      while (this.logSeen < log.length()) this.replay(log.get(this.logSeen++));
    } finally {
      this.replaying = false;
      this.dlError = error; // dlerror() state is the thread's own
      log.unlock();
    }
  }

  replay(/** @type {any} */ e) {
    switch (e.op) {
      case 'dlopen': this.dlOpenPath(e.path, e.mode); break;
      case 'dlsym': this.dlSymName(e.handle, e.name); break;
      case 'dlclose': this.dl.dlclose(e.handle); break;
      case 'dladdr': this.dl.dladdr(e.addr, 0); break;
      case 'alloc': this.bump(e.size, e.align); break;
      default: throw new LoadError(`dl log: unknown entry ${JSON.stringify(e)}`);
    }
  }

  /** Reserves `size` bytes after everything loaded so far (memory grows as needed). */
  bump(/** @type {number} */ size, /** @type {number} */ align) {
    this.memCursor = alignUp(this.memCursor, align);
    const p = this.memCursor;
    this.memCursor += size;
    const mem = /** @type {WebAssembly.Memory} */ (this.memory);
    const pages = Math.ceil(this.memCursor / PAGE), have = mem.buffer.byteLength / PAGE;
    if (pages > have) mem.grow(pages - have);
    return p;
  }

  /** Memory for the program (e.g. a thread's stack and TLS arena), in every thread's layout. */
  allocate(/** @type {number} */ size, /** @type {number} */ align) {
    return this.logged({ op: 'alloc', size, align }, () => this.bump(size, align));
  }

  /**
   * Starts a (new) thread on this instance set: its stack pointer, and fresh TLS blocks
   * of every module from [tlsLow, tlsHigh), the GOT entries of TLS symbols updated.
   */
  startThread(/** @type {{stackTop: number, tlsLow: number, tlsHigh: number}} */ t) {
    this.deferTls = true; // what the replay loads gets its block below, with the others
    this.syncDl();
    this.stackPointer.value = t.stackTop;
    this.tlsArena = { next: t.tlsLow, end: t.tlsHigh };
    this.deferTls = false;
    for (const dso of this.loadOrder) if (dso.instance) this.initTls(dso, true);
    this.refreshTlsGot();
    this.fillGot(true);
  }

  /** Table slot of a function: its existing slot, else a new one appended to the table. */
  slotFor(/** @type {Function} */ fn) {
    let slot = this.slotOf.get(fn);
    if (slot === undefined) {
      const table = /** @type {WebAssembly.Table} */ (this.table);
      slot = table.grow(1);
      table.set(slot, fn);
      this.slotOf.set(fn, slot);
    }
    return slot;
  }

  /**
   * Fills every GOT entry whose defining module is instantiated. With `final`,
   * a required entry that stays undefined is an error (all are reported at once).
   */
  fillGot(/** @type {boolean} */ final) {
    const undefinedSyms = [];
    for (const [space, map, scope] of this.gotSpaces.flatMap((g) =>
      /** @type {const} */ ([['GOT.mem', g.mem, g.scope], ['GOT.func', g.func, g.scope]]))) {
      for (const [name, e] of map) {
        if (e.filled) continue;
        const sym = this.resolveSym(scope, name);
        if (sym?.dso.instance && space === 'GOT.mem' && this.isTls(sym, name)) {
          e.tls = { dso: sym.dso, name };
          if (sym.dso.tlsReady) { e.global.value = this.tlsAddress(sym.dso, name); e.filled = true; }
          // else: a thread's start-up; startThread() fills it
        } else if (sym?.dso.instance) {
          if (space === 'GOT.mem') {
            const addr = this.dataAddress(sym, name);
            if (addr === null) throw new LoadError(`GOT.mem.${name} is not a (non-TLS) data symbol`);
            e.global.value = addr;
          } else if (sym.kind === 'function') e.global.value = this.slotFor(/** @type {Function} */ (sym.dso.instance.exports[name]));
          else throw new LoadError(`GOT.func.${name} is not a function`);
          e.filled = true;
        } else if (space === 'GOT.mem' && name === '__heap_base' && final) {
          e.global.value = alignUp(this.memCursor, 16); // the loader owns the heap start
          e.filled = true;
        } else if (final && !sym && e.required && !e.tls) {
          const why = typeof this.host[name] === 'function' ? ' (address of a host function: unsupported)' : '';
          undefinedSyms.push(`${space}.${name}${why}`);
        } // weak and undefined: stays 0 (a null pointer)
      }
    }
    if (undefinedSyms.length) throw new LoadError(`undefined symbol(s): ${undefinedSyms.join(', ')}`);
  }

  /**
   * Loads a batch (start-up or dlopen): lay out, instantiate dependencies
   * first, fill the GOT, then apply data relocations of every new module in
   * load order and run constructors in initialisation order.
   * @param {Array<{name: string, bytes: BufferSource}>} roots first root is initialised last
   * @param {boolean} [global] false: the new modules stay out of the global scope
   *        (RTLD_LOCAL) and look symbols up in the global scope, then in the first root's
   *        NEEDED closure
   */
  link(roots, global = true) {
    const batch = this.collect(roots);
    const root = /** @type {Dso} */ (this.loaded.get(roots[0].name));
    if (batch.length === 0) return root; // already loaded
    this.layout(batch);
    if (global) {
      this.define(batch);
    } else {
      const scope = this.searchList(root);
      /** @type {GotSpace} */ const got = { mem: new Map(), func: new Map(), scope };
      this.gotSpaces.push(got);
      for (const dso of batch) { dso.global = false; dso.scope = scope; dso.got = got; }
    }
    this.loadOrder.push(...batch);
    const order = this.initOrder(root, roots.slice(1).map((r) => /** @type {Dso} */ (this.loaded.get(r.name))));
    for (const dso of order) {
      this.instantiate(dso);
      this.initTls(dso, false);
      this.fillGot(false); // so start functions of later modules see their dependencies' addresses
    }
    this.fillGot(true);
    if (this.replaying || this.thread && this.deferTls) return root; // memory is initialised already
    const relocs = () => { for (const dso of batch) /** @type {any} */ (dso.instance?.exports).__wasm_apply_data_relocs?.(); };
    const ctors = () => { for (const dso of order) /** @type {any} */ (dso.instance?.exports).__wasm_call_ctors?.(); };
    if (this.ctorsBeforeRelocs) { ctors(); relocs(); } else { relocs(); ctors(); }
    return root;
  }

  /** Resolved value of a global symbol: a function, or an absolute address. */
  lookup(/** @type {string} */ name) {
    const sym = this.symbols.get(name);
    if (!sym?.dso.instance) return undefined;
    return sym.kind === 'global' ? this.dataAddress(sym, name) : sym.dso.instance.exports[name];
  }

  // ---- The C interface: env.dlopen / dlsym / dlclose / dlerror / dladdr -------------
  //
  // Handles are small integers (1, 2, ...; 0 is RTLD_DEFAULT), opaque to programs; the
  // handle of dlopen(NULL) is the main module's and stands for the global scope.
  // Strings handed to the program live in the scratch region reserved above the stack.

  /** The file name a library answers to (and names in messages / Dl_info). */
  fileName(/** @type {Dso} */ dso) { return dso === this.loadOrder[0] ? this.mainFileName : dso.name; }

  handleOf(/** @type {Dso} */ dso) {
    if (!dso.handle) { this.handles.push(dso); dso.handle = this.handles.length; }
    return dso.handle;
  }

  /** @returns {Dso | undefined} */
  dsoOfHandle(/** @type {number} */ h) { return h > 0 ? this.handles[h - 1] : undefined; }

  readCString(/** @type {number} */ ptr) {
    const bytes = new Uint8Array(/** @type {WebAssembly.Memory} */ (this.memory).buffer);
    let end = ptr >>> 0;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder('utf-8').decode(bytes.slice(ptr >>> 0, end));
  }

  /** Writes `text` NUL-terminated at `ptr`, truncated to `max` bytes including the NUL. */
  writeCString(/** @type {number} */ ptr, /** @type {string} */ text, /** @type {number} */ max) {
    const data = new TextEncoder().encode(text).subarray(0, max - 1);
    const bytes = new Uint8Array(/** @type {WebAssembly.Memory} */ (this.memory).buffer);
    bytes.set(data, ptr);
    bytes[ptr + data.length] = 0;
  }

  /** A C string that stays valid for the life of the program (interned in the scratch region). */
  internCString(/** @type {string} */ text) {
    let p = this.dlNames.get(text);
    if (p !== undefined) return p;
    const size = new TextEncoder().encode(text).length + 1;
    if (this.dlNamesCursor + size > this.dlScratch + DL_SCRATCH_SIZE) throw new LoadError('dladdr: scratch region for names is full');
    p = this.dlNamesCursor;
    this.writeCString(p, text, size);
    this.dlNamesCursor += size;
    this.dlNames.set(text, p);
    return p;
  }

  /** The C value of a symbol: a function's table slot, a data symbol's address; null if neither. */
  cValue(/** @type {SymbolDef} */ sym, /** @type {string} */ name) {
    const exports = /** @type {WebAssembly.Instance} */ (sym.dso.instance).exports;
    if (sym.kind === 'function') return this.slotFor(/** @type {Function} */ (exports[name]));
    if (sym.kind === 'global') return this.dataAddress(sym, name);
    return null;
  }

  /** @returns {HostFunctions} */
  makeDl() {
    return {
      /** void *dlopen(const char *file, int mode) */
      dlopen: (/** @type {number} */ file, /** @type {number} */ mode) => {
        const path = file === 0 ? null : this.readCString(file);
        return this.logged({ op: 'dlopen', path, mode }, () => this.dlOpenPath(path, mode));
      },
      /** void *dlsym(void *handle, const char *name) */
      dlsym: (/** @type {number} */ handle, /** @type {number} */ namePtr) => {
        const name = this.readCString(namePtr);
        return this.logged({ op: 'dlsym', handle, name }, () => this.dlSymName(handle, name));
      },
      /** int dlclose(void *handle) */
      dlclose: (/** @type {number} */ handle) => this.logged({ op: 'dlclose', handle }, () => {
        const dso = this.dsoOfHandle(handle);
        if (!dso) { this.dlError = 'dlclose: invalid handle'; return 1; }
        if (dso.refs > 0) dso.refs--; // never unloaded
        return 0;
      }),
      /** char *dlerror(void) */
      dlerror: () => {
        if (this.dlError === null) return 0;
        this.writeCString(this.dlScratch, this.dlError, DL_ERROR_SIZE);
        this.dlError = null;
        return this.dlScratch;
      },
      /**
       * int dladdr(const void *addr, Dl_info *info): for a function pointer (a table slot)
       * the module exporting that function and its name (first export in load order); else
       * for a data address the module whose data holds it and the nearest exported data
       * symbol at or below it (as prelink's libdl: function slots are tried first).
       * (Replayed by other threads for the names it interns, without writing *info.)
       */
      dladdr: (/** @type {number} */ addr, /** @type {number} */ info) =>
        this.logged({ op: 'dladdr', addr }, () => this.dlAddr(addr, info)),
    };
  }

  /** dlopen of a decoded path (null: the main program). */
  dlOpenPath(/** @type {string | null} */ path, /** @type {number} */ mode) {
    const fail = (/** @type {string} */ msg) => { this.dlError = msg; return 0; };
    const main = this.loadOrder[0];
    if (path === null) { main.refs++; return this.handleOf(main); }
    const key = this.findLib(path);
    if (key === null) return fail(`dlopen: cannot find library "${path}"`);
    let dso = this.loaded.get(key);
    if (!dso) {
      if (mode & RTLD_NOLOAD) return 0;
      dso = this.link([{ name: key, bytes: /** @type {BufferSource} */ (this.libs.get(key)) }], (mode & RTLD_GLOBAL) !== 0);
    } else if (mode & RTLD_GLOBAL) {
      this.promote(dso);
    }
    dso.refs++;
    return this.handleOf(dso);
  }

  /** dlsym of a decoded name. */
  dlSymName(/** @type {number} */ handle, /** @type {string} */ name) {
    const fail = (/** @type {string} */ msg) => { this.dlError = msg; return 0; };
    const dso = this.dsoOfHandle(handle);
    if (handle !== 0 && !dso) return fail(`dlsym: invalid handle (looking up "${name}")`);
    /** @type {SymbolDef | undefined} */ let sym;
    let where;
    if (handle === 0 || dso === this.loadOrder[0]) {
      sym = this.symbols.get(name); // the global scope
      where = 'the global scope';
    } else {
      const d = /** @type {Dso} */ (dso);
      for (const s of this.searchList(d)) {
        const kind = s.exportKinds.get(name);
        if (kind) { sym = { dso: s, kind }; break; }
      }
      where = this.fileName(d);
    }
    if (!sym) return fail(`dlsym: symbol "${name}" not found in ${where}`);
    const v = this.cValue(sym, name);
    if (v === null) return fail(`dlsym: symbol "${name}" is neither a function nor data in ${this.fileName(sym.dso)}`);
    return v;
  }

  /** dladdr; when replaying, only the names are interned (*info is not written). */
  dlAddr(/** @type {number} */ addr, /** @type {number} */ info) {
    const a = addr >>> 0;
    // A replay only interns the names: *info belongs to the thread that asked.
    const view = () => (this.replaying ? new DataView(new ArrayBuffer(16)) : new DataView(/** @type {WebAssembly.Memory} */ (this.memory).buffer));
    if (this.replaying) info = 0;
    const table = /** @type {WebAssembly.Table} */ (this.table);
    const fn = a > 0 && a < table.length ? table.get(a) : null;
    if (fn) {
      for (const d of this.loadOrder) {
        for (const [name, kind] of d.exportKinds) {
          if (kind !== 'function' || d.instance?.exports[name] !== fn) continue;
          const fname = this.internCString(this.fileName(d)), sname = this.internCString(name);
          const v = view();
          v.setUint32(info, fname, true);
          v.setUint32(info + 4, d.memoryBase, true);
          v.setUint32(info + 8, sname, true);
          v.setUint32(info + 12, a, true);
          return 1;
        }
      }
    }
    const dso = this.loadOrder.find((d) => d.dylink && d.dylink.memorySize > 0 &&
      a >= d.memoryBase && a < d.memoryBase + d.dylink.memorySize);
    if (!dso) return 0;
    let sname = 0, saddr = 0, best = -1;
    for (const [name, kind] of dso.exportKinds) {
      if (kind !== 'global') continue;
      const s = this.dataAddress({ dso, kind }, name);
      if (s === null || (s >>> 0) > a || (s >>> 0) < dso.memoryBase || (s >>> 0) <= best) continue;
      best = s >>> 0;
      sname = this.internCString(name);
      saddr = s;
    }
    const fname = this.internCString(this.fileName(dso));
    const v = view();
    v.setUint32(info, fname, true);
    v.setUint32(info + 4, dso.memoryBase, true);
    v.setUint32(info + 8, sname, true);
    v.setUint32(info + 12, saddr, true);
    return 1;
  }
}

/**
 * @typedef {Object} LoadOptions
 * @property {BufferSource} mainBytes   the PIE main module
 * @property {Map<string, BufferSource>} [libs] side modules by NEEDED name
 * @property {HostFunctions | ((ctx: {memory: WebAssembly.Memory, table: WebAssembly.Table}) => HostFunctions)} [host]
 *           env functions not defined by any module (a function receives the shared memory and table)
 * @property {string[]} [dlopenOnly]    libraries not loaded at start-up (unless NEEDED)
 * @property {boolean} [loadUnneeded]   also load libs nobody NEEDs, after the NEEDED closure (default true)
 * @property {Record<string, Record<string, any>>} [imports] imports of modules other than env/GOT.*
 * @property {number} [stackSize]  bytes (default 64 KiB)
 * @property {number} [minPages]   initial memory pages at least (default 256)
 * @property {number} [maxPages]   memory maximum (default none; 65536 when shared)
 * @property {boolean} [sharedMemory]
 * @property {boolean} [ctorsBeforeRelocs] call each batch's __wasm_call_ctors before its
 *           __wasm_apply_data_relocs, as cowasm's loader (dylink 0.13) does (default: after,
 *           as emscripten does)
 * @property {string} [mainName]  the main module's file name in dladdr's dli_fname and dlerror
 *           messages (default "main.wasm")
 * @property {WebAssembly.Memory} [memory] use this (shared) memory instead of making one: a thread's
 * @property {boolean} [thread]   a thread other than the main one (with `memory` and the same
 *           mainBytes, libs and options as the main thread's loadProgram): the modules are
 *           instantiated at the same bases, without data relocations or constructors, and
 *           get TLS blocks from startThread()
 * @property {DlLog} [dlLog]      the log every thread's loader shares (see the top of the file);
 *           needed as soon as a thread may dlopen, dlsym, dlclose, dladdr or allocate
 */

/**
 * @typedef {Object} Program
 * @property {Record<string, any>} exports  the main module's instance exports
 * @property {WebAssembly.Memory} memory
 * @property {WebAssembly.Table} table
 * @property {Map<string, {module: string, kind: string, value: any}>} symbols
 *           global symbol table after start-up: value is a function or an absolute address
 * @property {Array<{name: string, memoryBase: number, tableBase: number}>} modules in load order
 * @property {(name: string) => Record<string, any>} dlopen loads a library (RTLD_GLOBAL, NOW) and its NEEDED,
 *           returns its exports. As in libdylink.js, GOT entries still undefined (weak) become resolvable.
 *           Its data goes after all static data, so it must not be combined with a heap at __heap_base.
 * @property {(name: string) => any} dlsym  a global symbol: function or absolute address
 * @property {(size: number, align: number) => number} allocate  memory after everything loaded,
 *           at the same address in every thread's layout (through the dl log)
 * @property {(t: {stackTop: number, tlsLow: number, tlsHigh: number}) => void} startThread
 *           (threads) this thread's stack top and TLS arena: fresh blocks of every module,
 *           initialised from .tdata, the TLS GOT entries updated
 * @property {() => void} syncDl  applies what other threads loaded (tables, handles) here
 */

/**
 * Loads and initialises a program. Load order: main, then NEEDED breadth-first,
 * then (with loadUnneeded) remaining libs not in dlopenOnly, in map order.
 * @param {LoadOptions} opts
 * @returns {Program}
 */
export function loadProgram(opts) {
  const linker = new Linker(opts);
  const dlopenOnly = new Set(opts.dlopenOnly ?? []);
  const mainName = '<main>';
  const roots = [{ name: mainName, bytes: opts.mainBytes }];
  if (opts.loadUnneeded ?? true) {
    for (const [name, bytes] of linker.libs) if (!dlopenOnly.has(name)) roots.push({ name, bytes });
  }
  const main = linker.link(roots);
  for (const d of linker.loadOrder) d.refs = 1; // held by the program
  // The main thread's arena for blocks of TLS modules other threads dlopen (the first
  // instance of a module claims its static block; see initTls).
  if (linker.dlLog && !linker.thread) {
    const size = 16384;
    const low = linker.allocate(size, 16);
    linker.tlsArena = { next: low, end: low + size };
  }
  const symbols = new Map();
  for (const name of linker.symbols.keys()) {
    const sym = /** @type {SymbolDef} */ (linker.symbols.get(name));
    symbols.set(name, { module: sym.dso.name, kind: sym.kind, value: linker.lookup(name) });
  }
  return {
    exports: /** @type {WebAssembly.Instance} */ (main.instance).exports,
    memory: /** @type {WebAssembly.Memory} */ (linker.memory),
    table: /** @type {WebAssembly.Table} */ (linker.table),
    symbols,
    get modules() { return linker.loadOrder.map((d) => ({ name: d.name, memoryBase: d.memoryBase, tableBase: d.tableBase })); },
    dlopen(name) {
      const key = linker.findLib(name);
      if (key === null) throw new LoadError(`dlopen: library not found: ${name}`);
      const dso = linker.link([{ name: key, bytes: /** @type {BufferSource} */ (linker.libs.get(key)) }]);
      linker.promote(dso); // in case a C dlopen loaded it RTLD_LOCAL
      return /** @type {WebAssembly.Instance} */ (dso.instance).exports;
    },
    dlsym: (name) => linker.lookup(name),
    allocate: (size, align) => linker.allocate(size, align),
    startThread: (t) => linker.startThread(t),
    syncDl: () => linker.syncDl(),
  };
}
