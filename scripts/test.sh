#!/usr/bin/env bash
# The README's test command: sets up a fresh machine, builds the node (with its wasm runtime) and
# runs every test, the end-to-end ones against real node processes on loopback.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup

say "building faithful-node and its wasm runtime (the first build takes about an hour on 2 cores)"
cargo build --locked -p faithful-node
say "running all tests"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# No doc tests: the crates have no doc examples, and a trailing empty doc-test run would hide the
# real totals.
status=0
FAITHFUL_NODE_BIN="$(node_bin)" cargo test --locked --workspace --lib --bins --tests "$@" 2>&1 |
	tee "$log" || status=$?
say "running the pallets' benchmarks as tests"
cargo test --locked --lib -p pallet-models -p pallet-providers -p pallet-jobs \
	--features pallet-models/runtime-benchmarks,pallet-providers/runtime-benchmarks,pallet-jobs/runtime-benchmarks \
	benchmarking 2>&1 |
	tee -a "$log" || status=$?
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "all tests: %d passed, %d failed\n", passed, failed }' "$log"
exit "$status"
