//! The Faithful compute provider: the inference engine, which knows nothing of the chain, and the
//! provider daemon built on it.

pub mod daemon;
pub mod engine;
