//! A test runtime: System, Balances, the real Providers pallet and Jobs, with the active models
//! and the chain randomness set by the tests.

use crate as pallet_jobs;
use codec::Encode;
use core::cell::RefCell;
use faithful_primitives::{
	jobs::{JobId, Judging, Sampling},
	models::{ModelId, ModelRegistry},
};
use polkadot_sdk::{
	frame_support::{
		assert_ok, derive_impl, parameter_types,
		traits::{fungible::InspectHold, Hooks, Randomness, VariantCountOf},
	},
	frame_system, pallet_balances,
	sp_core::H256,
	sp_io::{hashing::blake2_256, TestExternalities},
	sp_runtime::{BuildStorage, Perbill},
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
	#[runtime::pallet_index(3)]
	pub type Jobs = pallet_jobs;
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
	static SALT: RefCell<u64> = const { RefCell::new(0) };
}

/// Stands in for the models pallet: `MODEL` and `OTHER_MODEL` are active unless retired.
pub struct TestModels;

impl TestModels {
	pub fn retire(model: ModelId) {
		ACTIVE.with(|a| a.borrow_mut().retain(|m| *m != model));
	}
}

impl ModelRegistry for TestModels {
	fn context_length(model: &ModelId) -> Option<u32> {
		ACTIVE.with(|a| a.borrow().contains(model)).then(ContextLength::get)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper for TestModels {
	fn activate_model(model: ModelId) {
		ACTIVE.with(|a| a.borrow_mut().push(model));
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_jobs::BenchmarkHelper<u64, u128> for TestModels {
	fn activate_model(model: ModelId) {
		ACTIVE.with(|a| a.borrow_mut().push(model));
	}

	fn offer(provider: &u64, model: ModelId, price_per_token: u128) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		Balances::set_balance(provider, 1_000_000_000);
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(*provider),
			b"bench".to_vec().try_into().unwrap(),
			100_000_000,
		));
		assert_ok!(Providers::offer(RuntimeOrigin::signed(*provider), model, price_per_token, 64));
	}

	fn max_offers() -> u32 {
		8
	}
}

/// Chain randomness for tests: a hash of the subject, the block number and a salt tests can move.
pub struct TestRandomness;

impl TestRandomness {
	pub fn set_salt(salt: u64) {
		SALT.with(|s| *s.borrow_mut() = salt);
	}
}

impl Randomness<Option<H256>, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, u64) {
		let block = System::block_number();
		let salt = SALT.with(|s| *s.borrow());
		(Some(H256(blake2_256(&(subject, block, salt).encode()))), block)
	}
}

parameter_types! {
	pub static SettlementWeight: polkadot_sdk::frame_support::weights::Weight =
		polkadot_sdk::frame_support::weights::Weight::MAX;
	pub const ExistentialDeposit: u128 = 1;
	pub const TreasuryAccount: u64 = TREASURY;
	pub const VerificationFee: Perbill = Perbill::from_percent(10);
	pub static ProtocolFee: Perbill = Perbill::from_percent(5);
	pub static TimeoutSlash: Perbill = Perbill::from_percent(10);
	pub const ChallengerReward: Perbill = Perbill::from_percent(50);
	pub const VoterReward: Perbill = Perbill::from_percent(25);
	pub const BondToVoters: Perbill = Perbill::from_percent(50);
	/// Off unless a test turns audits on, so most tests are not disputed by chance.
	pub static AuditRate: Perbill = Perbill::zero();
	pub static BondMultiple: u32 = 2;
	/// The governed limits start at their storage bounds; tests lower them.
	pub static PromptLimit: u32 = 64;
	pub static OutputTokenLimit: u32 = 16;
	pub static AttemptLimit: u32 = 3;
	pub static CommitteeSeats: u32 = 3;
	/// Every active model's context: room for the longest prompt, the chat template and the
	/// most output tokens, unless a test shrinks it.
	pub static ContextLength: u32 = 64 + faithful_primitives::jobs::CHAT_TEMPLATE_TOKENS + 16;
}

impl pallet_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestModels;
	type MinProviderStake = polkadot_sdk::frame_support::traits::ConstU128<100>;
	type UnbondingPeriod = polkadot_sdk::frame_support::traits::ConstU64<50>;
	type ReputationHalfLife = polkadot_sdk::frame_support::traits::ConstU32<1_000>;
	type MaxEndpointLength = polkadot_sdk::frame_support::traits::ConstU32<32>;
	type MaxUnbondingChunks = polkadot_sdk::frame_support::traits::ConstU32<4>;
	type MaxOffersPerProvider = polkadot_sdk::frame_support::traits::ConstU32<4>;
	type MaxProvidersPerModel = polkadot_sdk::frame_support::traits::ConstU32<8>;
	type MaxConcurrentPerOffer = polkadot_sdk::frame_support::traits::ConstU32<64>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestModels;
}

impl pallet_jobs::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = TestModels;
	type Offers = Providers;
	type Collateral = Providers;
	type Randomness = TestRandomness;
	type Treasury = TreasuryAccount;
	type MaxPromptBytes = polkadot_sdk::frame_support::traits::ConstU32<64>;
	type MaxOutputBytes = polkadot_sdk::frame_support::traits::ConstU32<64>;
	type MaxOutputTokens = polkadot_sdk::frame_support::traits::ConstU32<16>;
	type MaxAttempts = polkadot_sdk::frame_support::traits::ConstU32<3>;
	type MaxDuePerBlock = polkadot_sdk::frame_support::traits::ConstU32<4>;
	type MaxSettlementsPerBlock = polkadot_sdk::frame_support::traits::ConstU32<3>;
	type SettlementWeight = SettlementWeight;
	type ResultTimeout = polkadot_sdk::frame_support::traits::ConstU64<RESULT_TIMEOUT>;
	type ChallengeWindow = polkadot_sdk::frame_support::traits::ConstU64<CHALLENGE_WINDOW>;
	type JobRetention = polkadot_sdk::frame_support::traits::ConstU64<JOB_RETENTION>;
	type VerificationFee = VerificationFee;
	type ProtocolFee = ProtocolFee;
	type BondMultiple = BondMultiple;
	type TimeoutSlash = TimeoutSlash;
	type MinJobCollateral = polkadot_sdk::frame_support::traits::ConstU128<MIN_JOB_COLLATERAL>;
	type ChallengeBond = polkadot_sdk::frame_support::traits::ConstU128<CHALLENGE_BOND>;
	type AuditRate = AuditRate;
	type CommitteeSize = polkadot_sdk::frame_support::traits::ConstU32<16>;
	type CommitteeSeats = CommitteeSeats;
	type PromptLimit = PromptLimit;
	type OutputTokenLimit = OutputTokenLimit;
	type AttemptLimit = AttemptLimit;
	type CommitPhase = polkadot_sdk::frame_support::traits::ConstU64<COMMIT_PHASE>;
	type RevealPhase = polkadot_sdk::frame_support::traits::ConstU64<REVEAL_PHASE>;
	type VoteBond = polkadot_sdk::frame_support::traits::ConstU128<VOTE_BOND>;
	type ChallengerReward = ChallengerReward;
	type VoterReward = VoterReward;
	type BondToVoters = BondToVoters;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestModels;
}

pub const RESULT_TIMEOUT: u64 = 5;
pub const CHALLENGE_WINDOW: u64 = 10;
pub const JOB_RETENTION: u64 = 50;
pub const CHALLENGE_BOND: u128 = 50;
pub const COMMIT_PHASE: u64 = 3;
pub const REVEAL_PHASE: u64 = 3;
pub const VOTE_BOND: u128 = 5;
/// The least collateral a job locks, whatever its price.
pub const MIN_JOB_COLLATERAL: u128 = 100;

pub const USER: u64 = 1;
/// Can afford little.
pub const POOR: u64 = 2;
pub const P1: u64 = 11;
pub const P2: u64 = 12;
pub const P3: u64 = 13;
pub const P4: u64 = 14;
pub const P5: u64 = 15;
pub const P6: u64 = 16;
pub const P7: u64 = 17;
pub const TREASURY: u64 = 99;
pub const USER_BALANCE: u128 = 1_000_000;
pub const PROVIDER_BALANCE: u128 = 1_000_000;
pub const ACCOUNTS: [(u64, u128); 10] = [
	(USER, USER_BALANCE),
	(POOR, 50),
	(P1, PROVIDER_BALANCE),
	(P2, PROVIDER_BALANCE),
	(P3, PROVIDER_BALANCE),
	(P4, PROVIDER_BALANCE),
	(P5, PROVIDER_BALANCE),
	(P6, PROVIDER_BALANCE),
	(P7, PROVIDER_BALANCE),
	(TREASURY, 1),
];

pub const MODEL: ModelId = H256::repeat_byte(1);
pub const OTHER_MODEL: ModelId = H256::repeat_byte(2);

pub fn new_test_ext() -> TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: ACCOUNTS.to_vec(), ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	ACTIVE.with(|a| *a.borrow_mut() = vec![MODEL, OTHER_MODEL]);
	TestRandomness::set_salt(0);
	AuditRate::set(Perbill::zero());
	BondMultiple::set(2);
	ProtocolFee::set(Perbill::from_percent(5));
	TimeoutSlash::set(Perbill::from_percent(10));
	ContextLength::set(64 + faithful_primitives::jobs::CHAT_TEMPLATE_TOKENS + 16);
	let mut ext = TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Registers `provider` with `stake` and offers `MODEL` at `price` with `max_concurrent` slots.
pub fn provider(provider: u64, stake: u128, price: u128, max_concurrent: u32) {
	assert_ok!(Providers::register(
		RuntimeOrigin::signed(provider),
		b"http://p".to_vec().try_into().unwrap(),
		stake,
	));
	assert_ok!(Providers::offer(RuntimeOrigin::signed(provider), MODEL, price, max_concurrent));
}

/// Submits a greedy job for `MODEL` from `USER` and returns its id. Most markets here have one
/// provider, so the job waives a jury (`submit_judged` requires one).
pub fn submit(max_tokens: u32, cap: u128) -> JobId {
	let id = pallet_jobs::NextJobId::<Test>::get();
	assert_ok!(submit_judged(max_tokens, cap, Judging::Waived));
	id
}

/// Submits a greedy job for `MODEL` from `USER` with `judging`.
pub fn submit_judged(
	max_tokens: u32,
	cap: u128,
	judging: Judging,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Jobs::submit(
		RuntimeOrigin::signed(USER),
		MODEL,
		b"What is the capital of France?".to_vec(),
		Sampling::Greedy,
		max_tokens,
		cap,
		judging,
	)
}

/// Runs blocks up to and including `n`, with the pallet's per-block work.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Jobs::on_initialize(next);
		Jobs::do_try_state().expect("the jobs pallet's invariants hold");
		Providers::do_try_state().expect("the providers pallet's invariants hold");
	}
}

/// What `who` has held as escrow.
pub fn escrow_of(who: u64) -> u128 {
	Balances::balance_on_hold(&pallet_jobs::HoldReason::Escrow.into(), &who)
}

/// The provider's locked collateral.
pub fn locked_of(who: u64) -> u128 {
	pallet_providers::Providers::<Test>::get(who).map(|p| p.locked).unwrap_or(0)
}
