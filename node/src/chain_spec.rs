//! The networks `faithful-node` knows by name. Their genesis lives in `chain-specs/*.json`,
//! which the runtime's genesis presets include.

use faithful_primitives::currency::{TOKEN_DECIMALS, TOKEN_SYMBOL};
use faithful_runtime::WASM_BINARY;
use polkadot_sdk::{
	sc_service::{self, ChainType},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
};

/// A chain spec with no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"this faithful-node was built without its wasm runtime (SKIP_WASM_BUILD); rebuild it \
		 without that variable"
			.to_string()
	})?;
	Ok(ChainSpec::builder(wasm, Default::default())
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// One validator (Alice), manual seal, sudo.
pub fn development() -> Result<ChainSpec, String> {
	from_preset("Faithful Development", "faithful_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// Four validators on one machine (Alice, Bob, Charlie, Dave) running BABE + GRANDPA.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"Faithful Local Testnet",
		"faithful_local",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
