use crate::{mock::*, Error, Event, JobStatus, Jobs as JobsStorage, Outputs, Prompts};
use faithful_primitives::{
	jobs::{FinishReason, Judging, Sampling, MAX_TEMPERATURE_MILLI},
	providers::{ProviderCollateral, Reputation},
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::fungible::Inspect},
	sp_core::H256,
	sp_runtime::Permill,
};

const PRICE: u128 = 10;
const STAKE: u128 = 10_000;

fn status(job: u64) -> JobStatus<u64, u128, u64> {
	JobsStorage::<Test>::get(job).unwrap().status
}

fn assigned_provider(job: u64) -> u64 {
	match status(job) {
		JobStatus::Assigned { provider, .. } => provider,
		other => panic!("job {job} is not assigned: {other:?}"),
	}
}

fn deliver(job: u64, tokens: u32, finish: FinishReason) {
	let provider = assigned_provider(job);
	assert_ok!(Jobs::submit_result(
		RuntimeOrigin::signed(provider),
		job,
		b"Paris".to_vec(),
		(0..tokens).collect(),
		finish,
		H256::repeat_byte(9),
	));
}

fn free(who: u64) -> u128 {
	Balances::balance(&who)
}

mod submit {
	use super::*;

	#[test]
	fn holds_the_escrow_assigns_a_provider_and_locks_its_collateral() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(16, 20);
			// 16 × 20 = 320, plus 10 % verification fee.
			assert_eq!(escrow_of(USER), 352);
			assert_eq!(free(USER), USER_BALANCE - 352);
			let JobStatus::Assigned { provider, price_per_token, collateral, deadline } =
				status(job)
			else {
				panic!("not assigned")
			};
			assert_eq!((provider, price_per_token), (P1, PRICE));
			assert_eq!(collateral, 2 * 16 * PRICE, "bond multiple × max_tokens × its price");
			assert_eq!(locked_of(P1), collateral);
			assert_eq!(deadline, 1 + RESULT_TIMEOUT);
			assert_eq!(Jobs::prompt(job).unwrap(), b"What is the capital of France?".to_vec());
			System::assert_has_event(
				Event::JobSubmitted {
					job,
					owner: USER,
					model: MODEL,
					max_tokens: 16,
					max_price_per_token: 20,
					escrow: 352,
				}
				.into(),
			);
			let seed = JobsStorage::<Test>::get(job).unwrap().seed;
			System::assert_last_event(
				Event::JobAssigned {
					job,
					provider: P1,
					price_per_token: PRICE,
					collateral,
					deadline,
					seed,
				}
				.into(),
			);
		});
	}

	#[test]
	fn job_ids_and_seeds_differ_between_jobs() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let a = submit(4, PRICE);
			let b = submit(4, PRICE);
			assert_eq!((a, b), (0, 1));
			assert_ne!(
				JobsStorage::<Test>::get(a).unwrap().seed,
				JobsStorage::<Test>::get(b).unwrap().seed
			);
			let mut all = Jobs::jobs_of(&USER, None, 10);
			all.sort();
			assert_eq!(all, vec![0, 1]);
			let first = Jobs::jobs_of(&USER, None, 1);
			let second = Jobs::jobs_of(&USER, first.last().copied(), 1);
			assert_eq!(first.len() + second.len(), 2, "two pages of one");
			assert_ne!(first, second);
			assert!(Jobs::jobs_of(&USER, second.last().copied(), 1).is_empty());
		});
	}

	fn submit_with(
		model: H256,
		prompt: &[u8],
		sampling: Sampling,
		max_tokens: u32,
		cap: u128,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Jobs::submit(
			RuntimeOrigin::signed(USER),
			model,
			prompt.to_vec(),
			sampling,
			max_tokens,
			cap,
			Judging::Waived,
		)
	}

	#[test]
	fn invalid_input_is_refused_with_a_named_error() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			TestModels::retire(OTHER_MODEL);
			let g = Sampling::Greedy;
			assert_noop!(
				submit_with(OTHER_MODEL, b"hi", g, 4, PRICE),
				Error::<Test>::ModelNotActive
			);
			assert_noop!(
				submit_with(H256::repeat_byte(7), b"hi", g, 4, PRICE),
				Error::<Test>::ModelNotActive
			);
			assert_noop!(submit_with(MODEL, b"", g, 4, PRICE), Error::<Test>::EmptyPrompt);
			assert_noop!(
				submit_with(MODEL, &[b'a'; 65], g, 4, PRICE),
				Error::<Test>::PromptTooLong
			);
			assert_noop!(submit_with(MODEL, b"hi", g, 0, PRICE), Error::<Test>::BadMaxTokens);
			assert_noop!(submit_with(MODEL, b"hi", g, 17, PRICE), Error::<Test>::BadMaxTokens);
			let hot = Sampling::Sampled {
				temperature_milli: MAX_TEMPERATURE_MILLI + 1,
				top_k: 0,
				top_p: Permill::one(),
			};
			assert_noop!(submit_with(MODEL, b"hi", hot, 4, PRICE), Error::<Test>::BadSampling);
			assert_noop!(submit_with(MODEL, b"hi", g, 4, 0), Error::<Test>::ZeroPrice);
			assert_noop!(submit_with(MODEL, b"hi", g, 16, u128::MAX / 8), Error::<Test>::Overflow);
		});
	}

	#[test]
	fn lowered_prompt_and_token_limits_refuse_what_the_storage_bounds_would_take() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			PromptLimit::set(8);
			OutputTokenLimit::set(4);
			let g = Sampling::Greedy;
			assert_noop!(submit_with(MODEL, &[b'a'; 9], g, 4, PRICE), Error::<Test>::PromptTooLong);
			assert_noop!(submit_with(MODEL, b"hi", g, 5, PRICE), Error::<Test>::BadMaxTokens);
			assert!(Jobs::quote(MODEL, 5).is_none(), "no quote above the token limit");
			assert_ok!(submit_with(MODEL, &[b'a'; 8], g, 4, PRICE));
			// A limit set above the storage bound is held to the bound.
			PromptLimit::set(1_000);
			assert_noop!(
				submit_with(MODEL, &[b'a'; 65], g, 4, PRICE),
				Error::<Test>::PromptTooLong
			);
		});
	}

	#[test]
	fn a_sampled_job_within_range_is_accepted() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let warm = Sampling::Sampled {
				temperature_milli: 700,
				top_k: 40,
				top_p: Permill::from_percent(95),
			};
			assert_ok!(submit_with(MODEL, b"hi", warm, 4, PRICE));
		});
	}

	#[test]
	fn no_fitting_provider_fails_and_holds_nothing() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 4, PRICE),
				Error::<Test>::NoProviderAvailable
			);
			provider(P1, STAKE, PRICE, 4);
			// The only offer costs more than the cap.
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 4, PRICE - 1),
				Error::<Test>::NoProviderAvailable
			);
			assert_eq!(escrow_of(USER), 0);
		});
	}

	#[test]
	fn a_user_who_cannot_afford_the_escrow_is_refused() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			assert_noop!(
				Jobs::submit(
					RuntimeOrigin::signed(POOR),
					MODEL,
					b"hi".to_vec(),
					Sampling::Greedy,
					16,
					PRICE,
					Judging::Waived,
				),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn a_provider_at_its_concurrency_limit_is_skipped() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 1);
			submit(4, PRICE);
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 4, PRICE),
				Error::<Test>::NoProviderAvailable
			);
			provider(P2, STAKE, PRICE, 1);
			let job = submit(4, PRICE);
			assert_eq!(assigned_provider(job), P2);
		});
	}

	#[test]
	fn a_provider_without_enough_free_collateral_is_skipped() {
		new_test_ext().execute_with(|| {
			// 100 of stake cannot back 16 × 10 × 2 = 320.
			provider(P1, 100, PRICE, 4);
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 16, PRICE),
				Error::<Test>::NoProviderAvailable
			);
			// A smaller job fits: 4 × 10 × 2 = 80.
			assert_ok!(submit_with(MODEL, b"hi", Sampling::Greedy, 4, PRICE));
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 4, PRICE),
				Error::<Test>::NoProviderAvailable
			);
		});
	}

	#[test]
	fn when_its_deadline_block_is_full_submission_is_congested() {
		new_test_ext().execute_with(|| {
			provider(P1, 500_000, 1, 64);
			// The mock's blocks take the first deadlines of 4 jobs.
			for _ in 0..4 {
				submit(1, 1);
			}
			assert_noop!(
				submit_with(MODEL, b"hi", Sampling::Greedy, 1, 1),
				Error::<Test>::Congested
			);
			run_to(2);
			assert_ok!(submit_with(MODEL, b"hi", Sampling::Greedy, 1, 1));
		});
	}

	#[test]
	fn a_backlog_of_due_jobs_is_worked_off_within_the_per_block_budget() {
		new_test_ext().execute_with(|| {
			provider(P1, 500_000, 1, 64);
			// 8 results due in one block, 3 settled a block: the last settle two blocks late.
			for block in 1..=2 {
				for _ in 0..4 {
					submit(1, 1);
				}
				run_to(block + 1);
			}
			for job in 0..8 {
				deliver(job, 1, FinishReason::Eos);
			}
			let finalized =
				|| (0..8).filter(|job| matches!(status(*job), JobStatus::Finalized { .. })).count();
			run_to(3 + CHALLENGE_WINDOW + 1);
			assert_eq!(finalized(), 3);
			// New jobs still go in.
			assert_ok!(submit_with(MODEL, b"hi", Sampling::Greedy, 1, 1));
			run_to(3 + CHALLENGE_WINDOW + 2);
			assert_eq!(finalized(), 6);
			run_to(3 + CHALLENGE_WINDOW + 3);
			assert_eq!(finalized(), 8);
		});
	}
}

#[test]
fn quote_reports_the_prices_and_escrow_of_offers_that_can_take_the_job() {
	use faithful_primitives::jobs::Quote;
	new_test_ext().execute_with(|| {
		assert_eq!(Jobs::quote(MODEL, 8), None, "no offers");
		provider(P1, STAKE, 10, 4);
		provider(P2, STAKE, 30, 4);
		// 100 of stake backs 8 × 5 × 2 = 80, but not 16 tokens.
		provider(P3, 100, 5, 4);
		assert_eq!(
			Jobs::quote(MODEL, 8),
			Some(Quote {
				providers: 3,
				min_price_per_token: 5,
				max_price_per_token: 30,
				escrow: 8 * 30 + 24,
				// Whichever of the three serves, two are left for three seats.
				judged: false,
			})
		);
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(P4),
			b"http://v".to_vec().try_into().unwrap(),
			STAKE,
		));
		assert_ok!(Providers::verify(RuntimeOrigin::signed(P4), MODEL));
		assert!(Jobs::quote(MODEL, 8).unwrap().judged, "a verifier makes up the jury");
		assert_eq!(
			Jobs::quote(MODEL, 16).map(|q| (q.providers, q.min_price_per_token)),
			Some((2, 10))
		);
		assert_eq!(Jobs::quote(MODEL, 0), None);
		assert_eq!(Jobs::quote(MODEL, 17), None);
		assert_eq!(Jobs::quote(OTHER_MODEL, 8), None);
	});
}

mod routing_statistics {
	use super::*;

	fn winners(jobs: u32, setup: impl Fn()) -> [u32; 3] {
		let mut wins = [0u32; 3];
		for salt in 0..jobs as u64 {
			new_test_ext().execute_with(|| {
				setup();
				TestRandomness::set_salt(salt);
				let job = submit(1, 100);
				let index = [P1, P2, P3].iter().position(|p| *p == assigned_provider(job)).unwrap();
				wins[index] += 1;
			});
		}
		wins
	}

	#[test]
	fn a_cheaper_offer_wins_proportionally_more_often() {
		// Weights ∝ 1/price down to a quarter of the cap of 100: 1/25 : 1/50 : 1/100 = 4 : 2 : 1.
		let wins = winners(1_400, || {
			provider(P1, STAKE, 25, 4);
			provider(P2, STAKE, 50, 4);
			provider(P3, STAKE, 100, 4);
		});
		let expected = [800.0, 400.0, 200.0];
		for (won, expected) in wins.iter().zip(expected) {
			let won = *won as f64;
			assert!((won - expected).abs() < 0.15 * expected, "{wins:?} vs {expected}");
		}
	}

	#[test]
	fn a_better_rated_provider_wins_proportionally_more_often() {
		use faithful_primitives::providers::JobOutcome;
		let wins = winners(1_000, || {
			provider(P1, STAKE, 10, 4);
			provider(P2, STAKE, 10, 4);
			provider(P3, STAKE, 1_000, 4);
			// P2 times out: its score halves from 50 % to 25 %.
			Providers::record_outcome(&P2, &MODEL, JobOutcome::TimedOut);
		});
		// P3's price is above the cap; P1 : P2 ≈ 2 : 1.
		let ratio = wins[0] as f64 / wins[1] as f64;
		assert!((1.7..2.3).contains(&ratio), "{wins:?}");
		assert!(wins[2] < 30, "{wins:?}");
	}

	#[test]
	fn offers_above_the_cap_are_never_chosen() {
		let wins = winners(200, || {
			provider(P1, STAKE, 10, 4);
			provider(P2, STAKE, 100, 4);
			provider(P3, STAKE, 101, 4);
		});
		assert_eq!(wins[2], 0, "{wins:?}");
		assert!(wins[0] > wins[1], "{wins:?}");
	}

	#[test]
	fn the_choice_is_reproducible_from_chain_state() {
		let first = winners(50, || {
			provider(P1, STAKE, 10, 4);
			provider(P2, STAKE, 15, 4);
		});
		let second = winners(50, || {
			provider(P1, STAKE, 10, 4);
			provider(P2, STAKE, 15, 4);
		});
		assert_eq!(first, second);
	}
}

mod submit_result {
	use super::*;

	#[test]
	fn the_assigned_provider_proposes_and_opens_the_window() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 1);
			let job = submit(8, PRICE);
			run_to(3);
			deliver(job, 5, FinishReason::Eos);
			let JobStatus::Proposed { provider, n_tokens, finish, challenge_until, .. } =
				status(job)
			else {
				panic!("not proposed")
			};
			assert_eq!((provider, n_tokens, finish), (P1, 5, FinishReason::Eos));
			assert_eq!(challenge_until, 3 + CHALLENGE_WINDOW);
			let output = Jobs::output(job).unwrap();
			assert_eq!(output.text.to_vec(), b"Paris".to_vec());
			assert_eq!(output.tokens.to_vec(), vec![0, 1, 2, 3, 4]);
			// The concurrency slot is free again; the collateral stays locked.
			assert_eq!(crate::Running::<Test>::get(P1, MODEL), 0);
			assert_eq!(locked_of(P1), 2 * 8 * PRICE);
			assert_eq!(crate::DueCount::<Test>::get(1 + RESULT_TIMEOUT + 1), 0);
			System::assert_last_event(
				Event::ResultProposed {
					job,
					provider: P1,
					n_tokens: 5,
					finish: FinishReason::Eos,
					commitment: H256::repeat_byte(9),
					challenge_until,
				}
				.into(),
			);
		});
	}

	fn result(
		who: u64,
		job: u64,
		text: &[u8],
		tokens: u32,
		finish: FinishReason,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Jobs::submit_result(
			RuntimeOrigin::signed(who),
			job,
			text.to_vec(),
			(0..tokens).collect(),
			finish,
			H256::zero(),
		)
	}

	#[test]
	fn bad_results_are_refused_with_a_named_error() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			provider(P2, STAKE, PRICE * 100, 4);
			let job = submit(8, PRICE);
			let eos = FinishReason::Eos;
			assert_noop!(result(P1, 42, b"x", 1, eos), Error::<Test>::UnknownJob);
			assert_noop!(result(P2, job, b"x", 1, eos), Error::<Test>::NotAssignedProvider);
			assert_noop!(result(P1, job, b"x", 9, eos), Error::<Test>::TooManyTokens);
			assert_noop!(result(P1, job, &[b'x'; 65], 1, eos), Error::<Test>::OutputTooLong);
			assert_noop!(
				result(P1, job, b"x", 7, FinishReason::Length),
				Error::<Test>::LengthMismatch
			);
			assert_ok!(result(P1, job, b"x", 8, FinishReason::Length));
			assert_noop!(result(P1, job, b"x", 1, eos), Error::<Test>::NotAssigned);
		});
	}

	#[test]
	fn a_result_after_the_deadline_is_refused() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			// Past the deadline but before the block that processes it.
			System::set_block_number(1 + RESULT_TIMEOUT + 1);
			assert_noop!(
				result(P1, job, b"x", 1, FinishReason::Eos),
				Error::<Test>::DeadlinePassed
			);
		});
	}
}

mod settlement {
	use super::*;

	#[test]
	fn after_the_window_the_provider_is_paid_and_the_rest_refunded() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let provider_before = free(P1);
			let job = submit(8, 20);
			// Escrow: 8 × 20 = 160 + 16 fee.
			deliver(job, 5, FinishReason::Eos);
			run_to(1 + CHALLENGE_WINDOW);
			assert!(matches!(status(job), JobStatus::Proposed { .. }), "still in the window");
			run_to(2 + CHALLENGE_WINDOW);
			// Cost 5 × 10 = 50; 5 % protocol fee = 2 (rounded down); provider gets 48.
			assert_eq!(free(P1), provider_before + 48);
			assert_eq!(free(TREASURY), 1 + 2 + 16);
			assert_eq!(free(USER), USER_BALANCE - 50 - 16);
			assert_eq!(escrow_of(USER), 0);
			assert_eq!(locked_of(P1), 0);
			assert_eq!(
				status(job),
				JobStatus::Finalized {
					provider: P1,
					n_tokens: 5,
					finish: FinishReason::Eos,
					commitment: H256::repeat_byte(9),
					paid: 48,
					refunded: 176 - 50 - 16,
					at: 2 + CHALLENGE_WINDOW,
				}
			);
			assert!(Prompts::<Test>::get(job).is_none() && Outputs::<Test>::get(job).is_none());
			assert!(Providers::reputation_of(&P1, &MODEL).unwrap() > Reputation::<u64>::NEUTRAL);
			System::assert_has_event(
				Event::JobFinalized {
					job,
					provider: P1,
					n_tokens: 5,
					paid: 48,
					fees: 18,
					refunded: 110,
				}
				.into(),
			);
		});
	}

	#[test]
	fn a_missed_deadline_slashes_and_reassigns_to_another_provider() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			provider(P2, STAKE, PRICE, 4);
			let (user_before, treasury_before) = (free(USER), free(TREASURY));
			run_to(2 + RESULT_TIMEOUT);
			// 10 % of P1's 160 collateral went to the treasury; the job moved to P2.
			assert_eq!(free(USER), user_before);
			assert_eq!(free(TREASURY), treasury_before + 16);
			assert_eq!(locked_of(P1), 0);
			assert_eq!(Providers::free_collateral(&P1), STAKE - 16);
			assert_eq!(assigned_provider(job), P2);
			assert_eq!(JobsStorage::<Test>::get(job).unwrap().attempts.to_vec(), vec![P1, P2]);
			assert!(Providers::reputation_of(&P1, &MODEL).unwrap() < Reputation::<u64>::NEUTRAL);
			System::assert_has_event(Event::JobTimedOut { job, provider: P1, slashed: 16 }.into());
		});
	}

	#[test]
	fn when_nobody_else_can_take_it_a_timed_out_job_is_refunded_in_full() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			run_to(2 + RESULT_TIMEOUT);
			assert_eq!(escrow_of(USER), 0);
			assert_eq!(free(USER), USER_BALANCE, "a full refund, and no profit from the timeout");
			assert_eq!(status(job), JobStatus::Refunded { refunded: 88, at: 2 + RESULT_TIMEOUT });
			assert!(Prompts::<Test>::get(job).is_none());
		});
	}

	#[test]
	fn a_lowered_attempt_limit_refunds_a_job_sooner() {
		new_test_ext().execute_with(|| {
			AttemptLimit::set(1);
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			provider(P2, STAKE, PRICE, 4);
			run_to(2 + RESULT_TIMEOUT);
			let record = JobsStorage::<Test>::get(job).unwrap();
			assert_eq!(record.attempts.len(), 1, "P2 was free but the limit is one provider");
			assert!(matches!(record.status, JobStatus::Refunded { .. }));
		});
	}

	#[test]
	fn after_max_attempts_the_job_is_refunded() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			provider(P2, STAKE, PRICE, 4);
			provider(P3, STAKE, PRICE, 4);
			run_to(1 + 3 * (RESULT_TIMEOUT + 1));
			let record = JobsStorage::<Test>::get(job).unwrap();
			assert_eq!(record.attempts.len(), 3);
			assert!(matches!(record.status, JobStatus::Refunded { .. }));
			assert_eq!(free(USER), USER_BALANCE, "the escrow back, none of the three slashes");
			for p in [P1, P2, P3] {
				assert_eq!(locked_of(p), 0);
			}
		});
	}

	#[test]
	fn a_block_settles_at_most_its_budget_and_the_rest_follows() {
		new_test_ext().execute_with(|| {
			provider(P1, 500_000, 1, 64);
			let jobs: Vec<u64> = (0..4).map(|_| submit(1, 1)).collect();
			for job in &jobs {
				deliver(*job, 1, FinishReason::Length);
			}
			run_to(2 + CHALLENGE_WINDOW);
			let done = |job: &u64| matches!(status(*job), JobStatus::Finalized { .. });
			assert_eq!(jobs.iter().filter(|j| done(j)).count(), 3, "budget of 3 per block");
			run_to(3 + CHALLENGE_WINDOW);
			assert!(jobs.iter().all(done));
		});
	}

	/// A block's queue work stops at its weight budget however few jobs that is (a last round
	/// settles every juror of a model), yet always takes one job, so nothing waits for ever.
	#[test]
	fn a_block_stops_at_its_settlement_weight_and_always_settles_one_job() {
		new_test_ext().execute_with(|| {
			provider(P1, 500_000, 1, 64);
			let jobs: Vec<u64> = (0..3).map(|_| submit(1, 1)).collect();
			for job in &jobs {
				deliver(*job, 1, FinishReason::Length);
			}
			SettlementWeight::set(polkadot_sdk::frame_support::weights::Weight::from_parts(1, 1));
			let done = || {
				jobs.iter().filter(|j| matches!(status(**j), JobStatus::Finalized { .. })).count()
			};
			for block in 0..3 {
				run_to(2 + CHALLENGE_WINDOW + block);
				assert_eq!(done(), block as usize + 1, "one job a block within a tiny budget");
			}
		});
	}

	#[test]
	fn anyone_can_finish_an_overdue_job_at_once() {
		new_test_ext().execute_with(|| {
			provider(P1, 500_000, 1, 64);
			let jobs: Vec<u64> = (0..4).map(|_| submit(1, 1)).collect();
			for job in &jobs {
				deliver(*job, 1, FinishReason::Length);
			}
			run_to(2 + CHALLENGE_WINDOW);
			let left =
				*jobs.iter().find(|j| matches!(status(**j), JobStatus::Proposed { .. })).unwrap();
			assert_ok!(Jobs::finish(RuntimeOrigin::signed(POOR), left));
			assert!(matches!(status(left), JobStatus::Finalized { .. }));
			// Only its record's expiry is still queued.
			let queued: Vec<u64> = crate::Due::<Test>::iter_keys()
				.filter(|(_, id)| *id == left)
				.map(|(at, _)| at)
				.collect();
			assert_eq!(queued, vec![2 + CHALLENGE_WINDOW + JOB_RETENTION + 1]);
			// The four records expire together; the per-block budget of three takes two blocks.
			run_to(2 + CHALLENGE_WINDOW + JOB_RETENTION + 2);
			assert!(JobsStorage::<Test>::iter().next().is_none(), "pruned after their retention");
			assert!(Jobs::jobs_of(&USER, None, 10).iter().all(|id| *id != left));
		});
	}

	#[test]
	fn finishing_a_job_that_is_not_overdue_is_refused() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			assert_noop!(Jobs::finish(RuntimeOrigin::signed(POOR), job), Error::<Test>::NotOverdue);
			deliver(job, 3, FinishReason::Eos);
			assert_noop!(Jobs::finish(RuntimeOrigin::signed(POOR), job), Error::<Test>::NotOverdue);
			assert_noop!(Jobs::finish(RuntimeOrigin::signed(POOR), 9), Error::<Test>::UnknownJob);
		});
	}

	#[test]
	fn finishing_an_overdue_assignment_times_it_out() {
		new_test_ext().execute_with(|| {
			provider(P1, STAKE, PRICE, 4);
			let job = submit(8, PRICE);
			System::set_block_number(2 + RESULT_TIMEOUT);
			assert_ok!(Jobs::finish(RuntimeOrigin::signed(POOR), job));
			assert!(matches!(status(job), JobStatus::Refunded { .. }));
			assert_eq!(escrow_of(USER), 0);
		});
	}

	#[test]
	fn unsigned_origins_cannot_call() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Jobs::finish(RuntimeOrigin::none(), 0),
				polkadot_sdk::sp_runtime::DispatchError::BadOrigin
			);
		});
	}
}

mod invariants {
	use super::*;
	use faithful_primitives::jobs::{vote_commitment, Verdict};
	use polkadot_sdk::{
		frame_support::traits::{fungible::InspectHold, LockableCurrency, WithdrawReasons},
		sp_runtime::Perbill,
	};
	use proptest::prelude::*;

	/// Serves every job routed to it at once, with the true answer, and votes the truth on every
	/// committee it is drawn for: it must never lose a unit.
	const HONEST: u64 = P1;
	/// Offers the model at one planck and never answers.
	const SINKHOLE: u64 = P4;

	#[derive(Debug, Clone)]
	enum Action {
		Submit {
			max_tokens: u32,
			cap: u128,
		},
		/// Many submissions in one block.
		Flood {
			jobs: u32,
		},
		Deliver {
			job: u64,
			tokens: u32,
			length: bool,
		},
		Finish {
			job: u64,
		},
		Advance {
			blocks: u64,
		},
		Challenge {
			job: u64,
		},
		Vote {
			job: u64,
			seat: usize,
		},
		/// The user locks all it has, held funds included (as a delegation does).
		Freeze,
		/// A referendum moves the fees, the timeout slash and the audit rate mid-job.
		Retune {
			fee: u32,
			slash: u32,
			audit: u32,
		},
	}

	fn action() -> impl Strategy<Value = Action> {
		// Few job ids and short advances, so calls mostly hit live jobs in the phase they need.
		prop_oneof![
			2 => (1u32..=16, 5u128..=40)
				.prop_map(|(max_tokens, cap)| Action::Submit { max_tokens, cap }),
			1 => (2u32..=8).prop_map(|jobs| Action::Flood { jobs }),
			2 => (0u64..8, 0u32..=16, any::<bool>())
				.prop_map(|(job, tokens, length)| Action::Deliver { job, tokens, length }),
			1 => (0u64..8).prop_map(|job| Action::Finish { job }),
			2 => (1u64..4).prop_map(|blocks| Action::Advance { blocks }),
			1 => (0u64..8).prop_map(|job| Action::Challenge { job }),
			4 => (0u64..8, 0usize..3).prop_map(|(job, seat)| Action::Vote { job, seat }),
			1 => Just(Action::Freeze),
			1 => (0u32..=20, 1u32..=100, 0u32..=50)
				.prop_map(|(fee, slash, audit)| Action::Retune { fee, slash, audit }),
		]
	}

	/// Whether a result is true: the honest provider's always are; the others' when they
	/// delivered an odd number of tokens.
	fn truth(job: u64) -> Verdict {
		let Some(record) = JobsStorage::<Test>::get(job) else { return Verdict::Valid };
		let honest = record.status.provider() == Some(&HONEST);
		let odd = Jobs::output(job).is_some_and(|output| output.tokens.len() % 2 == 1);
		if honest || odd {
			Verdict::Valid
		} else {
			Verdict::Invalid
		}
	}

	/// The committee member in `seat` commits its vote in the commit phase and reveals it
	/// afterwards. On the honest provider's results it votes the truth (juries that lie are the
	/// verification issue's adversaries); on others' its verdict is fixed per job and seat
	/// (mostly `Invalid`), so both kinds of verdict and missing votes all occur.
	fn cast(job: u64, seat: usize) -> polkadot_sdk::sp_runtime::DispatchResult {
		let Some(dispute) = crate::Disputes::<Test>::get(job) else { return Ok(()) };
		let Some(voter) = dispute.committee().get(seat).map(|juror| juror.who) else {
			return Ok(());
		};
		let Some((commit_until, _)) = dispute.phases() else { return Ok(()) };
		if voter == HONEST {
			return Ok(());
		}
		let judges_the_honest = JobsStorage::<Test>::get(job)
			.is_some_and(|record| record.status.provider() == Some(&HONEST));
		let verdict = if judges_the_honest || (job + seat as u64).is_multiple_of(3) {
			Verdict::Valid
		} else {
			Verdict::Invalid
		};
		if System::block_number() <= commit_until {
			let hash = vote_commitment(job, &voter, verdict, &[7; 32]);
			Jobs::commit_vote(RuntimeOrigin::signed(voter), job, hash)
		} else {
			Jobs::reveal_vote(RuntimeOrigin::signed(voter), job, verdict, [7; 32])
		}
	}

	/// The honest provider's duties, due by deadlines: every call must succeed.
	fn honest_duties() {
		let jobs: Vec<(u64, crate::JobOf<Test>)> = JobsStorage::<Test>::iter().collect();
		for (job, record) in jobs {
			if matches!(&record.status, JobStatus::Assigned { provider, .. } if *provider == HONEST)
			{
				assert_ok!(Jobs::submit_result(
					RuntimeOrigin::signed(HONEST),
					job,
					b"true".to_vec(),
					(0..record.max_tokens).collect(),
					FinishReason::Length,
					H256::zero(),
				));
			}
		}
		let disputes: Vec<_> = crate::Disputes::<Test>::iter().collect();
		for (job, dispute) in disputes {
			let Some(vote) = dispute.committee().iter().find(|j| j.who == HONEST).map(|j| j.vote)
			else {
				continue;
			};
			let Some((commit_until, _)) = dispute.phases() else { continue };
			let verdict = truth(job);
			let now = System::block_number();
			match vote {
				crate::Vote::Pending if now <= commit_until => {
					let hash = vote_commitment(job, &HONEST, verdict, &[1; 32]);
					assert_ok!(Jobs::commit_vote(RuntimeOrigin::signed(HONEST), job, hash));
				}
				crate::Vote::Committed(_) if now > commit_until => {
					assert_ok!(Jobs::reveal_vote(
						RuntimeOrigin::signed(HONEST),
						job,
						verdict,
						[1; 32]
					));
				}
				_ => {}
			}
		}
	}

	/// Runs `blocks` blocks, the honest provider doing its duties in each.
	fn advance(blocks: u64) {
		for _ in 0..blocks {
			honest_duties();
			run_to(System::block_number() + 1);
		}
	}

	/// What the pallets hold equals open escrow, challenge bonds of open disputes and bonded
	/// stake; locked collateral equals the collateral of open jobs plus the vote bonds of the
	/// committees a provider sits on.
	fn assert_accounts_add_up() {
		let jobs: Vec<_> = JobsStorage::<Test>::iter_values().collect();
		let disputes: Vec<_> = crate::Disputes::<Test>::iter_values().collect();
		let escrow: u128 = [USER, POOR].iter().map(|who| escrow_of(*who)).sum();
		assert_eq!(escrow, Jobs::open_escrow());
		let bonds: u128 = [USER, P1, P2, P3, P4, P5]
			.iter()
			.map(|who| Balances::balance_on_hold(&crate::HoldReason::ChallengeBond.into(), who))
			.sum();
		let open_bonds: u128 =
			disputes.iter().filter_map(|d| d.challenger.as_ref().map(|(_, bond)| *bond)).sum();
		assert_eq!(bonds, open_bonds);
		for p in [P1, P2, P3, P4] {
			let info = pallet_providers::Providers::<Test>::get(p).unwrap();
			let stake_held =
				Balances::balance_on_hold(&pallet_providers::HoldReason::Stake.into(), &p);
			assert_eq!(stake_held, info.stake);
			let backing: u128 = jobs
				.iter()
				.filter_map(|job| match &job.status {
					JobStatus::Assigned { provider, collateral, .. }
					| JobStatus::Proposed { provider, collateral, .. }
					| JobStatus::Disputed { provider, collateral, .. }
						if *provider == p =>
					{
						Some(*collateral)
					}
					_ => None,
				})
				.sum();
			let seats = disputes
				.iter()
				.map(|d| d.earlier.iter().chain(d.committee()).filter(|j| j.who == p).count())
				.sum::<usize>() as u128;
			assert_eq!(info.locked, backing + seats * VOTE_BOND, "provider {p}");
		}
		Jobs::do_try_state().expect("the jobs pallet's invariants hold");
		Providers::do_try_state().expect("the providers pallet's invariants hold");
	}

	/// The honest provider's free balance plus stake: it may only grow.
	fn honest_worth() -> u128 {
		free(HONEST) + pallet_providers::Providers::<Test>::get(HONEST).unwrap().stake
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(100))]

		/// Whatever users, providers, challengers and committees do (with up to half of results
		/// audited, a user that freezes its balance, floods of submissions, an offer at one planck
		/// that never answers and referenda changing the terms mid-job), no unit of money is
		/// created or lost, holds always match open escrow, open challenge bonds and stake, every
		/// deadline-bound call of the honest provider succeeds and it never loses a unit; once
		/// every deadline, window and reveal phase has passed every job is finalized, slashed or
		/// refunded and every dispute resolved, with nothing left held or locked.
		#[test]
		fn money_is_conserved_every_job_ends_and_no_honest_provider_loses(
			actions in prop::collection::vec(action(), 1..80),
		) {
			new_test_ext().execute_with(|| {
				AuditRate::set(Perbill::from_percent(33));
				provider(HONEST, 2_000, 10, 2);
				provider(P2, 5_000, 20, 3);
				provider(P3, 400, 5, 1);
				provider(SINKHOLE, 1_000, 1, 4);
				let issuance = Balances::total_issuance();
				let mut worth = honest_worth();
				for action in actions {
					let submit = |max_tokens, cap| Jobs::submit(
						RuntimeOrigin::signed(USER),
						MODEL,
						b"prompt".to_vec(),
						Sampling::Greedy,
						max_tokens,
						cap,
						Judging::Waived,
					);
					let _ = match action {
						Action::Submit { max_tokens, cap } => submit(max_tokens, cap),
						Action::Flood { jobs } => {
							for _ in 0..jobs {
								let _ = submit(1, 40);
							}
							Ok(())
						}
						Action::Deliver { job, tokens, length } => {
							let who = JobsStorage::<Test>::get(job)
								.and_then(|j| j.status.provider().copied())
								.filter(|who| *who != SINKHOLE && *who != HONEST)
								.unwrap_or(P2);
							let finish = if length { FinishReason::Length } else { FinishReason::Eos };
							Jobs::submit_result(
								RuntimeOrigin::signed(who),
								job,
								b"out".to_vec(),
								(0..tokens).collect(),
								finish,
								H256::zero(),
							)
						},
						Action::Finish { job } => {
							Jobs::finish(RuntimeOrigin::signed(POOR), job).map(|_| ()).map_err(|e| e.error)
						}
						Action::Challenge { job } => Jobs::challenge(RuntimeOrigin::signed(P5), job),
						Action::Vote { job, seat } => cast(job, seat),
						Action::Advance { blocks } => {
							advance(blocks);
							Ok(())
						},
						Action::Freeze => {
							Balances::set_lock(*b"delegate", &USER, u128::MAX, WithdrawReasons::all());
							Ok(())
						}
						Action::Retune { fee, slash, audit } => {
							ProtocolFee::set(Perbill::from_percent(fee));
							TimeoutSlash::set(Perbill::from_percent(slash));
							AuditRate::set(Perbill::from_percent(audit));
							Ok(())
						}
					};
					honest_duties();
					prop_assert_eq!(Balances::total_issuance(), issuance);
					prop_assert!(honest_worth() >= worth, "the honest provider lost");
					worth = honest_worth();
					assert_accounts_add_up();
				}
				// Three attempts, a window, a dispute and the per-block budget's backlog at most.
				let bound = 3 * (RESULT_TIMEOUT + 1) + CHALLENGE_WINDOW + COMMIT_PHASE + REVEAL_PHASE
					+ 60;
				advance(bound);
				prop_assert_eq!(Balances::total_issuance(), issuance);
				prop_assert!(honest_worth() >= worth, "the honest provider lost");
				for (id, job) in JobsStorage::<Test>::iter() {
					prop_assert!(job.status.is_terminal(), "job {} is {:?}", id, job.status);
				}
				prop_assert_eq!(escrow_of(USER), 0);
				prop_assert_eq!(crate::Disputes::<Test>::iter().count(), 0, "every dispute resolved");
				for p in [P1, P2, P3, P4] {
					prop_assert_eq!(locked_of(p), 0);
				}
				assert_accounts_add_up();
				Ok(())
			})?;
		}
	}
}
