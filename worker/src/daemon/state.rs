//! What the daemon must remember across restarts: how far it has followed the chain, which
//! results it already delivered, and its committee votes with their secret salts (without the
//! salt a committed vote cannot be revealed, and an unrevealed vote loses its bond).

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use faithful_primitives::{
	jobs::{JobId, Verdict},
	BlockNumber,
};
use serde::{Deserialize, Serialize};

/// A committee seat, from being drawn to revealing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
	pub commit_until: BlockNumber,
	pub reveal_until: BlockNumber,
	/// The judgement, once made.
	pub ballot: Option<Ballot>,
	pub committed: bool,
	pub revealed: bool,
}

/// A judgement and the salt that hides it until the reveal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
	pub valid: bool,
	/// Hex, so the file stays readable.
	pub salt: String,
}

impl Ballot {
	pub fn verdict(&self) -> Verdict {
		if self.valid {
			Verdict::Valid
		} else {
			Verdict::Invalid
		}
	}

	pub fn salt(&self) -> Result<[u8; 32]> {
		let bytes =
			hex_decode(&self.salt).context("a ballot's salt in the state file is not hex")?;
		bytes.try_into().map_err(|_| anyhow::anyhow!("a ballot's salt is not 32 bytes"))
	}
}

/// The daemon's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
	/// The last finalized block whose events were handled.
	pub last_block: u64,
	/// Jobs assigned to this provider whose result is not delivered yet.
	pub serving: BTreeSet<JobId>,
	/// Jobs whose result this provider delivered and that have not settled yet.
	pub delivered: BTreeSet<JobId>,
	/// Committee seats not yet over.
	pub votes: BTreeMap<JobId, Vote>,
	/// Other providers' results picked for an audit and not yet judged.
	pub auditing: BTreeSet<JobId>,
	/// Results already audited (each at most once).
	pub audited: BTreeSet<JobId>,
}

/// [`State`] kept in a JSON file, rewritten atomically on every change.
pub struct StateFile {
	path: PathBuf,
	state: State,
}

impl StateFile {
	/// Opens the file at `path`, or starts empty when there is none.
	pub fn open(path: &Path) -> Result<Self> {
		let state = match fs::read(path) {
			Ok(bytes) => serde_json::from_slice(&bytes)
				.with_context(|| format!("{} is not a worker state file", path.display()))?,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
			Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
		};
		if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
			fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		}
		Ok(Self { path: path.to_owned(), state })
	}

	pub fn get(&self) -> &State {
		&self.state
	}

	/// Changes the state and writes it out durably before returning, so nothing acted on is
	/// forgotten, even by a power cut: the new state goes to a temporary file readable by the owner
	/// only (it holds vote salts), is synced, renamed over the old one, and the rename is synced.
	pub fn update<R>(&mut self, change: impl FnOnce(&mut State) -> R) -> Result<R> {
		let result = change(&mut self.state);
		let bytes = serde_json::to_vec_pretty(&self.state).expect("the state serializes");
		self.write_durably(&bytes).with_context(|| format!("writing {}", self.path.display()))?;
		Ok(result)
	}

	fn write_durably(&self, bytes: &[u8]) -> std::io::Result<()> {
		use std::{io::Write, os::unix::fs::OpenOptionsExt};
		let temporary = self.path.with_extension("json.tmp");
		let mut file = fs::OpenOptions::new()
			.write(true)
			.create(true)
			.truncate(true)
			.mode(0o600)
			.open(&temporary)?;
		file.write_all(bytes)?;
		file.sync_all()?;
		fs::rename(&temporary, &self.path)?;
		let dir =
			self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
		fs::File::open(dir)?.sync_all()
	}
}

pub fn hex_encode(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
	if !text.len().is_multiple_of(2) {
		return None;
	}
	(0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn state_survives_reopening_and_a_missing_file_starts_empty() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("nested/state.json");
		let mut file = StateFile::open(&path).unwrap();
		assert_eq!(file.get(), &State::default());
		let vote = Vote {
			commit_until: 10,
			reveal_until: 20,
			ballot: Some(Ballot { valid: false, salt: hex_encode(&[7u8; 32]) }),
			committed: true,
			revealed: false,
		};
		file.update(|s| {
			s.last_block = 42;
			s.delivered.insert(5);
			s.votes.insert(6, vote.clone());
		})
		.unwrap();
		let reopened = StateFile::open(&path).unwrap();
		assert_eq!(reopened.get(), file.get());
		let ballot = reopened.get().votes[&6].ballot.clone().unwrap();
		assert_eq!(ballot.salt().unwrap(), [7u8; 32]);
		assert_eq!(ballot.verdict(), Verdict::Invalid);
	}

	/// The file holds the salts of committed votes: anyone who reads one can predict the reveal.
	#[test]
	fn the_state_file_is_readable_by_its_owner_only() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		let mut file = StateFile::open(&path).unwrap();
		file.update(|s| s.last_block = 1).unwrap();
		let mode = fs::metadata(&path).unwrap().permissions().mode();
		assert_eq!(mode & 0o077, 0, "mode {mode:o}");
		file.update(|s| s.last_block = 2).unwrap();
		assert_eq!(StateFile::open(&path).unwrap().get().last_block, 2);
		assert!(!path.with_extension("json.tmp").exists(), "no temporary file left");
	}

	#[test]
	fn a_corrupt_state_file_is_an_error_not_a_fresh_start() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		fs::write(&path, b"{ not json").unwrap();
		let err = StateFile::open(&path).err().unwrap();
		assert!(err.to_string().contains("not a worker state file"), "{err}");
	}

	#[test]
	fn a_salt_that_is_not_32_hex_bytes_is_refused() {
		let mut ballot = Ballot { valid: true, salt: "zz".into() };
		assert!(ballot.salt().is_err());
		ballot.salt = hex_encode(&[1u8; 31]);
		assert!(ballot.salt().is_err());
	}
}
