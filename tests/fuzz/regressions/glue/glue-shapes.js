#!/usr/bin/env node
// Hand-written seed: the shapes of emcc's glues.
var INITIAL_MEMORY=Module["INITIAL_MEMORY"]||16777216;
wasmMemory=new WebAssembly.Memory({"initial":INITIAL_MEMORY/65536,"maximum":2147483648/65536});
var wasmTable=new WebAssembly.Table({"initial":7,"element":"anyfunc"});
var ___memory_base=new WebAssembly.Global({"value":"i32","mutable":false},1024);
var ___stack_pointer=new WebAssembly.Global({value:"i32",mutable:!0},5247904);
var ___heap_base = 15227408, ___table_base = (Module['___table_base'] = 1);
function __dlsym_js(handle,symbol){return /[/]x\//g.test(`${a}${`b${c}`}`) ? a / b / 2 : 0x1F_FFn}__dlsym_js.sig="iii";
var wasmImports = {
  /** @export */ __assert_fail: ___assert_fail,
  /** @export */ __asyncjs__js_module_onMessage,
  "memory": wasmMemory, 'x-y': f(1, {a: [2]}), 42: n, get g() { return 1 }, ...rest
};
var info={"env":wasmImports,"GOT.mem":new Proxy(wasmImports,GOTHandler)};
___stack_pointer = Module['___stack_pointer'] = wasmExports['__stack_pointer']; x = asm["y"] + Module.asm.z;
var _core_globals = (Module['_core_globals'] = 13825392);
