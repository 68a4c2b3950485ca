//! `provider`, `balance` and `transfer`.

use anyhow::{anyhow, Result};
use faithful_client::{
	amount::{format_fth, parse_fth},
	chain,
	connection::parse_address,
	Connection,
};
use serde::Serialize;
use subxt::utils::{AccountId32, MultiAddress};

use crate::{
	key::Signer,
	output::{print, units},
};

pub async fn provider(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	address: Option<String>,
) -> Result<()> {
	let who = signer.account_or_mine(address).await?;
	let provider =
		connection.provider(&who).await?.ok_or_else(|| anyhow!("{who} is not a provider"))?;
	print(json, &provider, |p| {
		format!(
			"endpoint {}\nstake {} ({} backing jobs, {} unbonding)\nlowest reputation {:.1} %\noffers {}\nverifies {}",
			p.endpoint,
			format_fth(units(&p.stake)),
			format_fth(units(&p.locked)),
			format_fth(units(&p.unbonding)),
			p.reputation_ppb as f64 / 1e7,
			p.offers.len(),
			p.verifies.len()
		)
	})
}

/// What `balance` prints; amounts are decimal strings of the smallest unit, as in the RPC.
#[derive(Serialize)]
struct BalanceRow {
	account: String,
	free: String,
}

pub async fn balance(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	address: Option<String>,
) -> Result<()> {
	let who = signer.account_or_mine(address).await?;
	let free = connection.free_balance(&who).await?;
	let row = BalanceRow { account: who.to_string(), free: free.to_string() };
	print(json, &row, |row| format!("{}: {}", row.account, format_fth(free)))
}

/// What `transfer` prints.
#[derive(Serialize)]
struct TransferRow {
	to: String,
	amount: String,
}

pub async fn transfer(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	to: &str,
	amount: &str,
) -> Result<()> {
	let to = parse_address(to)?;
	let amount = parse_fth(amount)?;
	let call = chain::transactions()
		.balances()
		.transfer_keep_alive(MultiAddress::<AccountId32, ()>::Id(to.clone()), amount);
	connection.submit(&call, &signer.key().await?).await?;
	let row = TransferRow { to: to.to_string(), amount: amount.to_string() };
	print(json, &row, |row| format!("sent {} to {}", format_fth(amount), row.to))
}
