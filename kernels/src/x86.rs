//! AVX2 + FMA and AVX-512 kernels. Each follows the accumulation order defined in the crate docs
//! exactly, the sixteen lanes of a product in one 512-bit register or two 256-bit ones, so its
//! results are the portable kernels' bits. Attention's dot products keep their own eight-lane
//! order ([`crate::attention`]), one 256-bit register.
//!
//! Only the entry points carry `#[target_feature]`; the helpers are `#[inline(always)]` without
//! it, so they compile inside the entry points with their features and keep their vectors in
//! registers, and must only be called from them.
//!
//! Loops over the small fixed-size arrays of vectors index them, so that they unroll and the
//! vectors stay in registers.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use crate::blocks::{Block, BLOCK, F16, F32, Q4_0, Q4_1, Q6K, Q8_0};

/// Four vectors of eight from 32 consecutive f32 at `p`.
#[inline(always)]
pub(crate) unsafe fn load_f32(p: *const f32) -> [__m256; 4] {
	[
		_mm256_loadu_ps(p),
		_mm256_loadu_ps(p.add(8)),
		_mm256_loadu_ps(p.add(16)),
		_mm256_loadu_ps(p.add(24)),
	]
}

/// The 4-bit integers of a block as f32, four vectors of eight in weight order.
#[inline(always)]
unsafe fn nibbles(qs: &[u8; BLOCK / 2]) -> [__m256; 4] {
	let first = _mm256_cvtepu8_epi32(_mm_loadl_epi64(qs.as_ptr().cast()));
	let second = _mm256_cvtepu8_epi32(_mm_loadl_epi64(qs.as_ptr().add(8).cast()));
	let low = _mm256_set1_epi32(0x0f);
	[
		_mm256_cvtepi32_ps(_mm256_and_si256(first, low)),
		_mm256_cvtepi32_ps(_mm256_and_si256(second, low)),
		_mm256_cvtepi32_ps(_mm256_srli_epi32::<4>(first)),
		_mm256_cvtepi32_ps(_mm256_srli_epi32::<4>(second)),
	]
}

/// Half-precision weights widened to f32 (F16C, part of the x86-64-v3 baseline every build
/// targets), four vectors of eight.
#[inline(always)]
pub(crate) unsafe fn widen_f16(block: &F16) -> [__m256; 4] {
	let p = block.0.as_ptr();
	std::array::from_fn(|c| _mm256_cvtph_ps(_mm_loadu_si128(p.add(8 * c).cast())))
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q4_0(block: &Q4_0) -> [__m256; 4] {
	let d = _mm256_set1_ps(block.d);
	let eight = _mm256_set1_ps(8.0);
	let mut w = nibbles(&block.qs);
	for w in &mut w {
		// `q - 8` and its product with `d` are exact.
		*w = _mm256_mul_ps(_mm256_sub_ps(*w, eight), d);
	}
	w
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q4_1(block: &Q4_1) -> [__m256; 4] {
	let (d, m) = (_mm256_set1_ps(block.d), _mm256_set1_ps(block.m));
	let mut w = nibbles(&block.qs);
	for w in &mut w {
		// `q * d` is exact, so the fused and the separate multiply-add round alike.
		*w = _mm256_fmadd_ps(*w, d, m);
	}
	w
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q8_0(block: &Q8_0) -> [__m256; 4] {
	let d = _mm256_set1_ps(block.d);
	let p = block.qs.as_ptr();
	let mut w = [_mm256_setzero_ps(); 4];
	for (i, w) in w.iter_mut().enumerate() {
		let q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(p.add(8 * i).cast()));
		*w = _mm256_mul_ps(_mm256_cvtepi32_ps(q), d);
	}
	w
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q6_k(block: &Q6K) -> [__m256; 4] {
	let p = block.qs.as_ptr();
	std::array::from_fn(|c| {
		let q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(p.add(8 * c).cast()));
		_mm256_mul_ps(_mm256_set1_ps(block.d[c / 2]), _mm256_cvtepi32_ps(q))
	})
}

/// The sum of the eight lanes as `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
#[inline(always)]
unsafe fn sum_lanes(lanes: __m256) -> f32 {
	let fours = _mm_add_ps(_mm256_castps256_ps128(lanes), _mm256_extractf128_ps::<1>(lanes));
	let twos = _mm_add_ps(fours, _mm_movehl_ps(fours, fours));
	_mm_cvtss_f32(_mm_add_ss(twos, _mm_shuffle_ps::<1>(twos, twos)))
}

/// The sum of sixteen lanes, `low` holding lanes 0..8 and `high` 8..16: `t_l = a_l + a_(l+8)`,
/// then the eight `t` as [`sum_lanes`] sums them.
#[inline(always)]
unsafe fn sum_sixteen(low: __m256, high: __m256) -> f32 {
	sum_lanes(_mm256_add_ps(low, high))
}

/// [`sum_sixteen`] of one 512-bit register.
#[inline(always)]
unsafe fn sum_sixteen_512(lanes: __m512) -> f32 {
	sum_sixteen(_mm512_castps512_ps256(lanes), _mm512_extractf32x8_ps::<1>(lanes))
}

/// Dot products of `R` quantized rows with one position `x`, dequantizing in registers: what
/// decoding runs on AVX2. Lanes 0..8 of the order take each block's weights `0..8` and `16..24`,
/// lanes 8..16 the weights `8..16` and `24..32`, each in a 256-bit accumulator.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every row must have `x.len() / 32` blocks.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_rows<B: Block, const R: usize>(rows: [&[B]; R], x: &[f32]) -> [f32; R] {
	let (mut low, mut high) = ([_mm256_setzero_ps(); R], [_mm256_setzero_ps(); R]);
	let blocks = x.len() / BLOCK;
	for b in 0..blocks {
		let xs = load_f32(x.as_ptr().add(b * BLOCK));
		for r in 0..R {
			prefetch_next_group(rows[r], b, R);
			let w = rows[r].get_unchecked(b).dequantize_avx2();
			low[r] = _mm256_fmadd_ps(w[0], xs[0], low[r]);
			high[r] = _mm256_fmadd_ps(w[1], xs[1], high[r]);
			low[r] = _mm256_fmadd_ps(w[2], xs[2], low[r]);
			high[r] = _mm256_fmadd_ps(w[3], xs[3], high[r]);
		}
	}
	let mut sums = [0f32; R];
	for r in 0..R {
		sums[r] = sum_sixteen(low[r], high[r]);
	}
	sums
}

/// The rows of a kernel call are consecutive in memory, so the same block of the next group's
/// row is `group` rows on: asking for it now hides the memory latency that otherwise bounds
/// decoding. A prefetch past the end of the matrix is ignored.
#[inline(always)]
unsafe fn prefetch_next_group<B>(row: &[B], block: usize, group: usize) {
	let ahead = row.as_ptr().wrapping_add(block + group * row.len());
	_mm_prefetch::<_MM_HINT_T0>(ahead.cast());
}

/// Writes the dequantized weights of `row` into `out`.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dequantize_row<B: Block>(row: &[B], out: &mut [f32]) {
	for (block, out) in row.iter().zip(out.chunks_exact_mut(BLOCK)) {
		let w = block.dequantize_avx2();
		for c in 0..4 {
			_mm256_storeu_ps(out.as_mut_ptr().add(8 * c), w[c]);
		}
	}
}

/// Dot products of `R` dequantized rows with `C` positions on AVX2: what a batch runs, each
/// weight loaded once per `C` positions and each position once per `R` rows; the sixteen lanes
/// in two accumulators, as [`dot_rows`].
///
/// # Safety
/// The CPU must support AVX2 and FMA; rows and positions must have the same length, a multiple
/// of 16.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_panel<const R: usize, const C: usize>(
	rows: [&[f32]; R],
	xs: [&[f32]; C],
) -> [[f32; C]; R] {
	let mut acc = [[[_mm256_setzero_ps(); 2]; C]; R];
	let len = xs[0].len();
	let mut k = 0;
	while k + 16 <= len {
		for half in 0..2 {
			let mut x = [_mm256_setzero_ps(); C];
			for c in 0..C {
				x[c] = _mm256_loadu_ps(xs[c].as_ptr().add(k + 8 * half));
			}
			for r in 0..R {
				let w = _mm256_loadu_ps(rows[r].as_ptr().add(k + 8 * half));
				for c in 0..C {
					acc[r][c][half] = _mm256_fmadd_ps(w, x[c], acc[r][c][half]);
				}
			}
		}
		k += 16;
	}
	let mut sums = [[0f32; C]; R];
	for r in 0..R {
		for c in 0..C {
			sums[r][c] = sum_sixteen(acc[r][c][0], acc[r][c][1]);
		}
	}
	sums
}

/// Dot products in attention's eight-lane order of `R` rows with one position `q`.
#[inline(always)]
unsafe fn dot8_rows<const R: usize>(rows: [&[f32]; R], q: &[f32]) -> [f32; R] {
	let mut acc = [_mm256_setzero_ps(); R];
	let mut k = 0;
	while k + 8 <= q.len() {
		let x = _mm256_loadu_ps(q.as_ptr().add(k));
		for r in 0..R {
			acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[r].as_ptr().add(k)), x, acc[r]);
		}
		k += 8;
	}
	let mut sums = [0f32; R];
	for r in 0..R {
		sums[r] = sum_lanes(acc[r]);
	}
	sums
}

/// `out[j] = dot(q, key(j))` in attention's eight-lane order, four keys at a time so that four
/// accumulations are in flight.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every key must be as long as `q`, a multiple of 8.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dots<'a>(q: &[f32], key: impl Fn(usize) -> &'a [f32], out: &mut [f32]) {
	let mut groups = out.chunks_exact_mut(4);
	let mut j = 0;
	for group in groups.by_ref() {
		let products = dot8_rows([key(j), key(j + 1), key(j + 2), key(j + 3)], q);
		group.copy_from_slice(&products);
		j += 4;
	}
	for out in groups.into_remainder() {
		let [product] = dot8_rows([key(j)], q);
		*out = product;
		j += 1;
	}
}

/// `out = Σ_j weights[j] · value(j)`, each output summed by fused multiply-adds in increasing
/// `j` from zero, in registers, 64 outputs at a time.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every value must be as long as `out`, a multiple of 8.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn weighted_sum<'a>(
	weights: &[f32],
	value: impl Fn(usize) -> &'a [f32],
	out: &mut [f32],
) {
	let mut start = 0;
	while start + 64 <= out.len() {
		weighted_sum_body::<8>(weights, &value, start, out);
		start += 64;
	}
	while start < out.len() {
		weighted_sum_body::<1>(weights, &value, start, out);
		start += 8;
	}
}

#[inline(always)]
unsafe fn weighted_sum_body<'a, const N: usize>(
	weights: &[f32],
	value: &impl Fn(usize) -> &'a [f32],
	start: usize,
	out: &mut [f32],
) {
	let mut acc = [_mm256_setzero_ps(); N];
	for (j, &weight) in weights.iter().enumerate() {
		let (weight, v) = (_mm256_set1_ps(weight), value(j).as_ptr().add(start));
		for c in 0..N {
			acc[c] = _mm256_fmadd_ps(weight, _mm256_loadu_ps(v.add(8 * c)), acc[c]);
		}
	}
	for c in 0..N {
		_mm256_storeu_ps(out.as_mut_ptr().add(start + 8 * c), acc[c]);
	}
}

/// Dot products of `R` quantized rows with one position `x` on AVX-512: what decoding runs. One
/// 512-bit register holds a row's sixteen lanes; each block's weights `0..16` and then `16..32`
/// are dequantized straight into them ([`Block::dequantize_avx512`]).
///
/// # Safety
/// The CPU must support AVX-512F, DQ and VL; every row must have `x.len() / 32` blocks.
#[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
pub(crate) unsafe fn dot_rows_512<B: Block, const R: usize>(
	rows: [&[B]; R],
	x: &[f32],
) -> [f32; R] {
	let mut acc = [_mm512_setzero_ps(); R];
	let blocks = x.len() / BLOCK;
	for b in 0..blocks {
		let x0 = _mm512_loadu_ps(x.as_ptr().add(b * BLOCK));
		let x1 = _mm512_loadu_ps(x.as_ptr().add(b * BLOCK + 16));
		for r in 0..R {
			prefetch_next_group(rows[r], b, R);
			let [w0, w1] = rows[r].get_unchecked(b).dequantize_avx512();
			acc[r] = _mm512_fmadd_ps(w0, x0, acc[r]);
			acc[r] = _mm512_fmadd_ps(w1, x1, acc[r]);
		}
	}
	let mut sums = [0f32; R];
	for r in 0..R {
		sums[r] = sum_sixteen_512(acc[r]);
	}
	sums
}

/// Dot products of `R` dequantized rows with `P` positions on AVX-512: what a batch runs, a
/// row's sixteen lanes for one position in each register.
///
/// # Safety
/// The CPU must support AVX-512F, DQ and VL; rows and positions must have the same length, a
/// multiple of 16.
#[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
pub(crate) unsafe fn dot_panel_512<const R: usize, const P: usize>(
	rows: [&[f32]; R],
	xs: [&[f32]; P],
) -> [[f32; P]; R] {
	let mut acc = [[_mm512_setzero_ps(); P]; R];
	let len = rows[0].len();
	let mut k = 0;
	while k + 16 <= len {
		let mut x = [_mm512_setzero_ps(); P];
		for p in 0..P {
			x[p] = _mm512_loadu_ps(xs[p].as_ptr().add(k));
		}
		for r in 0..R {
			let w = _mm512_loadu_ps(rows[r].as_ptr().add(k));
			for p in 0..P {
				acc[r][p] = _mm512_fmadd_ps(w, x[p], acc[r][p]);
			}
		}
		k += 16;
	}
	let mut sums = [[0f32; P]; R];
	for r in 0..R {
		for p in 0..P {
			sums[r][p] = sum_sixteen_512(acc[r][p]);
		}
	}
	sums
}

/// 0, 1, ..., 15.
#[inline(always)]
unsafe fn integers() -> __m512 {
	_mm512_set_ps(
		15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0,
	)
}

/// A 4-bit block's weights `0..16` (the low nibbles) and `16..32` (the high ones) looked up in
/// `table`, the sixteen values its integers stand for: one permute per sixteen weights instead of
/// converting and scaling each (the permute reads only an index's low four bits).
#[inline(always)]
unsafe fn look_up_nibbles(qs: &[u8; BLOCK / 2], table: __m512) -> [__m512; 2] {
	let bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128(qs.as_ptr().cast()));
	[
		_mm512_permutexvar_ps(bytes, table),
		_mm512_permutexvar_ps(_mm512_srli_epi32::<4>(bytes), table),
	]
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q4_0_512(block: &Q4_0) -> [__m512; 2] {
	// The same operations as `dequantize_q4_0`, once per possible integer.
	let centred = _mm512_sub_ps(integers(), _mm512_set1_ps(8.0));
	look_up_nibbles(&block.qs, _mm512_mul_ps(centred, _mm512_set1_ps(block.d)))
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q4_1_512(block: &Q4_1) -> [__m512; 2] {
	// The same operation as `dequantize_q4_1`, once per possible integer.
	let (d, m) = (_mm512_set1_ps(block.d), _mm512_set1_ps(block.m));
	look_up_nibbles(&block.qs, _mm512_fmadd_ps(integers(), d, m))
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q8_0_512(block: &Q8_0) -> [__m512; 2] {
	let d = _mm512_set1_ps(block.d);
	let p = block.qs.as_ptr();
	let half = |at: usize| {
		let q = _mm512_cvtepi8_epi32(_mm_loadu_si128(p.add(at).cast()));
		_mm512_mul_ps(_mm512_cvtepi32_ps(q), d)
	};
	[half(0), half(16)]
}

#[inline(always)]
pub(crate) unsafe fn load_f32_512(block: &F32) -> [__m512; 2] {
	let p = block.0.as_ptr();
	[_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16))]
}

#[inline(always)]
pub(crate) unsafe fn widen_f16_512(block: &F16) -> [__m512; 2] {
	let p = block.0.as_ptr();
	[
		_mm512_cvtph_ps(_mm256_loadu_si256(p.cast())),
		_mm512_cvtph_ps(_mm256_loadu_si256(p.add(16).cast())),
	]
}

#[inline(always)]
pub(crate) unsafe fn dequantize_q6_k_512(block: &Q6K) -> [__m512; 2] {
	let p = block.qs.as_ptr();
	std::array::from_fn(|h| {
		let q = _mm512_cvtepi8_epi32(_mm_loadu_si128(p.add(16 * h).cast()));
		_mm512_mul_ps(_mm512_set1_ps(block.d[h]), _mm512_cvtepi32_ps(q))
	})
}
