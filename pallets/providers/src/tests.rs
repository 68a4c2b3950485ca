use crate::{
	mock::*, Error, Event, HoldReason, Offers, Providers as ProviderStore, UnbondingChunk,
};
use faithful_primitives::{
	models::ModelOffers,
	providers::{JobOutcome, Offer, ProviderCollateral},
};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, InspectHold},
		BoundedVec,
	},
	sp_runtime::{DispatchError, DispatchResult, Perbill},
};
use proptest::prelude::*;

fn endpoint(s: &str) -> BoundedVec<u8, MaxEndpointLength> {
	BoundedVec::try_from(s.as_bytes().to_vec()).expect("test endpoints fit")
}

fn register(who: u64, stake: u128) -> DispatchResult {
	Providers::register(RuntimeOrigin::signed(who), endpoint("https://gpu.example"), stake)
}

fn offer(who: u64, m: u8, price: u128, max_concurrent: u32) -> DispatchResult {
	Providers::offer(RuntimeOrigin::signed(who), model(m), price, max_concurrent)
}

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&HoldReason::Stake.into(), &who)
}

fn info(who: u64) -> crate::ProviderInfoOf<Test> {
	ProviderStore::<Test>::get(who).expect("registered")
}

#[test]
fn register_holds_the_stake_and_starts_neutral() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		let info = info(ALICE);
		assert_eq!(info.endpoint, endpoint("https://gpu.example"));
		assert_eq!(info.stake, 500);
		assert_eq!(info.locked, 0);
		assert!(info.unbonding.is_empty() && info.offers.is_empty());
		assert_eq!(held(ALICE), 500);
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE - 500);
		System::assert_last_event(Event::ProviderRegistered { provider: ALICE, stake: 500 }.into());
	});
}

#[test]
fn register_twice_is_refused() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_noop!(register(ALICE, 500), Error::<Test>::AlreadyRegistered);
	});
}

#[test]
fn register_below_the_minimum_stake_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(register(ALICE, 99), Error::<Test>::StakeTooLow);
	});
}

#[test]
fn register_without_the_funds_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(register(POOR, 100), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn register_without_an_endpoint_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::register(RuntimeOrigin::signed(ALICE), endpoint(""), 500),
			Error::<Test>::EmptyEndpoint
		);
	});
}

#[test]
fn register_needs_a_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::register(RuntimeOrigin::root(), endpoint("x"), 500),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn bond_extra_adds_to_the_held_stake() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(Providers::bond_extra(RuntimeOrigin::signed(ALICE), 250));
		assert_eq!(info(ALICE).stake, 750);
		assert_eq!(held(ALICE), 750);
		System::assert_last_event(Event::Bonded { provider: ALICE, amount: 250 }.into());
	});
}

#[test]
fn bond_extra_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::bond_extra(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, 500));
		assert_noop!(
			Providers::bond_extra(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Providers::bond_extra(RuntimeOrigin::signed(ALICE), STARTING_BALANCE),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn unbonded_stake_stays_held_until_the_period_passes_then_withdraws() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 200));
		assert_eq!(info(ALICE).stake, 300);
		assert_eq!(
			info(ALICE).unbonding.to_vec(),
			vec![UnbondingChunk { amount: 200, release_at: 11 }]
		);
		assert_eq!(held(ALICE), 500, "unbonding stake is still held");
		System::assert_last_event(
			Event::Unbonding { provider: ALICE, amount: 200, release_at: 11 }.into(),
		);

		System::set_block_number(10);
		assert_noop!(
			Providers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToWithdraw
		);
		System::set_block_number(11);
		assert_ok!(Providers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		assert_eq!(held(ALICE), 300);
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE - 300);
		assert!(info(ALICE).unbonding.is_empty());
		System::assert_last_event(Event::Withdrawn { provider: ALICE, amount: 200 }.into());
	});
}

#[test]
fn withdraw_releases_only_the_chunks_that_are_due() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 100));
		System::set_block_number(5);
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 100));
		System::set_block_number(12);
		assert_ok!(Providers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		assert_eq!(held(ALICE), 400);
		assert_eq!(
			info(ALICE).unbonding.to_vec(),
			vec![UnbondingChunk { amount: 100, release_at: 15 }]
		);
	});
}

#[test]
fn unbond_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, 500));
		assert_noop!(Providers::unbond(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 501),
			Error::<Test>::InsufficientFreeStake
		);
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 401),
			Error::<Test>::StakeTooLow
		);
		for _ in 0..3 {
			assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 10));
		}
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 10),
			Error::<Test>::TooManyUnbondingChunks
		);
	});
}

#[test]
fn unbond_is_refused_while_jobs_are_in_flight() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(Providers::lock_collateral(&ALICE, 50));
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 100),
			Error::<Test>::JobsInFlight
		);
		Providers::release_collateral(&ALICE, 450);
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 100));
	});
}

#[test]
fn unbonding_everything_requires_no_offers() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(offer(ALICE, 1, 10, 2));
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 500),
			Error::<Test>::HasOffers
		);
		assert_ok!(Providers::retract(RuntimeOrigin::signed(ALICE), model(1)));
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 500));
	});
}

#[test]
fn a_provider_leaves_after_retracting_unbonding_and_withdrawing() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(offer(ALICE, 1, 10, 2));
		assert_noop!(Providers::deregister(RuntimeOrigin::signed(ALICE)), Error::<Test>::HasOffers);
		assert_ok!(Providers::retract(RuntimeOrigin::signed(ALICE), model(1)));
		assert_noop!(
			Providers::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::StakeRemaining
		);
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 500));
		assert_noop!(
			Providers::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::StakeRemaining
		);
		System::set_block_number(11);
		assert_ok!(Providers::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
		assert_ok!(Providers::deregister(RuntimeOrigin::signed(ALICE)));
		assert!(ProviderStore::<Test>::get(ALICE).is_none());
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE);
		System::assert_last_event(Event::ProviderDeregistered { provider: ALICE }.into());
	});
}

#[test]
fn deregister_of_a_stranger_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::deregister(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn offer_enters_the_book_and_the_providers_list() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(register(BOB, 500));
		assert_ok!(offer(ALICE, 1, 10, 2));
		assert_ok!(offer(BOB, 1, 7, 4));
		assert_eq!(
			Providers::offers_for(&model(1)).to_vec(),
			vec![
				(ALICE, Offer { price_per_token: 10, max_concurrent: 2 }),
				(BOB, Offer { price_per_token: 7, max_concurrent: 4 })
			]
		);
		assert_eq!(info(ALICE).offers.to_vec(), vec![model(1)]);
		assert!(<Providers as ModelOffers>::is_offered(&model(1)));
		assert!(!<Providers as ModelOffers>::is_offered(&model(2)));
		System::assert_last_event(
			Event::OfferSet {
				provider: BOB,
				model: model(1),
				price_per_token: 7,
				max_concurrent: 4,
			}
			.into(),
		);
	});
}

#[test]
fn offer_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(offer(ALICE, 1, 10, 1), Error::<Test>::NotRegistered);
		assert_ok!(register(ALICE, 500));
		assert_noop!(offer(ALICE, 9, 10, 1), Error::<Test>::ModelNotActive);
		TestModels::retire(model(3));
		assert_noop!(offer(ALICE, 3, 10, 1), Error::<Test>::ModelNotActive);
		assert_noop!(offer(ALICE, 1, 0, 1), Error::<Test>::ZeroPrice);
		assert_noop!(offer(ALICE, 1, 10, 0), Error::<Test>::BadConcurrency);
		assert_noop!(offer(ALICE, 1, 10, 9), Error::<Test>::BadConcurrency);
		assert_ok!(offer(ALICE, 1, 10, 1));
		assert_noop!(offer(ALICE, 1, 10, 1), Error::<Test>::AlreadyOffered);
	});
}

#[test]
fn offer_is_refused_past_the_per_provider_and_per_model_bounds() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(register(who, 500));
		}
		assert_ok!(register(DAVE, 600));
		assert_ok!(offer(ALICE, 1, 10, 1));
		assert_ok!(offer(ALICE, 2, 10, 1));
		assert_noop!(offer(ALICE, 3, 10, 1), Error::<Test>::TooManyOffers);
		assert_ok!(offer(BOB, 1, 10, 1));
		assert_ok!(offer(CHARLIE, 1, 10, 1));
		assert_noop!(offer(DAVE, 1, 10, 1), Error::<Test>::TooManyProvidersForModel);
		assert_ok!(offer(DAVE, 1, 9, 1)); // a cheaper offer takes a place
	});
}

#[test]
fn offer_is_refused_when_the_stake_fell_below_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 100));
		assert_ok!(register(BOB, 500));
		assert_ok!(Providers::lock_collateral(&ALICE, 100));
		assert_eq!(Providers::slash_collateral(&ALICE, 50, &BOB), 50);
		assert_noop!(offer(ALICE, 1, 10, 1), Error::<Test>::StakeTooLow);
	});
}

#[test]
fn update_offer_changes_terms() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(offer(ALICE, 1, 10, 2));
		assert_ok!(Providers::update_offer(RuntimeOrigin::signed(ALICE), model(1), 12, 3));
		assert_eq!(
			Offers::<Test>::get(model(1)).to_vec(),
			vec![(ALICE, Offer { price_per_token: 12, max_concurrent: 3 })]
		);
		assert_noop!(
			Providers::update_offer(RuntimeOrigin::signed(ALICE), model(2), 12, 3),
			Error::<Test>::NotOffered
		);
		assert_noop!(
			Providers::update_offer(RuntimeOrigin::signed(ALICE), model(1), 0, 3),
			Error::<Test>::ZeroPrice
		);
		assert_noop!(
			Providers::update_offer(RuntimeOrigin::signed(ALICE), model(1), 1, 0),
			Error::<Test>::BadConcurrency
		);
	});
}

#[test]
fn retract_removes_the_offer_and_an_empty_book() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(register(BOB, 500));
		assert_ok!(offer(ALICE, 1, 10, 2));
		assert_ok!(offer(BOB, 1, 9, 2));
		assert_ok!(Providers::retract(RuntimeOrigin::signed(ALICE), model(1)));
		assert_eq!(Providers::offers_for(&model(1)).len(), 1);
		assert!(info(ALICE).offers.is_empty());
		System::assert_last_event(
			Event::OfferRetracted { provider: ALICE, model: model(1) }.into(),
		);
		assert_ok!(Providers::retract(RuntimeOrigin::signed(BOB), model(1)));
		assert!(!Offers::<Test>::contains_key(model(1)));
		assert_noop!(
			Providers::retract(RuntimeOrigin::signed(BOB), model(1)),
			Error::<Test>::NotOffered
		);
		assert_noop!(
			Providers::retract(RuntimeOrigin::signed(CHARLIE), model(1)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn collateral_locks_up_to_the_stake_and_releases() {
	new_test_ext().execute_with(|| {
		assert_noop!(Providers::lock_collateral(&ALICE, 1), Error::<Test>::NotRegistered);
		assert_ok!(register(ALICE, 500));
		assert_eq!(Providers::free_collateral(&ALICE), 500);
		assert_ok!(Providers::lock_collateral(&ALICE, 300));
		assert_eq!(Providers::free_collateral(&ALICE), 200);
		assert_noop!(Providers::lock_collateral(&ALICE, 201), Error::<Test>::InsufficientFreeStake);
		assert_noop!(Providers::lock_collateral(&ALICE, u128::MAX), Error::<Test>::Overflow);
		Providers::release_collateral(&ALICE, 300);
		assert_eq!(Providers::free_collateral(&ALICE), 500);
		assert_eq!(Providers::free_collateral(&BOB), 0, "strangers have no collateral");
	});
}

#[test]
fn slashing_takes_only_locked_collateral_and_pays_the_beneficiary() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(Providers::lock_collateral(&ALICE, 120));
		assert_eq!(Providers::slash_collateral(&ALICE, 200, &BOB), 120, "capped at what is locked");
		assert_eq!(info(ALICE).stake, 380);
		assert_eq!(info(ALICE).locked, 0);
		assert_eq!(held(ALICE), 380);
		assert_eq!(Balances::balance(&BOB), STARTING_BALANCE + 120);
		System::assert_last_event(
			Event::Slashed { provider: ALICE, amount: 120, beneficiary: BOB }.into(),
		);
		assert_eq!(
			Providers::slash_collateral(&ALICE, 10, &BOB),
			0,
			"nothing locked, nothing taken"
		);
		assert_eq!(
			Providers::slash_collateral(&CHARLIE, 10, &BOB),
			0,
			"strangers cannot be slashed"
		);
	});
}

#[test]
fn outcomes_move_the_reputation_of_one_model_and_emit_the_new_score() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		let (model, other) = (
			polkadot_sdk::sp_core::H256::repeat_byte(1),
			polkadot_sdk::sp_core::H256::repeat_byte(2),
		);
		Providers::record_outcome(&ALICE, &model, JobOutcome::LostDispute);
		let lost = Some(Perbill::from_parts(125_000_000));
		assert_eq!(Providers::reputation_of(&ALICE, &model), lost);
		assert_eq!(Providers::reputation_of(&ALICE, &other), Some(Perbill::from_percent(50)));
		System::assert_last_event(
			Event::ReputationChanged {
				provider: ALICE,
				model,
				outcome: JobOutcome::LostDispute,
				score: Perbill::from_parts(125_000_000),
			}
			.into(),
		);
		System::set_block_number(1_001);
		let decayed = Some(Perbill::from_parts(312_500_000));
		assert_eq!(Providers::reputation_of(&ALICE, &model), decayed);
		assert_eq!(Providers::reputation_of(&BOB, &model), None);
	});
}

#[derive(Clone, Debug)]
enum Action {
	Register { who: u64, stake: u128 },
	BondExtra { who: u64, amount: u128 },
	Unbond { who: u64, amount: u128 },
	Withdraw { who: u64 },
	Deregister { who: u64 },
	Offer { who: u64, model: u8 },
	Retract { who: u64, model: u8 },
	Lock { who: u64, amount: u128 },
	Release { who: u64, amount: u128 },
	Slash { who: u64, amount: u128, to: u64 },
	Advance { blocks: u64 },
}

fn action() -> impl Strategy<Value = Action> {
	let who = || prop_oneof![Just(ALICE), Just(BOB), Just(CHARLIE), Just(POOR)];
	let amount = || 0u128..700;
	prop_oneof![
		(who(), amount()).prop_map(|(who, stake)| Action::Register { who, stake }),
		(who(), amount()).prop_map(|(who, amount)| Action::BondExtra { who, amount }),
		(who(), amount()).prop_map(|(who, amount)| Action::Unbond { who, amount }),
		who().prop_map(|who| Action::Withdraw { who }),
		who().prop_map(|who| Action::Deregister { who }),
		(who(), 1u8..4).prop_map(|(who, model)| Action::Offer { who, model }),
		(who(), 1u8..4).prop_map(|(who, model)| Action::Retract { who, model }),
		(who(), amount()).prop_map(|(who, amount)| Action::Lock { who, amount }),
		(who(), amount()).prop_map(|(who, amount)| Action::Release { who, amount }),
		(who(), amount(), who()).prop_map(|(who, amount, to)| Action::Slash { who, amount, to }),
		(1u64..8).prop_map(|blocks| Action::Advance { blocks }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(200))]

	/// Whatever the calls, issuance is conserved, every account's free plus held balance only
	/// changes by slashes paid or received, what is held is exactly bonded plus unbonding stake,
	/// locked collateral never exceeds stake, and the offer book matches the providers' lists.
	#[test]
	fn stake_accounting_is_conserved(actions in prop::collection::vec(action(), 1..60)) {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			let mut slashed_net: std::collections::BTreeMap<u64, i128> = Default::default();
			for action in actions {
				let origin = |who| RuntimeOrigin::signed(who);
				let _ = match action {
					Action::Register { who, stake } => register(who, stake),
					Action::BondExtra { who, amount } => Providers::bond_extra(origin(who), amount),
					Action::Unbond { who, amount } => Providers::unbond(origin(who), amount),
					Action::Withdraw { who } => Providers::withdraw_unbonded(origin(who)),
					Action::Deregister { who } => Providers::deregister(origin(who)),
					Action::Offer { who, model: m } => offer(who, m, 5, 2),
					Action::Retract { who, model: m } => Providers::retract(origin(who), model(m)),
					Action::Lock { who, amount } => Providers::lock_collateral(&who, amount),
					Action::Release { who, amount } => {
						Providers::release_collateral(&who, amount);
						Ok(())
					},
					Action::Slash { who, amount, to } => {
						let taken = Providers::slash_collateral(&who, amount, &to) as i128;
						*slashed_net.entry(who).or_default() -= taken;
						*slashed_net.entry(to).or_default() += taken;
						Ok(())
					},
					Action::Advance { blocks } => {
						System::set_block_number(System::block_number() + blocks);
						Ok(())
					},
				};

				prop_assert_eq!(Balances::total_issuance(), issuance);
				for (who, start) in ACCOUNTS {
					let total = (Balances::balance(&who) + held(who)) as i128;
					prop_assert_eq!(total, start as i128 + slashed_net.get(&who).copied().unwrap_or(0));
					match ProviderStore::<Test>::get(who) {
						Some(info) => {
							let unbonding: u128 = info.unbonding.iter().map(|c| c.amount).sum();
							prop_assert_eq!(held(who), info.stake + unbonding);
							prop_assert!(info.locked <= info.stake);
							for m in info.offers.iter() {
								prop_assert!(Offers::<Test>::get(m).iter().any(|(p, _)| *p == who));
							}
						},
						None => prop_assert_eq!(held(who), 0),
					}
				}
				for (m, book) in Offers::<Test>::iter() {
					prop_assert!(!book.is_empty());
					for (provider, _) in book.iter() {
						prop_assert!(info(*provider).offers.contains(&m));
					}
				}
			}
			Ok(())
		})?;
	}
}

fn verify(who: u64, m: u8) -> DispatchResult {
	Providers::verify(RuntimeOrigin::signed(who), model(m))
}

#[test]
fn a_verifier_enters_the_verifiers_book_and_leaves_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(register(BOB, 500));
		assert_ok!(verify(ALICE, 1));
		assert_ok!(verify(BOB, 1));
		assert_eq!(crate::Verifiers::<Test>::get(model(1)).into_inner(), vec![ALICE, BOB]);
		assert_eq!(info(ALICE).verifies.into_inner(), vec![model(1)]);
		assert!(Providers::offers_for(&model(1)).is_empty(), "a verifier takes no jobs");
		System::assert_last_event(Event::VerifierAdded { provider: BOB, model: model(1) }.into());
		assert_ok!(Providers::stop_verifying(RuntimeOrigin::signed(ALICE), model(1)));
		assert_eq!(crate::Verifiers::<Test>::get(model(1)).into_inner(), vec![BOB]);
		assert!(info(ALICE).verifies.is_empty());
		assert_ok!(Providers::stop_verifying(RuntimeOrigin::signed(BOB), model(1)));
		assert!(!crate::Verifiers::<Test>::contains_key(model(1)), "an empty book is removed");
		Providers::do_try_state().unwrap();
	});
}

#[test]
fn verify_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(verify(ALICE, 1), Error::<Test>::NotRegistered);
		assert_ok!(register(ALICE, 500));
		assert_noop!(verify(ALICE, 9), Error::<Test>::ModelNotActive);
		assert_ok!(offer(ALICE, 2, 10, 1));
		assert_noop!(verify(ALICE, 2), Error::<Test>::OffersThisModel);
		assert_ok!(verify(ALICE, 1));
		assert_noop!(verify(ALICE, 1), Error::<Test>::AlreadyVerifying);
		assert_noop!(offer(ALICE, 1, 10, 1), Error::<Test>::VerifiesThisModel);
		assert_noop!(
			Providers::stop_verifying(RuntimeOrigin::signed(ALICE), model(2)),
			Error::<Test>::NotVerifying
		);
	});
}

#[test]
fn a_provider_that_verifies_cannot_leave_until_it_stops() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, 500));
		assert_ok!(verify(ALICE, 1));
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(ALICE), 500),
			Error::<Test>::HasOffers
		);
		assert_ok!(Providers::stop_verifying(RuntimeOrigin::signed(ALICE), model(1)));
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(ALICE), 500));
	});
}

/// Offers priced never to be routed to filled a model's book and kept every provider out. A
/// full book now takes a cheaper offer in place of its dearest: blocking entry means listing
/// cheap offers, which are routed jobs and slashed when they do not serve.
#[test]
fn offers_priced_never_to_serve_cannot_keep_a_provider_out() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(register(who, 500));
		}
		assert_ok!(register(DAVE, 600));
		assert_ok!(offer(ALICE, 1, 1_000_000, 1));
		assert_ok!(offer(BOB, 1, 20, 1));
		assert_ok!(offer(CHARLIE, 1, 1_000_000, 1));
		assert_ok!(offer(DAVE, 1, 10, 1));
		// The first of the two dearest goes.
		System::assert_has_event(Event::OfferDisplaced { provider: ALICE, model: model(1) }.into());
		let book: Vec<u64> = Providers::offers_for(&model(1)).iter().map(|(who, _)| *who).collect();
		assert_eq!(book, vec![BOB, CHARLIE, DAVE]);
		assert!(info(ALICE).offers.is_empty(), "the displaced provider's record follows");
		Providers::do_try_state().unwrap();
	});
}

/// One-planck offers that take jobs and never answer could keep a full book by price alone. A
/// timeout costs an offer half its reputation for the model, and the lowest reputation goes
/// first, so any newcomer takes a sinkhole's place after its first missed deadline.
#[test]
fn an_offer_that_missed_a_deadline_gives_its_place_to_a_newcomer_however_cheap_it_is() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(register(who, 500));
		}
		assert_ok!(register(DAVE, 600));
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(offer(who, 1, 1, 1));
		}
		assert_noop!(offer(DAVE, 1, 10, 1), Error::<Test>::TooManyProvidersForModel);
		Providers::record_outcome(&BOB, &model(1), JobOutcome::TimedOut);
		assert_ok!(offer(DAVE, 1, 10, 1));
		System::assert_has_event(Event::OfferDisplaced { provider: BOB, model: model(1) }.into());
		Providers::do_try_state().unwrap();
	});
}

/// Standing is reputation first: a provider that earned its score keeps its place against a
/// cheaper unknown, which takes the place of the dearest unproven offer instead.
#[test]
fn a_well_reputed_offer_keeps_its_place_against_a_cheaper_newcomer() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(register(who, 500));
		}
		assert_ok!(register(DAVE, 600));
		assert_ok!(offer(ALICE, 1, 100, 1));
		assert_ok!(offer(BOB, 1, 50, 1));
		assert_ok!(offer(CHARLIE, 1, 20, 1));
		Providers::record_outcome(&ALICE, &model(1), JobOutcome::Completed);
		assert_ok!(offer(DAVE, 1, 10, 1));
		System::assert_has_event(Event::OfferDisplaced { provider: BOB, model: model(1) }.into());
		let book: Vec<u64> = Providers::offers_for(&model(1)).iter().map(|(who, _)| *who).collect();
		assert_eq!(book, vec![ALICE, CHARLIE, DAVE]);
	});
}

#[test]
fn a_full_book_refuses_an_offer_no_cheaper_than_its_dearest() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(register(who, 500));
		}
		assert_ok!(register(DAVE, 600));
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(offer(who, 1, 10, 1));
		}
		assert_noop!(offer(DAVE, 1, 10, 1), Error::<Test>::TooManyProvidersForModel);
	});
}

/// Displacing an offer also takes more stake than it has: pushing honest stake out of a model's
/// book, and so out of its juries, costs a cartel more stake than it removes.
#[test]
fn a_newcomer_without_more_stake_cannot_push_stake_out_of_the_book() {
	new_test_ext().execute_with(|| {
		for who in [ALICE, BOB, CHARLIE, DAVE] {
			assert_ok!(register(who, 500));
		}
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(offer(who, 1, 1_000, 1));
		}
		assert_noop!(offer(DAVE, 1, 1, 1), Error::<Test>::TooManyProvidersForModel);
		assert_ok!(Providers::bond_extra(RuntimeOrigin::signed(DAVE), 1));
		assert_ok!(offer(DAVE, 1, 1, 1));
	});
}

/// Minimum-stake accounts filled a model's verifiers' book and kept larger stakes out. A full
/// book now takes a larger stake in place of its smallest, and refuses one no larger.
#[test]
fn a_full_verifiers_book_keeps_the_largest_stakes() {
	new_test_ext().execute_with(|| {
		for (who, stake) in [(ALICE, 100), (BOB, 300), (CHARLIE, 200), (DAVE, 100)] {
			assert_ok!(register(who, stake));
		}
		for who in [ALICE, BOB, CHARLIE] {
			assert_ok!(verify(who, 1));
		}
		assert_noop!(verify(DAVE, 1), Error::<Test>::TooManyVerifiersForModel);
		assert_ok!(Providers::bond_extra(RuntimeOrigin::signed(DAVE), 50));
		assert_ok!(verify(DAVE, 1));
		System::assert_has_event(
			Event::VerifierDisplaced { provider: ALICE, model: model(1) }.into(),
		);
		assert_eq!(crate::Verifiers::<Test>::get(model(1)).into_inner(), vec![BOB, CHARLIE, DAVE]);
		assert!(info(ALICE).verifies.is_empty());
		Providers::do_try_state().unwrap();
	});
}
