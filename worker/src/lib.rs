//! The Faithful compute provider: the model id computation every provider and model registrant
//! needs, and the inference engine; the provider daemon comes next.

pub mod engine;
pub mod model_id;
