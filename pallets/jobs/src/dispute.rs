//! Challenges, audits, juries, votes and verdicts.
//!
//! **Draw after commit.** Whether a result is audited and who judges it are drawn at the start of
//! a block after the one that made them due: the audit of a result delivered in block `n`, and
//! the jury of a challenge sent in block `n`, are drawn in block `n + 1` or later, from chain
//! randomness (BABE's VRF output of block `n`) that did not exist when the provider or the
//! challenger signed. Nobody can trigger a draw at a moment of its choosing: `finish` refuses a
//! job whose draw is pending. What remains is the author of block `n`, who knows its VRF output
//! before it publishes: it can leave a result out of its block (the result then lands in a later
//! block and is drawn afresh), at the price of the fees, or withhold the block and lose its
//! reward. Either way it only re-rolls a draw once per block it authors, never sets it.
//!
//! **Juries follow stake.** Seats are drawn without replacement with probability proportional to
//! each eligible juror's free collateral, among the providers offering the job's model that are
//! not a party to it and hold a `VoteBond` of free collateral: splitting stake over many
//! accounts buys no seats. The first round seats `CommitteeSeats`; each later round seats up to
//! `CommitteeSize`, drawn afresh from every eligible juror.
//!
//! **Verdicts.** The revealed votes decide by strict majority. A member that does not reveal, or
//! that reveals the verdict the majority rejected, loses its vote bond to the treasury. A tie
//! (or a round in which nobody revealed) decides nothing: the revealed members get their bonds
//! back and a larger jury is drawn, up to `DISPUTE_ROUNDS` rounds; only after the last does the
//! result stand for want of a verdict (`NoQuorum`).

use super::*;
use faithful_primitives::{jobs::vote_commitment, providers::JobOutcome, routing::pick};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			tokens::{Fortitude, Precision, Restriction},
			Get,
		},
	},
	sp_core::H256,
	sp_runtime::traits::{One, SaturatedConversion, Saturating, Zero},
};
use types::Jury;

/// Rounds a dispute may take: the first jury, and one larger jury after a round without a
/// verdict.
pub const DISPUTE_ROUNDS: u32 = 2;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_challenge(challenger: T::AccountId, job: JobId) -> DispatchResult {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Proposed { provider, challenge_until, .. } = &record.status else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= *challenge_until, Error::<T>::NotChallengeable);
		ensure!(challenger != *provider, Error::<T>::ProviderCannotChallenge);
		let challenge_until = *challenge_until;
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		// The jury is drawn next block. When the result's own audit draw is still queued, that
		// entry draws the jury instead; otherwise the window's end gives way to the draw.
		if Due::<T>::contains_key(challenge_until.saturating_add(One::one()), job) {
			Self::unschedule(job, challenge_until);
			Self::schedule(job, now);
		}
		Self::deposit_event(Event::JobChallenged { job, challenger: challenger.clone() });
		Self::dispute_opened(job, record, Some((challenger, bond)));
		Ok(())
	}

	/// Whether the chain audits `job`'s result: a draw below its `audit_rate` from chain
	/// randomness. Called only at the start of a block after the result's, so the provider could
	/// not know the randomness when it signed.
	pub(crate) fn is_audited(job: JobId, attempt: u32, audit_rate: Perbill) -> bool {
		let random = Self::random(b"faithful/audit", job, attempt);
		let draw = u32::from_le_bytes(random[..4].try_into().expect("32 bytes have 4"));
		// Parts per billion: a uniform draw in [0, 10^9).
		draw % 1_000_000_000 < audit_rate.deconstruct()
	}

	/// The audit draw of a result delivered in an earlier block: an audited result is disputed
	/// with a jury drawn from the same fresh randomness; any other (or one nobody is eligible to
	/// judge) waits for its window's end. Returns whether a jury was seated.
	pub(crate) fn draw_audit(job: JobId, record: JobOf<T>) -> bool {
		let JobStatus::Proposed { challenge_until, .. } = record.status else { return false };
		let attempt = record.attempts.len() as u32;
		if !Self::is_audited(job, attempt, record.terms.audit_rate) {
			Self::schedule(job, challenge_until);
			return false;
		}
		let mut record = Self::dispute_opened(job, record, None);
		let seated = Self::seat_jury(job, &mut record);
		if !seated {
			// An audit nobody can carry out would only cut the challenge window short.
			Disputes::<T>::remove(job);
			record.status = Self::proposed_again(&record.status, challenge_until);
			Jobs::<T>::insert(job, record);
			Self::schedule(job, challenge_until);
		}
		seated
	}

	/// `Disputed` back to the `Proposed` it came from.
	fn proposed_again(
		status: &JobStatusOf<T>,
		challenge_until: BlockNumberFor<T>,
	) -> JobStatusOf<T> {
		match status.clone() {
			JobStatus::Disputed {
				provider,
				price_per_token,
				collateral,
				n_tokens,
				finish,
				commitment,
				..
			} => JobStatus::Proposed {
				provider,
				price_per_token,
				collateral,
				n_tokens,
				finish,
				commitment,
				challenge_until,
			},
			other => other,
		}
	}

	/// Moves a proposed `record` into `Disputed` with its jury still to be drawn, and stores both.
	fn dispute_opened(
		job: JobId,
		mut record: JobOf<T>,
		challenger: Option<(T::AccountId, BalanceOf<T>)>,
	) -> JobOf<T> {
		let JobStatus::Proposed {
			provider,
			price_per_token,
			collateral,
			n_tokens,
			finish,
			commitment,
			..
		} = record.status.clone()
		else {
			return record;
		};
		record.status = JobStatus::Disputed {
			provider,
			price_per_token,
			collateral,
			n_tokens,
			finish,
			commitment,
			since: frame_system::Pallet::<T>::block_number(),
		};
		let dispute =
			Dispute { challenger, vote_bond: T::VoteBond::get(), round: 0, jury: Jury::Drawing };
		Disputes::<T>::insert(job, dispute);
		Jobs::<T>::insert(job, &record);
		record
	}

	/// Draws the jury of `job`'s dispute for its current round, locks the members' vote bonds and
	/// queues the round's count. With nobody eligible, the dispute ends at once without a verdict
	/// and `false` is returned.
	pub(crate) fn seat_jury(job: JobId, record: &mut JobOf<T>) -> bool {
		let Some(mut dispute) = Disputes::<T>::get(job) else { return false };
		let JobStatus::Disputed { provider, .. } = &record.status else { return false };
		let now = frame_system::Pallet::<T>::block_number();
		let members =
			Self::draw_committee(job, record, provider, dispute.challenger.as_ref(), dispute.round);
		let mut committee = BoundedVec::<_, T::CommitteeSize>::new();
		for member in members {
			if T::Collateral::lock_collateral(&member, dispute.vote_bond).is_ok()
				&& committee.try_push((member, Vote::Pending)).is_err()
			{
				polkadot_sdk::frame_support::defensive!(
					"`draw_committee` returns at most `CommitteeSize` members"
				);
			}
		}
		if committee.is_empty() {
			if dispute.round == 0 && dispute.challenger.is_none() {
				return false;
			}
			Disputes::<T>::remove(job);
			let outcome = DisputeOutcome::NoQuorum;
			Self::deposit_event(Event::DisputeResolved { job, outcome, valid: 0, invalid: 0 });
			Self::decide(job, record, dispute, outcome, &[]);
			Jobs::<T>::insert(job, &*record);
			return true;
		}
		let commit_until = now.saturating_add(T::CommitPhase::get());
		let reveal_until = commit_until.saturating_add(T::RevealPhase::get());
		Self::schedule(job, reveal_until);
		Self::deposit_event(Event::JobDisputed {
			job,
			challenger: dispute.challenger.as_ref().map(|(who, _)| who.clone()),
			committee: committee.iter().map(|(who, _)| who.clone()).collect(),
			commit_until,
			reveal_until,
		});
		dispute.jury = Jury::Seated { committee, commit_until, reveal_until };
		Disputes::<T>::insert(job, dispute);
		true
	}

	/// The jury of `round` as the chain would draw it now: `CommitteeSeats` members in the first
	/// round and up to `CommitteeSize` after, drawn without replacement with odds proportional to
	/// free collateral, from the providers of the job's model that are not a party to it and hold
	/// `VoteBond` of free collateral.
	pub(crate) fn draw_committee(
		job: JobId,
		record: &JobOf<T>,
		provider: &T::AccountId,
		challenger: Option<&(T::AccountId, BalanceOf<T>)>,
		round: u32,
	) -> alloc::vec::Vec<T::AccountId> {
		let vote_bond = T::VoteBond::get();
		let (mut eligible, mut stakes): (alloc::vec::Vec<T::AccountId>, alloc::vec::Vec<u128>) =
			T::Offers::offers(&record.model)
				.into_iter()
				.filter_map(|(who, _)| {
					let free = T::Collateral::free_collateral(&who);
					let party = who == *provider
						|| who == record.owner
						|| challenger.is_some_and(|(challenger, _)| who == *challenger);
					(!party && free >= vote_bond).then(|| (who, free.saturated_into::<u128>()))
				})
				.unzip();
		let seats = if round == 0 {
			Self::committee_seats()
		} else {
			<T::CommitteeSize as Get<u32>>::get()
		};
		let mut drawn = alloc::vec::Vec::new();
		for seat in 0..seats {
			let random = Self::random(b"faithful/committee", job, (round << 16) | seat);
			let Some(pick) = pick(&stakes, &random) else { break };
			drawn.push(eligible.swap_remove(pick));
			stakes.swap_remove(pick);
		}
		drawn
	}

	pub(crate) fn do_commit_vote(
		voter: T::AccountId,
		job: JobId,
		commitment: H256,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		Disputes::<T>::try_mutate(job, |entry| {
			let dispute = entry.as_mut().ok_or(Error::<T>::NotDisputed)?;
			let Jury::Seated { committee, commit_until, .. } = &mut dispute.jury else {
				return Err(Error::<T>::NotOnCommittee.into());
			};
			ensure!(now <= *commit_until, Error::<T>::CommitPhaseOver);
			let (_, vote) = committee
				.iter_mut()
				.find(|(member, _)| *member == voter)
				.ok_or(Error::<T>::NotOnCommittee)?;
			ensure!(*vote == Vote::Pending, Error::<T>::AlreadyVoted);
			*vote = Vote::Committed(commitment);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::VoteCommitted { job, voter });
		Ok(())
	}

	pub(crate) fn do_reveal_vote(
		voter: T::AccountId,
		job: JobId,
		verdict: Verdict,
		salt: [u8; 32],
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		Disputes::<T>::try_mutate(job, |entry| {
			let dispute = entry.as_mut().ok_or(Error::<T>::NotDisputed)?;
			let Jury::Seated { committee, commit_until, reveal_until } = &mut dispute.jury else {
				return Err(Error::<T>::NotOnCommittee.into());
			};
			ensure!(now > *commit_until, Error::<T>::RevealPhaseNotOpen);
			ensure!(now <= *reveal_until, Error::<T>::RevealPhaseOver);
			let (_, vote) = committee
				.iter_mut()
				.find(|(member, _)| *member == voter)
				.ok_or(Error::<T>::NotOnCommittee)?;
			let Vote::Committed(commitment) = *vote else {
				return Err(Error::<T>::NotCommitted.into());
			};
			ensure!(
				vote_commitment(job, &voter, verdict, &salt) == commitment,
				Error::<T>::CommitMismatch
			);
			*vote = Vote::Revealed(verdict);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::VoteRevealed { job, voter, verdict });
		Ok(())
	}

	/// Counts a round after its reveal phase. Members that did not reveal lose their vote bond.
	/// A strict majority of the revealed votes decides: the minority loses its bonds, the majority
	/// gets them back, and the provider is slashed or the result settles. Without a majority the
	/// revealed members get their bonds back and a larger jury is drawn next block, or, after the
	/// last round, the result stands (`NoQuorum`).
	pub(crate) fn resolve(job: JobId, record: &mut JobOf<T>, mut dispute: DisputeOf<T>) {
		let count = |wanted| {
			dispute.committee().iter().filter(|(_, v)| *v == Vote::Revealed(wanted)).count() as u32
		};
		let (valid, invalid) = (count(Verdict::Valid), count(Verdict::Invalid));
		let majority_verdict = match valid.cmp(&invalid) {
			core::cmp::Ordering::Greater => Some(Verdict::Valid),
			core::cmp::Ordering::Less => Some(Verdict::Invalid),
			core::cmp::Ordering::Equal => None,
		};
		let last_round = dispute.round.saturating_add(1) >= DISPUTE_ROUNDS;
		let mut majority = alloc::vec::Vec::new();
		let mut revealed = alloc::vec::Vec::new();
		for (member, vote) in dispute.committee().iter() {
			let kept = match (vote, majority_verdict) {
				(Vote::Revealed(verdict), Some(wanted)) if *verdict == wanted => {
					majority.push(member.clone());
					true
				}
				(Vote::Revealed(_), None) => {
					revealed.push(member.clone());
					true
				}
				(Vote::Revealed(_), Some(_)) | (Vote::Pending | Vote::Committed(_), _) => false,
			};
			if kept {
				T::Collateral::release_collateral(member, dispute.vote_bond);
			} else {
				Self::forfeit_vote_bond(job, member, dispute.vote_bond);
			}
		}
		let outcome = match majority_verdict {
			Some(Verdict::Invalid) => DisputeOutcome::ProviderWrong,
			Some(Verdict::Valid) => DisputeOutcome::ResultUpheld,
			None if last_round => DisputeOutcome::NoQuorum,
			None => {
				let now = frame_system::Pallet::<T>::block_number();
				dispute.round = dispute.round.saturating_add(1);
				dispute.jury = Jury::Drawing;
				Self::deposit_event(Event::DisputeEscalated {
					job,
					round: dispute.round,
					valid,
					invalid,
				});
				Disputes::<T>::insert(job, dispute);
				Self::schedule(job, now);
				return;
			}
		};
		Self::deposit_event(Event::DisputeResolved { job, outcome, valid, invalid });
		let paid = if outcome == DisputeOutcome::NoQuorum { revealed } else { majority };
		Self::decide(job, record, dispute, outcome, &paid);
	}

	/// Takes `member`'s vote bond for the treasury.
	fn forfeit_vote_bond(job: JobId, member: &T::AccountId, bond: BalanceOf<T>) {
		let slashed = T::Collateral::slash_collateral(member, bond, &T::Treasury::get());
		T::Collateral::release_collateral(member, bond.saturating_sub(slashed));
		Self::deposit_event(Event::VoterPenalized { job, voter: member.clone(), slashed });
	}

	/// Carries out a dispute's final outcome; `voters` are the members paid for judging.
	fn decide(
		job: JobId,
		record: &mut JobOf<T>,
		dispute: DisputeOf<T>,
		outcome: DisputeOutcome,
		voters: &[T::AccountId],
	) {
		let JobStatus::Disputed { provider, price_per_token, collateral, n_tokens, .. } =
			record.status.clone()
		else {
			return;
		};
		match outcome {
			DisputeOutcome::ProviderWrong => {
				Self::slash_provider(job, record, &provider, collateral, &dispute, voters);
			}
			DisputeOutcome::ResultUpheld => {
				if let Some((challenger, bond)) = &dispute.challenger {
					let to_voters = record.terms.bond_to_voters.mul_floor(*bond);
					let shared = Self::share_bond(challenger, to_voters, voters);
					Self::pay_bond(challenger, &provider, bond.saturating_sub(shared));
				}
				Self::pay_out(
					job,
					record,
					&provider,
					price_per_token,
					collateral,
					n_tokens,
					voters,
				);
			}
			DisputeOutcome::NoQuorum => {
				if let Some((challenger, bond)) = &dispute.challenger {
					Self::return_bond(challenger, *bond);
				}
				Self::pay_out(
					job,
					record,
					&provider,
					price_per_token,
					collateral,
					n_tokens,
					voters,
				);
			}
		}
	}

	/// Takes the whole job collateral from a lying provider: the challenger's reward, the
	/// majority voters' reward, and the rest to the treasury; refunds the user in full.
	fn slash_provider(
		job: JobId,
		record: &mut JobOf<T>,
		provider: &T::AccountId,
		collateral: BalanceOf<T>,
		dispute: &DisputeOf<T>,
		majority: &[T::AccountId],
	) {
		let now = frame_system::Pallet::<T>::block_number();
		let mut slashed = BalanceOf::<T>::zero();
		if let Some((challenger, bond)) = &dispute.challenger {
			Self::return_bond(challenger, *bond);
			let reward = record.terms.challenger_reward.mul_floor(collateral);
			slashed = slashed
				.saturating_add(T::Collateral::slash_collateral(provider, reward, challenger));
		}
		if !majority.is_empty() {
			let each =
				record.terms.voter_reward.mul_floor(collateral) / (majority.len() as u32).into();
			for voter in majority {
				slashed =
					slashed.saturating_add(T::Collateral::slash_collateral(provider, each, voter));
			}
		}
		slashed = slashed.saturating_add(T::Collateral::slash_collateral(
			provider,
			collateral.saturating_sub(slashed),
			&T::Treasury::get(),
		));
		T::Collateral::record_outcome(provider, &record.model, JobOutcome::LostDispute);
		let refunded = Self::release_escrow(&record.owner, record.escrow);
		Prompts::<T>::remove(job);
		Outputs::<T>::remove(job);
		Self::retain(job, now);
		record.status =
			JobStatus::Slashed { provider: provider.clone(), slashed, refunded, at: now };
		Self::deposit_event(Event::ProviderSlashed {
			job,
			provider: provider.clone(),
			slashed,
			refunded,
		});
	}

	/// Gives a challenger's bond (or what is left of it) back to its free balance.
	fn return_bond(challenger: &T::AccountId, amount: BalanceOf<T>) {
		if let Err(error) = T::Currency::release(
			&HoldReason::ChallengeBond.into(),
			challenger,
			amount,
			Precision::BestEffort,
		) {
			polkadot_sdk::frame_support::defensive!(error, "a best-effort release cannot fail");
		}
	}

	/// Pays `amount` of a wrong challenger's bond to the majority voters in equal parts; returns
	/// what moved.
	fn share_bond(
		challenger: &T::AccountId,
		amount: BalanceOf<T>,
		voters: &[T::AccountId],
	) -> BalanceOf<T> {
		if voters.is_empty() {
			return Zero::zero();
		}
		let each = amount / (voters.len() as u32).into();
		voters.iter().fold(Zero::zero(), |moved: BalanceOf<T>, voter| {
			moved.saturating_add(Self::pay_bond(challenger, voter, each))
		})
	}

	/// Moves `amount` of `challenger`'s held bond to `to`; returns what moved. Forced, like escrow:
	/// the challenger's later freezes and locks cannot keep a bond it lost. What cannot move (e.g.
	/// below a new account's minimum) goes back to the challenger.
	fn pay_bond(
		challenger: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return Zero::zero();
		}
		T::Currency::transfer_on_hold(
			&HoldReason::ChallengeBond.into(),
			challenger,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| {
			Self::return_bond(challenger, amount);
			Zero::zero()
		})
	}
}
