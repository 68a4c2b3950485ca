//! `faithful`: the user's command line for the Faithful market.

use anyhow::{anyhow, bail, Context, Result};
use chain::runtime_types::{
	pallet_conviction_voting::vote::{AccountVote, Vote as ConvictionVote},
	pallet_referenda::types::ReferendumInfo,
};
use clap::{Parser, Subcommand};
use faithful_client::{
	amount::{format_fth, parse_fth},
	chain::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			faithful_primitives::{
				jobs::{Judging, Sampling},
				models::Architecture as ChainArchitecture,
			},
			sp_arithmetic::per_things::Permill,
		},
	},
	connection::{address, keypair, parse_address},
	governance, model_file, Connection,
};
use faithful_primitives::{
	jobs::Sampling as JobSampling,
	models::Architecture,
	rpc::{JobView, StatusView},
	Balance,
};
use serde::Serialize;
use std::path::PathBuf;
use subxt::dynamic::{self, Value};
use subxt::utils::{AccountId32, MultiAddress, H256};
use subxt_signer::bip39::Mnemonic;

#[derive(Parser)]
#[command(version, about = "Use the Faithful market: models, providers, prompts, jobs, balances")]
struct Cli {
	/// The node's WebSocket RPC.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	url: String,

	/// The signing key: a dev name (`//Alice`), a mnemonic, or a hex seed.
	#[arg(long, global = true, default_value = "//Alice")]
	suri: String,

	/// Print JSON for scripts instead of text for people.
	#[arg(long, global = true)]
	json: bool,

	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Keys: make a new account, or show the address of a secret.
	Keys {
		#[command(subcommand)]
		action: KeysAction,
	},
	/// Registered models; `models register PATH` registers a GGUF file.
	Models {
		#[command(subcommand)]
		action: Option<ModelsAction>,
	},
	/// Offers for a model (name or 0x id).
	Offers { model: String },
	/// A provider's stake and reputation (default: the signing key's account).
	Provider { address: Option<String> },
	/// Free balance of an account (default: the signing key's account).
	Balance { address: Option<String> },
	/// Sends FTH to an account.
	Transfer {
		to: String,
		/// Amount in FTH, e.g. `1.5`.
		amount: String,
	},
	/// What a job would cost now.
	Quote {
		model: String,
		#[arg(long, default_value_t = 64)]
		max_tokens: u32,
	},
	/// Asks a model; waits for the answer and prints it with what was paid and refunded.
	Prompt {
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
	},
	/// A job's status, prompt and answer.
	Job { id: u64 },
	/// Ids of an account's jobs (default: the signing key's account).
	Jobs { address: Option<String> },
	/// Disputes a job's result during its challenge window, holding the challenge bond.
	Challenge { id: u64 },
	/// Governed market parameters: value now, default and bounds; `params propose NAME VALUE`
	/// opens a referendum to change one.
	Params {
		#[command(subcommand)]
		action: Option<ParamsAction>,
	},
	/// Referenda: each one's track, state and tally.
	Referenda,
	/// Votes on a referendum, locking `--amount` FTH (for longer with more conviction).
	Vote {
		index: u32,
		#[arg(value_enum)]
		choice: Choice,
		/// FTH to vote with.
		#[arg(long)]
		amount: String,
		/// 0 (a tenth of the votes, no lock) to 6 (6× the votes, locked 32 periods).
		#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=6))]
		conviction: u8,
	},
}

#[derive(Subcommand)]
enum ParamsAction {
	/// Proposes setting a parameter (within its bounds) by referendum on the parameters track,
	/// holding the submission and decision deposits.
	Propose { name: String, value: String },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Choice {
	Aye,
	Nay,
}

#[derive(Subcommand)]
enum KeysAction {
	/// A new account: prints its 12-word secret phrase (or writes it to --out) and address.
	Generate {
		/// Write the phrase to this file (created, readable by its owner only) instead of
		/// printing it; `faithful-worker run --key-file` reads it.
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// The address and public key of a secret URI (default: --suri).
	Inspect { suri: Option<String> },
}

#[derive(Subcommand)]
enum ModelsAction {
	/// Registers a GGUF file as a model: its id is the file's hash; name, architecture and
	/// context length come from the file. Holds the registration deposit.
	Register {
		path: PathBuf,
		/// The name to register under (default: the file name up to its first dot).
		#[arg(long)]
		name: Option<String>,
	},
}

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	if let Err(error) = run(cli).await {
		eprintln!("error: {error:#}");
		std::process::exit(1);
	}
}

fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
	if json {
		println!("{}", serde_json::to_string_pretty(value)?);
	} else {
		println!("{}", human(value));
	}
	Ok(())
}

fn units(amount: &str) -> Balance {
	amount.parse().unwrap_or_default()
}

async fn run(cli: Cli) -> Result<()> {
	if let Command::Keys { action } = &cli.command {
		return keys(cli.json, action, &cli.suri);
	}
	let connection = Connection::open(&cli.url).await?;
	let me = || keypair(&cli.suri);
	let account_or_me = |given: Option<String>| -> Result<String> {
		match given {
			Some(address) => Ok(parse_address(&address)?.to_string()),
			None => Ok(address(&me()?)),
		}
	};
	match cli.command {
		Command::Keys { .. } => unreachable!("handled without a connection"),
		Command::Params { action: None } => {
			let mut rows = Vec::new();
			for governed in governance::GOVERNED {
				let now = governed.current(&connection).await?;
				rows.push(serde_json::json!({
					"name": governed.name,
					"value": governed.show(now),
					"default": governed.show(governed.default),
					"min": governed.show(governed.min),
					"max": governed.show(governed.max),
				}));
			}
			print(cli.json, &rows, |rows| {
				rows.iter()
					.map(|r| {
						format!(
							"{:<18} {:>16}   default {}, from {} to {}",
							r["name"].as_str().unwrap_or_default(),
							r["value"].as_str().unwrap_or_default(),
							r["default"].as_str().unwrap_or_default(),
							r["min"].as_str().unwrap_or_default(),
							r["max"].as_str().unwrap_or_default()
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})
		}
		Command::Params { action: Some(ParamsAction::Propose { name, value }) } => {
			let governed = governance::find(&name)?;
			let value = governed.parse(&value)?;
			let change =
				dynamic::transaction("Governance", "set_parameter", (governed.change(value),));
			let call =
				connection.api().at_current_block().await?.transactions().call_data(&change)?;
			let proposal = dynamic::transaction(
				"Referenda",
				"submit",
				(
					Value::unnamed_variant(
						"Governance",
						[Value::unnamed_variant("ParameterAdmin", [])],
					),
					Value::unnamed_variant("Inline", [Value::from_bytes(call)]),
					Value::unnamed_variant("After", [Value::u128(1)]),
				),
			);
			let signer = me()?;
			let events = connection.submit(&proposal, &signer).await?;
			let index = events
				.find_first::<chain::referenda::events::Submitted>()
				.ok_or_else(|| anyhow!("the chain reported no Referenda.Submitted"))??
				.index;
			let deposit = chain::transactions().referenda().place_decision_deposit(index);
			connection.submit(&deposit, &signer).await?;
			let shown = serde_json::json!({ "referendum": index, "name": governed.name, "value": governed.show(value) });
			print(cli.json, &shown, |_| {
				format!(
					"referendum {index}: set {} to {}; vote with `faithful vote {index} aye --amount <FTH>`",
					governed.name,
					governed.show(value)
				)
			})
		}
		Command::Referenda => {
			let at = connection.api().at_current_block().await?;
			let count = at
				.storage()
				.fetch(chain::storage().referenda().referendum_count(), ())
				.await?
				.decode()?;
			let mut rows = Vec::new();
			for index in 0..count {
				let Some(info) = at
					.storage()
					.try_fetch(chain::storage().referenda().referendum_info_for(), (index,))
					.await?
				else {
					continue;
				};
				let info = info.decode()?;
				let (state, detail) = match info {
					ReferendumInfo::Ongoing(status) => {
						let phase = match status.deciding {
							Some(deciding) if deciding.confirming.is_some() => "confirming",
							Some(_) => "deciding",
							None if status.decision_deposit.is_none() => {
								"waiting for a decision deposit"
							}
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
					ReferendumInfo::Approved(at, ..) => {
						("approved", format!("approved at block {at}"))
					}
					ReferendumInfo::Rejected(at, ..) => {
						("rejected", format!("rejected at block {at}"))
					}
					ReferendumInfo::Cancelled(at, ..) => {
						("cancelled", format!("cancelled at block {at}"))
					}
					ReferendumInfo::TimedOut(at, ..) => {
						("timed out", format!("timed out at block {at}"))
					}
					ReferendumInfo::Killed(at) => ("killed", format!("killed at block {at}")),
				};
				rows.push(
					serde_json::json!({ "index": index, "state": state, "summary": format!("{index}: {detail}") }),
				);
			}
			print(cli.json, &rows, |rows| {
				if rows.is_empty() {
					return "no referenda".into();
				}
				rows.iter()
					.map(|r| r["summary"].as_str().unwrap_or_default().to_owned())
					.collect::<Vec<_>>()
					.join("\n")
			})
		}
		Command::Vote { index, choice, amount, conviction } => {
			let balance = parse_fth(&amount)?;
			let aye = matches!(choice, Choice::Aye);
			let vote = AccountVote::Standard {
				vote: ConvictionVote(conviction | if aye { 0x80 } else { 0 }),
				balance,
			};
			connection
				.submit(&chain::transactions().conviction_voting().vote(index, vote), &me()?)
				.await?;
			let shown = serde_json::json!({ "referendum": index, "aye": aye, "balance": balance.to_string(), "conviction": conviction });
			print(cli.json, &shown, |_| {
				format!(
					"voted {} on referendum {index} with {} at conviction {conviction}",
					if aye { "aye" } else { "nay" },
					format_fth(balance)
				)
			})
		}
		Command::Models { action: Some(ModelsAction::Register { path, name }) } => {
			let mut facts = model_file::read_facts(&path)?;
			if let Some(name) = name {
				facts.name = name;
			}
			let mut shown = 0;
			let id = model_file::hash_file(&path, |done, total| {
				let percent = (done * 100).checked_div(total).unwrap_or(100);
				if !cli.json && percent >= shown + 10 {
					shown = percent;
					eprint!("\rhashing {}: {percent}%", path.display());
				}
			})
			.with_context(|| format!("hashing {}", path.display()))?;
			if !cli.json {
				eprintln!();
			}
			let architecture = match facts.architecture {
				Architecture::Llama => ChainArchitecture::Llama,
				Architecture::Qwen2 => ChainArchitecture::Qwen2,
				Architecture::Gemma3 => ChainArchitecture::Gemma3,
			};
			let call = chain::transactions().models().register(
				H256(id),
				BoundedVec(facts.name.as_bytes().to_vec()),
				architecture,
				facts.context_length,
			);
			connection.submit(&call, &me()?).await?;
			let id = model_file::to_hex(&id);
			let shown = serde_json::json!({ "id": id, "name": facts.name });
			print(cli.json, &shown, |_| format!("registered `{}` as {id}", facts.name))
		}
		Command::Models { action: None } => {
			let models = connection.models().await?;
			print(cli.json, &models, |models| {
				if models.is_empty() {
					return "no models registered".into();
				}
				models
					.iter()
					.map(|m| {
						let state = if m.active { "active" } else { "retired" };
						format!(
							"{}  {}  {} ctx {}  {state}",
							m.id, m.name, m.architecture, m.context_length
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})
		}
		Command::Offers { model } => {
			let model = connection.resolve_model(&model).await?;
			let offers = connection.offers(&format!("{:?}", model.id)).await?;
			print(cli.json, &offers, |offers| {
				if offers.is_empty() {
					return format!("nobody offers {}", model.name);
				}
				offers
					.iter()
					.map(|o| {
						format!(
							"{}  {} per token  up to {} at once",
							o.provider,
							format_fth(units(&o.price_per_token)),
							o.max_concurrent
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})
		}
		Command::Provider { address } => {
			let who = account_or_me(address)?;
			let provider = connection
				.provider(&who)
				.await?
				.ok_or_else(|| anyhow!("{who} is not a provider"))?;
			print(cli.json, &provider, |p| {
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
		Command::Balance { address } => {
			let who = account_or_me(address)?;
			let free = connection.free_balance(&parse_address(&who)?).await?;
			print(
				cli.json,
				&serde_json::json!({ "account": who, "free": free.to_string() }),
				|_| format!("{who}: {}", format_fth(free)),
			)
		}
		Command::Transfer { to, amount } => {
			let to = parse_address(&to)?;
			let amount = parse_fth(&amount)?;
			let call = chain::transactions()
				.balances()
				.transfer_keep_alive(MultiAddress::<AccountId32, ()>::Id(to.clone()), amount);
			connection.submit(&call, &me()?).await?;
			print(
				cli.json,
				&serde_json::json!({ "to": to.to_string(), "amount": amount.to_string() }),
				|_| format!("sent {} to {to}", format_fth(amount)),
			)
		}
		Command::Quote { model, max_tokens } => {
			let model = connection.resolve_model(&model).await?;
			let quote = connection.quote(&format!("{:?}", model.id), max_tokens).await?;
			let quote = quote.ok_or_else(|| {
				anyhow!(
					"no provider can take a {max_tokens}-token job for {} right now",
					model.name
				)
			})?;
			print(cli.json, &quote, |q| {
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
		Command::Prompt {
			text,
			model,
			max_tokens,
			max_price,
			temperature,
			top_k,
			top_p,
			no_wait,
			waive_jury,
		} => {
			let request = PromptRequest {
				text,
				model,
				max_tokens,
				max_price,
				sampling: sampling(temperature, top_k, top_p)?,
				judging: if waive_jury { Judging::Waived } else { Judging::Required },
				no_wait,
			};
			prompt(&connection, &me()?, cli.json, request).await
		}
		Command::Job { id } => {
			let job = connection.job(id).await?.ok_or_else(|| anyhow!("no job has id {id}"))?;
			print(cli.json, &job, describe_job)
		}
		Command::Jobs { address } => {
			let who = account_or_me(address)?;
			let jobs = connection.jobs_of(&who).await?;
			print(cli.json, &jobs, |jobs| {
				if jobs.is_empty() {
					format!("{who} has no jobs")
				} else {
					jobs.iter().map(u64::to_string).collect::<Vec<_>>().join("\n")
				}
			})
		}
		Command::Challenge { id } => {
			connection.submit(&chain::transactions().jobs().challenge(id), &me()?).await?;
			print(cli.json, &serde_json::json!({ "job": id, "challenged": true }), |_| {
				format!("challenged job {id}; a committee will re-execute it and vote")
			})
		}
	}
}

/// The job's sampling from the flags, as the chain's own type, checked by the chain's own rule
/// (`Sampling::is_valid`) so the CLI never pays a fee for a job the chain refuses.
fn sampling(temperature: Option<f64>, top_k: u32, top_p: f64) -> Result<JobSampling> {
	use faithful_primitives::jobs::{MAX_TEMPERATURE_MILLI, MAX_TOP_K};
	let Some(temperature) = temperature else { return Ok(JobSampling::Greedy) };
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
	let sampling = JobSampling::Sampled {
		temperature_milli: (temperature * 1000.0).round() as u32,
		top_k,
		top_p: polkadot_sdk::sp_runtime::Permill::from_parts((top_p * 1e6).round() as u32),
	};
	if !sampling.is_valid() {
		bail!("--temperature {temperature}, --top-k {top_k} and --top-p {top_p} are out of range");
	}
	Ok(sampling)
}

/// The one conversion of a job's sampling to the chain client's generated type.
fn chain_sampling(sampling: JobSampling) -> Sampling {
	match sampling {
		JobSampling::Greedy => Sampling::Greedy,
		JobSampling::Sampled { temperature_milli, top_k, top_p } => {
			Sampling::Sampled { temperature_milli, top_k, top_p: Permill(top_p.deconstruct()) }
		}
	}
}

/// What `faithful prompt` was asked for.
struct PromptRequest {
	text: String,
	model: String,
	max_tokens: u32,
	max_price: Option<String>,
	sampling: JobSampling,
	judging: Judging,
	no_wait: bool,
}

async fn prompt(
	connection: &Connection,
	signer: &subxt_signer::sr25519::Keypair,
	json: bool,
	request: PromptRequest,
) -> Result<()> {
	let PromptRequest { text, model, max_tokens, max_price, sampling, judging, no_wait } = request;
	if text.trim().is_empty() {
		bail!("the prompt is empty");
	}
	let model = connection.resolve_model(&model).await?;
	let model_hex = format!("{:?}", model.id);
	// Refuse what the chain would refuse before paying a fee for it.
	let quote = connection.quote(&model_hex, max_tokens).await?.ok_or_else(|| {
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
	let free = connection.free_balance(&AccountId32(signer.public_key().0)).await?;
	if free < value {
		bail!(
			"insufficient funds: the job holds at least {} and {} has {}",
			format_fth(value),
			address(signer),
			format_fth(free)
		);
	}
	if !quote.judged && matches!(judging, Judging::Required) {
		bail!(
			"too few staked accounts offer or verify {} to judge a wrong answer, so the chain \
			 refuses the job (NoJury); pass --waive-jury to run it unjudged",
			model.name
		);
	}
	let call = chain::transactions().jobs().submit(
		H256(model.id.0),
		text.into_bytes(),
		chain_sampling(sampling),
		max_tokens,
		cap,
		judging,
	);
	let events = connection.submit(&call, signer).await?;
	let submitted = events
		.find_first::<chain::jobs::events::JobSubmitted>()
		.ok_or_else(|| anyhow!("the chain accepted the job but reported no JobSubmitted"))?
		.context("cannot read the JobSubmitted event")?;
	let id = submitted.job;
	if no_wait {
		return print(json, &serde_json::json!({ "job": id }), |_| format!("job {id}"));
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

fn keys(json: bool, action: &KeysAction, default_suri: &str) -> Result<()> {
	let (key, phrase) = match action {
		KeysAction::Generate { .. } => {
			let phrase = Mnemonic::from_entropy(&rand::random::<[u8; 16]>())
				.map_err(|e| anyhow!("cannot make a phrase: {e}"))?
				.to_string();
			(keypair(&phrase)?, Some(phrase))
		}
		KeysAction::Inspect { suri } => (keypair(suri.as_deref().unwrap_or(default_suri))?, None),
	};
	let mut shown = serde_json::json!({
		"address": address(&key),
		"publicKey": format!("0x{}", key.public_key().0.iter().map(|b| format!("{b:02x}")).collect::<String>()),
	});
	if let (KeysAction::Generate { out: Some(path) }, Some(phrase)) = (action, &phrase) {
		write_secret(path, phrase)?;
		shown["secretFile"] = path.display().to_string().into();
	} else if let Some(phrase) = &phrase {
		shown["secretPhrase"] = phrase.clone().into();
	}
	print(json, &shown, |shown| {
		let mut lines = vec![format!("address: {}", shown["address"].as_str().unwrap_or_default())];
		lines.push(format!("public key: {}", shown["publicKey"].as_str().unwrap_or_default()));
		if let Some(phrase) = shown["secretPhrase"].as_str() {
			lines.push(format!("secret phrase (keep it safe; it is the account): {phrase}"));
		}
		if let Some(file) = shown["secretFile"].as_str() {
			lines.push(format!("secret phrase written to {file}"));
		}
		lines.join("\n")
	})
}

/// Creates `path` with `secret`, readable by its owner only; never overwrites a file.
fn write_secret(path: &std::path::Path, secret: &str) -> Result<()> {
	use std::io::Write;
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	let mut file = options.open(path).with_context(|| {
		format!("cannot create {} (an existing key file is never overwritten)", path.display())
	})?;
	writeln!(file, "{secret}").with_context(|| format!("writing {}", path.display()))
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
