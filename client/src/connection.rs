//! A connection to a Faithful node: subxt for signed transactions and storage, and the node's
//! `faithful_*` RPC for the market's reads.

use std::{path::Path, sync::Arc};

use anyhow::{anyhow, Context, Result};
use codec::Decode;
use faithful_primitives::{
	hex,
	jobs::JobId,
	models::{Architecture, ModelId},
	rpc::{JobView, ModelView, OfferView, ProviderView, QuoteView},
	Balance,
};
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	rpcs::{
		client::{rpc_params, RpcSubscription},
		RpcClient,
	},
	storage::Address,
	transactions::Payload,
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

use crate::{
	chain::{self, runtime_types::bounded_collections::bounded_vec::BoundedVec},
	error::SubmitError,
};

/// Items asked for per paged read (the node returns at most 1,000).
const PAGE: u32 = 500;

/// What a signed transaction left behind once finalized.
pub type Events = subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>;

/// A Faithful node reached over its WebSocket RPC. Clones share the connection.
#[derive(Clone)]
pub struct Connection {
	api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
	/// Held from reading an account's next nonce until its transaction is in the pool, so that
	/// concurrent submissions from one process never take the same nonce.
	nonce: Arc<tokio::sync::Mutex<()>>,
}

/// An sr25519 key from a secret URI: a dev name (`//Alice`), a mnemonic, or a hex seed.
pub fn keypair(suri: &str) -> Result<Keypair> {
	let uri: SecretUri = suri.parse().map_err(|e| anyhow!("`{suri}` is not a secret URI: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("cannot derive a key from `{suri}`: {e}"))
}

/// The secret URI in a key file (what `faithful keys generate --out` writes), without the
/// whitespace around it.
pub fn read_key_file(path: &Path) -> Result<String> {
	let text = std::fs::read_to_string(path)
		.with_context(|| format!("reading the key file {}", path.display()))?;
	let secret = text.trim();
	anyhow::ensure!(!secret.is_empty(), "the key file {} is empty", path.display());
	Ok(secret.to_owned())
}

/// The account of `key`.
pub fn account(key: &Keypair) -> AccountId32 {
	AccountId32(key.public_key().0)
}

/// The SS58 address of `key`.
pub fn address(key: &Keypair) -> String {
	AccountId32(key.public_key().0).to_string()
}

/// Parses an SS58 address.
pub fn parse_address(address: &str) -> Result<AccountId32> {
	address.parse().map_err(|e| anyhow!("`{address}` is not an SS58 address: {e:?}"))
}

/// Decodes a stored value as the runtime's own type `V`.
fn decode_stored<V: Decode>(mut bytes: &[u8]) -> Result<V> {
	V::decode(&mut bytes)
		.map_err(|e| anyhow!("the node's storage does not decode as expected: {e}"))
}

impl Connection {
	/// Connects to the node at `url` (e.g. `ws://127.0.0.1:9944`).
	pub async fn open(url: &str) -> Result<Self> {
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("cannot reach a node at {url}; is faithful-node running?"))?;
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.with_context(|| format!("the node at {url} did not answer as a Faithful node"))?;
		Ok(Self { api, rpc, nonce: Arc::default() })
	}

	/// The subxt client, for anything this type does not wrap.
	pub fn api(&self) -> &OnlineClient<PolkadotConfig> {
		&self.api
	}

	/// Signs `call` with `signer`, submits it and waits until it is finalized and succeeded.
	/// A failure is a value: the pallet's error with its documentation, or why the transaction
	/// never got in. The nonce comes from the node's pool (`system_accountNextIndex`), so
	/// transactions signed one after another need not wait for each other's blocks.
	pub async fn submit<Call: Payload>(
		&self,
		call: &Call,
		signer: &Keypair,
	) -> Result<Events, SubmitError> {
		let not_included = |what: &str, e: &dyn std::fmt::Display| {
			SubmitError::NotIncluded(format!("{what}: {e}"))
		};
		let progress = {
			let _in_order = self.nonce.lock().await;
			let nonce: u64 = self
				.rpc
				.request("system_accountNextIndex", rpc_params![address(signer)])
				.await
				.map_err(|e| not_included("asking the node for the account's next nonce", &e))?;
			let params =
				DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
			self.api
				.at_current_block()
				.await
				.map_err(|e| not_included("reading the latest block", &e))?
				.transactions()
				.sign_and_submit_then_watch(call, signer, params)
				.await
				.map_err(|e| not_included("the node refused the transaction", &e))?
		};
		progress.wait_for_finalized_success().await.map_err(|e| SubmitError::finalized(&e))
	}

	/// Registers a model file as `name`: the one registration call, for the CLI and the worker.
	pub async fn register_model(
		&self,
		signer: &Keypair,
		id: ModelId,
		name: &str,
		architecture: Architecture,
		context_length: u32,
	) -> Result<Events, SubmitError> {
		let call = chain::transactions().models().register(
			id,
			BoundedVec(name.as_bytes().to_vec()),
			architecture.into(),
			context_length,
		);
		self.submit(&call, signer).await
	}

	/// Whether the node runs a development chain, whose well-known keys (`//Alice`) may sign.
	pub async fn is_development_chain(&self) -> Result<bool> {
		let kind: serde_json::Value = self
			.rpc
			.request("system_chainType", rpc_params![])
			.await
			.context("asking the node for its chain type")?;
		Ok(kind == "Development")
	}

	/// Reads a storage entry at the latest finalized block and decodes it as `V`, the runtime's
	/// own type (e.g. `faithful_primitives::jobs::Job`) rather than subxt's generated copy.
	pub async fn read<Addr: Address, V: Decode>(
		&self,
		entry: Addr,
		key: Addr::KeyParts,
	) -> Result<Option<V>> {
		let at = self.api.at_current_block().await?;
		let Some(value) = at.storage().try_fetch(entry, key).await? else { return Ok(None) };
		decode_stored(value.bytes()).map(Some)
	}

	/// As `read`, at the best block: the newest state, which a reorg may still undo.
	pub async fn read_best<Addr: Address, V: Decode>(
		&self,
		entry: Addr,
		key: Addr::KeyParts,
	) -> Result<Option<V>> {
		#[derive(serde::Deserialize)]
		struct Header {
			number: String,
		}
		let header: Header = self.rpc.request("chain_getHeader", rpc_params![]).await?;
		let number = u64::from_str_radix(header.number.trim_start_matches("0x"), 16)
			.with_context(|| format!("the best block's number `{}` is not hex", header.number))?;
		let at = self.api.at_block(number).await?;
		let Some(value) = at.storage().try_fetch(entry, key).await? else { return Ok(None) };
		decode_stored(value.bytes()).map(Some)
	}

	/// The latest finalized block's number.
	pub async fn finalized_number(&self) -> Result<u64> {
		Ok(self.api.at_current_block().await?.block_number())
	}

	/// Free balance of `account` at the latest finalized block.
	pub async fn free_balance(&self, account: &AccountId32) -> Result<Balance> {
		let at = self.api.at_current_block().await?;
		let entry =
			at.storage().entry(chain::storage().system().account())?.fetch((*account,)).await?;
		Ok(entry.decode()?.data.free)
	}

	/// `faithful_quote`.
	pub async fn quote(&self, model: ModelId, max_tokens: u32) -> Result<Option<QuoteView>> {
		Ok(self.rpc.request("faithful_quote", rpc_params![model, max_tokens]).await?)
	}

	/// `faithful_job`.
	pub async fn job(&self, job: JobId) -> Result<Option<JobView>> {
		Ok(self.rpc.request("faithful_job", rpc_params![job]).await?)
	}

	/// Every one of `owner`'s jobs, in id order, read a page of `faithful_jobsOf` at a time.
	pub async fn jobs_of(&self, owner: &AccountId32) -> Result<Vec<JobId>> {
		let owner = owner.to_string();
		let mut jobs: Vec<JobId> = Vec::new();
		loop {
			let page: Vec<JobId> =
				self.rpc.request("faithful_jobsOf", rpc_params![&owner, jobs.last(), PAGE]).await?;
			let done = page.len() < PAGE as usize;
			jobs.extend(page);
			if done {
				jobs.sort_unstable();
				return Ok(jobs);
			}
		}
	}

	/// `faithful_offers`.
	pub async fn offers(&self, model: ModelId) -> Result<Vec<OfferView>> {
		Ok(self.rpc.request("faithful_offers", rpc_params![model]).await?)
	}

	/// Every registered model, in id order, read a page of `faithful_models` at a time.
	pub async fn models(&self) -> Result<Vec<ModelView>> {
		let mut models: Vec<ModelView> = Vec::new();
		loop {
			let after = models.last().map(|model| model.id);
			let page: Vec<ModelView> =
				self.rpc.request("faithful_models", rpc_params![after, PAGE]).await?;
			let done = page.len() < PAGE as usize;
			models.extend(page);
			if done {
				return Ok(models);
			}
		}
	}

	/// `faithful_provider`.
	pub async fn provider(&self, who: &AccountId32) -> Result<Option<ProviderView>> {
		Ok(self.rpc.request("faithful_provider", rpc_params![who.to_string()]).await?)
	}

	/// `faithful_subscribeJob`: the job now, then each change until it ends.
	pub async fn follow_job(&self, job: JobId) -> Result<RpcSubscription<JobView>> {
		Ok(self
			.rpc
			.subscribe("faithful_subscribeJob", rpc_params![job], "faithful_unsubscribeJob")
			.await?)
	}

	/// The model given by name or by 0x-hex id.
	pub async fn resolve_model(&self, model: &str) -> Result<ModelView> {
		let id = hex::decode_array::<32>(model).map(ModelId::from);
		let models = self.models().await?;
		models
			.into_iter()
			.find(|m| m.name == model || Some(m.id) == id)
			.ok_or_else(|| anyhow!("no model is registered as `{model}`; see `faithful models`"))
	}
}
