//! Kernels in plain Rust, for CPUs the vector kernels do not cover (other architectures, or
//! `FAITHFUL_ISA=portable`). `f32::mul_add` is a fused multiply-add with one rounding wherever it
//! runs (in hardware or in the C library), so these compute the same bits as the vector kernels,
//! only slower.

/// The dot product of a dequantized row and a position in the crate's sixteen-lane order.
pub(crate) fn dot(row: &[f32], x: &[f32]) -> f32 {
	let mut lanes = [0f32; 16];
	for (w, x) in row.chunks_exact(16).zip(x.chunks_exact(16)) {
		for lane in 0..16 {
			lanes[lane] = w[lane].mul_add(x[lane], lanes[lane]);
		}
	}
	sum_lanes(std::array::from_fn(|l| lanes[l] + lanes[l + 8]))
}

/// The dot product of a query and a key in attention's eight-lane order.
pub(crate) fn dot8(q: &[f32], key: &[f32]) -> f32 {
	let mut lanes = [0f32; 8];
	for (q, k) in q.chunks_exact(8).zip(key.chunks_exact(8)) {
		for lane in 0..8 {
			lanes[lane] = q[lane].mul_add(k[lane], lanes[lane]);
		}
	}
	sum_lanes(lanes)
}

/// `((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))`.
fn sum_lanes(a: [f32; 8]) -> f32 {
	let fours = [a[0] + a[4], a[1] + a[5], a[2] + a[6], a[3] + a[7]];
	let twos = [fours[0] + fours[2], fours[1] + fours[3]];
	twos[0] + twos[1]
}
