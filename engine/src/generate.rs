//! Generation: the prompt through the KV-cached decoder, then one token at a time chosen by the
//! protocol's sampler, until the end of the reply or the token budget.

use anyhow::{ensure, Result};

use super::{model::Model, sampler::Sampling, tokenizer::TextStream};

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
	/// The model produced the end-of-reply token, the last of the output tokens.
	Eos,
	/// The output reached `max_tokens` without one.
	Length,
}

#[derive(Clone, Debug)]
pub struct Generation {
	/// The output tokens; with [`Finish::Eos`] the last one is the end-of-reply token.
	pub tokens: Vec<u32>,
	/// The answer's text, without the end-of-reply token.
	pub text: String,
	pub finish: Finish,
}

impl Generation {
	/// How many tokens were generated, the end-of-reply token included.
	pub fn n_tokens(&self) -> usize {
		self.tokens.len()
	}
}

/// Generates at most `max_tokens` tokens after `prompt`. `on_token` sees each token with the text
/// it completes (empty while a character spans tokens), so the pieces add up to the answer.
/// `RUST_LOG=faithful_engine=debug` shows the time of the prefill and of the decode.
#[tracing::instrument(level = "debug", skip_all, fields(prompt_tokens = prompt.len(), max_tokens))]
pub fn generate(
	model: &mut Model,
	prompt: &[u32],
	sampling: &Sampling,
	max_tokens: usize,
	mut on_token: impl FnMut(u32, &str),
) -> Result<Generation> {
	ensure!(!prompt.is_empty(), "the prompt has no tokens");
	ensure!(max_tokens > 0, "max_tokens must be at least 1");
	ensure!(
		prompt.len() + max_tokens <= model.max_sequence_len(),
		"{} prompt tokens and up to {max_tokens} more exceed the model's {} positions",
		prompt.len(),
		model.max_sequence_len()
	);
	let end = model.chat().end();
	let mut logits = tracing::debug_span!("prefill").in_scope(|| model.next_logits(prompt, 0))?;
	let _decode = tracing::debug_span!("decode").entered();
	let mut tokens = Vec::new();
	let mut text = String::new();
	let mut stream = TextStream::default();
	loop {
		let token = sampling.choose(&logits, tokens.len() as u32);
		tokens.push(token);
		let finish = if token == end {
			Some(Finish::Eos)
		} else if tokens.len() == max_tokens {
			Some(Finish::Length)
		} else {
			None
		};
		let mut piece =
			if token == end { String::new() } else { stream.push(model.tokenizer().piece(token)?) };
		if finish.is_some() {
			piece.push_str(&stream.finish());
		}
		text.push_str(&piece);
		on_token(token, &piece);
		if let Some(finish) = finish {
			return Ok(Generation { tokens, text, finish });
		}
		logits = model.next_logits(&[token], prompt.len() + tokens.len() - 1)?;
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{sampler::SampledParams, test_model};

	#[test]
	fn generation_is_deterministic_for_a_seed_and_streams_its_text() {
		let mut model = test_model::load();
		let prompt = model.chat_prompt("the cat").unwrap();
		let sampling = Sampling::Sampled(SampledParams::new(1.5, 0, 1.0, 7).unwrap());
		let mut streamed = String::new();
		let mut seen = Vec::new();
		let first = generate(&mut model, &prompt, &sampling, 40, |token, piece| {
			seen.push(token);
			streamed.push_str(piece);
		})
		.unwrap();
		assert_eq!(seen, first.tokens);
		assert_eq!(streamed, first.text);
		let again = generate(&mut model, &prompt, &sampling, 40, |_, _| {}).unwrap();
		assert_eq!(again.tokens, first.tokens);
		let other_seed = Sampling::Sampled(SampledParams::new(1.5, 0, 1.0, 8).unwrap());
		let other = generate(&mut model, &prompt, &other_seed, 40, |_, _| {}).unwrap();
		assert_ne!(other.tokens, first.tokens);
	}

	#[test]
	fn generation_stops_at_the_token_budget_or_the_end_token() {
		let mut model = test_model::load();
		let prompt = model.chat_prompt("hello").unwrap();
		let out = generate(&mut model, &prompt, &Sampling::Greedy, 5, |_, _| {}).unwrap();
		match out.finish {
			Finish::Length => assert_eq!(out.n_tokens(), 5),
			Finish::Eos => assert_eq!(out.tokens.last(), Some(&model.chat().end())),
		}
		let text = model.tokenizer().decode(&out.tokens).unwrap();
		assert!(text.starts_with(&out.text));
		assert!(generate(&mut model, &prompt, &Sampling::Greedy, 0, |_, _| {}).is_err());
		assert!(generate(&mut model, &prompt, &Sampling::Greedy, 10_000, |_, _| {}).is_err());
	}
}
