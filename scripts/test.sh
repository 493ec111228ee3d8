#!/usr/bin/env bash
# The README's second command: install what is missing, build everything (warnings are
# errors), fetch the real-world modules from npm, and run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DPRELINK_WERROR=ON -DPRELINK_FETCH_CORPUS=ON >/dev/null
cmake --build build
cd build
ctest --output-on-failure -j"$(nproc)"
