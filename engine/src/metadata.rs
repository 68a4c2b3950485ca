//! Typed reads of a GGUF file's metadata, with errors that name the missing or mistyped key.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::quantized::gguf_file::Value;

/// A GGUF file's key-value metadata.
pub type Metadata = HashMap<String, Value>;

fn get<'a>(metadata: &'a Metadata, key: &str) -> Result<&'a Value> {
	metadata.get(key).ok_or_else(|| anyhow!("the GGUF metadata has no {key}"))
}

pub fn string<'a>(metadata: &'a Metadata, key: &str) -> Result<&'a str> {
	Ok(get(metadata, key)?.to_string().with_context(|| format!("GGUF metadata {key}"))?)
}

pub fn usize(metadata: &Metadata, key: &str) -> Result<usize> {
	Ok(get(metadata, key)?.to_u32().with_context(|| format!("GGUF metadata {key}"))? as usize)
}

pub fn f32(metadata: &Metadata, key: &str) -> Result<f32> {
	get(metadata, key)?.to_f32().with_context(|| format!("GGUF metadata {key}"))
}

/// A boolean flag, or `default` when the key is absent.
pub fn flag(metadata: &Metadata, key: &str, default: bool) -> Result<bool> {
	match metadata.get(key) {
		Some(value) => value.to_bool().with_context(|| format!("GGUF metadata {key}")),
		None => Ok(default),
	}
}

/// An array of f32, such as a SentencePiece vocabulary's scores.
pub fn floats(metadata: &Metadata, key: &str) -> Result<Vec<f32>> {
	let values = get(metadata, key)?.to_vec().with_context(|| format!("GGUF metadata {key}"))?;
	values.iter().map(|v| v.to_f32().with_context(|| format!("GGUF metadata {key}"))).collect()
}

/// An array of strings, such as a vocabulary or a merge list.
pub fn strings<'a>(metadata: &'a Metadata, key: &str) -> Result<Vec<&'a str>> {
	let values = get(metadata, key)?.to_vec().with_context(|| format!("GGUF metadata {key}"))?;
	values
		.iter()
		.map(|v| Ok(v.to_string().with_context(|| format!("GGUF metadata {key}"))?.as_str()))
		.collect()
}

/// An array of integers of any width (token types are i32 in llama.cpp's files, but other
/// writers differ), or `None` when the key is absent.
pub fn integers(metadata: &Metadata, key: &str) -> Result<Option<Vec<i64>>> {
	let Some(value) = metadata.get(key) else { return Ok(None) };
	let values = value.to_vec().with_context(|| format!("GGUF metadata {key}"))?;
	values
		.iter()
		.map(|v| match v {
			Value::U8(x) => Ok(i64::from(*x)),
			Value::I8(x) => Ok(i64::from(*x)),
			Value::U16(x) => Ok(i64::from(*x)),
			Value::I16(x) => Ok(i64::from(*x)),
			Value::U32(x) => Ok(i64::from(*x)),
			Value::I32(x) => Ok(i64::from(*x)),
			Value::I64(x) => Ok(*x),
			other => bail!("GGUF metadata {key} holds {:?}, not integers", other.value_type()),
		})
		.collect::<Result<_>>()
		.map(Some)
}
