//! AVX2 + FMA and AVX-512 kernels. Each follows the accumulation order defined in the crate docs
//! exactly, eight lanes to a 256-bit register or two sets of eight lanes to a 512-bit one (two
//! weight rows when decoding, two positions in a batch), so its results are the portable
//! kernels' bits.
//!
//! Only the entry points carry `#[target_feature]`; the helpers are `#[inline(always)]` without
//! it, so they compile inside the entry points with their features and keep their vectors in
//! registers, and must only be called from them. The 256-bit bodies are compiled twice, for AVX2
//! and with AVX-512VL's 32 registers for bigger tiles.
//!
//! Loops over the small fixed-size arrays of vectors index them, so that they unroll and the
//! vectors stay in registers.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use crate::{
	blocks::{Block, BLOCK, F32, Q4_0, Q4_1, Q8_0},
	Isa,
};

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
pub(crate) unsafe fn dot_rows<B: Block, const R: usize>(
	isa: Isa,
	rows: [&[B]; R],
	x: &[f32],
) -> [f32; R] {
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
	unsafe fn avx2<const R: usize, const C: usize>(
		rows: [&[f32]; R],
		xs: [&[f32]; C],
	) -> [[f32; C]; R] {
		dot_panel_body(rows, xs)
	}
	#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
	unsafe fn avx512<const R: usize, const C: usize>(
		rows: [&[f32]; R],
		xs: [&[f32]; C],
	) -> [[f32; C]; R] {
		dot_panel_body(rows, xs)
	}
	match isa {
		Isa::Avx512 => avx512(rows, xs),
		_ => avx2(rows, xs),
	}
}

#[inline(always)]
unsafe fn dot_panel_body<const R: usize, const C: usize>(
	rows: [&[f32]; R],
	xs: [&[f32]; C],
) -> [[f32; C]; R] {
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

/// `out[j] = dot(q, key(j))` in the crate's order, four keys at a time so that four
/// accumulations are in flight.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every key must be as long as `q`, a multiple of 8.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dots<'a>(q: &[f32], key: impl Fn(usize) -> &'a [f32], out: &mut [f32]) {
	let mut groups = out.chunks_exact_mut(4);
	let mut j = 0;
	for group in groups.by_ref() {
		let products = dot_panel_body([key(j), key(j + 1), key(j + 2), key(j + 3)], [q]);
		for (out, [product]) in group.iter_mut().zip(products) {
			*out = product;
		}
		j += 4;
	}
	for out in groups.into_remainder() {
		let [[product]] = dot_panel_body([key(j)], [q]);
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

/// `[low | high]`: two vectors of eight as one of sixteen.
#[inline(always)]
unsafe fn join(low: __m256, high: __m256) -> __m512 {
	_mm512_insertf32x8::<1>(_mm512_castps256_ps512(low), high)
}

/// A scale for each half: `a` in lanes 0..8, `b` in 8..16.
#[inline(always)]
unsafe fn halves(a: f32, b: f32) -> __m512 {
	join(_mm256_set1_ps(a), _mm256_set1_ps(b))
}

#[inline(always)]
pub(crate) unsafe fn pair_f32(a: &F32, b: &F32) -> [__m512; 4] {
	let (a, b) = (load_f32(a.0.as_ptr()), load_f32(b.0.as_ptr()));
	[join(a[0], b[0]), join(a[1], b[1]), join(a[2], b[2]), join(a[3], b[3])]
}

/// Two blocks' weights from their 4-bit integers by table lookup, chunk by chunk, `a`'s in the low
/// halves: `table_a` and `table_b` hold the 16 values each block's integers stand for, so one
/// two-table permute replaces converting and scaling every weight.
#[inline(always)]
unsafe fn pair_lookup(
	a: &[u8; BLOCK / 2],
	b: &[u8; BLOCK / 2],
	table_a: __m512,
	table_b: __m512,
) -> [__m512; 4] {
	let (a, b) = (_mm_loadu_si128(a.as_ptr().cast()), _mm_loadu_si128(b.as_ptr().cast()));
	// Bytes 0..8 of both, then bytes 8..16 of both.
	let first = _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(a, b));
	let second = _mm512_cvtepu8_epi32(_mm_unpackhi_epi64(a, b));
	let low = _mm512_set1_epi32(0x0f);
	// Lanes 8..16 read the second table, entries 16..32 of the pair.
	let second_table = _mm512_set_epi32(16, 16, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0);
	let look_up =
		|q: __m512i| _mm512_permutex2var_ps(table_a, _mm512_or_si512(q, second_table), table_b);
	[
		look_up(_mm512_and_si512(first, low)),
		look_up(_mm512_and_si512(second, low)),
		look_up(_mm512_srli_epi32::<4>(first)),
		look_up(_mm512_srli_epi32::<4>(second)),
	]
}

/// 0, 1, ..., 15.
#[inline(always)]
unsafe fn integers() -> __m512 {
	_mm512_set_ps(
		15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0,
	)
}

#[inline(always)]
pub(crate) unsafe fn pair_q4_0(a: &Q4_0, b: &Q4_0) -> [__m512; 4] {
	// The same operations as `dequantize_q4_0`, once per possible integer.
	let centred = _mm512_sub_ps(integers(), _mm512_set1_ps(8.0));
	let table = |d: f32| _mm512_mul_ps(centred, _mm512_set1_ps(d));
	pair_lookup(&a.qs, &b.qs, table(a.d), table(b.d))
}

#[inline(always)]
pub(crate) unsafe fn pair_q4_1(a: &Q4_1, b: &Q4_1) -> [__m512; 4] {
	// The same operation as `dequantize_q4_1`, once per possible integer.
	let table = |d: f32, m: f32| _mm512_fmadd_ps(integers(), _mm512_set1_ps(d), _mm512_set1_ps(m));
	pair_lookup(&a.qs, &b.qs, table(a.d, a.m), table(b.d, b.m))
}

#[inline(always)]
pub(crate) unsafe fn pair_q8_0(a: &Q8_0, b: &Q8_0) -> [__m512; 4] {
	let d = halves(a.d, b.d);
	let (pa, pb) = (a.qs.as_ptr(), b.qs.as_ptr());
	let mut w = [_mm512_setzero_ps(); 4];
	for (c, w) in w.iter_mut().enumerate() {
		let bytes = _mm_unpacklo_epi64(
			_mm_loadl_epi64(pa.add(8 * c).cast()),
			_mm_loadl_epi64(pb.add(8 * c).cast()),
		);
		*w = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes)), d);
	}
	w
}

/// Dot products of `2P` quantized rows with one position, two rows to a 512-bit register (row
/// `2p` in the low half, `2p + 1` in the high): lane for lane the operations of [`dot_rows`],
/// with half the instructions.
///
/// # Safety
/// The CPU must support AVX-512F, DQ and VL; every row must have `x.len() / 32` blocks.
#[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
pub(crate) unsafe fn dot_row_pairs<B: Block, const P: usize>(
	rows: [[&[B]; 2]; P],
	x: &[f32],
) -> [[f32; 2]; P] {
	let mut acc = [_mm512_setzero_ps(); P];
	let blocks = x.len() / BLOCK;
	for b in 0..blocks {
		let mut xs = [_mm512_setzero_ps(); 4];
		for (c, xs) in xs.iter_mut().enumerate() {
			*xs = _mm512_broadcast_f32x8(_mm256_loadu_ps(x.as_ptr().add(b * BLOCK + 8 * c)));
		}
		for p in 0..P {
			let [first, second] = rows[p];
			let w = first.get_unchecked(b).dequantize_pair_avx512(second.get_unchecked(b));
			for c in 0..4 {
				acc[p] = _mm512_fmadd_ps(w[c], xs[c], acc[p]);
			}
		}
	}
	let mut sums = [[0f32; 2]; P];
	for p in 0..P {
		sums[p] = [
			sum_lanes(_mm512_castps512_ps256(acc[p])),
			sum_lanes(_mm512_extractf32x8_ps::<1>(acc[p])),
		];
	}
	sums
}
