//! Matrix products `y = W·x` over GGUF weight blocks (Q4_0, Q4_1, Q8_0, Q4_K, Q6_K, f16 and f32) in which every
//! output is computed by one fixed sequence of floating-point operations.
//!
//! The sequence: the weights are dequantized exactly to f32 (see [`Format`]); sixteen accumulators
//! start at zero and lane `l` adds `w[k] · x[k]` for `k ≡ l (mod 16)` in increasing `k` by fused
//! multiply-adds; then `t_l = a_l + a_(l+8)` for `l < 8`, summed as `((t0 + t4) + (t2 + t6)) +
//! ((t1 + t5) + (t3 + t7))`. Sixteen lanes fill one AVX-512 register with one row, so decoding
//! dequantizes a 4-bit row's sixteen weights with one table permute.
//! The AVX-512, AVX2 and portable kernels, decoding one position or a batch of them, on any number
//! of threads, all follow it. So an output does not depend on how many positions were multiplied
//! with it, nor on the thread count or the CPU: decoding token by token and a teacher-forced pass
//! over the whole sequence get the same bits from every projection.
//!
//! [`Heads::attend`] does the same for causal attention and [`rows`] has the position-wise steps,
//! so on the CPU a whole forward pass is batch-invariant: a verifier recomputes a provider's
//! logits exactly, whatever its instruction set or thread count.
//!
//! The weights stay quantized in memory (about 5 bits per weight for Q4_1) and are dequantized
//! in registers as they are read, so decoding reads a quarter of the bytes f32 weights would take.
//! Activations stay f32: rounding them to 8 bits, as llama.cpp does, is discontinuous and would
//! turn last-bit differences elsewhere in the network into different tokens.

mod attention;
mod blocks;
mod portable;
pub mod rows;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::{fmt, sync::OnceLock};

use rayon::prelude::*;

pub use attention::Heads;
use blocks::{q4_k_blocks, q6_k_blocks, Block, Parse, F16, F32, Q4_0, Q4_1, Q6K, Q8_0};
pub use blocks::{Format, BLOCK, SUPER_BLOCK};

/// Below this many positions a product splits the weight rows among threads, and reads each
/// weight once per position; from it on, it splits the positions and dequantizes each weight row
/// once per thread's share.
const BATCH_POSITIONS: usize = 4;

/// Rows per kernel call with 256-bit registers: four rows' eight accumulators keep the FMA units
/// busy and leave registers for the weights and the position.
const ROW_GROUP: usize = 4;

/// Rows per decoding kernel call on AVX-512: eight independent accumulators.
const ROW_GROUP_512: usize = 8;

/// Rows and positions per batch kernel call on AVX-512: 24 of the 32 registers hold accumulators.
const PANEL_ROWS_512: usize = 6;
const PANEL_POSITIONS_512: usize = 4;

/// The instruction sets the kernels come in. All compute the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
	/// AVX-512 F, DQ and VL: a row's sixteen lanes in one register, 4-bit weights dequantized
	/// through per-block tables.
	Avx512,
	Avx2Fma,
	Portable,
}

/// The environment variable that asks the kernels for a slower instruction set than the CPU's
/// best: `avx2` or `portable` (for comparisons and for ruling the vector kernels out).
pub const ISA_VARIABLE: &str = "FAITHFUL_ISA";

impl Isa {
	/// The instruction set the products run on: the fastest the CPU supports, or the one
	/// [`ISA_VARIABLE`] names if the CPU supports it. Decided once per process.
	pub fn detected() -> Self {
		static DETECTED: OnceLock<Isa> = OnceLock::new();
		*DETECTED.get_or_init(|| {
			let asked = std::env::var(ISA_VARIABLE).ok().and_then(|name| Self::from_name(&name));
			match asked {
				Some(isa) if Self::supported().contains(&isa) => isa,
				_ => Self::supported()[0],
			}
		})
	}

	/// Every instruction set this process may use, fastest first: those the CPU supports, from
	/// [`Isa::detected`] down. Decided once per process, like [`Isa::detected`].
	pub fn available() -> &'static [Self] {
		static AVAILABLE: OnceLock<Vec<Isa>> = OnceLock::new();
		AVAILABLE.get_or_init(|| {
			let supported = Self::supported();
			let from = supported.iter().position(|&isa| isa == Self::detected()).unwrap_or(0);
			supported[from..].to_vec()
		})
	}

	/// `self` if this process may use it, otherwise the portable kernels.
	pub(crate) fn or_portable(self) -> Self {
		if Self::available().contains(&self) {
			self
		} else {
			Isa::Portable
		}
	}

	/// Every instruction set the CPU supports, fastest first.
	fn supported() -> Vec<Self> {
		let mut supported = vec![Isa::Portable];
		#[cfg(target_arch = "x86_64")]
		if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
			supported.insert(0, Isa::Avx2Fma);
			if is_x86_feature_detected!("avx512f")
				&& is_x86_feature_detected!("avx512dq")
				&& is_x86_feature_detected!("avx512vl")
			{
				supported.insert(0, Isa::Avx512);
			}
		}
		supported
	}

	/// The instruction set `name` ([`ISA_VARIABLE`]'s values) stands for.
	pub fn from_name(name: &str) -> Option<Self> {
		match name {
			"avx512" => Some(Isa::Avx512),
			"avx2" => Some(Isa::Avx2Fma),
			"portable" => Some(Isa::Portable),
			_ => None,
		}
	}
}

impl fmt::Display for Isa {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Isa::Avx512 => "avx2+fma+avx512vl",
			Isa::Avx2Fma => "avx2+fma",
			Isa::Portable => "portable",
		})
	}
}

/// What is wrong with a matrix or an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
	/// Rows of a width that is not a whole number of the format's blocks.
	Width { cols: usize, block: usize },
	/// Data of the wrong length for the shape and format.
	Length { format: Format, rows: usize, cols: usize, bytes: usize },
	/// An input that is not a whole number of rows of the matrix's width.
	Input { len: usize, cols: usize },
	/// A row index past the last row.
	Row { row: usize, rows: usize },
	/// Matrices of different widths to stack.
	Stack { cols: usize, other: usize },
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::Width { cols, block } => {
				write!(f, "rows of {cols} weights are not whole blocks of {block}")
			}
			Error::Length { format, rows, cols, bytes } => write!(
				f,
				"{bytes} bytes for a {rows}×{cols} {format} matrix (expected {})",
				rows * cols / format.block_weights() * format.block_bytes()
			),
			Error::Input { len, cols } => {
				write!(f, "an input of {len} values is not rows of {cols}")
			}
			Error::Row { row, rows } => write!(f, "row {row} of a matrix with {rows} rows"),
			Error::Stack { cols, other } => {
				write!(f, "cannot stack rows of {other} weights under rows of {cols}")
			}
		}
	}
}

impl std::error::Error for Error {}

/// A weight matrix of `rows` outputs by `cols` inputs, held in its GGUF format.
#[derive(Clone)]
pub struct Matrix {
	rows: usize,
	cols: usize,
	weights: Weights,
}

#[derive(Clone)]
enum Weights {
	F32(Vec<F32>),
	F16(Vec<F16>),
	Q4_0(Vec<Q4_0>),
	Q4_1(Vec<Q4_1>),
	Q8_0(Vec<Q8_0>),
	Q6K(Vec<Q6K>),
}

impl Matrix {
	/// Reads a matrix from its GGUF data: `rows` rows of `cols` weights, row-major.
	pub fn from_gguf(
		format: Format,
		rows: usize,
		cols: usize,
		bytes: &[u8],
	) -> Result<Self, Error> {
		check_width(cols, format.block_weights())?;
		if bytes.len() != rows * cols / format.block_weights() * format.block_bytes() {
			return Err(Error::Length { format, rows, cols, bytes: bytes.len() });
		}
		let blocks = bytes.chunks_exact(format.block_bytes());
		fn parse<B: Parse>(blocks: std::slice::ChunksExact<'_, u8>) -> Vec<B> {
			blocks.map(B::parse).collect()
		}
		let weights = match format {
			Format::F32 => Weights::F32(parse(blocks)),
			Format::F16 => Weights::F16(parse(blocks)),
			Format::Q4_0 => Weights::Q4_0(parse(blocks)),
			Format::Q4_1 => Weights::Q4_1(parse(blocks)),
			Format::Q8_0 => Weights::Q8_0(parse(blocks)),
			Format::Q4K => Weights::Q4_1(blocks.flat_map(q4_k_blocks).collect()),
			Format::Q6K => Weights::Q6K(blocks.flat_map(q6_k_blocks).collect()),
		};
		Ok(Self { rows, cols, weights })
	}

	/// A matrix of f32 weights, row-major.
	pub fn from_f32(rows: usize, cols: usize, values: &[f32]) -> Result<Self, Error> {
		check_width(cols, BLOCK)?;
		if values.len() != rows * cols {
			return Err(Error::Length { format: Format::F32, rows, cols, bytes: 4 * values.len() });
		}
		Ok(Self {
			rows,
			cols,
			weights: Weights::F32(values.chunks_exact(BLOCK).map(F32::from_slice).collect()),
		})
	}

	/// The rows of `parts` one after the other: one product computes several projections of the
	/// same input. Parts of different formats are stacked as f32.
	pub fn stack(parts: &[Matrix]) -> Result<Self, Error> {
		let cols = parts.first().map_or(BLOCK, |part| part.cols);
		if let Some(part) = parts.iter().find(|part| part.cols != cols) {
			return Err(Error::Stack { cols, other: part.cols });
		}
		let rows = parts.iter().map(|part| part.rows).sum();
		// The parts' blocks concatenated, if every part holds the format `$variant`.
		macro_rules! concat {
			($variant:ident) => {{
				let blocks: Option<Vec<&[_]>> = parts
					.iter()
					.map(|part| match &part.weights {
						Weights::$variant(blocks) => Some(blocks.as_slice()),
						_ => None,
					})
					.collect();
				blocks.map(|blocks| Weights::$variant(blocks.concat()))
			}};
		}
		let weights = match parts.first().map(Matrix::format) {
			None => Some(Weights::F32(Vec::new())),
			Some(Format::F32) => concat!(F32),
			Some(Format::F16) => concat!(F16),
			Some(Format::Q4_0) => concat!(Q4_0),
			Some(Format::Q4_1) => concat!(Q4_1),
			Some(Format::Q8_0) => concat!(Q8_0),
			Some(Format::Q6K) => concat!(Q6K),
			// Read as Q4_1: `format` never says Q4K.
			Some(Format::Q4K) => None,
		};
		if let Some(weights) = weights {
			return Ok(Self { rows, cols, weights });
		}
		let mut values = Vec::with_capacity(rows * cols);
		for part in parts {
			for row in 0..part.rows {
				values.extend(part.row(row)?);
			}
		}
		Matrix::from_f32(rows, cols, &values)
	}

	pub fn rows(&self) -> usize {
		self.rows
	}

	pub fn cols(&self) -> usize {
		self.cols
	}

	pub fn format(&self) -> Format {
		match self.weights {
			Weights::F32(_) => Format::F32,
			Weights::F16(_) => Format::F16,
			Weights::Q4_0(_) => Format::Q4_0,
			Weights::Q4_1(_) => Format::Q4_1,
			Weights::Q8_0(_) => Format::Q8_0,
			Weights::Q6K(_) => Format::Q6K,
		}
	}

	/// Row `row`'s weights, dequantized: an embedding lookup.
	pub fn row(&self, row: usize) -> Result<Vec<f32>, Error> {
		if row >= self.rows {
			return Err(Error::Row { row, rows: self.rows });
		}
		let mut out = vec![0f32; self.cols];
		let per_row = self.cols / BLOCK;
		fn dequantize<B: Block>(blocks: &[B], out: &mut [f32]) {
			for (block, out) in blocks.iter().zip(out.chunks_exact_mut(BLOCK)) {
				block.dequantize(out);
			}
		}
		let range = row * per_row..(row + 1) * per_row;
		match &self.weights {
			Weights::F32(b) => dequantize(&b[range], &mut out),
			Weights::F16(b) => dequantize(&b[range], &mut out),
			Weights::Q4_0(b) => dequantize(&b[range], &mut out),
			Weights::Q4_1(b) => dequantize(&b[range], &mut out),
			Weights::Q8_0(b) => dequantize(&b[range], &mut out),
			Weights::Q6K(b) => dequantize(&b[range], &mut out),
		}
		Ok(out)
	}

	/// `x` is `n` positions of `cols` values, row-major; returns the `n × rows` products, row-major,
	/// on the fastest instruction set the CPU has and rayon's threads.
	pub fn multiply(&self, x: &[f32]) -> Result<Vec<f32>, Error> {
		self.multiply_with(x, Isa::detected())
	}

	/// [`Matrix::multiply`] on the given instruction set (one of [`Isa::available`]), for tests and
	/// benchmarks; every choice gives the same bits.
	pub fn multiply_with(&self, x: &[f32], isa: Isa) -> Result<Vec<f32>, Error> {
		if !x.len().is_multiple_of(self.cols) {
			return Err(Error::Input { len: x.len(), cols: self.cols });
		}
		let isa = isa.or_portable();
		let (rows, cols) = (self.rows, self.cols);
		Ok(match &self.weights {
			Weights::F32(b) => product(b, rows, cols, x, isa),
			Weights::F16(b) => product(b, rows, cols, x, isa),
			Weights::Q4_0(b) => product(b, rows, cols, x, isa),
			Weights::Q4_1(b) => product(b, rows, cols, x, isa),
			Weights::Q8_0(b) => product(b, rows, cols, x, isa),
			Weights::Q6K(b) => product(b, rows, cols, x, isa),
		})
	}
}

fn check_width(cols: usize, block: usize) -> Result<(), Error> {
	if cols == 0 || !cols.is_multiple_of(block) {
		return Err(Error::Width { cols, block });
	}
	Ok(())
}

fn product<B: Block>(blocks: &[B], rows: usize, cols: usize, x: &[f32], isa: Isa) -> Vec<f32> {
	let positions = x.len() / cols;
	let per_row = cols / BLOCK;
	let threads = rayon::current_num_threads();
	let mut out = vec![0f32; positions * rows];
	if positions == 0 || rows == 0 {
		return out;
	}
	if positions < BATCH_POSITIONS {
		// Split the rows: `transposed` is `rows × positions`, so each task's share is contiguous.
		// Two shares a thread balance the load without paying for more hand-overs (measured: four
		// decoded 7 % slower); shares of whole groups of eight rows keep the kernels' groups whole.
		let rows_per_task = rows.div_ceil(2 * threads).next_multiple_of(ROW_GROUP_512);
		let mut transposed = vec![0f32; rows * positions];
		transposed.par_chunks_mut(rows_per_task * positions).enumerate().for_each(|(task, out)| {
			let first = task * rows_per_task;
			let count = out.len() / positions;
			let weights = &blocks[first * per_row..(first + count) * per_row];
			rows_product(weights, per_row, x, cols, out, isa);
		});
		for (row, products) in transposed.chunks_exact(positions).enumerate() {
			for (position, &y) in products.iter().enumerate() {
				out[position * rows + row] = y;
			}
		}
	} else {
		let positions_per_task = positions.div_ceil(2 * threads);
		out.par_chunks_mut(positions_per_task * rows)
			.zip(x.par_chunks(positions_per_task * cols))
			.for_each(|(out, x)| batch_product(blocks, per_row, x, cols, out, isa));
	}
	out
}

/// Few positions: `out` is `rows × positions` for the rows in `weights`, each weight dequantized
/// once per position, in registers.
fn rows_product<B: Block>(
	weights: &[B],
	per_row: usize,
	x: &[f32],
	cols: usize,
	out: &mut [f32],
	isa: Isa,
) {
	let positions = x.len() / cols;
	let rows: Vec<&[B]> = weights.chunks_exact(per_row).collect();
	let mut store = |row: usize, position: usize, y: f32| out[row * positions + position] = y;
	match isa {
		#[cfg(target_arch = "x86_64")]
		Isa::Avx512 => {
			// SAFETY: `Isa::Avx512` is detected with AVX-512F, DQ and VL; rows and `x` are `cols`
			// wide.
			let kernel =
				|rows, x: &[f32]| unsafe { x86::dot_rows_512::<B, ROW_GROUP_512>(rows, x) };
			let single = |row, x: &[f32]| unsafe { x86::dot_rows_512::<B, 1>(row, x) };
			groups_product(&rows, x, cols, kernel, single, &mut store);
		}
		#[cfg(target_arch = "x86_64")]
		Isa::Avx2Fma => {
			// SAFETY: `Isa::Avx2Fma` is detected with AVX2 and FMA; rows and `x` are `cols` wide.
			let kernel = |rows, x: &[f32]| unsafe { x86::dot_rows::<B, ROW_GROUP>(rows, x) };
			let single = |row, x: &[f32]| unsafe { x86::dot_rows::<B, 1>(row, x) };
			groups_product(&rows, x, cols, kernel, single, &mut store);
		}
		_ => {
			let mut dequantized = vec![0f32; cols];
			for (r, row) in rows.iter().enumerate() {
				dequantize_row(row, &mut dequantized, Isa::Portable);
				for (position, x) in x.chunks_exact(cols).enumerate() {
					store(r, position, portable::dot(&dequantized, x));
				}
			}
		}
	}
}

/// `rows` times each position in `x`, `G` rows per `kernel` call and the rest one by one.
#[cfg(target_arch = "x86_64")]
fn groups_product<'a, B: Block, const G: usize>(
	rows: &[&'a [B]],
	x: &[f32],
	cols: usize,
	kernel: impl Fn([&'a [B]; G], &[f32]) -> [f32; G],
	single: impl Fn([&'a [B]; 1], &[f32]) -> [f32; 1],
	store: &mut impl FnMut(usize, usize, f32),
) {
	let mut groups = rows.chunks_exact(G);
	let mut at = 0;
	for group in groups.by_ref() {
		let group: [&[B]; G] = group.try_into().expect("exact chunk");
		for (position, x) in x.chunks_exact(cols).enumerate() {
			for (r, y) in kernel(group, x).into_iter().enumerate() {
				store(at + r, position, y);
			}
		}
		at += G;
	}
	for row in groups.remainder() {
		for (position, x) in x.chunks_exact(cols).enumerate() {
			let [y] = single([*row], x);
			store(at, position, y);
		}
		at += 1;
	}
}

/// Sixteen f32 aligned to a cache line: rows of a multiple of 32 values held in them start on a
/// line, so every 512-bit load reads one line, not two.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct CacheLine([f32; 16]);

/// `len` zeros (a multiple of 16) in cache-line-aligned memory.
fn aligned(len: usize) -> Aligned {
	Aligned(vec![CacheLine([0.0; 16]); len / 16])
}

struct Aligned(Vec<CacheLine>);

impl std::ops::Deref for Aligned {
	type Target = [f32];
	fn deref(&self) -> &[f32] {
		// SAFETY: `CacheLine` is sixteen f32 and nothing else; the slice covers exactly the lines.
		unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), 16 * self.0.len()) }
	}
}

impl std::ops::DerefMut for Aligned {
	fn deref_mut(&mut self) -> &mut [f32] {
		// SAFETY: as above.
		unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), 16 * self.0.len()) }
	}
}

/// Many positions: `out` is `positions × rows` for the positions in `x`; each weight row is
/// dequantized once into a panel and multiplied with every position.
fn batch_product<B: Block>(
	blocks: &[B],
	per_row: usize,
	x: &[f32],
	cols: usize,
	out: &mut [f32],
	isa: Isa,
) {
	let rows = blocks.len() / per_row;
	// The positions copied to cache-line-aligned memory, as the panel is: the copy costs a few
	// microseconds, split 512-bit loads cost a sixth of a prefill (measured).
	let mut x_lines = aligned(x.len());
	x_lines.copy_from_slice(x);
	let xs: Vec<&[f32]> = x_lines.chunks_exact(cols).collect();
	let group_rows = match isa {
		Isa::Avx512 => PANEL_ROWS_512,
		_ => ROW_GROUP,
	};
	let mut panel = aligned(group_rows * cols);
	let mut first = 0;
	while first < rows {
		let count = group_rows.min(rows - first);
		for (r, dequantized) in panel.chunks_exact_mut(cols).take(count).enumerate() {
			dequantize_row(
				&blocks[(first + r) * per_row..(first + r + 1) * per_row],
				dequantized,
				isa,
			);
		}
		let panel_rows: Vec<&[f32]> = panel.chunks_exact(cols).take(count).collect();
		match isa {
			#[cfg(target_arch = "x86_64")]
			Isa::Avx512 => {
				// SAFETY: `Isa::Avx512` is detected with AVX-512F, DQ and VL; rows and positions
				// are `cols` wide, a multiple of 32.
				let kernel = |rows, xs| unsafe { x86::dot_panel_512(rows, xs) };
				let single = |row, x| unsafe { x86::dot_panel_512(row, x) };
				panel_product::<PANEL_ROWS_512, PANEL_POSITIONS_512>(
					&panel_rows,
					&xs,
					kernel,
					single,
					first,
					rows,
					out,
				)
			}
			#[cfg(target_arch = "x86_64")]
			Isa::Avx2Fma => {
				// SAFETY: `Isa::Avx2Fma` is detected with AVX2 and FMA; as above.
				let kernel = |rows, xs| unsafe { x86::dot_panel(rows, xs) };
				let single = |row, x| unsafe { x86::dot_panel(row, x) };
				panel_product::<ROW_GROUP, 1>(&panel_rows, &xs, kernel, single, first, rows, out)
			}
			_ => {
				for (position, x) in xs.iter().enumerate() {
					for (r, row) in panel_rows.iter().enumerate() {
						out[position * rows + first + r] = portable::dot(row, x);
					}
				}
			}
		}
		first += count;
	}
}

/// The panel's rows times every position: `R` rows by `C` positions per `kernel` call, then
/// the rows one by one with the positions left over (or all of them when the panel has fewer
/// than `R` rows).
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
fn panel_product<'a, const R: usize, const C: usize>(
	panel: &[&'a [f32]],
	xs: &[&'a [f32]],
	kernel: impl Fn([&'a [f32]; R], [&'a [f32]; C]) -> [[f32; C]; R],
	single: impl Fn([&'a [f32]; 1], [&'a [f32]; 1]) -> [[f32; 1]; 1],
	first: usize,
	rows: usize,
	out: &mut [f32],
) {
	let mut store = |position: usize, r: usize, y: f32| out[position * rows + first + r] = y;
	let mut position = 0;
	if let Ok(group) = <[&[f32]; R]>::try_from(panel) {
		let mut tiles = xs.chunks_exact(C);
		for tile in tiles.by_ref() {
			let tile: [&[f32]; C] = tile.try_into().expect("exact chunk");
			for (r, ys) in kernel(group, tile).iter().enumerate() {
				for (c, &y) in ys.iter().enumerate() {
					store(position + c, r, y);
				}
			}
			position += C;
		}
	}
	for (offset, x) in xs[position..].iter().enumerate() {
		for (r, row) in panel.iter().enumerate() {
			let [[y]] = single([*row], [*x]);
			store(position + offset, r, y);
		}
	}
}

fn dequantize_row<B: Block>(row: &[B], out: &mut [f32], isa: Isa) {
	match isa {
		// SAFETY: `isa` is one of `Isa::available`, all of which have AVX2 and FMA but the last.
		#[cfg(target_arch = "x86_64")]
		Isa::Avx512 | Isa::Avx2Fma => unsafe { x86::dequantize_row(row, out) },
		_ => {
			for (block, out) in row.iter().zip(out.chunks_exact_mut(BLOCK)) {
				block.dequantize(out);
			}
		}
	}
}
