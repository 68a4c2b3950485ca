//! A tiny random-weight llama (2 layers, width 64, 266-token byte-level vocabulary) written to a
//! temporary GGUF, so the engine's tests run in seconds and download nothing; the same as Qwen2
//! (biases), and a tiny Gemma 3 (6 layers so that one attends globally, heads wider than `width /
//! heads`, a sliding window of 5 positions, tied embeddings, a SentencePiece vocabulary of
//! control, byte and scored tokens). Weights are drawn from the sampler's counter-based
//! uniforms, so every run builds the same model; matrices are quantized like the real model's
//! (Q8_0 embeddings, Q4_1 elsewhere).

use candle_core::{
	quantized::{gguf_file, GgmlDType, QTensor},
	Device, Tensor,
};

use super::{metadata::Metadata, model::Model, sampler::uniform, tokenizer::byte_of_char};

const WIDTH: usize = 64;
const FFN: usize = 128;
const LAYERS: usize = 2;
const HEADS: usize = 4;
const KV_HEADS: usize = 2;
const CONTROL: [&str; 3] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const MERGES: [(&str, &str); 7] =
	[("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "c"), ("a", "t"), ("Ġc", "at")];

/// The tiny Gemma's shape where it differs from the llama's.
const GEMMA_LAYERS: usize = 6;
const GEMMA_HEAD_DIM: usize = 32;
pub const GEMMA_WINDOW: usize = 5;

/// Gemma's control tokens, ids 0 to 4, as in its vocabulary (BOS is 2).
const SPM_CONTROL: [&str; 5] = ["<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>"];
/// SentencePiece pieces after the 256 byte tokens, best score first; each longer one splits
/// into two before it.
pub const SPM_PIECES: [&str; 24] = [
	"▁", "t", "h", "e", "a", "c", "s", "i", "n", "u", "r", "\n", "▁t", "he", "at", "▁c", "in",
	"er", "us", "▁the", "▁cat", "user", "▁s", "▁sat",
];

/// The SentencePiece vocabulary: control tokens, `<0x00>`..`<0xFF>`, then the pieces; with
/// llama.cpp's token types and scores.
pub fn sentencepiece_tokens() -> Vec<(String, i32, f32)> {
	let control = SPM_CONTROL.iter().map(|t| (t.to_string(), 3, 0.0));
	let bytes = (0..=255u8).map(|b| (format!("<0x{b:02X}>"), 6, 0.0));
	let pieces = SPM_PIECES.iter().enumerate().map(|(i, p)| (p.to_string(), 1, -(i as f32)));
	control.chain(bytes).chain(pieces).collect()
}

fn tokens() -> Vec<String> {
	let mut by_byte: Vec<(u8, char)> = byte_of_char().into_iter().map(|(c, b)| (b, c)).collect();
	by_byte.sort();
	CONTROL
		.iter()
		.map(|s| s.to_string())
		.chain(by_byte.into_iter().map(|(_, c)| c.to_string()))
		.chain(MERGES.iter().map(|(a, b)| format!("{a}{b}")))
		.collect()
}

/// The tokenizer and hyperparameter metadata of the tiny llama.
pub fn metadata() -> Metadata {
	metadata_of("llama")
}

/// The tokenizer and hyperparameter metadata of the tiny model of `architecture`.
pub fn metadata_of(architecture: &str) -> Metadata {
	use gguf_file::Value;
	let strings = |items: Vec<String>| Value::Array(items.into_iter().map(Value::String).collect());
	let key = |name: &str| format!("{architecture}.{name}");
	let gemma = architecture == "gemma3";
	let (layers, head_dim) = match gemma {
		true => (GEMMA_LAYERS, GEMMA_HEAD_DIM),
		false => (LAYERS, WIDTH / HEADS),
	};
	let mut metadata: Metadata = [
		("general.architecture".into(), Value::String(architecture.into())),
		(key("block_count"), Value::U32(layers as u32)),
		(key("context_length"), Value::U32(256)),
		(key("embedding_length"), Value::U32(WIDTH as u32)),
		(key("feed_forward_length"), Value::U32(FFN as u32)),
		(key("attention.head_count"), Value::U32(HEADS as u32)),
		(key("attention.head_count_kv"), Value::U32(KV_HEADS as u32)),
		(key("rope.dimension_count"), Value::U32(head_dim as u32)),
		(key("rope.freq_base"), Value::F32(10_000.0)),
		(key("attention.layer_norm_rms_epsilon"), Value::F32(1e-5)),
	]
	.into_iter()
	.collect();
	if gemma {
		let tokens = sentencepiece_tokens();
		metadata.extend([
			(key("rope.freq_base"), Value::F32(1_000_000.0)),
			(key("attention.key_length"), Value::U32(head_dim as u32)),
			(key("attention.value_length"), Value::U32(head_dim as u32)),
			(key("attention.sliding_window"), Value::U32(GEMMA_WINDOW as u32)),
			("tokenizer.ggml.model".into(), Value::String("llama".into())),
			("tokenizer.ggml.pre".into(), Value::String("default".into())),
			("tokenizer.ggml.add_space_prefix".into(), Value::Bool(false)),
			("tokenizer.ggml.bos_token_id".into(), Value::U32(2)),
			("tokenizer.ggml.eos_token_id".into(), Value::U32(1)),
			(
				"tokenizer.ggml.scores".into(),
				Value::Array(tokens.iter().map(|t| Value::F32(t.2)).collect()),
			),
			(
				"tokenizer.ggml.token_type".into(),
				Value::Array(tokens.iter().map(|t| Value::I32(t.1)).collect()),
			),
			("tokenizer.ggml.tokens".into(), strings(tokens.into_iter().map(|t| t.0).collect())),
		]);
		return metadata;
	}
	let tokens = tokens();
	let types = (0..tokens.len()).map(|i| Value::I32(if i < CONTROL.len() { 3 } else { 1 }));
	metadata.extend([
		("tokenizer.ggml.model".into(), Value::String("gpt2".into())),
		("tokenizer.ggml.pre".into(), Value::String("smollm".into())),
		("tokenizer.ggml.tokens".into(), strings(tokens)),
		("tokenizer.ggml.token_type".into(), Value::Array(types.collect())),
		(
			"tokenizer.ggml.merges".into(),
			strings(MERGES.iter().map(|(a, b)| format!("{a} {b}")).collect()),
		),
		("tokenizer.ggml.eos_token_id".into(), Value::U32(2)),
	]);
	metadata
}

/// A `(rows, cols)` tensor of uniforms in `[-scale, scale]` keyed by `key`, quantized to `dtype`.
fn random(key: u64, rows: usize, cols: usize, scale: f64, dtype: GgmlDType) -> QTensor {
	let values: Vec<f32> = (0..rows * cols)
		.map(|i| ((2.0 * uniform(key, 0, i as u32) - 1.0) * scale) as f32)
		.collect();
	let shape: &[usize] = if rows == 1 { &[cols] } else { &[rows, cols] };
	let tensor = Tensor::from_vec(values, shape, &Device::Cpu).unwrap();
	QTensor::quantize(&tensor, dtype).unwrap()
}

/// A matrix with the variance of `1 / fan_in`, like a trained layer's.
fn matrix(key: u64, rows: usize, cols: usize, dtype: GgmlDType) -> QTensor {
	random(key, rows, cols, (3.0 / cols as f64).sqrt(), dtype)
}

/// A norm weight near 1.
fn norm(key: u64) -> QTensor {
	norm_of(key, WIDTH)
}

/// A norm weight near 1 of `len` values.
fn norm_of(key: u64, len: usize) -> QTensor {
	let noise = random(key, 1, len, 0.1, GgmlDType::F32).dequantize(&Device::Cpu).unwrap();
	QTensor::quantize(&(noise + 1.0).unwrap(), GgmlDType::F32).unwrap()
}

/// Writes the tiny model to a temporary file and loads it on the CPU.
pub fn load() -> Model {
	load_architecture("llama")
}

/// [`load`] for `architecture` (see [`write_architecture`]).
pub fn load_architecture(architecture: &str) -> Model {
	let file = write_architecture(true, architecture);
	Model::load(file.path(), &Device::Cpu).unwrap()
}

/// Writes the tiny llama to a temporary file, deleted when dropped; unquantized, every tensor
/// is f32.
pub fn write(quantized: bool) -> tempfile::NamedTempFile {
	write_architecture(quantized, "llama")
}

/// [`write`] for `architecture`: `llama`; `qwen2`, which adds biases to the query, key and
/// value projections; or `gemma3`.
pub fn write_architecture(quantized: bool, architecture: &str) -> tempfile::NamedTempFile {
	let (embeddings, matrices) = if quantized {
		(GgmlDType::Q8_0, GgmlDType::Q4_1)
	} else {
		(GgmlDType::F32, GgmlDType::F32)
	};
	let gemma = architecture == "gemma3";
	let (vocabulary, layers, head_dim) = match gemma {
		true => (sentencepiece_tokens().len(), GEMMA_LAYERS, GEMMA_HEAD_DIM),
		false => (tokens().len(), LAYERS, WIDTH / HEADS),
	};
	let mut tensors = vec![
		("token_embd.weight".to_string(), random(1, vocabulary, WIDTH, 1.0, embeddings)),
		("output_norm.weight".to_string(), norm(2)),
	];
	if !gemma {
		// Untied (the real model ties it to the embedding): with tied random weights every token
		// predicts itself and all answers look alike. Gemma's stays tied, as it is in Gemma.
		tensors.push(("output.weight".to_string(), random(3, vocabulary, WIDTH, 1.0, embeddings)));
	}
	for layer in 0..layers {
		let key = 100 * (layer as u64 + 1);
		let name = |part: &str| format!("blk.{layer}.{part}.weight");
		tensors.extend([
			(name("attn_norm"), norm(key)),
			(name("ffn_norm"), norm(key + 1)),
			(name("attn_q"), matrix(key + 2, HEADS * head_dim, WIDTH, matrices)),
			(name("attn_k"), matrix(key + 3, KV_HEADS * head_dim, WIDTH, matrices)),
			(name("attn_v"), matrix(key + 4, KV_HEADS * head_dim, WIDTH, matrices)),
			(name("attn_output"), matrix(key + 5, WIDTH, HEADS * head_dim, matrices)),
			(name("ffn_gate"), matrix(key + 6, FFN, WIDTH, matrices)),
			(name("ffn_up"), matrix(key + 7, FFN, WIDTH, matrices)),
			(name("ffn_down"), matrix(key + 8, WIDTH, FFN, matrices)),
		]);
		if architecture == "qwen2" {
			let bias = |part: &str| format!("blk.{layer}.{part}.bias");
			tensors.extend([
				(bias("attn_q"), random(key + 9, 1, WIDTH, 0.5, GgmlDType::F32)),
				(bias("attn_k"), random(key + 10, 1, KV_HEADS * head_dim, 0.5, GgmlDType::F32)),
				(bias("attn_v"), random(key + 11, 1, KV_HEADS * head_dim, 0.5, GgmlDType::F32)),
			]);
		}
		if gemma {
			tensors.extend([
				(name("attn_q_norm"), norm_of(key + 12, head_dim)),
				(name("attn_k_norm"), norm_of(key + 13, head_dim)),
				(name("post_attention_norm"), norm(key + 14)),
				(name("post_ffw_norm"), norm(key + 15)),
			]);
		}
	}
	let metadata = metadata_of(architecture);
	let metadata: Vec<_> = metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
	let tensors: Vec<_> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
	let mut file = tempfile::NamedTempFile::new().unwrap();
	gguf_file::write(file.as_file_mut(), &metadata, &tensors).unwrap();
	file
}
