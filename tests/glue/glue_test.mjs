// The JS glue reader (prelink/link/glue.cpp, printed by tests/tools/glue_facts) against
// an independent oracle: acorn's syntax tree of the same file (Debian's node-acorn, which
// emscripten itself uses). Every fact the reader gives is computed again from the tree and
// compared; then the facts checked by hand on each glue (--expect PATH=VALUE, PATH a
// dotted path into the reader's JSON, VALUE JSON or a bare string; --has PATH=VALUE: the
// array at PATH holds VALUE).
//
//   node glue_test.mjs --facts <glue_facts> [--expect|--has PATH=VALUE]... GLUE...
//   node glue_test.mjs --facts <glue_facts> --dir DIR --min N   (every DIR/*/main.js, at least N)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let acorn;
for (const p of ['acorn', '/usr/share/nodejs/acorn']) {
  try {
    acorn = require(p);
    break;
  } catch {}
}
if (!acorn) {
  console.error('glue_test: acorn not found (Debian: apt-get install node-acorn)');
  process.exit(1);
}

const args = process.argv.slice(2);
let facts = null, dir = null, min = 1;
const expects = [], glues = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--facts') facts = args[++i];
  else if (args[i] === '--dir') dir = args[++i];
  else if (args[i] === '--min') min = Number(args[++i]);
  else if (args[i] === '--expect') expects.push([false, args[++i]]);
  else if (args[i] === '--has') expects.push([true, args[++i]]);
  else glues.push(args[i]);
}
if (dir) {
  for (const e of fs.readdirSync(dir).sort()) {
    const g = path.join(dir, e, 'main.js');
    if (fs.existsSync(g)) glues.push(g);
  }
  if (glues.length < min) {
    console.error(`glue_test: ${glues.length} glues in ${dir}, expected at least ${min}`);
    process.exit(1);
  }
}
if (!facts || glues.length === 0) {
  console.error('usage: glue_test.mjs --facts TOOL [--expect PATH=VALUE]... GLUE... | --dir DIR');
  process.exit(2);
}

const BASES = ['___memory_base', '___table_base', '___stack_pointer', '___heap_base', '___stack_high', '___stack_low'];
const MARKERS = ['asmLibraryArg', 'wasmImports', 'wasmExports', 'LDSO', 'loadDylibs', 'preloadDylibs', 'dynamicLibraries',
  'reportUndefinedSymbols', 'GOT', 'GOTHandler', 'relocateExports', 'mergeLibSymbols', 'newDSO', 'loadDynamicLibrary',
  'loadWebAssemblyModule', 'getDylinkMetadata'];
const IMPORT_OBJECTS = new Set(['asmLibraryArg', 'wasmImports']);
const isDl = (n) => /^_+(emscripten_)?dl\w*_js$/.test(n) && n.length >= 6;
const isCaps = (n) => /^[A-Z_][A-Z0-9_]*$/.test(n) && /[A-Z]/.test(n);
const MAX = 2 ** 53;
const intValue = (node) =>
  node && node.type === 'Literal' && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= 0 && node.value <= MAX
    ? node.value : (node && node.type === 'Literal' && typeof node.value === 'bigint' && node.value >= 0n && node.value <= BigInt(MAX) ? Number(node.value) : null);
const isNum = (node) => node && node.type === 'Literal' && (typeof node.value === 'number' || typeof node.value === 'bigint');

// Every node, iteratively (the glues nest deeply enough to matter for recursion).
function* nodes(root) {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop();
    yield n;
    const kids = [];
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (Array.isArray(v)) { for (const x of v) if (x && typeof x.type === 'string') kids.push(x); }
      else if (v && typeof v.type === 'string' && k !== 'loc') kids.push(v);
    }
    for (let i = kids.length - 1; i >= 0; --i) stack.push(kids[i]);
  }
}

function oracle(src, file) {
  // acorn counts UTF-16 units; the reader counts bytes.
  const bytesAt = new Uint32Array(src.length + 1);
  for (let i = 0, b = 0; i <= src.length; ++i) {
    bytesAt[i] = b;
    const c = src.charCodeAt(i);
    b += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c <= 0xdbff) ? 2 : (c >= 0xdc00 && c <= 0xdfff) ? 2 : 3;
  }
  const opts = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true };
  let ast;
  try {
    ast = acorn.parse(src, { ...opts, sourceType: file.endsWith('.mjs') ? 'module' : 'script' });
  } catch (e) {
    ast = acorn.parse(src, { ...opts, sourceType: 'module' });
  }
  const o = {
    importObjects: [], importModules: [], sigs: {}, bases: {}, moduleConstants: {}, configValues: {},
    exportsRead: new Set(), memories: [], tables: [], markers: {}, dlFunctions: new Set(),
  };
  const markerAt = {};
  const keyOf = (p) => {
    if (p.computed) return null;
    if (p.key.type === 'Identifier') return p.key.name;
    if (p.key.type === 'Literal') {
      if (typeof p.key.value === 'string') return p.key.value;
      const v = intValue(p.key);
      return v !== null ? String(v) : p.key.raw;
    }
    return null;
  };
  const isModule = (n) => n.type === 'Identifier' && n.name === 'Module';
  const propName = (m) => !m.computed ? (m.property.type === 'Identifier' ? m.property.name : null)
    : (m.property.type === 'Literal' && typeof m.property.value === 'string' ? m.property.value : null);
  // wasmExports['x'] / wasmExports.x / asm['x'] / Module['asm']['x'] / Module.asm.x: 'x'
  const exportRef = (m) => {
    if (!m || m.type !== 'MemberExpression') return null;
    const obj = m.object;
    const base = (obj.type === 'Identifier' && (obj.name === 'wasmExports' || obj.name === 'asm')) ||
      (obj.type === 'MemberExpression' && isModule(obj.object) && propName(obj) === 'asm');
    return base ? propName(m) : null;
  };
  // Module['X'] = ... chains: the innermost right side.
  const stripModule = (e) => {
    let via = false;
    while (e.type === 'AssignmentExpression' && e.operator === '=' && e.left.type === 'MemberExpression' && isModule(e.left.object) &&
           propName(e.left) !== null) {
      e = e.right;
      via = true;
    }
    return { e, via };
  };
  const assignLefts = new Set();
  const assignments = []; // [target Identifier, rhs, declared]
  for (const n of nodes(ast)) {
    if (n.type === 'Identifier' && MARKERS.includes(n.name)) (markerAt[n.name] ??= new Set()).add(n.start);
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init) assignments.push([n.id, n.init, true]);
    if (n.type === 'AssignmentExpression' && n.operator === '=') {
      assignLefts.add(n.left);
      if (n.left.type === 'Identifier') assignments.push([n.left, n.right, false]);
      // IDENT.sig = "..."
      const l = n.left;
      if (l.type === 'MemberExpression' && !l.computed && l.property.name === 'sig' && l.object.type === 'Identifier' &&
          n.right.type === 'Literal' && typeof n.right.value === 'string')
        o.sigs[l.object.name] = [n.start, n.right.value];
    }
    if ((n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') && n.id && isDl(n.id.name)) o.dlFunctions.add(n.id.name);
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init && isDl(n.id.name)) o.dlFunctions.add(n.id.name);
    if (n.type === 'ObjectExpression') {
      const env = n.properties.find((p) => p.type === 'Property' && keyOf(p) === 'env');
      if (env && env.value.type === 'Identifier' && IMPORT_OBJECTS.has(env.value.name) && n.properties[0] === env) {
        const modules = {};
        for (const p of n.properties) {
          if (p.type !== 'Property' || keyOf(p) === null) continue;
          const v = p.value;
          if (v.type === 'Identifier') modules[keyOf(p)] = { object: v.name, viaProxy: false };
          else if (v.type === 'NewExpression' && v.callee.type === 'Identifier' && v.callee.name === 'Proxy' && v.arguments[0]?.type === 'Identifier')
            modules[keyOf(p)] = { object: v.arguments[0].name, viaProxy: true };
          else modules[keyOf(p)] = { object: '', viaProxy: false };
        }
        o.importModules.push({ offset: bytesAt[n.start], modules });
      }
    }
    if (n.type === 'MemberExpression') {
      const x = exportRef(n);
      if (x !== null) o.exportsRead.add([n, x]);
    }
    if (n.type === 'NewExpression' && n.callee.type === 'MemberExpression' && n.callee.object.type === 'Identifier' &&
        n.callee.object.name === 'WebAssembly' && !n.callee.computed && ['Memory', 'Table'].includes(n.callee.property.name)) {
      const memory = n.callee.property.name === 'Memory';
      const arg = n.arguments[0];
      const c = { offset: bytesAt[n.start], complete: false, props: null };
      if (arg && arg.type === 'ObjectExpression' && arg.properties.every((p) => p.type === 'Property' && keyOf(p) !== null))
        c.complete = true, c.props = arg.properties.map((p) => [keyOf(p), p.value]);
      (memory ? o.memories : o.tables).push(c);
    }
  }
  for (const m of MARKERS) if (markerAt[m]) o.markers[m] = markerAt[m].size;
  o.exportsRead = new Set([...o.exportsRead].filter(([n]) => !assignLefts.has(n)).map(([, x]) => x));

  for (const [id, rhs, declared] of assignments) {
    const name = id.name;
    // The import object.
    if (IMPORT_OBJECTS.has(name) && rhs.type === 'ObjectExpression') {
      const io = { name, offset: bytesAt[rhs.start], complete: true, duplicates: 0, keys: [], props: {} };
      for (const p of rhs.properties) {
        const k = p.type === 'Property' ? keyOf(p) : null;
        if (k === null) { io.complete = false; continue; }
        const v = p.kind === 'init' && !p.method && p.value.type === 'Identifier' ? p.value.name : '';
        if (Object.hasOwn(io.props, k)) io.duplicates++;
        else io.keys.push(k);
        io.props[k] = v;
      }
      o.importObjects.push(io);
    }
    const { e, via } = stripModule(rhs);
    if (declared && via && intValue(e) !== null) o.moduleConstants[name] = intValue(e);
    if (declared && isCaps(name)) {
      if (!via && intValue(rhs) !== null) o.configValues[name] = intValue(rhs);
      if (rhs.type === 'LogicalExpression' && rhs.operator === '||' && rhs.left.type === 'MemberExpression' && isModule(rhs.left.object) &&
          rhs.left.computed && rhs.left.property.type === 'Literal' && typeof rhs.left.property.value === 'string' && intValue(rhs.right) !== null)
        o.configValues[name] = intValue(rhs.right);
    }
    if (!BASES.includes(name)) continue;
    const v = { offset: bytesAt[id.start], declared };
    if (isNum(e)) {
      v.form = via ? 'ModuleConst' : 'Literal';
      v.value = intValue(e);
    } else if (!via && e.type === 'NewExpression' && e.callee.type === 'MemberExpression' && e.callee.object.name === 'WebAssembly' &&
               e.callee.property.name === 'Global' && e.arguments.length === 2 && e.arguments[0].type === 'ObjectExpression' && isNum(e.arguments[1])) {
      v.form = 'WasmGlobal';
      v.value = intValue(e.arguments[1]);
      v.type = '';
      v.mutable = false;
      for (const p of e.arguments[0].properties) {
        const k = keyOf(p), x = p.value;
        if (k === 'value' && x.type === 'Literal' && typeof x.value === 'string') v.type = x.value;
        if (k === 'mutable') v.mutable = x.type === 'UnaryExpression' ? !x.argument.value : !!x.value;
      }
    } else if (exportRef(e) !== null) {
      v.form = 'Export';
      v.value = null;
      v.export = exportRef(e);
    } else continue;
    (o.bases[name] ??= []).push(v);
  }
  for (const k of Object.keys(o.bases)) o.bases[k].sort((a, b) => a.offset - b.offset);
  o.importObjects.sort((a, b) => a.offset - b.offset);
  o.importModules.sort((a, b) => a.offset - b.offset);
  // Last `.sig` in source order wins.
  const sigs = {};
  for (const [k, [, v]] of Object.entries(o.sigs).sort((a, b) => a[1][0] - b[1][0])) sigs[k] = v;
  o.sigs = sigs;
  // The limits: literals, the config constants, a/b, a*b.
  const operand = (x) => x.type === 'Identifier' ? (o.configValues[x.name] ?? null) : intValue(x);
  const evaluate = (x) => {
    if (x.type === 'BinaryExpression' && (x.operator === '/' || x.operator === '*')) {
      const a = operand(x.left), b = operand(x.right);
      if (a === null || b === null) return null;
      if (x.operator === '*') return a * b <= MAX ? a * b : null;
      return b !== 0 && a % b === 0 ? a / b : null;
    }
    return operand(x);
  };
  const limit = (props, key) => {
    const p = props.find(([k]) => k === key);
    return p ? { expr: src.slice(p[1].start, p[1].end).replace(/\s+/g, ''), value: evaluate(p[1]) } : null;
  };
  o.memories = o.memories.map((c) => c.complete ? {
    offset: c.offset, complete: true, initial: limit(c.props, 'initial'), maximum: limit(c.props, 'maximum'),
    shared: c.props.some(([k, v]) => k === 'shared' && ((v.type === 'Literal' && v.value === true) || (v.type === 'UnaryExpression' && v.operator === '!' && v.argument.value === 0))),
  } : { offset: c.offset, complete: false });
  o.tables = o.tables.map((c) => c.complete ? {
    offset: c.offset, complete: true, initial: limit(c.props, 'initial'), maximum: limit(c.props, 'maximum'),
    element: (c.props.find(([k, v]) => k === 'element' && v.type === 'Literal' && typeof v.value === 'string') ?? [0, { value: '' }])[1].value,
  } : { offset: c.offset, complete: false });
  return o;
}

// Compares the reader's facts F with the oracle's O; returns the differences.
function compare(f, o) {
  const diffs = [];
  // JSON with every object's keys sorted.
  const canon = (x) => JSON.stringify(x, (k, v) => v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
  const eq = (what, a, b) => {
    const ja = canon(a), jb = canon(b);
    if (ja !== jb) diffs.push(`${what}:\n    reader: ${ja.slice(0, 600)}\n    acorn:  ${jb.slice(0, 600)}`);
  };
  eq('import objects (name, offset, count)', f.importObjects.map((x) => [x.name, x.offset, x.keys.length, x.duplicates, x.complete]),
     o.importObjects.map((x) => [x.name, x.offset, x.keys.length, x.duplicates, x.complete]));
  for (let i = 0; i < Math.min(f.importObjects.length, o.importObjects.length); ++i) {
    eq(`import object ${i} keys in order`, f.importObjects[i].keys, o.importObjects[i].keys);
    const sorted = (p) => Object.fromEntries(Object.entries(p).sort());
    eq(`import object ${i} values`, sorted(f.importObjects[i].props), sorted(o.importObjects[i].props));
  }
  eq('import modules', f.importModules, o.importModules);
  eq('.sig', Object.entries(f.sigs).sort(), Object.entries(o.sigs).sort());
  const bases = (b) => Object.fromEntries(Object.entries(b).sort().map(([k, vs]) => [k, vs.map((v) => {
    const r = { form: v.form, offset: v.offset, declared: v.declared, value: v.value };
    if (v.form === 'WasmGlobal') r.type = v.type, r.mutable = v.mutable;
    if (v.form === 'Export') r.export = v.export;
    return r;
  })]));
  eq('bases', bases(f.bases), bases(o.bases));
  eq('module constants', Object.entries(f.moduleConstants).sort(), Object.entries(o.moduleConstants).sort());
  eq('config values', Object.entries(f.configValues).sort(), Object.entries(o.configValues).sort());
  eq('exports read', [...f.exportsRead].sort(), [...o.exportsRead].sort());
  const mem = (m) => m.complete ? m : { offset: m.offset, complete: false };
  eq('memories', f.memories.map(mem), o.memories);
  const tabs = (ts) => ts.map((t) => t.complete ? { offset: t.offset, complete: true, element: t.element, initial: t.initial, maximum: t.maximum } : { offset: t.offset, complete: false });
  eq('tables', tabs(f.tables), tabs(o.tables));
  eq('markers', Object.entries(f.markers).sort(), Object.entries(o.markers).sort());
  eq('dl functions', [...f.dlFunctions].sort(), [...o.dlFunctions].sort());
  return diffs;
}

function lookup(obj, dotted) {
  let v = obj;
  for (const part of dotted.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = v[part];
  }
  return v;
}

const run = (extra) => {
  try {
    return JSON.parse(execFileSync(facts, [...extra, ...glues], { maxBuffer: 1 << 30, encoding: 'utf8' }));
  } catch (e) {
    console.error(`glue_test: ${facts} failed: ${e.stderr || e.message}`);
    process.exit(1);
  }
};
const out = run([]), tokenOut = run(['--tokens']);

// The token stream against acorn's tokenizer (whose regex/division choice follows the
// grammar's context): the same tokens at the same offsets. acorn splits a template into
// backquote, chunks and `${`: only its opening backquote and the `}` of each substitution
// start a token of ours.
function compareTokens(src, mine) {
  const bytesAt = new Uint32Array(src.length + 1);
  for (let i = 0, b = 0; i <= src.length; ++i) {
    bytesAt[i] = b;
    const c = src.charCodeAt(i);
    b += c < 0x80 ? 1 : c < 0x800 ? 2 : (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  const tt = acorn.tokTypes;
  const theirs = [], regex = [];
  let prev = null;
  const opts = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true };
  let toks;
  try {
    toks = [...acorn.tokenizer(src, { ...opts, sourceType: 'script' })];
  } catch {
    toks = [...acorn.tokenizer(src, { ...opts, sourceType: 'module' })];
  }
  for (const t of toks) {
    const closingQuote = t.type === tt.backQuote && prev && prev.type === tt.template;
    if (t.type !== tt.template && t.type !== tt.invalidTemplate && t.type !== tt.dollarBraceL && !closingQuote) {
      theirs.push(bytesAt[t.start]);
      if (t.type === tt.regexp) regex.push(bytesAt[t.start]);
    }
    prev = t;
  }
  const myRegex = mine.begins.filter((b, i) => mine.kinds[i] === 'r');
  const diffs = [];
  const firstDiff = (a, b) => { let i = 0; while (i < a.length && i < b.length && a[i] === b[i]) ++i; return i; };
  if (theirs.length !== mine.begins.length || firstDiff(theirs, mine.begins) !== theirs.length) {
    const i = firstDiff(theirs, mine.begins);
    diffs.push(`tokens: ${mine.begins.length} vs acorn's ${theirs.length}; first difference at token ${i}: ours at byte ${mine.begins[i]}, acorn's at byte ${theirs[i]}`);
  }
  if (JSON.stringify(regex) !== JSON.stringify(myRegex)) diffs.push(`regex literals: ${myRegex.length} vs acorn's ${regex.length}`);
  return { diffs, count: theirs.length, regex: regex.length };
}
let failed = 0, checks = 0;
for (const [i, file] of glues.entries()) {
  const f = out[i];
  const src = fs.readFileSync(file, 'utf8');
  const o = oracle(src, file);
  const diffs = compare(f, o);
  const tk = compareTokens(src, tokenOut[i]);
  diffs.push(...tk.diffs);
  // A comparison of two empty results proves nothing: every glue has its import object.
  if (f.importObjects.length === 0) diffs.push('no import object found');
  checks += 12;
  for (const d of diffs) console.log(`FAIL ${file}: ${d}`);
  if (diffs.length) failed++;
  const io = f.importObjects.at(-1);
  console.log(`${path.relative(process.cwd(), file)}: ${f.tokens} tokens (${tk.regex} regex literals), ${io ? `${io.name} with ${io.keys.length} keys` : 'no import object'}, ` +
    `${Object.keys(f.sigs).length} .sig, bases ${JSON.stringify(f.base)}, ${f.exportsRead.length} exports read, ` +
    `${Object.keys(f.moduleConstants).length} module constants, ${f.memories.length} memories, ${f.tables.length} tables` +
    (diffs.length ? '' : ' — same as acorn'));
}
for (const [has, e] of expects) {
  const eqAt = e.indexOf('=');
  const key = e.slice(0, eqAt), raw = e.slice(eqAt + 1);
  let want;
  try { want = JSON.parse(raw); } catch { want = raw; }
  for (const [i, file] of glues.entries()) {
    const got = lookup(out[i], key);
    checks++;
    if (has ? !(Array.isArray(got) && got.includes(want)) : JSON.stringify(got) !== JSON.stringify(want)) {
      console.log(`FAIL ${file}: ${key} is ${String(JSON.stringify(got)).slice(0, 300)}, expected ${has ? 'to hold ' : ''}${JSON.stringify(want)}`);
      failed++;
    }
  }
}
console.log(`${checks - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
