//! Attacks on the market's money paths, each named after the attack it proves harmless.

use crate::{mock::*, JobStatus, Jobs as JobsStorage};
use faithful_primitives::jobs::{FinishReason, Judging, Sampling, Verdict};
use polkadot_sdk::{
	frame_support::{
		assert_ok,
		traits::{
			fungible::{Inspect, InspectHold},
			LockableCurrency, WithdrawReasons,
		},
	},
	sp_core::H256,
};

const PRICE: u128 = 10;
const STAKE: u128 = 10_000;

fn status(job: u64) -> JobStatus<u64, u128, u64> {
	JobsStorage::<Test>::get(job).unwrap().status
}

fn free(who: u64) -> u128 {
	Balances::balance(&who)
}

fn deliver(job: u64, tokens: u32) -> polkadot_sdk::sp_runtime::DispatchResult {
	let provider = *status(job).provider().expect("assigned");
	Jobs::submit_result(
		RuntimeOrigin::signed(provider),
		job,
		b"Paris".to_vec(),
		(0..tokens).collect(),
		FinishReason::Eos,
		H256::repeat_byte(9),
	)
}

/// P1 serves `MODEL` at `PRICE`; P2, P3 and P4 offer it too dearly to be routed to, so they only
/// sit on committees.
fn honest_provider_and_jurors() {
	provider(P1, STAKE, PRICE, 4);
	for p in [P2, P3, P4] {
		provider(p, STAKE, 1_000, 4);
	}
}

/// Locks everything `who` has, held funds included, as a conviction-voting delegation does.
fn lock_everything(who: u64) {
	Balances::set_lock(*b"delegate", &who, u128::MAX, WithdrawReasons::all());
}

mod frozen_payer {
	use super::*;

	#[test]
	fn a_payer_that_locks_its_balance_after_submitting_still_pays_provider_and_treasury() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(16, PRICE);
			lock_everything(USER);
			let (provider_before, treasury_before) = (free(P1), free(TREASURY));
			assert_ok!(deliver(job, 16));
			run_to(2 + CHALLENGE_WINDOW);
			// 16 × 10 = 160 earned, 5 % protocol fee; the 16 verification fee to the treasury.
			let JobStatus::Finalized { paid, refunded, .. } = status(job) else {
				panic!("not finalized: {:?}", status(job))
			};
			assert_eq!((paid, refunded), (152, 0));
			assert_eq!(free(P1), provider_before + 152);
			assert_eq!(free(TREASURY), treasury_before + 8 + 16);
			assert_eq!(escrow_of(USER), 0);
		});
	}

	#[test]
	fn a_challenger_that_locks_its_balance_still_loses_its_bond_when_wrong() {
		new_test_ext().execute_with(|| {
			honest_provider_and_jurors();
			let job = submit(8, PRICE);
			assert_ok!(deliver(job, 5));
			assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
			lock_everything(P5);
			run_to(System::block_number() + 1);
			let dispute = crate::Disputes::<Test>::get(job).unwrap();
			for member in dispute.committee().iter().map(|juror| &juror.who) {
				let hash = faithful_primitives::jobs::vote_commitment(
					job,
					member,
					Verdict::Valid,
					&[1; 32],
				);
				assert_ok!(Jobs::commit_vote(RuntimeOrigin::signed(*member), job, hash));
			}
			run_to(dispute.phases().unwrap().0 + 1);
			for member in dispute.committee().iter().map(|juror| &juror.who) {
				assert_ok!(Jobs::reveal_vote(
					RuntimeOrigin::signed(*member),
					job,
					Verdict::Valid,
					[1; 32]
				));
			}
			let before = free(P5);
			run_to(dispute.phases().unwrap().1 + 1);
			// Nobody appeals the first round's verdict.
			run_to(System::block_number() + COMMIT_PHASE + 1);
			assert_eq!(Balances::balance_on_hold(&crate::HoldReason::ChallengeBond.into(), &P5), 0);
			assert_eq!(free(P5), before, "the wrong challenger gets none of its bond back");
		});
	}
}

mod timeout_farming {
	use super::*;

	#[test]
	fn a_user_gains_nothing_when_its_provider_misses_the_deadline() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let before = free(USER);
			let job = submit(8, PRICE);
			let treasury = free(TREASURY);
			run_to(2 + RESULT_TIMEOUT);
			assert!(matches!(status(job), JobStatus::Refunded { .. }), "{:?}", status(job));
			assert_eq!(free(USER), before, "the whole escrow back, and nothing more");
			assert!(free(TREASURY) > treasury, "the slash goes to the treasury");
		});
	}
}

mod sinkhole_offers {
	use super::*;

	/// Delivers every job assigned to the honest provider.
	fn serve_honestly(honest: u64) {
		let assigned: Vec<u64> = JobsStorage::<Test>::iter()
			.filter(
				|(_, job)| matches!(&job.status, JobStatus::Assigned { provider, .. } if *provider == honest),
			)
			.map(|(id, _)| id)
			.collect();
		for job in assigned {
			assert_ok!(deliver(job, 4));
		}
	}

	#[test]
	fn one_planck_offers_that_never_answer_neither_starve_an_honest_offer_nor_go_unpunished() {
		new_test_ext().execute_with(|| {
			let honest = P1;
			let sinkholes = [P2, P3, P4];
			provider(honest, STAKE, PRICE, 64);
			for s in sinkholes {
				provider(s, STAKE, 1, 64);
			}
			let jobs = 60;
			for _ in 0..jobs {
				submit(4, PRICE);
				for _ in 0..3 {
					serve_honestly(honest);
					run_to(System::block_number() + RESULT_TIMEOUT + 1);
				}
			}
			let answered = System::events()
				.iter()
				.filter(|record| {
					matches!(
						record.event,
						RuntimeEvent::Jobs(crate::Event::ResultProposed { provider, .. })
							if provider == honest
					)
				})
				.count() as u32;
			assert!(answered * 10 >= jobs * 9, "{answered} of {jobs} jobs answered");
			let timeouts = System::events()
				.iter()
				.filter(|record| {
					matches!(record.event, RuntimeEvent::Jobs(crate::Event::JobTimedOut { .. }))
				})
				.count() as u128;
			let lost: u128 = sinkholes
				.iter()
				.map(|s| STAKE - pallet_providers::Providers::<Test>::get(s).unwrap().stake)
				.sum();
			assert!(timeouts > 0);
			assert!(
				lost >= timeouts * MIN_JOB_COLLATERAL / 10,
				"{timeouts} timeouts cost the sinkholes only {lost}"
			);
		});
	}
}

mod queue_jamming {
	use super::*;

	const ATTACKER: u64 = P2;

	/// The attacker serves `OTHER_MODEL` cheaply and buys its own jobs, delivering each at once, so
	/// the due queues of the coming blocks fill with its deadlines and challenge windows.
	fn flood(jobs: u32) {
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(ATTACKER),
			b"http://a".to_vec().try_into().unwrap(),
			500_000,
		));
		assert_ok!(Providers::offer(RuntimeOrigin::signed(ATTACKER), OTHER_MODEL, 1, 64));
		for _ in 0..jobs {
			let id = crate::NextJobId::<Test>::get();
			if Jobs::submit(
				RuntimeOrigin::signed(ATTACKER),
				OTHER_MODEL,
				b"spam".to_vec(),
				Sampling::Greedy,
				1,
				1,
				Judging::Waived,
			)
			.is_ok()
			{
				let _ = deliver(id, 1);
			}
		}
	}

	#[test]
	fn a_flood_of_self_served_jobs_cannot_make_an_honest_delivery_fail() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			run_to(3);
			flood(200);
			assert_ok!(deliver(job, 5));
		});
	}

	#[test]
	fn a_flood_of_self_served_jobs_cannot_make_a_challenge_fail() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			for p in [P3, P4] {
				provider(p, STAKE, 1_000, 4);
			}
			let job = submit(8, PRICE);
			assert_ok!(deliver(job, 5));
			run_to(1 + CHALLENGE_WINDOW - COMMIT_PHASE - REVEAL_PHASE);
			flood(200);
			assert_ok!(Jobs::challenge(RuntimeOrigin::signed(P5), job));
		});
	}
}

mod unanswerable_jobs {
	use super::*;
	use faithful_primitives::jobs::CHAT_TEMPLATE_TOKENS;
	use polkadot_sdk::frame_support::assert_noop;

	fn submit_prompt(prompt: &[u8], max_tokens: u32) -> polkadot_sdk::sp_runtime::DispatchResult {
		Jobs::submit(
			RuntimeOrigin::signed(USER),
			MODEL,
			prompt.to_vec(),
			Sampling::Greedy,
			max_tokens,
			PRICE,
			Judging::Waived,
		)
	}

	#[test]
	fn a_prompt_and_output_beyond_the_models_context_are_refused_at_submit() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			ContextLength::set(40 + CHAT_TEMPLATE_TOKENS + 8);
			let prompt = [b'7'; 40];
			assert_noop!(submit_prompt(&prompt, 9), crate::Error::<Test>::BeyondContext);
			assert_noop!(submit_prompt(&[b'7'; 41], 8), crate::Error::<Test>::BeyondContext);
			assert_ok!(submit_prompt(&prompt, 8));
		});
	}

	#[test]
	fn a_prompt_that_is_not_utf8_is_refused_at_submit() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			// Each invalid byte would become a three-byte U+FFFD for the tokenizer.
			assert_noop!(submit_prompt(&[0xff; 8], 4), crate::Error::<Test>::PromptNotUtf8);
			assert_ok!(submit_prompt("¿Qué?".as_bytes(), 4));
		});
	}
}

mod retroactive_terms {
	use super::*;
	use polkadot_sdk::sp_runtime::Perbill;

	#[test]
	fn a_fee_raised_while_a_job_runs_does_not_change_what_its_provider_earns() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			ProtocolFee::set(Perbill::from_percent(20));
			assert_ok!(deliver(job, 8));
			run_to(2 + CHALLENGE_WINDOW);
			let JobStatus::Finalized { paid, .. } = status(job) else { panic!("not finalized") };
			assert_eq!(paid, 80 - 4, "the 5 % fee of submission, not the 20 % of settlement");
		});
	}

	#[test]
	fn a_slash_raised_while_a_job_runs_does_not_change_what_a_timeout_costs() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			TimeoutSlash::set(Perbill::from_percent(100));
			run_to(2 + RESULT_TIMEOUT);
			assert!(matches!(status(job), JobStatus::Refunded { .. }));
			assert_eq!(pallet_providers::Providers::<Test>::get(P1).unwrap().stake, STAKE - 16);
		});
	}

	#[test]
	fn an_audit_rate_changed_while_a_job_runs_does_not_change_whether_it_is_audited() {
		new_test_ext().execute_with(|| {
			honest_provider_and_jurors();
			let job = submit(8, PRICE);
			AuditRate::set(Perbill::one());
			assert_ok!(deliver(job, 5));
			assert!(matches!(status(job), JobStatus::Proposed { .. }), "submitted at 0 %");
		});
	}
}

mod under_charged_weight {
	use super::*;
	use crate::weights::WeightInfo;
	use polkadot_sdk::{
		frame_support::dispatch::{GetDispatchInfo, Pays},
		sp_runtime::Perbill,
	};

	fn result_call(job: u64) -> crate::Call<Test> {
		crate::Call::submit_result {
			job,
			output_text: b"Paris".to_vec(),
			output_tokens: (0..5).collect(),
			finish: FinishReason::Eos,
			commitment: H256::repeat_byte(9),
		}
	}

	#[test]
	fn a_result_pays_up_front_for_the_audit_draw_it_queues() {
		new_test_ext().execute_with(|| {
			honest_provider_and_jurors();
			AuditRate::set(Perbill::one());
			let job = submit(8, PRICE);
			let proposed = <() as WeightInfo>::submit_result(5, 5);
			let worst = proposed.saturating_add(<() as WeightInfo>::challenge());
			let info = result_call(job).get_dispatch_info();
			assert_eq!(info.call_weight, worst, "charged for the audit it may open");
			assert_eq!(info.pays_fee, Pays::Yes);
			let origin = RuntimeOrigin::signed(P1);
			use polkadot_sdk::frame_support::traits::UnfilteredDispatchable;
			let post = result_call(job).dispatch_bypass_filter(origin).unwrap();
			assert_eq!(post.actual_weight, None, "nothing to refund: the draw is yet to come");
			assert!(crate::Disputes::<Test>::get(job).is_none());
			run_to(System::block_number() + 1);
			assert!(crate::Disputes::<Test>::get(job).is_some(), "audited next block");
		});
	}
}
