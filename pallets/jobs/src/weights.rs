//! Weights of the jobs pallet's calls and per-block work.
//!
//! Until `scripts/bench.sh` has run the benchmarks in `benchmarking.rs`, `SubstrateWeight`
//! charges the worst-case storage accesses of each call plus a fixed execution allowance.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions of the jobs pallet.
pub trait WeightInfo {
	fn submit(p: u32) -> Weight;
	fn submit_result(b: u32, t: u32) -> Weight;
	fn finish() -> Weight;
	fn on_initialize(q: u32, s: u32) -> Weight;
	fn challenge() -> Weight;
	fn commit_vote() -> Weight;
	fn reveal_vote() -> Weight;
	fn resolve_dispute() -> Weight;
}

/// Execution allowance per call (100 µs) on top of its storage accesses.
const EXECUTION: Weight = Weight::from_parts(100_000_000, 0);

/// Storage-access estimates priced by the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Reads: model, offer book, per offer running count, provider and reputation (64 offers).
	fn submit(_p: u32) -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(200, 10))
	}
	fn submit_result(_b: u32, _t: u32) -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(5, 6))
	}
	fn finish() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(200, 12))
	}
	fn on_initialize(q: u32, s: u32) -> Weight {
		Self::finish()
			.saturating_mul(s.into())
			.saturating_add(T::DbWeight::get().reads_writes(q.into(), q.into()))
	}
	fn challenge() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(210, 14))
	}
	fn commit_vote() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn reveal_vote() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn resolve_dispute() -> Weight {
		EXECUTION.saturating_add(T::DbWeight::get().reads_writes(30, 30))
	}
}

/// The same estimates priced with ParityDb's access costs, for mocks.
impl WeightInfo for () {
	fn submit(_p: u32) -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(200, 10))
	}
	fn submit_result(_b: u32, _t: u32) -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(5, 6))
	}
	fn finish() -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(200, 12))
	}
	fn on_initialize(q: u32, s: u32) -> Weight {
		Self::finish()
			.saturating_mul(s.into())
			.saturating_add(ParityDbWeight::get().reads_writes(q.into(), q.into()))
	}
	fn challenge() -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(210, 14))
	}
	fn commit_vote() -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn reveal_vote() -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
	fn resolve_dispute() -> Weight {
		EXECUTION.saturating_add(ParityDbWeight::get().reads_writes(30, 30))
	}
}
