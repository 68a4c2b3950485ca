//! The engine's forward pass for the llama family: KV-cached for generation, and teacher-forced
//! over a whole sequence, with logits at every position, for verification.
//!
//! The network: token embedding; per layer, RMS norm, grouped-query attention with interleaved
//! rotary embeddings (llama.cpp's GGUF conversion permutes Q and K for that layout) and a causal
//! mask, residual, RMS norm, SwiGLU feed-forward, residual; final RMS norm; output projection
//! (the embedding matrix when the file has no `output.weight`, as with tied embeddings).
//!
//! Arithmetic is f32 throughout. On the CPU the weight matrices stay in their GGUF format and
//! `faithful-kernels` dequantizes them exactly in registers as it multiplies; its products and
//! its attention are the same bits whether one position or a whole sequence is computed, and the
//! rest (norms, rotations, activations) works position by position, so decoding token by token
//! and the teacher-forced pass give identical logits on the same CPU. Activations are never
//! rounded to 8 bits as candle's and llama.cpp's quantized matmuls do: that rounding is
//! discontinuous, and measured on SmolLM2-135M over 392 greedy positions it made decoding and
//! the teacher-forced pass differ by up to 0.56 logits and disagree on the chosen token at 9
//! positions, against at most 1.2e-4 logits and no disagreement in f32 (docs/inference.md). That
//! is what lets verification use a tolerance too tight for other weights or other tokens to pass.
//! On other devices (the `cuda` feature) the matrices are dequantized to f32 at load and
//! multiplied by candle.

use anyhow::{ensure, Result};
use candle_core::{
	quantized::{gguf_file::Content, GgmlDType, QTensor},
	DType, Device, Tensor,
};
use faithful_kernels::{Format, Heads, Matrix};

use super::metadata;

pub struct Llama {
	/// Quantized: a lookup dequantizes only the rows it needs.
	embedding: QTensor,
	layers: Vec<Layer>,
	norm: Tensor,
	/// `(vocabulary, width)`.
	output: Projection,
	heads: usize,
	kv_heads: usize,
	head_dim: usize,
	rope_base: f64,
	rms_eps: f32,
	device: Device,
	/// Whether the projections and attention run on `faithful-kernels` (on the CPU).
	host_kernels: bool,
}

/// One block's weights.
struct Layer {
	attention_norm: Tensor,
	q: Projection,
	k: Projection,
	v: Projection,
	o: Projection,
	ffn_norm: Tensor,
	gate: Projection,
	up: Projection,
	down: Projection,
}

/// A weight matrix `(out, in)` that multiplies activations `(1, len, in)` into `(1, len, out)`.
enum Projection {
	/// Kept in its GGUF format (formats the kernels lack are dequantized to f32 at load).
	Cpu(Matrix),
	/// Dequantized to f32 for candle's matmul on an accelerator.
	Device(Tensor),
}

impl Projection {
	fn load(tensor: QTensor, device: &Device, host_kernels: bool) -> Result<Self> {
		if !host_kernels {
			return Ok(Self::Device(tensor.dequantize(device)?));
		}
		let (rows, cols) = tensor.shape().dims2()?;
		let format = match tensor.dtype() {
			GgmlDType::F32 => Some(Format::F32),
			GgmlDType::Q4_0 => Some(Format::Q4_0),
			GgmlDType::Q4_1 => Some(Format::Q4_1),
			GgmlDType::Q8_0 => Some(Format::Q8_0),
			_ => None,
		};
		let matrix = match format {
			Some(format) => Matrix::from_gguf(format, rows, cols, &tensor.data()?)?,
			None => {
				let values = tensor.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
				Matrix::from_f32(rows, cols, &values)?
			}
		};
		Ok(Self::Cpu(matrix))
	}

	fn forward(&self, x: &Tensor) -> Result<Tensor> {
		match self {
			Self::Cpu(matrix) => {
				let (batch, len, _) = x.dims3()?;
				let y = matrix.multiply(&x.flatten_all()?.to_vec1::<f32>()?)?;
				Ok(Tensor::from_vec(y, (batch, len, matrix.rows()), x.device())?)
			}
			Self::Device(weight) => Ok(x.broadcast_matmul(&weight.t()?)?),
		}
	}

	/// The same shape, all zeros.
	/// The matrix of a CPU projection.
	fn host(&self) -> Result<&Matrix> {
		match self {
			Self::Cpu(matrix) => Ok(matrix),
			Self::Device(_) => anyhow::bail!("a projection for candle has no host matrix"),
		}
	}

	fn zeroed(&self) -> Result<Self> {
		Ok(match self {
			Self::Cpu(matrix) => {
				let (rows, cols) = (matrix.rows(), matrix.cols());
				Self::Cpu(Matrix::from_f32(rows, cols, &vec![0.0; rows * cols])?)
			}
			Self::Device(weight) => Self::Device(weight.zeros_like()?),
		})
	}
}

/// The keys and values of the positions run so far, per layer, so decoding feeds only the new
/// token.
#[derive(Default)]
pub struct Cache {
	layers: Vec<Kv>,
	len: usize,
}

/// One layer's keys and values.
enum Kv {
	/// Row-major `positions × kv_heads × head_dim`, appended to as positions run.
	Host { keys: Vec<f32>, values: Vec<f32> },
	/// `(1, kv_heads, positions, head_dim)`.
	Device { keys: Tensor, values: Tensor },
}

impl Cache {
	/// How many positions the cache holds.
	pub fn len(&self) -> usize {
		self.len
	}
}

impl Llama {
	/// Loads the network onto `device`: on the CPU with `faithful-kernels`, elsewhere with
	/// candle's operations.
	pub fn load<R: std::io::Read + std::io::Seek>(
		content: &Content,
		reader: &mut R,
		device: &Device,
	) -> Result<Self> {
		Self::load_with(content, reader, device, device.is_cpu())
	}

	/// `host_kernels` false runs candle's operations even on the CPU, so tests cover the path
	/// accelerators take.
	fn load_with<R: std::io::Read + std::io::Seek>(
		content: &Content,
		reader: &mut R,
		device: &Device,
		host_kernels: bool,
	) -> Result<Self> {
		let md = &content.metadata;
		let heads = metadata::usize(md, "llama.attention.head_count")?;
		let kv_heads = metadata::usize(md, "llama.attention.head_count_kv")?;
		let width = metadata::usize(md, "llama.embedding_length")?;
		let blocks = metadata::usize(md, "llama.block_count")?;
		ensure!(heads > 0 && width % heads == 0, "embedding width {width} and {heads} heads");
		ensure!(kv_heads > 0 && heads % kv_heads == 0, "{heads} heads, {kv_heads} KV heads");
		let head_dim = width / heads;
		let rope_dim = metadata::usize(md, "llama.rope.dimension_count")?;
		ensure!(rope_dim == head_dim, "partial rotary embeddings ({rope_dim} of {head_dim})");
		let rope_base = match md.get("llama.rope.freq_base") {
			Some(_) => metadata::f32(md, "llama.rope.freq_base")?,
			None => 10_000.0,
		};
		let rms_eps = metadata::f32(md, "llama.attention.layer_norm_rms_epsilon")?;

		let mut read = |name: &str| content.tensor(reader, name, device);
		let embedding = read("token_embd.weight")?;
		let output_name = match content.tensor_infos.contains_key("output.weight") {
			true => "output.weight",
			false => "token_embd.weight",
		};
		let output = Projection::load(read(output_name)?, device, host_kernels)?;
		let norm = read("output_norm.weight")?.dequantize(device)?;
		let mut layers = Vec::with_capacity(blocks);
		for i in 0..blocks {
			let mut tensor = |part: &str| read(&format!("blk.{i}.{part}.weight"));
			let mut vector = |part: &str| -> Result<Tensor> { Ok(tensor(part)?.dequantize(device)?) };
			let attention_norm = vector("attn_norm")?;
			let ffn_norm = vector("ffn_norm")?;
			let mut matrix = |part: &str| Projection::load(tensor(part)?, device, host_kernels);
			layers.push(Layer {
				attention_norm,
				q: matrix("attn_q")?,
				k: matrix("attn_k")?,
				v: matrix("attn_v")?,
				o: matrix("attn_output")?,
				ffn_norm,
				gate: matrix("ffn_gate")?,
				up: matrix("ffn_up")?,
				down: matrix("ffn_down")?,
			});
		}
		Ok(Self {
			embedding,
			layers,
			norm,
			output,
			heads,
			kv_heads,
			head_dim,
			rope_base: f64::from(rope_base),
			rms_eps,
			device: device.clone(),
			host_kernels,
		})
	}

	/// Replaces layer `index`'s feed-forward down projection with zeros.
	pub fn zero_layer(&mut self, index: usize) -> Result<()> {
		let count = self.layers.len();
		let layer = self
			.layers
			.get_mut(index)
			.ok_or_else(|| anyhow::anyhow!("layer {index} is beyond the model's {count}"))?;
		layer.down = layer.down.zeroed()?;
		Ok(())
	}

	/// Runs `tokens` at the positions after those in `cache`, adding them to it, and returns the
	/// logits of the new positions from the `from`-th on: shape `(tokens.len() - from,
	/// vocabulary)`, f32. Row `r` is what position `from + r` predicts for the one after it. A
	/// failed pass leaves the cache as it was.
	pub fn forward(&self, tokens: &[u32], cache: &mut Cache, from: usize) -> Result<Tensor> {
		let len = tokens.len();
		ensure!(from < len, "no positions to return ({len} tokens, from {from})");
		match self.run(tokens, cache, from) {
			Ok(logits) => {
				cache.len += len;
				Ok(logits)
			}
			Err(error) => {
				self.forget_new_positions(cache)?;
				Err(error)
			}
		}
	}

	/// Drops what a failed pass appended to the cache's layers beyond its `len` positions.
	fn forget_new_positions(&self, cache: &mut Cache) -> Result<()> {
		let len = cache.len;
		if len == 0 {
			cache.layers.clear();
		}
		let width = self.kv_heads * self.head_dim;
		for kv in &mut cache.layers {
			match kv {
				Kv::Host { keys, values } => {
					keys.truncate(len * width);
					values.truncate(len * width);
				}
				Kv::Device { keys, values } => {
					*keys = keys.narrow(2, 0, len)?;
					*values = values.narrow(2, 0, len)?;
				}
			}
		}
		Ok(())
	}

	fn run(&self, tokens: &[u32], cache: &mut Cache, from: usize) -> Result<Tensor> {
		let len = tokens.len();
		let offset = cache.len;
		let ids = Tensor::new(tokens, &self.device)?;
		let mut x = self.embedding.embedding(&ids)?.unsqueeze(0)?;
		let rotary = Rotary::new(self, offset, len)?;
		let on_host = self.host_kernels;
		let mask = match !on_host && len > 1 {
			true => Some(causal_mask(offset, len, &self.device)?),
			false => None,
		};
		for (i, layer) in self.layers.iter().enumerate() {
			let h = candle_nn::ops::rms_norm(&x, &layer.attention_norm, self.rms_eps)?;
			if cache.layers.len() == i {
				cache.layers.push(match on_host {
					true => Kv::Host { keys: Vec::new(), values: Vec::new() },
					false => {
						let shape = (1, self.kv_heads, 0, self.head_dim);
						let empty = Tensor::zeros(shape, DType::F32, &self.device)?;
						Kv::Device { keys: empty.clone(), values: empty }
					}
				});
			}
			let attended = match &mut cache.layers[i] {
				Kv::Host { keys, values } => self.attend_host(layer, &h, &rotary, keys, values)?,
				Kv::Device { keys, values } => {
					self.attend_device(layer, &h, &rotary, mask.as_ref(), keys, values)?
				}
			};
			x = (x + layer.o.forward(&attended)?)?;
			let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, self.rms_eps)?;
			let gated =
				(candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?;
			x = (x + layer.down.forward(&gated)?)?;
		}
		let x =
			candle_nn::ops::rms_norm(&x.narrow(1, from, len - from)?, &self.norm, self.rms_eps)?;
		Ok(self.output.forward(&x)?.squeeze(0)?.to_dtype(DType::F32)?)
	}

	/// Attention on the CPU: queries, keys and values as rows of positions, keys and values
	/// appended to the layer's cache, and `faithful-kernels`' batch-invariant attention. Returns
	/// `(1, len, width)`.
	fn attend_host(
		&self,
		layer: &Layer,
		h: &Tensor,
		rotary: &Rotary,
		keys: &mut Vec<f32>,
		values: &mut Vec<f32>,
	) -> Result<Tensor> {
		let (batch, len, _) = h.dims3()?;
		let input = h.flatten_all()?.to_vec1::<f32>()?;
		let mut q = layer.q.host()?.multiply(&input)?;
		let mut k = layer.k.host()?.multiply(&input)?;
		rotary.rotate(&mut q, self.head_dim);
		rotary.rotate(&mut k, self.head_dim);
		keys.extend_from_slice(&k);
		values.extend_from_slice(&layer.v.host()?.multiply(&input)?);
		let heads = Heads { heads: self.heads, kv_heads: self.kv_heads, head_dim: self.head_dim };
		let attended = heads.attend(&q, keys, values);
		Ok(Tensor::from_vec(attended, (batch, len, self.heads * self.head_dim), &self.device)?)
	}

	/// Attention on an accelerator with candle's operations; the layer's cached keys and values
	/// grow by the new positions. Returns `(1, len, width)`.
	fn attend_device(
		&self,
		layer: &Layer,
		h: &Tensor,
		rotary: &Rotary,
		mask: Option<&Tensor>,
		keys: &mut Tensor,
		values: &mut Tensor,
	) -> Result<Tensor> {
		let (batch, len, _) = h.dims3()?;
		let split = |t: Tensor, heads: usize| -> Result<Tensor> {
			Ok(t.reshape((batch, len, heads, self.head_dim))?.transpose(1, 2)?.contiguous()?)
		};
		let (cos, sin) = (&rotary.cos_tensor, &rotary.sin_tensor);
		let q = split(layer.q.forward(h)?, self.heads)?;
		let q = candle_nn::rotary_emb::rope_i(&q, cos, sin)?;
		let k = split(layer.k.forward(h)?, self.kv_heads)?;
		let k = candle_nn::rotary_emb::rope_i(&k, cos, sin)?;
		let v = split(layer.v.forward(h)?, self.kv_heads)?;
		*keys = Tensor::cat(&[&*keys, &k], 2)?;
		*values = Tensor::cat(&[&*values, &v], 2)?;
		let (heads, head_dim, positions) = (self.heads, self.head_dim, keys.dim(2)?);
		// Grouped-query attention: query head `h` reads KV head `h / group`.
		let group = self.heads / self.kv_heads;
		let share = |t: &Tensor| -> Result<Tensor> {
			Ok(t.unsqueeze(2)?
				.broadcast_as((batch, self.kv_heads, group, positions, head_dim))?
				.reshape((batch, heads, positions, head_dim))?)
		};
		let (k, v) = (share(keys)?, share(values)?);
		let mut scores = (q.matmul(&k.t()?)? / (head_dim as f64).sqrt())?;
		if let Some(mask) = mask {
			scores = scores.broadcast_add(mask)?;
		}
		let weights = candle_nn::ops::softmax_last_dim(&scores)?;
		Ok(weights.matmul(&v)?.transpose(1, 2)?.reshape((batch, len, heads * head_dim))?)
	}
}

/// The rotary angles `position * base^(-2i / head_dim)` of the positions being run, computed in
/// f64: cosines and sines `(len, head_dim / 2)`.
struct Rotary {
	cos: Vec<f32>,
	sin: Vec<f32>,
	cos_tensor: Tensor,
	sin_tensor: Tensor,
}

impl Rotary {
	fn new(llama: &Llama, offset: usize, len: usize) -> Result<Self> {
		let half = llama.head_dim / 2;
		let mut cos = Vec::with_capacity(len * half);
		let mut sin = Vec::with_capacity(len * half);
		for position in offset..offset + len {
			for i in 0..half {
				let frequency = llama.rope_base.powf(-2.0 * i as f64 / llama.head_dim as f64);
				let angle = position as f64 * frequency;
				cos.push(angle.cos() as f32);
				sin.push(angle.sin() as f32);
			}
		}
		let cos_tensor = Tensor::from_slice(&cos, (len, half), &llama.device)?;
		let sin_tensor = Tensor::from_slice(&sin, (len, half), &llama.device)?;
		Ok(Self { cos, sin, cos_tensor, sin_tensor })
	}

	/// Rotates each head's consecutive pairs `(x[2i], x[2i + 1])` of `rows` (one per position,
	/// heads of `head_dim`) by its position's angles, as candle's `rope_i` does.
	fn rotate(&self, rows: &mut [f32], head_dim: usize) {
		let half = head_dim / 2;
		let positions = self.cos.len() / half;
		let width = rows.len() / positions;
		for (p, row) in rows.chunks_exact_mut(width).enumerate() {
			let (cos, sin) = (&self.cos[p * half..(p + 1) * half], &self.sin[p * half..(p + 1) * half]);
			for head in row.chunks_exact_mut(head_dim) {
				for (i, pair) in head.chunks_exact_mut(2).enumerate() {
					let (x0, x1) = (pair[0], pair[1]);
					pair[0] = x0 * cos[i] - x1 * sin[i];
					pair[1] = x0 * sin[i] + x1 * cos[i];
				}
			}
		}
	}
}

/// Additive causal mask for `len` new positions after `offset` cached ones, `(len, offset +
/// len)`: 0 where a position may attend, minus infinity for the positions after it.
fn causal_mask(offset: usize, len: usize, device: &Device) -> Result<Tensor> {
	let keys = offset + len;
	let mask: Vec<f32> = (0..len)
		.flat_map(|row| {
			(0..keys).map(move |key| if key > offset + row { f32::NEG_INFINITY } else { 0.0 })
		})
		.collect();
	Ok(Tensor::from_vec(mask, (len, keys), device)?)
}

#[cfg(test)]
mod tests {
	use std::fs::File;

	use super::*;
	use crate::engine::test_model;

	fn load(host_kernels: bool) -> Llama {
		let file = test_model::write(true);
		let mut reader = File::open(file.path()).unwrap();
		let content = Content::read(&mut reader).unwrap();
		Llama::load_with(&content, &mut reader, &Device::Cpu, host_kernels).unwrap()
	}

	fn largest_difference(a: &Tensor, b: &Tensor) -> f32 {
		(a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
	}

	/// The kernels' path (the CPU's) and candle's (an accelerator's, run here on the CPU) are
	/// two implementations of one network; they may differ only by summation order.
	#[test]
	fn the_kernels_and_candles_operations_compute_the_same_network() {
		let (kernels, candle) = (load(true), load(false));
		let tokens: Vec<u32> = (3..40).collect();
		let whole = |llama: &Llama| llama.forward(&tokens, &mut Cache::default(), 0).unwrap();
		let difference = largest_difference(&whole(&kernels), &whole(&candle));
		assert!(difference < 1e-4, "whole sequence: {difference}");
		let decoded = |llama: &Llama| {
			let mut cache = Cache::default();
			llama.forward(&tokens[..5], &mut cache, 4).unwrap();
			for &token in &tokens[5..tokens.len() - 1] {
				llama.forward(&[token], &mut cache, 0).unwrap();
			}
			llama.forward(&tokens[tokens.len() - 1..], &mut cache, 0).unwrap()
		};
		let difference = largest_difference(&decoded(&kernels), &decoded(&candle));
		assert!(difference < 1e-4, "decoded: {difference}");
	}

	#[test]
	fn a_failed_pass_leaves_the_cache_as_it_was() {
		for host_kernels in [true, false] {
			let llama = load(host_kernels);
			let mut cache = Cache::default();
			llama.forward(&[5, 6, 7], &mut cache, 2).unwrap();
			assert!(llama.forward(&[8, 10_000], &mut cache, 1).is_err(), "no token 10000");
			assert_eq!(cache.len(), 3);
			let next = llama.forward(&[8], &mut cache, 0).unwrap();
			let whole = llama.forward(&[5, 6, 7, 8], &mut Cache::default(), 3).unwrap();
			assert!(largest_difference(&next, &whole) < 1e-4, "host kernels: {host_kernels}");
		}
	}
}
