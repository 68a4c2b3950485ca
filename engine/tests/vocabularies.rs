//! The tokenizers on real vocabularies: llama.cpp's vocabulary-only GGUF files and the token ids
//! its tests expect for them (made with each model's own Hugging Face tokenizer). Skipped, with a
//! message, when the files are not on this machine: `scripts/fetch-vocabularies.sh` fetches them
//! (the README's test command runs it first and sets `FAITHFUL_REQUIRE_MODEL`, so there a missing
//! file fails instead of skipping). Tests never download anything themselves.

mod common;

use std::fs::File;

use candle_core::quantized::gguf_file::Content;
use faithful_engine::Tokenizer;

/// A text and the token ids expected for it.
type Case = (String, Vec<u32>);

/// The texts llama.cpp tests `name` with and the ids expected, or `None` when absent.
fn cases(name: &str) -> Option<(Tokenizer, Vec<Case>)> {
	let file = format!("ggml-vocab-{name}.gguf");
	let path =
		common::cached("FAITHFUL_VOCABULARIES", "vocabularies", &file, "fetch-vocabularies.sh")?;
	let content = Content::read(&mut File::open(&path).unwrap()).unwrap();
	let tokenizer = Tokenizer::from_gguf(&content.metadata).unwrap();
	let read = |extension: &str| {
		std::fs::read_to_string(path.with_extension(format!("gguf.{extension}"))).unwrap()
	};
	let texts = read("inp");
	// Each text is followed by the separator.
	let texts: Vec<&str> = texts
		.strip_suffix("\n__ggml_vocab_test__\n")
		.expect("the file ends with a separator")
		.split("\n__ggml_vocab_test__\n")
		.collect();
	let ids = read("out");
	let ids: Vec<Vec<u32>> = ids
		.lines()
		.map(|line| line.split_whitespace().map(|id| id.parse().unwrap()).collect())
		.collect();
	assert_eq!(texts.len(), ids.len(), "{name}: as many texts as id lists");
	assert!(texts.len() > 40, "{name}: llama.cpp's {} cases", texts.len());
	let texts = texts.into_iter().map(str::to_owned);
	Some((tokenizer, texts.zip(ids).collect()))
}

fn check(name: &str) {
	let Some((tokenizer, cases)) = cases(name) else { return };
	let mut wrong = Vec::new();
	for (text, expected) in &cases {
		let ours = tokenizer.encode(text).unwrap();
		if &ours != expected {
			wrong.push(format!("{text:?}: ours {ours:?}, expected {expected:?}"));
		}
	}
	assert!(
		wrong.is_empty(),
		"{name}: {} of {} differ:\n{}",
		wrong.len(),
		cases.len(),
		wrong.join("\n")
	);
}

/// Llama's SentencePiece vocabulary (32,000 scored pieces, byte fallback, a space before the
/// text): spaces, newlines, tabs, accents, emoji, CJK, code.
#[test]
fn sentencepiece_encodes_as_llamas_tokenizer() {
	check("llama-spm");
}

/// Qwen2's byte-level BPE with its split pattern (151,643 tokens).
#[test]
fn the_qwen2_pre_tokenizer_encodes_as_qwen2s_tokenizer() {
	check("qwen2");
}
