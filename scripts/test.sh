#!/usr/bin/env bash
# The README's test command: sets up a fresh machine, builds the node (with its wasm runtime) and
# runs every test, the end-to-end ones against real node processes on loopback.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup

say "building faithful-node and its wasm runtime (the first build takes a long while)"
cargo build --locked -p faithful-node
say "running all tests"
FAITHFUL_NODE_BIN="$(node_bin)" cargo test --locked --workspace "$@"
