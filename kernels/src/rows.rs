//! The position-wise steps between the products: each output depends on one position's row
//! alone, computed in a fixed order, so these are batch-invariant too. They live here to be
//! compiled with the kernels' optimisation.

/// Each row of `weight.len()` values divided by its root mean square (plus `eps`), times
/// `weight`; the sum of squares runs in order along the row, as candle's `rms_norm` does.
pub fn rms_norm(rows: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
	let width = weight.len();
	let mut out = Vec::with_capacity(rows.len());
	for row in rows.chunks_exact(width) {
		let mean_square = row.iter().map(|v| v * v).sum::<f32>() / width as f32;
		let scale = (mean_square + eps).sqrt();
		out.extend(row.iter().zip(weight).map(|(&v, &w)| v / scale * w));
	}
	out
}

/// SwiGLU over rows that hold a gate and an up projection of `hidden` values each, one after the
/// other: `silu(gate) · up`, with `silu(g) = g / (1 + e^-g)`.
pub fn swiglu(gate_up: &[f32], hidden: usize) -> Vec<f32> {
	let mut out = Vec::with_capacity(gate_up.len() / 2);
	for row in gate_up.chunks_exact(2 * hidden) {
		let (gate, up) = row.split_at(hidden);
		out.extend(gate.iter().zip(up).map(|(&g, &u)| g / (1.0 + (-g).exp()) * u));
	}
	out
}

/// GEGLU over rows laid out as for [`swiglu`]: `gelu(gate) · up`, GELU in its tanh
/// approximation, `g / 2 · (1 + tanh(sqrt(2 / π) · (g + 0.044715 g³)))` (Gemma's).
pub fn geglu(gate_up: &[f32], hidden: usize) -> Vec<f32> {
	const SQRT_2_OVER_PI: f32 = 0.797_884_6;
	let mut out = Vec::with_capacity(gate_up.len() / 2);
	for row in gate_up.chunks_exact(2 * hidden) {
		let (gate, up) = row.split_at(hidden);
		out.extend(gate.iter().zip(up).map(|(&g, &u)| {
			let inner = SQRT_2_OVER_PI * (g + 0.044_715 * g * g * g);
			0.5 * g * (1.0 + inner.tanh()) * u
		}));
	}
	out
}

/// `x *= factor`, element by element.
pub fn scale(x: &mut [f32], factor: f32) {
	for x in x {
		*x *= factor;
	}
}

/// `x += y`, element by element.
pub fn add(x: &mut [f32], y: &[f32]) {
	for (x, y) in x.iter_mut().zip(y) {
		*x += y;
	}
}
