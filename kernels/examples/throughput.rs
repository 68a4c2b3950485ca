//! Throughput of the products per instruction set: one position (decoding) against a matrix that
//! fits in cache and one that does not, and 128 positions (prefill, verification):
//! `cargo run -p faithful-kernels --example throughput`.

use std::time::Instant;

use faithful_kernels::{Format, Isa, Matrix, BLOCK};

fn main() {
	for (rows, cols, positions, repeats) in
		[(1536, 576, 1, 2000), (49152, 576, 1, 40), (1536, 576, 128, 20)]
	{
		for format in [Format::Q4_1, Format::Q8_0] {
			let bytes: Vec<u8> = (0..rows * cols / BLOCK * format.block_bytes())
				.map(|i| (i * 7 % 61) as u8)
				.collect();
			let matrix = Matrix::from_gguf(format, rows, cols, &bytes).unwrap();
			let x: Vec<f32> =
				(0..positions * cols).map(|i| (i % cols) as f32 / cols as f32).collect();
			for &isa in Isa::available() {
				let start = Instant::now();
				for _ in 0..repeats {
					std::hint::black_box(matrix.multiply_with(&x, isa).unwrap());
				}
				let seconds = start.elapsed().as_secs_f64() / repeats as f64;
				let weights = (rows * cols) as f64;
				println!(
					"{rows}×{cols} {format} × {positions} positions, {isa}: {:.3} ms, {:.1} GB/s of \
					 weights, {:.2} G multiply-adds/s",
					seconds * 1e3,
					bytes.len() as f64 / seconds / 1e9,
					weights * positions as f64 / seconds / 1e9
				);
			}
		}
	}
}
