//! What the daemon asks of the engine, in the chain's terms: answer a job, or judge another
//! provider's answer. Pure functions of a loaded model, so they are tested without a chain.

use anyhow::Result;
use faithful_primitives::{
	jobs::{
		on_chain_text, result_commitment, Commitment, FinishReason, JobId, Sampling as JobSampling,
		TokenId,
	},
	models::ModelId,
};

use faithful_engine::{self as engine, Finish, Model, SampledParams, Sampling};

/// A job as the chain stores it, what both answering and judging replay.
#[derive(Clone, Debug)]
pub struct JobInput {
	pub id: JobId,
	pub model: ModelId,
	/// The user's message; bytes that are not UTF-8 are replaced by U+FFFD by every party alike.
	pub prompt: Vec<u8>,
	pub sampling: JobSampling,
	pub seed: u64,
	pub max_tokens: u32,
}

/// A result as posted with `submit_result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
	/// What the tokens decode to, cut to the chain's bound (`jobs::on_chain_text`).
	pub text: String,
	pub tokens: Vec<TokenId>,
	pub finish: FinishReason,
	pub commitment: Commitment,
}

/// Why a judged answer is wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
	/// Re-execution does not explain a token (or the ending), at this output position.
	Tokens { position: usize, margin: f64 },
	/// The text is not what the tokens decode to (cut to the chain's bound).
	Text,
	/// The commitment is not over this job and these tokens.
	Commitment,
}

impl std::fmt::Display for Fault {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Fault::Tokens { position, margin } => {
				write!(f, "output token {position} is not explained (margin {margin:.4})")
			}
			Fault::Text => write!(f, "the text is not what the tokens decode to"),
			Fault::Commitment => write!(f, "the commitment does not match the job and tokens"),
		}
	}
}

/// The engine's sampler for a job: the chain's parameters with the job's seed.
pub fn engine_sampling(sampling: &JobSampling, seed: u64) -> Result<Sampling> {
	Ok(match *sampling {
		JobSampling::Greedy => Sampling::Greedy,
		JobSampling::Sampled { temperature_milli, top_k, top_p } => {
			Sampling::Sampled(SampledParams::new(
				f64::from(temperature_milli) / 1_000.0,
				top_k,
				f64::from(top_p.deconstruct()) / 1_000_000.0,
				seed,
			)?)
		}
	})
}

fn prompt_tokens(model: &Model, job: &JobInput) -> Result<Vec<TokenId>> {
	model.chat_prompt(&String::from_utf8_lossy(&job.prompt))
}

/// Runs `job`, calling `on_token` as tokens come.
pub fn answer(model: &mut Model, job: &JobInput, mut on_token: impl FnMut(u32)) -> Result<Answer> {
	let prompt = prompt_tokens(model, job)?;
	let sampling = engine_sampling(&job.sampling, job.seed)?;
	let generation =
		engine::generate(model, &prompt, &sampling, job.max_tokens as usize, |token, _| {
			on_token(token)
		})?;
	let finish = match generation.finish {
		Finish::Eos => FinishReason::Eos,
		Finish::Length => FinishReason::Length,
	};
	let commitment =
		result_commitment(&job.model, &prompt, &job.sampling, job.seed, &generation.tokens);
	Ok(Answer {
		text: on_chain_text(&model.answer_text(&generation.tokens)?).to_owned(),
		tokens: generation.tokens,
		finish,
		commitment,
	})
}

/// Judges another provider's `claimed` answer to `job` by teacher-forced re-execution: `Ok(None)`
/// when honest, else what is wrong.
pub fn judge(
	model: &Model,
	job: &JobInput,
	claimed: &Answer,
	epsilon: f64,
) -> Result<Option<Fault>> {
	let prompt = prompt_tokens(model, job)?;
	let sampling = engine_sampling(&job.sampling, job.seed)?;
	let finish = match claimed.finish {
		FinishReason::Eos => Finish::Eos,
		FinishReason::Length => Finish::Length,
	};
	let verdict = engine::verify(
		model,
		&prompt,
		&sampling,
		&claimed.tokens,
		finish,
		job.max_tokens as usize,
		epsilon,
	)?;
	if !verdict.accepted {
		let position = verdict.first_bad_position.unwrap_or(claimed.tokens.len());
		return Ok(Some(Fault::Tokens { position, margin: verdict.margin }));
	}
	if on_chain_text(&model.answer_text(&claimed.tokens)?) != claimed.text {
		return Ok(Some(Fault::Text));
	}
	let honest = result_commitment(&job.model, &prompt, &job.sampling, job.seed, &claimed.tokens);
	if honest != claimed.commitment {
		return Ok(Some(Fault::Commitment));
	}
	Ok(None)
}

#[cfg(test)]
mod tests {
	use super::*;
	use faithful_engine::{test_model, DEFAULT_EPSILON};
	use faithful_primitives::Hash;
	use polkadot_sdk::sp_runtime::Permill;

	fn job(sampling: JobSampling) -> JobInput {
		JobInput {
			id: 3,
			model: Hash::repeat_byte(1),
			prompt: b"the cat".to_vec(),
			sampling,
			seed: 42,
			max_tokens: 12,
		}
	}

	fn sampled() -> JobSampling {
		JobSampling::Sampled {
			temperature_milli: 1_500,
			top_k: 0,
			top_p: Permill::from_percent(95),
		}
	}

	#[test]
	fn an_honest_answer_is_judged_honest() {
		let mut model = test_model::load();
		for sampling in [JobSampling::Greedy, sampled()] {
			let job = job(sampling);
			let mut streamed = 0;
			let answer = answer(&mut model, &job, |_| streamed += 1).unwrap();
			assert_eq!(streamed, answer.tokens.len());
			assert_eq!(judge(&model, &job, &answer, DEFAULT_EPSILON).unwrap(), None);
		}
	}

	#[test]
	fn changed_tokens_text_or_commitment_are_each_faults() {
		let mut model = test_model::load();
		let job = job(sampled());
		let honest = answer(&mut model, &job, |_| {}).unwrap();

		let mut tokens = honest.clone();
		tokens.tokens[0] = (tokens.tokens[0] + 1) % 64;
		tokens.commitment = result_commitment(
			&job.model,
			&model.chat_prompt("the cat").unwrap(),
			&job.sampling,
			42,
			&tokens.tokens,
		);
		assert!(matches!(
			judge(&model, &job, &tokens, DEFAULT_EPSILON).unwrap(),
			Some(Fault::Tokens { position: 0, .. })
		));

		let mut text = honest.clone();
		text.text.push_str(" and a dog");
		assert_eq!(judge(&model, &job, &text, DEFAULT_EPSILON).unwrap(), Some(Fault::Text));

		let mut commitment = honest.clone();
		commitment.commitment = Hash::repeat_byte(9);
		assert_eq!(
			judge(&model, &job, &commitment, DEFAULT_EPSILON).unwrap(),
			Some(Fault::Commitment)
		);

		let other_seed = JobInput { seed: 43, ..job.clone() };
		assert!(judge(&model, &other_seed, &honest, DEFAULT_EPSILON).unwrap().is_some());
	}

	#[test]
	fn a_model_with_a_zeroed_layer_answers_what_the_real_one_rejects() {
		let mut model = test_model::load();
		let job = job(JobSampling::Greedy);
		let mut degraded = test_model::load();
		degraded.zero_layer(0).unwrap();
		let cheat = answer(&mut degraded, &job, |_| {}).unwrap();
		let honest = answer(&mut model, &job, |_| {}).unwrap();
		assert_ne!(cheat.tokens, honest.tokens, "the tiny model must notice the zeroed layer");
		assert!(judge(&model, &job, &cheat, DEFAULT_EPSILON).unwrap().is_some());
		assert!(degraded.zero_layer(99).is_err());
	}
}
