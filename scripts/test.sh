#!/usr/bin/env bash
# The README's test command: sets up a fresh machine, builds the node (with its wasm runtime) and
# runs every test, the end-to-end ones against real node processes on loopback.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup

say "building faithful-node, its wasm runtime, faithful-worker and the faithful CLI (the first build takes about an hour on 2 cores)"
# Separately: built together, the worker's and CLI's dependencies would change features of the
# node's. The end-to-end tests run these binaries.
cargo build --locked -p faithful-node
cargo build --locked -p faithful-worker
cargo build --locked -p faithful-cli
say "fetching the default model for the inference engine's and the workers' tests"
"$ROOT/scripts/fetch-model.sh" >/dev/null
say "fetching llama.cpp's test vocabularies for the tokenizer's tests"
"$ROOT/scripts/fetch-vocabularies.sh" >/dev/null
say "running all tests"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# No doc tests: the crates have no doc examples, and a trailing empty doc-test run would hide the
# real totals. The engine and its dependants (worker, CLI) run in their own cargo invocation: candle
# would otherwise change the features of crates the node shares and rebuild half of the node's tree.
status=0
FAITHFUL_NODE_BIN="$(node_bin)" cargo test --locked --workspace \
	--exclude faithful-worker --exclude faithful-engine --exclude faithful-cli \
	--lib --bins --tests "$@" 2>&1 | tee "$log" || status=$?
say "running the engine's, the worker's and the CLI's tests (with the real model)"
FAITHFUL_NODE_BIN="$(node_bin)" FAITHFUL_REQUIRE_MODEL=1 cargo test --locked \
	-p faithful-engine -p faithful-worker -p faithful-cli --lib --bins --tests "$@" 2>&1 |
	tee -a "$log" || status=$?
say "running the pallets' benchmarks as tests"
cargo test --locked --lib -p pallet-models -p pallet-providers -p pallet-jobs \
	--features pallet-models/runtime-benchmarks,pallet-providers/runtime-benchmarks,pallet-jobs/runtime-benchmarks \
	benchmarking 2>&1 |
	tee -a "$log" || status=$?
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "all tests: %d passed, %d failed\n", passed, failed }' "$log"
exit "$status"
