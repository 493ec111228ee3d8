#!/bin/sh
# Packaging cowasm's python-wasm for deployment with prelink: python.wasm, the extension
# modules of its standard library (lib-dynload, from python-stdlib.zip) and numpy's (from
# numpy.tar.xz) become ONE side module, which the package's unmodified kernel loads in
# place of python.wasm. CPython's dlopen of a bundled extension is then answered inside
# the module: nothing is fetched, compiled or linked at import time.
#
#   examples/python-wasm/package.sh node_modules/python-wasm OUT
#   cp OUT/python.wasm node_modules/python-wasm/dist/python.wasm    # deploy
#
# PRELINK names the tool (default: prelink). Needs python3 (or unzip) for the zip file.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 PYTHON_WASM_PACKAGE_DIR OUT_DIR" >&2; exit 2; }
dist=$1/dist
out=$2
PRELINK=${PRELINK:-prelink}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The stdlib's extension modules, unpacked. _curses_panel needs libpanel, which the
# cowasm kernel does not have: it cannot load under the original either, and a bundle
# whose imports the kernel cannot satisfy does not load, so it stays out (and fails at
# `import _curses_panel` exactly as before).
if command -v python3 >/dev/null 2>&1; then
  python3 -m zipfile -e "$dist/python-stdlib.zip" "$work/stdlib"
else
  unzip -q "$dist/python-stdlib.zip" -d "$work/stdlib"
fi
rm -f "$work"/stdlib/lib-dynload/_curses_panel.*

# numpy's tarball is read as it is (prelink takes directories, wheels and tarballs).
mkdir -p "$out"
"$PRELINK" --shared "$dist/python.wasm" "$work/stdlib/lib-dynload" "$dist/numpy.tar.xz" \
  -o "$out/python.wasm" --manifest "$out/python.json"
echo "package: $out/python.wasm ($(wc -c < "$out/python.wasm") bytes) replaces $dist/python.wasm"
