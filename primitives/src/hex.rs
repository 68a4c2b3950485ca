//! Bytes as `0x`-prefixed lowercase hex: the one spelling of ids, hashes, keys and salts that the
//! RPC, the CLI, the worker's state file and explorers share.

use alloc::{string::String, vec::Vec};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `0x` and two lowercase digits per byte.
pub fn encode(bytes: &[u8]) -> String {
	let mut out = String::with_capacity(2 + 2 * bytes.len());
	out.push_str("0x");
	for byte in bytes {
		out.push(DIGITS[usize::from(byte >> 4)] as char);
		out.push(DIGITS[usize::from(byte & 0xf)] as char);
	}
	out
}

/// The bytes of hex text, with or without its `0x`, in either case; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
	let digits = text.strip_prefix("0x").unwrap_or(text).as_bytes();
	if digits.len() % 2 != 0 {
		return None;
	}
	let value = |digit: u8| (digit as char).to_digit(16).map(|v| v as u8);
	digits.chunks(2).map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?)).collect()
}

/// Exactly `N` bytes of hex text.
pub fn decode_array<const N: usize>(text: &str) -> Option<[u8; N]> {
	decode(text)?.try_into().ok()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn bytes_round_trip_through_prefixed_lowercase_hex() {
		let bytes = [0x00, 0x0f, 0xa0, 0xff, 0x5c];
		assert_eq!(encode(&bytes), "0x000fa0ff5c");
		assert_eq!(decode(&encode(&bytes)).as_deref(), Some(&bytes[..]));
		assert_eq!(encode(&[]), "0x");
	}

	#[test]
	fn hex_decodes_with_or_without_its_prefix_and_in_either_case() {
		assert_eq!(decode("0xABcd"), Some(vec![0xab, 0xcd]));
		assert_eq!(decode("abcd"), Some(vec![0xab, 0xcd]));
		assert_eq!(decode_array::<2>("abcd"), Some([0xab, 0xcd]));
	}

	#[test]
	fn odd_lengths_non_digits_and_wrong_sizes_are_refused() {
		assert_eq!(decode("0xabc"), None);
		assert_eq!(decode("0xzz"), None);
		assert_eq!(decode("+1"), None);
		assert_eq!(decode_array::<3>("abcd"), None);
	}
}
