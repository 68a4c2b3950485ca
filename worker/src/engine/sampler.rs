//! The protocol's deterministic sampler.
//!
//! A provider and a verifier must agree on which token a position's logits choose without the
//! verifier replaying tokens 0..i, and without trusting any library's RNG (rand's `StdRng` may
//! change between versions). So the randomness is counter-based: the uniform for token `t` at
//! output position `i` is a pure function of `(seed, i, t)`, and sampling is Gumbel-max over the
//! candidate tokens, computed in f64: token `t` scores `logit_t / temperature + g(seed, i, t)`
//! with `g = -ln(-ln u)`, and the highest score wins. Because every token carries its own noise,
//! a verifier can tell how far a claimed token's score is from the best one (its margin), which
//! is what lets verification tolerate the last-bit differences between machines.
//!
//! Top-k and top-p pick the candidates first: tokens ranked by logit (ties to the lower id), the
//! first `top_k` kept, then the shortest prefix whose probability mass (softmax of the full
//! vocabulary at the temperature) reaches `top_p`.

use std::cmp::Reverse;

use anyhow::{ensure, Result};

/// How a position's logits choose a token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampling {
	/// The highest logit wins; ties go to the lower token id.
	Greedy,
	/// Temperature, top-k and top-p, then Gumbel-max keyed by a seed.
	Sampled(SampledParams),
}

/// Parameters of [`Sampling::Sampled`], checked on construction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampledParams {
	temperature: f64,
	top_k: u32,
	top_p: f64,
	seed: u64,
}

impl SampledParams {
	/// `temperature` must be finite and positive; `top_k == 0` keeps every token; `top_p` must
	/// lie in (0, 1], 1 keeping every token.
	pub fn new(temperature: f64, top_k: u32, top_p: f64, seed: u64) -> Result<Self> {
		ensure!(
			temperature.is_finite() && temperature > 0.0,
			"temperature must be finite and positive, got {temperature}"
		);
		ensure!(top_p > 0.0 && top_p <= 1.0, "top-p must lie in (0, 1], got {top_p}");
		Ok(Self { temperature, top_k, top_p, seed })
	}

	pub fn temperature(&self) -> f64 {
		self.temperature
	}

	pub fn top_k(&self) -> u32 {
		self.top_k
	}

	pub fn top_p(&self) -> f64 {
		self.top_p
	}

	pub fn seed(&self) -> u64 {
		self.seed
	}

	fn filters(&self) -> bool {
		self.top_k != 0 || self.top_p < 1.0
	}
}

impl Sampling {
	/// The token the logits at output position `position` choose.
	pub fn choose(&self, logits: &[f32], position: u32) -> u32 {
		let logits = widen(logits);
		match self {
			Sampling::Greedy => argmax(&logits),
			Sampling::Sampled(params) => {
				let candidates = if params.filters() {
					filtered_candidates(&logits, params)
				} else {
					(0..logits.len() as u32).collect()
				};
				let mut best = (f64::NEG_INFINITY, u32::MAX);
				for token in candidates {
					let score = perturbed(&logits, params, position, token);
					if score > best.0 || best.1 == u32::MAX {
						best = (score, token);
					}
				}
				best.1
			}
		}
	}

	/// How far `claimed` is from being chosen at output position `position`, in logit units: 0
	/// when this machine's logits choose it, larger the further it is behind. Tolerates logit
	/// differences of up to `epsilon` between the machine that chose and this one (see `Filter`
	/// for top-k and top-p); infinite when `claimed` cannot be chosen at that tolerance.
	pub fn margin(&self, logits: &[f32], position: u32, claimed: u32, epsilon: f64) -> f64 {
		let logits = widen(logits);
		let Some(&claimed_logit) = logits.get(claimed as usize) else {
			return f64::INFINITY;
		};
		match self {
			Sampling::Greedy => {
				let best = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
				if best == claimed_logit {
					0.0
				} else {
					best - claimed_logit
				}
			}
			Sampling::Sampled(params) => {
				let rivals = if params.filters() {
					let filter = Filter::new(&logits, params, epsilon);
					if !filter.may_keep(claimed_logit) {
						return f64::INFINITY;
					}
					filter.surely_kept()
				} else {
					(0..logits.len() as u32).collect()
				};
				let claimed_score = perturbed(&logits, params, position, claimed);
				let best = rivals
					.into_iter()
					.map(|token| perturbed(&logits, params, position, token))
					.fold(claimed_score, f64::max);
				if best == claimed_score {
					0.0
				} else {
					(best - claimed_score) * params.temperature
				}
			}
		}
	}
}

/// A uniform in (0, 1) for token `token` at output position `position`: the output of SplitMix64
/// keyed by the mixed seed at counter `position * 2^32 + token`. SplitMix64 is tiny, fast enough
/// to draw one number per vocabulary entry per position, statistically sound, and easy to
/// re-implement exactly in any language or on a GPU.
pub fn uniform(seed: u64, position: u32, token: u32) -> f64 {
	let counter = (u64::from(position) << 32) | u64::from(token);
	let bits = mix(mix(seed).wrapping_add(counter.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA)));
	// The top 53 bits, centred in their interval so neither 0 nor 1 can come out.
	((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// SplitMix64's increment, 2^64 divided by the golden ratio.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser, a bijection on u64 with full avalanche.
fn mix(mut z: u64) -> u64 {
	z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
	z ^ (z >> 31)
}

/// Logits as f64, NaN read as minus infinity so a broken model never wins by NaN ordering.
fn widen(logits: &[f32]) -> Vec<f64> {
	logits.iter().map(|&l| if l.is_nan() { f64::NEG_INFINITY } else { f64::from(l) }).collect()
}

fn argmax(logits: &[f64]) -> u32 {
	let mut best = 0;
	for (token, &logit) in logits.iter().enumerate() {
		if logit > logits[best] {
			best = token;
		}
	}
	best as u32
}

fn perturbed(logits: &[f64], params: &SampledParams, position: u32, token: u32) -> f64 {
	let u = uniform(params.seed, position, token);
	logits[token as usize] / params.temperature - (-u.ln()).ln()
}

/// Token ids by logit, highest first, ties to the lower id.
fn ranked(logits: &[f64]) -> Vec<u32> {
	ranked_first(logits, logits.len())
}

/// The first `count` token ids of [`ranked`], without ordering the rest of the vocabulary (a
/// top-k generator needs only k of them). The ranking is a total order, so these are exactly
/// its first `count`.
fn ranked_first(logits: &[f64], count: usize) -> Vec<u32> {
	// Sorting plain integer keys is several times faster than comparing through the logits; the
	// key orders as `total_cmp` does, highest logit first, then the lower id.
	let mut keys: Vec<(Reverse<i64>, u32)> = logits
		.iter()
		.enumerate()
		.map(|(token, &logit)| (Reverse(total_order(logit)), token as u32))
		.collect();
	if count < keys.len() {
		keys.select_nth_unstable(count);
		keys.truncate(count);
	}
	keys.sort_unstable();
	keys.into_iter().map(|(_, token)| token).collect()
}

/// An integer that orders as `f64::total_cmp` orders its value.
fn total_order(value: f64) -> i64 {
	let bits = value.to_bits() as i64;
	bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Unnormalised probabilities at the temperature, relative to the highest logit so nothing
/// overflows, and their sum.
fn weights(logits: &[f64], temperature: f64) -> (Vec<f64>, f64) {
	let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
	let weights: Vec<f64> = logits.iter().map(|&l| ((l - max) / temperature).exp()).collect();
	let total = weights.iter().sum();
	(weights, total)
}

/// The generator's candidates: top-k, then top-p on the full distribution's mass.
fn filtered_candidates(logits: &[f64], params: &SampledParams) -> Vec<u32> {
	let mut order = match params.top_k {
		0 => ranked(logits),
		k => ranked_first(logits, k as usize),
	};
	if params.top_p < 1.0 {
		let (weights, total) = weights(logits, params.temperature);
		let mut mass_before = 0.0;
		let keep = order
			.iter()
			.take_while(|&&token| {
				let kept = mass_before < params.top_p;
				mass_before += weights[token as usize] / total;
				kept
			})
			.count();
		order.truncate(keep.max(1));
	}
	order
}

/// The verifier's view of top-k and top-p when logit differences may be off by up to `epsilon`.
///
/// A token the generator kept has fewer than k tokens, and less than top-p mass, strictly ahead
/// of it. Here any token more than `epsilon` ahead was surely ahead there, and each probability
/// ratio can differ by at most `e^(epsilon / T)` in each direction, so masses by at most
/// `e^(2 epsilon / T)`. [`Filter::may_keep`] accepts every token the generator may have kept;
/// [`Filter::surely_kept`] lists the tokens the generator certainly kept, the only rivals a claimed
/// token must beat.
struct Filter<'a> {
	logits: &'a [f64],
	order: Vec<u32>,
	/// Probability mass of `order[..i]`.
	mass_prefix: Vec<f64>,
	weights: Vec<f64>,
	total: f64,
	top_k: usize,
	top_p: f64,
	epsilon: f64,
	/// `e^(2 epsilon / T)`.
	slack: f64,
}

impl<'a> Filter<'a> {
	fn new(logits: &'a [f64], params: &SampledParams, epsilon: f64) -> Self {
		let order = ranked(logits);
		let (weights, total) = weights(logits, params.temperature);
		let mut mass_prefix = Vec::with_capacity(order.len() + 1);
		let mut mass = 0.0;
		mass_prefix.push(mass);
		for &token in &order {
			mass += weights[token as usize];
			mass_prefix.push(mass);
		}
		Self {
			logits,
			order,
			mass_prefix,
			weights,
			total,
			top_k: if params.top_k == 0 { usize::MAX } else { params.top_k as usize },
			top_p: params.top_p,
			epsilon,
			slack: (2.0 * epsilon / params.temperature).exp(),
		}
	}

	/// How many ranked tokens have a logit satisfying `ahead`: a prefix, the ranking being by
	/// logit.
	fn prefix_len(&self, ahead: impl Fn(f64) -> bool) -> usize {
		self.order.partition_point(|&token| ahead(self.logits[token as usize]))
	}

	fn may_keep(&self, logit: f64) -> bool {
		let ahead = self.prefix_len(|l| l - logit > self.epsilon);
		ahead < self.top_k && self.mass_prefix[ahead] / self.total < self.top_p * self.slack
	}

	fn surely_kept(&self) -> Vec<u32> {
		let mut kept = Vec::new();
		for &token in &self.order {
			let logit = self.logits[token as usize];
			// Every other token within epsilon below, or anywhere above, may have been ahead.
			let within = self.prefix_len(|l| l >= logit - self.epsilon);
			let others = within - 1;
			let mass = (self.mass_prefix[within] - self.weights[token as usize]) / self.total;
			if others >= self.top_k || mass * self.slack >= self.top_p {
				// Further tokens have at least as many, and as much mass, possibly ahead.
				break;
			}
			kept.push(token);
		}
		kept
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_ranking_is_by_total_order_then_the_lower_id() {
		let logits = [1.0, f64::NEG_INFINITY, -0.0, 0.0, 1.0, 2.5, -1e300, f64::INFINITY, 0.0];
		let mut expected: Vec<u32> = (0..logits.len() as u32).collect();
		expected
			.sort_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]).then(a.cmp(&b)));
		assert_eq!(ranked(&logits), expected);
		assert_eq!(ranked(&logits), [7, 5, 0, 4, 3, 8, 2, 6, 1]);
	}

	#[test]
	fn the_first_k_ranked_tokens_are_the_full_rankings_first_k() {
		// Many ties, so the lower-id rule decides.
		let logits: Vec<f64> = (0..500u32).map(|i| f64::from((i * 7919) % 37) / 4.0).collect();
		let full = ranked(&logits);
		for k in [1, 2, 36, 37, 100, 499, 500, 600] {
			assert_eq!(ranked_first(&logits, k), full[..k.min(500)], "k = {k}");
		}
	}

	fn sampled(temperature: f64, top_k: u32, top_p: f64, seed: u64) -> Sampling {
		Sampling::Sampled(SampledParams::new(temperature, top_k, top_p, seed).unwrap())
	}

	#[test]
	fn uniforms_are_deterministic_in_range_and_spread_evenly() {
		let mut sum = 0.0;
		let mut low = 0;
		let n = 100_000u32;
		for token in 0..n {
			let u = uniform(7, 3, token);
			assert_eq!(u, uniform(7, 3, token));
			assert!(u > 0.0 && u < 1.0);
			sum += u;
			low += usize::from(u < 0.1);
		}
		let mean = sum / f64::from(n);
		assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
		assert!((low as f64 / f64::from(n) - 0.1).abs() < 0.005, "share below 0.1: {low}");
		assert_ne!(uniform(7, 3, 0), uniform(8, 3, 0), "the seed matters");
		assert_ne!(uniform(7, 3, 0), uniform(7, 4, 0), "the position matters");
	}

	#[test]
	fn invalid_parameters_are_refused() {
		assert!(SampledParams::new(0.0, 0, 1.0, 0).is_err());
		assert!(SampledParams::new(f64::NAN, 0, 1.0, 0).is_err());
		assert!(SampledParams::new(1.0, 0, 0.0, 0).is_err());
		assert!(SampledParams::new(1.0, 0, 1.5, 0).is_err());
	}

	#[test]
	fn greedy_takes_the_highest_logit_and_the_lower_id_on_ties() {
		assert_eq!(Sampling::Greedy.choose(&[0.5, 2.0, -1.0, 2.0], 0), 1);
		assert_eq!(Sampling::Greedy.choose(&[f32::NAN, 0.0], 0), 1);
		assert_eq!(Sampling::Greedy.margin(&[0.5, 2.0, -1.0], 0, 1, 0.0), 0.0);
		assert_eq!(Sampling::Greedy.margin(&[0.5, 2.0, -1.0], 0, 0, 0.0), 1.5);
		assert_eq!(Sampling::Greedy.margin(&[0.5, 2.0], 0, 9, 0.0), f64::INFINITY);
	}

	#[test]
	fn sampling_follows_the_softmax_distribution() {
		// Probabilities 1/4 and 3/4 at temperature 1, 1/2 each at a very high temperature.
		let logits = [0.0, 3f32.ln()];
		let sampling = sampled(1.0, 0, 1.0, 42);
		let n = 20_000;
		let ones = (0..n).filter(|&i| sampling.choose(&logits, i) == 1).count();
		assert!((ones as f64 / f64::from(n) - 0.75).abs() < 0.015, "{ones}");
		let flat = sampled(1e6, 0, 1.0, 42);
		let ones = (0..n).filter(|&i| flat.choose(&logits, i) == 1).count();
		assert!((ones as f64 / f64::from(n) - 0.5).abs() < 0.015, "{ones}");
	}

	#[test]
	fn top_k_and_top_p_cut_the_tail() {
		let logits = [0.6f32.ln(), 0.3f32.ln(), 0.1f32.ln()];
		let top1 = sampled(1.0, 1, 1.0, 1);
		let nucleus = sampled(1.0, 0, 0.5, 1);
		let two = sampled(1.0, 2, 1.0, 1);
		for position in 0..2_000 {
			assert_eq!(top1.choose(&logits, position), 0);
			assert_eq!(nucleus.choose(&logits, position), 0);
			assert_ne!(two.choose(&logits, position), 2);
		}
		assert_eq!(top1.margin(&logits, 0, 1, 1e-3), f64::INFINITY);
		assert_eq!(nucleus.margin(&logits, 0, 2, 1e-3), f64::INFINITY);
	}

	#[test]
	fn the_chosen_token_has_zero_margin_and_the_others_do_not() {
		let logits: Vec<f32> = (0..500).map(|i| ((i * 7919) % 97) as f32 / 10.0).collect();
		for sampling in [Sampling::Greedy, sampled(0.8, 40, 0.9, 5), sampled(1.3, 0, 1.0, 6)] {
			for position in 0..50 {
				let chosen = sampling.choose(&logits, position);
				assert_eq!(sampling.margin(&logits, position, chosen, 1e-3), 0.0);
				let other = (chosen + 1) % 500;
				assert!(sampling.margin(&logits, position, other, 1e-3) > 1e-3);
			}
		}
	}

	#[test]
	fn a_token_within_epsilon_of_the_top_p_boundary_is_tolerated() {
		// Token 1 is just outside the nucleus here but could have been inside on a machine whose
		// logits differ by epsilon.
		let logits = [0.0f32, -0.0005];
		let sampling = sampled(1.0, 0, 0.5, 3);
		assert_eq!(sampling.choose(&logits, 0), 0);
		assert!(sampling.margin(&logits, 0, 1, 1e-2).is_finite());
		assert_eq!(sampling.margin(&logits, 0, 1, 1e-5), f64::INFINITY);
	}
}
