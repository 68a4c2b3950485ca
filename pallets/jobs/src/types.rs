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

/// A dispute's jury: drawn one block after the dispute opens (or escalates), from randomness that
/// did not exist when the party that opened it signed.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxCommittee))]
pub enum Jury<AccountId, BlockNumber, MaxCommittee: Get<u32>> {
	/// Waiting for the draw at the start of a later block.
	Drawing,
	/// Drawn and voting.
	Seated {
		/// The members, with their votes.
		committee: BoundedVec<(AccountId, Vote), MaxCommittee>,
		/// Last block to commit a vote.
		commit_until: BlockNumber,
		/// Last block to reveal a vote; the round's count follows.
		reveal_until: BlockNumber,
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
	/// Stake locked from each member until its round is counted; lost by members that do not
	/// reveal or that vote against the verdict.
	pub vote_bond: Balance,
	/// 0 for the first jury; each tie or round without a revealed vote draws a larger one, up to
	/// `DISPUTE_ROUNDS`.
	pub round: u32,
	/// This round's jury.
	pub jury: Jury<AccountId, BlockNumber, MaxCommittee>,
}

impl<AccountId, Balance, BlockNumber: Copy, MaxCommittee: Get<u32>>
	Dispute<AccountId, Balance, BlockNumber, MaxCommittee>
{
	/// The committee voting now; empty while the jury is being drawn.
	pub fn committee(&self) -> &[(AccountId, Vote)] {
		match &self.jury {
			Jury::Drawing => &[],
			Jury::Seated { committee, .. } => committee,
		}
	}

	/// The last blocks to commit and to reveal, once the jury sits.
	pub fn phases(&self) -> Option<(BlockNumber, BlockNumber)> {
		match &self.jury {
			Jury::Drawing => None,
			Jury::Seated { commit_until, reveal_until, .. } => Some((*commit_until, *reveal_until)),
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
	/// a challenger got its bond back, and members that did not reveal lost their vote bond.
	NoQuorum,
}
