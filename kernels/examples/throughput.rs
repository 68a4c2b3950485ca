//! Throughput of one matrix-vector product per instruction set, for a matrix that fits in cache
//! and one that does not: `cargo run --release -p faithful-kernels --example throughput`.

use std::time::Instant;

use faithful_kernels::{Format, Isa, Matrix, BLOCK};

fn main() {
	for (rows, cols, repeats) in [(1536, 576, 2000), (49152, 576, 40)] {
		for format in [Format::Q4_1, Format::Q8_0] {
			let bytes: Vec<u8> = (0..rows * cols / BLOCK * format.block_bytes())
				.map(|i| (i * 7 % 61) as u8)
				.collect();
			let matrix = Matrix::from_gguf(format, rows, cols, &bytes).unwrap();
			let x: Vec<f32> = (0..cols).map(|i| i as f32 / cols as f32).collect();
			for isa in Isa::available() {
				let start = Instant::now();
				for _ in 0..repeats {
					std::hint::black_box(matrix.multiply_with(&x, isa).unwrap());
				}
				let seconds = start.elapsed().as_secs_f64() / repeats as f64;
				let megabytes = bytes.len() as f64 / 1e6;
				println!(
					"{rows}×{cols} {format} {isa}: {:.3} ms, {:.1} GB/s, {:.2} Gweights/s",
					seconds * 1e3,
					megabytes / seconds / 1e3,
					(rows * cols) as f64 / seconds / 1e9
				);
			}
		}
	}
}
