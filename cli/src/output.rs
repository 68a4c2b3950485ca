//! What a command prints: a typed row (or list of rows), as JSON for scripts with `--json`, or as
//! text for people.

use anyhow::Result;
use faithful_primitives::Balance;
use serde::Serialize;

/// Prints `value` as pretty JSON with `json`, else as `human` writes it.
pub fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
	if json {
		println!("{}", serde_json::to_string_pretty(value)?);
	} else {
		println!("{}", human(value));
	}
	Ok(())
}

/// An amount the node's RPC wrote as a decimal string (JSON numbers cannot hold a `u128`).
pub fn units(amount: &str) -> Balance {
	amount.parse().unwrap_or_default()
}

/// Lines joined, or `empty` when there are none.
pub fn lines<T>(
	items: &[T],
	empty: impl FnOnce() -> String,
	line: impl Fn(&T) -> String,
) -> String {
	if items.is_empty() {
		return empty();
	}
	items.iter().map(line).collect::<Vec<_>>().join("\n")
}
