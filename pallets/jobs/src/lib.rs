//! # Jobs pallet
//!
//! The market itself. A user submits a prompt for a model with a price cap; the pallet holds the
//! user's money (`HoldReason::Escrow`), routes the job to a provider (`routing`), takes the
//! provider's result, opens a challenge window, and settles when it passes: the provider is paid
//! for the tokens it delivered at its own price, the protocol fee and the verification fee go to
//! the treasury, and the rest returns to the user (`settlement`). A provider that misses its
//! deadline loses a slice of the job's collateral to the treasury (never to the user, who must
//! not profit from a provider's failure) and the job moves to the next provider, or is refunded
//! in full after `MaxAttempts`. The chain admits only jobs an honest provider can run: a UTF-8
//! prompt that fits the model's context with its chat template and `max_tokens`.
//!
//! Anyone but the provider may `challenge` a result in its window with a bond, and the chain
//! audits a random share of results by itself (`dispute`). Either way a jury of other providers
//! serving the model is drawn by stake, a block later, from randomness nobody had when signing;
//! it re-executes and votes by commit-reveal. The majority of revealed votes slashes the provider
//! and refunds the user, or upholds the result and hands a wrong challenger's bond to the
//! provider and the voters; the losing side and the silent lose their vote bonds, and a tie draws
//! a larger jury.
//!
//! Deadlines, window ends and verdicts sit in queues keyed by block (`Due`). Every block works
//! through at most `MaxSettlementsPerBlock` due jobs; anyone may call `finish` to settle an overdue
//! job at once, so no escrow is ever stranded, even when more jobs fall due than a block processes.
//! Only `submit` creates load, so only `submit` is ever refused for it (`Congested`: its deadline
//! block holds `MaxDuePerBlock` jobs): a result before its deadline, a challenge in its window and
//! votes in their phases always find room in the queues.
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
mod simulation;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_adversaries;
#[cfg(test)]
mod tests_disputes;
#[cfg(test)]
mod tests_verification;
pub mod types;
pub mod weights;

pub use dispute::DISPUTE_ROUNDS;
pub use types::{Dispute, DisputeOutcome, Juror, Jury, Vote};
pub use weights::WeightInfo;

use faithful_primitives::{
	jobs::{
		Commitment, FinishReason, Job, JobId, JobOutput, JobStatus, Judging, Sampling, TokenId,
		Verdict,
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

/// The storage layout this code reads and writes. Version 1: `Due` holds one key per queued job,
/// counted in `DueCount`, instead of one bounded vector per block. No network had launched on
/// version 0, so there is no migration.
const STORAGE_VERSION: polkadot_sdk::frame_support::traits::StorageVersion =
	polkadot_sdk::frame_support::traits::StorageVersion::new(1);

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
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

		/// Chain randomness for routing, seeds, audits and juries: in the runtime, the VRF output
		/// of the block being built, which no signer can read.
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

		/// Jobs whose first deadline may fall in one block: `submit` is refused beyond it. Later
		/// phases of jobs already running always find room.
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;

		/// Due jobs a block processes by itself; the rest wait for the next block or `finish`.
		#[pallet::constant]
		type MaxSettlementsPerBlock: Get<u32>;

		/// Most weight a block's queue work may use, however few jobs that is (a last round
		/// settles every juror of a model); a block always processes at least one due job.
		type SettlementWeight: Get<polkadot_sdk::frame_support::weights::Weight>;

		/// Blocks an assigned provider has to deliver its result.
		type ResultTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a proposed result stays open to challenges before it settles.
		type ChallengeWindow: Get<BlockNumberFor<Self>>;

		/// Blocks an ended job's record stays readable before it is pruned (its events stay in
		/// the blocks for archives and indexers).
		#[pallet::constant]
		type JobRetention: Get<BlockNumberFor<Self>>;

		/// Share of a job's value (`max_tokens × max_price_per_token`) held on top of it to pay
		/// for verification.
		type VerificationFee: Get<Perbill>;

		/// Share of the provider's earnings that goes to the treasury.
		type ProtocolFee: Get<Perbill>;

		/// Collateral a job locks from its provider, as a multiple of what the job can earn it
		/// (`max_tokens × its price`).
		type BondMultiple: Get<u32>;

		/// Share of a job's collateral paid to the treasury when its provider misses the deadline.
		type TimeoutSlash: Get<Perbill>;

		/// The least collateral a job locks from its provider, whatever its price: what makes a
		/// timeout cost an offer at one planck as much as any other.
		type MinJobCollateral: Get<BalanceOf<Self>>;

		/// Held from a challenger until the verdict.
		type ChallengeBond: Get<BalanceOf<Self>>;

		/// Share of results audited by the chain itself, with no challenger.
		type AuditRate: Get<Perbill>;

		/// Most jurors a round can seat: the bound of its stored committee, at least every offer
		/// and verifier a model can have (`OfferBook::max_jurors`), since a last round seats them
		/// all.
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

	/// Every job submitted, until `JobRetention` blocks after it ended: status, terms and
	/// commitment.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// Prompts of jobs not yet settled; pruned at settlement or refund.
	#[pallet::storage]
	pub type Prompts<T: Config> =
		StorageMap<_, Twox64Concat, JobId, BoundedVec<u8, T::MaxPromptBytes>>;

	/// Outputs of proposed jobs; pruned at settlement.
	#[pallet::storage]
	pub type Outputs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOutputOf<T>>;

	/// Jobs by owner, so a user (and the runtime API) can find its jobs and their escrow; pruned
	/// with the job.
	#[pallet::storage]
	pub type JobsByOwner<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// How many jobs each account has submitted: what keys the draws of its next submission, so
	/// they follow neither the job id nor the block's order.
	#[pallet::storage]
	pub type Submitted<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// Jobs a provider is running for a model now, against its offer's `max_concurrent`.
	#[pallet::storage]
	pub type Running<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, ModelId, u32, ValueQuery>;

	/// Jobs to process at the start of a block: a deadline, a challenge window or a reveal phase
	/// ended just before it. One key per job, so queueing a job never fails for room; each is
	/// paid for by the call that put it there.
	#[pallet::storage]
	pub type Due<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, JobId, ()>;

	/// How many jobs `Due` holds for each block.
	#[pallet::storage]
	pub type DueCount<T: Config> = StorageMap<_, Twox64Concat, BlockNumberFor<T>, u32, ValueQuery>;

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
		/// The provider missed its deadline; `slashed` of its collateral went to the treasury.
		JobTimedOut { job: JobId, provider: T::AccountId, slashed: BalanceOf<T> },
		/// `challenger` contested the result; its jury is drawn at the start of a later block.
		JobChallenged { job: JobId, challenger: T::AccountId },
		/// A jury was drawn for a contested result (`challenger`, or `None` for an audit):
		/// `committee` re-executes and votes.
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
		/// A round ended without a majority (equal weights for and against); a larger jury for
		/// `round` is drawn at the start of a later block.
		DisputeEscalated { job: JobId, round: u32, valid: u32, invalid: u32 },
		/// The first round found `verdict` by weight; it stands unless appealed by
		/// `appeal_until`.
		RoundDecided {
			job: JobId,
			verdict: Verdict,
			valid: u32,
			invalid: u32,
			appeal_until: BlockNumberFor<T>,
		},
		/// `appellant` appealed the first round's `verdict`; the last round is drawn next block.
		DisputeAppealed { job: JobId, appellant: T::AccountId, verdict: Verdict },
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
		/// `MaxDuePerBlock` new jobs already fall due at this job's deadline; try again in a block.
		Congested,
		/// The prompt is not UTF-8 text.
		PromptNotUtf8,
		/// The prompt, the chat template and `max_tokens` do not fit the model's context, so no
		/// provider could answer (`faithful_primitives::jobs::fits_context`).
		BeyondContext,
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
		/// The job waits for a draw (an audit or a jury) the chain makes at the start of a block,
		/// from randomness nobody has yet; nobody can make it sooner.
		DrawPending,
		/// The dispute has no verdict open to appeal (none yet, the last round's, or its appeal
		/// window is over).
		NotAppealable,
		/// Fewer than `CommitteeSeats` staked accounts besides the provider and the user offer or
		/// verify the model, so no jury could judge a lie; nothing was held. Submit with
		/// `Judging::Waived` to run it anyway.
		NoJury,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_due(now)
		}

		fn integrity_test() {
			assert!(
				T::CommitteeSize::get() >= T::Offers::max_jurors(),
				"a last round seats every eligible juror, so `CommitteeSize` must hold every \
				 offer and verifier of a model"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Asks `model` to answer `prompt` with at most `max_tokens` tokens, paying at most
		/// `max_price_per_token` each. Holds `max_tokens × max_price_per_token` plus the
		/// verification fee, routes the job and emits `JobAssigned`. When no provider fits, fails
		/// with `NoProviderAvailable`; when `judging` is `Required` and no jury could be drawn,
		/// with `NoJury`; either way it holds nothing.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::submit_weight(prompt.len() as u32))]
		pub fn submit(
			origin: OriginFor<T>,
			model: ModelId,
			prompt: alloc::vec::Vec<u8>,
			sampling: Sampling,
			max_tokens: u32,
			max_price_per_token: BalanceOf<T>,
			judging: Judging,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_submit(
				owner,
				model,
				prompt,
				sampling,
				max_tokens,
				max_price_per_token,
				judging,
			)
			.map(|_| ())
		}

		/// Delivers the result of `job`: the text users read (at most `MaxOutputBytes`: see
		/// `faithful_primitives::jobs::on_chain_text`), the token ids verifiers check (with `Eos`,
		/// the end token last), why generation stopped and the commitment. Only the assigned
		/// provider, only by the deadline. Opens the challenge window; whether the chain audits the
		/// result is drawn at the start of the next block. Charged for that draw and the audit it
		/// may open.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::submit_result_weight(output_text.len() as u32, output_tokens.len() as u32))]
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
		/// may call it, so no escrow waits on the per-block budget. Charged for the largest jury's
		/// count and refunded to the work done.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::finish().saturating_add(Pallet::<T>::max_resolve_weight()))]
		pub fn finish(origin: OriginFor<T>, job: JobId) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let work = Self::do_finish(job)?;
			Ok(Some(T::WeightInfo::finish().saturating_add(work)).into())
		}

		/// Disputes the result of `job` during its challenge window, holding `ChallengeBond`.
		/// Anyone but the provider may; a job is disputed at most once. A jury is drawn at the
		/// start of the next block to re-execute and vote.
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

		/// Appeals the first round's verdict on `job` in its appeal window, holding
		/// `ChallengeBond`; the last round (every eligible juror) is drawn next block. The bond
		/// returns unless the last round finds the same verdict.
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::appeal_weight())]
		pub fn appeal(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let appellant = ensure_signed(origin)?;
			Self::do_appeal(appellant, job)
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
	/// What `submit` costs: the call measured over a full offer book, the jury check's read of
	/// every verifier's stake, and the owner's submission count.
	pub(crate) fn submit_weight(prompt: u32) -> polkadot_sdk::frame_support::weights::Weight {
		use polkadot_sdk::frame_support::traits::Get;
		let jurors = u64::from(T::Offers::max_jurors());
		T::WeightInfo::submit(prompt)
			.saturating_add(T::DbWeight::get().reads_writes(jurors.saturating_add(1), 1))
	}

	/// What `submit_result` costs: the call, plus the audit draw it queues for the next block,
	/// charged as if it opened a dispute (a jury draw over the whole offer book, as `challenge`
	/// pays for). The result cannot know whether it will be audited, so nothing is refunded.
	pub(crate) fn submit_result_weight(
		text: u32,
		tokens: u32,
	) -> polkadot_sdk::frame_support::weights::Weight {
		T::WeightInfo::submit_result(text, tokens).saturating_add(T::WeightInfo::challenge())
	}

	/// What `appeal` costs: the call, and the last round it queues: its draw and its count.
	pub(crate) fn appeal_weight() -> polkadot_sdk::frame_support::weights::Weight {
		Self::draw_weight(1).saturating_add(Self::max_resolve_weight())
	}

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

	/// Ids of up to `limit` of `owner`'s jobs in storage order, after `after` (from the first
	/// when `None`): a page reads at most `limit` keys, however many jobs the owner has.
	pub fn jobs_of(
		owner: &T::AccountId,
		after: Option<JobId>,
		limit: u32,
	) -> alloc::vec::Vec<JobId> {
		let limit = limit as usize;
		match after {
			Some(after) => JobsByOwner::<T>::iter_key_prefix_from(
				owner,
				JobsByOwner::<T>::hashed_key_for(owner, after),
			)
			.take(limit)
			.collect(),
			None => JobsByOwner::<T>::iter_key_prefix(owner).take(limit).collect(),
		}
	}

	/// The invariants of the money and the queues, on live state: every owner's escrow hold is
	/// the escrow of its open jobs, every challenger's bond hold the bonds of its open disputes;
	/// a job is disputed exactly when it has a dispute record; every job sits in exactly one due
	/// queue: the one after its phase's last block (or its retention's), or, while a draw is
	/// pending, one no later than that; and the counts are right.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use polkadot_sdk::{
			frame_support::{
				ensure,
				traits::{fungible::InspectHold, Get},
			},
			sp_runtime::traits::{One, Saturating, Zero},
		};
		let now = frame_system::Pallet::<T>::block_number();
		let mut escrow = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut entries = BTreeMap::<JobId, alloc::vec::Vec<BlockNumberFor<T>>>::new();
		let mut counts = BTreeMap::<BlockNumberFor<T>, u32>::new();
		for (at, id, ()) in Due::<T>::iter() {
			entries.entry(id).or_default().push(at);
			*counts.entry(at).or_default() += 1;
		}
		for (id, job) in Jobs::<T>::iter() {
			let dispute = Disputes::<T>::get(id);
			ensure!(
				matches!(job.status, JobStatus::Disputed { .. }) == dispute.is_some(),
				"a job is disputed exactly when it has a dispute"
			);
			ensure!(
				JobsByOwner::<T>::contains_key(&job.owner, id),
				"every job is listed under its owner"
			);
			// The block the job's queue entry must be at (`true`), or at the latest (`false`).
			let (last, exact) = match (&job.status, dispute.as_ref().map(|d| &d.jury)) {
				(JobStatus::Assigned { deadline, .. }, _) => (*deadline, true),
				(JobStatus::Proposed { challenge_until, .. }, _) => (*challenge_until, false),
				(JobStatus::Disputed { .. }, Some(Jury::Seated { reveal_until, .. })) => {
					(*reveal_until, true)
				}
				(JobStatus::Disputed { .. }, Some(Jury::Decided { appeal_until, .. })) => {
					(*appeal_until, true)
				}
				(JobStatus::Disputed { .. }, _) => (now, false),
				(status, _) => {
					let ended = *status.ended_at().ok_or("a job is open or ended")?;
					(ended.saturating_add(T::JobRetention::get()), true)
				}
			};
			if !job.status.is_terminal() {
				let held = escrow.entry(job.owner.clone()).or_insert_with(Zero::zero);
				*held = held.saturating_add(job.escrow);
			}
			let expected = last.saturating_add(One::one());
			let queued = entries.remove(&id).unwrap_or_default();
			ensure!(queued.len() == 1, "every job is queued exactly once");
			ensure!(
				if exact { queued[0] == expected } else { queued[0] <= expected },
				"every job is queued after its phase's last block"
			);
		}
		ensure!(entries.is_empty(), "only jobs are queued");
		for (who, open) in escrow {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Escrow.into(), &who) == open,
				"an owner's escrow hold is the escrow of its open jobs"
			);
		}
		let mut bonds = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for dispute in Disputes::<T>::iter_values() {
			let appeal = dispute.appeal.map(|(who, bond, _)| (who, bond));
			for (who, bond) in dispute.challenger.into_iter().chain(appeal) {
				let held = bonds.entry(who).or_insert_with(Zero::zero);
				*held = held.saturating_add(bond);
			}
		}
		for (who, open) in bonds {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &who) == open,
				"a bond hold is the challenge and appeal bonds of open disputes"
			);
		}
		ensure!(
			JobsByOwner::<T>::iter_keys().all(|(_, id)| Jobs::<T>::contains_key(id)),
			"owners list only jobs that exist"
		);
		ensure!(
			counts.into_iter().eq(DueCount::<T>::iter().collect::<BTreeMap<_, _>>()),
			"the queue counts are the queues' lengths"
		);
		Ok(())
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
