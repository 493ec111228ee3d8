// What the node test scripts share: their `--name value` arguments, and a scratch
// directory under the system's temporary directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `--name value` pairs of the command line, as an object. @returns {Record<string, string>} */
export function flags(argv = process.argv.slice(2)) {
  /** @type {Record<string, string>} */
  const out = {};
  argv.forEach((a, i) => {
    if (a.startsWith('--')) out[a.slice(2)] = argv[i + 1];
  });
  return out;
}

/** A new scratch directory named PREFIX-XXXXXX. */
export function scratch(/** @type {string} */ prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}
