//! Choosing a provider for a job, and the job's sampling seed.
//!
//! The formula lives in `faithful_primitives::routing` so clients can recompute it; this module
//! gathers the candidates from chain state and draws with chain randomness.

use super::*;
use faithful_primitives::{
	jobs::{draw, draw_subject, submission_subject, DrawPurpose, Quote},
	routing::{pick, weight},
};
use polkadot_sdk::{
	frame_support::traits::Get,
	sp_runtime::traits::{Bounded, CheckedMul, SaturatedConversion},
};

/// An eligible offer with its routing weight.
pub(crate) type Candidate<AccountId, Balance> = (Assignment<AccountId, Balance>, u128);

/// What routing settled on.
pub(crate) struct Assignment<AccountId, Balance> {
	pub provider: AccountId,
	pub price_per_token: Balance,
	pub collateral: Balance,
}

impl<T: Config> Pallet<T> {
	/// 32 random bytes for `purpose` and `job` (`faithful_primitives::jobs::draw`).
	pub(crate) fn random(purpose: DrawPurpose, job: JobId, attempt: u32) -> [u8; 32] {
		Self::random_for(&draw_subject(purpose, job, attempt))
	}

	/// 32 random bytes for `purpose` in `owner`'s submission now: keyed by how many jobs it
	/// submitted before (`Submitted`), not the job id, so a block author reordering or inserting
	/// submissions cannot re-roll it.
	pub(crate) fn random_at_submission(purpose: DrawPurpose, owner: &T::AccountId) -> [u8; 32] {
		Self::random_for(&submission_subject(purpose, owner, Submitted::<T>::get(owner)))
	}

	/// The draw for `subject`. Where the block has no VRF output (the first block), the parent
	/// hash stands in.
	fn random_for(subject: &[u8]) -> [u8; 32] {
		let (random, _) = T::Randomness::random(subject);
		let random = random.unwrap_or_else(frame_system::Pallet::<T>::parent_hash);
		draw(random, subject)
	}

	/// The sampler's seed for a job `owner` submits now.
	pub(crate) fn sampling_seed(owner: &T::AccountId) -> u64 {
		let random = Self::random_at_submission(DrawPurpose::Seed, owner);
		u64::from_le_bytes(random[..8].try_into().expect("32 bytes have 8"))
	}

	/// Offers that could take a job of `max_tokens` for `model` now: priced at or below `cap`,
	/// with a free concurrency slot and enough free collateral (`BondMultiple` × what the job can
	/// earn, at least `MinJobCollateral`), from providers not in `exclude`.
	/// Each comes with its routing weight, in offer-book order.
	pub(crate) fn eligible(
		model: ModelId,
		max_tokens: u32,
		cap: BalanceOf<T>,
		exclude: &[T::AccountId],
	) -> alloc::vec::Vec<Candidate<T::AccountId, BalanceOf<T>>> {
		let max_tokens: BalanceOf<T> = max_tokens.into();
		let bond = BalanceOf::<T>::from(T::BondMultiple::get());
		T::Offers::offers(&model)
			.into_iter()
			.filter_map(|(provider, offer)| {
				if offer.price_per_token > cap || exclude.contains(&provider) {
					return None;
				}
				if Running::<T>::get(&provider, model) >= offer.max_concurrent {
					return None;
				}
				let collateral = max_tokens
					.checked_mul(&offer.price_per_token)
					.and_then(|v| v.checked_mul(&bond))?
					.max(T::MinJobCollateral::get());
				if T::Collateral::free_collateral(&provider) < collateral {
					return None;
				}
				let reputation = T::Offers::reputation(&provider, &model)?;
				let weight = weight(
					reputation,
					offer.price_per_token.saturated_into(),
					cap.saturated_into(),
				);
				Some((
					Assignment { provider, price_per_token: offer.price_per_token, collateral },
					weight,
				))
			})
			.collect()
	}

	/// Picks a provider for `record` among those not in `record.attempts` with the draw `random`,
	/// without changing any state. `None` when no offer fits or the job has had `AttemptLimit`
	/// providers already.
	pub(crate) fn route(
		record: &JobOf<T>,
		random: [u8; 32],
	) -> Option<Assignment<T::AccountId, BalanceOf<T>>> {
		if record.attempts.len() as u32 >= Self::attempt_limit() {
			return None;
		}
		let (mut candidates, weights): (alloc::vec::Vec<_>, alloc::vec::Vec<_>) = Self::eligible(
			record.model,
			record.max_tokens,
			record.max_price_per_token,
			&record.attempts,
		)
		.into_iter()
		.unzip();
		Some(candidates.swap_remove(pick(&weights, &random)?))
	}

	/// What a job of `max_tokens` for `model` would cost now, if any provider can take it.
	pub fn quote(model: ModelId, max_tokens: u32) -> Option<Quote<BalanceOf<T>>> {
		if !T::Models::is_active(&model) || !(1..=Self::output_token_limit()).contains(&max_tokens)
		{
			return None;
		}
		let offers = Self::eligible(model, max_tokens, BalanceOf::<T>::max_value(), &[]);
		let prices = offers.iter().map(|(assignment, _)| assignment.price_per_token);
		let min_price_per_token = prices.clone().min()?;
		let max_price_per_token = prices.max()?;
		let (_, escrow) = Self::escrow_for(max_tokens, max_price_per_token).ok()?;
		// One more than a round's seats, since the provider routing picks may be one of them.
		let seats = Self::committee_seats() as usize + 1;
		let judged = Self::eligible_jurors(model, alloc::vec![]).take(seats).count() >= seats;
		Some(Quote {
			providers: offers.len() as u32,
			min_price_per_token,
			max_price_per_token,
			escrow,
			judged,
		})
	}

	/// Gives back the concurrency slot `provider` took for a job of `model`.
	pub(crate) fn release_slot(provider: &T::AccountId, model: ModelId) {
		Running::<T>::mutate_exists(provider, model, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
	}
}
