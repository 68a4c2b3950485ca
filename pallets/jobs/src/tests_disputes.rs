//! Challenges, audits, committee votes and verdicts, with the exact balance of every party.

use crate::{mock::*, Disputes, Error, Event, Jobs as JobsStorage, Vote};
use crate::{DisputeOutcome, JobStatus};
use faithful_primitives::{
	jobs::{vote_commitment, FinishReason, Verdict},
	parameters::{AUDIT_RATE, BOND_MULTIPLE},
};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, InspectHold},
	},
	sp_core::H256,
	sp_runtime::Perbill,
};

const PRICE: u128 = 10;
const STAKE: u128 = 10_000;
/// A challenger who is not a provider.
const CHALLENGER: u64 = P5;
/// Escrow of an 8-token job at `PRICE`: 80 plus the 10 % verification fee.
const ESCROW: u128 = 88;
/// Collateral of an 8-token job at `PRICE` with the mock's bond multiple of 2.
const COLLATERAL: u128 = 160;

fn free(who: u64) -> u128 {
	Balances::balance(&who)
}

fn bond_of(who: u64) -> u128 {
	Balances::balance_on_hold(&crate::HoldReason::ChallengeBond.into(), &who)
}

fn status(job: u64) -> JobStatus<u64, u128, u64> {
	JobsStorage::<Test>::get(job).unwrap().status
}

fn salt(who: u64) -> [u8; 32] {
	[who as u8; 32]
}

/// P1 serves `MODEL` at `PRICE`; P2, P3 and P4 offer it too expensively to be routed to, so they
/// only sit on committees. Returns a job P1 has answered.
fn answered_job() -> u64 {
	provider(P1, STAKE, PRICE, 4);
	for p in [P2, P3, P4] {
		provider(p, STAKE, 1_000, 4);
	}
	let job = submit(8, PRICE);
	assert_ok!(Jobs::submit_result(
		RuntimeOrigin::signed(P1),
		job,
		b"Paris".to_vec(),
		(0..5).collect(),
		FinishReason::Eos,
		H256::repeat_byte(9),
	));
	job
}

/// `who` challenges `job`, and the next block draws the jury.
fn challenge_by(who: u64, job: u64) {
	assert_ok!(Jobs::challenge(RuntimeOrigin::signed(who), job));
	run_to(System::block_number() + 1);
}

fn committee(job: u64) -> Vec<u64> {
	Disputes::<Test>::get(job).unwrap().committee().iter().map(|juror| juror.who).collect()
}

fn commit(job: u64, who: u64, verdict: Verdict) {
	let hash = vote_commitment(job, &who, verdict, &salt(who));
	assert_ok!(Jobs::commit_vote(RuntimeOrigin::signed(who), job, hash));
}

fn reveal(job: u64, who: u64, verdict: Verdict) {
	assert_ok!(Jobs::reveal_vote(RuntimeOrigin::signed(who), job, verdict, salt(who)));
}

/// Each member commits and reveals its verdict (`None`: it stays silent), then the count passes
/// and, if unappealed, the first round's verdict stands.
fn vote(job: u64, verdicts: &[(u64, Option<Verdict>)]) {
	for (who, verdict) in verdicts {
		if let Some(verdict) = verdict {
			commit(job, *who, *verdict);
		}
	}
	let dispute = Disputes::<Test>::get(job).unwrap();
	run_to(dispute.phases().unwrap().0 + 1);
	for (who, verdict) in verdicts {
		if let Some(verdict) = verdict {
			reveal(job, *who, *verdict);
		}
	}
	run_to(dispute.phases().unwrap().1 + 1);
	let_stand(job);
}

/// Lets a first round's verdict stand: its appeal window passes without an appeal.
fn let_stand(job: u64) {
	if let Some(crate::Jury::Decided { appeal_until, .. }) =
		Disputes::<Test>::get(job).map(|dispute| dispute.jury)
	{
		run_to(appeal_until + 1);
	}
}

#[test]
fn a_challenge_holds_the_bond_and_draws_a_committee_of_other_providers() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		challenge_by(CHALLENGER, job);
		assert_eq!(bond_of(CHALLENGER), CHALLENGE_BOND);
		let mut members = committee(job);
		members.sort();
		assert_eq!(members, vec![P2, P3, P4]);
		for p in [P2, P3, P4] {
			assert_eq!(locked_of(p), VOTE_BOND);
		}
		// Drawn in block 2, the block after the challenge.
		let dispute = Disputes::<Test>::get(job).unwrap();
		assert_eq!(dispute.phases().unwrap().0, 2 + COMMIT_PHASE);
		assert_eq!(dispute.phases().unwrap().1, 2 + COMMIT_PHASE + REVEAL_PHASE);
		assert!(matches!(status(job), JobStatus::Disputed { since: 1, .. }));
		// The window's end no longer settles it; the verdict does.
		assert!(!crate::Due::<Test>::contains_key(1 + CHALLENGE_WINDOW + 1, job));
		assert!(crate::Due::<Test>::contains_key(dispute.phases().unwrap().1 + 1, job));
	});
}

#[test]
fn bad_challenges_are_refused() {
	new_test_ext().execute_with(|| {
		provider(P1, STAKE, PRICE, 4);
		let assigned = submit(8, PRICE);
		let challenge = |who, job| Jobs::challenge(RuntimeOrigin::signed(who), job);
		assert_noop!(challenge(CHALLENGER, 42), Error::<Test>::UnknownJob);
		assert_noop!(challenge(CHALLENGER, assigned), Error::<Test>::NotChallengeable);
		assert_ok!(Jobs::submit_result(
			RuntimeOrigin::signed(P1),
			assigned,
			b"x".to_vec(),
			vec![1],
			FinishReason::Eos,
			H256::zero(),
		));
		assert_noop!(challenge(P1, assigned), Error::<Test>::ProviderCannotChallenge);
		assert_noop!(challenge(POOR, assigned), Error::<Test>::InsufficientBalance);
		System::set_block_number(2 + CHALLENGE_WINDOW);
		assert_noop!(challenge(CHALLENGER, assigned), Error::<Test>::NotChallengeable);
	});
}

#[test]
fn a_job_is_disputed_at_most_once() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		challenge_by(CHALLENGER, job);
		assert_noop!(
			Jobs::challenge(RuntimeOrigin::signed(USER), job),
			Error::<Test>::NotChallengeable
		);
	});
}

#[test]
fn bad_votes_are_refused() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		let hash = vote_commitment(job, &P2, Verdict::Invalid, &salt(P2));
		let commit_as = |who| Jobs::commit_vote(RuntimeOrigin::signed(who), job, hash);
		let reveal_as =
			|who, verdict, salt| Jobs::reveal_vote(RuntimeOrigin::signed(who), job, verdict, salt);
		assert_noop!(commit_as(P2), Error::<Test>::NotDisputed);
		assert_ok!(Jobs::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		// No jury before the draw.
		assert_noop!(commit_as(P2), Error::<Test>::NotOnCommittee);
		run_to(2);
		assert_noop!(commit_as(USER), Error::<Test>::NotOnCommittee);
		assert_noop!(reveal_as(P2, Verdict::Invalid, salt(P2)), Error::<Test>::RevealPhaseNotOpen);
		assert_ok!(commit_as(P2));
		assert_noop!(commit_as(P2), Error::<Test>::AlreadyVoted);
		System::set_block_number(3 + COMMIT_PHASE);
		assert_noop!(commit_as(P3), Error::<Test>::CommitPhaseOver);
		assert_noop!(reveal_as(P3, Verdict::Invalid, salt(P3)), Error::<Test>::NotCommitted);
		assert_noop!(reveal_as(P2, Verdict::Valid, salt(P2)), Error::<Test>::CommitMismatch);
		assert_noop!(reveal_as(P2, Verdict::Invalid, [0; 32]), Error::<Test>::CommitMismatch);
		assert_ok!(reveal_as(P2, Verdict::Invalid, salt(P2)));
		System::set_block_number(3 + COMMIT_PHASE + REVEAL_PHASE);
		assert_noop!(reveal_as(P3, Verdict::Invalid, salt(P3)), Error::<Test>::RevealPhaseOver);
	});
}

#[test]
fn a_provider_found_wrong_is_slashed_and_the_user_refunded_in_full() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		let (user, challenger, treasury) = (free(USER), free(CHALLENGER), free(TREASURY));
		let voters: Vec<u128> = [P2, P3, P4].iter().map(|p| free(*p)).collect();
		challenge_by(CHALLENGER, job);
		vote(
			job,
			&[
				(P2, Some(Verdict::Invalid)),
				(P3, Some(Verdict::Invalid)),
				(P4, Some(Verdict::Valid)),
			],
		);

		// 160 collateral: 80 to the challenger, 25 % (40) split by the two majority voters, the
		// remaining 40 to the treasury, with the minority's vote bond.
		assert_eq!(free(USER), user + ESCROW);
		assert_eq!(free(CHALLENGER), challenger + 80);
		assert_eq!(bond_of(CHALLENGER), 0);
		assert_eq!(free(P2), voters[0] + 20);
		assert_eq!(free(P3), voters[1] + 20);
		assert_eq!(free(P4), voters[2], "the minority gets nothing");
		assert_eq!(pallet_providers::Providers::<Test>::get(P4).unwrap().stake, STAKE - VOTE_BOND);
		assert_eq!(free(TREASURY), treasury + 40 + VOTE_BOND);
		let p1 = pallet_providers::Providers::<Test>::get(P1).unwrap();
		assert_eq!((p1.stake, p1.locked), (STAKE - COLLATERAL, 0));
		for p in [P2, P3, P4] {
			assert_eq!(locked_of(p), 0);
		}
		assert_eq!(
			status(job),
			JobStatus::Slashed {
				provider: P1,
				slashed: COLLATERAL,
				refunded: ESCROW,
				at: 10 + COMMIT_PHASE,
			}
		);
		assert!(Disputes::<Test>::get(job).is_none());
		System::assert_has_event(
			Event::DisputeResolved {
				job,
				outcome: DisputeOutcome::ProviderWrong,
				valid: 1,
				invalid: 2,
			}
			.into(),
		);
	});
}

#[test]
fn a_wrong_challenger_pays_the_provider_and_the_voters_and_the_job_settles() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		let (user, challenger, provider, treasury) =
			(free(USER), free(CHALLENGER), free(P1), free(TREASURY));
		let voters: Vec<u128> = [P2, P3, P4].iter().map(|p| free(*p)).collect();
		challenge_by(CHALLENGER, job);
		vote(
			job,
			&[(P2, Some(Verdict::Valid)), (P3, Some(Verdict::Valid)), (P4, Some(Verdict::Valid))],
		);

		// Bond 50: half (25) to the three voters, 8 each; the other 26 to the provider.
		// Job: 5 tokens × 10 = 50, 5 % protocol fee = 2; verification fee 8 split 2 each among
		// the voters, the 2 left to the treasury.
		assert_eq!(free(CHALLENGER), challenger - CHALLENGE_BOND);
		assert_eq!(free(P1), provider + 26 + 48);
		for (p, before) in [P2, P3, P4].iter().zip(voters) {
			assert_eq!(free(*p), before + 8 + 2);
		}
		assert_eq!(free(USER), user + ESCROW - 50 - 8);
		assert_eq!(free(TREASURY), treasury + 2 + 2);
		assert!(matches!(status(job), JobStatus::Finalized { paid: 48, .. }));
		assert_eq!(locked_of(P1), 0);
	});
}

#[test]
fn without_a_revealed_vote_in_any_round_the_result_stands_and_silent_members_lose_their_bonds() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		let (challenger, treasury) = (free(CHALLENGER), free(TREASURY));
		challenge_by(CHALLENGER, job);
		// P3 commits but never reveals; the others never vote.
		commit(job, P3, Verdict::Invalid);
		vote(job, &[(P2, None), (P4, None)]);
		System::assert_has_event(
			Event::DisputeEscalated { job, round: 1, valid: 0, invalid: 0 }.into(),
		);
		run_to(System::block_number() + 1);
		vote(job, &[(P2, None), (P3, None), (P4, None)]);

		assert_eq!(free(CHALLENGER), challenger);
		assert_eq!(bond_of(CHALLENGER), 0);
		for p in [P2, P3, P4] {
			let info = pallet_providers::Providers::<Test>::get(p).unwrap();
			assert_eq!((info.stake, info.locked), (STAKE - 2 * VOTE_BOND, 0), "a bond per round");
		}
		// The protocol fee (2) and the verification fee nobody earned (8), with six vote bonds.
		assert_eq!(free(TREASURY), treasury + 2 + 8 + 6 * VOTE_BOND);
		assert!(matches!(status(job), JobStatus::Finalized { .. }));
		System::assert_has_event(
			Event::DisputeResolved { job, outcome: DisputeOutcome::NoQuorum, valid: 0, invalid: 0 }
				.into(),
		);
	});
}

#[test]
fn a_tie_in_the_last_round_is_no_quorum() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		challenge_by(CHALLENGER, job);
		vote(job, &[(P2, Some(Verdict::Invalid)), (P3, Some(Verdict::Valid)), (P4, None)]);
		run_to(System::block_number() + 1);
		assert_eq!(Disputes::<Test>::get(job).unwrap().round, 1);
		vote(job, &[(P2, Some(Verdict::Invalid)), (P3, Some(Verdict::Valid)), (P4, None)]);
		assert!(matches!(status(job), JobStatus::Finalized { .. }));
	});
}

#[test]
fn with_fewer_eligible_providers_the_committee_shrinks() {
	new_test_ext().execute_with(|| {
		provider(P1, STAKE, PRICE, 4);
		provider(P2, STAKE, 1_000, 4);
		let job = submit(8, PRICE);
		assert_ok!(Jobs::submit_result(
			RuntimeOrigin::signed(P1),
			job,
			b"x".to_vec(),
			vec![1, 2],
			FinishReason::Eos,
			H256::zero(),
		));
		// The user challenges its own job; it cannot sit on the committee either way.
		challenge_by(USER, job);
		assert_eq!(committee(job), vec![P2]);
		vote(job, &[(P2, Some(Verdict::Invalid))]);
		assert!(matches!(status(job), JobStatus::Slashed { .. }));
	});
}

#[test]
fn with_nobody_to_judge_a_challenge_ends_at_once_and_the_result_stands() {
	new_test_ext().execute_with(|| {
		provider(P1, STAKE, PRICE, 4);
		let job = submit(8, PRICE);
		assert_ok!(Jobs::submit_result(
			RuntimeOrigin::signed(P1),
			job,
			b"x".to_vec(),
			vec![1, 2],
			FinishReason::Eos,
			H256::zero(),
		));
		let challenger = free(CHALLENGER);
		challenge_by(CHALLENGER, job);
		assert!(matches!(status(job), JobStatus::Finalized { .. }));
		assert_eq!(free(CHALLENGER), challenger, "bond returned");
		assert!(Disputes::<Test>::get(job).is_none());
		let queued: Vec<u64> = crate::Due::<Test>::iter_keys()
			.filter(|(_, id)| *id == job)
			.map(|(at, _)| at)
			.collect();
		assert_eq!(queued, vec![2 + JOB_RETENTION + 1], "only its record's expiry");
	});
}

#[test]
fn an_audited_result_is_judged_without_a_challenger() {
	new_test_ext().execute_with(|| {
		AuditRate::set(Perbill::one());
		let job = answered_job();
		assert!(Disputes::<Test>::get(job).is_none(), "drawn next block");
		run_to(2);
		let dispute = Disputes::<Test>::get(job).expect("audited");
		assert!(dispute.challenger.is_none());
		assert_eq!(dispute.committee().len(), 3);
		assert!(dispute.committee().iter().all(|juror| juror.vote == Vote::Pending));
		let treasury = free(TREASURY);
		vote(
			job,
			&[
				(P2, Some(Verdict::Invalid)),
				(P3, Some(Verdict::Invalid)),
				(P4, Some(Verdict::Invalid)),
			],
		);
		// No challenger: its 80 goes to the treasury with the 160 − 80 − 39 left after the
		// voters' 13 each.
		assert_eq!(free(TREASURY), treasury + 80 + 41);
		assert!(matches!(status(job), JobStatus::Slashed { .. }));
	});
}

#[test]
fn fewer_governed_seats_draw_a_smaller_committee() {
	new_test_ext().execute_with(|| {
		CommitteeSeats::set(2);
		let job = answered_job();
		challenge_by(CHALLENGER, job);
		assert_eq!(committee(job).len(), 2, "three providers were eligible");
	});
}

#[test]
fn an_audit_nobody_can_judge_leaves_the_result_open_to_challenges() {
	new_test_ext().execute_with(|| {
		AuditRate::set(Perbill::one());
		provider(P1, STAKE, PRICE, 4);
		let job = submit(8, PRICE);
		assert_ok!(Jobs::submit_result(
			RuntimeOrigin::signed(P1),
			job,
			b"Paris".to_vec(),
			(0..5).collect(),
			FinishReason::Eos,
			H256::zero(),
		));
		run_to(2);
		assert!(matches!(status(job), JobStatus::Proposed { .. }));
		assert!(Disputes::<Test>::get(job).is_none());
		assert!(crate::Due::<Test>::contains_key(1 + CHALLENGE_WINDOW + 1, job));
		assert!(crate::Outputs::<Test>::get(job).is_some(), "the user can still read the answer");
	});
}

#[test]
fn audits_follow_the_audit_rate() {
	new_test_ext().execute_with(|| {
		let rate = Perbill::from_percent(30);
		let audited = (0..1_000u64).filter(|job| Jobs::is_audited(*job, 1, rate)).count();
		assert!((250..350).contains(&audited), "{audited} of 1000 audited at 30 %");
		assert!((0..1_000u64).all(|job| !Jobs::is_audited(job, 1, Perbill::zero())));
	});
}

#[test]
fn stake_cannot_start_unbonding_while_a_served_job_is_disputed() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		challenge_by(CHALLENGER, job);
		for p in [P1, P2] {
			assert_noop!(
				Providers::unbond(RuntimeOrigin::signed(p), 100),
				pallet_providers::Error::<Test>::JobsInFlight
			);
		}
	});
}

#[test]
fn anyone_can_resolve_an_overdue_dispute() {
	new_test_ext().execute_with(|| {
		let job = answered_job();
		assert_ok!(Jobs::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		let finish = || Jobs::finish(RuntimeOrigin::signed(POOR), job);
		assert_noop!(finish(), Error::<Test>::DrawPending);
		run_to(2);
		assert_noop!(finish(), Error::<Test>::NotOverdue);
		// Nobody votes: the first round's end escalates, the second's ends the dispute.
		for round in 0..crate::DISPUTE_ROUNDS {
			let (_, reveal_until) = Disputes::<Test>::get(job).unwrap().phases().unwrap();
			run_to(reveal_until);
			System::set_block_number(reveal_until + 1);
			assert_ok!(finish());
			if round + 1 < crate::DISPUTE_ROUNDS {
				assert_noop!(finish(), Error::<Test>::DrawPending);
				run_to(System::block_number() + 1);
			}
		}
		assert!(matches!(status(job), JobStatus::Finalized { .. }));
	});
}

/// With the default parameters, lying is a losing business. A lie earns at most the job's value
/// `v` (n tokens × price, less the protocol fee); each result is audited with probability
/// `AUDIT_RATE` (20 %), and an audit that finds the lie takes the whole collateral,
/// `BOND_MULTIPLE × v` (10 v). So the expected result of one lie is at most
/// `v − AUDIT_RATE × BOND_MULTIPLE × v = v − 2 v < 0`, before any challenger joins in.
/// The test runs 100 lying jobs with honest committees and checks the provider ends poorer.
#[test]
fn a_provider_that_lies_in_many_jobs_loses_more_than_it_earns() {
	assert!(AUDIT_RATE * (BOND_MULTIPLE as u128 * 1_000) > 1_000, "the inequality itself");
	new_test_ext().execute_with(|| {
		AuditRate::set(AUDIT_RATE);
		BondMultiple::set(BOND_MULTIPLE);
		provider(P1, 100_000, PRICE, 4);
		for p in [P2, P3, P4] {
			provider(p, STAKE, 1_000, 4);
		}
		let start = free(P1) + pallet_providers::Providers::<Test>::get(P1).unwrap().stake;
		let (mut audits, mut earned) = (0, 0u128);
		for _ in 0..100 {
			let job = submit(8, PRICE);
			assert_ok!(Jobs::submit_result(
				RuntimeOrigin::signed(P1),
				job,
				b"a plausible lie".to_vec(),
				(0..8).collect(),
				FinishReason::Length,
				H256::zero(),
			));
			run_to(System::block_number() + 1);
			if Disputes::<Test>::get(job).is_some() {
				audits += 1;
				let members = committee(job);
				let verdicts: Vec<_> =
					members.iter().map(|m| (*m, Some(Verdict::Invalid))).collect();
				vote(job, &verdicts);
			} else {
				run_to(System::block_number() + CHALLENGE_WINDOW + 1);
				let JobStatus::Finalized { paid, .. } = status(job) else { panic!("settled") };
				earned += paid;
			}
		}
		let end = free(P1) + pallet_providers::Providers::<Test>::get(P1).unwrap().stake;
		assert!(audits > 5, "{audits} audits");
		// Net of everything it earned, the liar lost stake: slashes exceeded earnings.
		assert!(earned > 0);
		assert!(end < start, "lying paid: {start} → {end} after {audits} audits, earning {earned}");
	});
}
