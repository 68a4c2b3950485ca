//! What the chain records about a model file: its id, the BLAKE2b-256 hash of the GGUF file
//! (which holds the weights, the tokenizer and the chat template, so the id pins down exactly what
//! answers a prompt), and the name, architecture and context length read from its header.

use std::{
	fs::File,
	io::{self, Read},
	path::Path,
};

use anyhow::{anyhow, bail, Context};
use candle_core::quantized::gguf_file::{Content, Value};
use faithful_primitives::models::{Architecture, ModelId};

/// Bytes read per step; large enough that hashing, not I/O calls, dominates.
const CHUNK_BYTES: usize = 1 << 20;

/// Hashes everything `reader` yields, calling `progress` with the bytes hashed so far.
pub fn hash_reader(mut reader: impl Read, mut progress: impl FnMut(u64)) -> io::Result<ModelId> {
	let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
	let mut buffer = vec![0u8; CHUNK_BYTES];
	let mut done = 0u64;
	loop {
		let read = match reader.read(&mut buffer) {
			Ok(0) => break,
			Ok(read) => read,
			Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
			Err(e) => return Err(e),
		};
		state.update(&buffer[..read]);
		done += read as u64;
		progress(done);
	}
	Ok(ModelId::from_slice(state.finalize().as_bytes()))
}

/// Hashes a GGUF file, calling `progress(done, total)` as it goes.
pub fn hash_file(path: &Path, mut progress: impl FnMut(u64, u64)) -> io::Result<ModelId> {
	let file = File::open(path)?;
	let total = file.metadata()?.len();
	hash_reader(file, |done| progress(done, total))
}

/// A model file's registration facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GgufFacts {
	/// The file's name up to its first dot (`SmolLM2-135M-Instruct.Q4_1.gguf` gives
	/// `SmolLM2-135M-Instruct`): what people type, and what providers of the same weights agree on.
	pub name: String,
	pub architecture: Architecture,
	/// Tokens of context, prompt and answer together.
	pub context_length: u32,
}

/// Reads a GGUF header (not the weights) for the facts a registration needs.
pub fn read_facts(path: &Path) -> anyhow::Result<GgufFacts> {
	let name = path
		.file_name()
		.and_then(|n| n.to_str())
		.and_then(|n| n.split('.').next())
		.filter(|n| !n.is_empty())
		.ok_or_else(|| anyhow!("{} has no file name to name the model by", path.display()))?
		.to_owned();
	let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
	let content =
		Content::read(&mut file).with_context(|| format!("reading {} as GGUF", path.display()))?;
	let text = |key: &str| -> anyhow::Result<String> {
		match content.metadata.get(key) {
			Some(Value::String(value)) => Ok(value.clone()),
			_ => bail!("{} has no text `{key}` in its GGUF header", path.display()),
		}
	};
	let family = text("general.architecture")?;
	let architecture = match family.as_str() {
		"llama" => Architecture::Llama,
		"qwen2" => Architecture::Qwen2,
		"gemma3" => Architecture::Gemma3,
		other => bail!("{}: architecture `{other}` is not one the market serves", path.display()),
	};
	let key = format!("{family}.context_length");
	let context_length = match content.metadata.get(&key) {
		Some(Value::U32(n)) => *n,
		Some(Value::U64(n)) => u32::try_from(*n).context("context length beyond u32")?,
		Some(Value::I32(n)) => u32::try_from(*n).context("negative context length")?,
		_ => bail!("{} has no integer `{key}` in its GGUF header", path.display()),
	};
	Ok(GgufFacts { name, architecture, context_length })
}

#[cfg(test)]
mod tests {
	use super::*;
	use faithful_primitives::hex;
	use std::io::Write;

	#[test]
	fn empty_input_hashes_to_the_blake2b_256_test_vector() {
		let id = hash_reader(io::empty(), |_| {}).unwrap();
		assert_eq!(
			hex::encode(id.as_bytes()),
			"0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
		);
	}

	#[test]
	fn abc_hashes_to_the_blake2b_256_test_vector() {
		let id = hash_reader(&b"abc"[..], |_| {}).unwrap();
		assert_eq!(
			hex::encode(id.as_bytes()),
			"0xbddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
		);
	}

	#[test]
	fn a_file_larger_than_one_chunk_hashes_like_its_bytes_in_one_piece() {
		let bytes: Vec<u8> =
			(0..(CHUNK_BYTES * 2 + 12_345)).map(|i| (i * 31 % 251) as u8).collect();
		let mut file = tempfile::NamedTempFile::new().unwrap();
		file.write_all(&bytes).unwrap();
		let mut reports = Vec::new();
		let id = hash_file(file.path(), |done, total| reports.push((done, total))).unwrap();

		let one_piece = blake2b_simd::Params::new().hash_length(32).hash(&bytes);
		assert_eq!(id.as_bytes(), one_piece.as_bytes());
		assert_eq!(reports.len(), 3, "one report per chunk read");
		assert_eq!(reports.last(), Some(&(bytes.len() as u64, bytes.len() as u64)));
	}

	#[test]
	fn a_missing_file_is_an_error_not_a_hash() {
		let err = hash_file(Path::new("/nonexistent/model.gguf"), |_, _| {}).unwrap_err();
		assert_eq!(err.kind(), io::ErrorKind::NotFound);
	}
}
