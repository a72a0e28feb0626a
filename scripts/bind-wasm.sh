#!/usr/bin/env bash
# Binds the two wasm modules built in CARGO_OUT with wasm-bindgen into BOUND (names kept, for
# `make bench`'s size by crate) and copies them into DIST with the wasm shrunk by wasm-opt
# (binaryen from npm, installed by setup.sh: Debian's is too old for wasm-bindgen's output)
# and the JS glue minified by esbuild (npm too).
# Used by `make wasm` and `make wasm-test` (dist/) and `make bench-wasm` (the bench bundles,
# built the same way).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo_out=$1 bound=$2 dist=$3
wasm_opt=.tools/node_modules/.bin/wasm-opt
esbuild=.tools/node_modules/.bin/esbuild
for tool in "$wasm_opt" "$esbuild"; do
  [ -x "$tool" ] || { echo "bind-wasm: $tool is missing: run ./scripts/setup.sh" >&2; exit 1; }
done
for m in master slave; do
  # wasm-bindgen adds to its output directory: snippets of an earlier build would stay.
  rm -rf "$bound/$m/snippets"
  wasm-bindgen --target web --no-typescript --out-dir "$bound/$m" "$cargo_out/${m}_wasm.wasm"
  mkdir -p "$dist/$m"
  rm -rf "$dist/$m/snippets"
  cp -r "$bound/$m/." "$dist/$m/"
  # --converge: -Oz again until nothing shrinks (−0.6 KB brotli customer, −0.9 KB console;
  # ~8 s more per module).
  "$wasm_opt" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$bound/$m/${m}_wasm_bg.wasm" -o "$dist/$m/${m}_wasm_bg.wasm"
  # The glue minified (exports and import paths kept): −1.9 KB brotli for each module.
  # wasm-bindgen names one snippet file under several keys of its imports object (the same
  # module each time): esbuild's warning about them is not printed.
  "$esbuild" "$bound/$m/${m}_wasm.js" --minify --format=esm --log-level=error \
    --outfile="$dist/$m/${m}_wasm.js"
done
