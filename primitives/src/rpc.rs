//! The JSON shapes of the node's `faithful_*` RPC methods, shared by the node and its clients.
//!
//! Amounts are decimal strings (they exceed what JavaScript numbers hold exactly); accounts are
//! SS58 addresses; model ids and commitments are 0x-prefixed hex.

use crate::{
	jobs::{JobId, TokenId},
	models::ModelId,
	BlockNumber,
};
use alloc::{string::String, vec::Vec};
use polkadot_sdk::sp_core::H256;
use serde::{Deserialize, Serialize};

/// A price quote for a job.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QuoteView {
	pub providers: u32,
	pub min_price_per_token: String,
	pub max_price_per_token: String,
	pub escrow: String,
	/// Whether a job requiring a jury is accepted now (`Quote::judged`).
	pub judged: bool,
}

/// How a job samples.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SamplingView {
	Greedy,
	#[serde(rename_all = "camelCase")]
	Sampled {
		temperature_milli: u32,
		top_k: u32,
		top_p_ppm: u32,
	},
}

/// Where a job stands.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum StatusView {
	#[serde(rename_all = "camelCase")]
	Assigned {
		provider: String,
		price_per_token: String,
		collateral: String,
		deadline: BlockNumber,
	},
	#[serde(rename_all = "camelCase")]
	Proposed {
		provider: String,
		price_per_token: String,
		n_tokens: u32,
		finish: String,
		commitment: H256,
		challenge_until: BlockNumber,
	},
	#[serde(rename_all = "camelCase")]
	Disputed { provider: String, n_tokens: u32, since: BlockNumber },
	#[serde(rename_all = "camelCase")]
	Finalized {
		provider: String,
		n_tokens: u32,
		finish: String,
		commitment: H256,
		paid: String,
		refunded: String,
		at: BlockNumber,
	},
	#[serde(rename_all = "camelCase")]
	Slashed { provider: String, slashed: String, refunded: String, at: BlockNumber },
	#[serde(rename_all = "camelCase")]
	Refunded { refunded: String, at: BlockNumber },
}

/// A delivered output.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutputView {
	/// The text, with invalid UTF-8 replaced.
	pub text: String,
	pub tokens: Vec<TokenId>,
}

/// A job.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
	pub id: JobId,
	pub owner: String,
	pub model: ModelId,
	pub sampling: SamplingView,
	/// A string: seeds use all 64 bits.
	pub seed: String,
	pub max_tokens: u32,
	pub max_price_per_token: String,
	pub escrow: String,
	pub verification_fee: String,
	/// The fees, slashes and rewards fixed at submission.
	pub terms: TermsView,
	pub submitted_at: BlockNumber,
	pub attempts: Vec<String>,
	pub status: StatusView,
	pub prompt: Option<String>,
	pub output: Option<OutputView>,
}

/// A job's economic terms, in parts per billion.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TermsView {
	pub protocol_fee_ppb: u32,
	pub timeout_slash_ppb: u32,
	pub audit_rate_ppb: u32,
	pub challenger_reward_ppb: u32,
	pub voter_reward_ppb: u32,
	pub bond_to_voters_ppb: u32,
}

/// An offer for a model.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OfferView {
	pub provider: String,
	pub price_per_token: String,
	pub max_concurrent: u32,
}

/// A registered model.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
	pub id: ModelId,
	pub name: String,
	pub owner: String,
	pub architecture: String,
	pub context_length: u32,
	pub active: bool,
	pub registered_at: BlockNumber,
}

/// A provider.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
	pub endpoint: String,
	pub stake: String,
	pub locked: String,
	pub unbonding: String,
	/// Parts per billion.
	pub reputation_ppb: u32,
	pub offers: Vec<ModelId>,
	/// Models it judges without serving them.
	pub verifies: Vec<ModelId>,
}

impl StatusView {
	/// Whether the job is over: finalized, slashed or refunded.
	pub fn is_terminal(&self) -> bool {
		matches!(
			self,
			StatusView::Finalized { .. } | StatusView::Slashed { .. } | StatusView::Refunded { .. }
		)
	}
}
