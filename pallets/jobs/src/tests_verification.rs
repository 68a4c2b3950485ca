//! Attacks on verification: audits and juries, each named after the attack it proves harmless.

use crate::{mock::*, Disputes, JobStatus, Jobs as JobsStorage};
use faithful_primitives::jobs::{vote_commitment, FinishReason, Verdict};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
	sp_runtime::Perbill,
};

const PRICE: u128 = 10;
const STAKE: u128 = 10_000;

fn status(job: u64) -> JobStatus<u64, u128, u64> {
	JobsStorage::<Test>::get(job).unwrap().status
}

fn stake_of(who: u64) -> u128 {
	pallet_providers::Providers::<Test>::get(who).map(|p| p.stake).unwrap_or(0)
}

fn free_of(who: u64) -> u128 {
	use polkadot_sdk::frame_support::traits::fungible::Inspect;
	Balances::balance(&who)
}

fn answer(job: u64, provider: u64) {
	assert_ok!(Jobs::submit_result(
		RuntimeOrigin::signed(provider),
		job,
		b"Paris".to_vec(),
		(0..5).collect(),
		FinishReason::Eos,
		H256::repeat_byte(9),
	));
}

/// P1 serves `MODEL` at `PRICE`; `jurors` offer it too dearly to be routed to.
fn market(jurors: &[u64]) {
	provider(P1, STAKE, PRICE, 64);
	for p in jurors {
		provider(*p, STAKE, 1_000, 4);
	}
}

/// P1's answer to a job, challenged by P5 before `jurors`, with the first round's jury drawn.
fn challenged_answer(jurors: &[u64]) -> u64 {
	market(jurors);
	let job = submit(8, PRICE);
	answer(job, P1);
	assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
	run_to(System::block_number() + 1);
	job
}

fn committee(job: u64) -> Vec<u64> {
	let mut members: Vec<u64> = Disputes::<Test>::get(job)
		.expect("disputed")
		.committee()
		.iter()
		.map(|juror| juror.who)
		.collect();
	members.sort();
	members
}

fn salt(who: u64) -> [u8; 32] {
	[who as u8; 32]
}

/// Each member commits and reveals its verdict (`None`: it stays silent) in the dispute's current
/// round, the round is counted and, if unappealed, a first round's verdict stands.
fn vote(job: u64, verdicts: &[(u64, Option<Verdict>)]) {
	vote_round(job, verdicts);
	let_stand(job);
}

/// As `vote`, but leaves a first round's verdict open to appeal.
fn vote_round(job: u64, verdicts: &[(u64, Option<Verdict>)]) {
	for (who, verdict) in verdicts {
		if let Some(verdict) = verdict {
			let hash = vote_commitment(job, who, *verdict, &salt(*who));
			assert_ok!(Jobs::commit_vote(RuntimeOrigin::signed(*who), job, hash));
		}
	}
	let dispute = Disputes::<Test>::get(job).unwrap();
	run_to(dispute.phases().unwrap().0 + 1);
	for (who, verdict) in verdicts {
		if let Some(verdict) = verdict {
			assert_ok!(Jobs::reveal_vote(RuntimeOrigin::signed(*who), job, *verdict, salt(*who)));
		}
	}
	run_to(dispute.phases().unwrap().1 + 1);
}

/// Lets a first round's verdict stand: its appeal window passes without an appeal.
fn let_stand(job: u64) {
	if let Some(crate::Jury::Decided { appeal_until, .. }) =
		Disputes::<Test>::get(job).map(|dispute| dispute.jury)
	{
		run_to(appeal_until + 1);
	}
}

mod predictable_draws {
	use super::*;

	/// The liar recomputes the chain's audit draw from the randomness it can read when it signs
	/// and lies only when the draw says "not audited". The draw must come from randomness that did
	/// not exist yet, so its lies are audited at the configured rate all the same.
	#[test]
	fn a_liar_that_recomputes_the_audit_draw_before_answering_is_audited_at_the_rate() {
		new_test_ext().execute_with(|| {
			market(&[P2, P3, P4]);
			AuditRate::set(Perbill::from_percent(20));
			let (mut lies, mut audited) = (0u32, 0u32);
			for _ in 0..100 {
				let job = submit(8, PRICE);
				let predicted = Jobs::is_audited(job, 1, AuditRate::get());
				// A lie when the draw looks safe; an honest answer (not counted) otherwise.
				answer(job, P1);
				// Two blocks a job, so the mock's small queues never refuse a submission.
				run_to(System::block_number() + 2);
				if predicted {
					continue;
				}
				lies += 1;
				if Disputes::<Test>::get(job).is_some_and(|d| d.challenger.is_none()) {
					audited += 1;
				}
			}
			assert!(lies >= 60, "the liar told {lies} lies");
			let rate = audited * 100 / lies;
			assert!((10..=30).contains(&rate), "{audited} of {lies} lies audited");
		});
	}

	/// The accomplice challenges only at a block whose committee draw, recomputed from the
	/// randomness it can read, seats its friend alone. The committee must come from randomness
	/// drawn after the challenge, so the friend sits no more often than its share of the seats.
	#[test]
	fn an_accomplice_that_times_its_challenge_does_not_choose_the_committee() {
		new_test_ext().execute_with(|| {
			market(&[P2, P3, P4]);
			CommitteeSeats::set(1);
			let friend = P2;
			let (mut challenges, mut seated) = (0u32, 0u32);
			for _ in 0..60 {
				let job = submit(8, PRICE);
				answer(job, P1);
				let record = JobsStorage::<Test>::get(job).unwrap();
				let until = System::block_number() + CHALLENGE_WINDOW;
				while System::block_number() <= until {
					if Jobs::draw_committee(job, &record, &P1, Some(&(P5, CHALLENGE_BOND)), 0)
						== vec![friend]
					{
						assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
						challenges += 1;
						run_to(System::block_number() + 1);
						if committee(job) == vec![friend] {
							seated += 1;
						}
						break;
					}
					run_to(System::block_number() + 1);
				}
			}
			assert!(challenges >= 40, "the accomplice challenged {challenges} times");
			let share = seated * 100 / challenges;
			assert!(share <= 50, "the friend sat alone on {seated} of {challenges} committees");
		});
	}
}

/// A block author inserting its own submission before a victim's (or reordering the block's
/// submissions) shifted the victim's job id, and so re-rolled its routing and seed. The draws at
/// submission are keyed by the owner and its nonce: the victim's job is routed and seeded the same
/// whatever comes before it in the block.
#[test]
fn routing_at_submission_does_not_follow_the_order_of_the_blocks_submissions() {
	use faithful_primitives::jobs::{Judging, Sampling};
	let victims_job = |inserted: u32| {
		new_test_ext().execute_with(|| {
			for (p, price) in [(P1, PRICE), (P2, PRICE), (P3, PRICE), (P4, PRICE)] {
				provider(p, STAKE, price, 64);
			}
			for _ in 0..inserted {
				assert_ok!(Jobs::submit(
					RuntimeOrigin::signed(P5),
					MODEL,
					b"shift".to_vec(),
					Sampling::Greedy,
					8,
					PRICE,
					Judging::Waived,
				));
			}
			let job = submit(8, PRICE);
			let record = JobsStorage::<Test>::get(job).unwrap();
			(record.status.provider().copied(), record.seed)
		})
	};
	let alone = victims_job(0);
	// The mock's queues take four new jobs a block.
	for inserted in 1..4 {
		assert_eq!(victims_job(inserted), alone, "{inserted} submissions inserted before it");
	}
}

mod free_riding_juries {
	use super::*;

	/// Voting `Valid` without re-executing was free: a revealed vote got its bond back whatever
	/// it said. A juror on the losing side of a verdict now loses its vote bond.
	#[test]
	fn a_juror_that_votes_valid_on_a_lie_loses_its_vote_bond() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4]);
			assert_eq!(committee(job), vec![P2, P3, P4]);
			vote(
				job,
				&[
					(P2, Some(Verdict::Valid)),
					(P3, Some(Verdict::Invalid)),
					(P4, Some(Verdict::Invalid)),
				],
			);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
			assert_eq!(stake_of(P2), STAKE - VOTE_BOND, "the free rider lost its bond");
			assert_eq!(stake_of(P3), STAKE, "the majority keeps its bond");
			assert!(
				free_of(P3) > PROVIDER_BALANCE - STAKE && free_of(P4) > PROVIDER_BALANCE - STAKE,
				"and is rewarded"
			);
			assert_eq!(locked_of(P2), 0);
		});
	}

	/// Seats went one per offer: a cartel that split its stake over many minimum-stake accounts
	/// outnumbered an honest provider with more stake than all of them. Seats now follow stake,
	/// so splitting buys nothing.
	#[test]
	fn sybil_offers_win_seats_by_their_stake_not_by_their_number() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 64);
			// The honest juror holds four times the cartel's stake; the cartel splits its own over
			// three accounts at the minimum.
			provider(P2, 1_200, 1_000, 64);
			for sybil in [P3, P4, P6] {
				provider(sybil, 100, 1_000, 64);
			}
			CommitteeSeats::set(1);
			let (mut disputes, mut sybil_seats) = (0u32, 0u32);
			for _ in 0..60 {
				let job = submit(1, PRICE);
				answer_tokens(job, P1, 1);
				assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
				run_to(System::block_number() + 1);
				disputes += 1;
				if committee(job) != vec![P2] {
					sybil_seats += 1;
				}
				let dispute = Disputes::<Test>::get(job).unwrap();
				run_to(dispute.phases().unwrap().1 + 1);
			}
			let share = sybil_seats * 100 / disputes;
			assert!(share <= 40, "the cartel (20 % of the stake) sat on {share} % of committees");
		});
	}

	fn answer_tokens(job: u64, provider: u64, tokens: u32) {
		assert_ok!(Jobs::submit_result(
			RuntimeOrigin::signed(provider),
			job,
			b"P".to_vec(),
			(0..tokens).collect(),
			FinishReason::Eos,
			H256::repeat_byte(9),
		));
	}
}

mod verdicts_without_majority {
	use super::*;

	/// One lazy `Valid` against one honest `Invalid` (the third juror silent) was a tie, so
	/// `NoQuorum`, and the liar was paid. A tie now escalates to a larger round.
	#[test]
	fn a_tie_escalates_to_a_larger_round_instead_of_paying_the_liar() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4, P6, P7]);
			let first = committee(job);
			assert_eq!(first.len(), 3);
			let verdicts: Vec<_> = first
				.iter()
				.zip([Some(Verdict::Valid), Some(Verdict::Invalid), None])
				.map(|(who, verdict)| (*who, verdict))
				.collect();
			vote(job, &verdicts);
			assert!(matches!(status(job), JobStatus::Disputed { .. }), "the tie escalated");
			run_to(System::block_number() + 1);
			let second = committee(job);
			assert_eq!(second.len(), 5, "the second round seats every eligible juror");
			let honest: Vec<_> = second.iter().map(|who| (*who, Some(Verdict::Invalid))).collect();
			vote(job, &honest);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
		});
	}

	/// Two jurors offline and the third honest: fewer than half revealed, so `NoQuorum`, and the
	/// liar was paid. The revealed votes decide, and the silent jurors lose their bonds.
	#[test]
	fn a_lone_honest_revealer_decides_when_the_others_stay_silent() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4]);
			vote(job, &[(P2, Some(Verdict::Invalid)), (P3, None), (P4, None)]);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
			assert_eq!(stake_of(P3), STAKE - VOTE_BOND);
			assert_eq!(stake_of(P4), STAKE - VOTE_BOND);
		});
	}
}

mod reputation_pumping {
	use super::*;

	/// A provider routing one-token jobs at one planck to itself paid a protocol fee that rounds
	/// to nothing, and rose from 50 % to 99 % in about sixty jobs. Only jobs that paid the
	/// treasury a fee earn reputation.
	#[test]
	fn self_routed_jobs_that_pay_no_fee_earn_no_reputation() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, 1, 64);
			let start = Providers::reputation_of(&P1, &MODEL).unwrap();
			for _ in 0..61 {
				let job = submit(1, 1);
				assert_ok!(Jobs::submit_result(
					RuntimeOrigin::signed(P1),
					job,
					b"P".to_vec(),
					vec![0],
					FinishReason::Eos,
					H256::repeat_byte(9),
				));
				run_to(System::block_number() + CHALLENGE_WINDOW + 2);
				assert!(matches!(status(job), JobStatus::Finalized { .. }));
			}
			assert_eq!(Providers::reputation_of(&P1, &MODEL).unwrap(), start);
		});
	}

	/// One score across models let a record earned on a cheap model route dear jobs of another.
	#[test]
	fn reputation_earned_on_one_model_does_not_carry_to_another() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 64);
			for _ in 0..20 {
				let job = submit(8, PRICE);
				answer(job, P1);
				run_to(System::block_number() + CHALLENGE_WINDOW + 2);
				assert!(matches!(status(job), JobStatus::Finalized { .. }));
			}
			let neutral = faithful_primitives::providers::Reputation::<u64>::NEUTRAL;
			assert!(Providers::reputation_of(&P1, &MODEL).unwrap() > neutral);
			assert_eq!(Providers::reputation_of(&P1, &OTHER_MODEL).unwrap(), neutral);
		});
	}
}

mod appeals {
	use super::*;

	fn bond_held(who: u64) -> u128 {
		use polkadot_sdk::frame_support::traits::fungible::InspectHold;
		Balances::balance_on_hold(&crate::HoldReason::ChallengeBond.into(), &who)
	}

	/// A cartel holding two of the first round's three seats upheld a lie, and that was final.
	/// Now the honest juror appeals, every eligible juror sits in the last round, and the cartel,
	/// two fifths of the stake, loses the verdict and a vote bond for each round it voted wrong.
	#[test]
	fn a_cartel_that_wins_the_first_round_loses_on_appeal_and_pays_for_it() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4, P6, P7]);
			let first = committee(job);
			let (cartel, honest) = ([first[0], first[1]], first[2]);
			vote_round(
				job,
				&[
					(cartel[0], Some(Verdict::Valid)),
					(cartel[1], Some(Verdict::Valid)),
					(honest, Some(Verdict::Invalid)),
				],
			);
			assert!(matches!(
				Disputes::<Test>::get(job).unwrap().jury,
				crate::Jury::Decided { verdict: Verdict::Valid, .. }
			));
			assert_ok!(Jobs::appeal(RuntimeOrigin::signed(honest), job));
			assert_eq!(bond_held(honest), CHALLENGE_BOND);
			run_to(System::block_number() + 1);
			let last = committee(job);
			assert_eq!(last.len(), 5, "the last round seats every eligible juror");
			let verdicts: Vec<_> = last
				.iter()
				.map(|who| {
					let verdict =
						if cartel.contains(who) { Verdict::Valid } else { Verdict::Invalid };
					(*who, Some(verdict))
				})
				.collect();
			vote(job, &verdicts);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
			for member in cartel {
				assert_eq!(stake_of(member), STAKE - 2 * VOTE_BOND, "a bond per wrong vote");
			}
			assert_eq!(stake_of(honest), STAKE);
			assert_eq!(bond_held(honest), 0, "a right appeal gets its bond back");
			assert_eq!(free_of(honest) > PROVIDER_BALANCE - STAKE, true, "and a reward");
		});
	}

	/// Appealing a true verdict is not free: the last round agrees and the appellant's bond goes
	/// to the jurors who found the truth.
	#[test]
	fn an_appeal_the_last_round_confirms_loses_its_bond() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4]);
			let all: Vec<_> =
				committee(job).iter().map(|who| (*who, Some(Verdict::Invalid))).collect();
			vote_round(job, &all);
			let before = free_of(P1);
			assert_ok!(Jobs::appeal(RuntimeOrigin::signed(P1), job));
			run_to(System::block_number() + 1);
			let all: Vec<_> =
				committee(job).iter().map(|who| (*who, Some(Verdict::Invalid))).collect();
			vote(job, &all);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
			assert_eq!(bond_held(P1), 0);
			assert_eq!(free_of(P1), before - CHALLENGE_BOND, "the wrong appeal's bond is gone");
		});
	}

	/// Found in review: a last round that reached no verdict (silent, tied or empty) ended the
	/// dispute without one, so a convicted liar's appeal was a free option: the verdict against it
	/// vanished, it was paid, and its appeal bond came back. The appealed verdict now stands, and
	/// the appellant, having overturned nothing, loses its bond.
	#[test]
	fn an_appeal_into_a_last_round_without_a_verdict_leaves_the_first_verdict_standing() {
		new_test_ext().execute_with(|| {
			let job = challenged_answer(&[P2, P3, P4]);
			let all: Vec<_> =
				committee(job).iter().map(|who| (*who, Some(Verdict::Invalid))).collect();
			vote_round(job, &all);
			let before = free_of(P1);
			assert_ok!(Jobs::appeal(RuntimeOrigin::signed(P1), job));
			run_to(System::block_number() + 1);
			let silent: Vec<_> = committee(job).iter().map(|who| (*who, None)).collect();
			vote(job, &silent);
			assert!(matches!(status(job), JobStatus::Slashed { .. }), "{:?}", status(job));
			assert_eq!(free_of(P1), before - CHALLENGE_BOND, "the appeal overturned nothing");
		});
	}

	/// The last round seated at most `CommitteeSize` jurors drawn by stake, so a cartel short of
	/// half the stake could still win it when the draw favoured it. Now it seats every offer and
	/// verifier of the model: a book larger than the old bound of eight, full of offers and
	/// verifiers, sits whole, and a cartel of five of its twelve jurors loses.
	#[test]
	fn a_last_round_seats_the_whole_book_so_a_minority_cartel_cannot_win_it() {
		new_test_ext().execute_with(|| {
			use polkadot_sdk::frame_support::traits::fungible::Mutate;
			let offers: Vec<u64> = (30..37).collect();
			let verifiers: Vec<u64> = (40..45).collect();
			for who in offers.iter().chain(&verifiers) {
				Balances::set_balance(who, PROVIDER_BALANCE);
			}
			market(&offers);
			for who in &verifiers {
				assert_ok!(Providers::register(
					RuntimeOrigin::signed(*who),
					b"http://v".to_vec().try_into().unwrap(),
					STAKE,
				));
				assert_ok!(Providers::verify(RuntimeOrigin::signed(*who), MODEL));
			}
			let job = submit(8, PRICE);
			answer(job, P1);
			assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
			run_to(System::block_number() + 1);
			let first: Vec<_> =
				committee(job).iter().map(|who| (*who, Some(Verdict::Valid))).collect();
			vote_round(job, &first);
			assert_ok!(Jobs::appeal(RuntimeOrigin::signed(P5), job));
			run_to(System::block_number() + 1);
			let last = committee(job);
			assert_eq!(last.len(), 12, "every offer and verifier but the provider's sits");
			let cartel: Vec<u64> = last.iter().copied().take(5).collect();
			let verdicts: Vec<_> = last
				.iter()
				.map(|who| {
					let verdict =
						if cartel.contains(who) { Verdict::Valid } else { Verdict::Invalid };
					(*who, Some(verdict))
				})
				.collect();
			vote(job, &verdicts);
			assert!(matches!(status(job), JobStatus::Slashed { .. }), "{:?}", status(job));
		});
	}

	#[test]
	fn only_a_first_rounds_verdict_in_its_window_can_be_appealed() {
		new_test_ext().execute_with(|| {
			market(&[P2, P3, P4]);
			let job = submit(8, PRICE);
			answer(job, P1);
			let appeal = || Jobs::appeal(RuntimeOrigin::signed(P5), job);
			assert_noop!(appeal(), crate::Error::<Test>::NotDisputed);
			assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
			assert_noop!(appeal(), crate::Error::<Test>::NotAppealable);
			run_to(System::block_number() + 1);
			assert_noop!(appeal(), crate::Error::<Test>::NotAppealable);
			let all: Vec<_> =
				committee(job).iter().map(|who| (*who, Some(Verdict::Valid))).collect();
			vote_round(job, &all);
			let Some(crate::Jury::Decided { appeal_until, .. }) =
				Disputes::<Test>::get(job).map(|d| d.jury)
			else {
				panic!("decided")
			};
			System::set_block_number(appeal_until + 1);
			assert_noop!(appeal(), crate::Error::<Test>::NotAppealable);
		});
	}
}

mod verifiers_who_do_not_serve {
	use super::*;

	/// With a model's only provider, a challenge found no jury and ended at once, paying the
	/// liar. Staked accounts that verify the model without serving it now sit on its juries.
	#[test]
	fn a_model_with_one_provider_is_judged_by_staked_verifiers() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			for verifier in [P2, P3, P4] {
				assert_ok!(Providers::register(
					RuntimeOrigin::signed(verifier),
					b"http://v".to_vec().try_into().unwrap(),
					STAKE,
				));
				assert_ok!(Providers::verify(RuntimeOrigin::signed(verifier), MODEL));
			}
			let job = submit(8, PRICE);
			assert_eq!(status(job).provider(), Some(&P1), "verifiers take no jobs");
			answer(job, P1);
			assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
			run_to(System::block_number() + 1);
			assert_eq!(committee(job), vec![P2, P3, P4]);
			let all: Vec<_> = [P2, P3, P4].iter().map(|v| (*v, Some(Verdict::Invalid))).collect();
			vote(job, &all);
			assert!(matches!(status(job), JobStatus::Slashed { .. }));
		});
	}
}

mod jobs_nobody_can_judge {
	use super::*;
	use faithful_primitives::jobs::Judging;

	fn verifier(who: u64) {
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(who),
			b"http://v".to_vec().try_into().unwrap(),
			STAKE,
		));
		assert_ok!(Providers::verify(RuntimeOrigin::signed(who), MODEL));
	}

	/// A model's only provider took jobs nobody could judge, so its lies were paid. A job now
	/// needs a first round's jurors beside its provider, unless the user knowingly waives them.
	#[test]
	fn a_job_nobody_could_judge_is_refused_unless_the_user_waives_a_jury() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			assert_noop!(submit_judged(8, PRICE, Judging::Required), crate::Error::<Test>::NoJury);
			assert_eq!(escrow_of(USER), 0, "nothing held");
			assert_ok!(submit_judged(8, PRICE, Judging::Waived));
		});
	}

	#[test]
	fn a_job_with_a_jury_beside_its_provider_is_accepted() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			for who in [P2, P3, P4] {
				verifier(who);
			}
			assert_ok!(submit_judged(8, PRICE, Judging::Required));
		});
	}

	/// The user may verify the model, but never judges its own job: it does not count.
	#[test]
	fn a_user_cannot_make_up_its_own_jobs_jury() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			for who in [P2, P3, USER] {
				verifier(who);
			}
			assert_noop!(submit_judged(8, PRICE, Judging::Required), crate::Error::<Test>::NoJury);
			verifier(P4);
			assert_ok!(submit_judged(8, PRICE, Judging::Required));
		});
	}
}

mod honest_jurors_find_the_truth {
	use super::*;
	use proptest::prelude::*;

	/// What a juror does when seated.
	#[derive(Clone, Copy, Debug)]
	enum Juror {
		/// Re-executes and reveals the truth.
		Honest,
		/// Offline: never commits.
		Silent,
		/// Hostile: reveals the opposite of the truth.
		Liar,
	}

	fn juror() -> impl Strategy<Value = (Juror, u128)> {
		let behaviour = prop_oneof![Just(Juror::Honest), Just(Juror::Silent), Just(Juror::Liar)];
		(behaviour, 100u128..=10_000)
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]

		/// Whatever the pool of verifiers (honest, offline or voting the lie, with any stakes),
		/// whether the provider lied, whoever sits in the first round and whether the lying side
		/// appeals a true first verdict: when the honest jurors hold more stake than those voting
		/// the lie (by more than the vote bonds a first round locks, since votes weigh free
		/// collateral at the draw), and the honest side appeals a first round that went the other
		/// way, the dispute ends with the truth, and no honest juror, honest provider or honest
		/// user loses a unit. With no hostile juror at all, one honest juror is enough.
		#[test]
		fn a_dispute_ends_with_the_truth_when_the_honest_stake_outweighs_the_lies(
			pool in prop::collection::vec(juror(), 1..=8),
			provider_lied in any::<bool>(),
			liars_appeal in any::<bool>(),
		) {
			let honest: u128 =
				pool.iter().filter(|(j, _)| matches!(j, Juror::Honest)).map(|(_, s)| s).sum();
			let lying: u128 =
				pool.iter().filter(|(j, _)| matches!(j, Juror::Liar)).map(|(_, s)| s).sum();
			prop_assume!(honest > lying + 3 * VOTE_BOND);
			new_test_ext().execute_with(|| {
				use polkadot_sdk::frame_support::traits::fungible::Mutate;
				provider(P1, STAKE, PRICE, 4);
				let jurors: Vec<(u64, Juror, u128)> = pool
					.iter()
					.enumerate()
					.map(|(i, (behaviour, stake))| (30 + i as u64, *behaviour, *stake))
					.collect();
				for (who, _, stake) in &jurors {
					Balances::set_balance(who, PROVIDER_BALANCE);
					assert_ok!(Providers::register(
						RuntimeOrigin::signed(*who),
						b"http://v".to_vec().try_into().unwrap(),
						*stake,
					));
					assert_ok!(Providers::verify(RuntimeOrigin::signed(*who), MODEL));
				}
				let truth = if provider_lied { Verdict::Invalid } else { Verdict::Valid };
				let (honest_side, lying_side) = if provider_lied { (USER, P1) } else { (P1, USER) };
				let user_before = free_of(USER);
				let job = submit(8, PRICE);
				answer(job, P1);
				assert_ok!(Jobs::challenge(RuntimeOrigin::signed(USER), job));
				run_to(System::block_number() + 1);
				let votes = |job| -> Vec<(u64, Option<Verdict>)> {
					committee(job)
						.into_iter()
						.map(|who| {
							let (_, behaviour, _) =
								jurors.iter().find(|(j, ..)| *j == who).expect("a verifier");
							let vote = match behaviour {
								Juror::Honest => Some(truth),
								Juror::Silent => None,
								Juror::Liar if truth == Verdict::Valid => Some(Verdict::Invalid),
								Juror::Liar => Some(Verdict::Valid),
							};
							(who, vote)
						})
						.collect()
				};
				vote_round(job, &votes(job));
				match Disputes::<Test>::get(job).map(|d| d.jury) {
					Some(crate::Jury::Decided { verdict, .. }) if verdict != truth => {
						assert_ok!(Jobs::appeal(RuntimeOrigin::signed(honest_side), job));
						run_to(System::block_number() + 1);
						vote(job, &votes(job));
					}
					Some(crate::Jury::Decided { .. }) if liars_appeal => {
						assert_ok!(Jobs::appeal(RuntimeOrigin::signed(lying_side), job));
						run_to(System::block_number() + 1);
						vote(job, &votes(job));
					}
					Some(crate::Jury::Decided { .. }) => let_stand(job),
					// No majority: the last round is drawn next block.
					Some(crate::Jury::Drawing) => {
						run_to(System::block_number() + 1);
						vote(job, &votes(job));
					}
					other => panic!("after a first round: {other:?}"),
				}
				let end = status(job);
				match truth {
					Verdict::Invalid => {
						assert!(matches!(end, JobStatus::Slashed { .. }), "{end:?}");
						assert!(free_of(USER) >= user_before, "the user lost");
					}
					Verdict::Valid => {
						assert!(matches!(end, JobStatus::Finalized { .. }), "{end:?}");
						assert!(stake_of(P1) == STAKE, "the honest provider lost stake");
					}
				}
				for (who, behaviour, stake) in &jurors {
					if matches!(behaviour, Juror::Honest) {
						assert!(stake_of(*who) == *stake, "honest juror {who} lost its bond");
						assert_eq!(locked_of(*who), 0);
					}
				}
			});
		}
	}
}
