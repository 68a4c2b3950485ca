//! The Faithful runtime: BABE + GRANDPA consensus, balances with holds and freezes, transaction
//! payment into the treasury account, and sudo for development networks.
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` needs a high recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod governance;
#[cfg(feature = "std")]
pub use apis::RuntimeApi;
pub mod genesis;
mod randomness;

use polkadot_sdk::{
	frame_support::{
		self, derive_impl,
		dispatch::DispatchClass,
		dynamic_params::{dynamic_pallet_params, dynamic_params},
		pallet_prelude::ConstU32,
		parameter_types,
		traits::{
			fungible::{Balanced, Credit, HoldConsideration},
			tokens::{
				currency::ActiveIssuanceOf, pay::PayFromAccount, UnityAssetBalanceConversion,
			},
			AsEnsureOriginWithArg, ConstU128, ConstU64, ConstU8, EitherOf, EqualPrivilegeOnly,
			LinearStoragePrice, OnUnbalanced, VariantCountOf,
		},
		weights::{
			constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
			IdentityFee, Weight,
		},
		PalletId,
	},
	frame_system::{self, limits::BlockWeights, EnsureRoot, EnsureSigned, EnsureWithSuccess},
	pallet_babe, pallet_balances, pallet_conviction_voting, pallet_grandpa, pallet_parameters,
	pallet_preimage, pallet_referenda, pallet_scheduler, pallet_sudo, pallet_timestamp,
	pallet_transaction_payment::{self, FungibleAdapter},
	pallet_treasury, sp_consensus_babe, sp_core, sp_runtime,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{AccountIdConversion, BlakeTwo256, IdentityLookup},
		Perbill,
	},
	sp_version::RuntimeVersion,
};

pub use faithful_primitives::{
	currency::{FTH, MICRO_FTH, MILLI_FTH},
	time::{EPOCH_DURATION_IN_SLOTS, MILLISECS_PER_BLOCK, SLOT_DURATION},
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature,
};

/// Opaque types the node uses without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		/// The keys a validator registers: BABE for authoring, GRANDPA for finality.
		pub struct SessionKeys {
			pub babe: super::Babe,
			pub grandpa: super::Grandpa,
		}
	}
}

/// Version of the runtime; clients read it to pick transaction formats.
#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("faithful"),
	impl_name: alloc::borrow::Cow::Borrowed("faithful"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The BABE epoch configuration used from genesis: a slot has a primary author with probability
/// 1/4 and every slot has a secondary (VRF) author, so blocks come every slot and every block
/// carries a VRF output that feeds on-chain randomness.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: (1, 4),
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// Fraction of a block's weight that ordinary transactions may use.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Smallest balance an account may hold; below it the account is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_FTH;

parameter_types! {
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute per block, a third of a 6 s slot budget at the 3 s block time.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks, of which ordinary transactions may fill `NORMAL_DISPATCH_RATIO`.
	pub RuntimeBlockLength: frame_system::limits::BlockLength = frame_system::limits::BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u16 = 42;
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	pub const ExpectedBlockTime: u64 = MILLISECS_PER_BLOCK;
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	/// Where transaction fees and tips go; spent by governance.
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = ConstU32<2400>;
	// The node stores state in ParityDb.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Authorities come from genesis until a governed validator set exists.
	type EpochChangeTrigger = pallet_babe::SameAuthoritiesForever;
	type DisabledValidators = ();
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	// Equivocation reports need a session/staking pallet to map keys to offenders; none yet.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Babe;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

/// Sends every transaction fee and tip to the treasury account, so no fee is burned.
pub struct FeesToTreasury;

impl OnUnbalanced<Credit<AccountId, Balances>> for FeesToTreasury {
	fn on_nonzero_unbalanced(fees: Credit<AccountId, Balances>) {
		// The treasury account is endowed at genesis, so resolving cannot fail below the
		// existential deposit; if it ever did, the credit would be dropped and burned.
		let _ = <Balances as Balanced<AccountId>>::resolve(&TreasuryAccount::get(), fees);
	}
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, FeesToTreasury>;
	type OperationalFeeMultiplier = ConstU8<5>;
	// One unit per picosecond of execution: a transfer (about 0.2 ms with its base weight)
	// costs a few ten-thousandths of an FTH.
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ();
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// Offers one model can have: the candidates routing weighs for each job. As many verifiers again
/// can judge it.
const MAX_PROVIDERS_PER_MODEL: u32 = 64;

parameter_types! {
	pub const MaxProvidersPerModel: u32 = MAX_PROVIDERS_PER_MODEL;
	/// A fifth of a block for the market's queue work (settlements, draws, counts), so
	/// transactions keep their `NORMAL_DISPATCH_RATIO` whatever falls due.
	pub SettlementWeight: Weight = Perbill::from_percent(20) * RuntimeBlockWeights::get().max_block;
	/// Jobs one offer may run at once.
	pub const MaxConcurrentPerOffer: u32 = 64;
}

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RegistrationDeposit = dynamic_params::models::RegistrationDeposit;
	type MaxNameLength = faithful_primitives::models::MaxModelNameLength;
	type ForceOrigin = frame_system::EnsureRoot<AccountId>;
	type Offers = Providers;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}

impl pallet_providers::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type MinProviderStake = dynamic_params::providers::MinProviderStake;
	type UnbondingPeriod = dynamic_params::providers::UnbondingPeriod;
	type ReputationHalfLife = ConstU32<{ 7 * faithful_primitives::time::DAYS }>;
	type MaxEndpointLength = ConstU32<128>;
	type MaxUnbondingChunks = ConstU32<16>;
	type MaxOffersPerProvider = ConstU32<16>;
	type MaxProvidersPerModel = MaxProvidersPerModel;
	type MaxConcurrentPerOffer = MaxConcurrentPerOffer;
	type WeightInfo = pallet_providers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmarks::ProvidersBenchmarkHelper;
}

impl pallet_jobs::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Offers = Providers;
	type Collateral = Providers;
	// The VRF output of the block being built: no signer can read it before its block.
	type Randomness = randomness::BlockVrfRandomness;
	type Treasury = TreasuryAccount;
	type MaxPromptBytes = ConstU32<{ faithful_primitives::parameters::MAX_PROMPT_BYTES }>;
	type MaxOutputBytes = faithful_primitives::jobs::MaxOutputBytes;
	type MaxOutputTokens = faithful_primitives::jobs::MaxOutputTokens;
	type MaxAttempts = faithful_primitives::jobs::MaxJobAttempts;
	type MaxDuePerBlock = ConstU32<256>;
	type MaxSettlementsPerBlock = ConstU32<64>;
	type SettlementWeight = SettlementWeight;
	type ResultTimeout = dynamic_params::jobs::ResultTimeout;
	type ChallengeWindow = dynamic_params::jobs::ChallengeWindow;
	type JobRetention = ConstU32<{ faithful_primitives::parameters::JOB_RETENTION }>;
	type VerificationFee = dynamic_params::jobs::VerificationFee;
	type ProtocolFee = dynamic_params::jobs::ProtocolFee;
	type BondMultiple = dynamic_params::jobs::BondMultiple;
	type TimeoutSlash = dynamic_params::jobs::TimeoutSlash;
	type MinJobCollateral = ConstU128<{ faithful_primitives::parameters::MIN_JOB_COLLATERAL }>;
	type ChallengeBond = dynamic_params::jobs::ChallengeBond;
	type AuditRate = dynamic_params::jobs::AuditRate;
	// Three seats in a first round; every offer and verifier of the model in the last, after a
	// round without a majority or an appeal (the pallet's integrity test checks the room).
	type CommitteeSize = ConstU32<{ 2 * MAX_PROVIDERS_PER_MODEL }>;
	type CommitteeSeats = dynamic_params::jobs::CommitteeSeats;
	type PromptLimit = dynamic_params::jobs::PromptLimit;
	type OutputTokenLimit = dynamic_params::jobs::OutputTokenLimit;
	type AttemptLimit = dynamic_params::jobs::AttemptLimit;
	type CommitPhase = dynamic_params::jobs::CommitPhase;
	type RevealPhase = dynamic_params::jobs::RevealPhase;
	type VoteBond = dynamic_params::jobs::VoteBond;
	type ChallengerReward = dynamic_params::jobs::ChallengerReward;
	type VoterReward = dynamic_params::jobs::VoterReward;
	type BondToVoters = dynamic_params::jobs::BondToVoters;
	type WeightInfo = pallet_jobs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmarks::JobsBenchmarkHelper;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// Market parameters that change without a runtime upgrade. Each is read where it is used, so a
/// change takes effect from the next call that reads it. Defaults and their reasons are in
/// `faithful_primitives::parameters`.
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;
	use faithful_primitives::parameters as defaults;

	/// Parameters of the provider registry.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod providers {
		/// Blocks between `unbond` and the stake becoming withdrawable.
		#[codec(index = 0)]
		pub static UnbondingPeriod: BlockNumber = defaults::UNBONDING_PERIOD;
		/// Least stake a provider keeps bonded.
		#[codec(index = 1)]
		pub static MinProviderStake: Balance = defaults::MIN_PROVIDER_STAKE;
	}

	/// Parameters of the model registry.
	#[dynamic_pallet_params]
	#[codec(index = 2)]
	pub mod models {
		/// Held from a model's registrant until the model retires.
		#[codec(index = 0)]
		pub static RegistrationDeposit: Balance = defaults::MODEL_DEPOSIT;
	}

	/// Parameters of jobs and disputes: deadlines, windows, fees, bonds and slashes.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod jobs {
		/// Blocks an assigned provider has to deliver.
		#[codec(index = 0)]
		pub static ResultTimeout: BlockNumber = defaults::RESULT_TIMEOUT;
		/// Blocks a result stays open to challenge.
		#[codec(index = 1)]
		pub static ChallengeWindow: BlockNumber = defaults::CHALLENGE_WINDOW;
		/// Held on top of a job's value to pay for verification.
		#[codec(index = 2)]
		pub static VerificationFee: Perbill = defaults::VERIFICATION_FEE;
		/// The treasury's share of what providers earn.
		#[codec(index = 3)]
		pub static ProtocolFee: Perbill = defaults::PROTOCOL_FEE;
		/// Collateral per job, as a multiple of what the job can earn its provider.
		#[codec(index = 4)]
		pub static BondMultiple: u32 = defaults::BOND_MULTIPLE;
		/// Share of a job's collateral paid to the user when the provider misses the deadline.
		#[codec(index = 5)]
		pub static TimeoutSlash: Perbill = defaults::TIMEOUT_SLASH;
		/// Held from a challenger until the verdict.
		#[codec(index = 6)]
		pub static ChallengeBond: Balance = defaults::CHALLENGE_BOND;
		/// Share of results the chain audits by itself.
		#[codec(index = 7)]
		pub static AuditRate: Perbill = defaults::AUDIT_RATE;
		/// Blocks committee members have to commit their votes.
		#[codec(index = 8)]
		pub static CommitPhase: BlockNumber = defaults::COMMIT_PHASE;
		/// Blocks after the commit phase to reveal them.
		#[codec(index = 9)]
		pub static RevealPhase: BlockNumber = defaults::REVEAL_PHASE;
		/// Stake each committee member puts behind its duty.
		#[codec(index = 10)]
		pub static VoteBond: Balance = defaults::VOTE_BOND;
		/// Share of a lying provider's slashed collateral paid to the challenger.
		#[codec(index = 11)]
		pub static ChallengerReward: Perbill = defaults::CHALLENGER_REWARD;
		/// Share of a lying provider's slashed collateral shared by the majority voters.
		#[codec(index = 12)]
		pub static VoterReward: Perbill = defaults::VOTER_REWARD;
		/// Share of a wrong challenger's bond shared by the majority voters.
		#[codec(index = 13)]
		pub static BondToVoters: Perbill = defaults::BOND_TO_VOTERS;
		/// Committee members drawn per dispute.
		#[codec(index = 14)]
		pub static CommitteeSeats: u32 = defaults::COMMITTEE_SEATS;
		/// Longest prompt accepted, in bytes.
		#[codec(index = 15)]
		pub static PromptLimit: u32 = defaults::PROMPT_LIMIT;
		/// Most output tokens a job may ask for.
		#[codec(index = 16)]
		pub static OutputTokenLimit: u32 = defaults::OUTPUT_TOKEN_LIMIT;
		/// Providers tried per job before it is refunded.
		#[codec(index = 17)]
		pub static AttemptLimit: u32 = defaults::ATTEMPT_LIMIT;
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Providers(dynamic_params::providers::Parameters::UnbondingPeriod(
			dynamic_params::providers::UnbondingPeriod,
			Some(faithful_primitives::time::DAYS),
		))
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	// Only through `Governance.set_parameter`, which checks the bounds: not even root can set a
	// parameter here directly.
	type AdminOrigin = AsEnsureOriginWithArg<governance::EnsureBoundsChecked>;
	// Upstream measurements; the crate exposes them only through `()`.
	type WeightInfo = ();
}

parameter_types! {
	/// Scheduled calls (enacted referenda) may fill most of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	/// Held per stored preimage, plus a deposit per byte.
	pub const PreimageBaseDeposit: Balance = FTH;
	pub const PreimageByteDeposit: Balance = MICRO_FTH;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// The most one treasury-track referendum may spend.
	pub const MaxTreasurySpend: Balance = 100_000 * FTH;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeEvent = RuntimeEvent;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_referenda::Config for Runtime {
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type CancelOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	// Deposits of referenda killed as spam go to the treasury.
	type Slash = Treasury;
	type Votes = Balance;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = ConstU128<{ 10 * FTH }>;
	type MaxQueued = ConstU32<20>;
	type UndecidingTimeout = ConstU32<{ 14 * faithful_primitives::time::DAYS }>;
	type AlarmInterval = ConstU32<1>;
	type Tracks = governance::tracks::Tracks;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_conviction_voting::Config for Runtime {
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type VoteLockingPeriod = ConstU32<{ 7 * faithful_primitives::time::DAYS }>;
	type MaxVotes = ConstU32<512>;
	type MaxTurnout = ActiveIssuanceOf<Balances, AccountId>;
	type Polls = Referenda;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

impl pallet_treasury::Config for Runtime {
	type PalletId = TreasuryPalletId;
	type Currency = Balances;
	type RejectOrigin = EnsureRoot<AccountId>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = ConstU32<{ faithful_primitives::time::DAYS }>;
	type Burn = ();
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	type SpendOrigin = EnsureWithSuccess<
		EitherOf<EnsureRoot<AccountId>, governance::EnsureTreasurer>,
		AccountId,
		MaxTreasurySpend,
	>;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = ConstU32<{ 30 * faithful_primitives::time::DAYS }>;
	type BlockNumberProvider = System;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

impl governance::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type ParameterOrigin = EitherOf<EnsureRoot<AccountId>, governance::EnsureParameterAdmin>;
	type Bounds = governance::bounds::MarketBounds;
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(7)]
	pub type Parameters = pallet_parameters;

	#[runtime::pallet_index(10)]
	pub type Models = pallet_models;
	#[runtime::pallet_index(11)]
	pub type Providers = pallet_providers;
	#[runtime::pallet_index(12)]
	pub type Jobs = pallet_jobs;

	#[runtime::pallet_index(20)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(21)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(22)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(23)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(24)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(25)]
	pub type Governance = governance;
}

/// The address format of transactions: a plain or indexed account id.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The standard transaction extensions, so polkadot-js, polkadot-api and subxt sign transactions
/// without custom type definitions.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);
/// A transaction as it arrives from the outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a transaction's signature covers.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Dispatches blocks to the pallets.
pub type Executive = polkadot_sdk::frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
>;

#[cfg(test)]
mod load_tests;

#[cfg(test)]
mod metadata_tests {
	use super::Runtime;

	/// The worker and the CLI compile against `metadata/faithful.scale` (subxt codegen). This
	/// fails when that file no longer matches the runtime; `FAITHFUL_UPDATE_METADATA=1 cargo test
	/// -p faithful-runtime metadata` rewrites it.
	#[test]
	fn committed_metadata_matches_the_runtime() {
		let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../metadata/faithful.scale");
		// The referendum tracks' timing is read from storage (genesis sets it): an empty state
		// gives the network timing.
		let current = polkadot_sdk::sp_io::TestExternalities::default()
			.execute_with(|| Runtime::metadata_at_version(15))
			.expect("the runtime serves metadata v15");
		if std::env::var_os("FAITHFUL_UPDATE_METADATA").is_some() {
			std::fs::write(path, &*current).expect("metadata/ is writable");
		}
		let committed = std::fs::read(path).unwrap_or_default();
		assert!(
			committed == *current,
			"metadata/faithful.scale is stale: run FAITHFUL_UPDATE_METADATA=1 cargo test -p faithful-runtime metadata"
		);
	}
}
