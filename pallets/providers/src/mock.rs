//! A test runtime: System, Balances and Providers, with the active models set by the tests.

use crate as pallet_providers;
use core::cell::RefCell;
use faithful_primitives::models::{ModelId, ModelRegistry};
use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::VariantCountOf},
	frame_system, pallet_balances,
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
	pub type Providers = pallet_providers;
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
	static ACTIVE: RefCell<Vec<ModelId>> = const { RefCell::new(Vec::new()) };
}

/// Stands in for the models pallet: models 1 to 3 are active unless a test retires them.
pub struct TestModels;

impl TestModels {
	pub fn retire(model: ModelId) {
		ACTIVE.with(|a| a.borrow_mut().retain(|m| *m != model));
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper for TestModels {
	fn activate_model(model: ModelId) {
		ACTIVE.with(|a| a.borrow_mut().push(model));
	}
}

impl ModelRegistry for TestModels {
	fn context_length(model: &ModelId) -> Option<u32> {
		ACTIVE.with(|a| a.borrow().contains(model)).then_some(2_048)
	}
}

parameter_types! {
	pub const ExistentialDeposit: u128 = 1;
	pub const MinProviderStake: u128 = 100;
	pub const UnbondingPeriod: u64 = 10;
	pub const ReputationHalfLife: u32 = 1_000;
	pub const MaxEndpointLength: u32 = 32;
	pub const MaxUnbondingChunks: u32 = 3;
	pub const MaxOffersPerProvider: u32 = 2;
	pub const MaxProvidersPerModel: u32 = 3;
	pub const MaxConcurrentPerOffer: u32 = 8;
}

impl pallet_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestModels;
	type MinProviderStake = MinProviderStake;
	type UnbondingPeriod = UnbondingPeriod;
	type ReputationHalfLife = ReputationHalfLife;
	type MaxEndpointLength = MaxEndpointLength;
	type MaxUnbondingChunks = MaxUnbondingChunks;
	type MaxOffersPerProvider = MaxOffersPerProvider;
	type MaxProvidersPerModel = MaxProvidersPerModel;
	type MaxConcurrentPerOffer = MaxConcurrentPerOffer;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestModels;
}

pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
pub const DAVE: u64 = 4;
/// Has less than the minimum stake.
pub const POOR: u64 = 5;
pub const STARTING_BALANCE: u128 = 10_000;
pub const POOR_BALANCE: u128 = 50;
pub const ACCOUNTS: [(u64, u128); 5] = [
	(ALICE, STARTING_BALANCE),
	(BOB, STARTING_BALANCE),
	(CHARLIE, STARTING_BALANCE),
	(DAVE, STARTING_BALANCE),
	(POOR, POOR_BALANCE),
];

pub fn model(n: u8) -> ModelId {
	ModelId::repeat_byte(n)
}

pub fn new_test_ext() -> TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: ACCOUNTS.to_vec(), ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	ACTIVE.with(|a| *a.borrow_mut() = vec![model(1), model(2), model(3)]);
	let mut ext = TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
