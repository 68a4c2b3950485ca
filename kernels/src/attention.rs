//! Causal grouped-query attention in which each query's result is one fixed sequence of
//! floating-point operations over the keys and values before it, whether the query is decoded
//! alone or computed with a whole sequence: with batch-invariant projections, that makes decoding
//! token by token and a teacher-forced pass give the same bits.
//!
//! For query `q` at position `p` and head `h` (reading KV head `h / (heads / kv_heads)`):
//! `s_j = dot(q, k_j) / sqrt(head_dim)` for `j = first..=p`, with `dot` in eight lanes (lane `l`
//! adds `q[i] · k[i]` for `i ≡ l (mod 8)` by fused multiply-adds, summed as the crate's products
//! sum their first step's eight sums; heads are a multiple of 8 wide, not always of 16); `e_j = exp(s_j - max s)`; the output is `(Σ_j e_j · v_j) / Σ_j e_j`, both
//! sums in increasing `j`, the first by fused multiply-adds per dimension. `first` is 0, or
//! `p + 1 - window` for a sliding window (Gemma's local layers); it depends on `p` alone, so a
//! window keeps the invariance.

use rayon::prelude::*;

use crate::Isa;

/// The shape of a layer's attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heads {
	pub heads: usize,
	pub kv_heads: usize,
	pub head_dim: usize,
	/// How many positions a query sees, its own included, when attention slides over a window;
	/// `None` sees every position before it.
	pub window: Option<usize>,
}

/// Key positions read per thread's share at the least: fewer are not worth waking a thread for.
const KEYS_PER_TASK: usize = 2048;

impl Heads {
	/// Attention of `queries`, the positions `keys.len() - queries.len() ..` (each `heads ×
	/// head_dim`), over `keys` and `values` of every position so far (each `kv_heads × head_dim`).
	/// Returns one `heads × head_dim` row per query.
	///
	/// # Panics
	/// If the heads do not divide evenly, `head_dim` is not a multiple of 8, or the slices are not
	/// whole positions with at least as many keys as queries.
	pub fn attend(&self, queries: &[f32], keys: &[f32], values: &[f32]) -> Vec<f32> {
		self.attend_with(queries, keys, values, Isa::detected())
	}

	/// [`Heads::attend`] on the given instruction set; all give the same bits.
	pub fn attend_with(&self, queries: &[f32], keys: &[f32], values: &[f32], isa: Isa) -> Vec<f32> {
		let Heads { heads, kv_heads, head_dim, window } = *self;
		assert!(
			kv_heads > 0
				&& heads.is_multiple_of(kv_heads)
				&& head_dim.is_multiple_of(8)
				&& window != Some(0),
			"attention shape {self:?}"
		);
		let (query_width, kv_width) = (heads * head_dim, kv_heads * head_dim);
		assert!(
			queries.len().is_multiple_of(query_width)
				&& keys.len().is_multiple_of(kv_width)
				&& keys.len() == values.len()
		);
		let (len, positions) = (queries.len() / query_width, keys.len() / kv_width);
		assert!(len <= positions, "{len} queries but {positions} keys");
		let isa = isa.or_portable();
		let group = heads / kv_heads;
		let mut out = vec![0f32; queries.len()];
		let one = |(i, out): (usize, &mut [f32])| {
			let (query, head) = (i / heads, i % heads);
			let end = positions - len + query + 1;
			let first = window.map_or(0, |window| end.saturating_sub(window));
			let q = &queries[i * head_dim..(i + 1) * head_dim];
			let kv = (head / group) * head_dim;
			let (keys, values) = (&keys[first * kv_width..], &values[first * kv_width..]);
			attend_one(isa, q, keys, values, kv, kv_width, end - first, out);
		};
		let heads_per_task = KEYS_PER_TASK.div_ceil(positions);
		if len * heads <= heads_per_task {
			out.chunks_mut(head_dim).enumerate().for_each(one);
		} else {
			out.par_chunks_mut(head_dim).enumerate().with_min_len(heads_per_task).for_each(one);
		}
		out
	}
}

/// One query head over the first `visible` positions of `keys` and `values`; its KV head's values
/// start at `kv` in each position's `kv_width` values.
#[allow(clippy::too_many_arguments)]
fn attend_one(
	isa: Isa,
	q: &[f32],
	keys: &[f32],
	values: &[f32],
	kv: usize,
	kv_width: usize,
	visible: usize,
	out: &mut [f32],
) {
	let head_dim = q.len();
	let scale = 1.0 / (head_dim as f32).sqrt();
	let key = |j: usize| &keys[j * kv_width + kv..j * kv_width + kv + head_dim];
	let value = |j: usize| &values[j * kv_width + kv..j * kv_width + kv + head_dim];
	let mut scores = vec![0f32; visible];
	match isa {
		// SAFETY: `isa` is one of `Isa::available`; keys are `head_dim` wide like `q`.
		#[cfg(target_arch = "x86_64")]
		Isa::Avx512 | Isa::Avx2Fma => unsafe { crate::x86::dots(q, key, &mut scores) },
		_ => {
			for (j, score) in scores.iter_mut().enumerate() {
				*score = crate::portable::dot8(q, key(j));
			}
		}
	}
	for score in &mut scores {
		*score *= scale;
	}
	let max = largest(&scores);
	let mut total = 0f32;
	for score in &mut scores {
		*score = (*score - max).exp();
		total += *score;
	}
	match isa {
		// SAFETY: as above; values are `head_dim` wide like `out`.
		#[cfg(target_arch = "x86_64")]
		Isa::Avx512 | Isa::Avx2Fma => unsafe { crate::x86::weighted_sum(&scores, value, out) },
		_ => {
			out.fill(0.0);
			for (j, &weight) in scores.iter().enumerate() {
				for (o, &v) in out.iter_mut().zip(value(j)) {
					*o = weight.mul_add(v, *o);
				}
			}
		}
	}
	let inverse = 1.0 / total;
	for o in out.iter_mut() {
		*o *= inverse;
	}
}

/// The largest value, over eight running maxima so that they vectorise: the maximum is exact, so
/// the order does not change it.
fn largest(values: &[f32]) -> f32 {
	let mut lanes = [f32::NEG_INFINITY; 8];
	let mut chunks = values.chunks_exact(8);
	for chunk in chunks.by_ref() {
		for (lane, &value) in lanes.iter_mut().zip(chunk) {
			*lane = lane.max(value);
		}
	}
	chunks.remainder().iter().chain(&lanes).fold(f32::NEG_INFINITY, |max, &value| max.max(value))
}
