//! A real worker serves the default model on a dev chain: Alice's question is answered with
//! "Paris", Bob is paid for the tokens he produced, and Alice gets the rest back, to the unit.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	fees_paid, finalized_number, follow_job, free_balance, model_id, set_jobs_parameter,
	submit_greedy_job, wait_for_finalized, Node, NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use serde_json::Value as Json;
use subxt_signer::sr25519::dev;

/// The worker's default price: 0.000001 FTH.
const PRICE: u128 = 1_000_000;
const MAX_TOKENS: u32 = 32;

fn amount(json: &Json) -> u128 {
	json.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an amount: {json}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_honest_worker_answers_paris_and_is_paid_for_its_tokens() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	let rpc = node.rpc().await?;
	wait_for_finalized(&rpc, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	// Bob is the model's only provider, so no audit can open: nobody could judge it.
	set_jobs_parameter(&api, "ChallengeWindow", 10).await?;

	let mut bob = Worker::start(&node, "//Bob", &dir.path().join("bob"), &[])?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;

	let (alice, bob_key) = (dev::alice(), dev::bob());
	let start = finalized_number(&rpc).await?;
	let alice_before = free_balance(&api, alice.public_key().0).await?;
	let bob_before = free_balance(&api, bob_key.public_key().0).await?;
	let submit_fee =
		submit_greedy_job(&api, &alice, model, "What is the capital of France?", MAX_TOKENS, PRICE)
			.await?;

	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, 0).await?;
	let mut answer = None;
	let settled = loop {
		let update = tokio::time::timeout(Duration::from_secs(180), updates.next()).await;
		let Ok(Some(update)) = update else { bail!("no settlement:\n{}", bob.log()) };
		let update = update?;
		if update["status"]["state"] == "proposed" {
			answer = Some(update["output"].clone());
		}
		if update["status"]["state"] == "finalized" {
			break update;
		}
	};
	let answer = answer.expect("the answer was visible before settlement");
	let text = answer["text"].as_str().unwrap_or_default();
	assert!(text.contains("Paris"), "answer: {text}");
	let n_tokens = answer["tokens"].as_array().map(Vec::len).unwrap_or_default() as u128;
	assert_eq!(settled["status"]["nTokens"], n_tokens as u64);

	let settled_at = settled["status"]["at"].as_u64().expect("a block number");
	wait_for_finalized(&rpc, settled_at, Duration::from_secs(30)).await?;
	let cost = n_tokens * PRICE;
	let protocol_fee = cost / 50;
	let verification_fee = amount(&settled["verificationFee"]);
	let escrow = amount(&settled["escrow"]);
	assert_eq!(amount(&settled["status"]["paid"]), cost - protocol_fee);
	assert_eq!(amount(&settled["status"]["refunded"]), escrow - cost - verification_fee);
	assert_eq!(
		free_balance(&api, alice.public_key().0).await?,
		alice_before - submit_fee - cost - verification_fee,
		"Alice pays for the tokens produced and verification, and gets the rest back"
	);
	let bob_fees = fees_paid(&api, bob_key.public_key().0, start + 1..=settled_at).await?;
	assert!(bob_fees > 0, "Bob paid for delivering his result");
	assert_eq!(
		free_balance(&api, bob_key.public_key().0).await?,
		bob_before - bob_fees + cost - protocol_fee,
		"Bob earns his price per token less the protocol fee"
	);
	bob.wait_for_log(&["job settled", "job=0"], Duration::from_secs(60)).await?;
	Ok(())
}
