//! Challenges, audits, juries, votes and verdicts.
//!
//! **Draw after commit.** Whether a result is audited and who judges it are drawn at the start of
//! a block after the one that made them due: the audit of a result delivered in block `n`, and
//! the jury of a challenge sent in block `n`, are drawn in block `n + 1` or later, from chain
//! randomness (the VRF output of the drawing block) that did not exist when the provider or the
//! challenger signed. Nobody can trigger a draw at a moment of its choosing: `finish` refuses a
//! job whose draw is pending. What remains is the author of the drawing block, who knows its VRF
//! output before it publishes: it can withhold the block and lose its reward (the next author
//! draws afresh), or, authoring block `n` too, leave the result out of it. Either way it only
//! re-rolls a draw once per block it authors, never sets it.
//!
//! **Juries follow stake.** Seats are drawn without replacement with probability proportional to
//! each eligible juror's free collateral, among the providers offering or verifying the job's
//! model (`Providers.verify`: staked, holding the file, taking no jobs) that are not a party to
//! it and hold a `VoteBond` of free collateral: splitting stake over many accounts buys no
//! seats. The first round seats `CommitteeSeats`; the last round seats every eligible juror
//! (`CommitteeSize` has room for every offer and verifier of a model).
//!
//! **Verdicts.** The revealed votes decide by strict majority of weight, each juror's weight being
//! its free collateral when drawn, so a cartel's votes count for its stake however it splits it.
//! The first round's verdict stands unless someone appeals it within `CommitPhase` blocks,
//! holding `ChallengeBond`; a first round without a majority (a tie, or nobody revealed) goes on
//! by itself. The last round seats every eligible juror and its count is final: a cartel short of
//! half the eligible stake cannot win it. When the dispute ends, every juror of every round that revealed the final verdict gets
//! its bond back and a share of the rewards by weight; every other juror (the silent, and those
//! who voted the other way) loses its vote bond to the treasury. An appellant the last round
//! proves wrong loses its bond to those jurors. A last round without a majority leaves an
//! appealed verdict standing (the appeal overturned nothing); only a dispute that never found a
//! verdict leaves the result standing for want of one (`NoQuorum`).

use super::*;
use faithful_primitives::{
	jobs::{draw_below, vote_commitment, DrawPurpose},
	providers::JobOutcome,
	routing::pick,
};
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
use types::{Committee, Juror, Jury};

/// Rounds a dispute may take: the first jury of `CommitteeSeats`, and the last of every eligible
/// juror, drawn after a first round without a majority or an appeal of its verdict.
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
		draw_below(&Self::random(DrawPurpose::Audit, job, attempt), audit_rate)
	}

	/// The audit draw of a result delivered in an earlier block: an audited result is disputed
	/// with a jury drawn from the same fresh randomness; any other, or one nobody is eligible to
	/// judge (an audit nobody can carry out would only cut the challenge window short), waits for
	/// its window's end.
	pub(crate) fn draw_audit(job: JobId, record: JobOf<T>) {
		let JobStatus::Proposed { provider, challenge_until, .. } = &record.status else {
			return;
		};
		let attempt = record.attempts.len() as u32;
		let judged = Self::is_audited(job, attempt, record.terms.audit_rate)
			&& !Self::draw_committee(job, &record, provider, None, 0).is_empty();
		if !judged {
			Self::schedule(job, *challenge_until);
			return;
		}
		let mut record = Self::dispute_opened(job, record, None);
		Self::seat_jury(job, &mut record);
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
		let dispute = Dispute {
			challenger,
			appeal: None,
			vote_bond: T::VoteBond::get(),
			round: 0,
			earlier: Default::default(),
			jury: Jury::Drawing,
		};
		Disputes::<T>::insert(job, dispute);
		Jobs::<T>::insert(job, &record);
		record
	}

	/// Draws the jury of `job`'s dispute for its current round, locks the jurors' vote bonds and
	/// queues the round's count. With nobody eligible, the dispute ends at once without a verdict.
	/// Returns whether it drew (`false` only for a job with no open dispute).
	pub(crate) fn seat_jury(job: JobId, record: &mut JobOf<T>) -> bool {
		let Some(mut dispute) = Disputes::<T>::get(job) else { return false };
		let JobStatus::Disputed { provider, .. } = &record.status else { return false };
		let now = frame_system::Pallet::<T>::block_number();
		let members =
			Self::draw_committee(job, record, provider, dispute.challenger.as_ref(), dispute.round);
		let mut committee = Committee::<T::AccountId, BalanceOf<T>, T::CommitteeSize>::new();
		for who in members {
			let weight = T::Collateral::free_collateral(&who);
			if T::Collateral::lock_collateral(&who, dispute.vote_bond).is_ok()
				&& committee.try_push(Juror { who, weight, vote: Vote::Pending }).is_err()
			{
				polkadot_sdk::frame_support::defensive!(
					"`draw_committee` returns at most `CommitteeSize` members"
				);
			}
		}
		if committee.is_empty() {
			Disputes::<T>::remove(job);
			Self::conclude(job, record, dispute, None, (0, 0));
			Jobs::<T>::insert(job, &*record);
			return true;
		}
		let commit_until = now.saturating_add(T::CommitPhase::get());
		let reveal_until = commit_until.saturating_add(T::RevealPhase::get());
		Self::schedule(job, reveal_until);
		Self::deposit_event(Event::JobDisputed {
			job,
			challenger: dispute.challenger.as_ref().map(|(who, _)| who.clone()),
			committee: committee.iter().map(|juror| juror.who.clone()).collect(),
			commit_until,
			reveal_until,
		});
		dispute.jury = Jury::Seated { committee, commit_until, reveal_until };
		Disputes::<T>::insert(job, dispute);
		true
	}

	/// The accounts that could sit on a jury for `model` now, with their free collateral: the
	/// providers offering or verifying it that are not among `parties` (the provider, the user,
	/// a challenger) and hold `VoteBond` of free collateral.
	pub(crate) fn eligible_jurors<'a>(
		model: ModelId,
		parties: alloc::vec::Vec<&'a T::AccountId>,
	) -> impl Iterator<Item = (T::AccountId, u128)> + 'a {
		let vote_bond = T::VoteBond::get();
		T::Offers::offers(&model)
			.into_iter()
			.map(|(who, _)| who)
			.chain(T::Offers::verifiers(&model))
			.filter_map(move |who| {
				let free = T::Collateral::free_collateral(&who);
				(!parties.contains(&&who) && free >= vote_bond)
					.then(|| (who, free.saturated_into::<u128>()))
			})
	}

	/// Whether a first round of `CommitteeSeats` jurors could be drawn now for a job of `model`
	/// between `parties`: what a job with `Judging::Required` needs.
	pub(crate) fn can_seat_jury(model: ModelId, parties: alloc::vec::Vec<&T::AccountId>) -> bool {
		let seats = Self::committee_seats() as usize;
		Self::eligible_jurors(model, parties).take(seats).count() >= seats
	}

	/// The jury of `round` as the chain would draw it now, from the providers offering or
	/// verifying the job's model that are not a party to it and hold `VoteBond` of free
	/// collateral: in the first round `CommitteeSeats` of them, drawn without replacement with
	/// odds proportional to free collateral; in the last, all of them.
	pub(crate) fn draw_committee(
		job: JobId,
		record: &JobOf<T>,
		provider: &T::AccountId,
		challenger: Option<&(T::AccountId, BalanceOf<T>)>,
		round: u32,
	) -> alloc::vec::Vec<T::AccountId> {
		let (mut eligible, mut stakes): (alloc::vec::Vec<T::AccountId>, alloc::vec::Vec<u128>) =
			Self::eligible_jurors(
				record.model,
				[Some(provider), Some(&record.owner), challenger.map(|(who, _)| who)]
					.into_iter()
					.flatten()
					.collect(),
			)
			.unzip();
		if round > 0 {
			// The last round: everyone, so no share of the stake short of a majority can win it.
			return eligible;
		}
		let mut drawn = alloc::vec::Vec::new();
		for seat in 0..Self::committee_seats() {
			let random = Self::random(DrawPurpose::Committee, job, seat);
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
			let juror = committee
				.iter_mut()
				.find(|juror| juror.who == voter)
				.ok_or(Error::<T>::NotOnCommittee)?;
			ensure!(juror.vote == Vote::Pending, Error::<T>::AlreadyVoted);
			juror.vote = Vote::Committed(commitment);
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
			let juror = committee
				.iter_mut()
				.find(|juror| juror.who == voter)
				.ok_or(Error::<T>::NotOnCommittee)?;
			let Vote::Committed(commitment) = juror.vote else {
				return Err(Error::<T>::NotCommitted.into());
			};
			ensure!(
				vote_commitment(job, &voter, verdict, &salt) == commitment,
				Error::<T>::CommitMismatch
			);
			juror.vote = Vote::Revealed(verdict);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::VoteRevealed { job, voter, verdict });
		Ok(())
	}

	/// Appeals the first round's verdict during its appeal window, holding `ChallengeBond`: the
	/// last round, every eligible juror, is drawn at the start of the next block. Anyone may; the
	/// bond returns when the last round finds otherwise (or nothing) and is lost when it agrees.
	pub(crate) fn do_appeal(appellant: T::AccountId, job: JobId) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let mut dispute = Disputes::<T>::get(job).ok_or(Error::<T>::NotDisputed)?;
		let Jury::Decided { committee, verdict, appeal_until } =
			core::mem::replace(&mut dispute.jury, Jury::Drawing)
		else {
			return Err(Error::<T>::NotAppealable.into());
		};
		ensure!(now <= appeal_until, Error::<T>::NotAppealable);
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &appellant, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Self::unschedule(job, appeal_until);
		Self::schedule(job, now);
		dispute.appeal = Some((appellant.clone(), bond, verdict));
		dispute.earlier = committee;
		dispute.round = dispute.round.saturating_add(1);
		Disputes::<T>::insert(job, dispute);
		Self::deposit_event(Event::DisputeAppealed { job, appellant, verdict });
		Ok(())
	}

	/// Counts a round after its reveal phase, by weight of the revealed votes. The first round's
	/// majority stands unless appealed by the end of its appeal window (`CommitPhase` blocks); a
	/// first round without a majority (a tie, or nobody revealed) draws the last round next block;
	/// the last round's count is final.
	pub(crate) fn resolve(job: JobId, record: &mut JobOf<T>, mut dispute: DisputeOf<T>) {
		let now = frame_system::Pallet::<T>::block_number();
		let tally = |wanted| {
			dispute
				.committee()
				.iter()
				.filter(|j| j.vote == Vote::Revealed(wanted))
				.fold((0u32, 0u128), |(heads, weight), j| {
					(heads + 1, weight.saturating_add(j.weight.saturated_into()))
				})
		};
		let ((valid, valid_weight), (invalid, invalid_weight)) =
			(tally(Verdict::Valid), tally(Verdict::Invalid));
		let verdict = match valid_weight.cmp(&invalid_weight) {
			core::cmp::Ordering::Greater => Some(Verdict::Valid),
			core::cmp::Ordering::Less => Some(Verdict::Invalid),
			core::cmp::Ordering::Equal => None,
		};
		if dispute.round.saturating_add(1) >= DISPUTE_ROUNDS {
			return Self::conclude(job, record, dispute, verdict, (valid, invalid));
		}
		let Jury::Seated { committee, .. } = core::mem::replace(&mut dispute.jury, Jury::Drawing)
		else {
			return;
		};
		match verdict {
			Some(verdict) => {
				let appeal_until = now.saturating_add(T::CommitPhase::get());
				Self::schedule(job, appeal_until);
				Self::deposit_event(Event::RoundDecided {
					job,
					verdict,
					valid,
					invalid,
					appeal_until,
				});
				dispute.jury = Jury::Decided { committee, verdict, appeal_until };
			}
			None => {
				dispute.earlier = committee;
				dispute.round = dispute.round.saturating_add(1);
				Self::deposit_event(Event::DisputeEscalated {
					job,
					round: dispute.round,
					valid,
					invalid,
				});
				Self::schedule(job, now);
			}
		}
		Disputes::<T>::insert(job, dispute);
	}

	/// The first round's verdict after its appeal window passed unappealed.
	pub(crate) fn stand(job: JobId, record: &mut JobOf<T>, dispute: DisputeOf<T>) {
		let Jury::Decided { committee, verdict, .. } = &dispute.jury else { return };
		let count = |wanted| committee.iter().filter(|j| j.vote == Vote::Revealed(wanted)).count();
		let counts = (count(Verdict::Valid) as u32, count(Verdict::Invalid) as u32);
		let verdict = *verdict;
		Self::conclude(job, record, dispute, Some(verdict), counts);
	}

	/// Ends a dispute with its final `verdict`. A last round that finds none (silent, tied or with
	/// nobody eligible) leaves an appealed first round's verdict standing: an appeal must
	/// overturn a verdict, not merely erase it. Only a dispute that never had a verdict ends with
	/// `None`.
	/// Every juror of every round who revealed the verdict gets its bond back and a share of the
	/// rewards by weight; every other juror loses its bond (with no verdict, only the silent do).
	/// A wrong appellant's bond goes to those jurors, a right one's returns. Then the provider is
	/// slashed, or the result settles.
	fn conclude(
		job: JobId,
		record: &mut JobOf<T>,
		dispute: DisputeOf<T>,
		verdict: Option<Verdict>,
		(valid, invalid): (u32, u32),
	) {
		let JobStatus::Disputed { provider, price_per_token, collateral, n_tokens, .. } =
			record.status.clone()
		else {
			return;
		};
		let verdict = verdict.or(dispute.appeal.as_ref().map(|(_, _, appealed)| *appealed));
		let mut paid = alloc::vec::Vec::new();
		for juror in dispute.earlier.iter().chain(dispute.committee()) {
			let kept = match (juror.vote, verdict) {
				(Vote::Revealed(vote), Some(verdict)) => vote == verdict,
				(Vote::Revealed(_), None) => true,
				(Vote::Pending | Vote::Committed(_), _) => false,
			};
			if kept {
				T::Collateral::release_collateral(&juror.who, dispute.vote_bond);
				paid.push((juror.who.clone(), juror.weight));
			} else {
				Self::forfeit_vote_bond(job, &juror.who, dispute.vote_bond);
			}
		}
		if let Some((appellant, bond, appealed)) = &dispute.appeal {
			if verdict == Some(*appealed) {
				let shared = Self::share_bond(appellant, *bond, &paid);
				Self::pay_bond(appellant, &T::Treasury::get(), bond.saturating_sub(shared));
			} else {
				Self::return_bond(appellant, *bond);
			}
		}
		let outcome = match verdict {
			Some(Verdict::Invalid) => DisputeOutcome::ProviderWrong,
			Some(Verdict::Valid) => DisputeOutcome::ResultUpheld,
			None => DisputeOutcome::NoQuorum,
		};
		Self::deposit_event(Event::DisputeResolved { job, outcome, valid, invalid });
		match outcome {
			DisputeOutcome::ProviderWrong => {
				Self::slash_provider(job, record, &provider, collateral, &dispute, &paid);
			}
			DisputeOutcome::ResultUpheld => {
				if let Some((challenger, bond)) = &dispute.challenger {
					let to_voters = record.terms.bond_to_voters.mul_floor(*bond);
					let shared = Self::share_bond(challenger, to_voters, &paid);
					Self::pay_bond(challenger, &provider, bond.saturating_sub(shared));
				}
				Self::pay_out(job, record, &provider, price_per_token, collateral, n_tokens, &paid);
			}
			DisputeOutcome::NoQuorum => {
				if let Some((challenger, bond)) = &dispute.challenger {
					Self::return_bond(challenger, *bond);
				}
				Self::pay_out(job, record, &provider, price_per_token, collateral, n_tokens, &paid);
			}
		}
	}

	/// Takes `member`'s vote bond for the treasury.
	fn forfeit_vote_bond(job: JobId, member: &T::AccountId, bond: BalanceOf<T>) {
		let slashed = T::Collateral::slash_collateral(member, bond, &T::Treasury::get());
		T::Collateral::release_collateral(member, bond.saturating_sub(slashed));
		Self::deposit_event(Event::VoterPenalized { job, voter: member.clone(), slashed });
	}

	/// `amount` split among `voters` in proportion to their weights, rounded down.
	pub(crate) fn shares(
		amount: BalanceOf<T>,
		voters: &[(T::AccountId, BalanceOf<T>)],
	) -> alloc::vec::Vec<(T::AccountId, BalanceOf<T>)> {
		use polkadot_sdk::sp_runtime::{
			helpers_128bit::multiply_by_rational_with_rounding, Rounding,
		};
		let total = voters
			.iter()
			.fold(0u128, |sum, (_, weight)| sum.saturating_add((*weight).saturated_into()));
		if total == 0 {
			return alloc::vec::Vec::new();
		}
		let amount: u128 = amount.saturated_into();
		voters
			.iter()
			.map(|(who, weight)| {
				let share = multiply_by_rational_with_rounding(
					amount,
					(*weight).saturated_into(),
					total,
					Rounding::Down,
				)
				.unwrap_or(0);
				(who.clone(), share.saturated_into())
			})
			.collect()
	}

	/// Takes the whole job collateral from a lying provider: the challenger's reward, the
	/// majority voters' reward (by weight), and the rest to the treasury; refunds the user in
	/// full.
	fn slash_provider(
		job: JobId,
		record: &mut JobOf<T>,
		provider: &T::AccountId,
		collateral: BalanceOf<T>,
		dispute: &DisputeOf<T>,
		majority: &[(T::AccountId, BalanceOf<T>)],
	) {
		let now = frame_system::Pallet::<T>::block_number();
		let mut slashed = BalanceOf::<T>::zero();
		if let Some((challenger, bond)) = &dispute.challenger {
			Self::return_bond(challenger, *bond);
			let reward = record.terms.challenger_reward.mul_floor(collateral);
			slashed = slashed
				.saturating_add(T::Collateral::slash_collateral(provider, reward, challenger));
		}
		let reward = record.terms.voter_reward.mul_floor(collateral);
		for (voter, share) in Self::shares(reward, majority) {
			slashed =
				slashed.saturating_add(T::Collateral::slash_collateral(provider, share, &voter));
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

	/// Pays `amount` of a held bond to `voters` by weight; returns what moved.
	fn share_bond(
		challenger: &T::AccountId,
		amount: BalanceOf<T>,
		voters: &[(T::AccountId, BalanceOf<T>)],
	) -> BalanceOf<T> {
		Self::shares(amount, voters).into_iter().fold(
			Zero::zero(),
			|moved: BalanceOf<T>, (voter, share)| {
				moved.saturating_add(Self::pay_bond(challenger, &voter, share))
			},
		)
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
