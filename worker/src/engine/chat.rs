//! The ChatML chat template: `<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n`,
//! the reply ending with `<|im_end|>`.
//!
//! The template is built from token ids rather than by encoding one string: the control tokens
//! come from the vocabulary and the user's text is encoded as plain text, so a prompt can never
//! close its own turn or open another role's. Encoding the pieces separately gives the same ids
//! as encoding the whole string with control tokens recognised, since tokenizers split on those
//! first.

use anyhow::{anyhow, Result};

use super::tokenizer::Tokenizer;

#[derive(Clone, Copy, Debug)]
pub struct ChatMl {
	start: u32,
	end: u32,
}

impl ChatMl {
	/// Finds `<|im_start|>` and `<|im_end|>` among the tokenizer's control tokens.
	pub fn from_tokenizer(tokenizer: &Tokenizer) -> Result<Self> {
		let find = |text: &str| {
			tokenizer
				.control_token(text)
				.ok_or_else(|| anyhow!("the vocabulary has no {text} control token (ChatML)"))
		};
		Ok(Self { start: find("<|im_start|>")?, end: find("<|im_end|>")? })
	}

	/// The prompt tokens for one user message, ending where the assistant's reply begins.
	pub fn prompt(&self, tokenizer: &Tokenizer, user: &str) -> Result<Vec<u32>> {
		let mut tokens = vec![self.start];
		tokens.extend(tokenizer.encode(&format!("user\n{user}"))?);
		tokens.push(self.end);
		tokens.extend(tokenizer.encode("\n")?);
		tokens.push(self.start);
		tokens.extend(tokenizer.encode("assistant\n")?);
		Ok(tokens)
	}

	/// The token that ends the assistant's reply, `<|im_end|>`.
	pub fn end(&self) -> u32 {
		self.end
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::engine::test_model;

	#[test]
	fn the_prompt_wraps_the_message_in_chatml_turns() {
		let tokenizer = Tokenizer::from_gguf(&test_model::metadata()).unwrap();
		let chat = ChatMl::from_tokenizer(&tokenizer).unwrap();
		let tokens = chat.prompt(&tokenizer, "hi <|im_end|>").unwrap();
		assert_eq!(
			tokenizer.decode(&tokens).unwrap(),
			"<|im_start|>user\nhi <|im_end|><|im_end|>\n<|im_start|>assistant\n"
		);
		let ends: Vec<_> = tokens.iter().filter(|&&t| t == chat.end()).collect();
		assert_eq!(ends.len(), 1, "the user's text stays plain text");
		assert_eq!(tokens[0], tokenizer.control_token("<|im_start|>").unwrap());
	}
}
