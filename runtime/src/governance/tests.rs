//! Governance on the real runtime: referenda pass or fail by vote, and bounds hold whatever the
//! origin.

use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{Bounded, Get, OnInitialize, StorePreimage},
	},
	pallet_conviction_voting as voting, pallet_referenda as referenda,
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{traits::Dispatchable, BuildStorage, DispatchError},
};

use super::{Error, Origin, Timing};
use crate::{
	dynamic_params::jobs, AccountId, BlockNumber, OriginCaller, Referenda, Runtime, RuntimeCall,
	RuntimeGenesisConfig, RuntimeOrigin, RuntimeParameters, Scheduler, System, FTH,
};

const ALICE: Sr25519Keyring = Sr25519Keyring::Alice;
const BOB: Sr25519Keyring = Sr25519Keyring::Bob;
const CHARLIE: Sr25519Keyring = Sr25519Keyring::Charlie;
/// Six accounts of a million FTH each: each holds a sixth of the issuance.
const ENDOWMENT: u128 = 1_000_000 * FTH;

fn new_ext() -> TestExternalities {
	let accounts: Vec<AccountId> = [ALICE, BOB, CHARLIE, Sr25519Keyring::Dave]
		.iter()
		.chain(&[Sr25519Keyring::Eve, Sr25519Keyring::Ferdie])
		.map(|k| k.to_account_id())
		.collect();
	let mut config = RuntimeGenesisConfig::default();
	config.balances.balances = accounts.into_iter().map(|a| (a, ENDOWMENT)).collect();
	config.governance.timing = Timing::DEVELOPMENT;
	let mut ext: TestExternalities = config.build_storage().expect("genesis builds").into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn run_to(block: BlockNumber) {
	while System::block_number() < block {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		<Scheduler as OnInitialize<BlockNumber>>::on_initialize(next);
	}
}

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

fn challenge_window(blocks: BlockNumber) -> RuntimeParameters {
	RuntimeParameters::Jobs(jobs::Parameters::ChallengeWindow(jobs::ChallengeWindow, Some(blocks)))
}

fn set_parameter_call(change: RuntimeParameters) -> RuntimeCall {
	RuntimeCall::Governance(super::Call::set_parameter { key_value: change })
}

/// Alice proposes `change` on the parameters track and places the decision deposit; returns
/// the referendum's index.
fn propose(change: RuntimeParameters) -> u32 {
	let index = referenda::ReferendumCount::<Runtime>::get();
	let proposal = <crate::Preimage as StorePreimage>::bound(set_parameter_call(change)).unwrap();
	assert!(matches!(proposal, Bounded::Inline(_)), "small proposals need no preimage");
	assert_ok!(Referenda::submit(
		signed(ALICE),
		Box::new(OriginCaller::Governance(Origin::ParameterAdmin)),
		proposal,
		polkadot_sdk::frame_support::traits::schedule::DispatchTime::After(1),
	));
	assert_ok!(Referenda::place_decision_deposit(signed(ALICE), index));
	index
}

fn vote(who: Sr25519Keyring, index: u32, aye: bool, balance: u128) {
	let vote = voting::AccountVote::Standard {
		vote: voting::Vote { aye, conviction: voting::Conviction::Locked1x },
		balance,
	};
	assert_ok!(crate::ConvictionVoting::vote(signed(who), index, vote));
}

fn current_window() -> BlockNumber {
	<Runtime as pallet_jobs::Config>::ChallengeWindow::get()
}

fn approved(index: u32) -> bool {
	matches!(
		referenda::ReferendumInfoFor::<Runtime>::get(index),
		Some(referenda::ReferendumInfo::Approved(..))
	)
}

#[test]
fn a_change_within_bounds_passes_a_referendum_and_takes_effect() {
	new_ext().execute_with(|| {
		let before = current_window();
		let index = propose(challenge_window(50));
		// A quarter of the issuance: enough once the support curve has fallen that far.
		for who in [ALICE, BOB, CHARLIE] {
			vote(who, index, true, ENDOWMENT / 2);
		}
		let timing = Timing::DEVELOPMENT;
		let end = timing.prepare + timing.decision + timing.confirm + timing.enactment;
		run_to(System::block_number() + end);
		assert!(approved(index), "{:?}", referenda::ReferendumInfoFor::<Runtime>::get(index));
		assert_ne!(before, 50);
		assert_eq!(current_window(), 50, "the jobs pallet reads the new window");
	});
}

#[test]
fn a_referendum_without_enough_support_fails_and_changes_nothing() {
	new_ext().execute_with(|| {
		let before = current_window();
		let index = propose(challenge_window(50));
		// A hundred FTH of ayes: unanimous, but a tiny share of the issuance.
		vote(CHARLIE, index, true, 100 * FTH);
		let timing = Timing::DEVELOPMENT;
		run_to(System::block_number() + timing.prepare + timing.decision + timing.enactment + 5);
		assert!(
			matches!(
				referenda::ReferendumInfoFor::<Runtime>::get(index),
				Some(referenda::ReferendumInfo::Rejected(..))
			),
			"{:?}",
			referenda::ReferendumInfoFor::<Runtime>::get(index)
		);
		assert_eq!(current_window(), before);
	});
}

#[test]
fn a_change_out_of_bounds_is_refused_whatever_the_origin() {
	new_ext().execute_with(|| {
		let before = current_window();
		let admin: RuntimeOrigin = Origin::ParameterAdmin.into();
		for origin in [RuntimeOrigin::root(), admin] {
			assert_noop!(
				super::Pallet::<Runtime>::set_parameter(origin.clone(), challenge_window(1)),
				Error::<Runtime>::BelowMinimum
			);
			assert_noop!(
				super::Pallet::<Runtime>::set_parameter(origin, challenge_window(10 * 28_800)),
				Error::<Runtime>::AboveMaximum
			);
		}
		let four_seats = RuntimeParameters::Jobs(jobs::Parameters::CommitteeSeats(
			jobs::CommitteeSeats,
			Some(4),
		));
		assert_noop!(
			super::Pallet::<Runtime>::set_parameter(RuntimeOrigin::root(), four_seats),
			Error::<Runtime>::AboveMaximum
		);
		// Around the bounds check: `pallet-parameters` takes no other origin, not even root.
		let direct =
			RuntimeCall::Parameters(polkadot_sdk::pallet_parameters::Call::set_parameter {
				key_value: challenge_window(1),
			});
		assert_eq!(
			direct.dispatch(RuntimeOrigin::root()).map_err(|e| e.error),
			Err(DispatchError::BadOrigin)
		);
		assert_eq!(current_window(), before);
		// Signed accounts may not set parameters at all.
		assert_noop!(
			super::Pallet::<Runtime>::set_parameter(signed(ALICE), challenge_window(50)),
			DispatchError::BadOrigin
		);
		// Within bounds, root (sudo on development networks) may.
		assert_ok!(super::Pallet::<Runtime>::set_parameter(
			RuntimeOrigin::root(),
			challenge_window(50)
		));
		assert_eq!(current_window(), 50);
	});
}

fn set(change: jobs::Parameters) -> polkadot_sdk::sp_runtime::DispatchResult {
	super::Pallet::<Runtime>::set_parameter(RuntimeOrigin::root(), RuntimeParameters::Jobs(change))
}

/// Each parameter was bounded alone, so a bond multiple of 1 with a 20 % audit rate, or no
/// audits at all, could be voted in: lying paid. A change is refused when the parameter set it
/// leaves breaks the deterrence inequality (`faithful_primitives::parameters::deters_lying`).
#[test]
fn governance_cannot_vote_in_parameters_under_which_lying_pays() {
	new_ext().execute_with(|| {
		use polkadot_sdk::sp_runtime::Perbill;
		assert_noop!(
			set(jobs::Parameters::BondMultiple(jobs::BondMultiple, Some(1))),
			Error::<Runtime>::LyingWouldPay
		);
		assert_noop!(
			set(jobs::Parameters::AuditRate(jobs::AuditRate, Some(Perbill::zero()))),
			Error::<Runtime>::LyingWouldPay
		);
		// Raising the audit rate first makes room for a lower bond multiple: the rule is joint.
		assert_ok!(set(jobs::Parameters::AuditRate(
			jobs::AuditRate,
			Some(Perbill::from_percent(50))
		)));
		assert_ok!(set(jobs::Parameters::BondMultiple(jobs::BondMultiple, Some(3))));
		assert_noop!(
			set(jobs::Parameters::AuditRate(jobs::AuditRate, Some(Perbill::from_percent(20)))),
			Error::<Runtime>::LyingWouldPay
		);
	});
}

/// Two seats made ties (and so no verdict) the likely end of any contested dispute.
#[test]
fn governance_cannot_vote_in_an_even_jury() {
	new_ext().execute_with(|| {
		assert_noop!(
			set(jobs::Parameters::CommitteeSeats(jobs::CommitteeSeats, Some(2))),
			Error::<Runtime>::EvenJury
		);
		assert_ok!(set(jobs::Parameters::CommitteeSeats(jobs::CommitteeSeats, Some(1))));
	});
}

/// A commit phase of five blocks was shorter than a worker following finalized blocks needs to
/// see its seat, re-execute and commit: honest voting became impossible.
#[test]
fn governance_cannot_make_the_vote_phases_too_short_for_honest_jurors() {
	new_ext().execute_with(|| {
		let floor = faithful_primitives::parameters::VOTE_PHASE_FLOOR;
		for change in [
			jobs::Parameters::CommitPhase(jobs::CommitPhase, Some(5)),
			jobs::Parameters::RevealPhase(jobs::RevealPhase, Some(5)),
		] {
			assert_noop!(set(change), Error::<Runtime>::BelowMinimum);
		}
		assert_ok!(set(jobs::Parameters::CommitPhase(jobs::CommitPhase, Some(floor))));
	});
}
