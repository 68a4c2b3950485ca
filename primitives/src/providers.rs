//! Providers: reputation and the collateral interface the jobs pallet uses.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto},
	DispatchError, PerThing, Perbill,
};
use scale_info::TypeInfo;

/// How a job a provider served ended, as far as its reputation is concerned.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum JobOutcome {
	/// The result was delivered in time and not overturned.
	Completed,
	/// No result before the deadline.
	TimedOut,
	/// A committee found the result wrong.
	LostDispute,
}

/// A provider's standing for one model, from 0 (never route to it) to 100 % (always trustworthy).
/// Earned per model, so a record on a cheap model says nothing of a dear one.
///
/// New providers start at `NEUTRAL`. Each outcome moves the score: a completed job closes 1/16 of
/// the gap to 100 %, a timeout removes half of the score, a lost dispute three quarters. A
/// timeout costs that much because the chain only ever asks an honest provider for jobs it can
/// run (`jobs::fits_context`): an offer that does not answer must lose its share of routing
/// within a few jobs, not a few dozen (see `routing`). Between
/// outcomes the score decays back towards `NEUTRAL`, halving its distance every `half_life`
/// blocks, so old behaviour fades and a provider cannot coast on a past record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Reputation<BlockNumber> {
	/// The score as of `updated_at`.
	pub score: Perbill,
	/// When `score` was last moved by an outcome.
	pub updated_at: BlockNumber,
}

impl<BlockNumber: Copy + UniqueSaturatedInto<u64>> Reputation<BlockNumber> {
	/// Where every provider starts and where every score decays to.
	pub const NEUTRAL: Perbill = Perbill::from_percent(50);

	/// A fresh provider's reputation.
	pub fn new(now: BlockNumber) -> Self {
		Self { score: Self::NEUTRAL, updated_at: now }
	}

	/// The score at block `now`, after decay towards neutral.
	pub fn score_at(&self, now: BlockNumber, half_life: u32) -> Perbill {
		let elapsed: u64 = now.unique_saturated_into();
		let elapsed = elapsed.saturating_sub(self.updated_at.unique_saturated_into());
		let neutral = Self::NEUTRAL.deconstruct() as u64;
		let score = self.score.deconstruct() as u64;
		if half_life == 0 {
			return Self::NEUTRAL;
		}
		let half_life = half_life as u64;
		let halvings = elapsed / half_life;
		if halvings >= 32 {
			return Self::NEUTRAL;
		}
		// Distance to neutral after whole half-lives, then a linear step through the part of the
		// next half-life that has passed (between the exact curve's two chords; never overshoots).
		let distance = score.abs_diff(neutral) >> halvings;
		let partial = elapsed % half_life;
		let distance = distance - distance * partial / (2 * half_life);
		let decayed = if score >= neutral { neutral + distance } else { neutral - distance };
		Perbill::from_parts(decayed as u32)
	}

	/// The reputation after `outcome` at block `now`.
	pub fn record(&self, outcome: JobOutcome, now: BlockNumber, half_life: u32) -> Self {
		let score = self.score_at(now, half_life);
		let score = match outcome {
			JobOutcome::Completed => {
				score.saturating_add(Perbill::from_rational(1u32, 16) * score.left_from_one())
			}
			JobOutcome::TimedOut => score.saturating_sub(Perbill::from_rational(1u32, 2) * score),
			JobOutcome::LostDispute => {
				score.saturating_sub(Perbill::from_rational(3u32, 4) * score)
			}
		};
		Self { score, updated_at: now }
	}
}

/// The part of a provider's stake that backs in-flight jobs, as the jobs pallet uses it.
///
/// The providers pallet implements it. Locking never moves funds: stake is already held; a lock
/// only marks part of it as backing a job, so the same stake cannot back more jobs than it
/// covers, and unbonding cannot take it away while the job is open.
pub trait ProviderCollateral<AccountId, Balance> {
	/// Stake of `provider` not yet backing any job.
	fn free_collateral(provider: &AccountId) -> Balance;

	/// Marks `amount` of `provider`'s stake as backing a job. Fails, changing nothing, when the
	/// provider is unknown or has less free collateral.
	fn lock_collateral(provider: &AccountId, amount: Balance) -> Result<(), DispatchError>;

	/// Frees up to `amount` of `provider`'s locked collateral.
	fn release_collateral(provider: &AccountId, amount: Balance);

	/// Takes up to `amount` of `provider`'s locked collateral and gives it to `beneficiary`.
	/// Returns what was actually taken.
	fn slash_collateral(provider: &AccountId, amount: Balance, beneficiary: &AccountId) -> Balance;

	/// Moves `provider`'s reputation for `model` by the outcome of a job for it.
	fn record_outcome(provider: &AccountId, model: &crate::models::ModelId, outcome: JobOutcome);
}

/// The offer book and standing of providers, as routing reads them.
pub trait OfferBook<AccountId, Balance> {
	/// Every offer for `model`, one per provider, in a stable order.
	fn offers(model: &crate::models::ModelId) -> alloc::vec::Vec<(AccountId, Offer<Balance>)>;

	/// The staked accounts that judge `model`'s disputes without serving it, in a stable order.
	fn verifiers(model: &crate::models::ModelId) -> alloc::vec::Vec<AccountId>;

	/// The most accounts `offers` and `verifiers` together can list for one model: what a jury
	/// that seats every eligible juror must have room for.
	fn max_jurors() -> u32;

	/// `provider`'s reputation for `model` now, after decay; `None` for an unknown provider.
	fn reputation(provider: &AccountId, model: &crate::models::ModelId) -> Option<Perbill>;
}

/// A provider's standing offer to serve one model.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Offer<Balance> {
	/// What the provider charges per output token.
	pub price_per_token: Balance,
	/// How many jobs for this model the provider runs at once.
	pub max_concurrent: u32,
}

#[cfg(test)]
mod tests {
	use super::*;

	const HALF_LIFE: u32 = 100;

	#[test]
	fn a_new_provider_is_neutral_and_stays_neutral() {
		let r = Reputation::<u32>::new(5);
		assert_eq!(r.score_at(5, HALF_LIFE), Reputation::<u32>::NEUTRAL);
		assert_eq!(r.score_at(5_000, HALF_LIFE), Reputation::<u32>::NEUTRAL);
	}

	#[test]
	fn completed_jobs_raise_the_score_towards_but_never_past_one() {
		let mut r = Reputation::<u32>::new(0);
		let mut last = r.score;
		for _ in 0..500 {
			r = r.record(JobOutcome::Completed, 0, HALF_LIFE);
			assert!(r.score >= last);
			last = r.score;
		}
		assert!(r.score > Perbill::from_percent(99));
	}

	#[test]
	fn a_lost_dispute_costs_more_than_a_timeout() {
		let start = Reputation::<u32>::new(0);
		let timed_out = start.record(JobOutcome::TimedOut, 0, HALF_LIFE);
		let lost = start.record(JobOutcome::LostDispute, 0, HALF_LIFE);
		assert_eq!(timed_out.score, Perbill::from_percent(25));
		assert_eq!(lost.score, Perbill::from_parts(125_000_000));
	}

	#[test]
	fn the_distance_to_neutral_halves_every_half_life() {
		let r = Reputation { score: Perbill::from_percent(90), updated_at: 0u32 };
		assert_eq!(r.score_at(HALF_LIFE, HALF_LIFE), Perbill::from_percent(70));
		assert_eq!(r.score_at(2 * HALF_LIFE, HALF_LIFE), Perbill::from_percent(60));
		let low = Reputation { score: Perbill::from_percent(10), updated_at: 0u32 };
		assert_eq!(low.score_at(HALF_LIFE, HALF_LIFE), Perbill::from_percent(30));
	}

	#[test]
	fn decay_is_monotone_within_a_half_life() {
		let r = Reputation { score: Perbill::from_percent(90), updated_at: 0u32 };
		let mut last = r.score;
		for now in 0..=3 * HALF_LIFE {
			let s = r.score_at(now, HALF_LIFE);
			assert!(s <= last, "at {now}: {s:?} > {last:?}");
			assert!(s >= Reputation::<u32>::NEUTRAL);
			last = s;
		}
	}
}
