//! The inference engine: loads GGUF models, turns prompts into tokens and back, generates answers
//! with the protocol's deterministic sampler and verifies claimed answers by teacher-forced
//! re-execution. It knows nothing of the chain; the provider daemon builds on it.
//! docs/inference.md describes the design and the measured figures.

mod chat;
mod generate;
mod llama;
mod metadata;
mod model;
mod sampler;
#[cfg(test)]
pub(crate) mod test_model;
mod tokenizer;
mod verify;

pub use chat::Chat;
pub use generate::{generate, Finish, Generation};
pub use model::{Architecture, Model};
pub use sampler::{SampledParams, Sampling};
pub use tokenizer::Tokenizer;
pub use verify::{verify, Rejection, Verdict, DEFAULT_EPSILON};
