//! Genesis presets. Each preset is a JSON patch kept in `chain-specs/`, included here verbatim so
//! the files are the one definition of every network's genesis.

use alloc::{vec, vec::Vec};
use polkadot_sdk::sp_genesis_builder::{
	PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET,
};

/// `faithful-node --dev`: Alice alone, with sudo.
const DEVELOPMENT: &str = include_str!("../../chain-specs/dev.json");
/// `faithful-node --chain local`: four validators on one machine.
const LOCAL_TESTNET: &str = include_str!("../../chain-specs/local.json");

/// The genesis patch of a preset, or `None` for an unknown name.
pub fn preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => DEVELOPMENT,
		LOCAL_TESTNET_RUNTIME_PRESET => LOCAL_TESTNET,
		_ => return None,
	};
	Some(patch.as_bytes().to_vec())
}

/// Every preset this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		governance::Timing, Babe, Balances, Grandpa, Runtime, RuntimeGenesisConfig,
		TreasuryAccount, FTH,
	};
	use polkadot_sdk::{
		frame_support::{genesis_builder_helper::build_state, traits::fungible::Inspect},
		pallet_sudo,
		sp_consensus_babe::AuthorityId as BabeId,
		sp_consensus_grandpa::AuthorityId as GrandpaId,
		sp_io::TestExternalities,
		sp_keyring::{Ed25519Keyring, Sr25519Keyring},
	};
	use serde_json::Value;

	/// Applies `patch` onto `base` the way the node does when it builds a chain spec: objects
	/// merge key by key, anything else is replaced.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			}
			(base, patch) => *base = patch,
		}
	}

	/// Builds the genesis state of a preset, as a node would, and runs `check` inside it.
	fn with_genesis_of(name: &str, check: impl FnOnce()) {
		let patch = preset(&PresetId::from(name)).expect("preset exists");
		let patch: Value = serde_json::from_slice(&patch).expect("preset is valid JSON");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		merge(&mut config, patch);
		let mut ext = TestExternalities::new_empty();
		ext.execute_with(|| {
			build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
				.expect("genesis builds");
			check();
		});
	}

	fn babe_keys(who: &[Sr25519Keyring]) -> Vec<BabeId> {
		who.iter().map(|k| k.public().into()).collect()
	}

	fn grandpa_keys(who: &[Ed25519Keyring]) -> Vec<GrandpaId> {
		who.iter().map(|k| k.public().into()).collect()
	}

	fn assert_dev_accounts_endowed() {
		for who in [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
		] {
			assert_eq!(Balances::balance(&who.to_account_id()), 1_000_000 * FTH, "{who:?}");
		}
		assert_eq!(Balances::balance(&TreasuryAccount::get()), FTH);
	}

	#[test]
	fn every_preset_name_resolves_and_unknown_names_do_not() {
		for name in preset_names() {
			assert!(preset(&name).is_some(), "{name:?}");
		}
		assert!(preset(&PresetId::from("mainnet")).is_none());
	}

	#[test]
	fn development_genesis_has_alice_as_only_validator_and_sudo() {
		with_genesis_of(DEV_RUNTIME_PRESET, || {
			let babe: Vec<BabeId> = Babe::authorities().iter().map(|(id, _)| id.clone()).collect();
			assert_eq!(babe, babe_keys(&[Sr25519Keyring::Alice]));
			let grandpa: Vec<GrandpaId> =
				Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
			assert_eq!(grandpa, grandpa_keys(&[Ed25519Keyring::Alice]));
			assert_eq!(
				pallet_sudo::Key::<Runtime>::get(),
				Some(Sr25519Keyring::Alice.to_account_id())
			);
			assert_dev_accounts_endowed();
			assert_eq!(crate::governance::Pallet::<Runtime>::periods(), Timing::DEVELOPMENT);
		});
	}

	#[test]
	fn local_testnet_genesis_has_four_validators() {
		with_genesis_of(LOCAL_TESTNET_RUNTIME_PRESET, || {
			let babe: Vec<BabeId> = Babe::authorities().iter().map(|(id, _)| id.clone()).collect();
			assert_eq!(
				babe,
				babe_keys(&[
					Sr25519Keyring::Alice,
					Sr25519Keyring::Bob,
					Sr25519Keyring::Charlie,
					Sr25519Keyring::Dave
				])
			);
			let grandpa: Vec<GrandpaId> =
				Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
			assert_eq!(
				grandpa,
				grandpa_keys(&[
					Ed25519Keyring::Alice,
					Ed25519Keyring::Bob,
					Ed25519Keyring::Charlie,
					Ed25519Keyring::Dave
				])
			);
			assert_dev_accounts_endowed();
			assert_eq!(crate::governance::Pallet::<Runtime>::periods(), Timing::NETWORK);
		});
	}

	#[test]
	fn babe_genesis_epoch_allows_secondary_vrf_slots() {
		with_genesis_of(DEV_RUNTIME_PRESET, || {
			assert_eq!(Babe::epoch_config(), Some(crate::BABE_GENESIS_EPOCH_CONFIG));
		});
	}
}
