//! Weights of `pallet_providers`, measured by `scripts/bench.sh` (frame-benchmarking-cli 64.0.0).
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
//!   pallet_providers
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
//!   pallets/providers/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions of `pallet_providers`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn deregister() -> Weight;
	fn offer() -> Weight;
	fn update_offer() -> Weight;
	fn retract() -> Weight;
}

/// Measured weights, with storage accesses priced by the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn register() -> Weight {
		// Minimum execution time: 61_953_000 picoseconds.
		Weight::from_parts(69_281_000, 4521)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn bond_extra() -> Weight {
		// Minimum execution time: 65_131_000 picoseconds.
		Weight::from_parts(71_468_000, 4521)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Parameters::Parameters` (r:1 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	fn unbond() -> Weight {
		// Minimum execution time: 18_711_000 picoseconds.
		Weight::from_parts(21_630_000, 4521)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	fn withdraw_unbonded() -> Weight {
		// Minimum execution time: 58_253_000 picoseconds.
		Weight::from_parts(64_088_000, 4521)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	fn deregister() -> Weight {
		// Minimum execution time: 14_694_000 picoseconds.
		Weight::from_parts(16_346_000, 4521)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Models::Models` (r:1 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(156), added: 2631, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:1)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	fn offer() -> Weight {
		// Minimum execution time: 39_680_000 picoseconds.
		Weight::from_parts(42_789_000, 6827)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	/// Storage: `Providers::Offers` (r:1 w:1)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	fn update_offer() -> Weight {
		// Minimum execution time: 22_618_000 picoseconds.
		Weight::from_parts(26_126_000, 6827)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Providers::Providers` (r:1 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:1)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	fn retract() -> Weight {
		// Minimum execution time: 32_434_000 picoseconds.
		Weight::from_parts(37_095_000, 6827)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// The same measurements priced with ParityDb's access costs, for mocks.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(69_281_000, 4521)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(71_468_000, 4521)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(21_630_000, 4521)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(64_088_000, 4521)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		Weight::from_parts(16_346_000, 4521)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn offer() -> Weight {
		Weight::from_parts(42_789_000, 6827)
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn update_offer() -> Weight {
		Weight::from_parts(26_126_000, 6827)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn retract() -> Weight {
		Weight::from_parts(37_095_000, 6827)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
}
