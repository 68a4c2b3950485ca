//! The CPU's forward pass: activations as rows of f32 (one per position), weight matrices in
//! their GGUF formats multiplied by `faithful-kernels`. Every step either works on one position
//! at a time or is one of the kernels' batch-invariant products, so a position's logits are the
//! same bits whether it was decoded alone or computed with the whole sequence.

use anyhow::{anyhow, Result};
use candle_core::quantized::{GgmlDType, QTensor};
use faithful_kernels::{
	rows::{add, geglu, rms_norm, scale, swiglu},
	Format, Heads, Matrix,
};

use super::{GemmaNorms, Rotaries, Shape, Variant};

pub(super) struct Weights {
	layers: Vec<Layer>,
	norm: Vec<f32>,
	/// `(vocabulary, width)`.
	output: Matrix,
}

/// One block's weights. The projections that read the same input are stacked, so one product
/// (and one hand-out of work to the threads) computes them all.
struct Layer {
	attention_norm: Vec<f32>,
	/// Queries, keys and values, in that order.
	qkv: Matrix,
	/// Their biases, in the same order (Qwen2).
	qkv_bias: Option<Vec<f32>>,
	o: Matrix,
	ffn_norm: Vec<f32>,
	/// The feed-forward gate, then the up projection.
	gate_up: Matrix,
	down: Matrix,
	gemma: Option<GemmaNorms<Vec<f32>>>,
}

/// One layer's keys and values: row-major `positions × kv_heads × head_dim`, appended to as
/// positions run.
#[derive(Default)]
pub(super) struct Kv {
	keys: Vec<f32>,
	values: Vec<f32>,
}

impl Kv {
	/// Keeps the first `len` positions of `width` values.
	pub(super) fn truncate(&mut self, len: usize, width: usize) {
		self.keys.truncate(len * width);
		self.values.truncate(len * width);
	}
}

impl Weights {
	/// Reads every weight through `read`, which returns a tensor of the GGUF by name on the CPU.
	pub(super) fn load(
		output: &str,
		blocks: usize,
		variant: Variant,
		read: &mut dyn FnMut(&str) -> Result<QTensor>,
	) -> Result<Self> {
		let mut layers = Vec::with_capacity(blocks);
		for i in 0..blocks {
			let qkv_bias = match variant.qkv_bias {
				true => {
					let mut bias = |part: &str| vector(read(&format!("blk.{i}.{part}.bias"))?);
					Some([bias("attn_q")?, bias("attn_k")?, bias("attn_v")?].concat())
				}
				false => None,
			};
			let gemma = GemmaNorms::load(variant, i, |name| vector(read(name)?))?;
			let mut tensor = |part: &str| read(&format!("blk.{i}.{part}.weight"));
			layers.push(Layer {
				gemma,
				qkv_bias,
				attention_norm: vector(tensor("attn_norm")?)?,
				qkv: Matrix::stack(&[
					matrix(tensor("attn_q")?)?,
					matrix(tensor("attn_k")?)?,
					matrix(tensor("attn_v")?)?,
				])?,
				o: matrix(tensor("attn_output")?)?,
				ffn_norm: vector(tensor("ffn_norm")?)?,
				gate_up: Matrix::stack(&[
					matrix(tensor("ffn_gate")?)?,
					matrix(tensor("ffn_up")?)?,
				])?,
				down: matrix(tensor("ffn_down")?)?,
			});
		}
		Ok(Self {
			layers,
			norm: vector(read("output_norm.weight")?)?,
			output: matrix(read(output)?)?,
		})
	}

	pub(super) fn zero_layer(&mut self, index: usize) -> Result<()> {
		let count = self.layers.len();
		let layer = self
			.layers
			.get_mut(index)
			.ok_or_else(|| anyhow!("layer {index} is beyond the model's {count}"))?;
		let (rows, cols) = (layer.down.rows(), layer.down.cols());
		layer.down = Matrix::from_f32(rows, cols, &vec![0.0; rows * cols])?;
		Ok(())
	}

	pub(super) fn requantize(&mut self, format: GgmlDType) -> Result<()> {
		for layer in &mut self.layers {
			for matrix in [&mut layer.qkv, &mut layer.o, &mut layer.gate_up, &mut layer.down] {
				*matrix = requantized(matrix, format)?;
			}
		}
		self.output = requantized(&self.output, format)?;
		Ok(())
	}

	/// The forward pass over `x`, the embedded new positions (`len × width`), with the keys and
	/// values of earlier positions in `kv` (extended by the new ones); returns the logits of the
	/// new positions from the `from`-th on, row-major.
	pub(super) fn forward(
		&self,
		shape: &Shape,
		x: Vec<f32>,
		rotary: &Rotaries,
		kv: &mut Vec<Kv>,
		from: usize,
	) -> Result<Vec<f32>> {
		// On one of rayon's threads, the kernels' parallel loops start their work on the same
		// thread instead of handing it over and waiting: one hand-over per pass, not hundreds.
		let mut result = None;
		rayon::scope(|_| result = Some(self.forward_on_pool(shape, x, rotary, kv, from)));
		result.expect("the scope ran the pass")
	}

	fn forward_on_pool(
		&self,
		shape: &Shape,
		mut x: Vec<f32>,
		rotaries: &Rotaries,
		kv: &mut Vec<Kv>,
		from: usize,
	) -> Result<Vec<f32>> {
		let width = shape.width;
		let len = x.len() / width;
		let (query_width, kv_width) = (shape.heads * shape.head_dim, shape.kv_width());
		kv.resize_with(self.layers.len(), Kv::default);
		for (index, (layer, kv)) in self.layers.iter().zip(kv.iter_mut()).enumerate() {
			let (rotary, window) = rotaries.layer(shape, index);
			let h = rms_norm(&x, &layer.attention_norm, shape.rms_eps);
			let mut qkv = layer.qkv.multiply(&h)?;
			if let Some(bias) = &layer.qkv_bias {
				for row in qkv.chunks_exact_mut(bias.len()) {
					add(row, bias);
				}
			}
			let mut queries = Vec::with_capacity(len * query_width);
			let mut keys = Vec::with_capacity(len * kv_width);
			for row in qkv.chunks_exact(query_width + 2 * kv_width) {
				queries.extend_from_slice(&row[..query_width]);
				keys.extend_from_slice(&row[query_width..query_width + kv_width]);
				kv.values.extend_from_slice(&row[query_width + kv_width..]);
			}
			if let Some(norms) = &layer.gemma {
				queries = rms_norm(&queries, &norms.query, shape.rms_eps);
				keys = rms_norm(&keys, &norms.key, shape.rms_eps);
			}
			rotary.rotate(&mut queries);
			rotary.rotate(&mut keys);
			if let Some(factor) = shape.gemma.and_then(|gemma| gemma.query_scale) {
				scale(&mut queries, factor);
			}
			kv.keys.extend_from_slice(&keys);
			let heads = Heads {
				heads: shape.heads,
				kv_heads: shape.kv_heads,
				head_dim: shape.head_dim,
				window,
			};
			let attended = heads.attend(&queries, &kv.keys, &kv.values);
			let mut attention = layer.o.multiply(&attended)?;
			if let Some(norms) = &layer.gemma {
				attention = rms_norm(&attention, &norms.attention_output, shape.rms_eps);
			}
			add(&mut x, &attention);

			let h = rms_norm(&x, &layer.ffn_norm, shape.rms_eps);
			let gate_up = layer.gate_up.multiply(&h)?;
			let hidden = gate_up.len() / (2 * len);
			let mut ffn = match &layer.gemma {
				Some(_) => layer.down.multiply(&geglu(&gate_up, hidden))?,
				None => layer.down.multiply(&swiglu(&gate_up, hidden))?,
			};
			if let Some(norms) = &layer.gemma {
				ffn = rms_norm(&ffn, &norms.ffn_output, shape.rms_eps);
			}
			add(&mut x, &ffn);
		}
		let last = rms_norm(&x[from * width..], &self.norm, shape.rms_eps);
		Ok(self.output.multiply(&last)?)
	}
}

/// A weight matrix in its GGUF format (Q4_K as the Q4_1 blocks it amounts to), or dequantized to
/// f32 if the kernels lack the format.
fn matrix(tensor: QTensor) -> Result<Matrix> {
	let (rows, cols) = tensor.shape().dims2()?;
	let format = match tensor.dtype() {
		GgmlDType::F32 => Format::F32,
		GgmlDType::F16 => Format::F16,
		GgmlDType::Q4_0 => Format::Q4_0,
		GgmlDType::Q4_1 => Format::Q4_1,
		GgmlDType::Q8_0 => Format::Q8_0,
		GgmlDType::Q4K => Format::Q4K,
		GgmlDType::Q6K => Format::Q6K,
		_ => {
			let values =
				tensor.dequantize(&candle_core::Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
			return Ok(Matrix::from_f32(rows, cols, &values)?);
		}
	};
	Ok(Matrix::from_gguf(format, rows, cols, &tensor.data()?)?)
}

/// `matrix` rounded to `format` by candle's quantizer.
fn requantized(matrix: &Matrix, format: GgmlDType) -> Result<Matrix> {
	let (rows, cols) = (matrix.rows(), matrix.cols());
	let mut values = Vec::with_capacity(rows * cols);
	for row in 0..rows {
		values.extend(matrix.row(row)?);
	}
	let tensor = candle_core::Tensor::from_vec(values, (rows, cols), &candle_core::Device::Cpu)?;
	self::matrix(QTensor::quantize(&tensor, format)?)
}

fn vector(tensor: QTensor) -> Result<Vec<f32>> {
	Ok(tensor.dequantize(&candle_core::Device::Cpu)?.to_vec1::<f32>()?)
}

#[cfg(test)]
mod tests {
	use candle_core::{Device, Tensor};

	use super::*;

	/// Q4_K matrices become Q4_1 blocks, Q6_K and F16 ones keep their integers or halves, all
	/// holding exactly the weights candle's dequantization gives.
	#[test]
	fn k_quant_and_f16_weights_are_candles_to_the_bit() {
		let (rows, cols) = (6, 512);
		let values: Vec<f32> = (0..rows * cols)
			.map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * (1.0 + (i / 97) as f32))
			.collect();
		let tensor = Tensor::from_vec(values, (rows, cols), &Device::Cpu).unwrap();
		for (dtype, held) in [
			(GgmlDType::Q4K, Format::Q4_1),
			(GgmlDType::Q6K, Format::Q6K),
			(GgmlDType::F16, Format::F16),
		] {
			let quantized = QTensor::quantize(&tensor, dtype).unwrap();
			let expected = quantized.dequantize(&Device::Cpu).unwrap().to_vec2::<f32>().unwrap();
			let matrix = matrix(quantized).unwrap();
			assert_eq!(matrix.format(), held);
			for (row, expected) in expected.iter().enumerate() {
				let ours = matrix.row(row).unwrap();
				let same = ours.iter().zip(expected).all(|(a, b)| a.to_bits() == b.to_bits());
				assert!(same, "{dtype:?} row {row}");
			}
		}
	}
}
