//! The Faithful compute provider's daemon: it serves, verifies and challenges jobs on chain with
//! the inference engine (`faithful-engine`), which knows nothing of the chain.

pub mod daemon;
