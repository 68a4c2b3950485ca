//! Types shared by every part of Faithful: the runtime, the pallets, the node and the worker.
//!
//! Each domain type is defined here once; other crates import it rather than redefine it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod hex;
pub mod jobs;
pub mod models;
pub mod parameters;
pub mod providers;
pub mod routing;
#[cfg(feature = "std")]
pub mod rpc;

use polkadot_sdk::sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// Block height. 32 bits last 800 years at one block a second.
pub type BlockNumber = u32;

/// An amount of FTH in its smallest unit (1 FTH = 10^12 units).
pub type Balance = u128;

/// A transaction counter per account.
pub type Nonce = u32;

/// Signatures of every supported scheme (sr25519, ed25519, ecdsa), as standard clients expect.
pub type Signature = MultiSignature;

/// An account is the 32-byte identity behind a signature's public key.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Hash of a block or an extrinsic.
pub type Hash = polkadot_sdk::sp_core::H256;

/// The native token and its units.
pub mod currency {
	use super::Balance;

	/// The token's ticker.
	pub const TOKEN_SYMBOL: &str = "FTH";
	/// Decimal places of one FTH.
	pub const TOKEN_DECIMALS: u8 = 12;
	/// One FTH in the smallest unit.
	pub const FTH: Balance = 10u128.pow(TOKEN_DECIMALS as u32);
	/// A thousandth of an FTH.
	pub const MILLI_FTH: Balance = FTH / 1_000;
	/// A millionth of an FTH.
	pub const MICRO_FTH: Balance = FTH / 1_000_000;
}

/// Chain timing shared by the runtime and the node.
pub mod time {
	use super::BlockNumber;

	/// Target time between blocks on real networks, in milliseconds.
	pub const MILLISECS_PER_BLOCK: u64 = 3_000;
	/// BABE slots are as long as blocks.
	pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
	/// Blocks in one minute of target time.
	pub const MINUTES: BlockNumber = (60_000 / MILLISECS_PER_BLOCK) as BlockNumber;
	/// Blocks in one hour of target time.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks in one day of target time.
	pub const DAYS: BlockNumber = HOURS * 24;
	/// A BABE epoch, in slots. Short so randomness refreshes often and so new networks reach their
	/// second epoch quickly.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = 10 * MINUTES as u64;
}

#[cfg(test)]
mod tests {
	use super::{currency::*, time::*};

	#[test]
	fn one_fth_has_twelve_decimals() {
		assert_eq!(FTH, 1_000_000_000_000);
		assert_eq!(MILLI_FTH * 1_000, FTH);
		assert_eq!(MICRO_FTH * 1_000_000, FTH);
	}

	#[test]
	fn an_hour_of_blocks_matches_the_block_time() {
		assert_eq!(u64::from(HOURS) * MILLISECS_PER_BLOCK, 3_600_000);
	}
}
