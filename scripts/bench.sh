#!/usr/bin/env bash
# Measures the market pallets' weights on this machine and rewrites each pallet's `weights.rs`.
#
#   scripts/bench.sh                 all of pallet_models, pallet_providers and pallet_jobs
#   scripts/bench.sh pallet_jobs     just one
#
# Builds `faithful-node` with the `runtime-benchmarks` feature (a second build of much of the
# tree: the feature changes FRAME's own crates), then runs `faithful-node benchmark pallet` in the
# compiled wasm runtime over the dev genesis. STEPS and REPEAT override the sampling.
set -euo pipefail
source "$(dirname "$0")/env.sh"
setup

steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
pallets=("$@")
[ "${#pallets[@]}" -gt 0 ] || pallets=(pallet_models pallet_providers pallet_jobs)

say "building faithful-node with runtime-benchmarks"
# frame-benchmarking-cli carries a test runtime for `benchmark storage`, which this script does not
# run; its wasm build cannot find itself in our workspace's metadata, so skip it.
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 \
	cargo build --locked -p faithful-node --features runtime-benchmarks
node="$(node_bin)"

for pallet in "${pallets[@]}"; do
	out="pallets/${pallet#pallet_}/src/weights.rs"
	say "benchmarking $pallet ($steps steps, $repeat repeats) into $out"
	"$node" benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic '*' \
		--wasm-execution compiled \
		--steps "$steps" \
		--repeat "$repeat" \
		--heap-pages 4096 \
		--template scripts/weights.hbs \
		--output "$out"
done
say "done; review the diff of the weights files and commit them"
