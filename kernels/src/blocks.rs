//! The GGUF weight formats the kernels read, parsed once at load, and their exact dequantization.
//!
//! The quantized formats store 32 weights per block as small integers and an f16 scale (and, for
//! Q4_1, an f16 offset); F16 and F32 store the values. Scales and offsets are widened to f32 at
//! load; a scale times an integer of at most 8 bits is exact in f32, as is widening an f16, so the
//! dequantized weights are the same bits whichever instruction set computes them. Q4_K
//! super-blocks are read as the Q4_1 blocks they amount to ([`q4_k_blocks`]).

use std::fmt;

/// Weights per block the kernels hold, in every format.
pub const BLOCK: usize = 32;

/// Weights per GGUF super-block (the K formats).
pub const SUPER_BLOCK: usize = 256;

/// The GGUF weight formats the kernels read. Other GGUF types are dequantized by the caller and
/// held as [`Format::F32`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
	F32,
	/// Half precision; each value widens to f32 exactly.
	F16,
	/// `(q - 8) * d` for 4-bit `q`.
	Q4_0,
	/// `q * d + m` for 4-bit `q`.
	Q4_1,
	/// `q * d` for signed 8-bit `q`.
	Q8_0,
	/// ggml's super-blocks of 256 weights in eight sub-blocks of `q * (d * sc) - dmin * m`: held
	/// as the Q4_1 blocks they amount to ([`q4_k_blocks`]), so a matrix read as Q4_K is a Q4_1
	/// matrix.
	Q4K,
	/// ggml's super-blocks of 256 weights in sixteen groups of `(d * sc) * (q - 32)` for 6-bit
	/// `q`: held as blocks of 32 signed integers with a scale per 16 ([`q6_k_blocks`]).
	Q6K,
}

impl Format {
	/// Weights per block in a GGUF file: 32, or 256 for the super-block formats. Rows are whole
	/// blocks.
	pub fn block_weights(self) -> usize {
		match self {
			Format::Q4K | Format::Q6K => SUPER_BLOCK,
			_ => BLOCK,
		}
	}

	/// Bytes a block of [`Format::block_weights`] takes in a GGUF file (little-endian, ggml's
	/// layout).
	pub fn block_bytes(self) -> usize {
		match self {
			Format::Q4K => 144,
			Format::Q6K => 210,
			Format::F32 => 4 * BLOCK,
			Format::F16 => 2 * BLOCK,
			Format::Q4_0 => 2 + BLOCK / 2,
			Format::Q4_1 => 4 + BLOCK / 2,
			Format::Q8_0 => 2 + BLOCK,
		}
	}
}

impl fmt::Display for Format {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		fmt::Debug::fmt(self, f)
	}
}

/// A block of 32 weights as the kernels hold it, dequantized to f32.
pub(crate) trait Block: Copy + Send + Sync {
	fn dequantize(&self, out: &mut [f32]);

	/// The same 32 weights as [`Block::dequantize`], as four vectors of eight.
	///
	/// # Safety
	/// The CPU must support AVX2 and FMA. Always inlined, so that it compiles with the features
	/// of the AVX2 kernel calling it.
	#[cfg(target_arch = "x86_64")]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4];

	/// The same 32 weights as two vectors of sixteen.
	///
	/// # Safety
	/// The CPU must support AVX-512F, DQ and VL. Always inlined, as above.
	#[cfg(target_arch = "x86_64")]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2];
}

fn f16(bytes: &[u8]) -> f32 {
	half::f16::from_le_bytes([bytes[0], bytes[1]]).to_f32()
}

/// Nibble `i` of a 4-bit block: the low nibbles hold weights 0..16, the high ones 16..32.
fn nibble(qs: &[u8; BLOCK / 2], i: usize) -> u8 {
	if i < BLOCK / 2 {
		qs[i] & 0x0f
	} else {
		qs[i - BLOCK / 2] >> 4
	}
}

#[derive(Clone, Copy)]
pub(crate) struct F32(pub(crate) [f32; BLOCK]);

impl F32 {
	pub(crate) fn from_slice(values: &[f32]) -> Self {
		let mut block = [0f32; BLOCK];
		block.copy_from_slice(values);
		Self(block)
	}
}

impl Parse for F32 {
	fn parse(bytes: &[u8]) -> Self {
		let mut block = [0f32; BLOCK];
		for (value, le) in block.iter_mut().zip(bytes.chunks_exact(4)) {
			*value = f32::from_le_bytes([le[0], le[1], le[2], le[3]]);
		}
		Self(block)
	}
}

impl Block for F32 {
	fn dequantize(&self, out: &mut [f32]) {
		out[..BLOCK].copy_from_slice(&self.0);
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::load_f32(self.0.as_ptr())
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::load_f32_512(self)
	}
}

#[derive(Clone, Copy)]
pub(crate) struct F16(pub(crate) [u16; BLOCK]);

impl Parse for F16 {
	fn parse(bytes: &[u8]) -> Self {
		Self(std::array::from_fn(|i| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])))
	}
}

impl Block for F16 {
	fn dequantize(&self, out: &mut [f32]) {
		for (w, &bits) in out[..BLOCK].iter_mut().zip(&self.0) {
			*w = half::f16::from_bits(bits).to_f32();
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::widen_f16(self)
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::widen_f16_512(self)
	}
}

#[derive(Clone, Copy)]
pub(crate) struct Q4_0 {
	pub(crate) d: f32,
	pub(crate) qs: [u8; BLOCK / 2],
}

impl Parse for Q4_0 {
	fn parse(bytes: &[u8]) -> Self {
		Self { d: f16(bytes), qs: bytes[2..].try_into().expect("block size checked by the caller") }
	}
}

impl Block for Q4_0 {
	fn dequantize(&self, out: &mut [f32]) {
		for (i, w) in out[..BLOCK].iter_mut().enumerate() {
			*w = (i32::from(nibble(&self.qs, i)) - 8) as f32 * self.d;
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::dequantize_q4_0(self)
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::dequantize_q4_0_512(self)
	}
}

#[derive(Clone, Copy)]
pub(crate) struct Q4_1 {
	pub(crate) d: f32,
	pub(crate) m: f32,
	pub(crate) qs: [u8; BLOCK / 2],
}

impl Parse for Q4_1 {
	fn parse(bytes: &[u8]) -> Self {
		Self {
			d: f16(bytes),
			m: f16(&bytes[2..]),
			qs: bytes[4..].try_into().expect("block size checked by the caller"),
		}
	}
}

impl Block for Q4_1 {
	fn dequantize(&self, out: &mut [f32]) {
		for (i, w) in out[..BLOCK].iter_mut().enumerate() {
			*w = f32::from(nibble(&self.qs, i)) * self.d + self.m;
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::dequantize_q4_1(self)
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::dequantize_q4_1_512(self)
	}
}

/// A block read from exactly [`Format::block_bytes`] bytes of its GGUF format.
pub(crate) trait Parse: Block {
	fn parse(bytes: &[u8]) -> Self;
}

/// A Q4_K super-block (f16 `d` and `dmin`, twelve bytes of 6-bit scales and minima, 128 bytes of
/// 4-bit integers) (ggml's layout) as the eight Q4_1 blocks it amounts to: sub-block `j`'s
/// weights are `q · (d · sc_j) − dmin · m_j`, and both `d · sc_j` and `dmin · m_j` (an f16 times a
/// 6-bit integer) are exact in f32, so the Q4_1 blocks' `q · d + m` gives the same bits.
pub(crate) fn q4_k_blocks(bytes: &[u8]) -> [Q4_1; SUPER_BLOCK / BLOCK] {
	let (d, dmin) = (f16(bytes), f16(&bytes[2..]));
	let scales = &bytes[4..16];
	let qs = &bytes[16..144];
	// ggml's packing: the first four scales and minima in the low six bits of bytes 0..4 and
	// 4..8; the last four split between bytes 8..12 and the top two bits of bytes 0..8.
	let scale_min = |j: usize| -> (u8, u8) {
		if j < 4 {
			(scales[j] & 63, scales[j + 4] & 63)
		} else {
			(
				(scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4),
				(scales[j + 4] >> 4) | ((scales[j] >> 6) << 4),
			)
		}
	};
	std::array::from_fn(|j| {
		let (scale, min) = scale_min(j);
		// Sub-blocks 2i and 2i + 1 are the low and high nibbles of bytes 32i..32i + 32.
		let chunk = &qs[32 * (j / 2)..32 * (j / 2) + 32];
		let nibble = |i: usize| if j % 2 == 0 { chunk[i] & 0x0f } else { chunk[i] >> 4 };
		Q4_1 {
			d: d * f32::from(scale),
			m: -(dmin * f32::from(min)),
			qs: std::array::from_fn(|i| nibble(i) | (nibble(i + BLOCK / 2) << 4)),
		}
	})
}

#[derive(Clone, Copy)]
pub(crate) struct Q8_0 {
	pub(crate) d: f32,
	pub(crate) qs: [i8; BLOCK],
}

impl Parse for Q8_0 {
	fn parse(bytes: &[u8]) -> Self {
		let mut qs = [0i8; BLOCK];
		for (q, &byte) in qs.iter_mut().zip(&bytes[2..]) {
			*q = byte as i8;
		}
		Self { d: f16(bytes), qs }
	}
}

impl Block for Q8_0 {
	fn dequantize(&self, out: &mut [f32]) {
		for (w, &q) in out[..BLOCK].iter_mut().zip(&self.qs) {
			*w = f32::from(q) * self.d;
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::dequantize_q8_0(self)
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::dequantize_q8_0_512(self)
	}
}

/// Sixteen groups of a Q6_K super-block, two to a block: 32 integers `q - 32` and the scale
/// `d * sc` of each half, exact in f32 (an f16 times an 8-bit integer), so `(d * sc) * (q - 32)`
/// rounds once, as ggml's and candle's dequantization does.
#[derive(Clone, Copy)]
pub(crate) struct Q6K {
	pub(crate) d: [f32; 2],
	pub(crate) qs: [i8; BLOCK],
}

impl Block for Q6K {
	fn dequantize(&self, out: &mut [f32]) {
		for (i, (w, &q)) in out[..BLOCK].iter_mut().zip(&self.qs).enumerate() {
			*w = self.d[i / 16] * f32::from(q);
		}
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx2(&self) -> [std::arch::x86_64::__m256; 4] {
		crate::x86::dequantize_q6_k(self)
	}

	#[cfg(target_arch = "x86_64")]
	#[inline(always)]
	unsafe fn dequantize_avx512(&self) -> [std::arch::x86_64::__m512; 2] {
		crate::x86::dequantize_q6_k_512(self)
	}
}

/// A Q6_K super-block (ggml's layout: 128 bytes of low nibbles, 64 of high bit pairs, sixteen
/// signed 8-bit scales, f16 `d`) as eight [`Q6K`] blocks.
pub(crate) fn q6_k_blocks(bytes: &[u8]) -> [Q6K; SUPER_BLOCK / BLOCK] {
	let (low, high, scales) = (&bytes[..128], &bytes[128..192], &bytes[192..208]);
	let d = f16(&bytes[208..]);
	// Weight `w`: half `w / 128`; in it, quarter `l / 32` of position `l = w % 128` takes the
	// low or high nibble of byte `l % 32` (+ 32 for quarters 1 and 3) and two bits of a high byte.
	let q = |w: usize| -> i8 {
		let (half, l) = (w / 128, w % 128);
		let (quarter, i) = (l / 32, l % 32);
		let byte = low[64 * half + i + 32 * (quarter % 2)];
		let nibble = if quarter < 2 { byte & 0x0f } else { byte >> 4 };
		let bits = (high[32 * half + i] >> (2 * quarter)) & 3;
		(nibble | (bits << 4)) as i8 - 32
	};
	std::array::from_fn(|b| Q6K {
		d: [0, 1].map(|h| d * f32::from(scales[2 * b + h] as i8)),
		qs: std::array::from_fn(|i| q(BLOCK * b + i)),
	})
}
