#!/usr/bin/env bash
# Builds the npm package @cobrowse/customer from the customer module in DIST (dist/, as
# `make wasm` or `make wasm-test` left it) into OUT/customer, and packs it into
# OUT/cobrowse-customer-<version>.tgz (what a team publishes, or installs from the file).
# Its entry is the page API, the button drawn before the module loads and how co-browse starts
# (relay/src/http/page_api.js, launcher.js, starter.js: the snippet's too) and the
# package's init (packages/customer/src/init.js); the declarations are packages/customer/index.d.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist} out=${2:-target/package}
[ -f "$dist/master/master_wasm_bg.wasm" ] || { echo "package: no customer module in $dist/master: run make wasm" >&2; exit 1; }
src=packages/customer
pkg=$out/customer
rm -rf "$pkg" && mkdir -p "$pkg/wasm"
cp "$src/package.json" "$src/index.d.ts" "$src/README.md" "$pkg/"
{
  echo "// @cobrowse/customer: built by scripts/package.sh from the co-browse repository."
  cat relay/src/http/page_api.js relay/src/http/launcher.js relay/src/http/starter.js
  cat "$src/src/init.js"
} > "$pkg/index.js"
cp -r "$dist/master/." "$pkg/wasm/"
(cd "$pkg" && npm pack --silent --pack-destination ..) | sed "s|^|packed $out/|"
