//! # Jobs pallet
//!
//! The market itself. A user submits a prompt for a model with a price cap; the pallet holds the
//! user's money (`HoldReason::Escrow`), routes the job to a provider (`routing`), takes the
//! provider's result, opens a challenge window, and settles when it passes: the provider is paid
//! for the tokens it delivered at its own price, the protocol fee and the verification fee go to
//! the treasury, and the rest returns to the user (`settlement`). A provider that misses its
//! deadline loses a slice of the job's collateral to the user and the job moves to the next
//! provider, or is refunded in full after `MaxAttempts`.
//!
//! Deadlines and window ends sit in queues keyed by block (`Due`). Every block works through at
//! most `MaxSettlementsPerBlock` due jobs; anyone may call `finish` to settle an overdue job at
//! once, so no escrow is ever stranded, even when more jobs fall due than a block processes.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
mod routing;
mod settlement;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use faithful_primitives::{
	jobs::{Commitment, FinishReason, Job, JobId, JobOutput, JobStatus, Sampling, TokenId},
	models::{ModelId, ModelRegistry},
	providers::{OfferBook, ProviderCollateral},
};
use polkadot_sdk::{
	frame_support::{
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Randomness,
		},
		BoundedVec,
	},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_runtime::Perbill,
};

/// Balance type of the currency escrow is held in.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// A job as this runtime stores it.
pub type JobOf<T> = Job<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxAttempts,
>;

/// A job's status as this runtime stores it.
pub type JobStatusOf<T> = JobStatus<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
>;

/// A delivered output as this runtime stores it.
pub type JobOutputOf<T> = JobOutput<<T as Config>::MaxOutputBytes, <T as Config>::MaxOutputTokens>;

/// How many later blocks a due job may spill into when its block's queue is full.
pub const MAX_DUE_SPILL: u32 = 16;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The currency escrow is held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Which models exist and are active.
		type Models: ModelRegistry;

		/// Offers and reputations routing chooses from.
		type Offers: OfferBook<Self::AccountId, BalanceOf<Self>>;

		/// Provider stake backing jobs: locked at assignment, released or slashed at the end.
		type Collateral: ProviderCollateral<Self::AccountId, BalanceOf<Self>>;

		/// Chain randomness (BABE's VRF output of the parent block) for routing and seeds.
		type Randomness: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// Where protocol and verification fees go.
		type Treasury: Get<Self::AccountId>;

		/// Longest prompt, in bytes.
		#[pallet::constant]
		type MaxPromptBytes: Get<u32>;

		/// Longest output text, in bytes.
		#[pallet::constant]
		type MaxOutputBytes: Get<u32>;

		/// Most output tokens a job may ask for.
		#[pallet::constant]
		type MaxOutputTokens: Get<u32>;

		/// Providers tried per job before it is refunded.
		#[pallet::constant]
		type MaxAttempts: Get<u32>;

		/// Jobs that can fall due in one block; more spill into the following blocks.
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;

		/// Due jobs a block processes by itself; the rest wait for the next block or `finish`.
		#[pallet::constant]
		type MaxSettlementsPerBlock: Get<u32>;

		/// Blocks an assigned provider has to deliver its result.
		type ResultTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a proposed result stays open to challenges before it settles.
		type ChallengeWindow: Get<BlockNumberFor<Self>>;

		/// Share of a job's value (`max_tokens × max_price_per_token`) held on top of it to pay
		/// for verification.
		type VerificationFee: Get<Perbill>;

		/// Share of the provider's earnings that goes to the treasury.
		type ProtocolFee: Get<Perbill>;

		/// Collateral a job locks from its provider, as a multiple of what the job can earn it
		/// (`max_tokens × its price`).
		type BondMultiple: Get<u32>;

		/// Share of a job's collateral paid to the user when its provider misses the deadline.
		type TimeoutSlash: Get<Perbill>;

		/// Weights of this pallet's calls and per-block work.
		type WeightInfo: WeightInfo;

		/// Sets up models and providers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A user's payment for a job, from submission until settlement or refund.
		#[codec(index = 0)]
		Escrow,
	}

	/// The id the next submitted job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Every job ever submitted: the lasting record (status, terms, commitment).
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// Prompts of jobs not yet settled; pruned at settlement or refund.
	#[pallet::storage]
	pub type Prompts<T: Config> =
		StorageMap<_, Twox64Concat, JobId, BoundedVec<u8, T::MaxPromptBytes>>;

	/// Outputs of proposed jobs; pruned at settlement.
	#[pallet::storage]
	pub type Outputs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOutputOf<T>>;

	/// Jobs by owner, so a user (and the runtime API) can find every job and its escrow.
	#[pallet::storage]
	pub type JobsByOwner<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// Jobs a provider is running for a model now, against its offer's `max_concurrent`.
	#[pallet::storage]
	pub type Running<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, ModelId, u32, ValueQuery>;

	/// Jobs to process at the start of a block: a deadline or a challenge window ended just
	/// before it.
	#[pallet::storage]
	pub type Due<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDuePerBlock>,
		ValueQuery,
	>;

	/// The earliest block whose `Due` queue may still hold jobs.
	#[pallet::storage]
	pub type DueCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job was accepted and its escrow held.
		JobSubmitted {
			job: JobId,
			owner: T::AccountId,
			model: ModelId,
			max_tokens: u32,
			max_price_per_token: BalanceOf<T>,
			escrow: BalanceOf<T>,
		},
		/// Routing chose `provider`; its result is due by `deadline`.
		JobAssigned {
			job: JobId,
			provider: T::AccountId,
			price_per_token: BalanceOf<T>,
			collateral: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			seed: u64,
		},
		/// The provider delivered; the result can be challenged until `challenge_until`.
		ResultProposed {
			job: JobId,
			provider: T::AccountId,
			n_tokens: u32,
			finish: FinishReason,
			commitment: Commitment,
			challenge_until: BlockNumberFor<T>,
		},
		/// The provider missed its deadline; `slashed` of its collateral went to the user.
		JobTimedOut { job: JobId, provider: T::AccountId, slashed: BalanceOf<T> },
		/// A proposed result was contested and waits for its verdict.
		JobDisputed { job: JobId },
		/// The job settled: `paid` to the provider, `fees` to the treasury, `refunded` to the user.
		JobFinalized {
			job: JobId,
			provider: T::AccountId,
			n_tokens: u32,
			paid: BalanceOf<T>,
			fees: BalanceOf<T>,
			refunded: BalanceOf<T>,
		},
		/// No provider delivered; the whole escrow went back to the user.
		JobRefunded { job: JobId, refunded: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The model is unknown or retired.
		ModelNotActive,
		/// A job needs a prompt.
		EmptyPrompt,
		/// The prompt is longer than `MaxPromptBytes`.
		PromptTooLong,
		/// `max_tokens` must be between 1 and `MaxOutputTokens`.
		BadMaxTokens,
		/// Temperature, top-k or top-p out of range.
		BadSampling,
		/// A price cap must be positive.
		ZeroPrice,
		/// `max_tokens × max_price_per_token` plus the fee does not fit in a balance.
		Overflow,
		/// The account cannot afford the escrow.
		InsufficientBalance,
		/// No offer for the model is at or below the price cap with spare concurrency and enough
		/// free collateral; nothing was held.
		NoProviderAvailable,
		/// Too many jobs fall due around this job's deadline; try again in a few blocks.
		Congested,
		/// No job has this id.
		UnknownJob,
		/// Only the assigned provider may deliver the result.
		NotAssignedProvider,
		/// The job is not waiting for a result.
		NotAssigned,
		/// The deadline has passed.
		DeadlinePassed,
		/// More output tokens than the job's `max_tokens`.
		TooManyTokens,
		/// The output text is longer than `MaxOutputBytes`.
		OutputTooLong,
		/// `finish = Length` needs exactly `max_tokens` output tokens.
		LengthMismatch,
		/// The job's deadline or challenge window has not passed yet.
		NotOverdue,
		/// The job's result is not open to challenge.
		NotChallengeable,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_due(now)
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Asks `model` to answer `prompt` with at most `max_tokens` tokens, paying at most
		/// `max_price_per_token` each. Holds `max_tokens × max_price_per_token` plus the
		/// verification fee, routes the job and emits `JobAssigned`. When no provider fits, fails
		/// with `NoProviderAvailable` and holds nothing.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit(prompt.len() as u32))]
		pub fn submit(
			origin: OriginFor<T>,
			model: ModelId,
			prompt: alloc::vec::Vec<u8>,
			sampling: Sampling,
			max_tokens: u32,
			max_price_per_token: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_submit(owner, model, prompt, sampling, max_tokens, max_price_per_token)
				.map(|_| ())
		}

		/// Delivers the result of `job`: the text users read, the token ids verifiers check
		/// (the end token excluded), why generation stopped and the commitment. Only the assigned
		/// provider, only by the deadline. Opens the challenge window.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_result(output_text.len() as u32, output_tokens.len() as u32))]
		pub fn submit_result(
			origin: OriginFor<T>,
			job: JobId,
			output_text: alloc::vec::Vec<u8>,
			output_tokens: alloc::vec::Vec<TokenId>,
			finish: FinishReason,
			commitment: Commitment,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::do_submit_result(provider, job, output_text, output_tokens, finish, commitment)
		}

		/// Settles an overdue job now: times out an assignment past its deadline, or pays out a
		/// result past its challenge window. Anyone may call it, so no escrow waits on the
		/// per-block budget.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::finish())]
		pub fn finish(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_finish(job)
		}
	}
}

/// What the benchmarks need from the rest of the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Makes `model` registered and active.
	fn activate_model(model: ModelId);
	/// Funds `provider`, registers it with enough stake for many jobs and offers `model` at
	/// `price_per_token` with as many concurrent jobs as allowed.
	fn offer(provider: &AccountId, model: ModelId, price_per_token: Balance);
	/// The most offers one model can have: routing's worst case.
	fn max_offers() -> u32;
}

impl<T: Config> Pallet<T> {
	/// Moves a proposed job still in its challenge window to `Disputed`: it no longer settles by
	/// itself and waits for a verdict. The disputes logic builds on this.
	pub fn begin_dispute(job: JobId) -> polkadot_sdk::sp_runtime::DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		Jobs::<T>::try_mutate(job, |entry| -> polkadot_sdk::sp_runtime::DispatchResult {
			let record = entry.as_mut().ok_or(Error::<T>::UnknownJob)?;
			let JobStatus::Proposed {
				provider,
				price_per_token,
				collateral,
				n_tokens,
				finish,
				commitment,
				challenge_until,
			} = record.status.clone()
			else {
				return Err(Error::<T>::NotChallengeable.into());
			};
			if now > challenge_until {
				return Err(Error::<T>::NotChallengeable.into());
			}
			Self::unschedule(job, challenge_until);
			record.status = JobStatus::Disputed {
				provider,
				price_per_token,
				collateral,
				n_tokens,
				finish,
				commitment,
				since: now,
			};
			Ok(())
		})?;
		Self::deposit_event(Event::JobDisputed { job });
		Ok(())
	}

	/// A job's record.
	pub fn job(job: JobId) -> Option<JobOf<T>> {
		Jobs::<T>::get(job)
	}

	/// A job's prompt, until it settles.
	pub fn prompt(job: JobId) -> Option<alloc::vec::Vec<u8>> {
		Prompts::<T>::get(job).map(BoundedVec::into_inner)
	}

	/// A job's output, from its result until it settles.
	pub fn output(job: JobId) -> Option<JobOutputOf<T>> {
		Outputs::<T>::get(job)
	}

	/// Ids of `owner`'s jobs from `start` on, at most `limit` of them, in id order.
	pub fn jobs_of(owner: &T::AccountId, start: JobId, limit: u32) -> alloc::vec::Vec<JobId> {
		let mut ids: alloc::vec::Vec<JobId> =
			JobsByOwner::<T>::iter_key_prefix(owner).filter(|id| *id >= start).collect();
		ids.sort_unstable();
		ids.truncate(limit as usize);
		ids
	}

	/// Sum of the escrow of every open job, which equals what this pallet holds in total.
	#[cfg(test)]
	pub fn open_escrow() -> BalanceOf<T> {
		use polkadot_sdk::sp_runtime::traits::{Saturating, Zero};
		Jobs::<T>::iter_values()
			.filter(|job| !job.status.is_terminal())
			.fold(Zero::zero(), |sum: BalanceOf<T>, job| sum.saturating_add(job.escrow))
	}
}
