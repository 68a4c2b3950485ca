//! The inference engine, and the protocol's executable specification: it loads GGUF models, turns
//! prompts into tokens and back, generates answers with the protocol's deterministic sampler and
//! verifies claimed answers by teacher-forced re-execution. It knows nothing of the chain (no
//! subxt, no metrics), so a second implementation or an independent verifier can depend on it
//! alone. docs/inference.md describes the design and the measured figures.

mod chat;
mod generate;
mod llama;
mod metadata;
mod model;
pub mod model_file;
mod sampler;
#[cfg(any(test, feature = "test-model"))]
pub mod test_model;
mod tokenizer;
mod verify;

/// Where a model runs: candle's device, so callers need not depend on candle themselves.
pub use candle_core::Device;
pub use chat::Chat;
pub use generate::{generate, Finish, Generation};
pub use model::{Architecture, Model};
pub use sampler::{SampledParams, Sampling};
pub use tokenizer::Tokenizer;
pub use verify::{verify, Rejection, Verdict, DEFAULT_EPSILON};
