//! Amounts as people write them ("1.5" FTH) and as the chain counts them (10^-12 FTH units).

use anyhow::{bail, Context, Result};
use faithful_primitives::{
	currency::{FTH, TOKEN_DECIMALS, TOKEN_SYMBOL},
	Balance,
};

/// Parses a decimal FTH amount such as `12`, `0.5` or `0.000001`.
pub fn parse_fth(text: &str) -> Result<Balance> {
	let text = text.trim().trim_end_matches(TOKEN_SYMBOL).trim();
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	if whole.is_empty() && fraction.is_empty() {
		bail!("`{text}` is not an amount");
	}
	if fraction.len() > TOKEN_DECIMALS as usize {
		bail!("`{text}` has more than {TOKEN_DECIMALS} decimals");
	}
	let whole: Balance = if whole.is_empty() {
		0
	} else {
		whole.parse().with_context(|| format!("`{text}` is not an amount"))?
	};
	let padded = format!("{fraction:0<width$}", width = TOKEN_DECIMALS as usize);
	let fraction: Balance = padded.parse().with_context(|| format!("`{text}` is not an amount"))?;
	whole
		.checked_mul(FTH)
		.and_then(|units| units.checked_add(fraction))
		.with_context(|| format!("`{text}` is too large"))
}

/// Formats chain units as FTH without losing precision: `1.5 FTH`, `0.000001 FTH`.
pub fn format_fth(units: Balance) -> String {
	let whole = units / FTH;
	let fraction = units % FTH;
	if fraction == 0 {
		return format!("{whole} {TOKEN_SYMBOL}");
	}
	let fraction = format!("{fraction:0>width$}", width = TOKEN_DECIMALS as usize);
	format!("{whole}.{} {TOKEN_SYMBOL}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_round_trip_exactly() {
		for (text, units) in [
			("1", FTH),
			("1.5", FTH + FTH / 2),
			("0.000000000001", 1),
			(".25", FTH / 4),
			("12 FTH", 12 * FTH),
		] {
			assert_eq!(parse_fth(text).unwrap(), units, "{text}");
		}
		assert_eq!(format_fth(FTH + FTH / 2), "1.5 FTH");
		assert_eq!(format_fth(1), "0.000000000001 FTH");
		assert_eq!(format_fth(7 * FTH), "7 FTH");
	}

	#[test]
	fn bad_amounts_are_refused_with_a_reason() {
		for text in ["", "abc", "1.2.3", "0.0000000000001", "-1", "1000000000000000000000000000"] {
			assert!(parse_fth(text).is_err(), "{text}");
		}
	}
}
