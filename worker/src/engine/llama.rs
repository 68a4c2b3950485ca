//! The engine's forward pass for the llama family: KV-cached for generation, and teacher-forced
//! over a whole sequence, with logits at every position, for verification.
//!
//! The network: token embedding; per layer, RMS norm, grouped-query attention with interleaved
//! rotary embeddings (llama.cpp's GGUF conversion permutes Q and K for that layout) and a causal
//! mask, residual, RMS norm, SwiGLU feed-forward, residual; final RMS norm; output projection
//! (the embedding matrix when the file has no `output.weight`, as with tied embeddings).
//!
//! Arithmetic is f32 throughout, on weights dequantized from the GGUF once at load. candle's
//! quantized matmul (like llama.cpp's) first rounds each activation row to 8 bits; that rounding
//! is discontinuous, so the last-bit differences between decoding and prefilling push values
//! across rounding steps. Measured on SmolLM2-135M over 392 greedy positions, that path's decoder
//! and teacher-forced pass differed by up to 0.56 logits among the tokens within one logit of the
//! top and disagreed on the chosen token at 9 positions; in f32 they differ by at most 1.2e-4
//! logits and never disagree (docs/inference.md). That is what lets verification use a tolerance
//! too tight for other weights or other tokens to pass. The cost: f32 weights take several times
//! the memory of Q4 ones, and decoding, bound by memory bandwidth, runs slower.

use anyhow::{ensure, Result};
use candle_core::{
	quantized::{gguf_file::Content, QTensor},
	DType, Device, Tensor,
};

use super::metadata;

pub struct Llama {
	/// Quantized: a lookup dequantizes only the rows it needs.
	embedding: QTensor,
	layers: Vec<Layer>,
	norm: Tensor,
	/// `(vocabulary, width)`.
	output: Tensor,
	heads: usize,
	kv_heads: usize,
	head_dim: usize,
	rope_base: f64,
	rms_eps: f32,
	device: Device,
}

/// One block's weights, matrices as `(out, in)` f32.
struct Layer {
	attention_norm: Tensor,
	q: Tensor,
	k: Tensor,
	v: Tensor,
	o: Tensor,
	ffn_norm: Tensor,
	gate: Tensor,
	up: Tensor,
	down: Tensor,
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
		let output = if content.tensor_infos.contains_key("output.weight") {
			read("output.weight")?.dequantize(device)?
		} else {
			embedding.dequantize(device)?
		};
		let norm = read("output_norm.weight")?.dequantize(device)?;
		let mut layers = Vec::with_capacity(blocks);
		for i in 0..blocks {
			let mut weight =
				|part: &str| read(&format!("blk.{i}.{part}.weight"))?.dequantize(device);
			layers.push(Layer {
				attention_norm: weight("attn_norm")?,
				q: weight("attn_q")?,
				k: weight("attn_k")?,
				v: weight("attn_v")?,
				o: weight("attn_output")?,
				ffn_norm: weight("ffn_norm")?,
				gate: weight("ffn_gate")?,
				up: weight("ffn_up")?,
				down: weight("ffn_down")?,
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
		layer.down = layer.down.zeros_like()?;
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
			x = (x + project(&attended, &layer.o)?)?;
			let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, self.rms_eps)?;
			let gated =
				(candle_nn::ops::silu(&project(&h, &layer.gate)?)? * project(&h, &layer.up)?)?;
			x = (x + project(&gated, &layer.down)?)?;
		}
		cache.layers = updated;
		cache.len += len;
		let x =
			candle_nn::ops::rms_norm(&x.narrow(1, from, len - from)?, &self.norm, self.rms_eps)?;
		Ok(project(&x, &self.output)?.squeeze(0)?.to_dtype(DType::F32)?)
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
		let q = split(project(h, &layer.q)?, self.heads)?;
		let k = split(project(h, &layer.k)?, self.kv_heads)?;
		let v = split(project(h, &layer.v)?, self.kv_heads)?;
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

/// `x (1, len, in)` times the transpose of `weight (out, in)`.
fn project(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
	Ok(x.broadcast_matmul(&weight.t()?)?)
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
