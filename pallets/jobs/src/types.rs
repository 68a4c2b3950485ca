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

/// An open dispute over a proposed result.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxCommittee))]
pub struct Dispute<AccountId, Balance, BlockNumber, MaxCommittee: Get<u32>> {
	/// Who challenged, with the bond held from it; `None` for the chain's own audit.
	pub challenger: Option<(AccountId, Balance)>,
	/// The members drawn to re-execute, with their votes.
	pub committee: BoundedVec<(AccountId, Vote), MaxCommittee>,
	/// Stake locked from each member until the verdict; lost by members that do not reveal.
	pub vote_bond: Balance,
	/// Last block to commit a vote.
	pub commit_until: BlockNumber,
	/// Last block to reveal a vote; the verdict follows.
	pub reveal_until: BlockNumber,
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
	/// Too few revealed votes, or a tie: the result settled normally, a challenger got its bond
	/// back, and members that did not reveal lost their vote bond.
	NoQuorum,
}
