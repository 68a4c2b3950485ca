//! Chain errors as values: which pallet refused a call and why, in the pallet's own words, so
//! callers decide on the error and users read its documentation, never a SCALE dump.

use std::fmt;

use subxt::error::{DispatchError, TransactionEventsError, TransactionFinalizedSuccessError};

/// A pallet's error, as the runtime's metadata names and documents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleError {
	/// The pallet, e.g. `Jobs`.
	pub pallet: String,
	/// The error's variant, e.g. `NotChallengeable`.
	pub error: String,
	/// Its documentation, joined into one line.
	pub docs: String,
}

/// Why a signed transaction did not end in success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitError {
	/// The chain ran the call and a pallet refused it.
	Module(ModuleError),
	/// The chain ran the call and it failed outside any pallet (a bad origin, arithmetic, ...).
	Dispatch(String),
	/// The node refused the transaction, or it never reached a finalized block.
	NotIncluded(String),
}

impl SubmitError {
	/// Whether `pallet` refused the call with `error`.
	pub fn is_module(&self, pallet: &str, error: &str) -> bool {
		matches!(self, Self::Module(m) if m.pallet == pallet && m.error == error)
	}

	pub(crate) fn dispatch(error: &DispatchError) -> Self {
		if let DispatchError::Module(module) = error {
			if let Ok(details) = module.details() {
				return Self::Module(ModuleError {
					pallet: details.pallet.name().to_owned(),
					error: details.variant.name.clone(),
					docs: details.variant.docs.join(" ").trim().to_owned(),
				});
			}
		}
		Self::Dispatch(error.to_string())
	}

	pub(crate) fn finalized(error: &TransactionFinalizedSuccessError) -> Self {
		match error {
			TransactionFinalizedSuccessError::SuccessError(
				TransactionEventsError::ExtrinsicFailed(dispatch),
			) => Self::dispatch(dispatch),
			other => Self::NotIncluded(other.to_string()),
		}
	}
}

/// `Jobs.NoProviderAvailable: No offer for the model is at or below the price cap ...`.
impl fmt::Display for SubmitError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Module(ModuleError { pallet, error, docs }) if docs.is_empty() => {
				write!(f, "{pallet}.{error}")
			}
			Self::Module(ModuleError { pallet, error, docs }) => {
				write!(f, "{pallet}.{error}: {docs}")
			}
			Self::Dispatch(message) => write!(f, "{message}"),
			Self::NotIncluded(message) => write!(f, "the transaction was not included: {message}"),
		}
	}
}

impl std::error::Error for SubmitError {}
