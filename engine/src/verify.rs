//! Verification by re-execution: one teacher-forced pass over prompt ‖ claimed output, whose
//! logits at each position must explain the next claimed token within a tolerance.
//!
//! Bit equality is not a usable rule: CPU and GPU, thread counts, and decode versus prefill
//! differ in the last bits of the logits. So each claimed token's margin (how far it is from
//! being chosen, in logit units, see [`Sampling::margin`]) must be at most `epsilon`:
//! - greedy: its logit is within `epsilon` of the position's maximum;
//! - sampled: its Gumbel-perturbed score, scaled back to logit units, is within `epsilon` of the
//!   best score among the tokens that top-k and top-p surely kept, and it is a token they may
//!   have kept;
//! - termination: `Finish::Eos` needs the end-of-reply token as the last token, explained like
//!   any other, and nowhere before; `Finish::Length` needs exactly `max_tokens` tokens and no
//!   end-of-reply token (this catches truncated answers and faked endings).
//!
//! A claim that breaks the structural rules (a token outside the vocabulary, an early end, a
//! wrong length) is rejected without running the model.

use anyhow::{ensure, Result};

use super::{generate::Finish, model::Model, sampler::Sampling};

/// The tolerance on logit differences the engine verifies with, in logit units. On SmolLM2-135M
/// the decoder's and the teacher-forced pass's logit differences agree to about 1e-4, and the
/// logits are bit-identical across CPU thread counts (docs/inference.md); 0.05 leaves a factor of
/// several hundred for other machines and devices, while a substituted token is typically off by
/// whole logits. Only tokens within 0.05 logits of the model's choice, near-ties, can slip through.
pub const DEFAULT_EPSILON: f64 = 0.05;

/// Why a claim was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
	/// The logits do not choose the token within the tolerance.
	NotExplained,
	/// The token id is not in the vocabulary.
	OutsideVocabulary,
	/// An end-of-reply token before the last position.
	EarlyEnd,
	/// `Finish::Eos` claimed, but the last token is not the end-of-reply token.
	MissingEnd,
	/// `Finish::Length` claimed with an end-of-reply token as the last token.
	EndAtLength,
	/// More than `max_tokens` tokens, or fewer with `Finish::Length`.
	WrongLength,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
	pub accepted: bool,
	/// The output position of the first token that fails, if any.
	pub first_bad_position: Option<usize>,
	/// The largest margin over the positions checked, in logit units: all of them when accepted,
	/// those up to the first bad one when not; infinite for a structural rejection.
	pub margin: f64,
	pub rejection: Option<Rejection>,
}

impl Verdict {
	fn rejected(position: usize, margin: f64, rejection: Rejection) -> Self {
		Self {
			accepted: false,
			first_bad_position: Some(position),
			margin,
			rejection: Some(rejection),
		}
	}
}

/// Positions per block of the teacher-forced pass: enough for the batched products to run at full
/// speed, few enough that a block's logits stay small (256 × 49,152 f32 = 50 MB for SmolLM2).
const CHUNK: usize = 256;

/// Verifies that `output` is what `model` answers to `prompt` under `sampling`, ending with
/// `finish`, given the request's `max_tokens`.
#[tracing::instrument(level = "debug", skip_all, fields(prompt_tokens = prompt.len(), output_tokens = output.len()))]
pub fn verify(
	model: &Model,
	prompt: &[u32],
	sampling: &Sampling,
	output: &[u32],
	finish: Finish,
	max_tokens: usize,
	epsilon: f64,
) -> Result<Verdict> {
	ensure!(!prompt.is_empty(), "the prompt has no tokens");
	ensure!(max_tokens > 0, "max_tokens must be at least 1");
	ensure!(epsilon.is_finite() && epsilon >= 0.0, "epsilon must be finite and non-negative");
	if let Some(verdict) = check_structure(model, output, finish, max_tokens) {
		return Ok(verdict);
	}
	let n = output.len();
	ensure!(
		prompt.len() + n <= model.max_sequence_len(),
		"{} prompt and {n} output tokens exceed the model's {} positions",
		prompt.len(),
		model.max_sequence_len()
	);

	// Position p's logits predict token p + 1: the last output token need not be fed.
	let mut sequence = prompt.to_vec();
	sequence.extend_from_slice(&output[..n - 1]);
	let first_output = prompt.len() - 1;
	let mut worst = 0f64;
	let mut bad = None;
	model.teacher_logits_chunked(&sequence, first_output, CHUNK, |first, logits| {
		for row in 0..logits.dim(0)? {
			let position = first - first_output + row;
			let logits = logits.get(row)?.to_vec1::<f32>()?;
			let margin = sampling.margin(&logits, position as u32, output[position], epsilon);
			worst = worst.max(margin);
			if margin > epsilon {
				bad = Some(position);
				return Ok(false);
			}
		}
		Ok(true)
	})?;
	Ok(match bad {
		Some(position) => Verdict::rejected(position, worst, Rejection::NotExplained),
		None => {
			Verdict { accepted: true, first_bad_position: None, margin: worst, rejection: None }
		}
	})
}

/// The rules that need no model run; `None` when the claim passes them. Ensures a claim that
/// passes has at least one token.
fn check_structure(
	model: &Model,
	output: &[u32],
	finish: Finish,
	max_tokens: usize,
) -> Option<Verdict> {
	let end = model.chat().end();
	let vocabulary = model.tokenizer().len();
	let n = output.len();
	for (position, &token) in output.iter().enumerate() {
		let rejection = if position == max_tokens {
			Rejection::WrongLength
		} else if token as usize >= vocabulary {
			Rejection::OutsideVocabulary
		} else if token == end && position + 1 < n {
			Rejection::EarlyEnd
		} else {
			continue;
		};
		return Some(Verdict::rejected(position, f64::INFINITY, rejection));
	}
	let ends = output.last() == Some(&end);
	match finish {
		Finish::Eos if !ends => {
			Some(Verdict::rejected(n.saturating_sub(1), f64::INFINITY, Rejection::MissingEnd))
		}
		Finish::Length if ends => {
			Some(Verdict::rejected(n - 1, f64::INFINITY, Rejection::EndAtLength))
		}
		Finish::Length if n < max_tokens => {
			Some(Verdict::rejected(n, f64::INFINITY, Rejection::WrongLength))
		}
		_ => None,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{generate::generate, sampler::SampledParams, test_model};

	const MAX: usize = 24;

	fn sampled() -> Sampling {
		Sampling::Sampled(SampledParams::new(0.9, 40, 0.95, 11).unwrap())
	}

	#[test]
	fn honest_outputs_verify() {
		for architecture in ["llama", "gemma3"] {
			honest_outputs_of_verify(test_model::load_architecture(architecture));
		}
	}

	fn honest_outputs_of_verify(mut model: Model) {
		for (text, sampling) in [("the cat", Sampling::Greedy), ("in the hat", sampled())] {
			let prompt = model.chat_prompt(text).unwrap();
			let out = generate(&mut model, &prompt, &sampling, MAX, |_, _| {}).unwrap();
			let verdict =
				verify(&model, &prompt, &sampling, &out.tokens, out.finish, MAX, DEFAULT_EPSILON)
					.unwrap();
			assert!(verdict.accepted, "{verdict:?}");
			assert!(verdict.margin < 1e-3, "{verdict:?}");
		}
	}

	#[test]
	fn a_changed_token_is_rejected_at_its_position() {
		for architecture in ["llama", "gemma3"] {
			a_changed_token_of_is_rejected(test_model::load_architecture(architecture));
		}
	}

	fn a_changed_token_of_is_rejected(mut model: Model) {
		let prompt = model.chat_prompt("the cat").unwrap();
		for sampling in [Sampling::Greedy, sampled()] {
			let out = generate(&mut model, &prompt, &sampling, MAX, |_, _| {}).unwrap();
			let mut forged = out.tokens.clone();
			let at = forged.len() / 2;
			forged[at] = if forged[at] == 100 { 101 } else { 100 };
			let verdict =
				verify(&model, &prompt, &sampling, &forged, out.finish, MAX, DEFAULT_EPSILON)
					.unwrap();
			assert!(!verdict.accepted);
			assert_eq!(verdict.first_bad_position, Some(at), "{verdict:?}");
			assert_eq!(verdict.rejection, Some(Rejection::NotExplained));
			assert!(verdict.margin > DEFAULT_EPSILON);
		}
	}

	#[test]
	fn random_tokens_and_other_prompts_answers_are_rejected() {
		let mut model = test_model::load();
		let prompt = model.chat_prompt("the cat").unwrap();
		let random: Vec<u32> = (0..MAX as u32).map(|i| 3 + (i * 7919 + 13) % 263).collect();
		for sampling in [Sampling::Greedy, sampled()] {
			let verdict =
				verify(&model, &prompt, &sampling, &random, Finish::Length, MAX, DEFAULT_EPSILON)
					.unwrap();
			assert!(!verdict.accepted);
			assert_eq!(verdict.first_bad_position, Some(0), "{verdict:?}");
		}
		let other_prompt = model.chat_prompt("a hat in 1999").unwrap();
		let other = generate(&mut model, &other_prompt, &Sampling::Greedy, MAX, |_, _| {}).unwrap();
		let verdict =
			verify(&model, &prompt, &Sampling::Greedy, &other.tokens, other.finish, MAX, 0.05)
				.unwrap();
		assert!(!verdict.accepted, "{verdict:?}");
	}

	#[test]
	fn truncated_and_falsely_ended_outputs_are_rejected() {
		let mut model = test_model::load();
		let prompt = model.chat_prompt("the cat").unwrap();
		let end = model.chat().end();
		let ended = generate(&mut model, &prompt, &Sampling::Greedy, MAX, |_, _| {}).unwrap();
		assert_eq!(ended.finish, Finish::Eos, "the tiny model ends this answer");
		let n = ended.n_tokens();
		assert!(n > 5, "{:?}", ended.tokens);
		let budget = n - 1;
		let cut = generate(&mut model, &prompt, &Sampling::Greedy, budget, |_, _| {}).unwrap();
		assert_eq!((cut.finish, &cut.tokens[..]), (Finish::Length, &ended.tokens[..budget]));
		let check = |tokens: &[u32], finish, max| {
			verify(&model, &prompt, &Sampling::Greedy, tokens, finish, max, DEFAULT_EPSILON)
				.unwrap()
		};
		assert!(check(&ended.tokens, Finish::Eos, MAX).accepted);
		assert!(check(&cut.tokens, Finish::Length, budget).accepted);

		let truncated = check(&cut.tokens[..3], Finish::Length, budget);
		assert_eq!(truncated.rejection, Some(Rejection::WrongLength));
		assert_eq!(truncated.first_bad_position, Some(3));
		let too_long = check(&cut.tokens, Finish::Length, budget - 1);
		assert_eq!(too_long.rejection, Some(Rejection::WrongLength));
		assert_eq!(too_long.first_bad_position, Some(budget - 1));

		let mut faked = ended.tokens[..3].to_vec();
		faked.push(end);
		let verdict = check(&faked, Finish::Eos, MAX);
		assert_eq!(verdict.rejection, Some(Rejection::NotExplained), "{verdict:?}");
		assert_eq!(verdict.first_bad_position, Some(3));
		let missing = check(&cut.tokens, Finish::Eos, MAX);
		assert_eq!(missing.rejection, Some(Rejection::MissingEnd));
		assert_eq!(check(&ended.tokens, Finish::Length, n).rejection, Some(Rejection::EndAtLength));
		let mut early = ended.tokens.clone();
		early.push(ended.tokens[0]);
		let verdict = check(&early, Finish::Length, n + 1);
		assert_eq!(verdict.rejection, Some(Rejection::EarlyEnd));
		assert_eq!(verdict.first_bad_position, Some(n - 1));
		let outside = check(&[9999], Finish::Length, 1);
		assert_eq!(outside.rejection, Some(Rejection::OutsideVocabulary));
	}
}
