#!/usr/bin/env bash
# The README's first command: install what is missing, build prelink and the example
# (a main module and two side modules from corpus/programs/demo), link them into one
# module and run it with node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DPRELINK_FETCH_CORPUS=OFF >/dev/null
fi
cmake --build build --target prelink corpus_demo >/dev/null
d=build/corpus/demo
mkdir -p build/demo
echo "$ prelink inspect $d/libshapes.so   (excerpt)"
build/prelink/prelink inspect "$d/libshapes.so" | sed -n '3,9p'
echo
echo "$ prelink $d/main.wasm $d/libshapes.so $d/libstats.so -o build/demo/app.wasm --manifest build/demo/app.json"
build/prelink/prelink "$d/main.wasm" "$d/libshapes.so" "$d/libstats.so" -o build/demo/app.wasm --manifest build/demo/app.json
node -e '
const m = new WebAssembly.Module(require("fs").readFileSync("build/demo/app.wasm"));
const imps = WebAssembly.Module.imports(m).map(i => i.module + "." + i.name);
console.log("one module, imports: " + imps.join(", "));'
echo
echo "$ node scripts/run-linked.mjs build/demo/app.wasm build/demo/app.json"
node scripts/run-linked.mjs build/demo/app.wasm build/demo/app.json
