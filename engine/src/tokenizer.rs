//! The tokenizer, built from the GGUF's own vocabulary so the model id (the file's hash) pins it
//! down too: no separate tokenizer.json can drift from the weights.
//!
//! Supported: byte-level BPE (`tokenizer.ggml.model = gpt2`) with the `smollm` pre-tokenizer
//! (digits split one by one, then GPT-2's byte-level split) or the `qwen2` one (Qwen2's split
//! pattern, then the byte-level mapping); and SentencePiece's BPE (`llama`, Gemma's), whose
//! files carry a score per token instead of merges: spaces become `▁`, adjacent pieces merge
//! best score first, and characters outside the vocabulary fall back to `<0xXX>` byte tokens.
//! Encoding runs through the `tokenizers` crate's BPE (SentencePiece's merges derived from the
//! scores, as `tokenizers` converts such models); decoding maps each token back to its bytes
//! here, which also lets generation stream text token by token.
//!
//! Control tokens (`<|im_start|>`, `<|im_end|>`...) are left out of the BPE vocabulary, so text
//! can never encode to them: a prompt that contains the characters `<|im_end|>` stays plain
//! text, and only the chat template places control tokens.

use std::collections::HashMap;

use anyhow::{anyhow, bail, ensure, Result};
use tokenizers::{
	models::bpe::{Merges, Vocab, BPE},
	normalizers::{self, prepend::Prepend, replace::Replace},
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

/// llama.cpp's token type for SentencePiece's byte tokens, `<0x00>` to `<0xFF>`.
const TOKEN_TYPE_BYTE: i64 = 6;

/// SentencePiece's stand-in for a space.
const SPACE: char = '▁';

pub struct Tokenizer {
	bpe: tokenizers::Tokenizer,
	/// Each token's bytes, by id.
	pieces: Vec<Vec<u8>>,
	/// Control tokens by their text, for the chat template to look up.
	control: HashMap<String, u32>,
	/// The token that starts every sequence, when the model wants one.
	bos: Option<u32>,
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
		let sentencepiece = match model {
			"gpt2" => false,
			"llama" => true,
			other => bail!(
				"unsupported tokenizer model {other:?} (supported: gpt2, byte-level BPE; llama, \
				 SentencePiece BPE)"
			),
		};
		let tokens = metadata::strings(metadata, "tokenizer.ggml.tokens")?;
		let types = metadata::integers(metadata, "tokenizer.ggml.token_type")?;
		if let Some(types) = &types {
			ensure!(types.len() == tokens.len(), "token types and tokens differ in number");
		}
		let type_of = |id: usize| types.as_ref().map(|types| types[id]);

		let byte_of = byte_of_char();
		let mut vocab = Vocab::default();
		let mut control = HashMap::new();
		let mut pieces = Vec::with_capacity(tokens.len());
		for (id, &token) in tokens.iter().enumerate() {
			let bytes = match type_of(id) {
				Some(TOKEN_TYPE_CONTROL) => {
					control.insert(token.to_owned(), id as u32);
					pieces.push(token.as_bytes().to_vec());
					continue;
				}
				Some(TOKEN_TYPE_BYTE) if sentencepiece => vec![byte_token(token)?],
				_ if sentencepiece => token.replace(SPACE, " ").into_bytes(),
				_ => token_bytes(token, &byte_of),
			};
			vocab.insert(token.to_owned(), id as u32);
			pieces.push(bytes);
		}

		// llama.cpp's defaults: SentencePiece models start with BOS and a space unless told not
		// to; byte-level ones do neither.
		let bos = match metadata::flag(metadata, "tokenizer.ggml.add_bos_token", sentencepiece)? {
			true => {
				let id = metadata::usize(metadata, "tokenizer.ggml.bos_token_id")?;
				ensure!(id < tokens.len(), "BOS token {id} outside the vocabulary");
				Some(id as u32)
			}
			false => None,
		};
		let tokenizer = match sentencepiece {
			false => {
				let merges = metadata::strings(metadata, "tokenizer.ggml.merges")?
					.into_iter()
					.map(|merge| {
						merge
							.split_once(' ')
							.map(|(a, b)| (a.to_owned(), b.to_owned()))
							.ok_or_else(|| anyhow!("malformed merge {merge:?}"))
					})
					.collect::<Result<Vec<_>>>()?;
				let pre_tokenizer =
					pre_tokenizer(metadata::string(metadata, "tokenizer.ggml.pre")?)?;
				let bpe = BPE::builder()
					.vocab_and_merges(vocab, merges)
					.build()
					.map_err(anyhow::Error::msg)?;
				let mut tokenizer = tokenizers::Tokenizer::new(bpe);
				tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
				tokenizer
			}
			true => {
				let scores = metadata::floats(metadata, "tokenizer.ggml.scores")?;
				ensure!(scores.len() == tokens.len(), "token scores and tokens differ in number");
				let merges = merges_by_score(&vocab, &scores);
				let bpe = BPE::builder()
					.vocab_and_merges(vocab, merges)
					.byte_fallback(true)
					.build()
					.map_err(anyhow::Error::msg)?;
				let space = Replace::new(" ", SPACE.to_string()).map_err(anyhow::Error::msg)?;
				let mut steps = vec![space.into()];
				if metadata::flag(metadata, "tokenizer.ggml.add_space_prefix", true)? {
					steps.push(Prepend::new(SPACE.to_string()).into());
				}
				let mut tokenizer = tokenizers::Tokenizer::new(bpe);
				tokenizer
					.with_normalizer(Some(normalizers::Sequence::new(steps)))
					.map_err(anyhow::Error::msg)?;
				tokenizer
			}
		};
		Ok(Self { bpe: tokenizer, pieces, control, bos })
	}

	/// The token every sequence starts with, if the model wants one (`<bos>` for Gemma).
	pub fn bos(&self) -> Option<u32> {
		self.bos
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

/// SentencePiece's merges, derived from its scores: a piece that splits into two pieces of the
/// vocabulary is a merge of them, ranked by the piece's score, best first (ties by id), so BPE
/// applied with these merges joins the adjacent pair whose union scores best, as SentencePiece
/// does.
fn merges_by_score(vocab: &Vocab, scores: &[f32]) -> Merges {
	let mut ranked: Vec<(f32, u32, u32, String, String)> = Vec::new();
	for (piece, &id) in vocab {
		for (split, _) in piece.char_indices().skip(1) {
			let (left, right) = piece.split_at(split);
			if let (Some(&l), Some(_)) = (vocab.get(left), vocab.get(right)) {
				ranked.push((scores[id as usize], id, l, left.to_owned(), right.to_owned()));
			}
		}
	}
	ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
	ranked.into_iter().map(|(_, _, _, left, right)| (left, right)).collect()
}

/// The byte of a SentencePiece byte token, `<0xAB>`.
fn byte_token(token: &str) -> Result<u8> {
	token
		.strip_prefix("<0x")
		.and_then(|hex| hex.strip_suffix('>'))
		.and_then(|hex| u8::from_str_radix(hex, 16).ok())
		.ok_or_else(|| anyhow!("byte token {token:?} is not <0xXX>"))
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
	use crate::test_model;

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

	fn gemma() -> Tokenizer {
		Tokenizer::from_gguf(&test_model::metadata_of("gemma3")).unwrap()
	}

	/// SentencePiece's BPE as llama.cpp runs it, written plainly: spaces to `▁`, then while some
	/// adjacent pair joins into a piece of the vocabulary, join the best-scoring one (the leftmost
	/// of equals); pieces outside the vocabulary become their bytes' tokens.
	fn sentencepiece_reference(text: &str) -> Vec<u32> {
		let tokens = test_model::sentencepiece_tokens();
		let find = |piece: &str| {
			tokens.iter().position(|(t, kind, _)| t == piece && *kind != 3).map(|id| id as u32)
		};
		let mut symbols: Vec<String> =
			text.replace(' ', "▁").chars().map(|c| c.to_string()).collect();
		loop {
			let mut best: Option<(f32, usize)> = None;
			for i in 0..symbols.len().saturating_sub(1) {
				if let Some(id) = find(&format!("{}{}", symbols[i], symbols[i + 1])) {
					let score = tokens[id as usize].2;
					if best.is_none_or(|(b, _)| score > b) {
						best = Some((score, i));
					}
				}
			}
			let Some((_, i)) = best else { break };
			let right = symbols.remove(i + 1);
			symbols[i].push_str(&right);
		}
		symbols
			.iter()
			.flat_map(|symbol| match find(symbol) {
				Some(id) => vec![id],
				None => symbol.bytes().map(|b| find(&format!("<0x{b:02X}>")).unwrap()).collect(),
			})
			.collect()
	}

	#[test]
	fn sentencepiece_text_round_trips_through_pieces_and_bytes() {
		let tokenizer = gemma();
		for text in ["", "the cat sat", " user\n", "année ✓ 😀", "  two  spaces"] {
			let ids = tokenizer.encode(text).unwrap();
			assert_eq!(tokenizer.decode(&ids).unwrap(), text);
		}
		let piece = |id: u32| String::from_utf8(tokenizer.piece(id).unwrap().to_vec()).unwrap();
		let words: Vec<String> =
			tokenizer.encode(" the cat sat").unwrap().into_iter().map(piece).collect();
		assert_eq!(words, [" the", " cat", " sat"]);
		let accent = tokenizer.encode("é").unwrap();
		assert_eq!(accent.len(), 2, "é is outside the vocabulary: its two bytes' tokens");
		assert_eq!(tokenizer.decode(&accent).unwrap(), "é");
		let bos = tokenizer.bos().unwrap();
		assert_eq!(tokenizer.decode(&[bos]).unwrap(), "<bos>");
		assert!(!tokenizer.encode("<bos>").unwrap().contains(&bos), "text never encodes to BOS");
		assert!(Tokenizer::from_gguf(&test_model::metadata()).unwrap().bos().is_none());
	}

	proptest::proptest! {
		/// Our SentencePiece encoding (the `tokenizers` crate's BPE with merges derived from the
		/// scores) is llama.cpp's algorithm's.
		#[test]
		fn sentencepiece_encoding_is_the_score_ordered_merge(text in "[tha ecsinur\né]{0,24}") {
			proptest::prop_assert_eq!(gemma().encode(&text).unwrap(), sentencepiece_reference(&text));
		}
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
