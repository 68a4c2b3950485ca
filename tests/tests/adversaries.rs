//! Hostile users and providers against a real dev chain and a real worker: each test is named
//! after the attack it proves harmless.

use std::{str::FromStr, time::Duration};

use anyhow::{bail, Result};
use faithful_primitives::{currency::FTH, parameters::VOTE_BOND};
use faithful_tests::{
	account_data, become_provider, follow_job, free_balance, model_id, set_jobs_parameter,
	submit_greedy_job, transfer, wait_for_finalized, Node, NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use serde_json::Value as Json;
use subxt::{
	dynamic::{self, Value},
	error::{DispatchError, TransactionEventsError, TransactionFinalizedSuccessError},
	tx::DefaultParams,
	utils::{AccountId32, MultiAddress},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{
	sr25519::{dev, Keypair},
	SecretUri,
};

/// The worker's default price: 0.000001 FTH.
const PRICE: u128 = 1_000_000;

fn amount(json: &Json) -> u128 {
	json.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an amount: {json}"))
}

/// A dev chain with a 10-block challenge window and a 10-block result timeout, and Bob's worker
/// serving the default model (as its only provider until a test adds one, no audit can open).
async fn market(dir: &std::path::Path) -> Result<(Node, OnlineClient<PolkadotConfig>, Worker)> {
	let node = Node::start(NodeSpec::dev(&dir.join("node"))).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	set_jobs_parameter(&api, "ChallengeWindow", 10).await?;
	set_jobs_parameter(&api, "ResultTimeout", 10).await?;
	let mut bob = Worker::start(&node, "//Bob", &dir.join("bob"), &[])?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	Ok((node, api, bob))
}

/// A fresh account funded by Alice with `amount`.
async fn funded(api: &OnlineClient<PolkadotConfig>, uri: &str, amount: u128) -> Result<Keypair> {
	let key = Keypair::from_uri(&SecretUri::from_str(uri)?)?;
	transfer(api, &dev::alice(), key.public_key().0, amount).await?;
	Ok(key)
}

/// Follows `job` until it ends; returns its last state.
async fn settled(node: &Node, job: u64, worker: &Worker) -> Result<Json> {
	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, job).await?;
	loop {
		let update = tokio::time::timeout(Duration::from_secs(240), updates.next()).await;
		let Ok(Some(update)) = update else { bail!("job {job} never ended:\n{}", worker.log()) };
		let update = update?;
		if matches!(update["status"]["state"].as_str(), Some("finalized" | "slashed" | "refunded"))
		{
			return Ok(update);
		}
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_that_delegates_everything_after_submitting_still_pays_the_worker_to_the_unit(
) -> Result<()> {
	let dir = tempfile::tempdir()?;
	let (node, api, bob) = market(dir.path()).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	let user = funded(&api, "//Frozen", 10 * FTH).await?;
	let who = user.public_key().0;
	// A high cap holds more escrow (0.168 FTH) than the delegation's fee, so the lock below reaches
	// into it; the job still pays the worker's own price.
	submit_greedy_job(&api, &user, model, "What is the capital of France?", 16, 10_000 * PRICE)
		.await?;

	// Delegate all it has, the escrow held for the job included, but the delegation's own fee.
	let account = account_data(&api, who).await?;
	let delegate = |balance: u128| {
		dynamic::transaction(
			"ConvictionVoting",
			"delegate",
			(
				0u16,
				MultiAddress::<AccountId32, ()>::Id(dev::bob().public_key().0.into()),
				Value::unnamed_variant("None", []),
				balance,
			),
		)
	};
	let mut transactions = api.at_current_block().await?.transactions();
	let estimate = transactions
		.create_signed(&delegate(account.free), &user, DefaultParams::default_params())
		.await?
		.partial_fee_estimate()
		.await?;
	let everything = account.free + account.reserved - estimate - 1_000;
	assert!(everything > account.free, "the lock reaches into the held escrow");
	transactions
		.create_signed(&delegate(everything), &user, DefaultParams::default_params())
		.await?
		.submit_and_watch()
		.await?
		.wait_for_finalized_success()
		.await?;

	let settled = settled(&node, 0, &bob).await?;
	assert_eq!(settled["status"]["state"], "finalized", "{settled}");
	let n_tokens = settled["status"]["nTokens"].as_u64().expect("a count") as u128;
	assert!(n_tokens > 0);
	let cost = n_tokens * PRICE;
	assert_eq!(amount(&settled["status"]["paid"]), cost - cost / 50, "the worker paid in full");
	assert_eq!(
		amount(&settled["status"]["refunded"]),
		amount(&settled["escrow"]) - cost - amount(&settled["verificationFee"])
	);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prompt_no_worker_can_answer_costs_its_submitter_and_slashes_no_one() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let (node, api, bob) = market(dir.path()).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	let user = funded(&api, "//Farmer", 10 * FTH).await?;
	let who = user.public_key().0;
	let bob_stake = stake(&api, dev::bob().public_key().0).await?;
	let before = free_balance(&api, who).await?;

	// 4,200 digits are 4,200 tokens for SmolLM2; with 4,096 more they exceed its 8,192 positions.
	let prompt = "7".repeat(4_200);
	let error = submit_greedy_job(&api, &user, model, &prompt, 4_096, PRICE)
		.await
		.expect_err("the chain refuses the job");
	let error = error.downcast::<TransactionFinalizedSuccessError>()?;
	let TransactionFinalizedSuccessError::SuccessError(TransactionEventsError::ExtrinsicFailed(
		DispatchError::Module(module),
	)) = &error
	else {
		bail!("not a pallet error: {error}")
	};
	let details = module.details()?;
	assert_eq!((details.pallet.name(), details.variant.name.as_str()), ("Jobs", "BeyondContext"));

	let after = free_balance(&api, who).await?;
	assert!(after < before, "the submitter paid the transaction fee");
	assert!(before - after < FTH / 100, "and nothing else is held or lost: {}", before - after);
	assert_eq!(stake(&api, dev::bob().public_key().0).await?, bob_stake, "nobody was slashed");
	assert!(!bob.log().contains("missed a job's deadline"));
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_planck_offer_that_never_answers_does_not_stop_prompts_being_answered() -> Result<()>
{
	let dir = tempfile::tempdir()?;
	let (node, api, bob) = market(dir.path()).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	let sinkhole = dev::charlie();
	become_provider(&api, &sinkhole, model, 1).await?;
	let sinkhole_stake = stake(&api, sinkhole.public_key().0).await?;

	let jobs = 3;
	let mut timeouts = 0;
	for job in 0..jobs {
		submit_greedy_job(&api, &dev::alice(), model, "Name a colour.", 8, PRICE).await?;
		let settled = settled(&node, job, &bob).await?;
		assert_eq!(settled["status"]["state"], "finalized", "{settled}");
		let bob_id = AccountId32(dev::bob().public_key().0).to_string();
		assert_eq!(settled["status"]["provider"], bob_id.as_str(), "the honest worker answered");
		timeouts += settled["attempts"].as_array().map(Vec::len).unwrap_or(1) - 1;
	}
	let lost = sinkhole_stake - stake(&api, sinkhole.public_key().0).await?;
	// Each timeout slashes 10 % of the job's collateral, at least 1 FTH whatever the price; and
	// each jury seat it was drawn for (the chain's audits of Bob's answers) and left empty costs
	// it a vote bond.
	let slashed = timeouts as u128 * FTH / 10;
	assert!(lost >= slashed, "{timeouts} timeouts, {lost} lost");
	assert_eq!((lost - slashed) % VOTE_BOND, 0, "{timeouts} timeouts, {lost} lost");
	Ok(())
}

#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ProviderInfo {
	stake: u128,
}

/// `who`'s bonded provider stake.
async fn stake(api: &OnlineClient<PolkadotConfig>, who: [u8; 32]) -> Result<u128> {
	let address = dynamic::storage::<([u8; 32],), ProviderInfo>("Providers", "Providers");
	let at = api.at_current_block().await?;
	Ok(at.storage().fetch(address, (who,)).await?.decode()?.stake)
}
