//! A test runtime: System, Balances and Models, with offers toggled by the tests.

use crate as pallet_models;
use core::cell::RefCell;
use faithful_primitives::models::{ModelId, ModelOffers};
use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::VariantCountOf},
	frame_system::{self, EnsureRoot},
	pallet_balances,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

#[polkadot_sdk::frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeHoldReason,
		RuntimeFreezeReason,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Models = pallet_models;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type ExistentialDeposit = ExistentialDeposit;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

thread_local! {
	static OFFERED: RefCell<Vec<ModelId>> = const { RefCell::new(Vec::new()) };
}

/// Stands in for the providers pallet: the tests say which models are offered.
pub struct TestOffers;

impl TestOffers {
	pub fn set_offered(model: ModelId, offered: bool) {
		OFFERED.with(|o| {
			let mut o = o.borrow_mut();
			o.retain(|m| *m != model);
			if offered {
				o.push(model);
			}
		});
	}
}

impl ModelOffers for TestOffers {
	fn is_offered(model: &ModelId) -> bool {
		OFFERED.with(|o| o.borrow().contains(model))
	}
}

parameter_types! {
	pub const ExistentialDeposit: u128 = 1;
	pub const RegistrationDeposit: u128 = 100;
	pub const MaxNameLength: u32 = 16;
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RegistrationDeposit = RegistrationDeposit;
	type MaxNameLength = MaxNameLength;
	type ForceOrigin = EnsureRoot<u64>;
	type Offers = TestOffers;
	type WeightInfo = ();
}

/// Accounts 1, 2 and 3 start with 1_000 each; account 4 with less than a deposit.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
pub const POOR: u64 = 4;
pub const STARTING_BALANCE: u128 = 1_000;

pub fn new_test_ext() -> TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, STARTING_BALANCE),
			(BOB, STARTING_BALANCE),
			(CHARLIE, STARTING_BALANCE),
			(POOR, 50),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	OFFERED.with(|o| o.borrow_mut().clear());
	let mut ext = TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
