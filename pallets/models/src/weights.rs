//! Weights of `pallet_models`, measured by `scripts/bench.sh` (frame-benchmarking-cli 64.0.0).
//!
//! Do not edit: rerun `scripts/bench.sh` after changing the pallet.
//! Measured 2026-11-21 on `vm` (Intel(R) Xeon(R) Processor): 20 steps, 10 repeats,
//! Compiled wasm execution.
//!
//! Command:
//!   /root/.cache/faithful/bench-target/debug/faithful-node
//!   benchmark
//!   pallet
//!   --chain
//!   dev
//!   --pallet
//!   pallet_models
//!   --extrinsic
//!   *
//!   --wasm-execution
//!   compiled
//!   --steps
//!   20
//!   --repeat
//!   10
//!   --heap-pages
//!   4096
//!   --template
//!   scripts/weights.hbs
//!   --output
//!   pallets/models/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions of `pallet_models`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn retire() -> Weight;
}

/// Measured weights, with storage accesses priced by the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Models::Models` (r:1 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(156), added: 2631, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelIdByName` (r:1 w:1)
	/// Proof: `Models::ModelIdByName` (`max_values`: None, `max_size`: Some(114), added: 2589, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn register() -> Weight {
		// Minimum execution time: 62_338_000 picoseconds.
		Weight::from_parts(67_215_000, 3621)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Models::Models` (r:1 w:1)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(156), added: 2631, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:0)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `Models::ModelIdByName` (r:0 w:1)
	/// Proof: `Models::ModelIdByName` (`max_values`: None, `max_size`: Some(114), added: 2589, mode: `MaxEncodedLen`)
	fn retire() -> Weight {
		// Minimum execution time: 57_517_000 picoseconds.
		Weight::from_parts(61_965_000, 6827)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
}

/// The same measurements priced with ParityDb's access costs, for mocks.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(67_215_000, 3621)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn retire() -> Weight {
		Weight::from_parts(61_965_000, 6827)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
}
