//! A worker that verifies without serving: Bob is the model's only provider, Ferdie runs
//! `--verify-only`, and when Alice challenges Bob's honest answer, Ferdie's worker is the jury:
//! it re-executes the answer, votes it valid, and Alice's bond pays Bob and Ferdie.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	follow_job, model_id, set_jobs_parameter, submit, submit_greedy_job, Node, NodeSpec, Worker,
	DEFAULT_MODEL_NAME,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread")]
async fn a_verify_only_worker_judges_a_challenge_and_takes_no_jobs() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	faithful_tests::wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	set_jobs_parameter(&api, "ChallengeWindow", 120).await?;
	let path = |name: &str| dir.path().join(name);
	let mut bob = Worker::start(&node, "//Bob", &path("bob"), &[])?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;

	let alice = dev::alice();
	submit_greedy_job(&api, &alice, model, "What is the capital of France?", 16, 1_000_000).await?;
	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, 0).await?;
	while next(&mut updates).await?["status"]["state"] != "proposed" {}
	// The answer's audit draw (next block) finds no juror: Bob is alone. Only then does Ferdie
	// start verifying, so the only dispute is Alice's challenge.
	let chain = node.rpc().await?;
	let answered = faithful_tests::finalized_number(&chain).await?;
	faithful_tests::wait_for_finalized(&chain, answered + 1, Duration::from_secs(30)).await?;
	let mut ferdie = Worker::start(&node, "//Ferdie", &path("ferdie"), &["--verify-only"])?;
	ferdie.wait_for_log(&["verifying the model"], Duration::from_secs(180)).await?;

	submit(&api, &alice, "Jobs", "challenge", (0u64,)).await?;
	let settled = loop {
		let update = next(&mut updates).await?;
		match update["status"]["state"].as_str().unwrap_or_default() {
			"finalized" => break update,
			"slashed" | "refunded" => bail!("the honest answer was not upheld: {update}"),
			_ => {}
		}
	};
	let bob_id = AccountId32(dev::bob().public_key().0).to_string();
	assert_eq!(settled["status"]["provider"], bob_id.as_str());
	let log = ferdie.log();
	assert!(log.contains("drawn for the committee"), "{log}");
	assert!(
		log.lines().any(|line| {
			line.contains("vote revealed") && line.contains("valid") && !line.contains("invalid")
		}),
		"{log}"
	);
	assert!(!log.contains("job assigned"), "a verifier takes no jobs: {log}");
	Ok(())
}

/// The job's next state from its subscription.
async fn next(
	updates: &mut subxt::rpcs::client::RpcSubscription<serde_json::Value>,
) -> Result<serde_json::Value> {
	let update = tokio::time::timeout(Duration::from_secs(180), updates.next()).await;
	let Ok(Some(update)) = update else { bail!("job 0 stopped changing") };
	Ok(update?)
}
