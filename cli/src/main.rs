//! `faithful`: the user's command line for the Faithful market. This file parses the command line
//! and dispatches; each command family lives in its own module.

mod account;
mod governance;
mod jobs;
mod key;
mod models;
mod output;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Use the Faithful market: models, providers, prompts, jobs, balances")]
struct Cli {
	/// The node's WebSocket RPC.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	url: String,

	#[command(flatten)]
	key: key::KeyArgs,

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
		action: key::KeysAction,
	},
	/// Registered models; `models register PATH` registers a GGUF file.
	Models {
		#[command(subcommand)]
		action: Option<models::ModelsAction>,
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
	Prompt(jobs::PromptArgs),
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
		action: Option<governance::ParamsAction>,
	},
	/// Referenda: each one's track, state and tally.
	Referenda,
	/// Votes on a referendum, locking `--amount` FTH (for longer with more conviction).
	Vote(governance::VoteArgs),
}

#[tokio::main]
async fn main() {
	if let Err(error) = run(Cli::parse()).await {
		eprintln!("error: {error:#}");
		std::process::exit(1);
	}
}

async fn run(cli: Cli) -> anyhow::Result<()> {
	let Cli { url, key, json, command } = cli;
	if let Command::Keys { action } = &command {
		return key::keys(json, action, &key);
	}
	let connection = faithful_client::Connection::open(&url).await?;
	let signer = key::Signer::new(&key, &connection);
	match command {
		Command::Keys { .. } => unreachable!("handled without a connection"),
		Command::Models { action: None } => models::list(&connection, json).await,
		Command::Models { action: Some(action) } => {
			models::run(&connection, &signer, json, action).await
		}
		Command::Offers { model } => models::offers(&connection, json, &model).await,
		Command::Provider { address } => {
			account::provider(&connection, &signer, json, address).await
		}
		Command::Balance { address } => account::balance(&connection, &signer, json, address).await,
		Command::Transfer { to, amount } => {
			account::transfer(&connection, &signer, json, &to, &amount).await
		}
		Command::Quote { model, max_tokens } => {
			jobs::quote(&connection, json, &model, max_tokens).await
		}
		Command::Prompt(args) => jobs::prompt(&connection, &signer, json, args).await,
		Command::Job { id } => jobs::job(&connection, json, id).await,
		Command::Jobs { address } => jobs::jobs_of(&connection, &signer, json, address).await,
		Command::Challenge { id } => jobs::challenge(&connection, &signer, json, id).await,
		Command::Params { action: None } => governance::params(&connection, json).await,
		Command::Params { action: Some(action) } => {
			governance::run(&connection, &signer, json, action).await
		}
		Command::Referenda => governance::referenda(&connection, json).await,
		Command::Vote(args) => governance::vote(&connection, &signer, json, args).await,
	}
}
