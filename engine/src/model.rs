//! A loaded model: its tokenizer, its chat template and its network, with the KV cache that
//! generation fills.

use std::{fs::File, path::Path};

use anyhow::{bail, ensure, Context, Result};
use candle_core::{quantized::gguf_file::Content, Device, Tensor};

use super::{
	chat::Chat,
	llama::{Cache, Llama, Variant},
	metadata::{self, Metadata},
	tokenizer::Tokenizer,
};

/// The model families the engine runs; `general.architecture` in the GGUF picks one. All three
/// are variants of the llama network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
	Llama,
	Qwen2,
	Gemma3,
}

impl Architecture {
	fn from_gguf(metadata: &Metadata) -> Result<Self> {
		match metadata::string(metadata, "general.architecture")? {
			"llama" => Ok(Self::Llama),
			"qwen2" => Ok(Self::Qwen2),
			"gemma3" => Ok(Self::Gemma3),
			other => bail!("unsupported architecture {other:?} (supported: llama, qwen2, gemma3)"),
		}
	}

	fn variant(self) -> Variant {
		match self {
			Self::Llama => Variant::LLAMA,
			Self::Qwen2 => Variant::QWEN2,
			Self::Gemma3 => Variant::GEMMA3,
		}
	}
}

enum Network {
	Llama(Llama),
}

pub struct Model {
	architecture: Architecture,
	tokenizer: Tokenizer,
	chat: Chat,
	network: Network,
	/// The sequence being generated.
	cache: Cache,
	max_sequence_len: usize,
}

impl Model {
	/// Loads a GGUF file onto `device`.
	#[tracing::instrument(level = "debug", skip_all, fields(path = %path.display()))]
	pub fn load(path: &Path, device: &Device) -> Result<Self> {
		let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
		let content = Content::read(&mut file)
			.with_context(|| format!("reading {} as GGUF", path.display()))?;
		let md = &content.metadata;
		let architecture = Architecture::from_gguf(md)?;
		let tokenizer = Tokenizer::from_gguf(md)?;
		let chat = Chat::from_tokenizer(&tokenizer)?;
		let rows = content
			.tensor_infos
			.get("token_embd.weight")
			.context("the GGUF has no token_embd.weight")?
			.shape
			.dims()[0];
		ensure!(
			rows == tokenizer.len(),
			"the vocabulary has {} tokens but the embedding {rows} rows",
			tokenizer.len()
		);
		let variant = architecture.variant();
		let network = Network::Llama(Llama::load(&content, &mut file, device, variant)?);
		let max_sequence_len = metadata::usize(md, &format!("{}.context_length", variant.prefix))?;
		Ok(Self {
			architecture,
			tokenizer,
			chat,
			network,
			cache: Cache::default(),
			max_sequence_len,
		})
	}

	pub fn architecture(&self) -> Architecture {
		self.architecture
	}

	pub fn tokenizer(&self) -> &Tokenizer {
		&self.tokenizer
	}

	pub fn chat(&self) -> &Chat {
		&self.chat
	}

	/// The prompt tokens for one user message in the model's chat template.
	pub fn chat_prompt(&self, user: &str) -> Result<Vec<u32>> {
		self.chat.prompt(&self.tokenizer, user)
	}

	/// The text users read for `tokens`: the decoded output without its end-of-reply token.
	/// Providers post it and verifiers recompute it, so both use this one definition.
	pub fn answer_text(&self, tokens: &[u32]) -> Result<String> {
		let body = match tokens.split_last() {
			Some((&last, body)) if last == self.chat.end() => body,
			_ => tokens,
		};
		self.tokenizer.decode(body)
	}

	/// Zeroes layer `layer`'s feed-forward output: the same model with degraded weights, whose
	/// answers verification must reject. For testing the protocol, never for serving.
	pub fn zero_layer(&mut self, layer: usize) -> Result<()> {
		match &mut self.network {
			Network::Llama(llama) => llama.zero_layer(layer),
		}
	}

	/// Rounds every weight matrix to `format` and back: the same model served at another
	/// quantization than the one registered, whose answers verification must reject where they
	/// differ. For testing the protocol, never for serving.
	pub fn requantize(&mut self, format: candle_core::quantized::GgmlDType) -> Result<()> {
		match &mut self.network {
			Network::Llama(llama) => llama.requantize(format),
		}
	}

	/// The most tokens, prompt and answer together, the model attends over.
	pub fn max_sequence_len(&self) -> usize {
		self.max_sequence_len
	}

	/// Feeds `tokens` at sequence position `position` (what generation runs, KV-cached) and
	/// returns the logits after the last of them. Position 0 starts a new sequence; any other must
	/// follow on from the previous call.
	pub fn next_logits(&mut self, tokens: &[u32], position: usize) -> Result<Vec<f32>> {
		if position == 0 {
			self.cache = Cache::default();
		}
		ensure!(
			position == self.cache.len(),
			"position {position} does not follow the {} positions run so far",
			self.cache.len()
		);
		ensure!(!tokens.is_empty(), "no tokens to feed");
		let logits = match &self.network {
			Network::Llama(llama) => llama.forward(tokens, &mut self.cache, tokens.len() - 1)?,
		};
		Ok(logits.squeeze(0)?.to_vec1()?)
	}

	/// The teacher-forced pass over `tokens` in chunks of at most `chunk` positions through a KV
	/// cache, so memory holds one chunk's logits at a time: calls `each` with the first position
	/// of a block and the logits of positions `from..` in it, `(rows, vocabulary)` on the CPU, in
	/// order, until `each` returns false. On the CPU the logits are the same bits as
	/// [`Model::teacher_logits`] gives, the forward pass being batch-invariant.
	pub fn teacher_logits_chunked(
		&self,
		tokens: &[u32],
		from: usize,
		chunk: usize,
		mut each: impl FnMut(usize, Tensor) -> Result<bool>,
	) -> Result<()> {
		ensure!(chunk > 0, "chunks of no positions");
		ensure!(
			from < tokens.len(),
			"no positions to return ({} tokens, from {from})",
			tokens.len()
		);
		let Network::Llama(llama) = &self.network;
		let mut cache = Cache::default();
		for (index, block) in tokens.chunks(chunk).enumerate() {
			let start = index * chunk;
			let end = start + block.len();
			if end <= from {
				// Only the keys and values are needed; one row of logits is the least a pass returns.
				llama.forward(block, &mut cache, block.len() - 1)?;
				continue;
			}
			let first = from.max(start);
			let logits = llama.forward(block, &mut cache, first - start)?;
			if !each(first, logits.to_device(&Device::Cpu)?)? {
				break;
			}
		}
		Ok(())
	}

	/// One teacher-forced pass over `tokens` (what verification runs): the logits of positions
	/// `from..`, shape `(tokens.len() - from, vocabulary)`, on the CPU.
	pub fn teacher_logits(&self, tokens: &[u32], from: usize) -> Result<Tensor> {
		let logits = match &self.network {
			Network::Llama(llama) => llama.forward(tokens, &mut Cache::default(), from)?,
		};
		Ok(logits.to_device(&Device::Cpu)?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_model;

	#[test]
	fn decoding_token_by_token_gives_the_teacher_forced_pass_bits() {
		decoding_gives_the_teacher_forced_bits(test_model::load());
		let gemma = test_model::write_architecture(true, "gemma3");
		// Longer than the sliding window, so decoding drops positions out of it.
		decoding_gives_the_teacher_forced_bits(Model::load(gemma.path(), &Device::Cpu).unwrap());
	}

	fn decoding_gives_the_teacher_forced_bits(mut model: Model) {
		let tokens = model.tokenizer().encode("the cat sat in the hat, 42 times").unwrap();
		let all = model.teacher_logits(&tokens, 0).unwrap();
		let mut worst = 0f32;
		let prefill = model.next_logits(&tokens[..4], 0).unwrap();
		let mut steps = vec![(3, prefill)];
		for (position, &token) in tokens.iter().enumerate().skip(4) {
			steps.push((position, model.next_logits(&[token], position).unwrap()));
		}
		for (position, step) in steps {
			let row = all.get(position).unwrap().to_vec1::<f32>().unwrap();
			assert_eq!(step.len(), row.len());
			for (a, b) in step.iter().zip(&row) {
				worst = worst.max((a - b).abs());
			}
		}
		// On the CPU every operation is computed position by position in a fixed order.
		assert_eq!(worst, 0.0, "largest logit difference");
		assert!(model.next_logits(&[1], 3).is_err(), "positions must follow on");
		// Returning rows from a later position gives the same rows.
		let tail = model.teacher_logits(&tokens, 5).unwrap();
		let diff = (tail - all.narrow(0, 5, tokens.len() - 5).unwrap()).unwrap();
		let max = diff.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
		assert_eq!(max, 0.0);
	}

	fn largest_difference(a: &Tensor, b: &Tensor) -> f32 {
		(a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
	}

	/// The largest difference between `model`'s logits and `reference`'s (the last position's
	/// logits for a prefix of the tokens, from position 0) over prefixes of a chat prompt.
	fn largest_difference_from(
		model: &Model,
		mut reference: impl FnMut(&Tensor) -> Vec<f32>,
	) -> f32 {
		let tokens = model.chat_prompt("the cat sat in the hat, 1999 times").unwrap();
		let ours = model.teacher_logits(&tokens, 0).unwrap();
		let mut worst = 0f32;
		for len in [1, 7, tokens.len()] {
			let input = Tensor::new(&tokens[..len], &Device::Cpu).unwrap().unsqueeze(0).unwrap();
			let row = ours.get(len - 1).unwrap().to_vec1::<f32>().unwrap();
			for (a, b) in reference(&input).iter().zip(&row) {
				worst = worst.max((a - b).abs());
			}
		}
		worst
	}

	#[test]
	fn the_chunked_teacher_pass_gives_the_whole_passs_bits_and_stops_when_asked() {
		let model = test_model::load();
		let tokens = model.tokenizer().encode("the cat sat in the hat, 42 times over").unwrap();
		let whole = model.teacher_logits(&tokens, 5).unwrap();
		for chunk in [1, 3, 7, tokens.len()] {
			let mut rows = Vec::new();
			model
				.teacher_logits_chunked(&tokens, 5, chunk, |first, logits| {
					assert_eq!(first, 5 + rows.len(), "blocks come in order from `from`");
					for row in 0..logits.dim(0)? {
						rows.push(logits.get(row)?.to_vec1::<f32>()?);
					}
					Ok(true)
				})
				.unwrap();
			assert_eq!(rows.len(), tokens.len() - 5);
			for (position, row) in rows.iter().enumerate() {
				assert_eq!(
					row,
					&whole.get(position).unwrap().to_vec1::<f32>().unwrap(),
					"chunk {chunk}"
				);
			}
		}
		let mut calls = 0;
		model
			.teacher_logits_chunked(&tokens, 0, 2, |_, _| {
				calls += 1;
				Ok(calls < 2)
			})
			.unwrap();
		assert_eq!(calls, 2, "no block after `each` says stop");
		assert!(model.teacher_logits_chunked(&tokens, 0, 0, |_, _| Ok(true)).is_err());
	}

	/// candle's `quantized_llama` is an independent implementation of the same network. It rounds
	/// activations to 8 bits before a quantized matmul, so the comparison runs on an f32 copy of
	/// the tiny model, where both compute in f32 and must agree to the last bits' noise.
	#[test]
	fn the_forward_pass_agrees_with_candles_quantized_llama() {
		use candle_transformers::models::quantized_llama::ModelWeights;
		let file = test_model::write(false);
		let model = Model::load(file.path(), &Device::Cpu).unwrap();
		let mut reader = File::open(file.path()).unwrap();
		let content = Content::read(&mut reader).unwrap();
		let mut reference = ModelWeights::from_gguf(content, &mut reader, &Device::Cpu).unwrap();
		let worst = largest_difference_from(&model, |input| {
			reference.forward(input, 0).unwrap().squeeze(0).unwrap().to_vec1().unwrap()
		});
		assert!(worst < 1e-4, "largest logit difference {worst}");
	}

	/// candle's `gemma3` (the Hugging Face layout, in f32) is an independent implementation of
	/// Gemma 3, compared the same way on the tiny Gemma's f32 weights under their Hugging Face
	/// names. Two conventions differ: Hugging Face's norms multiply by `1 + weight` where the
	/// GGUF stores the sum; and candle's model runs here one token at a time (its cache refuses
	/// longer inputs of this shape), where its window of `w` positions is Hugging Face's and
	/// llama.cpp's (ours). The prompt is several windows long.
	#[test]
	fn the_gemma3_forward_pass_agrees_with_candles_gemma3() {
		use candle_transformers::models::gemma3::{Config, Model as Reference};
		let file = test_model::write_architecture(false, "gemma3");
		let model = Model::load(file.path(), &Device::Cpu).unwrap();
		assert_eq!(model.architecture(), Architecture::Gemma3);
		let mut reader = File::open(file.path()).unwrap();
		let content = Content::read(&mut reader).unwrap();
		let mut tensors = std::collections::HashMap::new();
		for (name, _) in content.tensor_infos.iter() {
			let tensor = content.tensor(&mut reader, name, &Device::Cpu).unwrap();
			let mut tensor = tensor.dequantize(&Device::Cpu).unwrap();
			let hf = match name.strip_prefix("blk.") {
				None if name == "token_embd.weight" => "model.embed_tokens.weight".to_string(),
				None => {
					tensor = (tensor - 1.0).unwrap();
					"model.norm.weight".to_string()
				}
				Some(rest) => {
					let (layer, part) = rest.split_once('.').unwrap();
					let (hf_part, is_norm) = match part {
						"attn_q.weight" => ("self_attn.q_proj", false),
						"attn_k.weight" => ("self_attn.k_proj", false),
						"attn_v.weight" => ("self_attn.v_proj", false),
						"attn_output.weight" => ("self_attn.o_proj", false),
						"attn_q_norm.weight" => ("self_attn.q_norm", true),
						"attn_k_norm.weight" => ("self_attn.k_norm", true),
						"ffn_gate.weight" => ("mlp.gate_proj", false),
						"ffn_up.weight" => ("mlp.up_proj", false),
						"ffn_down.weight" => ("mlp.down_proj", false),
						"attn_norm.weight" => ("input_layernorm", true),
						"post_attention_norm.weight" => ("post_attention_layernorm", true),
						"ffn_norm.weight" => ("pre_feedforward_layernorm", true),
						"post_ffw_norm.weight" => ("post_feedforward_layernorm", true),
						other => panic!("unexpected tensor {other}"),
					};
					if is_norm {
						tensor = (tensor - 1.0).unwrap();
					}
					format!("model.layers.{layer}.{hf_part}.weight")
				}
			};
			tensors.insert(hf, tensor);
		}
		let vb =
			candle_nn::VarBuilder::from_tensors(tensors, candle_core::DType::F32, &Device::Cpu);
		let md = &content.metadata;
		let get = |key: &str| metadata::usize(md, &format!("gemma3.{key}")).unwrap();
		let head_dim = get("attention.key_length");
		let config = Config {
			attention_bias: false,
			head_dim,
			hidden_activation: candle_nn::Activation::GeluPytorchTanh,
			hidden_size: get("embedding_length"),
			intermediate_size: get("feed_forward_length"),
			num_attention_heads: get("attention.head_count"),
			num_hidden_layers: get("block_count"),
			num_key_value_heads: get("attention.head_count_kv"),
			rms_norm_eps: 1e-5,
			rope_theta: 1_000_000.0,
			rope_local_base_freq: 10_000.0,
			vocab_size: model.tokenizer().len(),
			final_logit_softcapping: None,
			attn_logit_softcapping: None,
			query_pre_attn_scalar: head_dim,
			sliding_window: test_model::GEMMA_WINDOW,
			sliding_window_pattern: 6,
			max_position_embeddings: 256,
		};
		let mut reference = Reference::new(false, &config, vb).unwrap();
		let tokens = model.chat_prompt("the cat sat in the hat, 1999 times").unwrap();
		assert!(tokens.len() > 3 * test_model::GEMMA_WINDOW);
		let ours = model.teacher_logits(&tokens, 0).unwrap();
		let mut worst = 0f32;
		for (position, &token) in tokens.iter().enumerate() {
			let input = Tensor::new(&[token], &Device::Cpu).unwrap().unsqueeze(0).unwrap();
			let theirs = reference.forward(&input, position).unwrap().flatten_all().unwrap();
			let row = ours.get(position).unwrap();
			worst = worst.max(largest_difference(&row, &theirs));
		}
		assert!(worst < 1e-4, "largest logit difference {worst}");
	}

	/// candle's `quantized_qwen2` is an independent implementation of Qwen2, compared the same way.
	#[test]
	fn the_qwen2_forward_pass_agrees_with_candles_quantized_qwen2() {
		use candle_transformers::models::quantized_qwen2::ModelWeights;
		let file = test_model::write_architecture(false, "qwen2");
		let model = Model::load(file.path(), &Device::Cpu).unwrap();
		assert_eq!(model.architecture(), Architecture::Qwen2);
		let mut reader = File::open(file.path()).unwrap();
		let content = Content::read(&mut reader).unwrap();
		let mut reference = ModelWeights::from_gguf(content, &mut reader, &Device::Cpu).unwrap();
		let worst = largest_difference_from(&model, |input| {
			reference.clear_kv_cache();
			reference.forward(input, 0).unwrap().squeeze(0).unwrap().to_vec1().unwrap()
		});
		assert!(worst < 1e-4, "largest logit difference {worst}");
		// The variant matters: the same weights read as llama give other logits.
		let llama = Model::load(test_model::write(false).path(), &Device::Cpu).unwrap();
		let tokens = model.chat_prompt("the cat sat in the hat, 1999 times").unwrap();
		let last = tokens.len() - 1;
		let ours = model.teacher_logits(&tokens, last).unwrap();
		let theirs = llama.teacher_logits(&tokens, last).unwrap();
		let gap = (ours - theirs).unwrap().abs().unwrap().max_all().unwrap();
		assert!(gap.to_scalar::<f32>().unwrap() > 0.1);
	}
}
