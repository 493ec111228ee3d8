// One Python session with the unmodified npm python-wasm and its cowasm kernel, in this
// node process: boots CPython from WASM (the package's python.wasm or a prelink bundle in
// its place), puts SITE (numpy) on sys.path, imports numpy, runs SCRIPT, then TAIL (a
// statement whose failure is reported, not fatal). Python's output goes to stdout.
//
// The kernel's dlopen (dylink's DlopenManger.dlopen, the JS function behind the `dlopen`
// import of everything the kernel loads) is wrapped to record every path it is called
// with; the report (JSON, --report FILE) has those paths and the timings.
//
// Usage: node run_python.mjs --package DIR --wasm FILE --site DIR --report FILE
//                            [--script FILE.py] [--tail PYTHON]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const tStart = performance.now(); // ms since the process started
const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
const pkg = path.resolve(opt('package'));
const wasm = path.resolve(opt('wasm'));
const site = path.resolve(opt('site'));
const reportFile = opt('report');
const script = opt('script');
const tail = opt('tail');

// The modules exactly as the package resolves them.
const requirePkg = createRequire(path.join(pkg, 'package.json'));
const kernelMain = requirePkg.resolve('@cowasm/kernel');
const requireKernel = createRequire(kernelMain);
const DlopenManager = requireKernel(requireKernel.resolve('dylink/dist/dlopen.js')).default;
const { recvString } = requireKernel(requireKernel.resolve('dylink/dist/util.js'));

const dlopenPaths = [];
const dlopenMs = []; // time in each call (a nested call counts in its caller's too)
const realDlopen = DlopenManager.prototype.dlopen;
// Patched before the kernel exists: add_dlmethods binds this[name] when a loader is made.
DlopenManager.prototype.dlopen = function (pathPtr, flags) {
  dlopenPaths.push(pathPtr ? recvString(pathPtr, this.memory) : null);
  const t = performance.now();
  try {
    return realDlopen.call(this, pathPtr, flags);
  } finally {
    dlopenMs.push(performance.now() - t);
  }
};

const report = { wasm, dlopenPaths, dlopenMs };
const writeReport = () => { if (reportFile) fs.writeFileSync(reportFile, JSON.stringify(report, null, 1)); };
try {
  const { syncKernel } = requirePkg('@cowasm/kernel');
  const { PythonWasmSync } = requirePkg('./dist/common.js');
  // What python-wasm's own syncPython({fs: "stdlib"}) does, with the python.wasm path ours
  // (it hard-wires dist/python.wasm) and PYTHONHOME=/usr for the stdlib zip's mount point.
  const t0 = performance.now();
  const kernel = await syncKernel({
    env: { PYTHONHOME: '/usr' },
    fs: [
      { type: 'zipfile', zipfile: path.join(pkg, 'dist', 'python-stdlib.zip'), mountpoint: '/usr/lib/python3.11' },
      { type: 'native' },
    ],
  });
  const python = new PythonWasmSync(kernel, wasm);
  python.init();
  const t1 = performance.now();
  python.exec(`import sys\nsys.path.insert(0, ${JSON.stringify(site)})\nimport numpy`);
  const t2 = performance.now();
  report.processToBootMs = t1;
  report.bootMs = t1 - t0;
  report.importNumpyMs = t2 - t1;
  report.moduleLoadMs = t0 - tStart;
  if (script) python.exec(fs.readFileSync(script, 'utf8'));
  if (tail) {
    try {
      python.exec(tail);
    } catch (e) {
      report.tailError = String(e?.message ?? e);
    }
  }
  report.ok = true;
} catch (e) {
  report.ok = false;
  report.error = String(e?.stack ?? e);
  console.error(report.error);
}
writeReport();
process.exit(report.ok ? 0 : 1);
