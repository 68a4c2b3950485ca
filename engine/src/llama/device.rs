//! candle's forward pass, for accelerators (the `cuda` feature): weight matrices dequantized to
//! f32 at load, candle's matmuls, attention and norms. Not batch-invariant: decoding and the
//! teacher-forced pass differ in summation order, which verification's tolerance absorbs.

use anyhow::{anyhow, Result};
use candle_core::{quantized::QTensor, DType, Device, Tensor};

use super::{GemmaNorms, Rotaries, Rotary, Rotation, Shape, Variant};

pub(super) struct Weights {
	layers: Vec<Layer>,
	norm: Tensor,
	/// `(vocabulary, width)`.
	output: Tensor,
}

/// One block's weights, matrices `(out, in)`.
struct Layer {
	attention_norm: Tensor,
	q: Tensor,
	k: Tensor,
	v: Tensor,
	/// The query, key and value biases (Qwen2).
	qkv_bias: Option<[Tensor; 3]>,
	o: Tensor,
	ffn_norm: Tensor,
	gate: Tensor,
	up: Tensor,
	down: Tensor,
	gemma: Option<GemmaNorms<Tensor>>,
}

/// One layer's keys and values, `(1, kv_heads, positions, head_dim)`.
pub(super) struct Kv {
	keys: Tensor,
	values: Tensor,
}

impl Kv {
	/// Keeps the first `len` positions.
	pub(super) fn truncate(&mut self, len: usize) -> Result<()> {
		self.keys = self.keys.narrow(2, 0, len)?;
		self.values = self.values.narrow(2, 0, len)?;
		Ok(())
	}
}

impl Weights {
	/// Reads every weight through `read`, which returns a tensor of the GGUF by name on the
	/// device.
	pub(super) fn load(
		output: &str,
		blocks: usize,
		variant: Variant,
		read: &mut dyn FnMut(&str) -> Result<QTensor>,
	) -> Result<Self> {
		let mut dequantized = |name: &str| -> Result<Tensor> {
			let tensor = read(name)?;
			Ok(tensor.dequantize(&tensor.device())?)
		};
		let mut layers = Vec::with_capacity(blocks);
		for i in 0..blocks {
			let qkv_bias = match variant.qkv_bias {
				true => {
					let mut bias = |part: &str| dequantized(&format!("blk.{i}.{part}.bias"));
					Some([bias("attn_q")?, bias("attn_k")?, bias("attn_v")?])
				}
				false => None,
			};
			let gemma = GemmaNorms::load(variant, i, |name| dequantized(name))?;
			let mut weight = |part: &str| dequantized(&format!("blk.{i}.{part}.weight"));
			layers.push(Layer {
				gemma,
				qkv_bias,
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
		Ok(Self { layers, norm: dequantized("output_norm.weight")?, output: dequantized(output)? })
	}

	pub(super) fn zero_layer(&mut self, index: usize) -> Result<()> {
		let count = self.layers.len();
		let layer = self
			.layers
			.get_mut(index)
			.ok_or_else(|| anyhow!("layer {index} is beyond the model's {count}"))?;
		layer.down = layer.down.zeros_like()?;
		Ok(())
	}

	pub(super) fn requantize(&mut self, format: candle_core::quantized::GgmlDType) -> Result<()> {
		let round = |weight: &mut Tensor| -> Result<()> {
			let quantized = QTensor::quantize(&weight.to_device(&Device::Cpu)?, format)?;
			*weight = quantized.dequantize(&Device::Cpu)?.to_device(weight.device())?;
			Ok(())
		};
		for layer in &mut self.layers {
			for weight in [
				&mut layer.q,
				&mut layer.k,
				&mut layer.v,
				&mut layer.o,
				&mut layer.gate,
				&mut layer.up,
				&mut layer.down,
			] {
				round(weight)?;
			}
		}
		round(&mut self.output)
	}

	/// The forward pass over `embedded` (`(len, width)`), the positions after the `offset` ones
	/// whose keys and values `kv` holds (extended by the new ones); returns the logits of the new
	/// positions from the `from`-th on, `(len - from, vocabulary)`.
	pub(super) fn forward(
		&self,
		shape: &Shape,
		embedded: Tensor,
		rotaries: &Rotaries,
		kv: &mut Vec<Kv>,
		offset: usize,
		from: usize,
	) -> Result<Tensor> {
		let device = embedded.device().clone();
		let (len, _) = embedded.dims2()?;
		let mut x = embedded.unsqueeze(0)?;
		let angles = |rotary: &Rotary| -> Result<(Tensor, Tensor)> {
			Ok((
				Tensor::from_slice(&rotary.cos, (len, rotary.half), &device)?,
				Tensor::from_slice(&rotary.sin, (len, rotary.half), &device)?,
			))
		};
		// The rotary angles and the mask of the layers over every position, and of the sliding
		// ones (Gemma's).
		let global = (angles(&rotaries.global)?, mask(offset, len, None, &device)?);
		let local = match (&rotaries.local, shape.gemma) {
			(Some(rotary), Some(gemma)) => {
				Some((angles(rotary)?, mask(offset, len, Some(gemma.window), &device)?))
			}
			_ => None,
		};
		if kv.is_empty() {
			let empty = Tensor::zeros((1, shape.kv_heads, 0, shape.head_dim), DType::F32, &device)?;
			kv.resize_with(self.layers.len(), || Kv { keys: empty.clone(), values: empty.clone() });
		}
		let norm = |x: &Tensor, weight: &Tensor| candle_nn::ops::rms_norm(x, weight, shape.rms_eps);
		for (index, (layer, kv)) in self.layers.iter().zip(kv.iter_mut()).enumerate() {
			let (angles, mask) = match (shape.window(index), &local) {
				(Some(_), Some(local)) => local,
				_ => &global,
			};
			let h = norm(&x, &layer.attention_norm)?;
			let attended = attend(shape, layer, &h, angles, mask.as_ref(), kv)?;
			let mut attention = project(&attended, &layer.o)?;
			if let Some(norms) = &layer.gemma {
				attention = norm(&attention, &norms.attention_output)?;
			}
			x = (x + attention)?;
			let h = norm(&x, &layer.ffn_norm)?;
			let (gate, up) = (project(&h, &layer.gate)?, project(&h, &layer.up)?);
			let gated = match layer.gemma {
				// candle's `gelu` is the tanh approximation.
				Some(_) => (gate.gelu()? * up)?,
				None => (candle_nn::ops::silu(&gate)? * up)?,
			};
			let mut ffn = project(&gated, &layer.down)?;
			if let Some(norms) = &layer.gemma {
				ffn = norm(&ffn, &norms.ffn_output)?;
			}
			x = (x + ffn)?;
		}
		let x =
			candle_nn::ops::rms_norm(&x.narrow(1, from, len - from)?, &self.norm, shape.rms_eps)?;
		Ok(project(&x, &self.output)?.squeeze(0)?.to_dtype(DType::F32)?)
	}
}

/// Grouped-query attention of `h`'s new positions over every cached key, the layer's keys and
/// values extended by them. Returns `(1, len, width)`.
fn attend(
	shape: &Shape,
	layer: &Layer,
	h: &Tensor,
	(cos, sin): &(Tensor, Tensor),
	mask: Option<&Tensor>,
	kv: &mut Kv,
) -> Result<Tensor> {
	let (batch, len, _) = h.dims3()?;
	let head_dim = shape.head_dim;
	let split = |t: Tensor, heads: usize| -> Result<Tensor> {
		Ok(t.reshape((batch, len, heads, head_dim))?.transpose(1, 2)?.contiguous()?)
	};
	let rotate = |t: &Tensor| match shape.rope.rotation {
		Rotation::Interleaved => candle_nn::rotary_emb::rope_i(t, cos, sin),
		Rotation::Halves => candle_nn::rotary_emb::rope(t, cos, sin),
	};
	let biased = |weight: &Tensor, i: usize| -> Result<Tensor> {
		let projected = project(h, weight)?;
		Ok(match &layer.qkv_bias {
			Some(biases) => projected.broadcast_add(&biases[i])?,
			None => projected,
		})
	};
	let (mut q, mut k) =
		(split(biased(&layer.q, 0)?, shape.heads)?, split(biased(&layer.k, 1)?, shape.kv_heads)?);
	if let Some(norms) = &layer.gemma {
		q = candle_nn::ops::rms_norm(&q, &norms.query, shape.rms_eps)?;
		k = candle_nn::ops::rms_norm(&k, &norms.key, shape.rms_eps)?;
	}
	let (mut q, k) = (rotate(&q)?, rotate(&k)?);
	if let Some(factor) = shape.gemma.and_then(|gemma| gemma.query_scale) {
		q = q.affine(f64::from(factor), 0.0)?;
	}
	let v = split(biased(&layer.v, 2)?, shape.kv_heads)?;
	kv.keys = Tensor::cat(&[&kv.keys, &k], 2)?;
	kv.values = Tensor::cat(&[&kv.values, &v], 2)?;
	let positions = kv.keys.dim(2)?;
	// Query head `h` reads KV head `h / group`.
	let group = shape.heads / shape.kv_heads;
	let share = |t: &Tensor| -> Result<Tensor> {
		Ok(t.unsqueeze(2)?
			.broadcast_as((batch, shape.kv_heads, group, positions, head_dim))?
			.reshape((batch, shape.heads, positions, head_dim))?)
	};
	let (k, v) = (share(&kv.keys)?, share(&kv.values)?);
	let mut scores = (q.matmul(&k.t()?)? / (head_dim as f64).sqrt())?;
	if let Some(mask) = mask {
		scores = scores.broadcast_add(mask)?;
	}
	let weights = candle_nn::ops::softmax_last_dim(&scores)?;
	Ok(weights.matmul(&v)?.transpose(1, 2)?.reshape((batch, len, shape.heads * head_dim))?)
}

/// `x (1, len, in)` times the transpose of `weight (out, in)`.
fn project(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
	Ok(x.broadcast_matmul(&weight.t()?)?)
}

/// Additive mask for `len` new positions after `offset` cached ones, `(len, offset + len)`: 0
/// where a position may attend, minus infinity for the positions after it and, with a sliding
/// `window`, for those more than `window - 1` before it. `None` where nothing is masked.
fn mask(
	offset: usize,
	len: usize,
	window: Option<usize>,
	device: &Device,
) -> Result<Option<Tensor>> {
	let keys = offset + len;
	let hidden = |row: usize, key: usize| {
		let position = offset + row;
		key > position || window.is_some_and(|window| key + window <= position)
	};
	if !(0..len).any(|row| (0..keys).any(|key| hidden(row, key))) {
		return Ok(None);
	}
	let mask: Vec<f32> = (0..len)
		.flat_map(|row| {
			(0..keys).map(move |key| if hidden(row, key) { f32::NEG_INFINITY } else { 0.0 })
		})
		.collect();
	Ok(Some(Tensor::from_vec(mask, (len, keys), device)?))
}
