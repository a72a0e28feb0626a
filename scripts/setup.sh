#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) needs; a no-op for what is already there.
# Only package registries are used: rustup, crates.io, Debian, npm.
set -euo pipefail
cd "$(dirname "$0")/.."
need_browser=${1:-}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup: need root to run: $*" >&2; exit 1
  fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (have: ${have:-none})"
  # --locked first; if a locked dependency is missing from the registry, resolve afresh.
  cargo install --locked wasm-bindgen-cli --version "$want" \
    || cargo install --force wasm-bindgen-cli --version "$want"
fi

# wasm-opt shrinks the bundles; Debian's binaryen is too old for wasm-bindgen's output, npm's is not.
want_binaryen=132.0.0
if [ "$(cat .tools/binaryen.version 2>/dev/null)" != "$want_binaryen" ] || [ ! -x .tools/node_modules/.bin/wasm-opt ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: installing npm from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  echo "setup: installing binaryen $want_binaryen (wasm-opt) from npm into .tools/"
  npm install --prefix .tools --no-audit --no-fund --silent "binaryen@$want_binaryen"
  echo "$want_binaryen" > .tools/binaryen.version
fi

# esbuild minifies wasm-bindgen's JS glue (bind-wasm.sh): −1.9 KB brotli per bundle.
want_esbuild=0.25.12
if [ "$(cat .tools/esbuild.version 2>/dev/null)" != "$want_esbuild" ] || [ ! -x .tools/node_modules/.bin/esbuild ]; then
  echo "setup: installing esbuild $want_esbuild from npm into .tools/"
  npm install --prefix .tools --no-audit --no-fund --silent "esbuild@$want_esbuild"
  echo "$want_esbuild" > .tools/esbuild.version
fi

if [ "$need_browser" = test ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "setup: installing chromium and chromium-driver from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# The engines tests run a side of the session in Firefox (Debian's firefox-esr, driven by
# geckodriver from crates.io: pinned, built in a target dir of its own) and in WebKit.
want_gecko=0.37.1
if [ "$need_browser" = test ]; then
  if ! command -v firefox-esr >/dev/null; then
    echo "setup: installing firefox-esr from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
  fi
  # WebKit: WebKitGTK's MiniBrowser and WebKitWebDriver, on a virtual X server (Xvfb).
  if ! command -v WebKitWebDriver >/dev/null || ! command -v Xvfb >/dev/null; then
    echo "setup: installing webkit2gtk-driver and xvfb from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq webkit2gtk-driver xvfb >/dev/null
  fi
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$want_gecko" ]; then
    echo "setup: installing geckodriver $want_gecko from crates.io"
    CARGO_TARGET_DIR="${TMPDIR:-/tmp}/geckodriver-build" \
      cargo install --locked geckodriver --version "$want_gecko"
    rm -rf "${TMPDIR:-/tmp}/geckodriver-build"
  fi
fi

# The several-nodes tests run real Redis servers (alone and as a cluster) and a real nginx,
# with a certificate made by openssl.
if [ "$need_browser" = test ]; then
  missing=()
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]} from Debian"
    as_root apt-get update -qq
    # Only the programs: the tests start their own servers, never the system services.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# From npm, each pinned by its package-lock.json: the fidelity corpus, real website templates
# (`make test` runs them in two states, `make fidelity` in all), and the Vite app that bundles
# the npm package (Vite and TypeScript; the test installs the package's tarball into it).
if [ "$need_browser" = test ]; then
  for dir in tests/corpus tests/vite-app; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "setup: installing $dir's packages from npm into $dir/node_modules"
      (cd "$dir" && npm ci --no-audit --no-fund --silent)
    fi
  done
fi
