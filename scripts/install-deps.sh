#!/usr/bin/env bash
# Installs the Debian 12 packages prelink needs to build and test. Idempotent and quiet
# when everything is already present. Run as root (or with sudo available).
set -euo pipefail
pkgs=(clang-19 lld-19 llvm-19-dev libclang-rt-19-dev-wasm32 libclang-rt-19-dev libzstd-dev libcli11-dev
      doctest-dev libssl-dev libarchive-dev binaryen wabt cmake ninja-build nlohmann-json3-dev nodejs npm
      chromium   # chromium: tests/browser (headless, driven by npm's playwright-core)
      emscripten  # emcc 3.1.6: corpus/emscripten (the emscripten flavour's tests and benchmark)
      node-acorn  # tests/glue: the JS glue reader checked against acorn's syntax tree
      dpkg-dev file binutils) # cpack -G DEB: dpkg-shlibdeps, file; tests/package: readelf
missing=()
for p in "${pkgs[@]}"; do
  # nodejs may come from NodeSource (/usr/bin/node) rather than Debian: accept either.
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
