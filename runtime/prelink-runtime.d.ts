// Declarations of prelink-runtime.mjs (hand-written; tests/package type-checks a consumer
// against them and checks that they name exactly what the module exports). The manifest
// fields are those of docs/manifest.md.

/** One export of a library, as the manifest lists it. */
export interface ManifestSymbol {
  name: string;
  kind: 'function' | 'data' | 'global' | 'tag';
  /** this definition is the one the global scope uses */
  global: boolean;
  /** functions: index in the linked module (null where -O removed it) */
  function_index?: number | null;
  /** functions: table slot, or null when no pointer to it exists */
  table_slot?: number | null;
  /** data: absolute address */
  address?: number;
  /** globals: index in the linked module, or the constant value */
  global_index?: number;
  value?: number;
}

/** What ran of a library's relocation code at link time. */
export interface ManifestRelocations {
  when: 'link-time' | 'partly at start-up' | 'start-up' | 'none';
  operations?: number;
  at_start_up?: number;
  why?: string;
}

/** One library of the link (the main module first), in load order. */
export interface ManifestLibrary {
  name: string;
  prelink_libdl?: true;
  dlopen_names?: string[];
  sha256: string;
  main: boolean;
  scope: 'global' | 'dlopen';
  needed: string[];
  memory_base: number;
  memory_size: number;
  memory_align: number;
  table_base: number;
  table_size: number;
  init_order: number | null;
  init_function: number | null;
  init_slot: number | null;
  data_relocations: ManifestRelocations;
  start_function: ManifestRelocations;
  symbols: ManifestSymbol[];
}

/** The JSON prelink writes with --manifest (docs/manifest.md). */
export interface Manifest {
  prelink_version: string;
  flavor: 'llvm' | 'emscripten';
  mode: 'executable' | 'shared';
  options: {
    stack_size: number;
    allow_undefined: boolean;
    no_duplicates: boolean;
    import_stack_pointer: boolean;
    optimize: string;
    gc_sections: boolean;
    exports: string[];
  };
  memory: { imported: boolean; min_pages: number; max_pages: number | null; shared: boolean };
  table: { imported: boolean; min: number; max: number | null };
  stack: { low: number; high: number; size: number; pointer_imported: boolean; pointer_export: string | null };
  data_end: number;
  heap_base: number;
  heap_end: number;
  /** the emscripten flavour's facts (docs/manifest.md) */
  emscripten?: Record<string, unknown>;
  libraries: ManifestLibrary[];
  dl_table: { address: number; size: number; host_fallback: string[] } | null;
  host_imports: { module: string; name: string; kind: string }[];
  optimization?: Record<string, unknown>;
  gc?: Record<string, unknown>;
  /** a threaded program's (shared memory) start-up and TLS facts (docs/manifest.md) */
  threads?: {
    once_flag: number;
    tls_model: 'per-module' | 'combined' | null;
    tls_initialisers: string[];
    tls_got_entries: number;
    tls_block: { size: number; align: number } | null;
  } | null;
  /** the module written with this manifest: its SHA-256 (lowercase hex) and size in bytes */
  module: { sha256: string; size: number };
}

/** A side module's dylink.0 section. */
export interface Dylink {
  memorySize: number;
  /** log2 */
  memoryAlign: number;
  tableSize: number;
  /** log2 */
  tableAlign: number;
  needed: string[];
  runtimePath: string[];
  /** "module.field" to WASM_SYM_* flags */
  importFlags: Map<string, number>;
  exportFlags: Map<string, number>;
}

/** Bytes of a library for the fallback loader; dlopen needs them synchronously (preload otherwise). */
export type ReadFile = (name: string) => Uint8Array | ArrayBuffer | Promise<Uint8Array | ArrayBuffer>;

export type Imports = Record<string, Record<string, any>>;

/** Module bytes: an ArrayBuffer or a view of one (a Uint8Array, node's Buffer). */
export type Bytes = ArrayBuffer | ArrayBufferView;

export interface Options {
  /** the linked module's bytes (the manifest is checked against them), or */
  bytes?: Bytes;
  /** the module compiled (the manifest cannot be checked without bytes) */
  module?: WebAssembly.Module;
  /** the parsed manifest prelink wrote with the module */
  manifest: Manifest;
  /** host imports, or a function of the memory and table the runtime created (null if the module defines its own) */
  imports?: Imports | ((ctx: { memory: WebAssembly.Memory | null; table: WebAssembly.Table | null }) => Imports);
  readFile?: ReadFile;
  /** libraries to read and compile ahead of dlopen, with their NEEDED */
  preload?: string[];
  /** call _initialize or __wasm_call_ctors (not when _start exists); default true */
  init?: boolean;
  /** the stopgap stack's size in bytes; default 65536 */
  stackSize?: number;
  /** memory for loaded libraries: (size, align) => address */
  allocate?: (size: number, align: number) => number;
  /** check manifest.module.sha256 against bytes; default true */
  checkManifest?: boolean;
  /** names for the mismatch error (e.g. file names or URLs) */
  moduleName?: string;
  manifestName?: string;
}

/** A library behind a handle. */
export interface Library {
  name: string;
  handle: number;
  refs: number;
  global: boolean;
  /** set for a library of the linked module */
  prelinked?: ManifestLibrary;
  instance?: WebAssembly.Instance;
  exports?: Record<string, any>;
  memoryBase: number;
  memorySize: number;
  tableBase: number;
  tableSize: number;
  /** its lookup scope: itself, then its NEEDED breadth first */
  scope: Library[];
  fname?: number;
}

export interface Runtime {
  instance: WebAssembly.Instance;
  exports: Record<string, any>;
  memory: WebAssembly.Memory;
  table: WebAssembly.Table | null;
  manifest: Manifest;
  /** the main thread's TLS block (a threaded program with thread-local storage), else 0 */
  tlsBase: number;
  /** the __stack_pointer loaded libraries share; null until one needs it */
  readonly stackPointer: WebAssembly.Global | null;
  /** names of the libraries the fallback loader loaded, in load order */
  loaded: string[];
  /** read and compile libraries (and their NEEDED) for a later dlopen */
  preload(names: string[]): Promise<void>;
  /** dlopen from JavaScript: the handle (throws on failure) */
  loadLibrary(name: string, options?: { global?: boolean }): number;
  /** a table slot (function) or an address (data), or 0 */
  dlsym(handle: number, name: string): number;
  library(handle: number): Library | null;
}

/** Instantiates a module linked by prelink and returns it with its dynamic loader. */
export function instantiate(opts: Options): Promise<Runtime>;

/** instantiateThread's options: the module (as for instantiate) and the main thread's memory. */
export interface ThreadOptions {
  bytes?: Bytes;
  module?: WebAssembly.Module;
  manifest: Manifest;
  /** the main thread's memory (shared), posted to this worker */
  memory: WebAssembly.Memory;
  /** host imports, or a function of the memory and the table made for this thread */
  imports?: Imports | ((ctx: { memory: WebAssembly.Memory; table: WebAssembly.Table | null }) => Imports);
  /** given (or tls): initThread({stackTop, tls, tlsEnd}) at once */
  stackTop?: number;
  tls?: number;
  tlsEnd?: number;
  /** memory for TLS blocks when initThread gets no tls: (size, align) => address */
  allocate?: (size: number, align: number) => number;
  checkManifest?: boolean;
  moduleName?: string;
  manifestName?: string;
}

/** What a thread gets started with (initThread). */
export interface ThreadStart {
  /** the thread's initial stack pointer (top of its stack, 16-aligned) */
  stackTop?: number;
  /** where its TLS block goes (aligned up to tlsAlign), at most up to tlsEnd */
  tls?: number;
  tlsEnd?: number;
}

/** The linked module instantiated on a thread other than the main one. */
export interface ThreadInstance {
  instance: WebAssembly.Instance;
  exports: Record<string, any>;
  memory: WebAssembly.Memory;
  table: WebAssembly.Table | null;
  manifest: Manifest;
  /** the module's combined TLS block: its exported __tls_size and __tls_align */
  tlsSize: number;
  tlsAlign: number;
  /** this thread's block (0 before initThread, or without TLS) */
  tlsBase: number;
  /** sets the stack pointer and initialises a fresh TLS block (__wasm_init_tls); returns the block */
  initThread(t: ThreadStart): number;
}

/** Instantiates a module linked by prelink on another thread, on the main thread's shared memory. */
export function instantiateThread(opts: ThreadOptions): Promise<ThreadInstance>;

/** Throws one error naming both unless manifest.module.sha256 is the SHA-256 of bytes. */
export function checkManifest(bytes: Bytes, manifest: Manifest,
  names?: { moduleName?: string; manifestName?: string }): Promise<void>;

/** Reads the dylink.0 section of a compiled side module. */
export function parseDylink(module: WebAssembly.Module): Dylink;
