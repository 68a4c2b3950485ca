#!/usr/bin/env bash
# The README's main command: builds faithful-node, starts a development chain, shows its blocks
# being sealed and finalized, then stops the node. DEMO_BLOCKS (default 10) sets how many.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup

say "building faithful-node and its wasm runtime (the first build takes a long while)"
cargo build --locked -p faithful-node

base="$(mktemp -d)"
log="$base/node.log"
port="${FAITHFUL_RPC_PORT:-9944}"
"$(node_bin)" --dev --base-path "$base" --rpc-port "$port" --no-prometheus >"$log" 2>&1 &
node=$!
cleanup() { kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; rm -rf "$base"; }
trap cleanup EXIT

rpc() {
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[${2:-}]}" "http://127.0.0.1:$port"
}
field() { python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($1)"; }

say "starting a development chain (log: $log)"
for _ in $(seq 1 120); do rpc system_health >/dev/null 2>&1 && break; sleep 1; done
rpc system_health >/dev/null || { tail -n 30 "$log"; exit 1; }

last=-1
want="${DEMO_BLOCKS:-10}"
while [ "$last" -lt "$want" ]; do
	best="$(rpc chain_getHeader | field "int(r['number'], 16)")"
	fin_hash="$(rpc chain_getFinalizedHead | field "r")"
	fin="$(rpc chain_getHeader "\"$fin_hash\"" | field "int(r['number'], 16)")"
	if [ "$best" -ne "$last" ]; then
		echo "block #$best sealed, #$fin finalized ($fin_hash)"
		last="$best"
	fi
	sleep 0.5
done
say "the development chain produced and finalized $want blocks; stopping it"
