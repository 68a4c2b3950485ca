//! The daemon's settings: flags, an optional TOML file under them, and defaults under both.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, ValueEnum};
use faithful_client::amount::parse_fth;
use faithful_primitives::Balance;
use serde::Deserialize;

use faithful_engine::DEFAULT_EPSILON;

/// Where the engine runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
	#[default]
	Cpu,
	/// Needs a build with the `cuda` feature.
	Cuda,
}

/// `faithful-worker run` settings. Every one can also be set in the `--config` TOML file under
/// the same name (`models` for `--model`); a flag wins over the file.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
	/// A TOML file with settings.
	#[arg(long)]
	#[serde(skip)]
	pub config: Option<PathBuf>,
	/// The node's WebSocket RPC [default: ws://127.0.0.1:9944].
	#[arg(long)]
	pub url: Option<String>,
	/// The provider's key as a secret URI: a dev name (`//Bob`), a mnemonic or a hex seed.
	#[arg(long, conflicts_with = "key_file")]
	pub suri: Option<String>,
	/// A file holding the provider's secret URI (as `faithful keys generate` writes it).
	#[arg(long)]
	pub key_file: Option<PathBuf>,
	/// A GGUF model to serve; repeat for several.
	#[arg(long = "model")]
	#[serde(rename = "models")]
	pub models: Option<Vec<PathBuf>>,
	/// Price per output token in FTH, offered when registering [default: 0.000001].
	#[arg(long)]
	pub price: Option<String>,
	/// Jobs the offer takes at once [default: 2].
	#[arg(long)]
	pub max_concurrent: Option<u32>,
	/// Stake in FTH put up when registering [default: 100].
	#[arg(long)]
	pub stake: Option<String>,
	/// Where users can reach the provider, recorded on chain [default: faithful-worker].
	#[arg(long)]
	pub endpoint: Option<String>,
	/// Register the provider, the models and the offers that are missing on chain.
	#[arg(long)]
	#[serde(default)]
	pub auto_register: bool,
	/// Judge the models' disputes without offering them (`Providers.verify`): take no jobs.
	#[arg(long)]
	#[serde(default)]
	pub verify_only: bool,
	/// Port of the Prometheus endpoint on 127.0.0.1 [default: 9616].
	#[arg(long)]
	pub metrics_port: Option<u16>,
	/// Serve no metrics.
	#[arg(long)]
	#[serde(default)]
	pub no_metrics: bool,
	/// The state file that lets a restart resume [default:
	/// ~/.local/share/faithful/worker-<address>.json].
	#[arg(long)]
	pub state: Option<PathBuf>,
	/// Share of other providers' results for our models to re-execute, challenging those that
	/// fail [default: 0].
	#[arg(long)]
	pub audit_share: Option<f64>,
	/// Tolerance on logit differences when judging answers.
	#[arg(long)]
	pub epsilon: Option<f64>,
	/// Where the engine runs [default: cpu].
	#[arg(long, value_enum)]
	pub device: Option<DeviceKind>,
	/// Testing only: serve with this layer's weights zeroed, i.e. cheat. Verification catches it
	/// and the provider is slashed.
	#[arg(long, hide = true)]
	#[serde(skip)]
	pub cheat_zero_layer: Option<usize>,
	/// Testing only: hold each answer back while the audit draw, predicted from the VRF output
	/// anyone can read, says it would be audited (see `daemon::cheat`).
	#[arg(long, hide = true)]
	#[serde(skip)]
	pub cheat_time_answers: bool,
	/// Testing only: vote `Valid` on every disputed result without re-executing it, as a juror
	/// that free-rides would. It loses its vote bond whenever the answer was a lie.
	#[arg(long, hide = true)]
	#[serde(skip)]
	pub cheat_vote_valid: bool,
}

/// What the worker does for its models on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
	/// Offers them, `max_concurrent` jobs at once at `price_per_token`, and judges their
	/// disputes.
	Provider { price_per_token: Balance, max_concurrent: u32 },
	/// Judges their disputes only, holding the files and its stake, taking no jobs.
	Verifier,
}

/// Resolved settings.
#[derive(Clone, Debug)]
pub struct Config {
	pub url: String,
	pub suri: String,
	pub models: Vec<PathBuf>,
	pub role: Role,
	pub stake: Balance,
	pub endpoint: String,
	pub auto_register: bool,
	pub metrics_port: Option<u16>,
	/// `None`: the default path, which needs the account's address.
	pub state: Option<PathBuf>,
	pub audit_share: f64,
	pub epsilon: f64,
	pub device: DeviceKind,
	pub cheat_zero_layer: Option<usize>,
	pub cheat_time_answers: bool,
	pub cheat_vote_valid: bool,
}

impl Settings {
	/// Flags over the `--config` file over defaults.
	pub fn resolve(self) -> Result<Config> {
		let file = match &self.config {
			Some(path) => Self::read(path)?,
			None => Settings::default(),
		};
		let flags = self;
		let suri = match (flags.suri.or(file.suri), flags.key_file.or(file.key_file)) {
			(Some(suri), None) => suri,
			(None, Some(path)) => faithful_client::connection::read_key_file(&path)?,
			(Some(_), Some(_)) => bail!("give the key once: --suri or --key-file, not both"),
			(None, None) => bail!("no provider key: pass --suri (e.g. //Bob) or --key-file"),
		};
		let models = flags.models.or(file.models).unwrap_or_default();
		ensure!(!models.is_empty(), "no model to serve: pass --model PATH (a GGUF file)");
		let fth = |value: Option<String>, default: &str, what: &str| -> Result<Balance> {
			let text = value.unwrap_or_else(|| default.to_owned());
			parse_fth(&text).with_context(|| format!("--{what} `{text}`"))
		};
		let (price, max_concurrent) =
			(flags.price.or(file.price), flags.max_concurrent.or(file.max_concurrent));
		let role = if flags.verify_only || file.verify_only {
			ensure!(
				price.is_none() && max_concurrent.is_none(),
				"--verify-only takes no jobs: --price and --max-concurrent do not apply"
			);
			Role::Verifier
		} else {
			let price_per_token = fth(price, "0.000001", "price")?;
			ensure!(price_per_token > 0, "--price must be above zero");
			let max_concurrent = max_concurrent.unwrap_or(2);
			ensure!(max_concurrent > 0, "--max-concurrent must be at least 1");
			Role::Provider { price_per_token, max_concurrent }
		};
		let stake = fth(flags.stake.or(file.stake), "100", "stake")?;
		let audit_share = flags.audit_share.or(file.audit_share).unwrap_or(0.0);
		ensure!((0.0..=1.0).contains(&audit_share), "--audit-share must be between 0 and 1");
		let epsilon = flags.epsilon.or(file.epsilon).unwrap_or(DEFAULT_EPSILON);
		ensure!(epsilon.is_finite() && epsilon >= 0.0, "--epsilon must be a non-negative number");
		let no_metrics = flags.no_metrics || file.no_metrics;
		Ok(Config {
			url: flags.url.or(file.url).unwrap_or_else(|| "ws://127.0.0.1:9944".into()),
			suri,
			models,
			role,
			stake,
			endpoint: flags.endpoint.or(file.endpoint).unwrap_or_else(|| "faithful-worker".into()),
			auto_register: flags.auto_register || file.auto_register,
			metrics_port: (!no_metrics)
				.then(|| flags.metrics_port.or(file.metrics_port).unwrap_or(9616)),
			state: flags.state.or(file.state),
			audit_share,
			epsilon,
			device: flags.device.or(file.device).unwrap_or_default(),
			cheat_zero_layer: flags.cheat_zero_layer,
			cheat_time_answers: flags.cheat_time_answers,
			cheat_vote_valid: flags.cheat_vote_valid,
		})
	}

	fn read(path: &Path) -> Result<Settings> {
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading the config file {}", path.display()))?;
		toml::from_str(&text).with_context(|| format!("{} is not a valid config", path.display()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use faithful_primitives::currency::{FTH, MICRO_FTH};

	fn with_file(toml: &str) -> (tempfile::TempDir, Settings) {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("worker.toml");
		std::fs::write(&path, toml).unwrap();
		(dir, Settings { config: Some(path), ..Settings::default() })
	}

	#[test]
	fn defaults_fill_what_neither_flags_nor_file_set() {
		let settings = Settings {
			suri: Some("//Bob".into()),
			models: Some(vec!["m.gguf".into()]),
			..Settings::default()
		};
		let config = settings.resolve().unwrap();
		assert_eq!(config.url, "ws://127.0.0.1:9944");
		assert_eq!(config.role, Role::Provider { price_per_token: MICRO_FTH, max_concurrent: 2 });
		assert_eq!(config.stake, 100 * FTH);
		assert_eq!(config.metrics_port, Some(9616));
		assert_eq!(config.audit_share, 0.0);
		assert!(!config.auto_register);
	}

	#[test]
	fn flags_win_over_the_file() {
		let (_dir, mut settings) = with_file(
			"url = \"ws://10.0.0.1:9944\"\nsuri = \"//Bob\"\nmodels = [\"a.gguf\"]\n\
			 price = \"0.5\"\nauto-register = true\nno-metrics = true\n",
		);
		settings.price = Some("2".into());
		let config = settings.resolve().unwrap();
		assert_eq!(config.url, "ws://10.0.0.1:9944");
		assert_eq!(config.role, Role::Provider { price_per_token: 2 * FTH, max_concurrent: 2 });
		assert_eq!(config.models, vec![PathBuf::from("a.gguf")]);
		assert!(config.auto_register);
		assert_eq!(config.metrics_port, None);
	}

	#[test]
	fn bad_settings_are_refused_with_what_is_wrong() {
		let base = || Settings {
			suri: Some("//Bob".into()),
			models: Some(vec!["m.gguf".into()]),
			..Settings::default()
		};
		let err = |s: Settings| s.resolve().unwrap_err().to_string();
		assert!(err(Settings { suri: None, ..base() }).contains("no provider key"));
		assert!(err(Settings { models: None, ..base() }).contains("no model to serve"));
		assert!(err(Settings { price: Some("0".into()), ..base() }).contains("above zero"));
		assert!(err(Settings { price: Some("cheap".into()), ..base() }).contains("--price"));
		assert!(err(Settings { audit_share: Some(1.5), ..base() }).contains("between 0 and 1"));
		assert!(err(Settings { max_concurrent: Some(0), ..base() }).contains("at least 1"));
		let verifier_with_a_price =
			Settings { verify_only: true, price: Some("1".into()), ..base() };
		assert!(err(verifier_with_a_price).contains("takes no jobs"));
		let (_dir, file) = with_file("colour = \"blue\"\n");
		assert!(err(Settings { config: file.config, ..base() }).contains("not a valid config"));
	}

	#[test]
	fn a_key_file_is_read_and_trimmed() {
		let dir = tempfile::tempdir().unwrap();
		let key = dir.path().join("key");
		std::fs::write(&key, "//Charlie\n").unwrap();
		let settings = Settings {
			key_file: Some(key),
			models: Some(vec!["m.gguf".into()]),
			..Settings::default()
		};
		assert_eq!(settings.resolve().unwrap().suri, "//Charlie");
	}

	#[test]
	fn verify_only_makes_a_verifier_that_offers_nothing() {
		let settings = Settings {
			suri: Some("//Ferdie".into()),
			models: Some(vec!["m.gguf".into()]),
			verify_only: true,
			..Settings::default()
		};
		assert_eq!(settings.resolve().unwrap().role, Role::Verifier);
	}
}
