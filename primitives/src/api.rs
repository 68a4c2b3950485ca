//! The runtime API clients and the node's `faithful_*` RPC read the market through.

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use polkadot_sdk::sp_runtime::Perbill;
use scale_info::TypeInfo;

use crate::{
	jobs::{Job, JobId, JobOutput, MaxJobAttempts, MaxOutputBytes, MaxOutputTokens, Quote},
	models::{MaxModelNameLength, ModelId, ModelInfo},
	providers::Offer,
};

/// A job with what is still stored of its prompt and output.
#[derive(Encode, Decode, TypeInfo, Clone, Debug)]
pub struct JobDetails<AccountId, Balance, BlockNumber> {
	/// The lasting record.
	pub job: Job<AccountId, Balance, BlockNumber, MaxJobAttempts>,
	/// The prompt, until the job settles.
	pub prompt: Option<Vec<u8>>,
	/// The output, from its result until the job settles.
	pub output: Option<JobOutput<MaxOutputBytes, MaxOutputTokens>>,
}

/// A provider as clients see it: its stake and its reputation as of now.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ProviderSummary<Balance> {
	/// Where its worker is reached.
	pub endpoint: Vec<u8>,
	/// Bonded stake.
	pub stake: Balance,
	/// Part of the stake backing jobs in flight.
	pub locked: Balance,
	/// Stake on its way out, still at risk.
	pub unbonding: Balance,
	/// Its lowest reputation now, after decay, over the models it offers (reputation is earned
	/// per model).
	pub reputation: Perbill,
	/// Models it judges without serving them.
	pub verifies: Vec<ModelId>,
	/// Models it offers.
	pub offers: Vec<ModelId>,
}

/// The most items one paged read returns, whatever `limit` asks.
pub const MAX_PAGE: u32 = 1_000;

/// A registered model with its id.
pub type ModelEntry<AccountId, Balance, BlockNumber> =
	(ModelId, ModelInfo<AccountId, Balance, BlockNumber, MaxModelNameLength>);

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Reads of the Faithful market.
	pub trait MarketApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// What a job of `max_tokens` for `model` would cost now; `None` when no provider can
		/// take it (or the model is not active).
		fn quote(model: ModelId, max_tokens: u32) -> Option<Quote<Balance>>;

		/// A job by id.
		fn job(job: JobId) -> Option<JobDetails<AccountId, Balance, BlockNumber>>;

		/// Ids of up to `limit` (at most `MAX_PAGE`) of `owner`'s jobs in storage order, after
		/// `after` (from the first when `None`); the last id of a page starts the next.
		fn jobs_of(owner: AccountId, after: Option<JobId>, limit: u32) -> Vec<JobId>;

		/// The offers for `model`.
		fn offers(model: ModelId) -> Vec<(AccountId, Offer<Balance>)>;

		/// Up to `limit` (at most `MAX_PAGE`) registered models, active or retired, in id order,
		/// after `after` (from the first when `None`).
		fn models(after: Option<ModelId>, limit: u32) -> Vec<ModelEntry<AccountId, Balance, BlockNumber>>;

		/// A provider by account.
		fn provider(who: AccountId) -> Option<ProviderSummary<Balance>>;
	}
}
