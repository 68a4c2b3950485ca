//! `params`, `params propose`, `referenda` and `vote`.

use anyhow::{anyhow, Result};
use faithful_client::{
	amount::{format_fth, parse_fth},
	chain::{
		self,
		runtime_types::{
			pallet_conviction_voting::vote::{AccountVote, Vote as ConvictionVote},
			pallet_referenda::types::ReferendumInfo,
		},
	},
	governance, Connection,
};
use serde::Serialize;
use subxt::dynamic::{self, Value};

use crate::{
	key::Signer,
	output::{lines, print},
};

#[derive(clap::Subcommand)]
pub enum ParamsAction {
	/// Proposes setting a parameter (within its bounds) by referendum on the parameters track,
	/// holding the submission and decision deposits.
	Propose { name: String, value: String },
}

#[derive(clap::Args)]
pub struct VoteArgs {
	index: u32,
	#[arg(value_enum)]
	choice: Choice,
	/// FTH to vote with.
	#[arg(long)]
	amount: String,
	/// 0 (a tenth of the votes, no lock) to 6 (6× the votes, locked 32 periods).
	#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=6))]
	conviction: u8,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Choice {
	Aye,
	Nay,
}

/// One governed parameter as `params` prints it, every value in its unit.
#[derive(Serialize)]
struct ParamRow {
	name: &'static str,
	value: String,
	default: String,
	min: String,
	max: String,
}

pub async fn params(connection: &Connection, json: bool) -> Result<()> {
	let mut rows = Vec::new();
	for governed in governance::GOVERNED {
		let now = governed.current(connection).await?;
		rows.push(ParamRow {
			name: governed.name,
			value: governed.show(now),
			default: governed.show(governed.default),
			min: governed.show(governed.min),
			max: governed.show(governed.max),
		});
	}
	print(json, &rows, |rows| {
		lines(
			rows,
			|| "no governed parameters".into(),
			|r| {
				format!(
					"{:<18} {:>16}   default {}, from {} to {}",
					r.name, r.value, r.default, r.min, r.max
				)
			},
		)
	})
}

/// What `params propose` prints.
#[derive(Serialize)]
struct ProposedRow {
	referendum: u32,
	name: &'static str,
	value: String,
}

pub async fn run(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	action: ParamsAction,
) -> Result<()> {
	let ParamsAction::Propose { name, value } = action;
	let governed = governance::find(&name)?;
	let value = governed.parse(&value)?;
	let change = dynamic::transaction("Governance", "set_parameter", (governed.change(value),));
	let call = connection.api().at_current_block().await?.transactions().call_data(&change)?;
	let proposal = dynamic::transaction(
		"Referenda",
		"submit",
		(
			Value::unnamed_variant("Governance", [Value::unnamed_variant("ParameterAdmin", [])]),
			Value::unnamed_variant("Inline", [Value::from_bytes(call)]),
			Value::unnamed_variant("After", [Value::u128(1)]),
		),
	);
	let key = signer.key().await?;
	let events = connection.submit(&proposal, &key).await?;
	let index = events
		.find_first::<chain::referenda::events::Submitted>()
		.ok_or_else(|| anyhow!("the chain reported no Referenda.Submitted"))??
		.index;
	let deposit = chain::transactions().referenda().place_decision_deposit(index);
	connection.submit(&deposit, &key).await?;
	let row = ProposedRow { referendum: index, name: governed.name, value: governed.show(value) };
	print(json, &row, |row| {
		format!(
			"referendum {index}: set {} to {}; vote with `faithful vote {index} aye --amount <FTH>`",
			row.name, row.value
		)
	})
}

/// One referendum as `referenda` prints it.
#[derive(Serialize)]
struct ReferendumRow {
	index: u32,
	state: &'static str,
	summary: String,
}

pub async fn referenda(connection: &Connection, json: bool) -> Result<()> {
	let at = connection.api().at_current_block().await?;
	let count =
		at.storage().fetch(chain::storage().referenda().referendum_count(), ()).await?.decode()?;
	let mut rows = Vec::new();
	for index in 0..count {
		let Some(info) = at
			.storage()
			.try_fetch(chain::storage().referenda().referendum_info_for(), (index,))
			.await?
		else {
			continue;
		};
		let (state, detail) = match info.decode()? {
			ReferendumInfo::Ongoing(status) => {
				let phase = match status.deciding {
					Some(deciding) if deciding.confirming.is_some() => "confirming",
					Some(_) => "deciding",
					None if status.decision_deposit.is_none() => "waiting for a decision deposit",
					None => "preparing",
				};
				let tally = status.tally;
				(
					"ongoing",
					format!(
						"{phase} on track {}: ayes {}, nays {}, support {}",
						status.track,
						format_fth(tally.ayes),
						format_fth(tally.nays),
						format_fth(tally.support)
					),
				)
			}
			ReferendumInfo::Approved(at, ..) => ("approved", format!("approved at block {at}")),
			ReferendumInfo::Rejected(at, ..) => ("rejected", format!("rejected at block {at}")),
			ReferendumInfo::Cancelled(at, ..) => ("cancelled", format!("cancelled at block {at}")),
			ReferendumInfo::TimedOut(at, ..) => ("timed out", format!("timed out at block {at}")),
			ReferendumInfo::Killed(at) => ("killed", format!("killed at block {at}")),
		};
		rows.push(ReferendumRow { index, state, summary: format!("{index}: {detail}") });
	}
	print(json, &rows, |rows| lines(rows, || "no referenda".into(), |r| r.summary.clone()))
}

/// What `vote` prints.
#[derive(Serialize)]
struct VotedRow {
	referendum: u32,
	aye: bool,
	balance: String,
	conviction: u8,
}

pub async fn vote(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	args: VoteArgs,
) -> Result<()> {
	let VoteArgs { index, choice, amount, conviction } = args;
	let balance = parse_fth(&amount)?;
	let aye = choice == Choice::Aye;
	let vote = AccountVote::Standard {
		vote: ConvictionVote(conviction | if aye { 0x80 } else { 0 }),
		balance,
	};
	connection
		.submit(&chain::transactions().conviction_voting().vote(index, vote), &signer.key().await?)
		.await?;
	let row = VotedRow { referendum: index, aye, balance: balance.to_string(), conviction };
	print(json, &row, |row| {
		format!(
			"voted {} on referendum {index} with {} at conviction {conviction}",
			if row.aye { "aye" } else { "nay" },
			format_fth(balance)
		)
	})
}
