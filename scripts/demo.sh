#!/usr/bin/env bash
# The README's main command: fetches the default model, builds the node, the provider daemon and
# the CLI, starts a development chain and a worker serving the model as Bob (registering the
# provider, the model and its offer), asks "What is the capital of France?" as Alice, prints the
# answer and the settlement, then stops everything it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup

say "fetching the default model"
model="$("$ROOT/scripts/fetch-model.sh")"
say "building faithful-node, faithful-worker and faithful (the first build takes about an hour on 2 cores)"
# Separately: built together, the worker's and CLI's dependencies would change features of the
# node's and rebuild much of it.
cargo build --locked -p faithful-node
cargo build --locked -p faithful-worker
cargo build --locked -p faithful-cli
bin="$CARGO_TARGET_DIR/debug"

base="$(mktemp -d)"
port="${FAITHFUL_RPC_PORT:-9944}"
url="ws://127.0.0.1:$port"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$base"
}
trap cleanup EXIT

say "starting a development chain (log: $base/node.log)"
"$bin/faithful-node" --dev --base-path "$base/chain" --rpc-port "$port" --no-prometheus \
	>"$base/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do "$bin/faithful" --url "$url" models >/dev/null 2>&1 && break; sleep 1; done
"$bin/faithful" --url "$url" models >/dev/null || { tail -n 30 "$base/node.log"; exit 1; }

say "starting a worker as Bob serving $(basename "$model") (log: $base/worker.log)"
"$bin/faithful-worker" run --url "$url" --suri //Bob --model "$model" --auto-register \
	--state "$base/bob-state.json" --no-metrics >"$base/worker.log" 2>&1 &
worker=$!
pids+=("$worker")
name="SmolLM2-135M-Instruct"
for _ in $(seq 1 300); do
	"$bin/faithful" --url "$url" offers "$name" 2>/dev/null | grep -q "per token" && break
	kill -0 "$worker" 2>/dev/null || { tail -n 30 "$base/worker.log"; exit 1; }
	sleep 1
done
"$bin/faithful" --url "$url" offers "$name"

say "Alice asks \"What is the capital of France?\" (the answer comes at once; settlement follows the challenge window)"
say "Bob is the model's only worker, so nobody could judge his answer: Alice waives a jury knowingly"
"$bin/faithful" --url "$url" --suri //Alice prompt --model "$name" --max-tokens 32 --waive-jury \
	"What is the capital of France?"
say "the job was answered and paid on chain; stopping the worker and the chain"
