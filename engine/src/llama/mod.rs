//! The engine's forward pass for the llama family: KV-cached for generation, and teacher-forced
//! over a whole sequence, with logits at every position, for verification.
//!
//! The network: token embedding; per layer, RMS norm, grouped-query attention with rotary
//! embeddings and a causal mask, residual, RMS norm, SwiGLU feed-forward, residual; final RMS
//! norm; output projection (the embedding matrix when the file has no `output.weight`, as with
//! tied embeddings). Llama rotates interleaved pairs of dimensions (llama.cpp's GGUF conversion
//! permutes Q and K for that layout); Qwen2 is the same network with biases on the query, key and
//! value projections and rotations of the two halves of each head; Gemma 3 rotates halves too
//! and adds the steps [`Gemma`] lists ([`Variant`]).
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
//! On other devices (the `cuda` feature) the matrices are dequantized to f32 at load and the
//! network runs on candle's operations.
//!
//! `host.rs` is the CPU's forward pass, on rows of f32 and `faithful-kernels`; `device.rs` is
//! candle's, for accelerators (and tested on the CPU against the first).

use anyhow::{bail, ensure, Result};
use candle_core::{quantized::gguf_file::Content, Device, Tensor};

use super::metadata;

mod device;
mod host;

/// How a member of the llama family differs from llama itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
	/// The prefix of its GGUF metadata keys, its `general.architecture`.
	pub prefix: &'static str,
	/// Whether the query, key and value projections have biases.
	pub qkv_bias: bool,
	pub rotation: Rotation,
	/// Whether the network has Gemma 3's additions ([`Gemma`]).
	pub gemma: bool,
}

impl Variant {
	pub const LLAMA: Variant =
		Variant { prefix: "llama", qkv_bias: false, rotation: Rotation::Interleaved, gemma: false };
	pub const QWEN2: Variant =
		Variant { prefix: "qwen2", qkv_bias: true, rotation: Rotation::Halves, gemma: false };
	pub const GEMMA3: Variant =
		Variant { prefix: "gemma3", qkv_bias: false, rotation: Rotation::Halves, gemma: true };
}

/// Gemma 3's every sixth layer attends over every position; the five before it over a sliding
/// window (llama.cpp's rule: its GGUF files do not record the pattern).
const GEMMA3_GLOBAL_EVERY: usize = 6;

/// Gemma 3's local layers' rotary base (llama.cpp's, also not in the files).
const GEMMA3_LOCAL_ROPE_BASE: f64 = 10_000.0;

/// Gemma 3 27B's layer count: llama.cpp recognises it by that to scale its queries by
/// `1 / sqrt(width / heads)` rather than `1 / sqrt(head_dim)`, as its training did.
const GEMMA3_27B_BLOCKS: usize = 62;

/// The weights of Gemma 3's extra RMS norms in a layer, as each backend holds them.
struct GemmaNorms<T> {
	/// Of each query head, `head_dim` values.
	query: T,
	/// Of each key head.
	key: T,
	/// Of the attention's output, before its residual add.
	attention_output: T,
	/// Of the feed-forward's output, before its residual add.
	ffn_output: T,
}

impl<T> GemmaNorms<T> {
	/// Layer `layer`'s norms read through `read` (a GGUF tensor by name), if `variant` has them.
	fn load(
		variant: Variant,
		layer: usize,
		mut read: impl FnMut(&str) -> Result<T>,
	) -> Result<Option<Self>> {
		if !variant.gemma {
			return Ok(None);
		}
		let mut norm = |part: &str| read(&format!("blk.{layer}.{part}.weight"));
		Ok(Some(Self {
			query: norm("attn_q_norm")?,
			key: norm("attn_k_norm")?,
			attention_output: norm("post_attention_norm")?,
			ffn_output: norm("post_ffw_norm")?,
		}))
	}
}

/// Which dimensions of a head a rotary embedding turns together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
	/// `(2i, 2i + 1)`.
	Interleaved,
	/// `(i, i + head_dim / 2)`, GPT-NeoX's layout.
	Halves,
}

pub struct Llama {
	/// Quantized: a lookup dequantizes only the rows it needs.
	embedding: candle_core::quantized::QTensor,
	weights: Weights,
	shape: Shape,
	device: Device,
}

enum Weights {
	Host(host::Weights),
	Device(device::Weights),
}

/// The hyperparameters the forward passes need.
#[derive(Clone, Copy, Debug)]
struct Shape {
	/// Layers.
	blocks: usize,
	width: usize,
	heads: usize,
	kv_heads: usize,
	head_dim: usize,
	/// The rotary embedding of the layers that attend over every position.
	rope: Rope,
	rms_eps: f32,
	gemma: Option<Gemma>,
}

impl Shape {
	/// Values per position of keys (and of values).
	fn kv_width(&self) -> usize {
		self.kv_heads * self.head_dim
	}

	/// The hyperparameters of a `variant` network from its GGUF metadata, checked.
	fn from_metadata(md: &metadata::Metadata, variant: Variant) -> Result<Self> {
		let key = |name: &str| format!("{}.{name}", variant.prefix);
		let optional = |name: &str| md.contains_key(&key(name)).then(|| key(name));
		let heads = metadata::usize(md, &key("attention.head_count"))?;
		let kv_heads = metadata::usize(md, &key("attention.head_count_kv"))?;
		let width = metadata::usize(md, &key("embedding_length"))?;
		let blocks = metadata::usize(md, &key("block_count"))?;
		ensure!(heads > 0 && width > 0, "embedding width {width} and {heads} heads");
		ensure!(kv_heads > 0 && heads % kv_heads == 0, "{heads} heads, {kv_heads} KV heads");
		// Gemma's heads are not `width / heads` wide; the file then says how wide.
		let head_dim = match optional("attention.key_length") {
			Some(key_length) => metadata::usize(md, &key_length)?,
			None => {
				ensure!(width % heads == 0, "embedding width {width} and {heads} heads");
				width / heads
			}
		};
		if let Some(value_length) = optional("attention.value_length") {
			let value_length = metadata::usize(md, &value_length)?;
			ensure!(value_length == head_dim, "values {value_length} wide, keys {head_dim}");
		}
		ensure!(head_dim % 8 == 0, "heads of {head_dim} dimensions, not a multiple of 8");
		if let Some(rope_dim) = optional("rope.dimension_count") {
			let rope_dim = metadata::usize(md, &rope_dim)?;
			ensure!(rope_dim == head_dim, "partial rotary embeddings ({rope_dim} of {head_dim})");
		}
		let rope_base = match optional("rope.freq_base") {
			Some(base) => f64::from(metadata::f32(md, &base)?),
			None => 10_000.0,
		};
		let rope_scale = match optional("rope.scaling.type") {
			None => 1.0,
			Some(kind) => match metadata::string(md, &kind)? {
				"none" => 1.0,
				"linear" => f64::from(metadata::f32(md, &key("rope.scaling.factor"))?),
				other => bail!("unsupported rotary scaling {other:?} (supported: linear)"),
			},
		};
		ensure!(rope_scale > 0.0, "rotary scaling factor {rope_scale}");
		let rope = Rope { base: rope_base, scale: rope_scale, rotation: variant.rotation };
		let gemma = match variant.gemma {
			false => None,
			true => {
				let window = metadata::usize(md, &key("attention.sliding_window"))?;
				ensure!(window > 0, "a sliding window of no positions");
				let query_scalar = match blocks == GEMMA3_27B_BLOCKS {
					true => width / heads,
					false => head_dim,
				};
				Some(Gemma {
					window,
					local_rope: Rope { base: GEMMA3_LOCAL_ROPE_BASE, scale: 1.0, ..rope },
					query_scale: (query_scalar != head_dim)
						.then(|| (head_dim as f32 / query_scalar as f32).sqrt()),
				})
			}
		};
		let rms_eps = metadata::f32(md, &key("attention.layer_norm_rms_epsilon"))?;
		Ok(Shape { blocks, width, heads, kv_heads, head_dim, rope, rms_eps, gemma })
	}

	/// How many positions layer `index`'s queries see, their own included, if it slides.
	fn window(&self, index: usize) -> Option<usize> {
		let gemma = self.gemma?;
		(!(index + 1).is_multiple_of(GEMMA3_GLOBAL_EVERY)).then_some(gemma.window)
	}
}

/// A rotary embedding: the pair of dimensions `i` of a head at position `p` turns by `p / scale ·
/// base^(-2i / head_dim)`.
#[derive(Clone, Copy, Debug)]
struct Rope {
	base: f64,
	/// Linear position scaling (Gemma 3 4B and up divide global layers' positions by 8); 1 for
	/// none.
	scale: f64,
	rotation: Rotation,
}

/// What Gemma 3 adds to the llama network: embeddings multiplied by `sqrt(width)`; an RMS norm
/// of each query and key head before rotation; an RMS norm of the attention's and of the
/// feed-forward's output before each residual add; GELU (tanh approximation) in place of SiLU in
/// the gated feed-forward; and five layers in six attending over a sliding window of positions,
/// with their own rotary embedding.
#[derive(Clone, Copy, Debug)]
struct Gemma {
	window: usize,
	local_rope: Rope,
	/// What queries are multiplied by before attention, when the model's query scale differs
	/// from `1 / sqrt(head_dim)`.
	query_scale: Option<f32>,
}

/// The keys and values of the positions run so far, per layer, so decoding feeds only the new
/// token.
#[derive(Default)]
pub struct Cache {
	layers: Layers,
	len: usize,
}

/// Each layer's keys and values, held the way the network's backend computes.
#[derive(Default)]
enum Layers {
	#[default]
	Empty,
	Host(Vec<host::Kv>),
	Device(Vec<device::Kv>),
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
		variant: Variant,
	) -> Result<Self> {
		Self::load_with(content, reader, device, variant, device.is_cpu())
	}

	/// `host_kernels` false runs candle's operations even on the CPU, so tests cover the path
	/// accelerators take.
	fn load_with<R: std::io::Read + std::io::Seek>(
		content: &Content,
		reader: &mut R,
		device: &Device,
		variant: Variant,
		host_kernels: bool,
	) -> Result<Self> {
		let shape = Shape::from_metadata(&content.metadata, variant)?;
		let blocks = shape.blocks;
		let embedding = content.tensor(reader, "token_embd.weight", device)?;
		let output = match content.tensor_infos.contains_key("output.weight") {
			true => "output.weight",
			false => "token_embd.weight",
		};
		let weights = match host_kernels {
			true => Weights::Host(host::Weights::load(output, blocks, variant, &mut |name| {
				Ok(content.tensor(reader, name, &Device::Cpu)?)
			})?),
			false => {
				Weights::Device(device::Weights::load(output, blocks, variant, &mut |name| {
					Ok(content.tensor(reader, name, device)?)
				})?)
			}
		};
		Ok(Self { embedding, weights, shape, device: device.clone() })
	}

	/// Replaces layer `index`'s feed-forward down projection with zeros.
	pub fn zero_layer(&mut self, index: usize) -> Result<()> {
		match &mut self.weights {
			Weights::Host(weights) => weights.zero_layer(index),
			Weights::Device(weights) => weights.zero_layer(index),
		}
	}

	/// Rounds every weight matrix to `format` and back.
	pub fn requantize(&mut self, format: candle_core::quantized::GgmlDType) -> Result<()> {
		match &mut self.weights {
			Weights::Host(weights) => weights.requantize(format),
			Weights::Device(weights) => weights.requantize(format),
		}
	}

	/// Runs `tokens` at the positions after those in `cache`, adding them to it, and returns the
	/// logits of the new positions from the `from`-th on: shape `(tokens.len() - from,
	/// vocabulary)`, f32. Row `r` is what position `from + r` predicts for the one after it. A
	/// failed pass leaves the cache as it was.
	pub fn forward(&self, tokens: &[u32], cache: &mut Cache, from: usize) -> Result<Tensor> {
		let len = tokens.len();
		ensure!(from < len, "no positions to return ({len} tokens, from {from})");
		let mut embedded = self.embedding.embedding(&Tensor::new(tokens, &self.device)?)?;
		if self.shape.gemma.is_some() {
			embedded = embedded.affine(f64::from((self.shape.width as f32).sqrt()), 0.0)?;
		}
		let rotary = Rotaries::new(&self.shape, cache.len, len);
		let result = match (&self.weights, &mut cache.layers) {
			(Weights::Host(weights), layers) => {
				if let Layers::Empty = layers {
					*layers = Layers::Host(Vec::new());
				}
				let Layers::Host(kv) = layers else {
					bail!("a cache of candle's keys for the CPU's network")
				};
				let rows = embedded.flatten_all()?.to_vec1::<f32>()?;
				weights.forward(&self.shape, rows, &rotary, kv, from).and_then(|logits| {
					let vocabulary = logits.len() / (len - from);
					Ok(Tensor::from_vec(logits, (len - from, vocabulary), &Device::Cpu)?)
				})
			}
			(Weights::Device(weights), layers) => {
				if let Layers::Empty = layers {
					*layers = Layers::Device(Vec::new());
				}
				let Layers::Device(kv) = layers else {
					bail!("a cache of the CPU's keys for candle's network")
				};
				weights.forward(&self.shape, embedded, &rotary, kv, cache.len, from)
			}
		};
		match result {
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
		match &mut cache.layers {
			Layers::Empty => {}
			Layers::Host(kv) if len == 0 => kv.clear(),
			Layers::Device(kv) if len == 0 => kv.clear(),
			Layers::Host(kv) => {
				kv.iter_mut().for_each(|kv| kv.truncate(len, self.shape.kv_width()))
			}
			Layers::Device(kv) => {
				for kv in kv {
					kv.truncate(len)?;
				}
			}
		}
		Ok(())
	}
}

/// The rotary angles of the positions being run for each kind of layer.
struct Rotaries {
	global: Rotary,
	/// For the layers with a sliding window (Gemma's).
	local: Option<Rotary>,
}

impl Rotaries {
	fn new(shape: &Shape, offset: usize, len: usize) -> Self {
		let rotary = |rope: &Rope| Rotary::new(rope, shape.head_dim, offset, len);
		Self {
			global: rotary(&shape.rope),
			local: shape.gemma.map(|gemma| rotary(&gemma.local_rope)),
		}
	}

	/// Layer `index`'s rotary angles and window.
	fn layer(&self, shape: &Shape, index: usize) -> (&Rotary, Option<usize>) {
		match (shape.window(index), &self.local) {
			(Some(window), Some(local)) => (local, Some(window)),
			_ => (&self.global, None),
		}
	}
}

/// The rotary angles `position / scale * base^(-2i / head_dim)` of the positions being run,
/// computed in f64: cosines and sines, `head_dim / 2` per position.
struct Rotary {
	cos: Vec<f32>,
	sin: Vec<f32>,
	half: usize,
	rotation: Rotation,
}

impl Rotary {
	fn new(rope: &Rope, head_dim: usize, offset: usize, len: usize) -> Self {
		let half = head_dim / 2;
		let mut cos = Vec::with_capacity(len * half);
		let mut sin = Vec::with_capacity(len * half);
		for position in offset..offset + len {
			for i in 0..half {
				let frequency = rope.base.powf(-2.0 * i as f64 / head_dim as f64);
				let angle = position as f64 / rope.scale * frequency;
				cos.push(angle.cos() as f32);
				sin.push(angle.sin() as f32);
			}
		}
		Self { cos, sin, half, rotation: rope.rotation }
	}

	/// Rotates each head's pairs of dimensions in `rows` (one per position, heads of `head_dim`)
	/// by its position's angles: `(x[2i], x[2i + 1])` as candle's `rope_i` does, or `(x[i], x[i +
	/// head_dim / 2])` as its `rope` does.
	fn rotate(&self, rows: &mut [f32]) {
		let half = self.half;
		let positions = self.cos.len() / half;
		let width = rows.len() / positions;
		for (p, row) in rows.chunks_exact_mut(width).enumerate() {
			let (cos, sin) =
				(&self.cos[p * half..(p + 1) * half], &self.sin[p * half..(p + 1) * half]);
			for head in row.chunks_exact_mut(2 * half) {
				for i in 0..half {
					let (a, b) = match self.rotation {
						Rotation::Interleaved => (2 * i, 2 * i + 1),
						Rotation::Halves => (i, i + half),
					};
					let (x0, x1) = (head[a], head[b]);
					head[a] = x0 * cos[i] - x1 * sin[i];
					head[b] = x0 * sin[i] + x1 * cos[i];
				}
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use std::fs::File;

	use candle_core::quantized::gguf_file;

	use super::*;
	use crate::test_model;

	fn load(variant: Variant, host_kernels: bool) -> Llama {
		let file = test_model::write_architecture(true, variant.prefix);
		let mut reader = File::open(file.path()).unwrap();
		let content = Content::read(&mut reader).unwrap();
		Llama::load_with(&content, &mut reader, &Device::Cpu, variant, host_kernels).unwrap()
	}

	fn largest_difference(a: &Tensor, b: &Tensor) -> f32 {
		(a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
	}

	/// The kernels' path (the CPU's) and candle's (an accelerator's, run here on the CPU) are
	/// two implementations of one network; they may differ only by summation order.
	#[test]
	fn the_kernels_and_candles_operations_compute_the_same_network() {
		for variant in [Variant::LLAMA, Variant::QWEN2, Variant::GEMMA3] {
			kernels_and_candle_agree(variant);
		}
	}

	fn kernels_and_candle_agree(variant: Variant) {
		let (kernels, candle) = (load(variant, true), load(variant, false));
		let tokens: Vec<u32> = (3..40).collect();
		let whole = |llama: &Llama| llama.forward(&tokens, &mut Cache::default(), 0).unwrap();
		let difference = largest_difference(&whole(&kernels), &whole(&candle));
		assert!(difference < 1e-4, "{variant:?}, whole sequence: {difference}");
		let decoded = |llama: &Llama| {
			let mut cache = Cache::default();
			llama.forward(&tokens[..5], &mut cache, 4).unwrap();
			for &token in &tokens[5..tokens.len() - 1] {
				llama.forward(&[token], &mut cache, 0).unwrap();
			}
			llama.forward(&tokens[tokens.len() - 1..], &mut cache, 0).unwrap()
		};
		let difference = largest_difference(&decoded(&kernels), &decoded(&candle));
		assert!(difference < 1e-4, "{variant:?}, decoded: {difference}");
	}

	fn gemma_metadata(changes: &[(&str, gguf_file::Value)]) -> metadata::Metadata {
		let mut md = test_model::metadata_of("gemma3");
		for (name, value) in changes {
			md.insert(format!("gemma3.{name}"), value.clone());
		}
		md
	}

	#[test]
	fn the_shape_follows_the_files_rules() {
		use gguf_file::Value;
		let shape = Shape::from_metadata(&gemma_metadata(&[]), Variant::GEMMA3).unwrap();
		assert_eq!((shape.head_dim, shape.width / shape.heads), (32, 16), "key_length wins");
		let windows: Vec<_> = (0..7).map(|layer| shape.window(layer)).collect();
		let local = Some(test_model::GEMMA_WINDOW);
		assert_eq!(windows, [local, local, local, local, local, None, local]);
		let gemma = shape.gemma.unwrap();
		assert_eq!((gemma.local_rope.base, shape.rope.base), (10_000.0, 1_000_000.0));
		assert_eq!(gemma.query_scale, None);
		let llama = Shape::from_metadata(&test_model::metadata(), Variant::LLAMA).unwrap();
		assert!(llama.gemma.is_none() && llama.window(5).is_none());

		// Gemma 3 4B and up: linear scaling of the global layers' positions only.
		let scaled = gemma_metadata(&[
			("rope.scaling.type", Value::String("linear".into())),
			("rope.scaling.factor", Value::F32(8.0)),
		]);
		let shape = Shape::from_metadata(&scaled, Variant::GEMMA3).unwrap();
		assert_eq!((shape.rope.scale, shape.gemma.unwrap().local_rope.scale), (8.0, 1.0));
		// 27B: 62 layers, queries scaled by 1 / sqrt(width / heads), here 1 / sqrt(16).
		let big = gemma_metadata(&[("block_count", Value::U32(62))]);
		let shape = Shape::from_metadata(&big, Variant::GEMMA3).unwrap();
		assert_eq!(shape.gemma.unwrap().query_scale, Some((32f32 / 16.0).sqrt()));

		let width_20 =
			[("attention.key_length", Value::U32(20)), ("attention.value_length", Value::U32(20))];
		for (changes, error) in [
			(
				&[("rope.scaling.type", Value::String("yarn".into()))][..],
				"unsupported rotary scaling",
			),
			(&[("attention.value_length", Value::U32(16))], "values 16 wide"),
			(&[("attention.sliding_window", Value::U32(0))], "no positions"),
			(&width_20, "not a multiple of 8"),
			(&[("attention.head_count_kv", Value::U32(3))], "KV heads"),
		] {
			let message = Shape::from_metadata(&gemma_metadata(changes), Variant::GEMMA3)
				.err()
				.map(|e| e.to_string());
			assert!(message.as_ref().is_some_and(|m| m.contains(error)), "{message:?}");
		}
	}

	#[test]
	fn linear_scaling_turns_position_p_as_far_as_position_p_over_the_factor() {
		let rope = Rope { base: 10_000.0, scale: 1.0, rotation: Rotation::Halves };
		let scaled = Rotary::new(&Rope { scale: 4.0, ..rope }, 16, 0, 40);
		let plain = Rotary::new(&rope, 16, 0, 10);
		for position in 0..10 {
			let (at, scaled_at) =
				(position * 8..(position + 1) * 8, position * 32..position * 32 + 8);
			assert_eq!(plain.cos[at.clone()], scaled.cos[scaled_at.clone()]);
			assert_eq!(plain.sin[at], scaled.sin[scaled_at]);
		}
	}

	#[test]
	fn a_failed_pass_leaves_the_cache_as_it_was() {
		for host_kernels in [true, false] {
			let llama = load(Variant::LLAMA, host_kernels);
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
