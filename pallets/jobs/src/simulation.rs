//! An agent-based simulation of verification under adversaries, run over the real pallet logic
//! (the mock runtime): every job, audit, jury, vote, appeal and payout below is the pallets' own.
//!
//! The agents: one provider serving every job with a lying strategy, a pool of seven jurors
//! offering the model too dearly to be routed to, each honest (re-executes and votes the truth),
//! lazy (votes `Valid` without re-executing), in a cartel with the liar (votes `Valid` on its
//! results) or offline, and optionally a griefer that challenges every result. Honest jurors
//! appeal a first-round verdict they know is wrong; the cartel and the liar appeal one that
//! convicts the liar. The truth is the simulation's: it knows which answers were lies.
//!
//! `cargo test -p pallet-jobs --lib simulation::table -- --ignored --nocapture` prints the table
//! of `docs/verification.md`; the other tests check its targets on shorter runs.

use crate::{mock::*, Disputes, Jobs as JobsStorage, Jury, Vote};
use faithful_primitives::jobs::{vote_commitment, FinishReason, JobStatus, Verdict};
use polkadot_sdk::{
	frame_support::traits::fungible::{Inspect, Mutate},
	sp_core::H256,
	sp_runtime::Perbill,
};
use std::collections::BTreeSet;

/// The provider every job is routed to.
const LIAR: u64 = 500;
const GRIEFER: u64 = 501;
/// Jurors' accounts: `JUROR_BASE + i`.
const JUROR_BASE: u64 = 600;
const JURORS: u64 = 7;
const PRICE: u128 = 100;
/// The jurors' price: above every cap, so routing never picks them.
const JUROR_PRICE: u128 = 1_000_000;
const FUNDS: u128 = 1_000_000_000_000;

/// How a juror behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
	Honest,
	Lazy,
	Cartel,
	Offline,
}

/// When the provider lies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Strategy {
	/// Never: the baseline every other strategy is measured against.
	Honest,
	Always,
	/// Only when the audit draw, recomputed from the randomness it can read, says "not audited".
	WhenTheDrawLooksSafe,
	/// Only on small jobs, whose collateral is smallest.
	SmallJobsOnly,
}

/// One run's set-up.
#[derive(Clone, Copy)]
pub struct Scenario {
	pub strategy: Strategy,
	pub audit_rate: Perbill,
	pub bond_multiple: u32,
	/// The jurors' roles by index, and their stakes.
	pub roles: [(Role, u128); JURORS as usize],
	pub griefer: bool,
	pub jobs: u32,
}

/// What a run measured.
#[derive(Default, Debug)]
pub struct Outcome {
	/// The provider's stake plus free balance, end minus start.
	pub provider_delta: i128,
	/// The job value (`n_tokens × price`) of each answer that was a lie, summed: what lying saved
	/// in compute, at the most (an answer's compute costing its whole price).
	pub saved: u128,
	pub jobs: u32,
	pub value: u128,
	pub lies: u32,
	/// Disputes over a lie, and those that ended with the liar paid.
	pub disputed_lies: u32,
	pub lies_upheld: u32,
	/// First rounds over a lie that found it `Valid`.
	pub first_rounds_captured: u32,
	pub griefer_delta: i128,
	/// Each juror's stake plus free balance, end minus start, by role.
	pub juror_delta: Vec<(Role, i128)>,
}

fn worth(who: u64) -> i128 {
	let stake = pallet_providers::Providers::<Test>::get(who).map(|p| p.stake).unwrap_or(0);
	(Balances::balance(&who) + stake) as i128
}

fn juror(i: u64) -> u64 {
	JUROR_BASE + i
}

fn salt(who: u64) -> [u8; 32] {
	[(who % 251) as u8; 32]
}

/// Runs `scenario` from a fresh chain.
pub fn run(scenario: Scenario) -> Outcome {
	new_test_ext().execute_with(|| {
		AuditRate::set(scenario.audit_rate);
		BondMultiple::set(scenario.bond_multiple);
		Balances::set_balance(&USER, FUNDS);
		Balances::set_balance(&LIAR, FUNDS);
		Balances::set_balance(&GRIEFER, FUNDS);
		provider(LIAR, FUNDS / 2, PRICE, 64);
		for (i, (_, stake)) in scenario.roles.iter().enumerate() {
			Balances::set_balance(&juror(i as u64), FUNDS);
			provider(juror(i as u64), *stake, JUROR_PRICE, 1);
		}
		let start: Vec<i128> = (0..JURORS).map(|i| worth(juror(i))).collect();
		let (liar_start, griefer_start) = (worth(LIAR), worth(GRIEFER));
		let mut out = Outcome::default();
		let mut lies = BTreeSet::new();
		let mut tracked = BTreeSet::new();
		let mut upheld = BTreeSet::new();
		let mut captured = BTreeSet::new();
		let role = |who: u64| -> Option<Role> {
			who.checked_sub(JUROR_BASE)
				.filter(|i| *i < JURORS)
				.map(|i| scenario.roles[i as usize].0)
		};
		let blocks = scenario.jobs as u64 * 2 + 80;
		for block in 0..blocks {
			let now = System::block_number();
			if block % 2 == 0 && out.jobs < scenario.jobs {
				// Job sizes alternate, so a liar can pick the small ones.
				let max_tokens = if out.jobs % 2 == 0 { 2 } else { 16 };
				let job = submit(max_tokens, PRICE);
				out.jobs += 1;
				out.value += max_tokens as u128 * PRICE;
				let attempt = JobsStorage::<Test>::get(job).unwrap().attempts.len() as u32;
				let lie = match scenario.strategy {
					Strategy::Honest => false,
					Strategy::Always => true,
					Strategy::WhenTheDrawLooksSafe => {
						!crate::Pallet::<Test>::is_audited(job, attempt, scenario.audit_rate)
					}
					Strategy::SmallJobsOnly => max_tokens <= 4,
				};
				assert!(Jobs::submit_result(
					RuntimeOrigin::signed(LIAR),
					job,
					b"answer".to_vec(),
					(0..max_tokens).collect(),
					FinishReason::Length,
					H256::repeat_byte(lie as u8),
				)
				.is_ok());
				if lie {
					lies.insert(job);
					out.lies += 1;
					out.saved += max_tokens as u128 * PRICE;
				}
			}
			for (job, record) in JobsStorage::<Test>::iter().collect::<Vec<_>>() {
				if let JobStatus::Proposed { challenge_until, .. } = record.status {
					if scenario.griefer && !lies.contains(&job) && now <= challenge_until {
						assert!(Jobs::challenge(RuntimeOrigin::signed(GRIEFER), job).is_ok());
					}
				}
			}
			for (job, dispute) in Disputes::<Test>::iter().collect::<Vec<_>>() {
				let lie = lies.contains(&job);
				let truth = if lie { Verdict::Invalid } else { Verdict::Valid };
				if lie && tracked.insert(job) {
					out.disputed_lies += 1;
				}
				match dispute.jury {
					Jury::Drawing => {}
					Jury::Seated { committee, commit_until, reveal_until } => {
						for seat in committee.iter() {
							let verdict = match role(seat.who) {
								Some(Role::Honest) => truth,
								Some(Role::Lazy) => Verdict::Valid,
								Some(Role::Cartel) => Verdict::Valid,
								Some(Role::Offline) | None => continue,
							};
							let who = seat.who;
							match seat.vote {
								Vote::Pending if now <= commit_until => {
									let hash = vote_commitment(job, &who, verdict, &salt(who));
									let _ =
										Jobs::commit_vote(RuntimeOrigin::signed(who), job, hash);
								}
								Vote::Committed(_) if now > commit_until && now <= reveal_until => {
									let _ = Jobs::reveal_vote(
										RuntimeOrigin::signed(who),
										job,
										verdict,
										salt(who),
									);
								}
								_ => {}
							}
						}
					}
					Jury::Decided { verdict, appeal_until, .. } => {
						if dispute.round == 0
							&& lie && verdict == Verdict::Valid
							&& captured.insert(job)
						{
							out.first_rounds_captured += 1;
						}
						if now > appeal_until || dispute.appeal.is_some() {
							continue;
						}
						let honest = (0..JURORS)
							.find(|i| scenario.roles[*i as usize].0 == Role::Honest)
							.map(juror);
						let cartel_exists =
							scenario.roles.iter().any(|(role, _)| *role == Role::Cartel);
						let appellant = if verdict != truth {
							honest
						} else if lie && cartel_exists {
							Some(LIAR)
						} else {
							None
						};
						if let Some(appellant) = appellant {
							let _ = Jobs::appeal(RuntimeOrigin::signed(appellant), job);
						}
					}
				}
			}
			for job in tracked.iter() {
				let ended = JobsStorage::<Test>::get(job).map(|r| r.status);
				if matches!(ended, Some(JobStatus::Finalized { .. })) && upheld.insert(*job) {
					out.lies_upheld += 1;
				}
			}
			run_to(now + 1);
		}
		assert!(
			JobsStorage::<Test>::iter_values().all(|r| r.status.is_terminal()),
			"every job reached a terminal state"
		);
		out.provider_delta = worth(LIAR) - liar_start;
		out.griefer_delta = worth(GRIEFER) - griefer_start;
		out.juror_delta = (0..JURORS)
			.map(|i| (scenario.roles[i as usize].0, worth(juror(i)) - start[i as usize]))
			.collect();
		out
	})
}

/// The parameter sets the table runs: the defaults, and the corners governance can reach
/// (`deters_lying` holds with no room to spare).
pub const PARAMETERS: [(&str, u32, u32); 3] = [
	("defaults (20 %, ×10)", 20, 10),
	("corner (15 %, ×10)", 15, 10),
	("corner (50 %, ×3)", 50, 3),
];

/// Seven equal honest jurors.
pub const HONEST_POOL: [(Role, u128); JURORS as usize] = [(Role::Honest, 10_000_000); 7];

/// A pool in which a cartel holds `share_percent` of the stake over two accounts and five
/// honest jurors share the rest equally.
pub fn cartel_pool(share_percent: u128) -> [(Role, u128); JURORS as usize] {
	let total: u128 = 70_000_000;
	let cartel = total * share_percent / 100 / 2;
	let honest = (total - 2 * cartel) / 5;
	let mut pool = [(Role::Honest, honest); JURORS as usize];
	pool[0] = (Role::Cartel, cartel.max(1_000));
	pool[1] = (Role::Cartel, cartel.max(1_000));
	pool
}

/// The liar's profit per job against answering every job honestly, in units of the mean job
/// value: (what lying saved in compute + its balance change − the honest baseline's) / value.
pub fn profit_per_job(scenario: Scenario) -> f64 {
	let honest = run(Scenario { strategy: Strategy::Honest, ..scenario });
	let liar = run(scenario);
	let gain = liar.saved as f64 + (liar.provider_delta - honest.provider_delta) as f64;
	gain / liar.value as f64
}

fn scenario(strategy: Strategy, (audit, bond): (u32, u32), jobs: u32) -> Scenario {
	Scenario {
		strategy,
		audit_rate: Perbill::from_percent(audit),
		bond_multiple: bond,
		roles: HONEST_POOL,
		griefer: false,
		jobs,
	}
}

/// Every lying strategy loses money, at the defaults and at the corners.
#[test]
fn no_lying_strategy_pays_at_the_defaults_or_the_corners() {
	for (name, audit, bond) in PARAMETERS {
		for strategy in [Strategy::Always, Strategy::WhenTheDrawLooksSafe, Strategy::SmallJobsOnly]
		{
			let profit = profit_per_job(scenario(strategy, (audit, bond), 150));
			assert!(profit < 0.0, "{strategy:?} at {name}: {profit:.2} per job");
		}
	}
}

/// Under a third of the stake, a cartel that upholds every lie of its friend's (audited at
/// 100 %, so every lie is judged) wins no dispute once honest jurors appeal.
#[test]
fn a_cartel_under_a_third_of_the_stake_wins_no_dispute_after_appeals() {
	let outcome = run(Scenario {
		strategy: Strategy::Always,
		audit_rate: Perbill::one(),
		bond_multiple: 10,
		roles: cartel_pool(30),
		griefer: false,
		jobs: 30,
	});
	assert!(outcome.disputed_lies >= 25, "{} lies judged", outcome.disputed_lies);
	assert_eq!(outcome.lies_upheld, 0, "{outcome:?}");
	for (role, delta) in outcome.juror_delta {
		match role {
			Role::Cartel => assert!(delta < 0, "the cartel paid for its votes"),
			_ => assert!(delta >= 0, "no honest juror lost"),
		}
	}
}

/// A griefer that challenges every honest result loses its bonds, and the honest provider loses
/// nothing: it ends at least as rich as without the griefer.
#[test]
fn an_honest_provider_loses_nothing_to_a_griefing_challenger() {
	let quiet = run(Scenario { griefer: false, ..scenario(Strategy::Honest, (20, 10), 20) });
	let griefed = run(Scenario { griefer: true, ..scenario(Strategy::Honest, (20, 10), 20) });
	assert!(griefed.provider_delta >= quiet.provider_delta, "{griefed:?} vs {quiet:?}");
	assert!(griefed.griefer_delta < 0);
}

/// Prints the table of `docs/verification.md`.
#[test]
#[ignore = "prints the simulation's table; run with --ignored --nocapture"]
fn table() {
	println!(
		"| parameters | liar's strategy | lies / jobs | liar's profit per job (× job value) |"
	);
	println!("|---|---|---|---|");
	for (name, audit, bond) in PARAMETERS {
		for strategy in [Strategy::Always, Strategy::WhenTheDrawLooksSafe, Strategy::SmallJobsOnly]
		{
			let s = scenario(strategy, (audit, bond), 200);
			let lies = run(s);
			let profit = profit_per_job(s);
			println!("| {name} | {strategy:?} | {} / {} | {profit:+.2} |", lies.lies, lies.jobs);
		}
	}
	println!();
	println!("| cartel's stake | lies judged | first rounds captured | lies upheld after appeals | cartel's result | honest jurors' result |");
	println!("|---|---|---|---|---|---|");
	for share in [10, 20, 30, 33, 40, 49] {
		let o = run(Scenario {
			strategy: Strategy::Always,
			audit_rate: Perbill::one(),
			bond_multiple: 10,
			roles: cartel_pool(share),
			griefer: false,
			jobs: 100,
		});
		let sum = |wanted: Role| -> i128 {
			o.juror_delta.iter().filter(|(r, _)| *r == wanted).map(|(_, d)| d).sum()
		};
		println!(
			"| {share} % | {} | {} | {} ({:.1} %) | {:+} | {:+} |",
			o.disputed_lies,
			o.first_rounds_captured,
			o.lies_upheld,
			100.0 * o.lies_upheld as f64 / o.disputed_lies.max(1) as f64,
			sum(Role::Cartel),
			sum(Role::Honest),
		);
	}
	println!();
	println!("| honest provider's result, no griefer | with a griefer challenging every result | griefer's result |");
	println!("|---|---|---|");
	let quiet = run(scenario(Strategy::Honest, (20, 10), 100));
	let griefed = run(Scenario { griefer: true, ..scenario(Strategy::Honest, (20, 10), 100) });
	println!(
		"| {:+} | {:+} | {:+} |",
		quiet.provider_delta, griefed.provider_delta, griefed.griefer_delta
	);
	println!();
	println!("| juror | result over 100 jobs of an always-lying provider, all audited |");
	println!("|---|---|");
	let mixed = run(Scenario {
		strategy: Strategy::Always,
		audit_rate: Perbill::one(),
		bond_multiple: 10,
		roles: mixed_pool(),
		griefer: false,
		jobs: 100,
	});
	for (i, (role, delta)) in mixed.juror_delta.iter().enumerate() {
		println!("| {i}: {role:?} | {delta:+} |");
	}
	println!();
	println!("lies judged {}, upheld {}", mixed.disputed_lies, mixed.lies_upheld);
}

/// Three honest jurors, two that vote `Valid` without re-executing and two that never vote.
fn mixed_pool() -> [(Role, u128); JURORS as usize] {
	let mut pool = HONEST_POOL;
	for (seat, role) in pool.iter_mut().zip([Role::Lazy, Role::Lazy, Role::Offline, Role::Offline])
	{
		seat.0 = role;
	}
	pool
}
