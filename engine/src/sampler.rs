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
					let weights = Weights::new(&logits, params.temperature);
					let mut filter = Filter::new(&weights, params, epsilon);
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
#[cfg(test)]
fn ranked(logits: &[f64]) -> Vec<u32> {
	ranked_first(logits, logits.len())
}

/// The first `count` token ids of the ranking.
#[cfg(test)]
fn ranked_first(logits: &[f64], count: usize) -> Vec<u32> {
	let mut ranking = Ranking::new(logits);
	ranking.rank(count);
	(0..ranking.ranked()).map(|rank| ranking.token(rank)).collect()
}

/// The vocabulary's ranking (by logit, highest first, ties to the lower id), ordered only as far
/// as asked: filters need its top, not the whole of it. The ranking is a total order, so the
/// first tokens are the same however far it was taken.
struct Ranking {
	/// The first `ranked` in rank order, the rest after them in no order. Plain integer keys
	/// sort several times faster than comparisons through the logits; the key orders as
	/// `total_cmp` does, highest logit first, then the lower id.
	keys: Vec<(Reverse<i64>, u32)>,
	ranked: usize,
}

/// How much further a ranking goes each time it runs out: few extensions, each a pass over the
/// unranked rest.
const RANKING_GROWTH: usize = 4;

impl Ranking {
	fn new(logits: &[f64]) -> Self {
		let keys = logits
			.iter()
			.enumerate()
			.map(|(token, &logit)| (Reverse(total_order(logit)), token as u32))
			.collect();
		Self { keys, ranked: 0 }
	}

	/// Orders at least the first `count` tokens (every token if there are fewer).
	fn rank(&mut self, count: usize) {
		let count = count.min(self.keys.len());
		if count <= self.ranked {
			return;
		}
		let rest = &mut self.keys[self.ranked..];
		let new = count - self.ranked;
		if new < rest.len() {
			rest.select_nth_unstable(new);
		}
		rest[..new].sort_unstable();
		self.ranked = count;
	}

	/// Orders more of the vocabulary.
	fn extend(&mut self) {
		self.rank(self.ranked.max(1) * RANKING_GROWTH);
	}

	fn ranked(&self) -> usize {
		self.ranked
	}

	fn is_complete(&self) -> bool {
		self.ranked == self.keys.len()
	}

	/// The token at `rank`, which must be ranked.
	fn token(&self, rank: usize) -> u32 {
		debug_assert!(rank < self.ranked);
		self.keys[rank].1
	}

	/// How many ranked tokens satisfy `ahead`, which holds on a prefix of the ranking.
	fn ranked_prefix_len(&self, ahead: impl Fn(u32) -> bool) -> usize {
		self.keys[..self.ranked].partition_point(|&(_, token)| ahead(token))
	}
}

/// An integer that orders as `f64::total_cmp` orders its value.
fn total_order(value: f64) -> i64 {
	let bits = value.to_bits() as i64;
	bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The softmax at a temperature, unnormalised: each token's weight relative to the highest
/// logit, so nothing overflows, and the sum of all of them (in id order).
struct Weights<'a> {
	logits: &'a [f64],
	max: f64,
	temperature: f64,
	total: f64,
}

impl<'a> Weights<'a> {
	fn new(logits: &'a [f64], temperature: f64) -> Self {
		let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
		let mut weights = Self { logits, max, temperature, total: 0.0 };
		weights.total = (0..logits.len() as u32).map(|token| weights.of(token)).sum();
		weights
	}

	fn of(&self, token: u32) -> f64 {
		((self.logits[token as usize] - self.max) / self.temperature).exp()
	}
}

/// Tokens ranked at first, beyond a top-k filter's k: enough for most positions' nucleus and for
/// the tokens tied with the k-th.
const FIRST_RANKED: usize = 64;

/// The generator's candidates: top-k, then top-p on the full distribution's mass.
fn filtered_candidates(logits: &[f64], params: &SampledParams) -> Vec<u32> {
	let mut ranking = Ranking::new(logits);
	let top_k = match params.top_k {
		0 => logits.len(),
		k => (k as usize).min(logits.len()),
	};
	let mut kept = top_k;
	if params.top_p < 1.0 {
		let weights = Weights::new(logits, params.temperature);
		// Each token is kept while the mass ranked before it is below top-p.
		let mut mass_before = 0.0;
		kept = 0;
		ranking.rank(if params.top_k == 0 { FIRST_RANKED } else { top_k });
		while kept < top_k && mass_before < params.top_p {
			if kept == ranking.ranked() {
				ranking.extend();
			}
			mass_before += weights.of(ranking.token(kept)) / weights.total;
			kept += 1;
		}
		kept = kept.max(1);
	}
	ranking.rank(kept);
	(0..kept).map(|rank| ranking.token(rank)).collect()
}

/// The verifier's view of top-k and top-p when logit differences may be off by up to `epsilon`.
///
/// A token the generator kept has fewer than k tokens, and less than top-p mass, strictly ahead
/// of it. Here any token more than `epsilon` ahead was surely ahead there, and each probability
/// ratio can differ by at most `e^(epsilon / T)` in each direction, so masses by at most
/// `e^(2 epsilon / T)`. [`Filter::may_keep`] accepts every token the generator may have kept;
/// [`Filter::surely_kept`] lists the tokens the generator certainly kept, the only rivals a claimed
/// token must beat. Both rank the vocabulary only as far as their answer depends on.
struct Filter<'a> {
	weights: &'a Weights<'a>,
	ranking: Ranking,
	/// `mass_prefix[i]`: the weight of the first `i` ranked tokens, summed in rank order.
	mass_prefix: Vec<f64>,
	top_k: usize,
	top_p: f64,
	epsilon: f64,
	/// `e^(2 epsilon / T)`.
	slack: f64,
}

impl<'a> Filter<'a> {
	fn new(weights: &'a Weights<'a>, params: &SampledParams, epsilon: f64) -> Self {
		let top_k = if params.top_k == 0 { usize::MAX } else { params.top_k as usize };
		let mut filter = Self {
			weights,
			ranking: Ranking::new(weights.logits),
			mass_prefix: vec![0.0],
			top_k,
			top_p: params.top_p,
			epsilon,
			slack: (2.0 * epsilon / params.temperature).exp(),
		};
		let first = match params.top_k {
			0 => FIRST_RANKED,
			k => (k as usize).saturating_add(FIRST_RANKED),
		};
		filter.rank(first);
		filter
	}

	fn rank(&mut self, count: usize) {
		self.ranking.rank(count);
		self.extend_masses();
	}

	fn extend_masses(&mut self) {
		for rank in self.mass_prefix.len() - 1..self.ranking.ranked() {
			let mass = self.mass_prefix[rank] + self.weights.of(self.ranking.token(rank));
			self.mass_prefix.push(mass);
		}
	}

	/// How many tokens of the ranking have a logit satisfying `ahead`, a condition that holds on
	/// a prefix of it: exact when below `cap`, otherwise at least `cap`. Ranks past them unless
	/// the ranking is complete.
	fn prefix_len(&mut self, ahead: impl Fn(f64) -> bool, cap: usize) -> usize {
		let logits = self.weights.logits;
		loop {
			let len = self.ranking.ranked_prefix_len(|token| ahead(logits[token as usize]));
			if len < self.ranking.ranked() || len >= cap || self.ranking.is_complete() {
				return len;
			}
			self.ranking.extend();
			self.extend_masses();
		}
	}

	fn may_keep(&mut self, logit: f64) -> bool {
		let epsilon = self.epsilon;
		let ahead = self.prefix_len(|l| l - logit > epsilon, self.top_k);
		ahead < self.top_k && self.mass_prefix[ahead] / self.weights.total < self.top_p * self.slack
	}

	fn surely_kept(&mut self) -> Vec<u32> {
		let mut kept = Vec::new();
		// Each step's `prefix_len` ranks past its token unless the ranking is complete, so the
		// next token is always ranked.
		for rank in 0.. {
			if rank == self.ranking.ranked() {
				break;
			}
			let token = self.ranking.token(rank);
			let logit = self.weights.logits[token as usize];
			// Every other token within epsilon below, or anywhere above, may have been ahead.
			let epsilon = self.epsilon;
			let within = self.prefix_len(|l| l >= logit - epsilon, usize::MAX);
			let others = within - 1;
			let mass = (self.mass_prefix[within] - self.weights.of(token)) / self.weights.total;
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

	/// The filters as first written, over the whole ranking and every weight: the definition the
	/// ones that rank only the top of the vocabulary must match bit for bit.
	mod whole_vocabulary {
		use super::super::*;

		fn weights(logits: &[f64], temperature: f64) -> (Vec<f64>, f64) {
			let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
			let weights: Vec<f64> =
				logits.iter().map(|&l| ((l - max) / temperature).exp()).collect();
			let total = weights.iter().sum();
			(weights, total)
		}

		pub fn candidates(logits: &[f64], params: &SampledParams) -> Vec<u32> {
			let mut order = ranked(logits);
			if params.top_k != 0 {
				order.truncate(params.top_k as usize);
			}
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

		/// `(may_keep(logit of each token), surely_kept)`.
		pub fn filter(
			logits: &[f64],
			params: &SampledParams,
			epsilon: f64,
		) -> (Vec<bool>, Vec<u32>) {
			let order = ranked(logits);
			let (weights, total) = weights(logits, params.temperature);
			let mut mass_prefix = vec![0.0];
			for &token in &order {
				mass_prefix.push(mass_prefix.last().unwrap() + weights[token as usize]);
			}
			let top_k = if params.top_k == 0 { usize::MAX } else { params.top_k as usize };
			let slack = (2.0 * epsilon / params.temperature).exp();
			let prefix_len = |ahead: &dyn Fn(f64) -> bool| {
				order.partition_point(|&token| ahead(logits[token as usize]))
			};
			let may_keep = logits
				.iter()
				.map(|&logit| {
					let ahead = prefix_len(&|l| l - logit > epsilon);
					ahead < top_k && mass_prefix[ahead] / total < params.top_p * slack
				})
				.collect();
			let mut kept = Vec::new();
			for &token in &order {
				let logit = logits[token as usize];
				let within = prefix_len(&|l| l >= logit - epsilon);
				let mass = (mass_prefix[within] - weights[token as usize]) / total;
				if within > top_k || mass * slack >= params.top_p {
					break;
				}
				kept.push(token);
			}
			(may_keep, kept)
		}
	}

	proptest::proptest! {
		/// The filters rank only as much of the vocabulary as their answer depends on, and
		/// answer exactly as the whole-vocabulary definition does: the same candidates, the same
		/// surely kept rivals, the same tokens possibly kept.
		#[test]
		fn filters_on_the_top_of_the_ranking_match_the_whole_vocabulary(
			vocabulary in 1usize..3000,
			spread in proptest::sample::select(vec![0.01, 1.0, 30.0]),
			levels in 1u32..1000,
			temperature in proptest::sample::select(vec![0.1, 0.8, 5.0]),
			top_k in proptest::sample::select(vec![0u32, 1, 3, 50, 200]),
			top_p in proptest::sample::select(vec![0.05, 0.5, 0.95, 0.999, 1.0]),
			epsilon in proptest::sample::select(vec![0.0, 1e-3, 0.05, 0.5]),
			seed in 0u64..1000,
		) {
			// Few distinct levels make ties; a small spread makes the nucleus wide.
			let logits: Vec<f64> = (0..vocabulary as u32)
				.map(|token| {
					let level = (uniform(seed, 0, token) * f64::from(levels)).floor();
					level / f64::from(levels) * spread
				})
				.collect();
			let params = SampledParams::new(temperature, top_k, top_p, seed).unwrap();
			if params.filters() {
				proptest::prop_assert_eq!(
					filtered_candidates(&logits, &params),
					whole_vocabulary::candidates(&logits, &params)
				);
			}
			let (may_keep, surely_kept) = whole_vocabulary::filter(&logits, &params, epsilon);
			let weights = Weights::new(&logits, temperature);
			let mut filter = Filter::new(&weights, &params, epsilon);
			proptest::prop_assert_eq!(filter.surely_kept(), surely_kept);
			for token in (0..vocabulary).step_by(vocabulary / 50 + 1) {
				let mut filter = Filter::new(&weights, &params, epsilon);
				proptest::prop_assert_eq!(filter.may_keep(logits[token]), may_keep[token], "token {}", token);
			}
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
