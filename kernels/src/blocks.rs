//! The GGUF weight formats the kernels read, parsed once at load, and their exact dequantization.
//!
//! The quantized formats store 32 weights per block as small integers and an f16 scale (and, for
//! Q4_1, an f16 offset); F16 and F32 store the values. Scales and offsets are widened to f32 at
//! load; a scale times an integer of at most 8 bits is exact in f32, as is widening an f16, so the
//! dequantized weights are the same bits whichever instruction set computes them. Q4_K
//! super-blocks are read as the Q4_1 blocks they amount to ([`q4_k_blocks`]).

use std::fmt;

/// Weights per block, in every format.
pub const BLOCK: usize = 32;

/// The weight formats the kernels multiply directly. Q4_K is read into Q4_1 blocks
/// (`Matrix::from_q4_k`); other GGUF types are dequantized by the caller and held as
/// [`Format::F32`].
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
}

impl Format {
	/// Bytes a block of 32 weights takes in a GGUF file (little-endian, ggml's layout).
	pub fn block_bytes(self) -> usize {
		match self {
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

/// One block of a format: parsed from GGUF bytes, dequantized to 32 f32 weights.
pub(crate) trait Block: Copy + Send + Sync {
	/// Parses one block from exactly [`Format::block_bytes`] bytes.
	fn parse(bytes: &[u8]) -> Self;

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

impl Block for F32 {
	fn parse(bytes: &[u8]) -> Self {
		let mut block = [0f32; BLOCK];
		for (value, le) in block.iter_mut().zip(bytes.chunks_exact(4)) {
			*value = f32::from_le_bytes([le[0], le[1], le[2], le[3]]);
		}
		Self(block)
	}

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

impl Block for F16 {
	fn parse(bytes: &[u8]) -> Self {
		Self(std::array::from_fn(|i| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])))
	}

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

impl Block for Q4_0 {
	fn parse(bytes: &[u8]) -> Self {
		Self { d: f16(bytes), qs: bytes[2..].try_into().expect("block size checked by the caller") }
	}

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

impl Block for Q4_1 {
	fn parse(bytes: &[u8]) -> Self {
		Self {
			d: f16(bytes),
			m: f16(&bytes[2..]),
			qs: bytes[4..].try_into().expect("block size checked by the caller"),
		}
	}

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

/// Weights per Q4_K super-block.
pub(crate) const Q4_K_WEIGHTS: usize = 256;

/// Bytes per Q4_K super-block: f16 `d` and `dmin`, twelve bytes of 6-bit scales and minima,
/// 128 bytes of 4-bit integers.
pub(crate) const Q4_K_BYTES: usize = 144;

/// A Q4_K super-block (ggml's layout) as the eight Q4_1 blocks it amounts to: sub-block `j`'s
/// weights are `q · (d · sc_j) − dmin · m_j`, and both `d · sc_j` and `dmin · m_j` (an f16 times a
/// 6-bit integer) are exact in f32, so the Q4_1 blocks' `q · d + m` gives the same bits.
pub(crate) fn q4_k_blocks(bytes: &[u8]) -> [Q4_1; Q4_K_WEIGHTS / BLOCK] {
	let (d, dmin) = (f16(bytes), f16(&bytes[2..]));
	let scales = &bytes[4..16];
	let qs = &bytes[16..Q4_K_BYTES];
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

impl Block for Q8_0 {
	fn parse(bytes: &[u8]) -> Self {
		let mut qs = [0i8; BLOCK];
		for (q, &byte) in qs.iter_mut().zip(&bytes[2..]) {
			*q = byte as i8;
		}
		Self { d: f16(bytes), qs }
	}

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
