//! Weights of the providers pallet's calls.
//!
//! Until `scripts/bench.sh` has run the benchmarks in `benchmarking.rs` on the reference machine,
//! `SubstrateWeight` charges each call's worst-case storage accesses (per `DbWeight`) plus a
//! fixed execution allowance.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by the providers pallet.
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

/// Weights for the providers pallet in a runtime, priced with the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);

/// Execution allowance per call (50 µs) on top of its storage accesses.
const EXECUTION: Weight = Weight::from_parts(50_000_000, 0);
/// Proof size allowance for a provider record, an offer book and the account's holds.
const PROOF: Weight = Weight::from_parts(0, 16_000);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(3, 3)).saturating_add(PROOF)
	}
	fn bond_extra() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(3, 3)).saturating_add(PROOF)
	}
	fn unbond() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(1, 1)).saturating_add(PROOF)
	}
	fn withdraw_unbonded() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(3, 3)).saturating_add(PROOF)
	}
	fn deregister() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(1, 1)).saturating_add(PROOF)
	}
	fn offer() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(3, 2)).saturating_add(PROOF)
	}
	fn update_offer() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(1, 1)).saturating_add(PROOF)
	}
	fn retract() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(2, 2)).saturating_add(PROOF)
	}
}

/// For tests: no weight.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::zero()
	}
	fn bond_extra() -> Weight {
		Weight::zero()
	}
	fn unbond() -> Weight {
		Weight::zero()
	}
	fn withdraw_unbonded() -> Weight {
		Weight::zero()
	}
	fn deregister() -> Weight {
		Weight::zero()
	}
	fn offer() -> Weight {
		Weight::zero()
	}
	fn update_offer() -> Weight {
		Weight::zero()
	}
	fn retract() -> Weight {
		Weight::zero()
	}
}
