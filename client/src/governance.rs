//! The governed parameters as users see them (name, unit, default, bounds) and the dynamic values
//! that read and change them on chain.

use anyhow::{anyhow, bail, Context, Result};
use faithful_primitives::parameters::{self as p, Bounds};
use polkadot_sdk::sp_runtime::Perbill;
use subxt::dynamic::{self, At, Value};

use self::Unit::{Blocks, Count, Times};

use crate::{
	amount::{format_fth, parse_fth},
	Connection,
};

/// How a parameter's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
	Blocks,
	/// A `Perbill`, written as a percentage.
	Percent,
	Fth,
	Times,
	/// Bytes, tokens, providers or seats.
	Count,
}

/// A governed parameter: where it lives in `RuntimeParameters` and its range.
#[derive(Clone, Copy, Debug)]
pub struct Governed {
	pub group: &'static str,
	pub name: &'static str,
	pub unit: Unit,
	/// Values in the chain's unit: blocks, parts per billion, FTH's smallest unit, a count.
	pub default: u128,
	pub min: u128,
	pub max: u128,
}

/// A parameter held as a whole number: blocks, a multiple or a count.
const fn whole(
	group: &'static str,
	name: &'static str,
	unit: Unit,
	default: u32,
	b: Bounds<u32>,
) -> Governed {
	Governed { group, name, unit, default: default as u128, min: b.min as u128, max: b.max as u128 }
}

/// A parameter held as a `Perbill`: its parts per billion.
const fn percent(name: &'static str, default: Perbill, b: Bounds<Perbill>) -> Governed {
	Governed {
		group: "Jobs",
		name,
		unit: Unit::Percent,
		default: default.deconstruct() as u128,
		min: b.min.deconstruct() as u128,
		max: b.max.deconstruct() as u128,
	}
}

/// A parameter held as an amount of FTH's smallest unit.
const fn fth(group: &'static str, name: &'static str, default: u128, b: Bounds<u128>) -> Governed {
	Governed { group, name, unit: Unit::Fth, default, min: b.min, max: b.max }
}

/// Every governed parameter, as in `faithful_primitives::parameters`.
pub const GOVERNED: &[Governed] = &[
	fth("Models", "RegistrationDeposit", p::MODEL_DEPOSIT, p::MODEL_DEPOSIT_BOUNDS),
	fth("Providers", "MinProviderStake", p::MIN_PROVIDER_STAKE, p::MIN_PROVIDER_STAKE_BOUNDS),
	whole("Providers", "UnbondingPeriod", Blocks, p::UNBONDING_PERIOD, p::UNBONDING_PERIOD_BOUNDS),
	whole("Jobs", "ResultTimeout", Blocks, p::RESULT_TIMEOUT, p::RESULT_TIMEOUT_BOUNDS),
	whole("Jobs", "ChallengeWindow", Blocks, p::CHALLENGE_WINDOW, p::CHALLENGE_WINDOW_BOUNDS),
	percent("VerificationFee", p::VERIFICATION_FEE, p::VERIFICATION_FEE_BOUNDS),
	percent("ProtocolFee", p::PROTOCOL_FEE, p::PROTOCOL_FEE_BOUNDS),
	whole("Jobs", "BondMultiple", Times, p::BOND_MULTIPLE, p::BOND_MULTIPLE_BOUNDS),
	percent("TimeoutSlash", p::TIMEOUT_SLASH, p::TIMEOUT_SLASH_BOUNDS),
	fth("Jobs", "ChallengeBond", p::CHALLENGE_BOND, p::CHALLENGE_BOND_BOUNDS),
	percent("AuditRate", p::AUDIT_RATE, p::AUDIT_RATE_BOUNDS),
	whole("Jobs", "CommitPhase", Blocks, p::COMMIT_PHASE, p::COMMIT_PHASE_BOUNDS),
	whole("Jobs", "RevealPhase", Blocks, p::REVEAL_PHASE, p::REVEAL_PHASE_BOUNDS),
	fth("Jobs", "VoteBond", p::VOTE_BOND, p::VOTE_BOND_BOUNDS),
	percent("ChallengerReward", p::CHALLENGER_REWARD, p::CHALLENGER_REWARD_BOUNDS),
	percent("VoterReward", p::VOTER_REWARD, p::VOTER_REWARD_BOUNDS),
	percent("BondToVoters", p::BOND_TO_VOTERS, p::BOND_TO_VOTERS_BOUNDS),
	whole("Jobs", "CommitteeSeats", Count, p::COMMITTEE_SEATS, p::COMMITTEE_SEATS_BOUNDS),
	whole("Jobs", "PromptLimit", Count, p::PROMPT_LIMIT, p::PROMPT_LIMIT_BOUNDS),
	whole("Jobs", "OutputTokenLimit", Count, p::OUTPUT_TOKEN_LIMIT, p::OUTPUT_TOKEN_LIMIT_BOUNDS),
	whole("Jobs", "AttemptLimit", Count, p::ATTEMPT_LIMIT, p::ATTEMPT_LIMIT_BOUNDS),
];

/// The parameter called `name` (case-insensitive).
pub fn find(name: &str) -> Result<&'static Governed> {
	GOVERNED.iter().find(|g| g.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
		let names: Vec<&str> = GOVERNED.iter().map(|g| g.name).collect();
		anyhow!("no parameter `{name}`; governed parameters: {}", names.join(", "))
	})
}

impl Governed {
	/// Reads a value as people write it: blocks and counts as integers, percentages as `5` or
	/// `5%` (down to a ten-millionth of a percent), FTH as decimals.
	pub fn parse(&self, text: &str) -> Result<u128> {
		let text = text.trim();
		let value = match self.unit {
			Unit::Blocks | Unit::Times | Unit::Count => {
				text.parse::<u32>().with_context(|| format!("`{text}` is not a whole number"))?
					as u128
			}
			Unit::Fth => parse_fth(text)?,
			Unit::Percent => {
				let number = text.trim_end_matches('%').trim();
				let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
				if fraction.len() > 7 || (whole.is_empty() && fraction.is_empty()) {
					bail!("`{text}` is not a percentage with at most 7 decimals");
				}
				let digits = format!("{whole}{fraction:0<7}");
				digits.parse::<u128>().with_context(|| format!("`{text}` is not a percentage"))?
			}
		};
		if value < self.min || value > self.max {
			bail!(
				"{} must be between {} and {}; {} is outside",
				self.name,
				self.show(self.min),
				self.show(self.max),
				self.show(value)
			);
		}
		Ok(value)
	}

	/// Writes a value as people read it.
	pub fn show(&self, value: u128) -> String {
		match self.unit {
			Unit::Blocks => format!("{value} blocks"),
			Unit::Times => format!("{value}×"),
			Unit::Count => value.to_string(),
			Unit::Fth => format_fth(value),
			Unit::Percent => {
				let text = format!("{}.{:07}", value / 10_000_000, value % 10_000_000);
				format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
			}
		}
	}

	/// The `RuntimeParameters` value that sets this parameter to `value`.
	pub fn change(&self, value: u128) -> Value {
		let value = match self.unit {
			Unit::Percent => Value::unnamed_composite([Value::u128(value)]),
			_ => Value::u128(value),
		};
		let parameter = Value::unnamed_variant(
			self.name,
			[Value::unnamed_composite([]), Value::unnamed_variant("Some", [value])],
		);
		Value::unnamed_variant(self.group, [parameter])
	}

	/// The value on chain now: set by governance, or the default.
	pub async fn current(&self, connection: &Connection) -> Result<u128> {
		let key = Value::unnamed_variant(
			self.group,
			[Value::unnamed_variant(self.name, [Value::unnamed_composite([])])],
		);
		let address = dynamic::storage::<(Value,), Value>("Parameters", "Parameters");
		let at = connection.api().at_current_block().await?;
		let Some(stored) = at.storage().try_fetch(address, (key,)).await? else {
			return Ok(self.default);
		};
		let value = stored.decode()?;
		// `Group(Name(value))`, a percentage being `Perbill(parts)`.
		let inner = value.at(0).and_then(|v| v.at(0)).context("unexpected parameter value")?;
		inner
			.as_u128()
			.or_else(|| inner.at(0).and_then(|v| v.as_u128()))
			.with_context(|| format!("unexpected value of {}: {inner}", self.name))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn values_parse_in_their_units_and_within_bounds() {
		let window = find("challengewindow").unwrap();
		assert_eq!(window.parse("25").unwrap(), 25);
		assert!(window.parse("1").unwrap_err().to_string().contains("must be between 10 blocks"));
		assert!(window.parse("ten").is_err());
		let fee = find("ProtocolFee").unwrap();
		assert_eq!(fee.parse("2.5%").unwrap(), 25_000_000);
		assert_eq!(fee.parse("3").unwrap(), 30_000_000);
		assert!(fee.parse("21%").is_err(), "above the 20 % maximum");
		assert_eq!(fee.show(25_000_000), "2.5%");
		assert_eq!(fee.show(fee.default), "2%");
		let bond = find("VoteBond").unwrap();
		assert_eq!(bond.parse("2").unwrap(), 2 * faithful_primitives::currency::FTH);
		assert!(find("Nonsense").unwrap_err().to_string().contains("ChallengeWindow"));
	}

	#[test]
	fn every_default_is_within_its_bounds() {
		for g in GOVERNED {
			assert!(g.min <= g.default && g.default <= g.max, "{}", g.name);
		}
	}
}
