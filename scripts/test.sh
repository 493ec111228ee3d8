#!/usr/bin/env bash
# The README's second command: install what is missing, build everything (warnings are
# errors), fetch the real-world modules from npm, and run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DPRELINK_WERROR=ON -DPRELINK_FETCH_CORPUS=ON >/dev/null
cmake --build build
(cd build && ctest --output-on-failure -j"$(nproc)")

# The Debian package, installed for real (apt resolves its Depends), used, and removed.
# CTest's "package: the Debian package" checks the package unpacked; this checks dpkg and
# apt accept it. Needs root: skipped otherwise.
if [ "$(id -u)" -eq 0 ]; then
  rm -rf build/package
  (cd build && cpack -G DEB -B package >/dev/null)
  deb=$(ls build/package/prelink_*.deb)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
  trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq prelink >/dev/null' EXIT
  /usr/bin/prelink --version
  c=build/corpus/chain
  /usr/bin/prelink $c/main.wasm $c/liba.so $c/libb.so $c/libx.so -o build/package/chain.wasm --manifest build/package/chain.json
  node scripts/run-linked.mjs build/package/chain.wasm build/package/chain.json | diff - $c/expected.txt
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq prelink >/dev/null
  trap - EXIT
  if [ -e /usr/bin/prelink ]; then echo "test.sh: apt-get remove left /usr/bin/prelink" >&2; exit 1; fi
  echo "test.sh: $deb installs with apt-get, links, and removes"
else
  echo "test.sh: not root: skipping the apt-get install of the Debian package"
fi

# Second configuration (docs/reliability.md): clang-19 with ASan + UBSan and the libFuzzer
# targets. Runs every test but the fetched (network) ones, including the `fuzz` label:
# each fuzz target for PRELINK_FUZZ_SECONDS (default 60). PRELINK_SKIP_ASAN=1 skips it.
if [ "${PRELINK_SKIP_ASAN:-0}" != 1 ]; then
  CC=clang-19 CXX=clang++-19 cmake -S . -B build-asan -G Ninja -DPRELINK_FUZZ=ON \
    -DPRELINK_FETCH_CORPUS=OFF -DPRELINK_FUZZ_SECONDS="${PRELINK_FUZZ_SECONDS:-60}" >/dev/null
  cmake --build build-asan
  cd build-asan
  PRELINK_BAD_NO_ULIMIT=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$(nproc)" -LE fetched
fi
