//! Chain errors in a user's words: the failing pallet error's name and its documentation, never a
//! SCALE dump.

use subxt::error::{DispatchError, TransactionEventsError, TransactionFinalizedSuccessError};

/// Turns a failed dispatch into `Jobs.NoProviderAvailable: No offer for the model is at or below
/// the price cap ...`.
pub fn explain_dispatch(error: &DispatchError) -> String {
	if let DispatchError::Module(module) = error {
		if let Ok(details) = module.details() {
			let docs = details.variant.docs.join(" ");
			let docs = docs.trim();
			let name = format!("{}.{}", details.pallet.name(), details.variant.name);
			return if docs.is_empty() { name } else { format!("{name}: {docs}") };
		}
	}
	error.to_string()
}

/// The message of any error on the way from signing to finality.
pub fn explain(error: &TransactionFinalizedSuccessError) -> String {
	match error {
		TransactionFinalizedSuccessError::SuccessError(
			TransactionEventsError::ExtrinsicFailed(dispatch),
		) => explain_dispatch(dispatch),
		other => other.to_string(),
	}
}
