#!/usr/bin/env node
// prelink-runtime's TypeScript declarations, checked with tsc (typescript from
// tests/package/package-lock.json, npm ci'd into the build tree by the CTest fixture):
//   consumer.ts  a consumer importing the package by name from the installed project
//                (OUT/project): real use must check, each misuse must be an error
//   drift.ts     (written here) the declarations against the implementation's own JSDoc
//                types (allowJs on runtime/prelink-runtime.mjs): the same exports, the
//                same members of instantiate's, instantiateThread's and parseDylink's
//                results, and the declared options accepted by the implementation
//
//   node types.mjs --project OUT/project --typescript DIR/node_modules/typescript --runtime SRC/runtime
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (/** @type {string} */ n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const project = opt('--project'), ts = opt('--typescript'), runtime = opt('--runtime');
if (!project || !ts || !runtime) {
  console.error('usage: node types.mjs --project OUT/project --typescript DIR/node_modules/typescript --runtime SRC/runtime');
  process.exit(1);
}
const work = path.join(project, 'types');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work);
fs.copyFileSync(path.join(here, 'consumer.ts'), path.join(work, 'consumer.ts'));
const impl = path.resolve(runtime, 'prelink-runtime.mjs');
fs.writeFileSync(path.join(work, 'drift.ts'), `// Written by tests/package/types.mjs.
import type * as Decl from 'prelink-runtime';
import * as impl from ${JSON.stringify(impl)};
type Impl = typeof impl;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const sameExports: Same<keyof typeof Decl, keyof Impl> = true;
export const sameRuntime: Same<keyof Awaited<ReturnType<typeof Decl.instantiate>>, keyof Awaited<ReturnType<Impl['instantiate']>>> = true;
export const sameDylink: Same<keyof ReturnType<typeof Decl.parseDylink>, keyof ReturnType<Impl['parseDylink']>> = true;
export const sameOptions: Same<keyof Decl.Options, keyof Parameters<Impl['instantiate']>[0]> = true;
export const accepted = (o: Decl.Options): Parameters<Impl['instantiate']>[0] => o;
export const sameThread: Same<keyof Awaited<ReturnType<typeof Decl.instantiateThread>>, keyof Awaited<ReturnType<Impl['instantiateThread']>>> = true;
export const sameThreadOptions: Same<keyof Decl.ThreadOptions, keyof Parameters<Impl['instantiateThread']>[0]> = true;
export const acceptedThread = (o: Decl.ThreadOptions): Parameters<Impl['instantiateThread']>[0] => o;
`);
fs.writeFileSync(path.join(work, 'tsconfig.json'), `${JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
    lib: ['es2022', 'dom'], types: [], allowJs: true, checkJs: false, skipLibCheck: false, noUnusedLocals: false,
  },
  files: ['consumer.ts', 'drift.ts'],
}, null, 2)}\n`);
const t0 = performance.now();
const r = spawnSync(process.execPath, [path.join(ts, 'bin/tsc'), '-p', path.join(work, 'tsconfig.json'), '--pretty', 'false'], { cwd: work, encoding: 'utf8' });
const ms = (performance.now() - t0).toFixed(0);
if (r.status !== 0) {
  console.log(`FAIL runtime package types (tsc ${ms} ms)\n${r.stdout}${r.stderr}`);
  process.exit(1);
}
console.log(`ok   runtime package types: consumer.ts and drift.ts check with tsc (${ms} ms)`);
