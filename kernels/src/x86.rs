//! AVX2 + FMA kernels. Each follows the accumulation order defined in the crate docs exactly,
//! eight lanes to a 256-bit register, so its results are the portable kernels' bits.
//!
//! The kernels' bodies are `#[inline(always)]` and carry no `#[target_feature]`; each is compiled
//! twice, inside an AVX2 entry point and inside one that also enables AVX-512VL, whose 32 vector
//! registers hold bigger tiles without spilling. Both run the same 256-bit instructions in the
//! same order. The helpers must only be called from the entry points.

use std::arch::x86_64::*;

use crate::{
	blocks::{Block, Q4_0, Q4_1, Q8_0, BLOCK},
	Isa,
};


/// Four vectors of eight from 32 consecutive f32 at `p`.
#[inline(always)]
pub(crate) unsafe fn load_f32(p: *const f32) -> [__m256; 4] {
	[_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)), _mm256_loadu_ps(p.add(16)), _mm256_loadu_ps(p.add(24))]
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

/// The sum of the eight lanes as `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
#[inline(always)]
unsafe fn sum_lanes(lanes: __m256) -> f32 {
	let fours = _mm_add_ps(_mm256_castps256_ps128(lanes), _mm256_extractf128_ps::<1>(lanes));
	let twos = _mm_add_ps(fours, _mm_movehl_ps(fours, fours));
	_mm_cvtss_f32(_mm_add_ss(twos, _mm_shuffle_ps::<1>(twos, twos)))
}

/// Dot products of `R` quantized rows with one position `x`, dequantizing in registers: what
/// decoding runs, bound by reading the weights once.
///
/// # Safety
/// `isa` must be one the CPU supports; every row must have `x.len() / 32` blocks.
pub(crate) unsafe fn dot_rows<B: Block, const R: usize>(isa: Isa, rows: [&[B]; R], x: &[f32]) -> [f32; R] {
	#[target_feature(enable = "avx2,fma")]
	unsafe fn avx2<B: Block, const R: usize>(rows: [&[B]; R], x: &[f32]) -> [f32; R] {
		dot_rows_body(rows, x)
	}
	#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
	unsafe fn avx512<B: Block, const R: usize>(rows: [&[B]; R], x: &[f32]) -> [f32; R] {
		dot_rows_body(rows, x)
	}
	match isa {
		Isa::Avx512 => avx512(rows, x),
		_ => avx2(rows, x),
	}
}

#[inline(always)]
unsafe fn dot_rows_body<B: Block, const R: usize>(rows: [&[B]; R], x: &[f32]) -> [f32; R] {
	let mut acc = [_mm256_setzero_ps(); R];
	let blocks = x.len() / BLOCK;
	for b in 0..blocks {
		let xs = load_f32(x.as_ptr().add(b * BLOCK));
		for r in 0..R {
			// The rows are consecutive in memory, so the same block of the next group's row is
			// `R` rows on: asking for it now hides the memory latency that otherwise bounds
			// decoding. A prefetch past the end of the matrix is ignored.
			let ahead = rows[r].as_ptr().wrapping_add(b + R * rows[r].len());
			_mm_prefetch::<_MM_HINT_T0>(ahead.cast());
			let w = rows[r].get_unchecked(b).dequantize_avx2();
			for c in 0..4 {
				acc[r] = _mm256_fmadd_ps(w[c], xs[c], acc[r]);
			}
		}
	}
	let mut sums = [0f32; R];
	for r in 0..R {
		sums[r] = sum_lanes(acc[r]);
	}
	sums
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

/// Dot products of `R` dequantized rows with `C` positions: what a batch runs, each weight loaded
/// once per `C` positions and each position once per `R` rows.
///
/// # Safety
/// `isa` must be one the CPU supports; rows and positions must have the same length.
pub(crate) unsafe fn dot_panel<const R: usize, const C: usize>(
	isa: Isa,
	rows: [&[f32]; R],
	xs: [&[f32]; C],
) -> [[f32; C]; R] {
	#[target_feature(enable = "avx2,fma")]
	unsafe fn avx2<const R: usize, const C: usize>(rows: [&[f32]; R], xs: [&[f32]; C]) -> [[f32; C]; R] {
		dot_panel_body(rows, xs)
	}
	#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
	unsafe fn avx512<const R: usize, const C: usize>(rows: [&[f32]; R], xs: [&[f32]; C]) -> [[f32; C]; R] {
		dot_panel_body(rows, xs)
	}
	match isa {
		Isa::Avx512 => avx512(rows, xs),
		_ => avx2(rows, xs),
	}
}

#[inline(always)]
unsafe fn dot_panel_body<const R: usize, const C: usize>(rows: [&[f32]; R], xs: [&[f32]; C]) -> [[f32; C]; R] {
	let mut acc = [[_mm256_setzero_ps(); C]; R];
	let len = xs[0].len();
	let mut k = 0;
	while k + 8 <= len {
		let mut x = [_mm256_setzero_ps(); C];
		for c in 0..C {
			x[c] = _mm256_loadu_ps(xs[c].as_ptr().add(k));
		}
		for r in 0..R {
			let w = _mm256_loadu_ps(rows[r].as_ptr().add(k));
			for c in 0..C {
				acc[r][c] = _mm256_fmadd_ps(w, x[c], acc[r][c]);
			}
		}
		k += 8;
	}
	let mut sums = [[0f32; C]; R];
	for r in 0..R {
		for c in 0..C {
			sums[r][c] = sum_lanes(acc[r][c]);
		}
	}
	sums
}

/// The dot product of two slices of a length divisible by 8, in the crate's order.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
	let [[sum]] = dot_panel_body([a], [b]);
	sum
}

/// `out += a · x`, eight at a time by fused multiply-adds.
///
/// # Safety
/// The CPU must support AVX2 and FMA; the slices' length must be divisible by 8.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn axpy(a: f32, x: &[f32], out: &mut [f32]) {
	let a = _mm256_set1_ps(a);
	for (x, out) in x.chunks_exact(8).zip(out.chunks_exact_mut(8)) {
		let sum = _mm256_fmadd_ps(a, _mm256_loadu_ps(x.as_ptr()), _mm256_loadu_ps(out.as_ptr()));
		_mm256_storeu_ps(out.as_mut_ptr(), sum);
	}
}

/// Dot products of `R` dequantized rows with `P` pairs of positions, each pair interleaved by
/// chunks of eight (`x[8c..8c + 8]` of the first, then of the second): one 512-bit register
/// holds a row's eight lanes for both positions, so each instruction does twice the work of the
/// 256-bit kernels, lane for lane the same operations. Returns `[row][pair][position]`.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512DQ and AVX-512VL; each pair must be twice a row's length.
#[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
pub(crate) unsafe fn dot_panel_pairs<const R: usize, const P: usize>(
	rows: [&[f32]; R],
	pairs: [&[f32]; P],
) -> [[[f32; 2]; P]; R] {
	let mut acc = [[_mm512_setzero_ps(); P]; R];
	let len = rows[0].len();
	let mut k = 0;
	while k + 8 <= len {
		let mut x = [_mm512_setzero_ps(); P];
		for p in 0..P {
			x[p] = _mm512_loadu_ps(pairs[p].as_ptr().add(2 * k));
		}
		for r in 0..R {
			let w = _mm512_broadcast_f32x8(_mm256_loadu_ps(rows[r].as_ptr().add(k)));
			for p in 0..P {
				acc[r][p] = _mm512_fmadd_ps(w, x[p], acc[r][p]);
			}
		}
		k += 8;
	}
	let mut sums = [[[0f32; 2]; P]; R];
	for r in 0..R {
		for p in 0..P {
			sums[r][p] = [
				sum_lanes(_mm512_castps512_ps256(acc[r][p])),
				sum_lanes(_mm512_extractf32x8_ps::<1>(acc[r][p])),
			];
		}
	}
	sums
}
