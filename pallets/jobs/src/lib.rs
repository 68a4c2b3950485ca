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
//! Anyone but the provider may `challenge` a result in its window with a bond, and the chain
//! audits a random share of results by itself (`dispute`). Either way a committee of other
//! providers serving the model is drawn at random, re-executes, and votes by commit-reveal; the
//! majority's verdict slashes the provider and refunds the user, or upholds the result and
//! hands a wrong challenger's bond to the provider and the voters.
//!
//! Deadlines, window ends and verdicts sit in queues keyed by block (`Due`). Every block works through at
//! most `MaxSettlementsPerBlock` due jobs; anyone may call `finish` to settle an overdue job at
//! once, so no escrow is ever stranded, even when more jobs fall due than a block processes.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispute;
#[cfg(test)]
mod mock;
mod routing;
mod settlement;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_disputes;
pub mod types;
pub mod weights;

pub use types::{Dispute, DisputeOutcome, Vote};
pub use weights::WeightInfo;

use faithful_primitives::{
	jobs::{
		Commitment, FinishReason, Job, JobId, JobOutput, JobStatus, Sampling, TokenId, Verdict,
	},
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
	sp_core::H256,
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

/// A dispute as this runtime stores it.
pub type DisputeOf<T> = Dispute<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::CommitteeSize,
>;

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

		/// Held from a challenger until the verdict.
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// Share of results audited by the chain itself, with no challenger.
		type AuditRate: Get<Perbill>;

		/// Most committee members a dispute can have: the bound of its stored committee.
		#[pallet::constant]
		type CommitteeSize: Get<u32>;

		/// Committee members drawn per dispute now (fewer when fewer providers are eligible),
		/// at most `CommitteeSize`. Governed, so not a metadata constant.
		type CommitteeSeats: Get<u32>;

		/// Longest prompt accepted now, in bytes, at most `MaxPromptBytes` (the storage bound).
		type PromptLimit: Get<u32>;

		/// Most output tokens a job may ask for now, at most `MaxOutputTokens`.
		type OutputTokenLimit: Get<u32>;

		/// Providers tried per job now before it is refunded, at most `MaxAttempts`.
		type AttemptLimit: Get<u32>;

		/// Blocks committee members have to commit their votes.
		type CommitPhase: Get<BlockNumberFor<Self>>;

		/// Blocks after the commit phase to reveal them.
		type RevealPhase: Get<BlockNumberFor<Self>>;

		/// Stake locked from each committee member until the verdict, lost if it does not reveal.
		type VoteBond: Get<BalanceOf<Self>>;

		/// Share of a lying provider's slashed collateral paid to its challenger.
		type ChallengerReward: Get<Perbill>;

		/// Share of a lying provider's slashed collateral shared by the majority voters.
		type VoterReward: Get<Perbill>;

		/// Share of a wrong challenger's bond shared by the majority voters.
		type BondToVoters: Get<Perbill>;

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
		/// A challenger's bond, from its challenge until the verdict.
		#[codec(index = 1)]
		ChallengeBond,
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

	/// Open disputes, from the challenge or audit until the verdict.
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageMap<_, Twox64Concat, JobId, DisputeOf<T>>;

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
		/// A proposed result was contested (`challenger`, or `None` for an audit); `committee`
		/// re-executes and votes.
		JobDisputed {
			job: JobId,
			challenger: Option<T::AccountId>,
			committee: alloc::vec::Vec<T::AccountId>,
			commit_until: BlockNumberFor<T>,
			reveal_until: BlockNumberFor<T>,
		},
		/// A committee member committed to a vote.
		VoteCommitted { job: JobId, voter: T::AccountId },
		/// A committee member revealed its vote.
		VoteRevealed { job: JobId, voter: T::AccountId, verdict: Verdict },
		/// A committee member did not reveal a vote and lost `slashed` of its stake.
		VoterPenalized { job: JobId, voter: T::AccountId, slashed: BalanceOf<T> },
		/// A dispute ended with `valid` and `invalid` revealed votes.
		DisputeResolved { job: JobId, outcome: DisputeOutcome, valid: u32, invalid: u32 },
		/// The provider's result was found wrong: `slashed` of its collateral was taken and the
		/// user got `refunded` back.
		ProviderSlashed {
			job: JobId,
			provider: T::AccountId,
			slashed: BalanceOf<T>,
			refunded: BalanceOf<T>,
		},
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
		/// The prompt is longer than `PromptLimit`.
		PromptTooLong,
		/// `max_tokens` must be between 1 and `OutputTokenLimit`.
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
		/// The job's result is not open to challenge (no result yet, window over, or already
		/// disputed).
		NotChallengeable,
		/// A provider cannot challenge its own result.
		ProviderCannotChallenge,
		/// The job is not disputed.
		NotDisputed,
		/// The caller was not drawn for this job's committee.
		NotOnCommittee,
		/// The commit phase is over.
		CommitPhaseOver,
		/// Votes are revealed only after the commit phase.
		RevealPhaseNotOpen,
		/// The reveal phase is over.
		RevealPhaseOver,
		/// The caller already committed a vote.
		AlreadyVoted,
		/// The caller has no committed vote to reveal.
		NotCommitted,
		/// The revealed verdict and salt do not match the commitment.
		CommitMismatch,
		/// No provider of the model is eligible to judge the result, so it is not audited.
		NoCommittee,
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
		/// (with `Eos`, the end token last), why generation stopped and the commitment. Only the assigned
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

		/// Settles an overdue job now: times out an assignment past its deadline, pays out a
		/// result past its challenge window, or resolves a dispute past its reveal phase. Anyone
		/// may call it, so no escrow waits on the per-block budget.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::finish())]
		pub fn finish(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_finish(job)
		}

		/// Disputes the result of `job` during its challenge window, holding `ChallengeBond`.
		/// Anyone but the provider may; a job is disputed at most once. A committee is drawn to
		/// re-execute and vote.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::challenge())]
		pub fn challenge(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let challenger = ensure_signed(origin)?;
			Self::do_challenge(challenger, job)
		}

		/// Commits a committee member's vote on `job` as
		/// `faithful_primitives::jobs::vote_commitment(job, voter, verdict, salt)`, during the
		/// commit phase. Nobody can see or copy the verdict until it is revealed.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::commit_vote())]
		pub fn commit_vote(origin: OriginFor<T>, job: JobId, commitment: H256) -> DispatchResult {
			let voter = ensure_signed(origin)?;
			Self::do_commit_vote(voter, job, commitment)
		}

		/// Reveals a committed vote during the reveal phase; refused unless `verdict` and `salt`
		/// hash to the commitment.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reveal_vote())]
		pub fn reveal_vote(
			origin: OriginFor<T>,
			job: JobId,
			verdict: Verdict,
			salt: [u8; 32],
		) -> DispatchResult {
			let voter = ensure_signed(origin)?;
			Self::do_reveal_vote(voter, job, verdict, salt)
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
	/// The governed limits, never above the storage bounds whatever the runtime supplies.
	pub(crate) fn prompt_limit() -> u32 {
		use polkadot_sdk::frame_support::traits::Get;
		T::PromptLimit::get().min(T::MaxPromptBytes::get())
	}

	pub(crate) fn output_token_limit() -> u32 {
		use polkadot_sdk::frame_support::traits::Get;
		T::OutputTokenLimit::get().min(T::MaxOutputTokens::get())
	}

	pub(crate) fn attempt_limit() -> u32 {
		use polkadot_sdk::frame_support::traits::Get;
		T::AttemptLimit::get().min(T::MaxAttempts::get())
	}

	pub(crate) fn committee_seats() -> u32 {
		use polkadot_sdk::frame_support::traits::Get;
		T::CommitteeSeats::get().min(T::CommitteeSize::get())
	}

	/// A job's open dispute.
	pub fn dispute(job: JobId) -> Option<DisputeOf<T>> {
		Disputes::<T>::get(job)
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
