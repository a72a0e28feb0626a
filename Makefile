# The commands of the README: `make run`, `make test` and `make release`. They install what is
# missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

RELAY_LISTEN ?= 127.0.0.1:8080
DEMO_LISTEN ?= 127.0.0.1:8081
DATA_DIR ?= data
WASM_PROFILE := wasm-release
WASM_OUT := target/wasm32-unknown-unknown/$(WASM_PROFILE)

.PHONY: run release package example test setup setup-test wasm wasm-test lint test-native test-browser fuzz bench bench-wasm bench-check fidelity

## run: build everything and start the relay with the demo site and the agent console
# --assets-dir: the bundles and the console are read from dist/ and www/ at each request, so a
# `make wasm` or an edit in www/agent/ shows without restarting the relay.
run: release
	./target/release/cobrowse-relay --listen $(RELAY_LISTEN) --demo-listen $(DEMO_LISTEN) --data-dir $(DATA_DIR) \
	  --assets-dir dist --www-dir www

## release: target/release/cobrowse-relay, one file with every browser asset embedded
# (precompressed); it runs from any directory, without dist/ or www/ beside it. It embeds the
# bundles `make wasm` builds, never the test hooks (checked: a test build in dist/ fails here).
release: setup wasm
	@! grep -q -a -e cobrowseCraft -e cobrowsePassive dist/master/master_wasm_bg.wasm dist/slave/slave_wasm_bg.wasm \
	  || { echo "release: dist/ holds test hooks (make wasm-test): not embedding them" >&2; exit 1; }
	cargo build --release -p cobrowse-relay
	@ls -l target/release/cobrowse-relay | awk '{print "built " $$9 " (" $$5 " bytes, assets embedded)"}'

## package: the npm package @cobrowse/customer (the customer module as shipped, the page API and its
# TypeScript declarations) in target/package/customer, packed as target/package/cobrowse-customer-<version>.tgz
package: setup wasm
	./scripts/package.sh dist target/package

## example: the Rust single-page app of examples/yew-spa (Yew, with co-browse through the
# master-wasm crate's Rust API), built for the browser into target/examples/yew-spa; open its
# index.html from a web server with ?relay=<the relay's URL>. The end-to-end tests run a session
# from it. (A debug build: the browser tests build the same dependencies.)
EXAMPLE_OUT := target/examples/yew-spa
example: setup-test
	cargo build --target wasm32-unknown-unknown -p yew-spa
	wasm-bindgen --target web --no-typescript --out-dir $(EXAMPLE_OUT) target/wasm32-unknown-unknown/debug/yew_spa.wasm
	cp examples/yew-spa/index.html $(EXAMPLE_OUT)/

TEST_LOG := target/test-output.log

## test: every test: formatting, lints, native, browser (wasm-bindgen-test) and end-to-end
# The end-to-end tests load dist/ as `make wasm-test` builds it (with the test hooks).
test: setup-test wasm-test example lint
	@mkdir -p target && : > $(TEST_LOG)
	$(MAKE) --no-print-directory test-native test-browser bench-check 2>&1 | tee -a $(TEST_LOG)
	@awk '/test result:/ { p += $$4; f += $$6 } END { print "total: " p " passed, " f " failed" }' $(TEST_LOG)

setup:
	./scripts/setup.sh

setup-test:
	./scripts/setup.sh test

## wasm: the customer module and the agent console as shipped, built and bound into dist/
# wasm-bindgen's output, kept in target/bound, shrunk into dist/ by wasm-opt (the wasm) and esbuild
# (the JS glue).
wasm:
	cargo build --profile $(WASM_PROFILE) --target wasm32-unknown-unknown -p master-wasm -p slave-wasm
	./scripts/bind-wasm.sh $(WASM_OUT) target/bound dist
	@ls -l dist/master/*.wasm dist/slave/*.wasm | awk '{print "built " $$9 " (" $$5 " bytes)"}'

## wasm-test: the same into dist/, with the feature `test-hooks` (what the end-to-end tests
# drive: the console's window.cobrowseCraft and cobrowseRecorded, the module's cobrowsePassive).
# `make wasm` (or `make release`) afterwards puts the shipped bundles back.
TEST_HOOKS := --features master-wasm/test-hooks,slave-wasm/test-hooks
wasm-test:
	cargo build --profile $(WASM_PROFILE) --target wasm32-unknown-unknown -p master-wasm -p slave-wasm $(TEST_HOOKS)
	./scripts/bind-wasm.sh $(WASM_OUT) target/bound dist
	@ls -l dist/master/*.wasm dist/slave/*.wasm | awk '{print "built " $$9 " (" $$5 " bytes, with test hooks)"}'

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -p master-wasm -p slave-wasm -p yew-spa --all-targets -- -D warnings
	# The test hooks and the bench entry points (`make bench`) are linted too, though never
	# shipped: in one run (each run checks both crates again).
	cargo clippy --target wasm32-unknown-unknown -p master-wasm -p slave-wasm --all-targets $(TEST_HOOKS),master-wasm/bench,slave-wasm/bench -- -D warnings
	# The protocol's native-only dev-dependencies (proptest) do not build for wasm32: lint its library.
	cargo clippy --target wasm32-unknown-unknown -p shared-protocol -p shared-css -p shared-web -- -D warnings

# The end-to-end tests in tests/ drive headless Chromium against the bundles in dist/.
test-native:
	cargo test --workspace --no-fail-fast

# chromedriver leaves each session's profile (~30 MB) in TMPDIR: keep them in target/ and remove them.
BROWSER_TMP := target/browser-tmp
# The browser tests, in headless Chromium then in headless Firefox (the runner picks its
# engine from the driver it is given).
test-browser:
	rm -rf $(BROWSER_TMP) && mkdir -p $(BROWSER_TMP)
	TMPDIR=$(abspath $(BROWSER_TMP)) CHROMEDRIVER=$$(command -v chromedriver) \
	  cargo test --no-fail-fast --target wasm32-unknown-unknown -p master-wasm -p slave-wasm; \
	  chromium=$$?; \
	TMPDIR=$(abspath $(BROWSER_TMP)) GECKODRIVER=$$(command -v geckodriver) \
	  cargo test --no-fail-fast --target wasm32-unknown-unknown -p master-wasm -p slave-wasm; \
	  firefox=$$?; rm -rf $(BROWSER_TMP); [ $$chromium = 0 ] && [ $$firefox = 0 ]

BENCH_ARGS ?=
BENCH_DIST := target/bench-dist

## bench: the product side by side with rrweb and a Node `ws` relay; writes bench/results/latest.{md,json}
bench: setup-test wasm bench-wasm
	cd bench/node && (npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent)
	cargo build --release -p cobrowse-relay -p cobrowse-bench
	./target/release/cobrowse-bench $(BENCH_ARGS)

# The bundles with the bench entry points (`bench` features), built as shipped otherwise.
BENCH_PROFILE ?= bench-wasm
bench-wasm:
	cargo build --profile $(BENCH_PROFILE) --target wasm32-unknown-unknown -p master-wasm -p slave-wasm \
	  --features master-wasm/bench,slave-wasm/bench
	./scripts/bind-wasm.sh target/wasm32-unknown-unknown/$(BENCH_PROFILE) target/bench-bound $(BENCH_DIST)

## bench-check (part of `make test`): every row of the bench still gets its figure (--quick,
# debug builds of the relay and the bench, figures not judged), so a section that stops
# working fails CI. The bench bundles reuse the shipped profile's compiled dependencies.
bench-check:
	$(MAKE) --no-print-directory bench-wasm BENCH_PROFILE=$(WASM_PROFILE)
	cd bench/node && (npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent)
	cargo build -p cobrowse-relay -p cobrowse-bench
	./target/debug/cobrowse-bench --quick --check --relay-bin target/debug/cobrowse-relay --out target/bench-check

## fidelity: real pages (tests/corpus: website templates and sites from npm, installed by the
# setup script) mirrored in every state and compared pixel by pixel; the table goes to
# target/fidelity/corpus.md, with the page's, the view's and the difference's images of each
# miss. `make test` runs the same pages in their first two states (after load, scrolled halfway).
fidelity: setup-test wasm-test
	CORPUS_STATES=all cargo test -p cobrowse-e2e --test corpus -- --nocapture

FUZZ_SECONDS ?= 30
FUZZ_TARGETS := customer_envelope agent_envelope relay_envelope customer_page agent_page join_code handshake sealed css_urls css_state_twin

## fuzz: each protocol decoder and CSS rewriter under libFuzzer for FUZZ_SECONDS each. Nightly
# when it is (or can be) installed; otherwise stable with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs
# nightly flags). Not part of `make test`.
fuzz:
	rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal || true
	command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	cd fuzz && if rustup toolchain list | grep -q nightly; then tc=+nightly; else tc=+stable; export RUSTC_BOOTSTRAP=1; fi; \
	for t in $(FUZZ_TARGETS); do cargo $$tc fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done
