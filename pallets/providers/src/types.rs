//! The providers pallet's storage types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use faithful_primitives::models::ModelId;
use polkadot_sdk::frame_support::{traits::Get, BoundedVec};
use scale_info::TypeInfo;

/// Stake on its way out: still held (and so still at risk) until `release_at`.
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
pub struct UnbondingChunk<Balance, BlockNumber> {
	/// How much leaves.
	pub amount: Balance,
	/// First block at which `withdraw_unbonded` releases it.
	pub release_at: BlockNumber,
}

/// A registered compute provider.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxEndpointLength, MaxUnbondingChunks, MaxOffersPerProvider))]
pub struct ProviderInfo<
	Balance,
	BlockNumber,
	MaxEndpointLength: Get<u32>,
	MaxUnbondingChunks: Get<u32>,
	MaxOffersPerProvider: Get<u32>,
> {
	/// Where users and auditors reach the provider's worker (e.g. `https://gpu1.example:8443`).
	pub endpoint: BoundedVec<u8, MaxEndpointLength>,
	/// Bonded stake, held under `HoldReason::Stake`; the part not `locked` can be unbonded.
	pub stake: Balance,
	/// The part of `stake` backing in-flight jobs: it cannot be unbonded, and it is what a wrong
	/// or missing result is slashed from.
	pub locked: Balance,
	/// Stake unbonding, also held under `HoldReason::Stake` until released.
	pub unbonding: BoundedVec<UnbondingChunk<Balance, BlockNumber>, MaxUnbondingChunks>,
	/// The models this provider offers (offers themselves live in `Offers`).
	pub offers: BoundedVec<ModelId, MaxOffersPerProvider>,
	/// The models it judges without serving them (listed in `Verifiers`).
	pub verifies: BoundedVec<ModelId, MaxOffersPerProvider>,
	/// Block of registration.
	pub registered_at: BlockNumber,
}
