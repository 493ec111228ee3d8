#!/bin/sh
# A CI step for a project that ships a prelinked program: link with warnings as errors,
# check that the link is reproducible and the output valid, and keep the map and the
# dependency file as build artifacts. Exit status 0 only if all of that holds.
#
#   examples/ci/prelink-step.sh OUTDIR MAIN.wasm [SIDE.so|DIR|ARCHIVE ...] [prelink options]
#
# PRELINK (default: prelink) and WASM_OPT (default: wasm-opt, skipped when absent) name the
# tools. See github-actions.yml for the job around it.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR MAIN.wasm [SIDE ...] [options]" >&2; exit 2; }
out=$1
shift
PRELINK=${PRELINK:-prelink}
mkdir -p "$out"

# 1. The link: every warning fails the job; every undefined symbol is named.
"$PRELINK" "$@" -o "$out/app.wasm" --manifest "$out/app.json" -Map "$out/app.map" \
  --dependency-file "$out/app.d" --fatal-warnings --error-limit 0

# 2. Reproducible: the same inputs and flags give the same bytes.
"$PRELINK" "$@" -o "$out/again.wasm" --manifest "$out/again.json"
cmp "$out/app.wasm" "$out/again.wasm"
cmp "$out/app.json" "$out/again.json"
rm -f "$out/again.wasm" "$out/again.json"

# 3. Valid in V8 (node) and, when it is installed, in binaryen.
node -e 'const f = process.argv[1]; if (!WebAssembly.validate(require("fs").readFileSync(f))) { console.error(f + ": not valid"); process.exit(1); }' "$out/app.wasm"
WASM_OPT=${WASM_OPT:-wasm-opt}
if command -v "$WASM_OPT" >/dev/null 2>&1; then
  "$WASM_OPT" -all --quiet "$out/app.wasm" -o /dev/null
fi
echo "prelink-step: $out/app.wasm ($(wc -c < "$out/app.wasm") bytes), app.json, app.map, app.d"
