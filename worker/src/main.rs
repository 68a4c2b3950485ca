//! `faithful-worker`: the compute provider's command-line tool.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use faithful_worker::model_id;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Print a GGUF file's model id (its BLAKE2b-256 hash), the id models are registered under.
	ModelId {
		/// Path of the GGUF file.
		path: PathBuf,
	},
}

fn main() -> Result<()> {
	match Cli::parse().command {
		Command::ModelId { path } => {
			let bar = ProgressBar::new(0).with_style(
				ProgressStyle::with_template("hashing {bytes}/{total_bytes} [{bar:30}] {eta}")
					.expect("valid progress template"),
			);
			let id = model_id::hash_file(&path, |done, total| {
				bar.set_length(total);
				bar.set_position(done);
			})
			.with_context(|| format!("hashing {}", path.display()))?;
			bar.finish_and_clear();
			println!("{}", model_id::to_hex(&id));
		}
	}
	Ok(())
}
