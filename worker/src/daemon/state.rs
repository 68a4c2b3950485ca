//! What the daemon must remember across restarts: how far it has followed the chain, which
//! results it already delivered, and its committee votes with their secret salts (without the
//! salt a committed vote cannot be revealed, and an unrevealed vote loses its bond).

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use faithful_primitives::{
	hex,
	jobs::{JobId, Verdict},
	BlockNumber,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The state file's format; a file of another version is migrated or refused, never misread.
pub const VERSION: u32 = 2;

/// A committee seat: its phases and how far this worker's vote has come.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
	pub commit_until: BlockNumber,
	pub reveal_until: BlockNumber,
	pub stage: Stage,
}

/// How far a seat's vote has come. The ballot is written down before it is committed, so a
/// committed vote can always be revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
	/// Drawn; the disputed result is not judged yet.
	Drawn,
	/// Judged: the ballot to commit.
	Judged(Ballot),
	/// Committed on chain; the ballot waits for the reveal phase.
	Committed(Ballot),
	/// Revealed on chain: nothing is left to do.
	Revealed,
}

/// Where this worker's vote on a dispute stands on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChain {
	/// Not on the dispute's current jury (the dispute ended, or a new round was drawn).
	NotSeated,
	Pending,
	Committed,
	Revealed,
}

impl Stage {
	/// The stage once the chain's record of the vote is known. The chain wins: a crash may come
	/// between a vote landing and its stage being written down. `None` when the seat is over, or
	/// the vote can go no further (committed on chain with no ballot here).
	pub fn reconciled(self, on_chain: OnChain) -> Option<Stage> {
		match (on_chain, self) {
			(OnChain::NotSeated, _) => None,
			(OnChain::Revealed, _) => Some(Stage::Revealed),
			(OnChain::Committed, Stage::Judged(ballot) | Stage::Committed(ballot)) => {
				Some(Stage::Committed(ballot))
			}
			(OnChain::Committed, Stage::Drawn | Stage::Revealed) => None,
			(OnChain::Pending, Stage::Committed(ballot)) => Some(Stage::Judged(ballot)),
			(OnChain::Pending, Stage::Revealed) => None,
			(OnChain::Pending, stage @ (Stage::Drawn | Stage::Judged(_))) => Some(stage),
		}
	}
}

/// A judgement and the salt that hides it until the reveal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
	pub valid: bool,
	/// Hex in the file, so it stays readable.
	#[serde(serialize_with = "salt_to_hex", deserialize_with = "salt_from_hex")]
	pub salt: [u8; 32],
}

impl Ballot {
	pub fn verdict(&self) -> Verdict {
		if self.valid {
			Verdict::Valid
		} else {
			Verdict::Invalid
		}
	}
}

fn salt_to_hex<S: Serializer>(salt: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&hex::encode(salt))
}

fn salt_from_hex<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
	let text = String::deserialize(deserializer)?;
	hex::decode_array(&text)
		.ok_or_else(|| serde::de::Error::custom("a ballot's salt is not 32 bytes of hex"))
}

/// The daemon's memory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
	/// [`VERSION`].
	pub version: u32,
	/// The last finalized block whose events were handled.
	pub last_block: u64,
	/// Jobs assigned to this provider whose result is not delivered yet.
	pub serving: BTreeSet<JobId>,
	/// Jobs whose result this provider delivered and that have not settled yet.
	pub delivered: BTreeSet<JobId>,
	/// Committee seats not yet over.
	pub seats: BTreeMap<JobId, Seat>,
	/// Other providers' results picked for an audit and not yet judged.
	pub auditing: BTreeSet<JobId>,
	/// Results already audited (each at most once).
	pub audited: BTreeSet<JobId>,
}

impl Default for State {
	fn default() -> Self {
		Self {
			version: VERSION,
			last_block: 0,
			serving: BTreeSet::new(),
			delivered: BTreeSet::new(),
			seats: BTreeMap::new(),
			auditing: BTreeSet::new(),
			audited: BTreeSet::new(),
		}
	}
}

impl State {
	/// Reads a state file of this version, or of version 1 (no version field; votes as an
	/// option and two flags), which it migrates.
	fn parse(bytes: &[u8]) -> Result<Self> {
		let value: serde_json::Value = serde_json::from_slice(bytes)?;
		match value.get("version").map(serde_json::Value::as_u64) {
			None => Ok(serde_json::from_value::<v1::State>(value)?.into()),
			Some(Some(version)) if version == u64::from(VERSION) => {
				Ok(serde_json::from_value(value)?)
			}
			Some(version) => {
				bail!("version {version:?} is not one this worker reads (it reads 1 and {VERSION})")
			}
		}
	}
}

/// Version 1 of the file, read only to migrate it.
mod v1 {
	use super::*;

	#[derive(Deserialize)]
	pub struct State {
		last_block: u64,
		serving: BTreeSet<JobId>,
		delivered: BTreeSet<JobId>,
		votes: BTreeMap<JobId, Vote>,
		auditing: BTreeSet<JobId>,
		audited: BTreeSet<JobId>,
	}

	#[derive(Deserialize)]
	struct Vote {
		commit_until: BlockNumber,
		reveal_until: BlockNumber,
		ballot: Option<Ballot>,
		committed: bool,
		revealed: bool,
	}

	impl From<State> for super::State {
		fn from(old: State) -> Self {
			let seat = |vote: Vote| {
				let stage = match (vote.ballot, vote.committed, vote.revealed) {
					(_, _, true) => Stage::Revealed,
					(Some(ballot), true, false) => Stage::Committed(ballot),
					(Some(ballot), false, false) => Stage::Judged(ballot),
					(None, _, false) => Stage::Drawn,
				};
				Seat { commit_until: vote.commit_until, reveal_until: vote.reveal_until, stage }
			};
			Self {
				version: VERSION,
				last_block: old.last_block,
				serving: old.serving,
				delivered: old.delivered,
				seats: old.votes.into_iter().map(|(job, vote)| (job, seat(vote))).collect(),
				auditing: old.auditing,
				audited: old.audited,
			}
		}
	}
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
			Ok(bytes) => State::parse(&bytes)
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn state_survives_reopening_and_a_missing_file_starts_empty() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("nested/state.json");
		let mut file = StateFile::open(&path).unwrap();
		assert_eq!(file.get(), &State::default());
		let seat = Seat {
			commit_until: 10,
			reveal_until: 20,
			stage: Stage::Committed(Ballot { valid: false, salt: [7u8; 32] }),
		};
		file.update(|s| {
			s.last_block = 42;
			s.delivered.insert(5);
			s.seats.insert(6, seat.clone());
		})
		.unwrap();
		let reopened = StateFile::open(&path).unwrap();
		assert_eq!(reopened.get(), file.get());
		let Stage::Committed(ballot) = &reopened.get().seats[&6].stage else {
			panic!("the seat's stage survives")
		};
		assert_eq!(ballot.salt, [7u8; 32]);
		assert_eq!(ballot.verdict(), Verdict::Invalid);
	}

	/// A worker upgraded in the middle of a dispute must still reveal the vote it committed.
	#[test]
	fn a_version_1_file_migrates_with_its_committed_vote_and_salt() {
		let salt = "07".repeat(32);
		let old = format!(
			r#"{{"last_block": 9, "serving": [1], "delivered": [], "auditing": [], "audited": [3],
			"votes": {{
				"4": {{"commit_until": 10, "reveal_until": 20, "ballot": null, "committed": false, "revealed": false}},
				"5": {{"commit_until": 10, "reveal_until": 20, "ballot": {{"valid": true, "salt": "{salt}"}}, "committed": false, "revealed": false}},
				"6": {{"commit_until": 10, "reveal_until": 20, "ballot": {{"valid": false, "salt": "{salt}"}}, "committed": true, "revealed": false}},
				"7": {{"commit_until": 10, "reveal_until": 20, "ballot": {{"valid": false, "salt": "{salt}"}}, "committed": true, "revealed": true}}
			}}}}"#
		);
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		fs::write(&path, old).unwrap();
		let state = StateFile::open(&path).unwrap().get().clone();
		assert_eq!((state.version, state.last_block), (VERSION, 9));
		assert_eq!(state.serving, [1].into());
		assert_eq!(state.audited, [3].into());
		let stages: Vec<&Stage> = state.seats.values().map(|seat| &seat.stage).collect();
		assert_eq!(
			stages,
			[
				&Stage::Drawn,
				&Stage::Judged(Ballot { valid: true, salt: [7; 32] }),
				&Stage::Committed(Ballot { valid: false, salt: [7; 32] }),
				&Stage::Revealed,
			]
		);
	}

	#[test]
	fn a_file_of_an_unknown_version_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		let mut newer = serde_json::to_value(State::default()).unwrap();
		newer["version"] = 3.into();
		fs::write(&path, newer.to_string()).unwrap();
		let err = StateFile::open(&path).err().unwrap();
		assert!(
			format!("{err:#}").contains("version Some(3) is not one this worker reads"),
			"{err:#}"
		);
	}

	/// A crash between a vote landing and its stage being written leaves the file behind the
	/// chain; the chain's record decides the next step.
	#[test]
	fn a_seat_follows_the_chains_record_of_the_vote() {
		let ballot = Ballot { valid: true, salt: [1; 32] };
		let committed = Stage::Committed(ballot.clone());
		let judged = Stage::Judged(ballot.clone());
		// Crashed after revealing: never reveal again.
		assert_eq!(committed.clone().reconciled(OnChain::Revealed), Some(Stage::Revealed));
		// Crashed after committing: reveal next, not commit again.
		assert_eq!(judged.clone().reconciled(OnChain::Committed), Some(committed.clone()));
		// The commit never landed: commit again.
		assert_eq!(committed.clone().reconciled(OnChain::Pending), Some(judged.clone()));
		assert_eq!(judged.clone().reconciled(OnChain::Pending), Some(judged));
		assert_eq!(Stage::Drawn.reconciled(OnChain::Pending), Some(Stage::Drawn));
		// No longer on the jury, or committed with no ballot to reveal: the seat is over.
		assert_eq!(committed.reconciled(OnChain::NotSeated), None);
		assert_eq!(Stage::Drawn.reconciled(OnChain::Committed), None);
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
		for salt in ["zz".to_owned(), hex::encode(&[1u8; 31])] {
			let ballot = serde_json::json!({ "valid": true, "salt": salt });
			assert!(serde_json::from_value::<Ballot>(ballot).is_err(), "{salt}");
		}
	}
}
