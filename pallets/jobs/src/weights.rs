//! Weights of `pallet_jobs`, measured by `scripts/bench.sh` (frame-benchmarking-cli 64.0.0).
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
//!   pallet_jobs
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
//!   pallets/jobs/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions of `pallet_jobs`.
pub trait WeightInfo {
	fn submit(p: u32, ) -> Weight;
	fn submit_result(b: u32, t: u32, ) -> Weight;
	fn finish() -> Weight;
	fn on_initialize(q: u32, s: u32, ) -> Weight;
	fn challenge() -> Weight;
	fn commit_vote() -> Weight;
	fn reveal_vote() -> Weight;
	fn resolve_dispute() -> Weight;
}

/// Measured weights, with storage accesses priced by the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `Models::Models` (r:1 w:0)
	/// Proof: `Models::Models` (`max_values`: None, `max_size`: Some(156), added: 2631, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:3 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::NextJobId` (r:1 w:1)
	/// Proof: `Jobs::NextJobId` (`max_values`: Some(1), `max_size`: Some(8), added: 503, mode: `MaxEncodedLen`)
	/// Storage: `Babe::AuthorVrfRandomness` (r:1 w:0)
	/// Proof: `Babe::AuthorVrfRandomness` (`max_values`: Some(1), `max_size`: Some(33), added: 528, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:0)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Running` (r:64 w:1)
	/// Proof: `Jobs::Running` (`max_values`: None, `max_size`: Some(84), added: 2559, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:64 w:1)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:1 w:1)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:0 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Prompts` (r:0 w:1)
	/// Proof: `Jobs::Prompts` (`max_values`: None, `max_size`: Some(8210), added: 10685, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::JobsByOwner` (r:0 w:1)
	/// Proof: `Jobs::JobsByOwner` (`max_values`: None, `max_size`: Some(64), added: 2539, mode: `MaxEncodedLen`)
	/// The range of component `p` is `[1, 8192]`.
	fn submit(p: u32, ) -> Weight {
		// Minimum execution time: 760_909_000 picoseconds.
		Weight::from_parts(798_717_402, 226974)
			.saturating_add(Weight::from_parts(1_474, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(138))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:2 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:2 w:2)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Running` (r:1 w:1)
	/// Proof: `Jobs::Running` (`max_values`: None, `max_size`: Some(84), added: 2559, mode: `MaxEncodedLen`)
	/// Storage: `Babe::AuthorVrfRandomness` (r:1 w:0)
	/// Proof: `Babe::AuthorVrfRandomness` (`max_values`: Some(1), `max_size`: Some(33), added: 528, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Outputs` (r:0 w:1)
	/// Proof: `Jobs::Outputs` (`max_values`: None, `max_size`: Some(32790), added: 35265, mode: `MaxEncodedLen`)
	/// The range of component `b` is `[0, 16384]`.
	/// The range of component `t` is `[1, 4096]`.
	fn submit_result(b: u32, t: u32, ) -> Weight {
		// Minimum execution time: 68_152_000 picoseconds.
		Weight::from_parts(65_450_659, 10064)
			.saturating_add(Weight::from_parts(421, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_299, 0).saturating_mul(t.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Disputes` (r:1 w:0)
	/// Proof: `Jobs::Disputes` (`max_values`: None, `max_size`: Some(285), added: 2760, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:2 w:2)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:3 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:64 w:2)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Running` (r:64 w:2)
	/// Proof: `Jobs::Running` (`max_values`: None, `max_size`: Some(84), added: 2559, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:0)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	/// Storage: `Babe::AuthorVrfRandomness` (r:1 w:0)
	/// Proof: `Babe::AuthorVrfRandomness` (`max_values`: Some(1), `max_size`: Some(33), added: 528, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	fn finish() -> Weight {
		// Minimum execution time: 802_925_000 picoseconds.
		Weight::from_parts(838_866_000, 226974)
			.saturating_add(T::DbWeight::get().reads(140))
			.saturating_add(T::DbWeight::get().writes(9))
	}
	/// Storage: `Jobs::DueCursor` (r:1 w:1)
	/// Proof: `Jobs::DueCursor` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:2 w:2)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Jobs` (r:64 w:64)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:3 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:64 w:55)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:38 w:38)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:38 w:38)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Running` (r:64 w:55)
	/// Proof: `Jobs::Running` (`max_values`: None, `max_size`: Some(84), added: 2559, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:0)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	/// Storage: `Babe::AuthorVrfRandomness` (r:1 w:0)
	/// Proof: `Babe::AuthorVrfRandomness` (`max_values`: Some(1), `max_size`: Some(33), added: 528, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// The range of component `q` is `[1, 65]`.
	/// The range of component `s` is `[0, 64]`.
	fn on_initialize(q: u32, s: u32, ) -> Weight {
		// Minimum execution time: 12_320_000 picoseconds.
		Weight::from_parts(401_705_844, 226974)
			.saturating_add(Weight::from_parts(931_576, 0).saturating_mul(q.into()))
			.saturating_add(Weight::from_parts(557_898_338, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(124))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(24))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 26).saturating_mul(q.into()))
			.saturating_add(Weight::from_parts(0, 2835).saturating_mul(s.into()))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:4 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Offers` (r:1 w:0)
	/// Proof: `Providers::Offers` (`max_values`: None, `max_size`: Some(3362), added: 5837, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:63 w:3)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `Babe::AuthorVrfRandomness` (r:1 w:0)
	/// Proof: `Babe::AuthorVrfRandomness` (`max_values`: Some(1), `max_size`: Some(33), added: 528, mode: `MaxEncodedLen`)
	/// Storage: `System::ParentHash` (r:1 w:0)
	/// Proof: `System::ParentHash` (`max_values`: Some(1), `max_size`: Some(32), added: 527, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:2 w:2)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Disputes` (r:0 w:1)
	/// Proof: `Jobs::Disputes` (`max_values`: None, `max_size`: Some(285), added: 2760, mode: `MaxEncodedLen`)
	fn challenge() -> Weight {
		// Minimum execution time: 433_065_000 picoseconds.
		Weight::from_parts(451_944_000, 223443)
			.saturating_add(T::DbWeight::get().reads(75))
			.saturating_add(T::DbWeight::get().writes(9))
	}
	/// Storage: `Jobs::Disputes` (r:1 w:1)
	/// Proof: `Jobs::Disputes` (`max_values`: None, `max_size`: Some(285), added: 2760, mode: `MaxEncodedLen`)
	fn commit_vote() -> Weight {
		// Minimum execution time: 27_311_000 picoseconds.
		Weight::from_parts(30_125_000, 3750)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Jobs::Disputes` (r:1 w:1)
	/// Proof: `Jobs::Disputes` (`max_values`: None, `max_size`: Some(285), added: 2760, mode: `MaxEncodedLen`)
	fn reveal_vote() -> Weight {
		// Minimum execution time: 28_184_000 picoseconds.
		Weight::from_parts(30_338_000, 3750)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Storage: `Jobs::Jobs` (r:1 w:1)
	/// Proof: `Jobs::Jobs` (`max_values`: None, `max_size`: Some(360), added: 2835, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Disputes` (r:1 w:1)
	/// Proof: `Jobs::Disputes` (`max_values`: None, `max_size`: Some(285), added: 2760, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Due` (r:1 w:1)
	/// Proof: `Jobs::Due` (`max_values`: None, `max_size`: Some(2062), added: 4537, mode: `MaxEncodedLen`)
	/// Storage: `Providers::Providers` (r:4 w:4)
	/// Proof: `Providers::Providers` (`max_values`: None, `max_size`: Some(1056), added: 3531, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:6 w:6)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:3 w:3)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(121), added: 2596, mode: `MaxEncodedLen`)
	/// Storage: `Parameters::Parameters` (r:2 w:0)
	/// Proof: `Parameters::Parameters` (`max_values`: None, `max_size`: Some(36), added: 2511, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Outputs` (r:0 w:1)
	/// Proof: `Jobs::Outputs` (`max_values`: None, `max_size`: Some(32790), added: 35265, mode: `MaxEncodedLen`)
	/// Storage: `Jobs::Prompts` (r:0 w:1)
	/// Proof: `Jobs::Prompts` (`max_values`: None, `max_size`: Some(8210), added: 10685, mode: `MaxEncodedLen`)
	fn resolve_dispute() -> Weight {
		// Minimum execution time: 434_640_000 picoseconds.
		Weight::from_parts(455_686_000, 16608)
			.saturating_add(T::DbWeight::get().reads(18))
			.saturating_add(T::DbWeight::get().writes(18))
	}
}

/// The same measurements priced with ParityDb's access costs, for mocks.
impl WeightInfo for () {
	fn submit(p: u32, ) -> Weight {
		Weight::from_parts(798_717_402, 226974)
			.saturating_add(Weight::from_parts(1_474, 0).saturating_mul(p.into()))
			.saturating_add(ParityDbWeight::get().reads(138))
			.saturating_add(ParityDbWeight::get().writes(8))
	}
	fn submit_result(b: u32, t: u32, ) -> Weight {
		Weight::from_parts(65_450_659, 10064)
			.saturating_add(Weight::from_parts(421, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_299, 0).saturating_mul(t.into()))
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().writes(5))
	}
	fn finish() -> Weight {
		Weight::from_parts(838_866_000, 226974)
			.saturating_add(ParityDbWeight::get().reads(140))
			.saturating_add(ParityDbWeight::get().writes(9))
	}
	fn on_initialize(q: u32, s: u32, ) -> Weight {
		Weight::from_parts(401_705_844, 226974)
			.saturating_add(Weight::from_parts(931_576, 0).saturating_mul(q.into()))
			.saturating_add(Weight::from_parts(557_898_338, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(124))
			.saturating_add(ParityDbWeight::get().reads((3_u64).saturating_mul(s.into())))
			.saturating_add(ParityDbWeight::get().writes(24))
			.saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(s.into())))
			.saturating_add(Weight::from_parts(0, 26).saturating_mul(q.into()))
			.saturating_add(Weight::from_parts(0, 2835).saturating_mul(s.into()))
	}
	fn challenge() -> Weight {
		Weight::from_parts(451_944_000, 223443)
			.saturating_add(ParityDbWeight::get().reads(75))
			.saturating_add(ParityDbWeight::get().writes(9))
	}
	fn commit_vote() -> Weight {
		Weight::from_parts(30_125_000, 3750)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn reveal_vote() -> Weight {
		Weight::from_parts(30_338_000, 3750)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn resolve_dispute() -> Weight {
		Weight::from_parts(455_686_000, 16608)
			.saturating_add(ParityDbWeight::get().reads(18))
			.saturating_add(ParityDbWeight::get().writes(18))
	}
}
