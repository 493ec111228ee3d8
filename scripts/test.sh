#!/usr/bin/env bash
# The README's second command: install what is missing, build everything (warnings are
# errors), fetch the real-world modules from npm, and run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DPRELINK_WERROR=ON -DPRELINK_FETCH_CORPUS=ON >/dev/null
cmake --build build
(cd build && ctest --output-on-failure -j"$(nproc)")

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
