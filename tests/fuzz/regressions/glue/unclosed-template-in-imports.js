var wasmImports = { a: `${ {b: `${/}/}`} }` , c: "\u{1F600}\x41\
", d: d