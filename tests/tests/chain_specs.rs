//! Every network's chain spec builds from its committed genesis patch.

use anyhow::{Context, Result};
use faithful_tests::run_node_command;
use serde_json::Value;

const NETWORKS: [(&str, &str); 2] = [("dev", "dev.json"), ("local", "local.json")];

fn committed_patch(file: &str) -> Result<Value> {
	let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs").join(file);
	let text =
		std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
	Ok(serde_json::from_str(&text)?)
}

#[test]
fn every_network_builds_a_raw_spec_with_code_and_state() -> Result<()> {
	for (chain, _) in NETWORKS {
		let raw: Value = serde_json::from_str(&run_node_command(&[
			"build-spec",
			"--chain",
			chain,
			"--raw",
			"--disable-default-bootnode",
		])?)?;
		let top =
			raw["genesis"]["raw"]["top"].as_object().context("raw spec has genesis.raw.top")?;
		// `:code`, the runtime's wasm.
		let code =
			top.get("0x3a636f6465").and_then(Value::as_str).context("raw spec holds :code")?;
		assert!(code.len() > 100_000, "{chain}: the runtime is in the spec");
		assert!(top.len() > 20, "{chain}: genesis state has the pallets' storage");
		assert_eq!(raw["properties"]["tokenSymbol"], "FTH");
		assert_eq!(raw["properties"]["tokenDecimals"], 12);
	}
	Ok(())
}

#[test]
fn every_network_genesis_is_its_committed_patch() -> Result<()> {
	for (chain, file) in NETWORKS {
		let spec: Value = serde_json::from_str(&run_node_command(&[
			"build-spec",
			"--chain",
			chain,
			"--disable-default-bootnode",
		])?)?;
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(patch, &committed_patch(file)?, "{chain} genesis comes from chain-specs/{file}");
	}
	Ok(())
}
