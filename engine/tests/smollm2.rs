//! The engine on the real embedded default model, SmolLM2-135M-Instruct Q4_1. Skipped, with a
//! message, when the model is not on this machine: `scripts/fetch-model.sh` fetches it (the
//! README's test command runs it first). Tests never download anything themselves.

mod common;

use candle_core::Device;
use faithful_engine::{
	generate, verify, Finish, Model, Rejection, SampledParams, Sampling, DEFAULT_EPSILON,
};

const FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The model fetched by `scripts/fetch-model.sh`, or `None` (with a message) when absent.
fn model() -> Option<Model> {
	let path = common::cached("FAITHFUL_MODELS", "models", FILE, "fetch-model.sh")?;
	Some(Model::load(&path, &Device::Cpu).expect("the fetched model loads"))
}

#[test]
fn the_tokenizer_matches_smollm2s() {
	let Some(model) = model() else { return };
	let tokenizer = model.tokenizer();
	assert_eq!(tokenizer.len(), 49_152);
	for text in ["What is the capital of France?", "Año 2024: 3.14 ≠ π\n\t😀", "  <|im_end|>"]
	{
		assert_eq!(tokenizer.decode(&tokenizer.encode(text).unwrap()).unwrap(), text);
	}
	let digits = tokenizer.encode("12345").unwrap();
	assert_eq!(digits.len(), 5, "digits are split one by one: {digits:?}");
	let hello = tokenizer.encode("Hello world").unwrap();
	assert_eq!(hello.len(), 2, "whole words in the vocabulary: {hello:?}");
	let prompt = model.chat_prompt("Hi").unwrap();
	assert_eq!(prompt[0], 1, "<|im_start|>");
	assert_eq!(model.chat().end(), 2, "<|im_end|>");
	assert_eq!(
		tokenizer.decode(&prompt).unwrap(),
		"<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
	);
}

#[test]
fn the_greedy_answer_names_paris_verifies_and_a_changed_token_does_not() {
	let Some(mut model) = model() else { return };
	let prompt = model.chat_prompt("What is the capital of France?").unwrap();
	let max = 64;
	let out = generate(&mut model, &prompt, &Sampling::Greedy, max, |_, _| {}).unwrap();
	assert!(out.text.contains("Paris"), "{:?}", out.text);
	assert_eq!(out.finish, Finish::Eos, "{:?}", out.text);

	let verdict =
		verify(&model, &prompt, &Sampling::Greedy, &out.tokens, out.finish, max, DEFAULT_EPSILON)
			.unwrap();
	assert!(verdict.accepted, "{verdict:?}");
	eprintln!("honest greedy margin: {}", verdict.margin);

	let mut forged = out.tokens.clone();
	let paris = forged
		.iter()
		.position(|&t| model.tokenizer().decode(&[t]).unwrap().contains("Paris"))
		.expect("a token spells Paris");
	forged[paris] = model.tokenizer().encode(" London").unwrap()[0];
	let verdict =
		verify(&model, &prompt, &Sampling::Greedy, &forged, out.finish, max, DEFAULT_EPSILON)
			.unwrap();
	assert!(!verdict.accepted);
	assert_eq!(verdict.first_bad_position, Some(paris));
	assert_eq!(verdict.rejection, Some(Rejection::NotExplained));
}

#[test]
fn a_sampled_answer_verifies_and_truncating_it_does_not() {
	let Some(mut model) = model() else { return };
	let prompt = model.chat_prompt("Write a short poem about the sea.").unwrap();
	let sampling = Sampling::Sampled(SampledParams::new(0.8, 50, 0.95, 2024).unwrap());
	let max = 48;
	let out = generate(&mut model, &prompt, &sampling, max, |_, _| {}).unwrap();
	let verdict =
		verify(&model, &prompt, &sampling, &out.tokens, out.finish, max, DEFAULT_EPSILON).unwrap();
	assert!(verdict.accepted, "{verdict:?}");
	eprintln!("honest sampled margin: {}", verdict.margin);

	let cut = &out.tokens[..out.n_tokens() / 2];
	let verdict =
		verify(&model, &prompt, &sampling, cut, Finish::Length, max, DEFAULT_EPSILON).unwrap();
	assert_eq!(verdict.rejection, Some(Rejection::WrongLength));
	let other_seed = Sampling::Sampled(SampledParams::new(0.8, 50, 0.95, 2025).unwrap());
	let verdict =
		verify(&model, &prompt, &other_seed, &out.tokens, out.finish, max, DEFAULT_EPSILON)
			.unwrap();
	assert!(!verdict.accepted, "another seed's noise does not explain it: {verdict:?}");
}

/// The evidence behind `DEFAULT_EPSILON` on the CPU: how far the teacher-forced pass's logit
/// differences `l_j - l_c` (c the generated token) stray from the decoder's, over whole answers.
#[test]
fn the_decoder_and_the_teacher_forced_pass_give_the_same_logits() {
	let Some(mut model) = model() else { return };
	let mut worst = 0f64;
	let mut positions = 0;
	for question in ["What is the capital of France?", "Explain how a rainbow forms."] {
		let prompt = model.chat_prompt(question).unwrap();
		let out = generate(&mut model, &prompt, &Sampling::Greedy, 96, |_, _| {}).unwrap();
		let n = out.n_tokens();
		let mut sequence = prompt.clone();
		sequence.extend_from_slice(&out.tokens[..n - 1]);
		let teacher = model.teacher_logits(&sequence, prompt.len() - 1).unwrap();
		let mut decoded = model.next_logits(&prompt, 0).unwrap();
		for (i, &chosen) in out.tokens.iter().enumerate() {
			let row = teacher.get(i).unwrap().to_vec1::<f32>().unwrap();
			let (dc, tc) = (f64::from(decoded[chosen as usize]), f64::from(row[chosen as usize]));
			for (d, t) in decoded.iter().zip(&row) {
				worst = worst.max(((f64::from(*d) - dc) - (f64::from(*t) - tc)).abs());
			}
			positions += 1;
			if i + 1 < n {
				decoded = model.next_logits(&[chosen], prompt.len() + i).unwrap();
			}
		}
	}
	eprintln!(
		"largest decoder/teacher difference in logit differences over {positions} positions: \
		 {worst:.6} (epsilon {DEFAULT_EPSILON})"
	);
	// On the CPU the forward pass is batch-invariant: no difference at all.
	assert_eq!(worst, 0.0);
}

#[test]
fn answers_of_the_model_with_a_zeroed_layer_are_rejected() {
	let Some(honest) = model() else { return };
	let prompt = honest.chat_prompt("What is the capital of France?").unwrap();
	// The first, a middle and the last layer: a cheat may degrade any of them.
	for layer in [0, 15, 29] {
		let mut degraded = model().expect("loaded once already");
		degraded.zero_layer(layer).unwrap();
		let out = generate(&mut degraded, &prompt, &Sampling::Greedy, 32, |_, _| {}).unwrap();
		let verdict = verify(
			&honest,
			&prompt,
			&Sampling::Greedy,
			&out.tokens,
			out.finish,
			32,
			DEFAULT_EPSILON,
		)
		.unwrap();
		assert!(!verdict.accepted, "layer {layer} zeroed went unnoticed: {:?}", out.text);
	}
}

/// The registered file is Q4_1; a provider serving the same network rounded to Q4_0 answers
/// differently somewhere in a longer answer, and that answer must not pass.
#[test]
fn answers_of_the_model_requantized_are_rejected() {
	let Some(honest) = model() else { return };
	let mut requantized = model().expect("loaded once already");
	requantized.requantize(candle_core::quantized::GgmlDType::Q4_0).unwrap();
	let prompt = honest.chat_prompt("Explain how a rainbow forms.").unwrap();
	let out = generate(&mut requantized, &prompt, &Sampling::Greedy, 64, |_, _| {}).unwrap();
	let verdict =
		verify(&honest, &prompt, &Sampling::Greedy, &out.tokens, out.finish, 64, DEFAULT_EPSILON)
			.unwrap();
	assert!(!verdict.accepted, "the Q4_0 model's answer went unnoticed: {:?}", out.text);
	eprintln!(
		"Q4_0 answer rejected at position {:?}, margin {}",
		verdict.first_bad_position, verdict.margin
	);
}
