use crate::{mock::*, Error, Event, HoldReason, ModelIdByName};
use faithful_primitives::models::{Architecture, ModelId, ModelStatus};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, InspectHold},
		BoundedVec,
	},
	sp_runtime::DispatchError,
};
use proptest::prelude::*;

fn id(n: u8) -> ModelId {
	ModelId::repeat_byte(n)
}

fn name(s: &str) -> BoundedVec<u8, MaxNameLength> {
	BoundedVec::try_from(s.as_bytes().to_vec()).expect("test names fit")
}

fn register(who: u64, model: ModelId, n: &str) -> polkadot_sdk::sp_runtime::DispatchResult {
	Models::register(RuntimeOrigin::signed(who), model, name(n), Architecture::Llama, 8192)
}

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&HoldReason::RegistrationDeposit.into(), &who)
}

#[test]
fn register_holds_the_deposit_and_stores_the_model() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "smollm2"));

		let info = Models::model(&id(1)).expect("stored");
		assert_eq!(info.owner, ALICE);
		assert_eq!(info.name, name("smollm2"));
		assert_eq!(info.architecture, Architecture::Llama);
		assert_eq!(info.context_length, 8192);
		assert_eq!(info.status, ModelStatus::Active { deposit: 100 });
		assert_eq!(info.registered_at, 1);
		assert_eq!(ModelIdByName::<Test>::get(name("smollm2")), Some(id(1)));
		assert_eq!(held(ALICE), 100);
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE - 100);
		System::assert_last_event(
			Event::ModelRegistered {
				model: id(1),
				owner: ALICE,
				name: name("smollm2"),
				deposit: 100,
			}
			.into(),
		);
	});
}

#[test]
fn register_refuses_an_id_registered_before() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		assert_noop!(register(BOB, id(1), "b"), Error::<Test>::AlreadyRegistered);
	});
}

#[test]
fn register_refuses_the_id_of_a_retired_model() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));
		assert_noop!(register(ALICE, id(1), "a"), Error::<Test>::AlreadyRegistered);
	});
}

#[test]
fn register_refuses_a_name_in_use() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "same"));
		assert_noop!(register(BOB, id(2), "same"), Error::<Test>::NameTaken);
	});
}

#[test]
fn a_retired_models_name_can_be_registered_again() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "same"));
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));
		assert_ok!(register(BOB, id(2), "same"));
		assert_eq!(ModelIdByName::<Test>::get(name("same")), Some(id(2)));
	});
}

#[test]
fn register_refuses_an_empty_name() {
	new_test_ext().execute_with(|| {
		assert_noop!(register(ALICE, id(1), ""), Error::<Test>::EmptyName);
	});
}

#[test]
fn register_refuses_a_zero_context_length() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Models::register(
				RuntimeOrigin::signed(ALICE),
				id(1),
				name("a"),
				Architecture::Qwen2,
				0
			),
			Error::<Test>::ZeroContextLength
		);
	});
}

#[test]
fn register_refuses_a_registrant_who_cannot_pay_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_noop!(register(POOR, id(1), "a"), Error::<Test>::InsufficientDeposit);
	});
}

#[test]
fn register_needs_a_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Models::register(RuntimeOrigin::root(), id(1), name("a"), Architecture::Gemma3, 1),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn owner_retires_and_gets_the_deposit_back() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		System::set_block_number(7);
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));

		assert_eq!(Models::model(&id(1)).unwrap().status, ModelStatus::Retired { at: 7 });
		assert_eq!(ModelIdByName::<Test>::get(name("a")), None);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE);
		System::assert_last_event(
			Event::ModelRetired { model: id(1), deposit_returned: 100 }.into(),
		);
	});
}

#[test]
fn governance_retires_any_model_and_the_owner_gets_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		assert_ok!(Models::retire(RuntimeOrigin::root(), id(1)));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), STARTING_BALANCE);
	});
}

#[test]
fn retire_by_someone_else_is_refused() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		assert_noop!(Models::retire(RuntimeOrigin::signed(BOB), id(1)), Error::<Test>::NotOwner);
	});
}

#[test]
fn retire_of_an_unknown_model_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Models::retire(RuntimeOrigin::signed(ALICE), id(9)),
			Error::<Test>::UnknownModel
		);
	});
}

#[test]
fn retire_twice_is_refused() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));
		assert_noop!(
			Models::retire(RuntimeOrigin::signed(ALICE), id(1)),
			Error::<Test>::AlreadyRetired
		);
	});
}

#[test]
fn retire_while_offered_is_refused_until_offers_are_gone() {
	new_test_ext().execute_with(|| {
		assert_ok!(register(ALICE, id(1), "a"));
		TestOffers::set_offered(id(1), true);
		assert_noop!(
			Models::retire(RuntimeOrigin::signed(ALICE), id(1)),
			Error::<Test>::StillOffered
		);
		assert_noop!(Models::retire(RuntimeOrigin::root(), id(1)), Error::<Test>::StillOffered);
		TestOffers::set_offered(id(1), false);
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));
	});
}

#[test]
fn registry_reports_only_active_models() {
	use faithful_primitives::models::ModelRegistry;
	new_test_ext().execute_with(|| {
		assert!(!<Models as ModelRegistry>::is_active(&id(1)));
		assert_ok!(register(ALICE, id(1), "a"));
		assert!(<Models as ModelRegistry>::is_active(&id(1)));
		assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id(1)));
		assert!(!<Models as ModelRegistry>::is_active(&id(1)));
	});
}

/// A call the property test may make.
#[derive(Clone, Debug)]
enum Action {
	Register { who: u64, model: u8, name: u8 },
	Retire { who: u64, model: u8 },
	ForceRetire { model: u8 },
	SetOffered { model: u8, offered: bool },
}

fn action() -> impl Strategy<Value = Action> {
	let who = prop_oneof![Just(ALICE), Just(BOB), Just(CHARLIE), Just(POOR)];
	prop_oneof![
		(who.clone(), 0u8..6, 0u8..4).prop_map(|(who, model, name)| Action::Register {
			who,
			model,
			name
		}),
		(who, 0u8..6).prop_map(|(who, model)| Action::Retire { who, model }),
		(0u8..6).prop_map(|model| Action::ForceRetire { model }),
		(0u8..6, any::<bool>()).prop_map(|(model, offered)| Action::SetOffered { model, offered }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(200))]

	/// Whatever the calls, no unit is created or destroyed, every account's free plus held
	/// balance is what it started with, and what is held is exactly the deposits of its active
	/// models.
	#[test]
	fn deposits_are_conserved_and_match_active_models(actions in prop::collection::vec(action(), 1..40)) {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			for action in actions {
				// Failed calls must leave no trace; `assert_noop` is exercised by the unit tests,
				// here only the invariants after each step matter.
				let _ = match action {
					Action::Register { who, model, name: n } => register(who, id(model), &format!("m{n}")),
					Action::Retire { who, model } => Models::retire(RuntimeOrigin::signed(who), id(model)),
					Action::ForceRetire { model } => Models::retire(RuntimeOrigin::root(), id(model)),
					Action::SetOffered { model, offered } => {
						TestOffers::set_offered(id(model), offered);
						Ok(())
					},
				};

				prop_assert_eq!(Balances::total_issuance(), issuance);
				for (who, start) in [(ALICE, STARTING_BALANCE), (BOB, STARTING_BALANCE), (CHARLIE, STARTING_BALANCE), (POOR, 50)] {
					prop_assert_eq!(Balances::balance(&who) + held(who), start);
					let deposits: u128 = crate::Models::<Test>::iter_values()
						.filter(|info| info.owner == who)
						.map(|info| match info.status {
							ModelStatus::Active { deposit } => deposit,
							ModelStatus::Retired { .. } => 0,
						})
						.sum();
					prop_assert_eq!(held(who), deposits);
				}
				for (name, model) in ModelIdByName::<Test>::iter() {
					let info = crate::Models::<Test>::get(model).expect("indexed models exist");
					prop_assert!(info.is_active());
					prop_assert_eq!(info.name, name);
				}
			}
			Ok(())
		})?;
	}
}
