//! `quote`, `prompt`, `job`, `jobs` and `challenge`.

use anyhow::{anyhow, bail, Context, Result};
use faithful_client::{
	amount::{format_fth, parse_fth},
	chain,
	connection::{account, address},
	Connection,
};
use faithful_primitives::{
	jobs::{Judging, Sampling, MAX_TEMPERATURE_MILLI, MAX_TOP_K},
	rpc::{JobView, StatusView},
};
use polkadot_sdk::sp_runtime::Permill;
use serde::Serialize;
use subxt::utils::H256;

use crate::{
	key::Signer,
	output::{lines, print, units},
};

#[derive(clap::Args)]
pub struct PromptArgs {
	/// The prompt.
	text: String,
	/// Model name or 0x id.
	#[arg(long)]
	model: String,
	#[arg(long, default_value_t = 64)]
	max_tokens: u32,
	/// Highest price per output token, in FTH (default: the highest offer that can take it).
	#[arg(long)]
	max_price: Option<String>,
	/// Sample instead of greedy decoding, at this temperature (e.g. 0.7).
	#[arg(long)]
	temperature: Option<f64>,
	#[arg(long, default_value_t = 0)]
	top_k: u32,
	#[arg(long, default_value_t = 1.0)]
	top_p: f64,
	/// Submit and print the job id without waiting.
	#[arg(long)]
	no_wait: bool,
	/// Run even where too few staked accounts besides the provider could judge the answer,
	/// so a wrong one would be paid: for a model's only provider, e.g. on a dev chain.
	#[arg(long)]
	waive_jury: bool,
}

pub async fn quote(
	connection: &Connection,
	json: bool,
	model: &str,
	max_tokens: u32,
) -> Result<()> {
	let model = connection.resolve_model(model).await?;
	let quote = connection.quote(model.id, max_tokens).await?.ok_or_else(|| {
		anyhow!("no provider can take a {max_tokens}-token job for {} right now", model.name)
	})?;
	print(json, &quote, |q| {
		format!(
			"{} providers, {} to {} per token; escrow at the top price {}; {}",
			q.providers,
			format_fth(units(&q.min_price_per_token)),
			format_fth(units(&q.max_price_per_token)),
			format_fth(units(&q.escrow)),
			if q.judged { "a jury can judge it" } else { "no jury could judge it" }
		)
	})
}

/// The job's sampling from the flags, as the chain's own type, checked by the chain's own rule
/// (`Sampling::is_valid`) so the CLI never pays a fee for a job the chain refuses.
fn sampling(temperature: Option<f64>, top_k: u32, top_p: f64) -> Result<Sampling> {
	let Some(temperature) = temperature else { return Ok(Sampling::Greedy) };
	let max_temperature = f64::from(MAX_TEMPERATURE_MILLI) / 1000.0;
	if !(0.001..=max_temperature).contains(&temperature) {
		bail!("--temperature must be between 0.001 and {max_temperature}");
	}
	if !(0.0..=1.0).contains(&top_p) || top_p == 0.0 {
		bail!("--top-p must be in (0, 1]");
	}
	if top_k > MAX_TOP_K {
		bail!("--top-k must be at most {MAX_TOP_K} (0 keeps every token)");
	}
	let sampling = Sampling::Sampled {
		temperature_milli: (temperature * 1000.0).round() as u32,
		top_k,
		top_p: Permill::from_parts((top_p * 1e6).round() as u32),
	};
	if !sampling.is_valid() {
		bail!("--temperature {temperature}, --top-k {top_k} and --top-p {top_p} are out of range");
	}
	Ok(sampling)
}

/// What `prompt --no-wait` prints.
#[derive(Serialize)]
struct SubmittedRow {
	job: u64,
}

pub async fn prompt(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	args: PromptArgs,
) -> Result<()> {
	let PromptArgs {
		text,
		model,
		max_tokens,
		max_price,
		temperature,
		top_k,
		top_p,
		no_wait,
		waive_jury,
	} = args;
	let sampling = sampling(temperature, top_k, top_p)?;
	let judging = if waive_jury { Judging::Waived } else { Judging::Required };
	if text.trim().is_empty() {
		bail!("the prompt is empty");
	}
	let model = connection.resolve_model(&model).await?;
	// Refuse what the chain would refuse before paying a fee for it.
	let quote = connection.quote(model.id, max_tokens).await?.ok_or_else(|| {
		anyhow!("no provider can take a {max_tokens}-token job for {} right now", model.name)
	})?;
	let cap = match max_price {
		Some(price) => parse_fth(&price)?,
		None => units(&quote.max_price_per_token),
	};
	let cheapest = units(&quote.min_price_per_token);
	if cap < cheapest {
		bail!(
			"a price cap of {} per token is too low: the cheapest offer for {} is {}",
			format_fth(cap),
			model.name,
			format_fth(cheapest)
		);
	}
	let value = cap
		.checked_mul(max_tokens.into())
		.ok_or_else(|| anyhow!("--max-price × --max-tokens is too large"))?;
	let key = signer.key().await?;
	let free = connection.free_balance(&account(&key)).await?;
	if free < value {
		bail!(
			"insufficient funds: the job holds at least {} and {} has {}",
			format_fth(value),
			address(&key),
			format_fth(free)
		);
	}
	if !quote.judged && judging == Judging::Required {
		bail!(
			"too few staked accounts offer or verify {} to judge a wrong answer, so the chain \
			 refuses the job (NoJury); pass --waive-jury to run it unjudged",
			model.name
		);
	}
	let call = chain::transactions().jobs().submit(
		H256(model.id.0),
		text.into_bytes(),
		sampling.into(),
		max_tokens,
		cap,
		judging.into(),
	);
	let events = connection.submit(&call, &key).await?;
	let submitted = events
		.find_first::<chain::jobs::events::JobSubmitted>()
		.ok_or_else(|| anyhow!("the chain accepted the job but reported no JobSubmitted"))?
		.context("cannot read the JobSubmitted event")?;
	let id = submitted.job;
	if no_wait {
		return print(json, &SubmittedRow { job: id }, |row| format!("job {}", row.job));
	}
	if !json {
		eprintln!("job {id}: {} held in escrow", format_fth(submitted.escrow));
	}
	let mut updates = connection.follow_job(id).await?;
	let mut last: Option<JobView> = None;
	// Settlement prunes the output from the chain, so the answer is kept as soon as it arrives.
	let mut answer = None;
	while let Some(update) = updates.next().await {
		let job: JobView = update?;
		// The final state goes to stdout below, after the answer.
		if !json && !job.status.is_terminal() {
			eprintln!("job {id}: {}", describe_status(&job.status));
		}
		if answer.is_none() {
			if let Some(output) = &job.output {
				if !json {
					println!("{}", output.text);
				}
				answer = Some(output.clone());
			}
		}
		let over = job.status.is_terminal();
		last = Some(job);
		if over {
			break;
		}
	}
	let mut job = last.ok_or_else(|| anyhow!("the node stopped reporting job {id}"))?;
	if !job.status.is_terminal() {
		bail!("the node stopped reporting job {id} before it settled; see `faithful job {id}`");
	}
	job.output = job.output.or(answer);
	print(json, &job, |job| describe_status(&job.status))
}

pub async fn job(connection: &Connection, json: bool, id: u64) -> Result<()> {
	let job = connection.job(id).await?.ok_or_else(|| anyhow!("no job has id {id}"))?;
	print(json, &job, describe_job)
}

pub async fn jobs_of(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	address: Option<String>,
) -> Result<()> {
	let who = signer.account_or_mine(address).await?;
	let jobs = connection.jobs_of(&who).await?;
	print(json, &jobs, |jobs| lines(jobs, || format!("{who} has no jobs"), u64::to_string))
}

/// What `challenge` prints.
#[derive(Serialize)]
struct ChallengedRow {
	job: u64,
	challenged: bool,
}

pub async fn challenge(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	id: u64,
) -> Result<()> {
	connection.submit(&chain::transactions().jobs().challenge(id), &signer.key().await?).await?;
	print(json, &ChallengedRow { job: id, challenged: true }, |row| {
		format!("challenged job {}; a committee will re-execute it and vote", row.job)
	})
}

fn describe_status(status: &StatusView) -> String {
	match status {
		StatusView::Assigned { provider, price_per_token, deadline, .. } => format!(
			"assigned to {provider} at {} per token, due by block {deadline}",
			format_fth(units(price_per_token))
		),
		StatusView::Proposed { n_tokens, challenge_until, .. } => {
			format!(
				"answered with {n_tokens} tokens; open to challenge until block {challenge_until}"
			)
		}
		StatusView::Disputed { since, .. } => {
			format!("disputed since block {since}; a committee is voting")
		}
		StatusView::Finalized { n_tokens, paid, refunded, .. } => format!(
			"settled: {n_tokens} tokens, provider paid {}, {} refunded to you",
			format_fth(units(paid)),
			format_fth(units(refunded))
		),
		StatusView::Slashed { slashed, refunded, .. } => format!(
			"the result was found wrong: provider slashed {}, {} refunded to you",
			format_fth(units(slashed)),
			format_fth(units(refunded))
		),
		StatusView::Refunded { refunded, .. } => {
			format!("no provider answered in time: {} refunded to you", format_fth(units(refunded)))
		}
	}
}

fn describe_job(job: &JobView) -> String {
	let mut lines = vec![
		format!("job {} by {}", job.id, job.owner),
		format!("model {}", job.model),
		format!("status: {}", describe_status(&job.status)),
	];
	if let Some(prompt) = &job.prompt {
		lines.push(format!("prompt: {prompt}"));
	}
	if let Some(output) = &job.output {
		lines.push(format!("answer: {}", output.text));
	}
	lines.join("\n")
}
