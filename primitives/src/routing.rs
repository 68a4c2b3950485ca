//! Yellowstone routing: which provider gets a job.
//!
//! Every offer that can take the job (price at or below the user's cap, spare concurrency, enough
//! free collateral) gets the weight
//!
//! ```text
//! weight = reputation_ppb × cap / max(price, cap / MAX_PRICE_ADVANTAGE)   (integer, rounded down)
//! ```
//!
//! and the job goes to offer `i` with probability `weight_i / Σ weight`. Halving the price
//! doubles an offer's chance, down to a quarter of the cap; doubling its reputation always does.
//! The advantage stops there because a price far below the cap is cheap to post and buys nothing
//! the user asked for: without the bound, an offer at one planck outweighed a fair one a million
//! to one, and a few such offers that never answer ("sinkholes") took nearly every job for a
//! deadline each. With it, a sinkhole weighs at most four fair offers, and every timeout halves
//! its reputation and slashes a job's minimum collateral, so it loses its share within a few
//! jobs. The draw is
//! `r = u128(first 16 bytes of random, little endian) mod Σ weight`, and the winner is the first
//! offer whose running sum of weights exceeds `r`, in offer-book order. `random` is
//! `faithful_primitives::jobs::draw` of the chain's randomness for the subject (the owner and
//! its submission count at submission, the job id and attempt at a reassignment), all of which
//! are on chain once the block is out, so anyone can recompute the choice with these functions.

use polkadot_sdk::sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding, Perbill, Rounding,
};

/// The largest weight one offer can have, so that the sum over any offer book cannot overflow.
pub const MAX_WEIGHT: u128 = u128::MAX >> 16;

/// How many times the weight of an offer at the cap a cheaper offer can reach by price alone.
pub const MAX_PRICE_ADVANTAGE: u128 = 4;

/// An offer's routing weight. Zero when the price is zero or above the cap, or the reputation
/// is zero (such a provider is never chosen).
pub fn weight(reputation: Perbill, price: u128, cap: u128) -> u128 {
	if price == 0 || price > cap {
		return 0;
	}
	let reputation = reputation.deconstruct() as u128;
	let price = price.max(cap / MAX_PRICE_ADVANTAGE).max(1);
	multiply_by_rational_with_rounding(reputation, cap, price, Rounding::Down)
		.unwrap_or(MAX_WEIGHT)
		.min(MAX_WEIGHT)
}

/// The index of the chosen offer, or `None` when every weight is zero.
pub fn pick(weights: &[u128], random: &[u8; 32]) -> Option<usize> {
	let total = weights.iter().fold(0u128, |sum, w| sum.saturating_add((*w).min(MAX_WEIGHT)));
	if total == 0 {
		return None;
	}
	let mut bytes = [0u8; 16];
	bytes.copy_from_slice(&random[..16]);
	let mut r = u128::from_le_bytes(bytes) % total;
	for (i, w) in weights.iter().enumerate() {
		let w = (*w).min(MAX_WEIGHT);
		if r < w {
			return Some(i);
		}
		r -= w;
	}
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	fn random(n: u128) -> [u8; 32] {
		let mut out = [0u8; 32];
		out[..16].copy_from_slice(&n.to_le_bytes());
		out
	}

	#[test]
	fn weight_rises_with_reputation_and_falls_with_price() {
		let half = Perbill::from_percent(50);
		assert_eq!(weight(half, 10, 10), 500_000_000);
		assert_eq!(weight(half, 5, 10), 1_000_000_000);
		assert_eq!(weight(Perbill::from_percent(100), 10, 10), 1_000_000_000);
	}

	#[test]
	fn offers_above_the_cap_free_or_with_no_reputation_weigh_nothing() {
		assert_eq!(weight(Perbill::from_percent(50), 11, 10), 0);
		assert_eq!(weight(Perbill::from_percent(50), 0, 10), 0);
		assert_eq!(weight(Perbill::zero(), 5, 10), 0);
	}

	#[test]
	fn a_price_below_a_quarter_of_the_cap_weighs_no_more_than_a_quarter() {
		let half = Perbill::from_percent(50);
		assert_eq!(weight(half, 25, 100), 2_000_000_000);
		assert_eq!(weight(half, 1, 100), 2_000_000_000);
		assert_eq!(weight(half, 1, 3), 1_500_000_000, "caps below four planck still divide");
	}

	#[test]
	fn a_huge_cap_does_not_overflow() {
		assert_eq!(weight(Perbill::one(), 1, u128::MAX), 4_000_000_000);
	}

	#[test]
	fn pick_walks_the_running_sum() {
		let weights = [3, 0, 5];
		assert_eq!(pick(&weights, &random(0)), Some(0));
		assert_eq!(pick(&weights, &random(2)), Some(0));
		assert_eq!(pick(&weights, &random(3)), Some(2));
		assert_eq!(pick(&weights, &random(7)), Some(2));
		assert_eq!(pick(&weights, &random(8)), Some(0), "wraps modulo the total");
	}

	#[test]
	fn nothing_is_picked_when_all_weights_are_zero() {
		assert_eq!(pick(&[0, 0], &random(1)), None);
		assert_eq!(pick(&[], &random(1)), None);
	}
}
