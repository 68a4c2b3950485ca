//! The Faithful compute provider. For now: the model id computation every provider and model
//! registrant needs; the inference engine and the provider daemon come next.

pub mod model_id;
