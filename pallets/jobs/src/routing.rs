//! Choosing a provider for a job, and the job's sampling seed.
//!
//! The formula lives in `faithful_primitives::routing` so clients can recompute it; this module
//! gathers the candidates from chain state and draws with chain randomness.

use super::*;
use codec::Encode;
use faithful_primitives::routing::{pick, weight};
use polkadot_sdk::{
	frame_support::traits::Get,
	sp_io::hashing::blake2_256,
	sp_runtime::traits::{CheckedMul, SaturatedConversion},
};

/// What routing settled on.
pub(crate) struct Assignment<AccountId, Balance> {
	pub provider: AccountId,
	pub price_per_token: Balance,
	pub collateral: Balance,
}

impl<T: Config> Pallet<T> {
	/// 32 random bytes for `purpose` and `job`: BLAKE2b-256 of the chain's randomness for the
	/// subject. Where BABE has no output yet (the first block), the parent hash stands in.
	pub(crate) fn random(purpose: &[u8], job: JobId, attempt: u32) -> [u8; 32] {
		let subject = (purpose, job, attempt).encode();
		let (random, _) = T::Randomness::random(&subject);
		let random = random.unwrap_or_else(frame_system::Pallet::<T>::parent_hash);
		blake2_256(&(random, subject).encode())
	}

	/// The sampler's seed for `job`.
	pub(crate) fn sampling_seed(job: JobId) -> u64 {
		let random = Self::random(b"faithful/seed", job, 0);
		u64::from_le_bytes(random[..8].try_into().expect("32 bytes have 8"))
	}

	/// Picks a provider for `record` among those not in `record.attempts`, without changing any
	/// state. `None` when no offer fits or the job has had `MaxAttempts` providers already.
	pub(crate) fn route(
		job: JobId,
		record: &JobOf<T>,
	) -> Option<Assignment<T::AccountId, BalanceOf<T>>> {
		if record.attempts.len() as u32 >= T::MaxAttempts::get() {
			return None;
		}
		let cap = record.max_price_per_token;
		let max_tokens: BalanceOf<T> = record.max_tokens.into();
		let bond = BalanceOf::<T>::from(T::BondMultiple::get());
		let mut candidates = alloc::vec::Vec::new();
		let mut weights = alloc::vec::Vec::new();
		for (provider, offer) in T::Offers::offers(&record.model) {
			if offer.price_per_token > cap || record.attempts.contains(&provider) {
				continue;
			}
			if Running::<T>::get(&provider, record.model) >= offer.max_concurrent {
				continue;
			}
			let Some(collateral) =
				max_tokens.checked_mul(&offer.price_per_token).and_then(|v| v.checked_mul(&bond))
			else {
				continue;
			};
			if T::Collateral::free_collateral(&provider) < collateral {
				continue;
			}
			let Some(reputation) = T::Offers::reputation(&provider) else { continue };
			weights.push(weight(
				reputation,
				offer.price_per_token.saturated_into(),
				cap.saturated_into(),
			));
			candidates.push(Assignment {
				provider,
				price_per_token: offer.price_per_token,
				collateral,
			});
		}
		let random = Self::random(b"faithful/route", job, record.attempts.len() as u32);
		Some(candidates.swap_remove(pick(&weights, &random)?))
	}

	/// Gives back the concurrency slot `provider` took for a job of `model`.
	pub(crate) fn release_slot(provider: &T::AccountId, model: ModelId) {
		Running::<T>::mutate_exists(provider, model, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
	}
}
