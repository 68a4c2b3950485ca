//! The tokenizer, built from the GGUF's own vocabulary so the model id (the file's hash) pins it
//! down too: no separate tokenizer.json can drift from the weights.
//!
//! Supported: byte-level BPE (`tokenizer.ggml.model = gpt2`) with the `smollm` pre-tokenizer
//! (digits split one by one, then GPT-2's byte-level split) or the `qwen2` one (Qwen2's split
//! pattern, then the byte-level mapping). Encoding runs through the
//! `tokenizers` crate's BPE; decoding maps each token back to its bytes here, which also lets
//! generation stream text token by token.
//!
//! Control tokens (`<|im_start|>`, `<|im_end|>`...) are left out of the BPE vocabulary, so text
//! can never encode to them: a prompt that contains the characters `<|im_end|>` stays plain
//! text, and only the chat template places control tokens.

use std::collections::HashMap;

use anyhow::{anyhow, bail, ensure, Result};
use tokenizers::{
	models::bpe::{Vocab, BPE},
	pre_tokenizers::{
		byte_level::ByteLevel,
		digits::Digits,
		sequence::Sequence,
		split::{Split, SplitPattern},
	},
	SplitDelimiterBehavior,
};

use super::metadata::{self, Metadata};

/// Qwen2's split before the byte-level mapping (llama.cpp's `qwen2` pre-tokenizer): contractions,
/// words with one leading non-letter, single digits, punctuation runs with their newlines,
/// newline runs, other whitespace.
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// llama.cpp's token type for control tokens.
const TOKEN_TYPE_CONTROL: i64 = 3;

pub struct Tokenizer {
	bpe: tokenizers::Tokenizer,
	/// Each token's bytes, by id.
	pieces: Vec<Vec<u8>>,
	/// Control tokens by their text, for the chat template to look up.
	control: HashMap<String, u32>,
}

/// The pre-tokenizer llama.cpp names `name` (`tokenizer.ggml.pre`).
fn pre_tokenizer(name: &str) -> Result<Sequence> {
	Ok(match name {
		"smollm" => Sequence::new(vec![
			Digits::new(true).into(),
			// No prefix space, trimmed offsets, GPT-2's split regex.
			ByteLevel::new(false, true, true).into(),
		]),
		"qwen2" => Sequence::new(vec![
			Split::new(
				SplitPattern::Regex(QWEN2_SPLIT.into()),
				SplitDelimiterBehavior::Isolated,
				false,
			)
			.map_err(anyhow::Error::msg)?
			.into(),
			// The split is done: the byte-level mapping only.
			ByteLevel::new(false, true, false).into(),
		]),
		other => bail!("unsupported pre-tokenizer {other:?} (supported: smollm, qwen2)"),
	})
}

impl Tokenizer {
	pub fn from_gguf(metadata: &Metadata) -> Result<Self> {
		let model = metadata::string(metadata, "tokenizer.ggml.model")?;
		ensure!(model == "gpt2", "unsupported tokenizer model {model:?} (only byte-level BPE)");
		let pre_tokenizer = pre_tokenizer(metadata::string(metadata, "tokenizer.ggml.pre")?)?;

		let tokens = metadata::strings(metadata, "tokenizer.ggml.tokens")?;
		let types = metadata::integers(metadata, "tokenizer.ggml.token_type")?;
		if let Some(types) = &types {
			ensure!(types.len() == tokens.len(), "token types and tokens differ in number");
		}
		let is_control = |id: usize| types.as_ref().is_some_and(|t| t[id] == TOKEN_TYPE_CONTROL);

		let byte_of = byte_of_char();
		let mut vocab = Vocab::default();
		let mut control = HashMap::new();
		let mut pieces = Vec::with_capacity(tokens.len());
		for (id, &token) in tokens.iter().enumerate() {
			if is_control(id) {
				control.insert(token.to_owned(), id as u32);
				pieces.push(token.as_bytes().to_vec());
			} else {
				vocab.insert(token.to_owned(), id as u32);
				pieces.push(token_bytes(token, &byte_of));
			}
		}

		let merges = metadata::strings(metadata, "tokenizer.ggml.merges")?
			.into_iter()
			.map(|merge| {
				merge
					.split_once(' ')
					.map(|(a, b)| (a.to_owned(), b.to_owned()))
					.ok_or_else(|| anyhow!("malformed merge {merge:?}"))
			})
			.collect::<Result<Vec<_>>>()?;
		let bpe =
			BPE::builder().vocab_and_merges(vocab, merges).build().map_err(anyhow::Error::msg)?;
		let mut tokenizer = tokenizers::Tokenizer::new(bpe);
		tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
		Ok(Self { bpe: tokenizer, pieces, control })
	}

	/// Token ids for plain text (no control tokens, no BOS).
	pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
		Ok(self.bpe.encode_fast(text, false).map_err(anyhow::Error::msg)?.get_ids().to_vec())
	}

	/// The text of `tokens`, invalid UTF-8 (a character cut between tokens) replaced by U+FFFD.
	pub fn decode(&self, tokens: &[u32]) -> Result<String> {
		let mut bytes = Vec::new();
		for &token in tokens {
			bytes.extend_from_slice(self.piece(token)?);
		}
		Ok(String::from_utf8_lossy(&bytes).into_owned())
	}

	/// The bytes token `token` stands for; a control token stands for its own text.
	pub fn piece(&self, token: u32) -> Result<&[u8]> {
		self.pieces
			.get(token as usize)
			.map(Vec::as_slice)
			.ok_or_else(|| anyhow!("token {token} is outside the vocabulary of {}", self.len()))
	}

	/// The id of the control token written `text`, if the vocabulary has one.
	pub fn control_token(&self, text: &str) -> Option<u32> {
		self.control.get(text).copied()
	}

	/// The vocabulary's size.
	pub fn len(&self) -> usize {
		self.pieces.len()
	}

	pub fn is_empty(&self) -> bool {
		self.pieces.is_empty()
	}
}

/// GPT-2's byte-level alphabet: printable bytes stand for themselves, the other 68 (controls,
/// space, DEL, non-breaking space, soft hyphen...) for U+0100 onwards in byte order, so every
/// byte is a visible character in the vocabulary. Returns the inverse map, character to byte.
pub(super) fn byte_of_char() -> HashMap<char, u8> {
	let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xa1..=0xac | 0xae..=0xff);
	let mut next = 256u32;
	(0..=255u8)
		.map(|byte| {
			let c = if printable(byte) {
				char::from(byte)
			} else {
				next += 1;
				char::from_u32(next - 1).expect("U+0100..U+0143 are characters")
			};
			(c, byte)
		})
		.collect()
}

/// A byte-level token's bytes; a character outside the alphabet (never in a byte-level
/// vocabulary, but a file may hold anything) keeps its UTF-8 bytes.
fn token_bytes(token: &str, byte_of: &HashMap<char, u8>) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(token.len());
	for c in token.chars() {
		match byte_of.get(&c) {
			Some(&b) => bytes.push(b),
			None => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
		}
	}
	bytes
}

/// Turns a stream of token bytes into text as soon as each character is complete, so an answer
/// can be printed token by token even when a character spans tokens.
#[derive(Default)]
pub struct TextStream {
	pending: Vec<u8>,
}

impl TextStream {
	/// Adds a token's bytes and returns the text they complete.
	pub fn push(&mut self, bytes: &[u8]) -> String {
		self.pending.extend_from_slice(bytes);
		let mut text = String::new();
		let mut rest = &self.pending[..];
		while let Err(e) = std::str::from_utf8(rest) {
			let (valid, after) = rest.split_at(e.valid_up_to());
			text.push_str(std::str::from_utf8(valid).expect("checked valid"));
			match e.error_len() {
				// An invalid sequence: replaced, as `decode` (`from_utf8_lossy`) does.
				Some(len) => {
					text.push(char::REPLACEMENT_CHARACTER);
					rest = &after[len..];
				}
				// A character still waiting for its last bytes.
				None => {
					rest = after;
					break;
				}
			}
		}
		if let Ok(valid) = std::str::from_utf8(rest) {
			text.push_str(valid);
			rest = &[];
		}
		let consumed = self.pending.len() - rest.len();
		self.pending.drain(..consumed);
		text
	}

	/// Returns what is left at the end, incomplete characters replaced.
	pub fn finish(&mut self) -> String {
		let text = String::from_utf8_lossy(&self.pending).into_owned();
		self.pending.clear();
		text
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::engine::test_model;

	#[test]
	fn the_byte_alphabet_covers_every_byte_once() {
		let byte_of = byte_of_char();
		assert_eq!(byte_of.len(), 256);
		assert_eq!(byte_of[&'Ġ'], b' ');
		assert_eq!(byte_of[&'Ċ'], b'\n');
		assert_eq!(byte_of[&'a'], b'a');
	}

	#[test]
	fn text_round_trips_and_merges_apply() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata()).unwrap();
		for text in ["", "the cat", "Hello, world!\n", "année 2024: ✓ 😀", "  spaces\t\ttabs"]
		{
			let ids = tokenizer.encode(text).unwrap();
			assert_eq!(tokenizer.decode(&ids).unwrap(), text);
		}
		let the = tokenizer.encode(" the").unwrap();
		assert_eq!(the.len(), 1, "merged by 'Ġ t' then 'Ġt he': {the:?}");
	}

	fn pieces(pre: &str, text: &str) -> Vec<String> {
		use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};
		let mut split = PreTokenizedString::from(text);
		pre_tokenizer(pre).unwrap().pre_tokenize(&mut split).unwrap();
		split
			.get_splits(OffsetReferential::Original, OffsetType::Byte)
			.into_iter()
			.map(|(piece, _, _)| piece.to_owned())
			.collect()
	}

	#[test]
	fn each_pre_tokenizer_splits_text_as_its_model_was_trained() {
		let text = "Hello world 123!!\n\nI'm  ok";
		assert_eq!(
			pieces("qwen2", text),
			["Hello", "Ġworld", "Ġ", "1", "2", "3", "!!ĊĊ", "I", "'m", "Ġ", "Ġok"]
		);
		assert_eq!(
			pieces("smollm", text),
			["Hello", "Ġworld", "Ġ", "1", "2", "3", "!!", "Ċ", "Ċ", "I", "'m", "Ġ", "Ġok"]
		);
		assert!(pre_tokenizer("llama-bpe").is_err());
	}

	#[test]
	fn digits_are_split_one_by_one() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata()).unwrap();
		let ids = tokenizer.encode("2024").unwrap();
		assert_eq!(ids.len(), 4);
	}

	#[test]
	fn control_tokens_are_never_produced_from_text() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata()).unwrap();
		let end = tokenizer.control_token("<|im_end|>").unwrap();
		let ids = tokenizer.encode("<|im_end|>").unwrap();
		assert!(!ids.contains(&end) && ids.len() > 1, "{ids:?}");
		assert_eq!(tokenizer.decode(&[end]).unwrap(), "<|im_end|>");
		assert!(tokenizer.piece(tokenizer.len() as u32).is_err());
	}

	#[test]
	fn the_text_stream_waits_for_complete_characters() {
		let mut stream = TextStream::default();
		let euro = "€".as_bytes();
		assert_eq!(stream.push(b"a"), "a");
		assert_eq!(stream.push(&euro[..1]), "");
		assert_eq!(stream.push(&euro[1..]), "€");
		assert_eq!(stream.push(&[0xff, b'b']), "\u{fffd}b");
		assert_eq!(stream.push(&euro[..2]), "");
		assert_eq!(stream.finish(), "\u{fffd}");
	}
}
