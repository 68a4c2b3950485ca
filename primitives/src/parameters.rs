//! Default values of the market's governed parameters: the runtime's dynamic parameters start
//! here, and the economic tests check the market's incentives against exactly these values.

use crate::{
	currency::FTH,
	time::{DAYS, MINUTES},
	Balance, BlockNumber,
};
use polkadot_sdk::sp_runtime::Perbill;

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
/// Share of a job's collateral paid to the user when its provider misses the deadline.
pub const TIMEOUT_SLASH: Perbill = Perbill::from_percent(10);
/// Share of results the chain audits by itself. With `BOND_MULTIPLE` it makes lying a loss on
/// average: a lie earns at most the job's value and costs `AUDIT_RATE × BOND_MULTIPLE` = 2× that.
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
