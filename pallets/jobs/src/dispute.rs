//! Challenges, audits, committee votes and verdicts.
//!
//! The committee is drawn **uniformly** from the providers offering the job's model, excluding
//! the provider, the challenger and the user, among those with `VoteBond` of free collateral.
//! Uniform rather than stake-weighted: stake weighting would let one large holder fill most
//! committees and decide disputes alone, while each seat already costs `MinProviderStake` plus the
//! vote bond, which prices out cheap sybils. When fewer providers are eligible than
//! `CommitteeSize`, all of them sit; when none is, the dispute ends at once without quorum.
//!
//! A verdict needs a quorum: more than half of the committee must reveal, and one verdict must
//! have strictly more votes than the other.

use super::*;
use faithful_primitives::{jobs::vote_commitment, providers::JobOutcome};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			tokens::{Fortitude, Precision, Restriction},
			Get,
		},
	},
	sp_core::H256,
	sp_runtime::traits::{Saturating, Zero},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_challenge(challenger: T::AccountId, job: JobId) -> DispatchResult {
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Proposed { provider, challenge_until, .. } = &record.status else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		ensure!(
			frame_system::Pallet::<T>::block_number() <= *challenge_until,
			Error::<T>::NotChallengeable
		);
		ensure!(challenger != *provider, Error::<T>::ProviderCannotChallenge);
		let bond = T::ChallengeBond::get();
		T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Self::open_dispute(job, record, Some((challenger, bond)))
	}

	/// Whether the chain audits `job`'s result: a draw below its `audit_rate` from chain
	/// randomness.
	pub(crate) fn is_audited(job: JobId, attempt: u32, audit_rate: Perbill) -> bool {
		let random = Self::random(b"faithful/audit", job, attempt);
		let draw = u32::from_le_bytes(random[..4].try_into().expect("32 bytes have 4"));
		// Parts per billion: a uniform draw in [0, 10^9).
		draw % 1_000_000_000 < audit_rate.deconstruct()
	}

	/// Moves a proposed `record` into `Disputed`, draws its committee and locks their vote bonds,
	/// and queues the verdict. Changes nothing when it fails.
	pub(crate) fn open_dispute(
		job: JobId,
		mut record: JobOf<T>,
		challenger: Option<(T::AccountId, BalanceOf<T>)>,
	) -> DispatchResult {
		let JobStatus::Proposed {
			provider,
			price_per_token,
			collateral,
			n_tokens,
			finish,
			commitment,
			challenge_until,
		} = record.status.clone()
		else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		let vote_bond = T::VoteBond::get();
		let members = Self::draw_committee(job, &record, &provider, challenger.as_ref());
		// An audit nobody can carry out would only cut the challenge window short (and prune the
		// output before the user has read it).
		ensure!(!members.is_empty() || challenger.is_some(), Error::<T>::NoCommittee);
		let commit_until = now.saturating_add(T::CommitPhase::get());
		Self::unschedule(job, challenge_until);
		let reveal_until = if members.is_empty() {
			now
		} else {
			let reveal_until = commit_until.saturating_add(T::RevealPhase::get());
			Self::schedule(job, reveal_until);
			reveal_until
		};
		let mut committee = BoundedVec::<_, T::CommitteeSize>::new();
		for member in members {
			if T::Collateral::lock_collateral(&member, vote_bond).is_ok() {
				if committee.try_push((member, Vote::Pending)).is_err() {
					polkadot_sdk::frame_support::defensive!(
						"`draw_committee` returns at most `CommitteeSize` members"
					);
				}
			}
		}
		record.status = JobStatus::Disputed {
			provider,
			price_per_token,
			collateral,
			n_tokens,
			finish,
			commitment,
			since: now,
		};
		Self::deposit_event(Event::JobDisputed {
			job,
			challenger: challenger.as_ref().map(|(who, _)| who.clone()),
			committee: committee.iter().map(|(who, _)| who.clone()).collect(),
			commit_until,
			reveal_until,
		});
		let dispute = Dispute { challenger, committee, vote_bond, commit_until, reveal_until };
		if dispute.committee.is_empty() {
			Self::unschedule(job, reveal_until);
			Self::resolve(job, &mut record, dispute);
		} else {
			Disputes::<T>::insert(job, dispute);
		}
		Jobs::<T>::insert(job, record);
		Ok(())
	}

	/// Up to `CommitteeSeats` providers of the job's model, drawn uniformly without replacement,
	/// none of them a party to the job and each with `VoteBond` of free collateral.
	fn draw_committee(
		job: JobId,
		record: &JobOf<T>,
		provider: &T::AccountId,
		challenger: Option<&(T::AccountId, BalanceOf<T>)>,
	) -> alloc::vec::Vec<T::AccountId> {
		let vote_bond = T::VoteBond::get();
		let mut eligible: alloc::vec::Vec<T::AccountId> = T::Offers::offers(&record.model)
			.into_iter()
			.map(|(who, _)| who)
			.filter(|who| {
				who != provider
					&& *who != record.owner
					&& challenger.is_none_or(|(challenger, _)| who != challenger)
					&& T::Collateral::free_collateral(who) >= vote_bond
			})
			.collect();
		let size = (Self::committee_seats() as usize).min(eligible.len());
		for seat in 0..size {
			let random = Self::random(b"faithful/committee", job, seat as u32);
			let draw = u64::from_le_bytes(random[..8].try_into().expect("32 bytes have 8"));
			let pick = seat + (draw % (eligible.len() - seat) as u64) as usize;
			eligible.swap(seat, pick);
		}
		eligible.truncate(size);
		eligible
	}

	pub(crate) fn do_commit_vote(
		voter: T::AccountId,
		job: JobId,
		commitment: H256,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		Disputes::<T>::try_mutate(job, |entry| {
			let dispute = entry.as_mut().ok_or(Error::<T>::NotDisputed)?;
			ensure!(now <= dispute.commit_until, Error::<T>::CommitPhaseOver);
			let (_, vote) = dispute
				.committee
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
			ensure!(now > dispute.commit_until, Error::<T>::RevealPhaseNotOpen);
			ensure!(now <= dispute.reveal_until, Error::<T>::RevealPhaseOver);
			let (_, vote) = dispute
				.committee
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

	/// Ends a disputed job after its reveal phase: counts the votes, frees or forfeits the
	/// members' vote bonds, and slashes the provider or settles the result.
	pub(crate) fn resolve(job: JobId, record: &mut JobOf<T>, dispute: DisputeOf<T>) {
		let JobStatus::Disputed { provider, price_per_token, collateral, n_tokens, .. } =
			record.status.clone()
		else {
			return;
		};
		let count = |wanted| {
			dispute.committee.iter().filter(|(_, v)| *v == Vote::Revealed(wanted)).count() as u32
		};
		let (valid, invalid) = (count(Verdict::Valid), count(Verdict::Invalid));
		let quorum = 2 * (valid + invalid) as usize > dispute.committee.len() && valid != invalid;
		let outcome = match (quorum, invalid > valid) {
			(false, _) => DisputeOutcome::NoQuorum,
			(true, true) => DisputeOutcome::ProviderWrong,
			(true, false) => DisputeOutcome::ResultUpheld,
		};
		let majority_verdict = if invalid > valid { Verdict::Invalid } else { Verdict::Valid };
		let mut majority = alloc::vec::Vec::new();
		let mut revealed = alloc::vec::Vec::new();
		for (member, vote) in dispute.committee.iter() {
			match vote {
				Vote::Revealed(verdict) => {
					T::Collateral::release_collateral(member, dispute.vote_bond);
					revealed.push(member.clone());
					if quorum && *verdict == majority_verdict {
						majority.push(member.clone());
					}
				}
				Vote::Pending | Vote::Committed(_) => {
					let slashed = T::Collateral::slash_collateral(
						member,
						dispute.vote_bond,
						&T::Treasury::get(),
					);
					T::Collateral::release_collateral(
						member,
						dispute.vote_bond.saturating_sub(slashed),
					);
					Self::deposit_event(Event::VoterPenalized {
						job,
						voter: member.clone(),
						slashed,
					});
				}
			}
		}
		Self::deposit_event(Event::DisputeResolved { job, outcome, valid, invalid });
		match outcome {
			DisputeOutcome::ProviderWrong => {
				Self::slash_provider(job, record, &provider, collateral, &dispute, &majority);
			}
			DisputeOutcome::ResultUpheld => {
				if let Some((challenger, bond)) = &dispute.challenger {
					let to_voters = record.terms.bond_to_voters.mul_floor(*bond);
					let shared = Self::share_bond(challenger, to_voters, &majority);
					Self::pay_bond(challenger, &provider, bond.saturating_sub(shared));
				}
				Self::pay_out(
					job,
					record,
					&provider,
					price_per_token,
					collateral,
					n_tokens,
					&majority,
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
					&revealed,
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
		T::Collateral::record_outcome(provider, JobOutcome::LostDispute);
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
