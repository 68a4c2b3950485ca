# Shared set-up for the scripts: sourced, not run. Installs what a fresh machine lacks (protoc,
# the pinned toolchain's wasm target and rust-src) and points cargo at one shared target dir.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/faithful/target}"
export OPENSSL_NO_VENDOR=1
TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_protoc() {
	command -v protoc >/dev/null 2>&1 && return
	say "installing protobuf-compiler (needed by the node's networking)"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler >/dev/null
}

ensure_toolchain() {
	# The rustup proxy installs the pinned toolchain but not its extra targets: add them here.
	if ! rustup target list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -qx wasm32v1-none ||
		! rustup component list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -q '^rust-src'; then
		say "adding wasm32v1-none and rust-src to Rust $TOOLCHAIN"
		rustup toolchain install "$TOOLCHAIN" --profile minimal >/dev/null
		rustup target add wasm32v1-none --toolchain "$TOOLCHAIN" >/dev/null
		rustup component add rust-src --toolchain "$TOOLCHAIN" >/dev/null
	fi
}

setup() {
	ensure_protoc
	ensure_toolchain
	mkdir -p "$CARGO_TARGET_DIR"
	cd "$ROOT"
}

# The node binary that `cargo build -p faithful-node` produces.
node_bin() { echo "$CARGO_TARGET_DIR/debug/faithful-node"; }
