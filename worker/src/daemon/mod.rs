//! The provider daemon (`faithful-worker run`): registers what is missing, follows finalized
//! blocks, answers the jobs routed to it before their deadline, sits on the committees it is
//! drawn for (judge, commit, reveal), optionally audits other providers, and remembers enough in
//! its state file to resume after a restart without ever delivering a result twice.
//!
//! Events only record duties in the state file; a per-block pass starts the work each duty still
//! needs. So a duty survives a crash, a reconnect or a restart, and is never run twice at once.

mod cheat;
pub mod config;
mod engine_thread;
pub mod execution;
pub mod metrics;
pub mod state;

use std::{
	collections::{BTreeMap, BTreeSet},
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use faithful_client::{
	amount::format_fth,
	chain::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_jobs::types::{Jury, Vote as ChainVote},
		},
	},
	connection::{address, keypair},
	Connection,
};
use faithful_engine::{
	model_file::{self, GgufFacts},
	Device, Model,
};
use faithful_primitives::{
	hex,
	jobs::{
		vote_commitment, Job, JobId, JobOutput, JobStatus, MaxJobAttempts, MaxOutputBytes,
		MaxOutputTokens,
	},
	models::ModelId,
	AccountId, Balance, BlockNumber,
};
use polkadot_sdk::substrate_prometheus_endpoint::Registry;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;
use tracing::{error, info, warn};

use self::{
	config::{Config, DeviceKind, Role},
	engine_thread::{EngineThread, Models},
	execution::{Answer, Fault, JobInput},
	metrics::Metrics,
	state::{Ballot, OnChain, Seat, Stage, StateFile},
};

/// How far back a start or a reconnect looks for missed events: longer than any deadline or vote
/// phase a job can still be acted on in.
const CATCH_UP_BLOCKS: u64 = 600;
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a shutdown waits for work in progress to land.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

type JobRecord = Job<AccountId, Balance, BlockNumber, MaxJobAttempts>;

/// A model file served by this worker.
struct Served {
	path: PathBuf,
	facts: GgufFacts,
}

/// What a worker task is doing for a job; a job has at most one task per duty at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Duty {
	Serve,
	Vote,
	Audit,
}

struct Worker {
	config: Config,
	key: Keypair,
	/// Our account as events carry it.
	me: AccountId32,
	/// Our account as the runtime encodes it (vote commitments bind it).
	account: AccountId,
	served: BTreeMap<ModelId, Served>,
	engine: EngineThread,
	state: Mutex<StateFile>,
	running: Mutex<BTreeSet<(Duty, JobId)>>,
	metrics: Metrics,
}

/// Runs the daemon until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> Result<()> {
	let key = keypair(&config.suri)?;
	let me = AccountId32(key.public_key().0);
	info!(provider = %address(&key), "starting the provider daemon");
	info!(
		kernels = %faithful_kernels::Isa::detected(),
		threads = rayon::current_num_threads(),
		"inference on the CPU"
	);

	let mut served = BTreeMap::new();
	for path in &config.models {
		let facts = model_file::read_facts(path)?;
		let id = hash_with_progress(path)?;
		info!(model = %facts.name, id = %hex::encode(id.as_bytes()), path = %path.display(), "model file");
		served.insert(id, Served { path: path.clone(), facts });
	}
	let engine = start_engine(&config, &served).await?;

	let registry = Registry::new();
	let metrics = Metrics::register(&registry)?;
	if let Some(port) = config.metrics_port {
		let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
		info!(%addr, "serving Prometheus metrics at /metrics");
		tokio::spawn(async move {
			if let Err(e) = metrics::serve(addr, registry).await {
				error!("{e:#}");
			}
		});
	}

	let state_path = config.state.clone().unwrap_or_else(|| default_state_path(&key));
	let state = StateFile::open(&state_path)?;
	info!(path = %state_path.display(), last_block = state.get().last_block, "state file");
	let resuming: Vec<JobId> = state.get().serving.iter().copied().collect();
	if !resuming.is_empty() {
		info!(jobs = ?resuming, "resuming jobs in flight");
	}

	let worker = Arc::new(Worker {
		account: AccountId::from(key.public_key().0),
		config,
		key,
		me,
		served,
		engine,
		state: Mutex::new(state),
		running: Mutex::default(),
		metrics,
	});

	tokio::select! {
		result = worker.clone().serve_forever() => result,
		() = shutdown_signal() => {
			info!("shutting down: taking no new work");
			worker.drain().await;
			Ok(())
		}
	}
}

impl Worker {
	/// Connects, registers, follows the chain; reconnects with backoff whenever the node goes.
	async fn serve_forever(self: Arc<Self>) -> Result<()> {
		let mut backoff = Duration::from_secs(1);
		let mut registered = false;
		loop {
			let connection = match Connection::open(&self.config.url).await {
				Ok(connection) => connection,
				Err(e) => {
					warn!("{e:#}; retrying in {}s", backoff.as_secs());
					tokio::time::sleep(backoff).await;
					backoff = (backoff * 2).min(MAX_BACKOFF);
					continue;
				}
			};
			info!(url = %self.config.url, "connected");
			if !registered {
				// Refusals here are the operator's to fix: stop rather than retry.
				self.ensure_registered(&connection).await?;
				registered = true;
			}
			backoff = Duration::from_secs(1);
			let error = self.clone().follow(&connection).await;
			warn!("lost the node: {error:#}; reconnecting");
			tokio::time::sleep(backoff).await;
		}
	}

	/// Waits for running work to finish, up to [`SHUTDOWN_GRACE`].
	async fn drain(&self) {
		let until = Instant::now() + SHUTDOWN_GRACE;
		while !self.running.lock().expect("not poisoned").is_empty() && Instant::now() < until {
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		let left = self.running.lock().expect("not poisoned").len();
		if left > 0 {
			warn!(left, "stopping with work in progress; the state file resumes it");
		}
	}

	/// Registers the provider, the models and the offers that are missing (with
	/// `--auto-register`), and refuses a model file that is not the registered model of its name.
	async fn ensure_registered(&self, connection: &Connection) -> Result<()> {
		let who = address(&self.key);
		let auto = self.config.auto_register;
		let mut provider = connection.provider(&self.me).await?;
		if provider.is_none() {
			if !auto {
				bail!("{who} is not a registered provider: run with --auto-register to stake {} FTH and register", format_fth(self.config.stake));
			}
			let endpoint = BoundedVec(self.config.endpoint.as_bytes().to_vec());
			let call = chain::transactions().providers().register(endpoint, self.config.stake);
			connection.submit(&call, &self.key).await.context("registering the provider")?;
			info!(stake = %format_fth(self.config.stake), "registered as a provider");
			provider = connection.provider(&self.me).await?;
		}
		let (offers, verifies) = provider.map(|p| (p.offers, p.verifies)).unwrap_or_default();
		let registered = connection.models().await?;
		for (id, served) in &self.served {
			let name = &served.facts.name;
			match registered.iter().find(|m| m.id == *id) {
				Some(model) if !model.active => {
					bail!("model `{}` ({id:?}) is registered but retired", model.name)
				}
				// The chain admits jobs by the registered context: one beyond the file's would
				// route this worker jobs it cannot run.
				Some(model) if model.context_length > served.facts.context_length => bail!(
					"model `{}` ({id:?}) is registered with a context of {} tokens, but {} holds {}: refusing to serve jobs it could not answer",
					model.name,
					model.context_length,
					served.path.display(),
					served.facts.context_length
				),
				Some(_) => {}
				None => {
					if let Some(other) = registered.iter().find(|m| &m.name == name) {
						bail!(
							"the chain's model `{name}` is {:?}, but {} hashes to {id:?}: \
							 this file is not the registered model, refusing to serve it",
							other.id,
							served.path.display()
						);
					}
					if !auto {
						bail!("{} ({id:?}) is not a registered model: register it with `faithful models register {}` or run with --auto-register", served.path.display(), served.path.display());
					}
					connection
						.register_model(
							&self.key,
							*id,
							name,
							served.facts.architecture,
							served.facts.context_length,
						)
						.await
						.with_context(|| format!("registering model `{name}`"))?;
					info!(model = %name, "registered the model");
				}
			}
			match self.config.role {
				Role::Provider { price_per_token, max_concurrent } if !offers.contains(id) => {
					if !auto {
						bail!("no offer for `{name}` yet: run with --auto-register to offer it at {} FTH per token", format_fth(price_per_token));
					}
					let call = chain::transactions().providers().offer(
						*id,
						price_per_token,
						max_concurrent,
					);
					connection
						.submit(&call, &self.key)
						.await
						.with_context(|| format!("offering `{name}`"))?;
					info!(model = %name, price = %format_fth(price_per_token), "offered the model");
				}
				Role::Verifier if !verifies.contains(id) => {
					if !auto {
						bail!(
							"not a verifier of `{name}` yet: run with --auto-register to verify it"
						);
					}
					let call = chain::transactions().providers().verify(*id);
					connection
						.submit(&call, &self.key)
						.await
						.with_context(|| format!("becoming a verifier of `{name}`"))?;
					info!(model = %name, "verifying the model: judging its disputes, taking no jobs");
				}
				Role::Provider { .. } | Role::Verifier => {}
			}
		}
		Ok(())
	}

	/// Handles finalized blocks as they come, after any missed since the last one handled.
	async fn follow(self: Arc<Self>, connection: &Connection) -> anyhow::Error {
		match self.follow_inner(connection).await {
			Ok(()) => anyhow!("the node stopped sending finalized blocks"),
			Err(e) => e,
		}
	}

	async fn follow_inner(self: &Arc<Self>, connection: &Connection) -> Result<()> {
		let mut blocks = connection.api().stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let block = block?;
			let number = block.number();
			let last = self.state().get().last_block;
			let first_missed = (last + 1).max(number.saturating_sub(CATCH_UP_BLOCKS));
			for missed in first_missed..number {
				let at = connection.api().at_block(missed).await?;
				self.record_duties(missed, &at.events().fetch().await?)?;
			}
			let at = block.at().await?;
			self.record_duties(number, &at.events().fetch().await?)?;
			self.update_state(|s| s.last_block = s.last_block.max(number))?;
			self.metrics.finalized_block.set(number);
			self.start_due_work(connection, number as BlockNumber);
		}
		Ok(())
	}

	/// Notes in the state file what the block's events ask of this worker.
	fn record_duties(
		&self,
		number: u64,
		events: &subxt::events::Events<subxt::PolkadotConfig>,
	) -> Result<()> {
		use chain::jobs::events::*;
		for event in events.find::<JobAssigned>() {
			let event = event?;
			if event.provider == self.me {
				info!(job = event.job, deadline = event.deadline, block = number, "job assigned");
				self.update_state(|s| s.serving.insert(event.job))?;
			}
		}
		for event in events.find::<JobDisputed>() {
			let event = event?;
			if event.committee.contains(&self.me) {
				info!(
					job = event.job,
					commit_until = event.commit_until,
					"drawn for the committee"
				);
				let seat = Seat {
					commit_until: event.commit_until,
					reveal_until: event.reveal_until,
					stage: Stage::Drawn,
				};
				// Replayed events leave a seat as it is; a later round's phases replace it.
				self.update_state(|s| match s.seats.get(&event.job) {
					Some(held) if held.commit_until >= seat.commit_until => {}
					_ => {
						s.seats.insert(event.job, seat);
					}
				})?;
			}
		}
		if self.config.audit_share > 0.0 {
			for event in events.find::<ResultProposed>() {
				let event = event?;
				if event.provider != self.me && self.picks_for_audit(event.job) {
					self.update_state(|s| {
						if !s.audited.contains(&event.job) {
							s.auditing.insert(event.job);
						}
					})?;
				}
			}
		}
		for event in events.find::<JobFinalized>() {
			let event = event?;
			if event.provider == self.me {
				info!(job = event.job, tokens = event.n_tokens, paid = %format_fth(event.paid), "job settled");
				self.metrics
					.earned_fth
					.inc_by(event.paid as f64 / faithful_primitives::currency::FTH as f64);
				self.update_state(|s| s.delivered.remove(&event.job))?;
			}
		}
		for event in events.find::<ProviderSlashed>() {
			let event = event?;
			if event.provider == self.me {
				error!(job = event.job, slashed = %format_fth(event.slashed), "our result was judged wrong: collateral slashed");
				self.metrics.slashes.inc();
				self.update_state(|s| s.delivered.remove(&event.job))?;
			}
		}
		for event in events.find::<JobTimedOut>() {
			let event = event?;
			if event.provider == self.me {
				warn!(job = event.job, slashed = %format_fth(event.slashed), "missed a job's deadline");
				self.metrics.timeouts.inc();
				self.update_state(|s| s.serving.remove(&event.job))?;
			}
		}
		Ok(())
	}

	/// Whether this worker audits `job`: a deterministic draw keyed by our account, so the
	/// audited share is right and a restart draws the same.
	fn picks_for_audit(&self, job: JobId) -> bool {
		let hash = blake2b_simd::Params::new()
			.hash_length(8)
			.to_state()
			.update(&self.me.0)
			.update(&job.to_le_bytes())
			.finalize();
		let draw = u64::from_le_bytes(hash.as_bytes().try_into().expect("8 bytes"));
		(draw as f64) < self.config.audit_share * u64::MAX as f64
	}

	/// Starts a task for each duty that needs work at block `now` and has none running.
	fn start_due_work(self: &Arc<Self>, connection: &Connection, now: BlockNumber) {
		let state = self.state().get().clone();
		for job in state.serving {
			self.spawn(Duty::Serve, job, connection, |w, c| async move { w.serve(&c, job).await });
		}
		for (job, seat) in state.seats {
			if now > seat.reveal_until {
				let _ = self.update_state(|s| s.seats.remove(&job));
				continue;
			}
			match seat.stage {
				Stage::Drawn | Stage::Judged(_) if now <= seat.commit_until => {
					self.spawn(Duty::Vote, job, connection, |w, c| async move {
						w.judge_and_commit(&c, job).await
					});
				}
				// A judged seat too: its commit may have landed unrecorded; `reveal` asks the chain.
				Stage::Judged(_) | Stage::Committed(_) if now > seat.commit_until => {
					self.spawn(Duty::Vote, job, connection, |w, c| async move {
						w.reveal(&c, job).await
					});
				}
				Stage::Drawn | Stage::Judged(_) | Stage::Committed(_) | Stage::Revealed => {}
			}
		}
		for job in state.auditing {
			self.spawn(Duty::Audit, job, connection, |w, c| async move { w.audit(&c, job).await });
		}
	}

	fn spawn<F, Fut>(self: &Arc<Self>, duty: Duty, job: JobId, connection: &Connection, work: F)
	where
		F: FnOnce(Arc<Self>, Connection) -> Fut,
		Fut: std::future::Future<Output = Result<()>> + Send + 'static,
	{
		if !self.running.lock().expect("not poisoned").insert((duty, job)) {
			return;
		}
		let worker = self.clone();
		let future = work(self.clone(), connection.clone());
		tokio::spawn(async move {
			if let Err(e) = future.await {
				warn!(job, ?duty, "{e:#}");
			}
			worker.running.lock().expect("not poisoned").remove(&(duty, job));
		});
	}

	/// Answers an assigned job and delivers the result, unless it is no longer ours to deliver.
	async fn serve(&self, connection: &Connection, job: JobId) -> Result<()> {
		let Some(record) = self.assigned_to_us(connection, job).await? else {
			self.update_state(|s| s.serving.remove(&job))?;
			return Ok(());
		};
		let input = job_input(connection, job, &record).await?;
		let model = input.model;
		if !self.served.contains_key(&model) {
			self.update_state(|s| s.serving.remove(&job))?;
			bail!("assigned a model this worker does not serve ({model:?})");
		}
		info!(job, max_tokens = input.max_tokens, "generating");
		let started = Instant::now();
		let answer = self
			.engine
			.run(move |models| {
				execution::answer(models.get_mut(&model).expect("served"), &input, |_| {})
			})
			.await?;
		let answer = match answer {
			Ok(answer) => answer,
			Err(e) => {
				// The same input fails the same way: leave the job to time out elsewhere.
				self.update_state(|s| s.serving.remove(&job))?;
				return Err(e.context("the engine could not answer"));
			}
		};
		let seconds = started.elapsed().as_secs_f64();
		// A restart may have delivered it already, or the deadline passed while generating.
		if self.assigned_to_us(connection, job).await?.is_none() {
			self.update_state(|s| s.serving.remove(&job))?;
			return Ok(());
		}
		if self.config.cheat_time_answers {
			self.wait_for_a_predicted_unaudited_block(connection, job).await?;
		}
		let n_tokens = answer.tokens.len();
		let call = chain::transactions().jobs().submit_result(
			job,
			answer.text.into_bytes(),
			answer.tokens,
			answer.finish.into(),
			answer.commitment,
		);
		connection.submit(&call, &self.key).await.context("delivering the result")?;
		self.update_state(|s| {
			s.serving.remove(&job);
			s.delivered.insert(job);
		})?;
		self.metrics.jobs_served.inc();
		self.metrics.tokens_generated.inc_by(n_tokens as u64);
		self.metrics.tokens_per_second.set(n_tokens as f64 / seconds);
		info!(job, tokens = n_tokens, seconds = format!("{seconds:.2}"), "result delivered");
		Ok(())
	}

	/// The job's record if it is still assigned to us, before its deadline.
	/// Testing only (`--cheat-time-answers`): waits, a block at a time and while the deadline
	/// allows, until the audit draw predicted from the best block's public VRF output says
	/// "not audited" (`cheat::predicted_audit`).
	async fn wait_for_a_predicted_unaudited_block(
		&self,
		connection: &Connection,
		job: JobId,
	) -> Result<()> {
		loop {
			let Some(record) = self.assigned_to_us(connection, job).await? else { return Ok(()) };
			let JobStatus::Assigned { deadline, .. } = record.status else { return Ok(()) };
			let vrf: Option<[u8; 32]> = connection
				.read_best(chain::storage().babe().author_vrf_randomness(), ())
				.await?
				.flatten();
			let attempt = record.attempts.len() as u32;
			let audited = vrf.is_some_and(|vrf| {
				cheat::predicted_audit(vrf, job, attempt, record.terms.audit_rate)
			});
			if !audited || connection.finalized_number().await? + 3 >= u64::from(deadline) {
				warn!(job, predicted_audited = audited, "CHEATING: answering now (testing only)");
				return Ok(());
			}
			info!(job, "CHEATING: the draw looks like an audit; waiting a block");
			tokio::time::sleep(Duration::from_millis(
				faithful_primitives::time::MILLISECS_PER_BLOCK,
			))
			.await;
		}
	}

	async fn assigned_to_us(
		&self,
		connection: &Connection,
		job: JobId,
	) -> Result<Option<JobRecord>> {
		let Some(record) = read_job(connection, job).await? else { return Ok(None) };
		let now = connection.finalized_number().await?;
		Ok(match &record.status {
			JobStatus::Assigned { provider, deadline, .. }
				if *provider == self.account && now <= u64::from(*deadline) =>
			{
				Some(record)
			}
			_ => None,
		})
	}

	/// Where our vote on `job` stands on chain (at the latest finalized block).
	async fn vote_on_chain(&self, connection: &Connection, job: JobId) -> Result<OnChain> {
		let dispute = connection.api().at_current_block().await?;
		let Some(dispute) =
			dispute.storage().try_fetch(chain::storage().jobs().disputes(), (job,)).await?
		else {
			return Ok(OnChain::NotSeated);
		};
		let committee = match dispute.decode()?.jury {
			Jury::Seated { committee, .. } | Jury::Decided { committee, .. } => committee.0,
			Jury::Drawing => return Ok(OnChain::NotSeated),
		};
		Ok(match committee.into_iter().find(|juror| juror.who == self.me).map(|j| j.vote) {
			None => OnChain::NotSeated,
			Some(ChainVote::Pending) => OnChain::Pending,
			Some(ChainVote::Committed(_)) => OnChain::Committed,
			Some(ChainVote::Revealed(_)) => OnChain::Revealed,
		})
	}

	/// Brings the seat for `job` in line with the chain's record of our vote (see
	/// [`Stage::reconciled`]) and returns its stage; `None` when the seat is over.
	async fn reconcile_seat(&self, connection: &Connection, job: JobId) -> Result<Option<Stage>> {
		let on_chain = self.vote_on_chain(connection, job).await?;
		self.update_state(|s| {
			let seat = s.seats.get_mut(&job)?;
			match seat.stage.clone().reconciled(on_chain) {
				Some(stage) => {
					seat.stage = stage.clone();
					Some(stage)
				}
				None => {
					s.seats.remove(&job);
					None
				}
			}
		})
	}

	/// Re-executes a disputed job, records the ballot with a fresh salt, then commits it.
	async fn judge_and_commit(&self, connection: &Connection, job: JobId) -> Result<()> {
		let ballot = match self.reconcile_seat(connection, job).await? {
			None | Some(Stage::Committed(_) | Stage::Revealed) => return Ok(()),
			Some(Stage::Judged(ballot)) => ballot,
			Some(Stage::Drawn) => {
				let record =
					read_job(connection, job).await?.context("the disputed job is gone")?;
				let fault = if self.config.cheat_vote_valid {
					warn!(job, "CHEATING: voting valid without re-executing (testing only)");
					None
				} else {
					self.judge(connection, job, &record).await?
				};
				let ballot = Ballot { valid: fault.is_none(), salt: rand::random() };
				info!(
					job,
					verdict = if ballot.valid { "valid" } else { "invalid" },
					"judged the disputed result"
				);
				self.set_stage(job, Stage::Judged(ballot.clone()))?;
				ballot
			}
		};
		let commitment = vote_commitment(job, &self.account, ballot.verdict(), &ballot.salt);
		let call = chain::transactions().jobs().commit_vote(job, commitment);
		if let Err(e) = connection.submit(&call, &self.key).await {
			// It may have landed before a crash or a lost connection: the chain says.
			if !matches!(self.reconcile_seat(connection, job).await?, Some(Stage::Committed(_))) {
				return Err(anyhow::Error::new(e).context("committing the vote"));
			}
		}
		info!(job, "vote committed");
		self.set_stage(job, Stage::Committed(ballot))
	}

	async fn reveal(&self, connection: &Connection, job: JobId) -> Result<()> {
		let ballot = match self.reconcile_seat(connection, job).await? {
			Some(Stage::Committed(ballot)) => ballot,
			None | Some(Stage::Drawn | Stage::Judged(_) | Stage::Revealed) => return Ok(()),
		};
		let call =
			chain::transactions().jobs().reveal_vote(job, ballot.verdict().into(), ballot.salt);
		if let Err(e) = connection.submit(&call, &self.key).await {
			if !matches!(self.reconcile_seat(connection, job).await?, Some(Stage::Revealed)) {
				return Err(anyhow::Error::new(e).context("revealing the vote"));
			}
		}
		info!(job, verdict = if ballot.valid { "valid" } else { "invalid" }, "vote revealed");
		self.set_stage(job, Stage::Revealed)
	}

	/// Moves the seat for `job`, if it is still held, to `stage`.
	fn set_stage(&self, job: JobId, stage: Stage) -> Result<()> {
		self.update_state(|s| {
			if let Some(seat) = s.seats.get_mut(&job) {
				seat.stage = stage;
			}
		})
	}

	/// Re-executes another provider's result and challenges it if it is wrong.
	async fn audit(&self, connection: &Connection, job: JobId) -> Result<()> {
		let done = |s: &mut state::State| {
			s.auditing.remove(&job);
			s.audited.insert(job);
		};
		let Some(record) = read_job(connection, job).await? else { return self.update_state(done) };
		if !self.served.contains_key(&record.model)
			|| !matches!(record.status, JobStatus::Proposed { .. })
		{
			return self.update_state(done);
		}
		let fault = self.judge(connection, job, &record).await?;
		self.update_state(done)?;
		let Some(fault) = fault else {
			info!(job, "audited: the result is honest");
			return Ok(());
		};
		warn!(job, %fault, "audited: the result is wrong; challenging it");
		connection
			.submit(&chain::transactions().jobs().challenge(job), &self.key)
			.await
			.context("challenging")?;
		self.metrics.challenges.inc();
		Ok(())
	}

	/// Judges the result posted for `job`; `None` when it is honest.
	async fn judge(
		&self,
		connection: &Connection,
		job: JobId,
		record: &JobRecord,
	) -> Result<Option<Fault>> {
		let (finish, commitment) = match &record.status {
			JobStatus::Proposed { finish, commitment, .. }
			| JobStatus::Disputed { finish, commitment, .. } => (*finish, *commitment),
			_ => bail!("job {job} has no result to judge"),
		};
		if !self.served.contains_key(&record.model) {
			bail!("job {job} is for a model this worker does not hold ({:?})", record.model);
		}
		let input = job_input(connection, job, record).await?;
		let output: JobOutput<MaxOutputBytes, MaxOutputTokens> = connection
			.read(chain::storage().jobs().outputs(), (job,))
			.await?
			.context("the result's output is gone")?;
		let verdict = match String::from_utf8(output.text.into_inner()) {
			Err(_) => Some(Fault::Text),
			Ok(text) => {
				let claimed =
					Answer { text, tokens: output.tokens.into_inner(), finish, commitment };
				let epsilon = self.config.epsilon;
				let model = record.model;
				self.engine
					.run(move |models| {
						execution::judge(
							models.get(&model).expect("served"),
							&input,
							&claimed,
							epsilon,
						)
					})
					.await??
			}
		};
		let label = if verdict.is_none() { "valid" } else { "invalid" };
		self.metrics.verifications.with_label_values(&[label]).inc();
		Ok(verdict)
	}

	fn state(&self) -> std::sync::MutexGuard<'_, StateFile> {
		self.state.lock().expect("not poisoned")
	}

	fn update_state<R>(&self, change: impl FnOnce(&mut state::State) -> R) -> Result<R> {
		self.state().update(change)
	}
}

async fn read_job(connection: &Connection, job: JobId) -> Result<Option<JobRecord>> {
	connection.read(chain::storage().jobs().jobs(), (job,)).await
}

async fn job_input(connection: &Connection, job: JobId, record: &JobRecord) -> Result<JobInput> {
	let prompt: Vec<u8> = connection
		.read(chain::storage().jobs().prompts(), (job,))
		.await?
		.with_context(|| format!("job {job}'s prompt is gone"))?;
	Ok(JobInput {
		id: job,
		model: record.model,
		prompt,
		sampling: record.sampling,
		seed: record.seed,
		max_tokens: record.max_tokens,
	})
}

fn hash_with_progress(path: &std::path::Path) -> Result<ModelId> {
	let mut reported = 0;
	model_file::hash_file(path, |done, total| {
		let percent = (done * 100).checked_div(total).unwrap_or(100);
		if percent >= reported + 25 || done == total {
			reported = percent;
			info!(path = %path.display(), "hashing: {percent}%");
		}
	})
	.with_context(|| format!("hashing {}", path.display()))
}

async fn start_engine(config: &Config, served: &BTreeMap<ModelId, Served>) -> Result<EngineThread> {
	let device = match config.device {
		DeviceKind::Cpu => Device::Cpu,
		DeviceKind::Cuda => Device::new_cuda(0).context("opening CUDA device 0")?,
	};
	let files: Vec<(ModelId, PathBuf)> =
		served.iter().map(|(id, s)| (*id, s.path.clone())).collect();
	let cheat = config.cheat_zero_layer;
	info!(models = files.len(), "loading the models");
	let started = Instant::now();
	let engine = EngineThread::start(move || {
		let mut models = Models::new();
		for (id, path) in files {
			let mut model = Model::load(&path, &device)?;
			if let Some(layer) = cheat {
				model.zero_layer(layer)?;
				warn!(layer, "CHEATING: serving with a zeroed layer (testing only)");
			}
			models.insert(id, model);
		}
		Ok(models)
	})
	.await?;
	info!(seconds = format!("{:.1}", started.elapsed().as_secs_f64()), "models loaded");
	Ok(engine)
}

fn default_state_path(key: &Keypair) -> PathBuf {
	let name = format!("worker-{}.json", address(key));
	match std::env::var_os("HOME") {
		Some(home) => PathBuf::from(home).join(".local/share/faithful").join(name),
		None => PathBuf::from(name),
	}
}

async fn shutdown_signal() {
	let interrupt = tokio::signal::ctrl_c();
	#[cfg(unix)]
	{
		let mut terminate =
			tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
				.expect("a SIGTERM handler installs");
		tokio::select! {
			_ = interrupt => {},
			_ = terminate.recv() => {},
		}
	}
	#[cfg(not(unix))]
	let _ = interrupt.await;
}
