//! The engine's forward pass for the llama family: KV-cached for generation, and teacher-forced
//! over a whole sequence, with logits at every position, for verification.
//!
//! The network: token embedding; per layer, RMS norm, grouped-query attention with interleaved
//! rotary embeddings (llama.cpp's GGUF conversion permutes Q and K for that layout) and a causal
//! mask, residual, RMS norm, SwiGLU feed-forward, residual; final RMS norm; output projection
//! (the embedding matrix when the file has no `output.weight`, as with tied embeddings).
//!
//! Arithmetic is f32 throughout. On the CPU the weight matrices stay in their GGUF format and
//! `faithful-kernels` dequantizes them exactly in registers as it multiplies; its products are
//! the same bits whether one position or a whole sequence is multiplied, so decoding and the
//! teacher-forced pass differ only through attention's summation order. Activations are never
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
use faithful_kernels::{Format, Matrix};

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
	fn load(tensor: QTensor, device: &Device) -> Result<Self> {
		if !device.is_cpu() {
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
	layers: Vec<(Tensor, Tensor)>,
	len: usize,
}

impl Cache {
	/// How many positions the cache holds.
	pub fn len(&self) -> usize {
		self.len
	}
}

impl Llama {
	pub fn load<R: std::io::Read + std::io::Seek>(
		content: &Content,
		reader: &mut R,
		device: &Device,
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
		let output = Projection::load(read(output_name)?, device)?;
		let norm = read("output_norm.weight")?.dequantize(device)?;
		let mut layers = Vec::with_capacity(blocks);
		for i in 0..blocks {
			let mut tensor = |part: &str| read(&format!("blk.{i}.{part}.weight"));
			let mut vector = |part: &str| -> Result<Tensor> { Ok(tensor(part)?.dequantize(device)?) };
			let attention_norm = vector("attn_norm")?;
			let ffn_norm = vector("ffn_norm")?;
			let mut matrix = |part: &str| Projection::load(tensor(part)?, device);
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
	/// vocabulary)`, f32. Row `r` is what position `from + r` predicts for the one after it.
	pub fn forward(&self, tokens: &[u32], cache: &mut Cache, from: usize) -> Result<Tensor> {
		let len = tokens.len();
		ensure!(from < len, "no positions to return ({len} tokens, from {from})");
		let offset = cache.len;
		let ids = Tensor::new(tokens, &self.device)?;
		let mut x = self.embedding.embedding(&ids)?.unsqueeze(0)?;
		let (cos, sin) = self.rotary_tables(offset, len)?;
		let mask = if len > 1 { Some(causal_mask(offset, len, &self.device)?) } else { None };
		// The cache is replaced only once every layer has run, so a failed pass leaves it as it was.
		let mut updated = Vec::with_capacity(self.layers.len());
		for (i, layer) in self.layers.iter().enumerate() {
			let h = candle_nn::ops::rms_norm(&x, &layer.attention_norm, self.rms_eps)?;
			let (q, k, v) = self.query_key_value(layer, &h, &cos, &sin)?;
			let (k, v) = match cache.layers.get(i) {
				Some((keys, values)) => {
					(Tensor::cat(&[keys, &k], 2)?, Tensor::cat(&[values, &v], 2)?)
				}
				None => (k, v),
			};
			let attended = self.attention(&q, &k, &v, mask.as_ref())?;
			updated.push((k, v));
			x = (x + layer.o.forward(&attended)?)?;
			let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, self.rms_eps)?;
			let gated =
				(candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?;
			x = (x + layer.down.forward(&gated)?)?;
		}
		cache.layers = updated;
		cache.len += len;
		let x =
			candle_nn::ops::rms_norm(&x.narrow(1, from, len - from)?, &self.norm, self.rms_eps)?;
		Ok(self.output.forward(&x)?.squeeze(0)?.to_dtype(DType::F32)?)
	}

	/// Queries `(1, heads, len, head_dim)` and keys and values `(1, kv_heads, len, head_dim)`,
	/// queries and keys rotated.
	fn query_key_value(
		&self,
		layer: &Layer,
		h: &Tensor,
		cos: &Tensor,
		sin: &Tensor,
	) -> Result<(Tensor, Tensor, Tensor)> {
		let (batch, len, _) = h.dims3()?;
		let split = |t: Tensor, heads: usize| -> Result<Tensor> {
			Ok(t.reshape((batch, len, heads, self.head_dim))?.transpose(1, 2)?.contiguous()?)
		};
		let q = split(layer.q.forward(h)?, self.heads)?;
		let k = split(layer.k.forward(h)?, self.kv_heads)?;
		let v = split(layer.v.forward(h)?, self.kv_heads)?;
		let q = candle_nn::rotary_emb::rope_i(&q, cos, sin)?;
		let k = candle_nn::rotary_emb::rope_i(&k, cos, sin)?;
		Ok((q, k, v))
	}

	/// Scaled dot-product attention of the new queries over every cached key; the result
	/// `(1, len, width)`.
	fn attention(
		&self,
		q: &Tensor,
		k: &Tensor,
		v: &Tensor,
		mask: Option<&Tensor>,
	) -> Result<Tensor> {
		let (batch, heads, len, head_dim) = q.dims4()?;
		let keys = k.dim(2)?;
		// Grouped-query attention: query head `h` reads KV head `h / group`.
		let group = self.heads / self.kv_heads;
		let share = |t: &Tensor| -> Result<Tensor> {
			Ok(t.unsqueeze(2)?
				.broadcast_as((batch, self.kv_heads, group, keys, head_dim))?
				.reshape((batch, heads, keys, head_dim))?)
		};
		let (k, v) = (share(k)?, share(v)?);
		let mut scores = (q.matmul(&k.t()?)? / (head_dim as f64).sqrt())?;
		if let Some(mask) = mask {
			scores = scores.broadcast_add(mask)?;
		}
		let weights = candle_nn::ops::softmax_last_dim(&scores)?;
		Ok(weights.matmul(&v)?.transpose(1, 2)?.reshape((batch, len, heads * head_dim))?)
	}

	/// Cosines and sines of the rotary angles `position * base^(-2i / head_dim)` for positions
	/// `offset..offset + len`, shape `(len, head_dim / 2)`, computed in f64.
	fn rotary_tables(&self, offset: usize, len: usize) -> Result<(Tensor, Tensor)> {
		let half = self.head_dim / 2;
		let mut cos = Vec::with_capacity(len * half);
		let mut sin = Vec::with_capacity(len * half);
		for position in offset..offset + len {
			for i in 0..half {
				let frequency = self.rope_base.powf(-2.0 * i as f64 / self.head_dim as f64);
				let angle = position as f64 * frequency;
				cos.push(angle.cos() as f32);
				sin.push(angle.sin() as f32);
			}
		}
		Ok((
			Tensor::from_vec(cos, (len, half), &self.device)?,
			Tensor::from_vec(sin, (len, half), &self.device)?,
		))
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
