use proptest::prelude::*;

use super::*;

/// GGUF bytes for `rows × cols` weights of `format`: integers from `seed`, scales of a few
/// hundredths like a real model's.
fn gguf_bytes(format: Format, rows: usize, cols: usize, seed: u64) -> Vec<u8> {
	let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
	let mut next = move || {
		state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
		(state >> 33) as u32
	};
	let small = |next: &mut dyn FnMut() -> u32| {
		half::f16::from_f32((next() % 2001) as f32 / 20_000.0 - 0.05).to_le_bytes()
	};
	let mut bytes = Vec::new();
	if format.block_weights() == SUPER_BLOCK {
		// f16 scales of a few hundredths, then integers and packed scales of any bits.
		for _ in 0..rows * cols / SUPER_BLOCK {
			let (scales, rest) = match format {
				Format::Q4K => (2, 140),
				_ => (1, 208),
			};
			let mut block: Vec<u8> = (0..rest).map(|_| next() as u8).collect();
			let mut d: Vec<u8> = (0..scales).flat_map(|_| small(&mut next)).collect();
			match format {
				Format::Q4K => {
					d.append(&mut block);
					bytes.append(&mut d);
				}
				_ => {
					bytes.append(&mut block);
					bytes.append(&mut d);
				}
			}
		}
		return bytes;
	}
	for _ in 0..rows * cols / BLOCK {
		match format {
			Format::F32 => {
				for _ in 0..BLOCK {
					let v = half::f16::from_le_bytes(small(&mut next)).to_f32() * 3.0;
					bytes.extend(v.to_le_bytes());
				}
			}
			Format::F16 => {
				for _ in 0..BLOCK {
					bytes.extend(small(&mut next));
				}
			}
			Format::Q4_0 | Format::Q8_0 => bytes.extend(small(&mut next)),
			Format::Q4K | Format::Q6K => unreachable!("super-blocks are written above"),
			Format::Q4_1 => {
				bytes.extend(small(&mut next));
				bytes.extend(small(&mut next));
			}
		}
		let quants = match format {
			Format::F32 | Format::F16 => 0,
			Format::Q8_0 => BLOCK,
			_ => BLOCK / 2,
		};
		bytes.extend((0..quants).map(|_| next() as u8));
	}
	bytes
}

fn inputs(len: usize, seed: u64) -> Vec<f32> {
	(0..len)
		.map(|i| {
			((i as u64 * 2654435761).wrapping_add(seed.wrapping_mul(40503)) % 1999) as f32 / 999.5
				- 1.0
		})
		.collect()
}

const FORMATS: [Format; 7] =
	[Format::F32, Format::F16, Format::Q4_0, Format::Q4_1, Format::Q8_0, Format::Q4K, Format::Q6K];

#[test]
fn blocks_dequantize_to_their_formats_definitions() {
	let d = half::f16::from_f32(0.25).to_le_bytes();
	let m = half::f16::from_f32(-1.5).to_le_bytes();
	let qs: Vec<u8> = (0..16u8).map(|i| i | ((15 - i) << 4)).collect();
	let row = |format, bytes: Vec<u8>| {
		Matrix::from_gguf(format, 1, BLOCK, &bytes).unwrap().row(0).unwrap()
	};

	let q4_0 = row(Format::Q4_0, [&d[..], &qs].concat());
	let q4_1 = row(Format::Q4_1, [&d[..], &m, &qs].concat());
	for i in 0..16 {
		// Low nibbles are weights 0..16, high nibbles weights 16..32.
		assert_eq!(q4_0[i], (i as f32 - 8.0) * 0.25);
		assert_eq!(q4_0[i + 16], (7.0 - i as f32) * 0.25);
		assert_eq!(q4_1[i], i as f32 * 0.25 - 1.5);
		assert_eq!(q4_1[i + 16], (15 - i) as f32 * 0.25 - 1.5);
	}
	let q8: Vec<u8> = (0..32).map(|i| (i as i8 - 16) as u8).collect();
	let q8_0 = row(Format::Q8_0, [&d[..], &q8].concat());
	assert_eq!(q8_0, (0..32).map(|i| (i - 16) as f32 * 0.25).collect::<Vec<_>>());
	let values: Vec<f32> = (0..32).map(|i| i as f32 / 3.0).collect();
	let f32_bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
	assert_eq!(row(Format::F32, f32_bytes), values);
	let halves: Vec<f32> = (0..32).map(|i| (i as f32 - 16.0) / 8.0).collect();
	let f16_bytes: Vec<u8> =
		halves.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect();
	assert_eq!(row(Format::F16, f16_bytes), halves);
}

#[test]
fn bad_shapes_and_inputs_are_refused() {
	assert_eq!(
		Matrix::from_gguf(Format::Q4_1, 2, 48, &[0; 60]).err(),
		Some(Error::Width { cols: 48, block: BLOCK })
	);
	assert_eq!(
		Matrix::from_gguf(Format::Q8_0, 2, 64, &[0; 100]).err(),
		Some(Error::Length { format: Format::Q8_0, rows: 2, cols: 64, bytes: 100 })
	);
	assert!(Matrix::from_f32(2, 32, &[0.0; 63]).is_err());
	let matrix = Matrix::from_f32(2, 32, &[1.0; 64]).unwrap();
	assert_eq!(matrix.multiply(&[1.0; 33]).err(), Some(Error::Input { len: 33, cols: 32 }));
	assert_eq!(matrix.row(2).err(), Some(Error::Row { row: 2, rows: 2 }));
	assert_eq!(matrix.multiply(&[1.0; 64]).unwrap(), vec![32.0; 4]);
	assert!(matrix.multiply(&[]).unwrap().is_empty());
}

#[test]
fn the_kernels_follow_the_documented_accumulation_order() {
	let matrix = Matrix::from_f32(1, 32, &[1.0; 32]).unwrap();
	let survives = |x: &[f32]| {
		for &isa in Isa::available() {
			assert_eq!(matrix.multiply_with(x, isa).unwrap(), vec![1.0], "{isa}");
		}
	};
	// Lanes of sixteen: 1e8 at k = 0 and -1e8 at k = 16 cancel in lane 0 before the 1 at k = 8
	// (lane 8) joins them; lanes of eight, or one sequential sum, would add the 1 to 1e8 first.
	let mut x = vec![0f32; 32];
	x[0] = 1e8;
	x[16] = -1e8;
	x[8] = 1.0;
	survives(&x);
	// The tree: 1e8 in lane 1 and -1e8 in lane 5 cancel before the 1 in lane 2 joins them, as
	// `((t0 + t4) + (t2 + t6)) + ((t1 + t5) + (t3 + t7))` has it.
	let mut x = vec![0f32; 32];
	x[1] = 1e8;
	x[5] = -1e8;
	x[2] = 1.0;
	survives(&x);
	// Either other order would lose it: (1e8 + 1) rounds to 1e8 in f32.
	assert_eq!((1e8f32 + 1.0) - 1e8, 0.0);
}

#[test]
fn the_cpu_running_the_tests_has_the_vector_kernels() {
	// Every x86-64 machine the project runs its tests on has AVX2 and FMA; without them the
	// cross-instruction-set checks below would compare the portable kernels with themselves.
	#[cfg(target_arch = "x86_64")]
	assert_ne!(Isa::supported()[0], Isa::Portable);
}

#[test]
fn instruction_sets_are_named_as_the_environment_variable_takes_them() {
	assert_eq!(Isa::from_name("avx512"), Some(Isa::Avx512));
	assert_eq!(Isa::from_name("avx2"), Some(Isa::Avx2Fma));
	assert_eq!(Isa::from_name("portable"), Some(Isa::Portable));
	assert_eq!(Isa::from_name("sse2"), None);
	let available = Isa::available();
	assert_eq!(available[0], Isa::detected());
	assert_eq!(available.last(), Some(&Isa::Portable));
}

/// Each product in f64, and the sum of its terms' magnitudes (what its f32 rounding scales with).
fn reference(matrix: &Matrix, x: &[f32]) -> Vec<(f64, f64)> {
	let cols = matrix.cols();
	let rows: Vec<Vec<f32>> = (0..matrix.rows()).map(|r| matrix.row(r).unwrap()).collect();
	x.chunks_exact(cols)
		.flat_map(|x| {
			rows.iter().map(move |w| {
				let terms = w.iter().zip(x).map(|(&w, &x)| f64::from(w) * f64::from(x));
				terms.fold((0.0, 0.0), |(sum, size), term| (sum + term, size + term.abs()))
			})
		})
		.collect()
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(48))]

	/// A position's outputs are the same bits alone or in a batch of any size, on every
	/// instruction set and thread count, and they are the product to within f32 rounding.
	#[test]
	fn products_do_not_depend_on_batch_threads_or_instruction_set(
		format in prop::sample::select(FORMATS.to_vec()),
		rows in 1usize..11,
		blocks in 1usize..5,
		positions in 1usize..40,
		threads in 1usize..4,
		seed in any::<u64>(),
	) {
		let cols = blocks * format.block_weights();
		let matrix = Matrix::from_gguf(format, rows, cols, &gguf_bytes(format, rows, cols, seed)).unwrap();
		let x = inputs(positions * cols, seed);
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		let batch = pool.install(|| matrix.multiply(&x)).unwrap();
		prop_assert_eq!(batch.len(), positions * rows);
		for (position, x) in x.chunks_exact(cols).enumerate() {
			let alone = matrix.multiply(x).unwrap();
			prop_assert_eq!(&alone[..], &batch[position * rows..(position + 1) * rows]);
		}
		for &isa in Isa::available() {
			let other = pool.install(|| matrix.multiply_with(&x, isa)).unwrap();
			prop_assert!(other.iter().zip(&batch).all(|(a, b)| a.to_bits() == b.to_bits()), "{}", isa);
		}
		for (ours, (exact, size)) in batch.iter().zip(reference(&matrix, &x)) {
			prop_assert!((f64::from(*ours) - exact).abs() <= 1e-5 * size + 1e-6, "{} vs {}", ours, exact);
		}
	}
}

fn attention_reference(heads: &Heads, queries: &[f32], keys: &[f32], values: &[f32]) -> Vec<f64> {
	let Heads { heads: h, kv_heads, head_dim: d, window } = *heads;
	let len = queries.len() / (h * d);
	let positions = keys.len() / (kv_heads * d);
	let mut out = Vec::new();
	for query in 0..len {
		for head in 0..h {
			let kv = head / (h / kv_heads);
			let q = &queries[(query * h + head) * d..][..d];
			let at = |t: &[f32], j: usize| -> Vec<f64> {
				t[(j * kv_heads + kv) * d..][..d].iter().map(|&v| f64::from(v)).collect()
			};
			let end = positions - len + query + 1;
			let first = window.map_or(0, |window| end.saturating_sub(window));
			let scores: Vec<f64> = (first..end)
				.map(|j| {
					at(keys, j).iter().zip(q).map(|(k, &q)| k * f64::from(q)).sum::<f64>()
						/ (d as f64).sqrt()
				})
				.collect();
			let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
			let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
			let total: f64 = weights.iter().sum();
			for i in 0..d {
				let weighted = (first..end).map(|j| weights[j - first] * at(values, j)[i]);
				out.push(weighted.sum::<f64>() / total);
			}
		}
	}
	out
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(32))]

	/// A query's attention is the same bits decoded alone (over the keys up to its position) or
	/// with the rest of the sequence, on every instruction set and thread count, with or without
	/// a sliding window, and it is softmax attention to within f32 rounding.
	#[test]
	fn attention_does_not_depend_on_batch_threads_or_instruction_set(
		kv_heads in 1usize..4,
		group in 1usize..4,
		dims in 1usize..4,
		positions in 1usize..20,
		threads in 1usize..4,
		window in proptest::option::of(1usize..8),
		seed in any::<u64>(),
	) {
		let heads = Heads { heads: kv_heads * group, kv_heads, head_dim: 8 * dims, window };
		let (query_width, kv_width) = (heads.heads * heads.head_dim, kv_heads * heads.head_dim);
		let queries = inputs(positions * query_width, seed);
		let keys = inputs(positions * kv_width, seed ^ 1);
		let values = inputs(positions * kv_width, seed ^ 2);
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		let together = pool.install(|| heads.attend(&queries, &keys, &values));
		for p in 0..positions {
			let alone = heads.attend(
				&queries[p * query_width..(p + 1) * query_width],
				&keys[..(p + 1) * kv_width],
				&values[..(p + 1) * kv_width],
			);
			prop_assert_eq!(&alone[..], &together[p * query_width..(p + 1) * query_width]);
		}
		for &isa in Isa::available() {
			let other = pool.install(|| heads.attend_with(&queries, &keys, &values, isa));
			prop_assert!(other.iter().zip(&together).all(|(a, b)| a.to_bits() == b.to_bits()), "{}", isa);
		}
		for (ours, exact) in together.iter().zip(attention_reference(&heads, &queries, &keys, &values)) {
			prop_assert!((f64::from(*ours) - exact).abs() < 1e-5, "{} vs {}", ours, exact);
		}
	}
}

#[test]
fn a_query_attends_only_to_the_positions_up_to_its_own() {
	let heads = Heads { heads: 2, kv_heads: 1, head_dim: 8, window: None };
	let queries = inputs(3 * 16, 7);
	let keys = inputs(3 * 8, 8);
	let mut values = inputs(3 * 8, 9);
	let before = heads.attend(&queries, &keys, &values);
	values[2 * 8..].fill(100.0);
	let after = heads.attend(&queries, &keys, &values);
	assert_eq!(before[..2 * 16], after[..2 * 16], "the first two positions cannot see the third");
	assert_ne!(before[2 * 16..], after[2 * 16..]);
}

#[test]
fn a_sliding_window_hides_the_positions_before_it() {
	let heads = Heads { heads: 2, kv_heads: 1, head_dim: 8, window: Some(2) };
	let queries = inputs(4 * 16, 7);
	let keys = inputs(4 * 8, 8);
	let mut values = inputs(4 * 8, 9);
	let before = heads.attend(&queries, &keys, &values);
	values[..8].fill(100.0);
	let after = heads.attend(&queries, &keys, &values);
	assert_ne!(before[16..2 * 16], after[16..2 * 16], "position 1 sees position 0");
	assert_eq!(before[2 * 16..], after[2 * 16..], "positions 2 and 3 see two positions back");
	let unwindowed = Heads { window: None, ..heads }.attend(&queries, &keys, &values);
	assert_ne!(unwindowed[3 * 16..], after[3 * 16..]);
}

#[test]
fn super_block_formats_need_whole_super_blocks() {
	for (format, bytes) in [(Format::Q4K, 144), (Format::Q6K, 210)] {
		assert!(Matrix::from_gguf(format, 1, 256, &vec![0; bytes]).is_ok());
		let half = Matrix::from_gguf(format, 1, 128, &vec![0; bytes / 2]).err();
		assert_eq!(half, Some(Error::Width { cols: 128, block: 256 }));
		let short = Matrix::from_gguf(format, 2, 256, &vec![0; bytes]).err();
		assert_eq!(short, Some(Error::Length { format, rows: 2, cols: 256, bytes }));
	}
	// Q4_K is held as Q4_1.
	assert_eq!(Matrix::from_gguf(Format::Q4K, 1, 256, &[0; 144]).unwrap().format(), Format::Q4_1);
}

#[test]
fn stacked_matrices_multiply_as_their_parts() {
	let part = |format, rows, seed| {
		Matrix::from_gguf(format, rows, 64, &gguf_bytes(format, rows, 64, seed)).unwrap()
	};
	let x = inputs(3 * 64, 5);
	for formats in [[Format::Q4_1, Format::Q4_1], [Format::Q8_0, Format::Q4_0]] {
		let parts = [part(formats[0], 5, 1), part(formats[1], 3, 2)];
		let stacked = Matrix::stack(&parts).unwrap();
		assert_eq!((stacked.rows(), stacked.cols()), (8, 64));
		let expected_format = if formats[0] == formats[1] { formats[0] } else { Format::F32 };
		assert_eq!(stacked.format(), expected_format);
		let (whole, first, second) = (
			stacked.multiply(&x).unwrap(),
			parts[0].multiply(&x).unwrap(),
			parts[1].multiply(&x).unwrap(),
		);
		for position in 0..3 {
			assert_eq!(
				whole[position * 8..position * 8 + 5],
				first[position * 5..(position + 1) * 5]
			);
			assert_eq!(
				whole[position * 8 + 5..(position + 1) * 8],
				second[position * 3..(position + 1) * 3]
			);
		}
	}
	let narrow = Matrix::from_f32(1, 32, &[0.0; 32]).unwrap();
	let wide = part(Format::Q4_1, 1, 3);
	assert_eq!(Matrix::stack(&[wide, narrow]).err(), Some(Error::Stack { cols: 64, other: 32 }));
}

#[test]
fn position_wise_steps_compute_their_definitions() {
	use crate::rows::{add, geglu, rms_norm, scale, swiglu};
	// Root mean squares: sqrt(12.5) for (3, 4), 1 for (1, -1).
	let normed = rms_norm(&[3.0, 4.0, 1.0, -1.0], &[1.0, 2.0], 0.0);
	let root = 12.5f32.sqrt();
	assert_eq!(normed, vec![3.0 / root, 4.0 / root * 2.0, 1.0, -2.0]);
	assert!(
		rms_norm(&[0.0, 0.0], &[1.0, 1.0], 1e-5).iter().all(|v| *v == 0.0),
		"eps keeps it finite"
	);
	let gated = swiglu(&[0.0, 2.0, 5.0, 7.0], 2);
	assert_eq!(gated, vec![0.0, 2.0 / (1.0 + (-2.0f32).exp()) * 7.0]);
	// GELU's tanh approximation against its f64 formula: gelu(0) = 0, gelu(1) ≈ 0.841192,
	// gelu(-3) ≈ -0.003637.
	let gated = geglu(&[0.0, 1.0, -3.0, 7.0, 2.0, 3.0], 3);
	let gelu = |g: f64| {
		g / 2.0 * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (g + 0.044715 * g.powi(3))).tanh())
	};
	for (ours, exact) in gated.iter().zip([0.0, gelu(1.0) * 2.0, gelu(-3.0) * 3.0]) {
		assert!((f64::from(*ours) - exact).abs() < 1e-6, "{ours} vs {exact}");
	}
	assert!((gelu(1.0) - 0.841192).abs() < 1e-6);
	let mut x = [1.0, 2.0];
	add(&mut x, &[0.5, -2.0]);
	assert_eq!(x, [1.5, 0.0]);
	scale(&mut x, 2.0);
	assert_eq!(x, [3.0, 0.0]);
}
