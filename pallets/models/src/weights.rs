//! Weights of the models pallet's calls.
//!
//! Until `scripts/bench.sh` has run the benchmarks in `benchmarking.rs` on the reference machine,
//! `SubstrateWeight` charges the worst-case storage accesses of each call (read and written
//! entries, per `DbWeight`) plus a fixed execution allowance.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by the models pallet.
pub trait WeightInfo {
	fn register() -> Weight;
	fn retire() -> Weight;
}

/// Weights for the models pallet in a runtime, priced with the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);

/// Execution allowance per call (50 µs) on top of its storage accesses.
const EXECUTION: Weight = Weight::from_parts(50_000_000, 0);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Reads: `Models`, `ModelIdByName`, the registrant's account and holds.
	/// Writes: `Models`, `ModelIdByName`, account and holds.
	fn register() -> Weight {
		EXECUTION
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
			.saturating_add(Weight::from_parts(0, 4_000))
	}

	/// Reads: `Models`, the offers check, the owner's account and holds.
	/// Writes: `Models`, `ModelIdByName`, account and holds.
	fn retire() -> Weight {
		EXECUTION
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
			.saturating_add(Weight::from_parts(0, 4_000))
	}
}

/// For tests: no weight.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::zero()
	}
	fn retire() -> Weight {
		Weight::zero()
	}
}
