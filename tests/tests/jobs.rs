//! A job's whole life on a real dev chain: quoted through `faithful_quote`, submitted, routed to
//! the only provider, answered with a signed result, followed through `faithful_subscribeJob`,
//! settled after the challenge window, with every account's balance checked to the unit.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	become_provider, free_balance, register_model, set_parameter, submit, wait_for_finalized, Node,
	NodeSpec,
};
use serde_json::Value as Json;
use subxt::{
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
};
use subxt_signer::sr25519::dev;

const MODEL: [u8; 32] = [7u8; 32];
const PRICE: u128 = 1_000_000;
const MAX_TOKENS: u32 = 16;
const WINDOW: u32 = 10;
/// `5EYCAe5ijiYfyeZ2JJCGq56LmPyNRAKzpG4QkoQkkQNB5e6Z`: `py/trsry` as an account.
const TREASURY: [u8; 32] = *b"modlpy/trsry\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

fn amount(json: &Json) -> u128 {
	json.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an amount: {json}"))
}

async fn job(rpc: &RpcClient, id: u64) -> Result<Json> {
	Ok(rpc.request("faithful_job", rpc_params![id]).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_is_quoted_assigned_answered_and_settled_on_a_dev_chain() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	let rpc = node.raw_rpc().await?;
	let (alice, bob) = (dev::alice(), dev::bob());
	let model_hex = format!("0x{}", hex(&MODEL));

	let quote: Json = rpc.request("faithful_quote", rpc_params![&model_hex, MAX_TOKENS]).await?;
	assert!(quote.is_null(), "no model, no quote: {quote}");

	register_model(&api, &alice, MODEL, "smollm2").await?;
	become_provider(&api, &bob, MODEL, PRICE).await?;
	submit(
		&api,
		&alice,
		"Sudo",
		"sudo",
		(set_parameter("Jobs", "ChallengeWindow", Value::u128(WINDOW.into())),),
	)
	.await?;
	// Bob is the model's only provider, so no audit can open: nobody could judge it.

	// 16 tokens at the only price, plus the 5 % verification fee.
	let value = MAX_TOKENS as u128 * PRICE;
	let verification_fee = value / 20;
	let quote: Json = rpc.request("faithful_quote", rpc_params![&model_hex, MAX_TOKENS]).await?;
	assert_eq!(quote["providers"], 1);
	assert_eq!(amount(&quote["minPricePerToken"]), PRICE);
	assert_eq!(amount(&quote["escrow"]), value + verification_fee);

	let alice_before = free_balance(&api, alice.public_key().0).await?;
	let bob_before = free_balance(&api, bob.public_key().0).await?;
	let treasury_before = free_balance(&api, TREASURY).await?;

	let submit_fee = submit(
		&api,
		&alice,
		"Jobs",
		"submit",
		(
			MODEL,
			b"What is the capital of France?".to_vec(),
			Value::unnamed_variant("Greedy", []),
			MAX_TOKENS,
			2 * PRICE,
			Value::unnamed_variant("Waived", []),
		),
	)
	.await?;
	let escrow = MAX_TOKENS as u128 * 2 * PRICE + MAX_TOKENS as u128 * 2 * PRICE / 20;
	assert_eq!(
		free_balance(&api, alice.public_key().0).await?,
		alice_before - submit_fee - escrow,
		"the escrow is held"
	);

	let mut updates = rpc
		.subscribe::<Json>("faithful_subscribeJob", rpc_params![0u64], "faithful_unsubscribeJob")
		.await?;
	let first = updates.next().await.expect("the current state comes first")?;
	assert_eq!(first["status"]["state"], "assigned");
	assert_eq!(first["status"]["provider"], job(&rpc, 0).await?["attempts"][0]);
	assert_eq!(first["prompt"], "What is the capital of France?");
	let jobs_of: Vec<u64> = rpc
		.request(
			"faithful_jobsOf",
			rpc_params![subxt::utils::AccountId32(alice.public_key().0).to_string()],
		)
		.await?;
	assert_eq!(jobs_of, vec![0]);

	let n_tokens = 5u32;
	let result_fee = submit(
		&api,
		&bob,
		"Jobs",
		"submit_result",
		(
			0u64,
			b"The capital of France is Paris.".to_vec(),
			(0..n_tokens).collect::<Vec<u32>>(),
			Value::unnamed_variant("Eos", []),
			[9u8; 32],
		),
	)
	.await?;

	let mut states = vec![];
	let settled = loop {
		let update = tokio::time::timeout(Duration::from_secs(60), updates.next()).await?;
		let Some(update) = update else { bail!("the subscription ended early: {states:?}") };
		let update = update?;
		states.push(update["status"]["state"].as_str().unwrap_or_default().to_string());
		if update["status"]["state"] == "proposed" {
			assert_eq!(update["output"]["text"], "The capital of France is Paris.");
			assert_eq!(update["output"]["tokens"].as_array().map(Vec::len), Some(5));
		}
		if update["status"]["state"] == "finalized" {
			break update;
		}
	};
	assert_eq!(states, ["proposed", "finalized"]);
	assert!(settled["prompt"].is_null() && settled["output"].is_null(), "pruned at settlement");
	// The subscription follows best blocks; balances are read at the finalized one.
	let settled_at = settled["status"]["at"].as_u64().expect("a block number");
	wait_for_finalized(&node.rpc().await?, settled_at, Duration::from_secs(30)).await?;

	// Paid at Bob's price, not the cap; 2 % of it to the treasury with the verification fee.
	let cost = n_tokens as u128 * PRICE;
	let protocol_fee = cost / 50;
	assert_eq!(amount(&settled["status"]["paid"]), cost - protocol_fee);
	let job_verification_fee = amount(&settled["verificationFee"]);
	assert_eq!(amount(&settled["status"]["refunded"]), escrow - cost - job_verification_fee);
	assert_eq!(
		free_balance(&api, alice.public_key().0).await?,
		alice_before - submit_fee - cost - job_verification_fee
	);
	assert_eq!(
		free_balance(&api, bob.public_key().0).await?,
		bob_before - result_fee + cost - protocol_fee
	);
	assert_eq!(
		free_balance(&api, TREASURY).await?,
		treasury_before + submit_fee + result_fee + protocol_fee + job_verification_fee
	);
	let provider: Json = rpc
		.request(
			"faithful_provider",
			rpc_params![subxt::utils::AccountId32(bob.public_key().0).to_string()],
		)
		.await?;
	assert_eq!(amount(&provider["locked"]), 0, "collateral released");
	Ok(())
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
