//! The `#[subxt]` macro reads `metadata/faithful.scale` at compile time, but cargo does not know
//! it: without this, regenerated metadata would leave stale generated types behind.
fn main() {
	println!("cargo:rerun-if-changed=../metadata/faithful.scale");
}
