//! The market's governed parameters: their defaults (the runtime's dynamic parameters start here,
//! and the economic tests check the market's incentives against exactly these values) and the
//! bounds no vote can cross.

use crate::{
	currency::FTH,
	time::{DAYS, MINUTES},
	Balance, BlockNumber,
};
use polkadot_sdk::sp_runtime::Perbill;

/// Held from a model's registrant until the model retires: pays for its storage, deters spam.
pub const MODEL_DEPOSIT: Balance = 10 * FTH;
/// Least stake a provider keeps bonded: the collateral behind its jobs and committee seats.
pub const MIN_PROVIDER_STAKE: Balance = 100 * FTH;
/// Longest prompt accepted, in bytes.
pub const PROMPT_LIMIT: u32 = 8_192;
/// The storage bound of prompts, which the weights were measured up to: no governed limit goes
/// above it, so governance can lower the prompt limit but not raise it past the default.
pub const MAX_PROMPT_BYTES: u32 = 8_192;
/// Most output tokens a job may ask for.
pub const OUTPUT_TOKEN_LIMIT: u32 = 4_096;
/// Providers tried per job before it is refunded.
pub const ATTEMPT_LIMIT: u32 = 3;
/// Committee members drawn per dispute.
pub const COMMITTEE_SEATS: u32 = 3;

/// Blocks between `unbond` and the stake's release: a week, longer than any job's deadlines,
/// window and dispute.
pub const UNBONDING_PERIOD: BlockNumber = 7 * DAYS;
/// Blocks an assigned provider has to deliver.
pub const RESULT_TIMEOUT: BlockNumber = 2 * MINUTES;
/// Blocks a result stays open to challenges.
pub const CHALLENGE_WINDOW: BlockNumber = 10 * MINUTES;
/// Held on top of a job's value to pay for verification.
pub const VERIFICATION_FEE: Perbill = Perbill::from_percent(5);
/// The treasury's share of what providers earn.
pub const PROTOCOL_FEE: Perbill = Perbill::from_percent(2);
/// Collateral per job, as a multiple of what the job can earn its provider.
pub const BOND_MULTIPLE: u32 = 10;
/// Blocks an ended job's record stays readable on chain before it is pruned (not governed: the
/// storage it bounds is the chain's, not the market's).
pub const JOB_RETENTION: BlockNumber = 7 * DAYS;
/// Share of a job's collateral paid to the treasury when its provider misses the deadline.
pub const TIMEOUT_SLASH: Perbill = Perbill::from_percent(10);
/// The least collateral a job locks, whatever its price (not governed yet): with
/// `TIMEOUT_SLASH`, a timeout costs any provider at least 0.1 FTH, so an offer at one planck
/// that never answers pays for every job it holds up.
pub const MIN_JOB_COLLATERAL: Balance = FTH;
/// Share of results the chain audits by itself. With `BOND_MULTIPLE` it makes lying a loss on
/// average: a lie earns at most the job's value and costs `AUDIT_RATE × BOND_MULTIPLE` = 2× that
/// (see `deters_lying`).
pub const AUDIT_RATE: Perbill = Perbill::from_percent(20);
/// Held from a challenger until the verdict.
pub const CHALLENGE_BOND: Balance = FTH;
/// Blocks committee members have to commit their votes.
pub const COMMIT_PHASE: BlockNumber = 2 * MINUTES;
/// Blocks after the commit phase to reveal them.
pub const REVEAL_PHASE: BlockNumber = 2 * MINUTES;
/// Stake each committee member puts behind its duty; lost when it does not reveal a vote.
pub const VOTE_BOND: Balance = FTH;
/// Share of a lying provider's slashed collateral paid to the challenger.
pub const CHALLENGER_REWARD: Perbill = Perbill::from_percent(50);
/// Share of a lying provider's slashed collateral shared by the majority voters.
pub const VOTER_REWARD: Perbill = Perbill::from_percent(25);
/// Share of a wrong challenger's bond shared by the majority voters; the rest goes to the
/// provider it accused.
pub const BOND_TO_VOTERS: Perbill = Perbill::from_percent(50);

/// Blocks of a minute-scale phase's floor: enough for a verifier to see a block, re-execute a
/// long answer and get a transaction in.
const PHASE_FLOOR: BlockNumber = 10;

/// Blocks a worker that follows finalized blocks may lag behind the best block (GRANDPA
/// finalizes within a few blocks when validators are online; twice that for margin).
pub const FINALITY_LAG: BlockNumber = 10;

/// The shortest commit or reveal phase: a juror following finalized blocks sees its seat up to
/// `FINALITY_LAG` blocks late, and then needs `PHASE_FLOOR` to re-execute and get its vote in.
pub const VOTE_PHASE_FLOOR: BlockNumber = PHASE_FLOOR + FINALITY_LAG;

/// The deterrence inequality every parameter set must keep, with a margin of one half:
///
/// ```text
/// audit_rate × bond_multiple ≥ 3/2
/// ```
///
/// A lie on a job of value `v` (its tokens at the provider's price) earns the provider at most
/// `v`: the most it is paid, without the compute. The chain audits the result with probability
/// `audit_rate`, drawn after the result is signed (so the liar cannot dodge it), and an audit
/// that finds the lie takes the job's collateral, at least `bond_multiple × v`. The lie's
/// expected result is at most `v − audit_rate × bond_multiple × v ≤ −v/2`, before any
/// challenger joins in and with juries that judge truly (a cartel that wins a share `q` of
/// disputes scales the loss by `1 − q`; the margin covers `q` up to a third).
pub fn deters_lying(audit_rate: Perbill, bond_multiple: u32) -> bool {
	let billionths = u64::from(audit_rate.deconstruct()) * u64::from(bond_multiple);
	billionths >= 1_500_000_000
}

/// Juries of an odd size, so that a full committee that reveals always has a majority.
pub fn jury_is_odd(seats: u32) -> bool {
	seats % 2 == 1
}

/// The range a governed parameter must stay in. No vote and no origin can set a value outside
/// it: the runtime refuses with `BelowMinimum` or `AboveMaximum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds<T> {
	pub min: T,
	pub max: T,
}

/// Why a parameter change is refused: its value fell outside its own bounds, or the parameter
/// set it would leave breaks a joint rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfBounds {
	BelowMinimum,
	AboveMaximum,
	/// The audit rate and bond multiple would no longer keep `deters_lying`.
	LyingWouldPay,
	/// An even number of jury seats (`jury_is_odd`).
	EvenJury,
}

impl<T: PartialOrd> Bounds<T> {
	/// Whether `value` may be set.
	pub fn check(&self, value: &T) -> Result<(), OutOfBounds> {
		if *value < self.min {
			Err(OutOfBounds::BelowMinimum)
		} else if *value > self.max {
			Err(OutOfBounds::AboveMaximum)
		} else {
			Ok(())
		}
	}
}

const fn percent(n: u32) -> Perbill {
	Perbill::from_percent(n)
}

/// Up to three months: stake must not be trapped for longer than a holder can plan for.
pub const UNBONDING_PERIOD_BOUNDS: Bounds<BlockNumber> =
	Bounds { min: PHASE_FLOOR, max: 90 * DAYS };
/// Up to an hour: a user waits this long at worst for each attempt.
pub const RESULT_TIMEOUT_BOUNDS: Bounds<BlockNumber> =
	Bounds { min: PHASE_FLOOR, max: 60 * MINUTES };
/// Up to a day: providers are paid only after it.
pub const CHALLENGE_WINDOW_BOUNDS: Bounds<BlockNumber> = Bounds { min: PHASE_FLOOR, max: DAYS };
/// At most half of a job's value on top for verification.
pub const VERIFICATION_FEE_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(50) };
/// At most a fifth of what providers earn.
pub const PROTOCOL_FEE_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(20) };
/// At least the job's value (a lie must never be free), at most a hundred times.
pub const BOND_MULTIPLE_BOUNDS: Bounds<u32> = Bounds { min: 1, max: 100 };
/// Never zero: a provider that does not answer must lose something for the job it held up.
pub const TIMEOUT_SLASH_BOUNDS: Bounds<Perbill> = Bounds { min: percent(1), max: percent(100) };
/// Never free (challenges would be spam), never so dear that nobody challenges.
pub const CHALLENGE_BOND_BOUNDS: Bounds<Balance> =
	Bounds { min: crate::currency::MILLI_FTH, max: 1_000 * FTH };
pub const AUDIT_RATE_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(100) };
/// Up to a day for each vote phase, never so short that a juror following finalized blocks
/// cannot vote.
pub const COMMIT_PHASE_BOUNDS: Bounds<BlockNumber> = Bounds { min: VOTE_PHASE_FLOOR, max: DAYS };
pub const REVEAL_PHASE_BOUNDS: Bounds<BlockNumber> = Bounds { min: VOTE_PHASE_FLOOR, max: DAYS };
/// Never free (a silent member must lose something), never so dear that nobody can sit.
pub const VOTE_BOND_BOUNDS: Bounds<Balance> =
	Bounds { min: crate::currency::MILLI_FTH, max: 1_000 * FTH };
/// The challenger's and voters' shares of a slash must add up to at most all of it: 60 % + 40 %.
pub const CHALLENGER_REWARD_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(60) };
pub const VOTER_REWARD_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(40) };
pub const BOND_TO_VOTERS_BOUNDS: Bounds<Perbill> = Bounds { min: percent(0), max: percent(100) };
/// At least 1 FTH (registering is never free), at most 10,000 FTH (publishing a model stays open).
pub const MODEL_DEPOSIT_BOUNDS: Bounds<Balance> = Bounds { min: FTH, max: 10_000 * FTH };
/// At least 1 FTH, so a seat is never free; at most 100,000 FTH, so providing stays open.
pub const MIN_PROVIDER_STAKE_BOUNDS: Bounds<Balance> = Bounds { min: FTH, max: 100_000 * FTH };
pub const PROMPT_LIMIT_BOUNDS: Bounds<u32> = Bounds { min: 256, max: MAX_PROMPT_BYTES };
/// Up to the stored bound of output tokens (`MaxOutputTokens`).
pub const OUTPUT_TOKEN_LIMIT_BOUNDS: Bounds<u32> = Bounds { min: 16, max: 4_096 };
/// Up to the stored bound of attempts (`MaxJobAttempts`).
pub const ATTEMPT_LIMIT_BOUNDS: Bounds<u32> = Bounds { min: 1, max: 3 };
/// Up to the three seats the dispute weights were measured with.
pub const COMMITTEE_SEATS_BOUNDS: Bounds<u32> = Bounds { min: 1, max: 3 };

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_default_lies_within_its_bounds() {
		assert_eq!(UNBONDING_PERIOD_BOUNDS.check(&UNBONDING_PERIOD), Ok(()));
		assert_eq!(RESULT_TIMEOUT_BOUNDS.check(&RESULT_TIMEOUT), Ok(()));
		assert_eq!(CHALLENGE_WINDOW_BOUNDS.check(&CHALLENGE_WINDOW), Ok(()));
		assert_eq!(VERIFICATION_FEE_BOUNDS.check(&VERIFICATION_FEE), Ok(()));
		assert_eq!(PROTOCOL_FEE_BOUNDS.check(&PROTOCOL_FEE), Ok(()));
		assert_eq!(BOND_MULTIPLE_BOUNDS.check(&BOND_MULTIPLE), Ok(()));
		assert_eq!(TIMEOUT_SLASH_BOUNDS.check(&TIMEOUT_SLASH), Ok(()));
		assert_eq!(CHALLENGE_BOND_BOUNDS.check(&CHALLENGE_BOND), Ok(()));
		assert_eq!(AUDIT_RATE_BOUNDS.check(&AUDIT_RATE), Ok(()));
		assert_eq!(COMMIT_PHASE_BOUNDS.check(&COMMIT_PHASE), Ok(()));
		assert_eq!(REVEAL_PHASE_BOUNDS.check(&REVEAL_PHASE), Ok(()));
		assert_eq!(VOTE_BOND_BOUNDS.check(&VOTE_BOND), Ok(()));
		assert_eq!(CHALLENGER_REWARD_BOUNDS.check(&CHALLENGER_REWARD), Ok(()));
		assert_eq!(VOTER_REWARD_BOUNDS.check(&VOTER_REWARD), Ok(()));
		assert_eq!(BOND_TO_VOTERS_BOUNDS.check(&BOND_TO_VOTERS), Ok(()));
		assert_eq!(MIN_PROVIDER_STAKE_BOUNDS.check(&MIN_PROVIDER_STAKE), Ok(()));
		assert_eq!(MODEL_DEPOSIT_BOUNDS.check(&MODEL_DEPOSIT), Ok(()));
		assert_eq!(PROMPT_LIMIT_BOUNDS.check(&PROMPT_LIMIT), Ok(()));
		assert_eq!(OUTPUT_TOKEN_LIMIT_BOUNDS.check(&OUTPUT_TOKEN_LIMIT), Ok(()));
		assert_eq!(ATTEMPT_LIMIT_BOUNDS.check(&ATTEMPT_LIMIT), Ok(()));
		assert_eq!(COMMITTEE_SEATS_BOUNDS.check(&COMMITTEE_SEATS), Ok(()));
	}

	#[test]
	fn the_defaults_deter_lying_and_seat_odd_juries() {
		assert!(deters_lying(AUDIT_RATE, BOND_MULTIPLE));
		assert!(jury_is_odd(COMMITTEE_SEATS));
	}

	#[test]
	fn deterrence_needs_audits_times_bond_of_one_and_a_half() {
		assert!(deters_lying(percent(15), 10));
		assert!(!deters_lying(percent(14), 10));
		assert!(!deters_lying(percent(50), 1));
		assert!(!deters_lying(percent(0), 100));
		assert!(deters_lying(percent(100), 2));
	}

	#[test]
	fn governed_limits_never_exceed_the_storage_bounds() {
		use polkadot_sdk::sp_core::Get;
		assert_eq!(
			OUTPUT_TOKEN_LIMIT_BOUNDS.max,
			<crate::jobs::MaxOutputTokens as Get<u32>>::get()
		);
		assert_eq!(ATTEMPT_LIMIT_BOUNDS.max, <crate::jobs::MaxJobAttempts as Get<u32>>::get());
		assert_eq!(PROMPT_LIMIT_BOUNDS.max, MAX_PROMPT_BYTES);
	}

	#[test]
	fn values_outside_bounds_say_which_side() {
		let bounds = Bounds { min: 10u32, max: 20 };
		assert_eq!(bounds.check(&9), Err(OutOfBounds::BelowMinimum));
		assert_eq!(bounds.check(&21), Err(OutOfBounds::AboveMaximum));
		assert_eq!(bounds.check(&10), Ok(()));
		assert_eq!(bounds.check(&20), Ok(()));
	}

	#[test]
	fn slash_shares_cannot_add_up_to_more_than_the_slash() {
		let most = CHALLENGER_REWARD_BOUNDS.max.deconstruct() as u64
			+ VOTER_REWARD_BOUNDS.max.deconstruct() as u64;
		assert!(most <= Perbill::one().deconstruct() as u64);
	}
}
