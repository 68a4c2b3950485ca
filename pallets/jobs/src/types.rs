//! The jobs pallet's dispute records.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use faithful_primitives::jobs::Verdict;
use polkadot_sdk::{
	frame_support::{traits::Get, BoundedVec},
	sp_core::H256,
};
use scale_info::TypeInfo;

/// Where one committee member's vote stands.
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
pub enum Vote {
	/// Drawn, nothing sent yet.
	Pending,
	/// Committed to the hash of a verdict (see `faithful_primitives::jobs::vote_commitment`).
	Committed(H256),
	/// Revealed a verdict matching its commitment.
	Revealed(Verdict),
}

/// A juror's seat: who, the weight of its vote (its free collateral when drawn, so votes follow
/// stake at risk however it is split over accounts) and the vote itself.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Juror<AccountId, Balance> {
	/// The juror.
	pub who: AccountId,
	/// What its vote counts for.
	pub weight: Balance,
	/// Where its vote stands.
	pub vote: Vote,
}

/// The jurors of one round.
pub type Committee<AccountId, Balance, MaxCommittee> =
	BoundedVec<Juror<AccountId, Balance>, MaxCommittee>;

/// A dispute's jury for its current round.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxCommittee))]
pub enum Jury<AccountId, Balance, BlockNumber, MaxCommittee: Get<u32>> {
	/// To be drawn at the start of a later block, from randomness that did not exist when the
	/// dispute opened (or the appeal was sent).
	Drawing,
	/// Drawn and voting.
	Seated {
		/// The jurors, with their votes.
		committee: Committee<AccountId, Balance, MaxCommittee>,
		/// Last block to commit a vote.
		commit_until: BlockNumber,
		/// Last block to reveal a vote; the count follows.
		reveal_until: BlockNumber,
	},
	/// The first round found `verdict`; it stands unless someone appeals by `appeal_until`.
	Decided {
		/// The jurors, with their revealed votes.
		committee: Committee<AccountId, Balance, MaxCommittee>,
		/// What the weighted majority found.
		verdict: Verdict,
		/// Last block to appeal.
		appeal_until: BlockNumber,
	},
}

/// An open dispute over a proposed result.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxCommittee))]
pub struct Dispute<AccountId, Balance, BlockNumber, MaxCommittee: Get<u32>> {
	/// Who challenged, with the bond held from it; `None` for the chain's own audit.
	pub challenger: Option<(AccountId, Balance)>,
	/// Who appealed the first round's verdict, with its bond and the verdict it appealed.
	pub appeal: Option<(AccountId, Balance, Verdict)>,
	/// Stake locked from each juror until the final verdict; lost by jurors that do not reveal
	/// or that vote against the final verdict.
	pub vote_bond: Balance,
	/// 0 for the first jury; 1 (the last) for the jury of every eligible juror, drawn after a
	/// tie, a round nobody revealed in, or an appeal.
	pub round: u32,
	/// The first round's jurors once a second round is drawn: their bonds wait for the final
	/// verdict.
	pub earlier: Committee<AccountId, Balance, MaxCommittee>,
	/// This round's jury.
	pub jury: Jury<AccountId, Balance, BlockNumber, MaxCommittee>,
}

impl<AccountId, Balance, BlockNumber: Copy, MaxCommittee: Get<u32>>
	Dispute<AccountId, Balance, BlockNumber, MaxCommittee>
{
	/// The jurors of the current round; empty while the jury is being drawn.
	pub fn committee(&self) -> &[Juror<AccountId, Balance>] {
		match &self.jury {
			Jury::Drawing => &[],
			Jury::Seated { committee, .. } | Jury::Decided { committee, .. } => committee,
		}
	}

	/// Jurors of every round so far, the current one included.
	pub fn jurors(&self) -> u32 {
		(self.earlier.len() + self.committee().len()) as u32
	}

	/// The last blocks to commit and to reveal, while the jury votes.
	pub fn phases(&self) -> Option<(BlockNumber, BlockNumber)> {
		match &self.jury {
			Jury::Seated { commit_until, reveal_until, .. } => Some((*commit_until, *reveal_until)),
			Jury::Drawing | Jury::Decided { .. } => None,
		}
	}
}

/// How a dispute ended.
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
pub enum DisputeOutcome {
	/// A majority found the result wrong: the provider was slashed, the user refunded.
	ProviderWrong,
	/// A majority found the result right: it settled normally; a challenger lost its bond.
	ResultUpheld,
	/// No verdict after the last round (a tie, or nobody revealed): the result settled normally,
	/// a challenger and an appellant got their bonds back, and jurors that did not reveal lost
	/// their vote bonds.
	NoQuorum,
}
