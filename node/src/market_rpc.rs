//! `faithful_*` RPC methods: the market's runtime API (`MarketApi`) in JSON, plus a subscription
//! that pushes a job's status and output as they change.
//!
//! The JSON shapes are `faithful_primitives::rpc`, shared with the clients.

use std::sync::Arc;

use faithful_primitives::rpc::{
	JobView, ModelView, OfferView, OutputView, ProviderView, QuoteView, SamplingView, StatusView,
	TermsView,
};
use faithful_primitives::{
	api::{JobDetails, MarketApi, ProviderSummary},
	jobs::{FinishReason, JobId, JobStatus, Quote, Sampling},
	models::{Architecture, ModelId, ModelStatus},
	AccountId, Balance, BlockNumber,
};
use faithful_runtime::opaque::Block;
use futures::StreamExt;
use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::ErrorObjectOwned,
	PendingSubscriptionSink, SubscriptionMessage,
};
use polkadot_sdk::{
	sc_client_api::BlockchainEvents, sp_api::ProvideRuntimeApi, sp_blockchain::HeaderBackend,
	sp_core::crypto::Ss58Codec, sp_runtime::traits::Block as BlockT,
};

/// Items a paged read returns when the caller gives no limit.
const DEFAULT_PAGE: u32 = 100;

type Hash = <Block as BlockT>::Hash;

#[rpc(client, server, namespace = "faithful")]
pub trait MarketRpc {
	/// What a job of `max_tokens` for `model` would cost now; null when nobody can take it.
	#[method(name = "quote")]
	fn quote(
		&self,
		model: ModelId,
		max_tokens: u32,
		at: Option<Hash>,
	) -> RpcResult<Option<QuoteView>>;

	/// A job by id, with its prompt and output while they are stored.
	#[method(name = "job")]
	fn job(&self, id: JobId, at: Option<Hash>) -> RpcResult<Option<JobView>>;

	/// Ids of up to `limit` (default 100, at most 1,000) of an account's jobs in storage order,
	/// after `after`; the last id of a page starts the next.
	#[method(name = "jobsOf")]
	fn jobs_of(
		&self,
		owner: String,
		after: Option<JobId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<JobId>>;

	/// The offers for a model.
	#[method(name = "offers")]
	fn offers(&self, model: ModelId, at: Option<Hash>) -> RpcResult<Vec<OfferView>>;

	/// Up to `limit` (default 100, at most 1,000) registered models in id order, after `after`.
	#[method(name = "models")]
	fn models(
		&self,
		after: Option<ModelId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<ModelView>>;

	/// A provider by SS58 address.
	#[method(name = "provider")]
	fn provider(&self, who: String, at: Option<Hash>) -> RpcResult<Option<ProviderView>>;

	/// Pushes the job now and after every new best block that changes it; ends once the job is
	/// finalized, slashed or refunded.
	#[subscription(name = "subscribeJob" => "jobStatus", unsubscribe = "unsubscribeJob", item = JobView)]
	async fn subscribe_job(&self, id: JobId) -> SubscriptionResult;
}

/// Serves `MarketRpcServer` from a client's runtime API.
pub struct Market<C> {
	client: Arc<C>,
}

impl<C> Market<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

/// Error codes of the `faithful_*` methods.
const RUNTIME_ERROR: i32 = 9000;
const BAD_ADDRESS: i32 = 9001;
const UNKNOWN_JOB: i32 = 9002;

fn runtime_error(error: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(RUNTIME_ERROR, "runtime API call failed", Some(error.to_string()))
}

fn parse_account(address: &str) -> Result<AccountId, ErrorObjectOwned> {
	AccountId::from_ss58check(address).map_err(|e| {
		ErrorObjectOwned::owned(
			BAD_ADDRESS,
			"not an SS58 address",
			Some(format!("{address}: {e:?}")),
		)
	})
}

fn address(account: &AccountId) -> String {
	account.to_ss58check()
}

fn amount(value: Balance) -> String {
	value.to_string()
}

fn finish_name(finish: FinishReason) -> String {
	match finish {
		FinishReason::Eos => "eos",
		FinishReason::Length => "length",
	}
	.into()
}

fn status_view(status: JobStatus<AccountId, Balance, BlockNumber>) -> StatusView {
	match status {
		JobStatus::Assigned { provider, price_per_token, collateral, deadline } => {
			StatusView::Assigned {
				provider: address(&provider),
				price_per_token: amount(price_per_token),
				collateral: amount(collateral),
				deadline,
			}
		}
		JobStatus::Proposed {
			provider,
			price_per_token,
			n_tokens,
			finish,
			commitment,
			challenge_until,
			..
		} => StatusView::Proposed {
			provider: address(&provider),
			price_per_token: amount(price_per_token),
			n_tokens,
			finish: finish_name(finish),
			commitment,
			challenge_until,
		},
		JobStatus::Disputed { provider, n_tokens, since, .. } => {
			StatusView::Disputed { provider: address(&provider), n_tokens, since }
		}
		JobStatus::Finalized { provider, n_tokens, finish, commitment, paid, refunded, at } => {
			StatusView::Finalized {
				provider: address(&provider),
				n_tokens,
				finish: finish_name(finish),
				commitment,
				paid: amount(paid),
				refunded: amount(refunded),
				at,
			}
		}
		JobStatus::Slashed { provider, slashed, refunded, at } => StatusView::Slashed {
			provider: address(&provider),
			slashed: amount(slashed),
			refunded: amount(refunded),
			at,
		},
		JobStatus::Refunded { refunded, at } => {
			StatusView::Refunded { refunded: amount(refunded), at }
		}
	}
}

fn job_view(id: JobId, details: JobDetails<AccountId, Balance, BlockNumber>) -> JobView {
	let JobDetails { job, prompt, output } = details;
	JobView {
		id,
		owner: address(&job.owner),
		model: job.model,
		sampling: match job.sampling {
			Sampling::Greedy => SamplingView::Greedy,
			Sampling::Sampled { temperature_milli, top_k, top_p } => {
				SamplingView::Sampled { temperature_milli, top_k, top_p_ppm: top_p.deconstruct() }
			}
		},
		seed: job.seed.to_string(),
		max_tokens: job.max_tokens,
		max_price_per_token: amount(job.max_price_per_token),
		escrow: amount(job.escrow),
		verification_fee: amount(job.verification_fee),
		terms: TermsView {
			protocol_fee_ppb: job.terms.protocol_fee.deconstruct(),
			timeout_slash_ppb: job.terms.timeout_slash.deconstruct(),
			audit_rate_ppb: job.terms.audit_rate.deconstruct(),
			challenger_reward_ppb: job.terms.challenger_reward.deconstruct(),
			voter_reward_ppb: job.terms.voter_reward.deconstruct(),
			bond_to_voters_ppb: job.terms.bond_to_voters.deconstruct(),
		},
		submitted_at: job.submitted_at,
		attempts: job.attempts.iter().map(address).collect(),
		status: status_view(job.status),
		prompt: prompt.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
		output: output.map(|output| OutputView {
			text: String::from_utf8_lossy(&output.text).into_owned(),
			tokens: output.tokens.into_inner(),
		}),
	}
}

fn quote_view(quote: Quote<Balance>) -> QuoteView {
	QuoteView {
		providers: quote.providers,
		min_price_per_token: amount(quote.min_price_per_token),
		max_price_per_token: amount(quote.max_price_per_token),
		escrow: amount(quote.escrow),
		judged: quote.judged,
	}
}

fn provider_view(summary: ProviderSummary<Balance>) -> ProviderView {
	ProviderView {
		endpoint: String::from_utf8_lossy(&summary.endpoint).into_owned(),
		stake: amount(summary.stake),
		locked: amount(summary.locked),
		unbonding: amount(summary.unbonding),
		reputation_ppb: summary.reputation.deconstruct(),
		offers: summary.offers,
		verifies: summary.verifies,
	}
}

impl<C> Market<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MarketApi<Block, AccountId, Balance, BlockNumber>,
{
	fn at(&self, at: Option<Hash>) -> Hash {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}

	fn job_at(&self, id: JobId, at: Hash) -> Result<Option<JobView>, ErrorObjectOwned> {
		let details = self.client.runtime_api().job(at, id).map_err(runtime_error)?;
		Ok(details.map(|details| job_view(id, details)))
	}
}

#[async_trait]
impl<C> MarketRpcServer for Market<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block>,
	C: Send + Sync + 'static,
	C::Api: MarketApi<Block, AccountId, Balance, BlockNumber>,
{
	fn quote(
		&self,
		model: ModelId,
		max_tokens: u32,
		at: Option<Hash>,
	) -> RpcResult<Option<QuoteView>> {
		let quote = self
			.client
			.runtime_api()
			.quote(self.at(at), model, max_tokens)
			.map_err(runtime_error)?;
		Ok(quote.map(quote_view))
	}

	fn job(&self, id: JobId, at: Option<Hash>) -> RpcResult<Option<JobView>> {
		self.job_at(id, self.at(at))
	}

	fn jobs_of(
		&self,
		owner: String,
		after: Option<JobId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<JobId>> {
		let owner = parse_account(&owner)?;
		self.client
			.runtime_api()
			.jobs_of(self.at(at), owner, after, limit.unwrap_or(DEFAULT_PAGE))
			.map_err(runtime_error)
	}

	fn offers(&self, model: ModelId, at: Option<Hash>) -> RpcResult<Vec<OfferView>> {
		let offers = self.client.runtime_api().offers(self.at(at), model).map_err(runtime_error)?;
		Ok(offers
			.into_iter()
			.map(|(provider, offer)| OfferView {
				provider: address(&provider),
				price_per_token: amount(offer.price_per_token),
				max_concurrent: offer.max_concurrent,
			})
			.collect())
	}

	fn models(
		&self,
		after: Option<ModelId>,
		limit: Option<u32>,
		at: Option<Hash>,
	) -> RpcResult<Vec<ModelView>> {
		let models = self
			.client
			.runtime_api()
			.models(self.at(at), after, limit.unwrap_or(DEFAULT_PAGE))
			.map_err(runtime_error)?;
		Ok(models
			.into_iter()
			.map(|(id, info)| ModelView {
				id,
				name: String::from_utf8_lossy(&info.name).into_owned(),
				owner: address(&info.owner),
				architecture: match info.architecture {
					Architecture::Llama => "llama",
					Architecture::Qwen2 => "qwen2",
					Architecture::Gemma3 => "gemma3",
				}
				.into(),
				context_length: info.context_length,
				active: matches!(info.status, ModelStatus::Active { .. }),
				registered_at: info.registered_at,
			})
			.collect())
	}

	fn provider(&self, who: String, at: Option<Hash>) -> RpcResult<Option<ProviderView>> {
		let who = parse_account(&who)?;
		let summary =
			self.client.runtime_api().provider(self.at(at), who).map_err(runtime_error)?;
		Ok(summary.map(provider_view))
	}

	async fn subscribe_job(
		&self,
		pending: PendingSubscriptionSink,
		id: JobId,
	) -> SubscriptionResult {
		let mut blocks = self.client.import_notification_stream();
		let Some(mut last) = self.job_at(id, self.client.info().best_hash)? else {
			pending
				.reject(ErrorObjectOwned::owned(UNKNOWN_JOB, "no job has this id", Some(id)))
				.await;
			return Ok(());
		};
		let sink = pending.accept().await?;
		sink.send(SubscriptionMessage::from_json(&last)?).await?;
		while !last.status.is_terminal() {
			let block = tokio::select! {
				_ = sink.closed() => return Ok(()),
				block = blocks.next() => match block {
					Some(block) => block,
					None => return Ok(()),
				},
			};
			if !block.is_new_best {
				continue;
			}
			let Some(now) = self.job_at(id, block.hash)? else { continue };
			if now != last {
				sink.send(SubscriptionMessage::from_json(&now)?).await?;
				last = now;
			}
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::crypto::UncheckedFrom;

	#[test]
	fn a_finalized_status_serializes_with_its_state_and_string_amounts() {
		let provider = AccountId::unchecked_from([1u8; 32].into());
		let view = status_view(JobStatus::Finalized {
			provider: provider.clone(),
			n_tokens: 7,
			finish: FinishReason::Eos,
			commitment: Hash::repeat_byte(2),
			paid: 10u128.pow(20),
			refunded: 5,
			at: 9,
		});
		let json = serde_json::to_value(&view).unwrap();
		assert_eq!(json["state"], "finalized");
		assert_eq!(json["paid"], "100000000000000000000");
		assert_eq!(json["provider"], provider.to_ss58check());
		assert!(view.is_terminal());
	}

	#[test]
	fn a_bad_address_is_a_clear_error() {
		let error = parse_account("not-an-address").unwrap_err();
		assert_eq!(error.code(), BAD_ADDRESS);
	}
}
