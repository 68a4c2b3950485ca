//! Which key signs, and the `keys` commands. A key comes from `--suri` or `--key-file`, else from
//! `FAITHFUL_SURI` or `FAITHFUL_KEY_FILE`; with none, `//Alice` signs, but only on a development
//! chain, where everyone knows her key anyway.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use faithful_client::{
	connection::{account, address, keypair, read_key_file},
	Connection,
};
use faithful_primitives::hex;
use serde::Serialize;
use subxt::utils::AccountId32;
use subxt_signer::{bip39::Mnemonic, sr25519::Keypair};

use crate::output::print;

/// The environment variable holding a secret URI, read when no key flag is given.
const SURI_VARIABLE: &str = "FAITHFUL_SURI";
/// The environment variable naming a key file, read when no key flag is given.
const KEY_FILE_VARIABLE: &str = "FAITHFUL_KEY_FILE";
/// Who signs on a development chain when no key is given.
const DEV_KEY: &str = "//Alice";

#[derive(clap::Args)]
pub struct KeyArgs {
	/// The signing key: a dev name (`//Alice`), a mnemonic, or a hex seed. Else $FAITHFUL_SURI;
	/// on a development chain, //Alice by default.
	#[arg(long, global = true)]
	suri: Option<String>,

	/// A file holding the signing key's secret (what `faithful keys generate --out` writes).
	/// Else $FAITHFUL_KEY_FILE.
	#[arg(long, global = true, conflicts_with = "suri")]
	key_file: Option<PathBuf>,
}

/// Where the signing key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum KeySource {
	Uri(String),
	File(PathBuf),
}

impl KeySource {
	fn secret(&self) -> Result<String> {
		match self {
			Self::Uri(uri) => Ok(uri.clone()),
			Self::File(path) => read_key_file(path),
		}
	}
}

impl KeyArgs {
	/// The key given by a flag, else by the environment; `None` when neither names one.
	fn source(&self) -> Result<Option<KeySource>> {
		self.source_from(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
	}

	fn source_from(&self, variable: impl Fn(&str) -> Option<String>) -> Result<Option<KeySource>> {
		if let Some(uri) = &self.suri {
			return Ok(Some(KeySource::Uri(uri.clone())));
		}
		if let Some(path) = &self.key_file {
			return Ok(Some(KeySource::File(path.clone())));
		}
		match (variable(SURI_VARIABLE), variable(KEY_FILE_VARIABLE)) {
			(Some(_), Some(_)) => {
				bail!("both {SURI_VARIABLE} and {KEY_FILE_VARIABLE} are set; unset one")
			}
			(Some(uri), None) => Ok(Some(KeySource::Uri(uri))),
			(None, Some(path)) => Ok(Some(KeySource::File(path.into()))),
			(None, None) => Ok(None),
		}
	}
}

/// The signing key of a command that talks to a node, read when first needed.
pub struct Signer<'a> {
	args: &'a KeyArgs,
	connection: &'a Connection,
}

impl<'a> Signer<'a> {
	pub fn new(args: &'a KeyArgs, connection: &'a Connection) -> Self {
		Self { args, connection }
	}

	/// The key that signs: the one given, else the dev key on a development chain.
	pub async fn key(&self) -> Result<Keypair> {
		if let Some(source) = self.args.source()? {
			return keypair(&source.secret()?);
		}
		if self.connection.is_development_chain().await? {
			return keypair(DEV_KEY);
		}
		bail!(
			"no signing key: pass --suri or --key-file (or set {SURI_VARIABLE} or \
			 {KEY_FILE_VARIABLE}); {DEV_KEY} signs by default only on a development chain"
		)
	}

	/// `given` as an account, else the signing key's.
	pub async fn account_or_mine(&self, given: Option<String>) -> Result<AccountId32> {
		match given {
			Some(text) => faithful_client::connection::parse_address(&text),
			None => Ok(account(&self.key().await?)),
		}
	}
}

#[derive(clap::Subcommand)]
pub enum KeysAction {
	/// A new account: prints its 12-word secret phrase (or writes it to --out) and address.
	Generate {
		/// Write the phrase to this file (created, readable by its owner only) instead of
		/// printing it; `--key-file` here and in `faithful-worker run` reads it.
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// The address and public key of a secret URI (default: the key given by --suri, --key-file
	/// or the environment).
	Inspect { suri: Option<String> },
}

/// What `keys` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyRow {
	address: String,
	public_key: String,
	#[serde(skip_serializing_if = "Option::is_none")]
	secret_phrase: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	secret_file: Option<PathBuf>,
}

/// `keys generate` and `keys inspect`: offline, they need no node.
pub fn keys(json: bool, action: &KeysAction, args: &KeyArgs) -> Result<()> {
	let row = match action {
		KeysAction::Generate { out } => {
			let phrase = Mnemonic::from_entropy(&rand::random::<[u8; 16]>())
				.map_err(|e| anyhow!("cannot make a phrase: {e}"))?
				.to_string();
			let key = keypair(&phrase)?;
			match out {
				Some(path) => {
					write_secret(path, &phrase)?;
					KeyRow { secret_file: Some(path.clone()), ..row(&key) }
				}
				None => KeyRow { secret_phrase: Some(phrase), ..row(&key) },
			}
		}
		KeysAction::Inspect { suri: Some(suri) } => row(&keypair(suri)?),
		KeysAction::Inspect { suri: None } => {
			let source = args.source()?.ok_or_else(|| {
				anyhow!("no key to inspect: give a secret URI, --suri or --key-file")
			})?;
			row(&keypair(&source.secret()?)?)
		}
	};
	print(json, &row, |row| {
		let mut lines = vec![format!("address: {}", row.address)];
		lines.push(format!("public key: {}", row.public_key));
		if let Some(phrase) = &row.secret_phrase {
			lines.push(format!("secret phrase (keep it safe; it is the account): {phrase}"));
		}
		if let Some(file) = &row.secret_file {
			lines.push(format!("secret phrase written to {}", file.display()));
		}
		lines.join("\n")
	})
}

fn row(key: &Keypair) -> KeyRow {
	KeyRow {
		address: address(key),
		public_key: hex::encode(&key.public_key().0),
		secret_phrase: None,
		secret_file: None,
	}
}

/// Creates `path` with `secret`, readable by its owner only; never overwrites a file.
fn write_secret(path: &Path, secret: &str) -> Result<()> {
	use std::io::Write;
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	let mut file = options.open(path).with_context(|| {
		format!("cannot create {} (an existing key file is never overwritten)", path.display())
	})?;
	writeln!(file, "{secret}").with_context(|| format!("writing {}", path.display()))?;
	file.sync_all().with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn args(suri: Option<&str>, key_file: Option<&str>) -> KeyArgs {
		KeyArgs { suri: suri.map(Into::into), key_file: key_file.map(Into::into) }
	}

	fn environment(
		pairs: &'static [(&'static str, &'static str)],
	) -> impl Fn(&str) -> Option<String> {
		move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
	}

	#[test]
	fn a_key_flag_is_taken_before_the_environment() {
		let env = environment(&[(SURI_VARIABLE, "//Bob")]);
		assert_eq!(
			args(Some("//Eve"), None).source_from(&env).unwrap(),
			Some(KeySource::Uri("//Eve".into()))
		);
		assert_eq!(
			args(None, Some("k.key")).source_from(&env).unwrap(),
			Some(KeySource::File("k.key".into()))
		);
	}

	#[test]
	fn the_environment_names_a_key_when_no_flag_does() {
		let uri = environment(&[(SURI_VARIABLE, "//Bob")]);
		assert_eq!(
			args(None, None).source_from(uri).unwrap(),
			Some(KeySource::Uri("//Bob".into()))
		);
		let file = environment(&[(KEY_FILE_VARIABLE, "/keys/bob")]);
		assert_eq!(
			args(None, None).source_from(file).unwrap(),
			Some(KeySource::File("/keys/bob".into()))
		);
		assert_eq!(args(None, None).source_from(environment(&[])).unwrap(), None);
	}

	#[test]
	fn two_keys_in_the_environment_are_refused() {
		let both = environment(&[(SURI_VARIABLE, "//Bob"), (KEY_FILE_VARIABLE, "/keys/bob")]);
		let error = args(None, None).source_from(both).unwrap_err().to_string();
		assert!(error.contains("unset one"), "{error}");
	}

	#[test]
	fn a_key_file_is_read_without_its_newline() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("alice.key");
		std::fs::write(&path, "//Alice\n").unwrap();
		assert_eq!(KeySource::File(path).secret().unwrap(), "//Alice");
	}
}
