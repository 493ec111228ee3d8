// The corpus programs' host functions (corpus/include/host.h): the one definition, used by
// the node tests (tests/e2e/differential.mjs, runtime.mjs) and the browser page.
// Each call appends one transcript line.

/**
 * @param {string[]} lines
 * @param {() => WebAssembly.Memory} getMemory
 */
export function corpusHost(lines, getMemory) {
  const decoder = new TextDecoder('utf-8');
  return {
    log_i32: (/** @type {number} */ n) => { lines.push(`i32 ${n}`); },
    log_i64: (/** @type {bigint} */ n) => { lines.push(`i64 ${n}`); },
    log_f64: (/** @type {number} */ x) => { lines.push(`f64 ${String(x)}`); },
    log_str: (/** @type {number} */ ptr) => {
      const bytes = new Uint8Array(getMemory().buffer);
      let end = ptr >>> 0;
      while (end < bytes.length && bytes[end] !== 0) end++;
      // slice() copies, which TextDecoder needs for a shared memory
      lines.push(`str ${decoder.decode(bytes.slice(ptr >>> 0, end))}`);
    },
  };
}
