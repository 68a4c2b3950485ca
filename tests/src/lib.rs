//! A small harness for end-to-end tests: it starts real `faithful-node` and `faithful-worker`
//! processes on loopback (free ports, their own base paths and state), waits for them, and stops
//! them when dropped.
//!
//! The node binary is `$FAITHFUL_NODE_BIN` when set, otherwise the `faithful-node` that cargo
//! built next to the running test (`cargo build -p faithful-node` first; `scripts/test.sh` does).

use std::{
	fs::File,
	future::Future,
	io::{BufRead, BufReader},
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
pub use faithful_primitives::jobs::Judging;
use subxt::{
	config::RpcConfigFor,
	dynamic,
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	OnlineClient, PolkadotConfig,
};

/// Raw JSON-RPC methods of a node (`chain_*`, `system_*`).
pub type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// How long a node may take to open its RPC port after start (it compiles the runtime first).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// The `faithful-node` binary under test.
pub fn node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("FAITHFUL_NODE_BIN") {
		return PathBuf::from(path);
	}
	// Integration tests run from `<target>/<profile>/deps/`; binaries live one level up.
	let exe = std::env::current_exe().expect("test executable path");
	exe.parent()
		.and_then(Path::parent)
		.map(|profile_dir| profile_dir.join("faithful-node"))
		.expect("test executable lives in <target>/<profile>/deps")
}

/// A TCP port on loopback that nothing listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("the OS hands out a free loopback port")
}

/// What a node should run as.
#[derive(Clone, Debug)]
pub struct NodeSpec {
	/// `--chain` value: `dev`, `local` or a spec file.
	pub chain: String,
	/// A dev keyring name (`alice`, `bob`...) whose keys the node validates with.
	pub validator: Option<String>,
	/// Where the node keeps its database and keystore.
	pub base_path: PathBuf,
	/// Peers to dial at start, as multiaddresses.
	pub bootnodes: Vec<String>,
	/// Extra flags, appended last.
	pub extra_args: Vec<String>,
}

impl NodeSpec {
	/// A development node (Alice sealing blocks by manual seal) keeping its state in `base_path`.
	pub fn dev(base_path: &Path) -> Self {
		Self {
			chain: "dev".into(),
			validator: Some("alice".into()),
			base_path: base_path.to_path_buf(),
			bootnodes: Vec::new(),
			extra_args: Vec::new(),
		}
	}

	/// A validator of the `local` network, using the dev keyring's keys for `name`.
	pub fn local_validator(name: &str, base_path: &Path) -> Self {
		Self {
			chain: "local".into(),
			validator: Some(name.into()),
			base_path: base_path.to_path_buf(),
			bootnodes: Vec::new(),
			extra_args: Vec::new(),
		}
	}
}

/// A running `faithful-node` process, killed when dropped.
pub struct Node {
	child: Child,
	name: String,
	rpc_port: u16,
	p2p_port: u16,
	peer_id: String,
	log_path: PathBuf,
}

impl Node {
	/// Starts a node and waits until its RPC answers.
	pub async fn start(spec: NodeSpec) -> Result<Self> {
		std::fs::create_dir_all(&spec.base_path)?;
		let name = match &spec.validator {
			Some(validator) => format!("{}-{validator}", spec.chain),
			None => spec.chain.clone(),
		};
		let node_key_path = spec.base_path.join("node-key");
		if !node_key_path.exists() {
			run_node_command(&["key", "generate-node-key", "--file", path_str(&node_key_path)?])?;
		}
		let peer_id =
			run_node_command(&["key", "inspect-node-key", "--file", path_str(&node_key_path)?])?
				.trim()
				.to_string();

		let rpc_port = free_port();
		let p2p_port = free_port();
		let log_path = spec.base_path.join(format!("{name}.log"));
		let mut args = vec![
			"--chain".to_string(),
			spec.chain.clone(),
			"--base-path".into(),
			path_str(&spec.base_path)?.into(),
			"--node-key-file".into(),
			path_str(&node_key_path)?.into(),
			"--rpc-port".into(),
			rpc_port.to_string(),
			"--listen-addr".into(),
			format!("/ip4/127.0.0.1/tcp/{p2p_port}"),
			"--no-prometheus".into(),
			"--no-telemetry".into(),
			"--no-mdns".into(),
			"--name".into(),
			name.clone(),
		];
		if let Some(validator) = &spec.validator {
			args.push(format!("--{validator}"));
		}
		for bootnode in &spec.bootnodes {
			args.push("--bootnodes".into());
			args.push(bootnode.clone());
		}
		args.extend(spec.extra_args.iter().cloned());

		let log = File::create(&log_path)?;
		let child = Command::new(node_binary())
			.args(&args)
			.stdout(log.try_clone()?)
			.stderr(log)
			.stdin(Stdio::null())
			.spawn()
			.with_context(|| format!("starting {}", node_binary().display()))?;
		let mut node = Self { child, name, rpc_port, p2p_port, peer_id, log_path };
		node.wait_for_rpc().await?;
		Ok(node)
	}

	/// The node's WebSocket RPC endpoint.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The multiaddress other nodes dial to reach this one.
	pub fn multiaddr(&self) -> String {
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.p2p_port, self.peer_id)
	}

	/// A raw JSON-RPC client.
	pub async fn rpc(&self) -> Result<Rpc> {
		let client = RpcClient::from_insecure_url(self.ws_url()).await?;
		Ok(LegacyRpcMethods::new(client))
	}

	/// A JSON-RPC client for methods subxt does not wrap (`faithful_*`).
	pub async fn raw_rpc(&self) -> Result<RpcClient> {
		Ok(RpcClient::from_insecure_url(self.ws_url()).await?)
	}

	/// A subxt client with the chain's metadata.
	pub async fn client(&self) -> Result<OnlineClient<PolkadotConfig>> {
		Ok(OnlineClient::<PolkadotConfig>::from_insecure_url(self.ws_url()).await?)
	}

	/// The last lines of the node's log, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let Ok(file) = File::open(&self.log_path) else { return String::new() };
		let all: Vec<String> = BufReader::new(file).lines().map_while(|l| l.ok()).collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// Asks the node to shut down (SIGTERM) and waits for it, killing it after 30 s.
	pub fn stop(&mut self) -> Result<()> {
		if self.child.try_wait()?.is_none() {
			Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status()?;
			let deadline = Instant::now() + Duration::from_secs(30);
			while self.child.try_wait()?.is_none() {
				if Instant::now() > deadline {
					self.child.kill()?;
					self.child.wait()?;
					bail!("{} ignored SIGTERM for 30 s and was killed", self.name);
				}
				std::thread::sleep(Duration::from_millis(100));
			}
		}
		Ok(())
	}

	/// Kills the node at once (SIGKILL), as a crash would.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	async fn wait_for_rpc(&mut self) -> Result<()> {
		let deadline = Instant::now() + STARTUP_TIMEOUT;
		loop {
			if let Some(status) = self.child.try_wait()? {
				bail!("{} exited with {status} during start:\n{}", self.name, self.log_tail(40));
			}
			if let Ok(rpc) = self.rpc().await {
				if rpc.system_health().await.is_ok() {
					return Ok(());
				}
			}
			if Instant::now() > deadline {
				bail!(
					"{} did not open its RPC within {STARTUP_TIMEOUT:?}:\n{}",
					self.name,
					self.log_tail(40)
				);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

fn path_str(path: &Path) -> Result<&str> {
	path.to_str().ok_or_else(|| anyhow!("path {} is not UTF-8", path.display()))
}

/// Runs a short `faithful-node` subcommand and returns what it printed to stdout.
pub fn run_node_command(args: &[&str]) -> Result<String> {
	let output = Command::new(node_binary())
		.args(args)
		.output()
		.with_context(|| format!("running {} {}", node_binary().display(), args.join(" ")))?;
	if !output.status.success() {
		bail!(
			"faithful-node {} failed with {}:\n{}",
			args.join(" "),
			output.status,
			String::from_utf8_lossy(&output.stderr)
		);
	}
	// `key inspect-node-key` prints the peer id on stdout; `generate-node-key` on stderr.
	let stdout = String::from_utf8(output.stdout)?;
	Ok(if stdout.trim().is_empty() { String::from_utf8(output.stderr)? } else { stdout })
}

/// Polls `probe` every 250 ms until it yields `Some`, failing with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<T>
where
	F: FnMut() -> Fut,
	Fut: Future<Output = Result<Option<T>>>,
{
	let deadline = Instant::now() + timeout;
	loop {
		if let Some(value) = probe().await? {
			return Ok(value);
		}
		if Instant::now() > deadline {
			bail!("timed out after {timeout:?} waiting for {what}");
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// Height of the node's last finalized block.
pub async fn finalized_number(rpc: &Rpc) -> Result<u64> {
	let hash = rpc.chain_get_finalized_head().await?;
	let header = rpc
		.chain_get_header(Some(hash))
		.await?
		.ok_or_else(|| anyhow!("finalized header {hash:?} missing"))?;
	Ok(header.number)
}

/// Waits until the node has finalized block `height`.
pub async fn wait_for_finalized(rpc: &Rpc, height: u64, timeout: Duration) -> Result<u64> {
	wait_for(&format!("block {height} to be finalized"), timeout, || async {
		let number = finalized_number(rpc).await?;
		Ok((number >= height).then_some(number))
	})
	.await
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountInfo {
	data: AccountData,
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountData {
	/// Spendable, before locks.
	pub free: u128,
	/// Held (escrow, stake, bonds, deposits).
	pub reserved: u128,
}

/// Free balance of `account` at the latest finalized block.
pub async fn free_balance(api: &OnlineClient<PolkadotConfig>, account: [u8; 32]) -> Result<u128> {
	Ok(account_data(api, account).await?.free)
}

/// Free and held balances of `account` at the latest finalized block.
pub async fn account_data(
	api: &OnlineClient<PolkadotConfig>,
	account: [u8; 32],
) -> Result<AccountData> {
	let address = dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let at = api.at_current_block().await?;
	Ok(at.storage().fetch(address, (account,)).await?.decode()?.data)
}

/// Sends `amount` from `from` to `to` with `Balances.transfer_keep_alive` and waits until the
/// transaction is finalized and succeeded.
pub async fn transfer(
	api: &OnlineClient<PolkadotConfig>,
	from: &subxt_signer::sr25519::Keypair,
	to: [u8; 32],
	amount: u128,
) -> Result<()> {
	let call = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(subxt::utils::MultiAddress::<subxt::utils::AccountId32, ()>::Id(to.into()), amount),
	);
	api.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&call, from)
		.await?
		.wait_for_finalized_success()
		.await?;
	Ok(())
}

/// Signs `pallet.call(args)` as `who`, waits until it is finalized and succeeded, and returns the
/// fee it paid (from `TransactionPayment.TransactionFeePaid`).
pub async fn submit(
	api: &OnlineClient<PolkadotConfig>,
	who: &subxt_signer::sr25519::Keypair,
	pallet: &str,
	call: &str,
	args: impl subxt::ext::scale_encode::EncodeAsFields,
) -> Result<u128> {
	let payload = dynamic::transaction(pallet, call, args);
	let events = api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&payload, who)
		.await?
		.wait_for_finalized_success()
		.await?;
	for event in events.iter() {
		let event = event?;
		if event.pallet_name() == "TransactionPayment" && event.event_name() == "TransactionFeePaid"
		{
			let paid = event.decode_fields_unchecked_as::<FeePaid>()?;
			return Ok(paid.actual_fee + paid.tip);
		}
	}
	bail!("{pallet}.{call} paid no fee")
}

#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct FeePaid {
	who: [u8; 32],
	actual_fee: u128,
	tip: u128,
}

/// Registers `model` as a llama-family model named `name` (8,192 tokens of context), signed by
/// `who`, who holds the deposit.
pub async fn register_model(
	api: &OnlineClient<PolkadotConfig>,
	who: &subxt_signer::sr25519::Keypair,
	model: [u8; 32],
	name: &str,
) -> Result<()> {
	let architecture = dynamic::Value::unnamed_variant("Llama", []);
	submit(
		api,
		who,
		"Models",
		"register",
		(model, name.as_bytes().to_vec(), architecture, 8192u32),
	)
	.await?;
	Ok(())
}

/// Registers `who` as a provider with 500 FTH of stake and offers `model` at `price_per_token`,
/// two jobs at a time.
pub async fn become_provider(
	api: &OnlineClient<PolkadotConfig>,
	who: &subxt_signer::sr25519::Keypair,
	model: [u8; 32],
	price_per_token: u128,
) -> Result<()> {
	use faithful_primitives::currency::FTH;
	let endpoint = b"http://127.0.0.1:8080".to_vec();
	submit(api, who, "Providers", "register", (endpoint, 500 * FTH)).await?;
	submit(api, who, "Providers", "offer", (model, price_per_token, 2u32)).await?;
	Ok(())
}

/// The call `Governance.set_parameter(...)`, for `Sudo.sudo`: sets one of the runtime's dynamic
/// parameters within its bounds, e.g. `("Jobs", "ChallengeWindow", u128(10))`.
pub fn set_parameter(group: &str, name: &str, value: dynamic::Value) -> dynamic::Value {
	use dynamic::Value;
	Value::unnamed_variant(
		"Governance",
		[Value::named_variant(
			"set_parameter",
			[("key_value", parameter_change(group, name, value))],
		)],
	)
}

/// A `RuntimeParameters` value: `<group>(<name>(<name>, Some(value)))`.
pub fn parameter_change(group: &str, name: &str, value: dynamic::Value) -> dynamic::Value {
	use dynamic::Value;
	let parameter = Value::unnamed_variant(
		name,
		[Value::unnamed_composite([]), Value::unnamed_variant("Some", [value])],
	);
	Value::unnamed_variant(group, [parameter])
}

/// The `faithful-worker` binary under test: `$FAITHFUL_WORKER_BIN`, else the one cargo built next
/// to the node (`cargo build -p faithful-worker` first; `scripts/test.sh` does).
pub fn worker_binary() -> PathBuf {
	match std::env::var_os("FAITHFUL_WORKER_BIN") {
		Some(path) => PathBuf::from(path),
		None => node_binary().with_file_name("faithful-worker"),
	}
}

/// The default model's GGUF, as `scripts/fetch-model.sh` leaves it.
pub fn default_model() -> Result<PathBuf> {
	let dir = match std::env::var_os("FAITHFUL_MODELS") {
		Some(dir) => PathBuf::from(dir),
		None => PathBuf::from(std::env::var_os("HOME").context("no HOME")?)
			.join(".cache/faithful/models"),
	};
	let path = dir.join("SmolLM2-135M-Instruct.Q4_1.gguf");
	if !path.exists() {
		bail!("{} is missing: run scripts/fetch-model.sh", path.display());
	}
	Ok(path)
}

/// The name `faithful-worker --auto-register` registers the default model under.
pub const DEFAULT_MODEL_NAME: &str = "SmolLM2-135M-Instruct";

/// A `faithful-worker run` process serving the default model against a node, with its own state
/// file and log in `dir`; killed when dropped.
pub struct Worker {
	child: Child,
	args: Vec<String>,
	log_path: PathBuf,
	/// Log lines of the runs before a restart, so none is lost.
	earlier_log: String,
}

impl Worker {
	/// Starts `faithful-worker run --suri <suri> --auto-register` with `extra` flags.
	pub fn start(node: &Node, suri: &str, dir: &Path, extra: &[&str]) -> Result<Self> {
		std::fs::create_dir_all(dir)?;
		let mut args: Vec<String> = vec![
			"run".into(),
			"--url".into(),
			node.ws_url(),
			"--suri".into(),
			suri.into(),
			"--model".into(),
			path_str(&default_model()?)?.into(),
			"--auto-register".into(),
			"--state".into(),
			path_str(&dir.join("state.json"))?.into(),
			"--no-metrics".into(),
		];
		args.extend(extra.iter().map(|a| a.to_string()));
		let log_path = dir.join("worker.log");
		let child = Self::spawn(&args, &log_path)?;
		Ok(Self { child, args, log_path, earlier_log: String::new() })
	}

	fn spawn(args: &[String], log_path: &Path) -> Result<Child> {
		let log = File::create(log_path)?;
		Command::new(worker_binary())
			.args(args)
			.env("RUST_LOG", "info")
			.stdout(log.try_clone()?)
			.stderr(log)
			.stdin(Stdio::null())
			.spawn()
			.with_context(|| format!("starting {}", worker_binary().display()))
	}

	/// Everything the worker has logged, across restarts.
	pub fn log(&self) -> String {
		self.earlier_log.clone() + &std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	/// Waits until the log has a line containing every one of `parts`, failing early if the
	/// worker exits.
	pub async fn wait_for_log(&mut self, parts: &[&str], timeout: Duration) -> Result<()> {
		let what = format!("the worker to log {parts:?}");
		wait_for(&what, timeout, || {
			let exited = self.child.try_wait();
			let log = self.log();
			async move {
				if log.lines().any(|line| parts.iter().all(|p| line.contains(p))) {
					return Ok(Some(()));
				}
				if let Some(status) = exited? {
					bail!("the worker exited with {status}:\n{log}");
				}
				Ok(None)
			}
		})
		.await
		.with_context(|| self.log())
	}

	/// Kills the worker at once (SIGKILL), as a crash would.
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// Starts the same worker again after [`Self::kill`], with the same state file.
	pub fn restart(&mut self) -> Result<()> {
		self.kill();
		self.earlier_log = self.log();
		self.child = Self::spawn(&self.args, &self.log_path)?;
		Ok(())
	}
}

impl Drop for Worker {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Sets one of the `Jobs` dynamic parameters through `Sudo` (dev chains have Alice as sudo), and
/// fails when the runtime refuses the value: `Sudo.sudo` itself succeeds either way, reporting
/// the inner call's result in its `Sudid` event.
pub async fn set_jobs_parameter(
	api: &OnlineClient<PolkadotConfig>,
	name: &str,
	value: u128,
) -> Result<()> {
	let alice = subxt_signer::sr25519::dev::alice();
	let change = (set_parameter("Jobs", name, dynamic::Value::u128(value)),);
	let payload = dynamic::transaction("Sudo", "sudo", change);
	let events = api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&payload, &alice)
		.await?
		.wait_for_finalized_success()
		.await?;
	for event in events.iter() {
		let event = event?;
		if event.pallet_name() == "Sudo" && event.event_name() == "Sudid" {
			let Sudid { sudo_result } = event.decode_fields_unchecked_as::<Sudid>()?;
			return match sudo_result.value {
				subxt::ext::scale_value::ValueDef::Variant(ref variant) if variant.name == "Ok" => {
					Ok(())
				}
				_ => bail!("setting Jobs.{name} to {value} was refused: {sudo_result}"),
			};
		}
	}
	bail!("Sudo.sudo reported no result")
}

#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Sudid {
	sudo_result: subxt::ext::scale_value::Value,
}

/// Transaction fees `who` paid in finalized blocks `blocks`, from `TransactionFeePaid` events.
pub async fn fees_paid(
	api: &OnlineClient<PolkadotConfig>,
	who: [u8; 32],
	blocks: std::ops::RangeInclusive<u64>,
) -> Result<u128> {
	let mut total = 0;
	for number in blocks {
		let events = api.at_block(number).await?.events().fetch().await?;
		for event in events.iter() {
			let event = event?;
			if event.pallet_name() == "TransactionPayment"
				&& event.event_name() == "TransactionFeePaid"
			{
				let paid = event.decode_fields_unchecked_as::<FeePaid>()?;
				if paid.who == who {
					total += paid.actual_fee + paid.tip;
				}
			}
		}
	}
	Ok(total)
}

/// The id of the model registered as `name`, from `faithful_models`.
pub async fn model_id(node: &Node, name: &str) -> Result<[u8; 32]> {
	use subxt::rpcs::client::rpc_params;
	let models: serde_json::Value =
		node.raw_rpc().await?.request("faithful_models", rpc_params![]).await?;
	let hex = models
		.as_array()
		.and_then(|all| all.iter().find(|m| m["name"] == name))
		.and_then(|m| m["id"].as_str())
		.with_context(|| format!("no model `{name}` in {models}"))?;
	faithful_primitives::hex::decode_array(hex)
		.ok_or_else(|| anyhow!("model id {hex} is not 32 bytes of hex"))
}

/// Submits a greedy job for `model` as `who`: `max_tokens` at most `cap` per token, waiving a
/// jury (most tests run a model's only provider). Returns the fee paid.
pub async fn submit_greedy_job(
	api: &OnlineClient<PolkadotConfig>,
	who: &subxt_signer::sr25519::Keypair,
	model: [u8; 32],
	prompt: &str,
	max_tokens: u32,
	cap: u128,
) -> Result<u128> {
	submit_judged_job(api, who, model, prompt, max_tokens, cap, Judging::Waived).await
}

/// As `submit_greedy_job`, with `judging`.
pub async fn submit_judged_job(
	api: &OnlineClient<PolkadotConfig>,
	who: &subxt_signer::sr25519::Keypair,
	model: [u8; 32],
	prompt: &str,
	max_tokens: u32,
	cap: u128,
	judging: Judging,
) -> Result<u128> {
	let greedy = dynamic::Value::unnamed_variant("Greedy", []);
	let judging = dynamic::Value::unnamed_variant(format!("{judging:?}"), []);
	let args = (model, prompt.as_bytes().to_vec(), greedy, max_tokens, cap, judging);
	submit(api, who, "Jobs", "submit", args).await
}

/// `faithful_subscribeJob(job)` on `rpc`, which must outlive the subscription: the job now, then
/// after every change until it ends.
pub async fn follow_job(
	rpc: &RpcClient,
	job: u64,
) -> Result<subxt::rpcs::client::RpcSubscription<serde_json::Value>> {
	use subxt::rpcs::client::rpc_params;
	Ok(rpc.subscribe("faithful_subscribeJob", rpc_params![job], "faithful_unsubscribeJob").await?)
}
