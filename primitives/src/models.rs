//! Models: what a model is on chain, and how the market pallets ask about one another's models.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	sp_core::{Get, H256},
	sp_runtime::BoundedVec,
};
use scale_info::TypeInfo;

/// A model's id: the BLAKE2b-256 hash of its GGUF file. The file holds the weights, the tokenizer
/// and the chat template, so the id pins down exactly what answers a prompt.
pub type ModelId = H256;

/// Longest model name, in bytes.
pub type MaxModelNameLength = polkadot_sdk::sp_core::ConstU32<64>;

/// The model families the worker can run.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum Architecture {
	/// Llama and its derivatives (SmolLM2, Mistral...).
	Llama,
	/// Qwen2 and Qwen2.5.
	Qwen2,
	/// Gemma 3.
	Gemma3,
}

/// Whether a model can be offered and used, with exactly the data of each state.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ModelStatus<Balance, BlockNumber> {
	/// Open for offers and jobs; the registrant's deposit is held.
	Active {
		/// The deposit held from the registrant, returned when the model retires.
		deposit: Balance,
	},
	/// Closed for new offers and jobs; the deposit has been returned. Kept so the id stays
	/// recognisable in old jobs and cannot be registered again.
	Retired {
		/// Block of retirement.
		at: BlockNumber,
	},
}

/// A registered model.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxNameLength))]
pub struct ModelInfo<AccountId, Balance, BlockNumber, MaxNameLength: Get<u32>> {
	/// Who registered it and may retire it.
	pub owner: AccountId,
	/// A unique human-readable name, e.g. `SmolLM2-135M-Instruct-Q4_1`.
	pub name: BoundedVec<u8, MaxNameLength>,
	/// The family, which decides how the worker loads it.
	pub architecture: Architecture,
	/// Tokens of prompt plus output the model attends to.
	pub context_length: u32,
	/// Active (with its deposit) or retired.
	pub status: ModelStatus<Balance, BlockNumber>,
	/// Block of registration.
	pub registered_at: BlockNumber,
}

impl<AccountId, Balance, BlockNumber, MaxNameLength: Get<u32>>
	ModelInfo<AccountId, Balance, BlockNumber, MaxNameLength>
{
	/// Whether providers may offer the model and users submit jobs for it.
	pub fn is_active(&self) -> bool {
		matches!(self.status, ModelStatus::Active { .. })
	}
}

/// The model registry, as other pallets see it.
pub trait ModelRegistry {
	/// The context length of `model` (prompt plus output tokens it attends to) when it is
	/// registered and active; `None` otherwise.
	fn context_length(model: &ModelId) -> Option<u32>;

	/// Whether `model` is registered and active.
	fn is_active(model: &ModelId) -> bool {
		Self::context_length(model).is_some()
	}
}

/// Offers of models, as the model registry sees them (it refuses to retire an offered model).
pub trait ModelOffers {
	/// Whether any provider still offers `model`.
	fn is_offered(model: &ModelId) -> bool;
}
