//! AVX2 + FMA kernels. Each follows the accumulation order defined in the crate docs exactly,
//! eight lanes to a 256-bit register, so its results are the portable kernels' bits.

use std::arch::x86_64::*;

use crate::blocks::{Block, Q4_0, Q4_1, Q8_0, BLOCK};

/// Four vectors of eight from 32 consecutive f32.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn load_f32(values: &[f32; BLOCK]) -> [__m256; 4] {
	let p = values.as_ptr();
	[_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)), _mm256_loadu_ps(p.add(16)), _mm256_loadu_ps(p.add(24))]
}

/// The 4-bit integers of a block as four vectors of eight 32-bit integers, in weight order.
#[target_feature(enable = "avx2,fma")]
unsafe fn nibbles(qs: &[u8; BLOCK / 2]) -> [__m256i; 4] {
	let first = _mm256_cvtepu8_epi32(_mm_loadl_epi64(qs.as_ptr().cast()));
	let second = _mm256_cvtepu8_epi32(_mm_loadl_epi64(qs.as_ptr().add(8).cast()));
	let low = _mm256_set1_epi32(0x0f);
	[
		_mm256_and_si256(first, low),
		_mm256_and_si256(second, low),
		_mm256_srli_epi32::<4>(first),
		_mm256_srli_epi32::<4>(second),
	]
}

#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dequantize_q4_0(block: &Q4_0) -> [__m256; 4] {
	let d = _mm256_set1_ps(block.d);
	let eight = _mm256_set1_epi32(8);
	nibbles(&block.qs).map(|q| _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, eight)), d))
}

#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dequantize_q4_1(block: &Q4_1) -> [__m256; 4] {
	let (d, m) = (_mm256_set1_ps(block.d), _mm256_set1_ps(block.m));
	// `q * d` is exact, so the fused and the separate multiply-add round alike.
	nibbles(&block.qs).map(|q| _mm256_fmadd_ps(_mm256_cvtepi32_ps(q), d, m))
}

#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dequantize_q8_0(block: &Q8_0) -> [__m256; 4] {
	let d = _mm256_set1_ps(block.d);
	let p = block.qs.as_ptr();
	[0, 8, 16, 24].map(|at| {
		let q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(p.add(at).cast()));
		_mm256_mul_ps(_mm256_cvtepi32_ps(q), d)
	})
}

/// The sum of the eight lanes as `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
#[target_feature(enable = "avx2,fma")]
unsafe fn sum_lanes(lanes: __m256) -> f32 {
	let fours = _mm_add_ps(_mm256_castps256_ps128(lanes), _mm256_extractf128_ps::<1>(lanes));
	let twos = _mm_add_ps(fours, _mm_movehl_ps(fours, fours));
	_mm_cvtss_f32(_mm_add_ss(twos, _mm_shuffle_ps::<1>(twos, twos)))
}

/// Dot products of `R` quantized rows with one position `x`, dequantizing in registers: what
/// decoding runs, bound by reading the weights once.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_rows<B: Block, const R: usize>(rows: [&[B]; R], x: &[f32]) -> [f32; R] {
	let mut acc = [_mm256_setzero_ps(); R];
	let blocks = x.len() / BLOCK;
	for b in 0..blocks {
		let xs = load_f32(x[b * BLOCK..(b + 1) * BLOCK].try_into().expect("whole block"));
		for (row, acc) in rows.iter().zip(acc.iter_mut()) {
			let w = row[b].dequantize_avx2();
			for (w, x) in w.iter().zip(&xs) {
				*acc = _mm256_fmadd_ps(*w, *x, *acc);
			}
		}
	}
	acc.map(|a| sum_lanes(a))
}

/// Writes the dequantized weights of `row` into `out`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dequantize_row<B: Block>(row: &[B], out: &mut [f32]) {
	for (block, out) in row.iter().zip(out.chunks_exact_mut(BLOCK)) {
		for (i, w) in block.dequantize_avx2().into_iter().enumerate() {
			_mm256_storeu_ps(out.as_mut_ptr().add(8 * i), w);
		}
	}
}

/// Dot products of `R` dequantized rows with `C` positions: what a batch runs, each weight loaded
/// once per `C` positions and each position once per `R` rows.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_panel<const R: usize, const C: usize>(
	rows: [&[f32]; R],
	xs: [&[f32]; C],
) -> [[f32; C]; R] {
	let mut acc = [[_mm256_setzero_ps(); C]; R];
	let len = xs[0].len();
	let mut k = 0;
	while k + 8 <= len {
		let x = xs.map(|x| _mm256_loadu_ps(x.as_ptr().add(k)));
		for (row, acc) in rows.iter().zip(acc.iter_mut()) {
			let w = _mm256_loadu_ps(row.as_ptr().add(k));
			for (x, acc) in x.iter().zip(acc.iter_mut()) {
				*acc = _mm256_fmadd_ps(w, *x, *acc);
			}
		}
		k += 8;
	}
	acc.map(|row| row.map(|a| sum_lanes(a)))
}
