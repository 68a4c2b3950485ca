//! `models`, `models register` and `offers`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use faithful_client::{amount::format_fth, Connection};
use faithful_engine::model_file;
use faithful_primitives::hex;
use serde::Serialize;

use crate::{
	key::Signer,
	output::{lines, print, units},
};

#[derive(clap::Subcommand)]
pub enum ModelsAction {
	/// Registers a GGUF file as a model: its id is the file's hash; name, architecture and
	/// context length come from the file. Holds the registration deposit.
	Register {
		path: PathBuf,
		/// The name to register under (default: the file name up to its first dot).
		#[arg(long)]
		name: Option<String>,
	},
}

/// What `models register` prints.
#[derive(Serialize)]
struct Registered {
	id: String,
	name: String,
}

pub async fn run(
	connection: &Connection,
	signer: &Signer<'_>,
	json: bool,
	action: ModelsAction,
) -> Result<()> {
	let ModelsAction::Register { path, name } = action;
	let mut facts = model_file::read_facts(&path)?;
	if let Some(name) = name {
		facts.name = name;
	}
	let mut shown = 0;
	let id = model_file::hash_file(&path, |done, total| {
		let percent = (done * 100).checked_div(total).unwrap_or(100);
		if !json && percent >= shown + 10 {
			shown = percent;
			eprint!("\rhashing {}: {percent}%", path.display());
		}
	})
	.with_context(|| format!("hashing {}", path.display()))?;
	if !json {
		eprintln!();
	}
	connection
		.register_model(
			&signer.key().await?,
			id,
			&facts.name,
			facts.architecture,
			facts.context_length,
		)
		.await?;
	let row = Registered { id: hex::encode(id.as_bytes()), name: facts.name };
	print(json, &row, |row| format!("registered `{}` as {}", row.name, row.id))
}

pub async fn list(connection: &Connection, json: bool) -> Result<()> {
	let models = connection.models().await?;
	print(json, &models, |models| {
		lines(
			models,
			|| "no models registered".into(),
			|m| {
				let state = if m.active { "active" } else { "retired" };
				format!(
					"{}  {}  {} ctx {}  {state}",
					m.id, m.name, m.architecture, m.context_length
				)
			},
		)
	})
}

pub async fn offers(connection: &Connection, json: bool, model: &str) -> Result<()> {
	let model = connection.resolve_model(model).await?;
	let offers = connection.offers(model.id).await?;
	print(json, &offers, |offers| {
		lines(
			offers,
			|| format!("nobody offers {}", model.name),
			|o| {
				format!(
					"{}  {} per token  up to {} at once",
					o.provider,
					format_fth(units(&o.price_per_token)),
					o.max_concurrent
				)
			},
		)
	})
}
