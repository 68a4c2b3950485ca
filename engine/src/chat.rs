//! The chat templates: one user turn, then the opening of the assistant's, whose reply ends with
//! the turn's end token. ChatML (SmolLM2, Qwen2):
//! `<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n`, the reply ending with
//! `<|im_end|>`; Gemma's: `<bos><start_of_turn>user\n{prompt}<end_of_turn>\n<start_of_turn>model\n`,
//! ending with `<end_of_turn>`. The vocabulary's control tokens say which one a model was trained
//! with.
//!
//! The template is built from token ids rather than by encoding one string: the control tokens
//! come from the vocabulary and the user's text is encoded as plain text, so a prompt can never
//! close its own turn or open another role's. Encoding the pieces separately gives the same ids
//! as encoding the whole string with control tokens recognised, since tokenizers split on those
//! first.

use anyhow::{bail, Result};

use super::tokenizer::Tokenizer;

/// A template's turn markers and the assistant's role name.
struct Template {
	name: &'static str,
	start: &'static str,
	end: &'static str,
	assistant: &'static str,
}

const TEMPLATES: [Template; 2] = [
	Template { name: "ChatML", start: "<|im_start|>", end: "<|im_end|>", assistant: "assistant" },
	Template { name: "Gemma", start: "<start_of_turn>", end: "<end_of_turn>", assistant: "model" },
];

#[derive(Clone, Copy, Debug)]
pub struct Chat {
	/// Opens a turn.
	start: u32,
	/// Closes a turn; ends the assistant's reply.
	end: u32,
	assistant: &'static str,
	/// The sequence's first token, when the model wants one.
	bos: Option<u32>,
}

impl Chat {
	/// The template whose turn markers are among the tokenizer's control tokens.
	pub fn from_tokenizer(tokenizer: &Tokenizer) -> Result<Self> {
		for template in &TEMPLATES {
			let (start, end) = (template.start, template.end);
			if let (Some(start), Some(end)) =
				(tokenizer.control_token(start), tokenizer.control_token(end))
			{
				return Ok(Self {
					start,
					end,
					assistant: template.assistant,
					bos: tokenizer.bos(),
				});
			}
		}
		let known: Vec<String> =
			TEMPLATES.iter().map(|t| format!("{} ({} {})", t.name, t.start, t.end)).collect();
		bail!(
			"the vocabulary has the control tokens of no chat template known: {}",
			known.join(", ")
		)
	}

	/// The prompt tokens for one user message, ending where the assistant's reply begins.
	pub fn prompt(&self, tokenizer: &Tokenizer, user: &str) -> Result<Vec<u32>> {
		let mut tokens: Vec<u32> = self.bos.into_iter().collect();
		tokens.push(self.start);
		tokens.extend(tokenizer.encode(&format!("user\n{user}"))?);
		tokens.push(self.end);
		tokens.extend(tokenizer.encode("\n")?);
		tokens.push(self.start);
		tokens.extend(tokenizer.encode(&format!("{}\n", self.assistant))?);
		Ok(tokens)
	}

	/// The token that ends the assistant's reply.
	pub fn end(&self) -> u32 {
		self.end
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_model;
	use faithful_primitives::jobs::CHAT_TEMPLATE_TOKENS;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]

		/// The chain admits a job when the prompt's bytes plus `CHAT_TEMPLATE_TOKENS` plus
		/// `max_tokens` fit the context (`jobs::fits_context`): so every template, wrapped around
		/// any text, must take at most that many tokens.
		#[test]
		fn a_chat_prompt_takes_at_most_its_bytes_plus_the_template_allowance(
			user in "(?s).{0,48}",
		) {
			for metadata in [test_model::metadata(), test_model::metadata_of("gemma3")] {
				let tokenizer = Tokenizer::from_gguf(&metadata).unwrap();
				let chat = Chat::from_tokenizer(&tokenizer).unwrap();
				let tokens = chat.prompt(&tokenizer, &user).unwrap();
				prop_assert!(
					tokens.len() <= user.len() + CHAT_TEMPLATE_TOKENS as usize,
					"{} tokens for {} bytes", tokens.len(), user.len()
				);
			}
		}
	}

	#[test]
	fn the_prompt_wraps_the_message_in_chatml_turns() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata()).unwrap();
		let chat = Chat::from_tokenizer(&tokenizer).unwrap();
		let tokens = chat.prompt(&tokenizer, "hi <|im_end|>").unwrap();
		assert_eq!(
			tokenizer.decode(&tokens).unwrap(),
			"<|im_start|>user\nhi <|im_end|><|im_end|>\n<|im_start|>assistant\n"
		);
		let ends: Vec<_> = tokens.iter().filter(|&&t| t == chat.end()).collect();
		assert_eq!(ends.len(), 1, "the user's text stays plain text");
		assert_eq!(tokens[0], tokenizer.control_token("<|im_start|>").unwrap());
	}

	#[test]
	fn gemmas_prompt_starts_with_bos_and_opens_the_models_turn() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata_of("gemma3")).unwrap();
		let chat = Chat::from_tokenizer(&tokenizer).unwrap();
		let tokens = chat.prompt(&tokenizer, "hi <end_of_turn>").unwrap();
		assert_eq!(
			tokenizer.decode(&tokens).unwrap(),
			"<bos><start_of_turn>user\nhi <end_of_turn><end_of_turn>\n<start_of_turn>model\n"
		);
		assert_eq!(Some(tokens[0]), tokenizer.bos());
		assert_eq!(chat.end(), tokenizer.control_token("<end_of_turn>").unwrap());
		assert_eq!(tokens.iter().filter(|&&t| t == chat.end()).count(), 1);
	}
}
