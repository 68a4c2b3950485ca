//! A worker that dies holding a job: the deadline passes, part of its collateral goes to the
//! treasury, and the job is routed to the other worker, which answers it.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	follow_job, model_id, set_jobs_parameter, submit_greedy_job, wait_for_finalized, Node,
	NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_worker_dies_is_reassigned_and_completed() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	// Audits stay on (no parameter set may turn them off): should the survivor's answer be
	// audited, its jury is the dead worker, and the dispute ends without a verdict, later.
	set_jobs_parameter(&api, "ChallengeWindow", 10).await?;
	set_jobs_parameter(&api, "ResultTimeout", 15).await?;

	let mut bob = Worker::start(&node, "//Bob", &dir.path().join("bob"), &[])?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let mut charlie = Worker::start(&node, "//Charlie", &dir.path().join("charlie"), &[])?;
	charlie.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;

	submit_greedy_job(
		&api,
		&dev::alice(),
		model,
		"Tell me a long story about a dragon and a knight.",
		128u32,
		1_000_000u128,
	)
	.await?;
	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, 0).await?;

	let name = |key: [u8; 32]| AccountId32(key).to_string();
	let (bob_id, charlie_id) =
		(name(dev::bob().public_key().0), name(dev::charlie().public_key().0));
	let mut killed = None;
	let settled = loop {
		let update = tokio::time::timeout(Duration::from_secs(180), updates.next()).await;
		let Ok(Some(update)) = update else {
			bail!("no settlement:\n{}\n{}", bob.log(), charlie.log())
		};
		let update = update?;
		let state = update["status"]["state"].as_str().unwrap_or_default().to_owned();
		if state == "assigned" && killed.is_none() {
			// Whoever holds the job dies before answering.
			let holder = update["status"]["provider"].as_str().unwrap_or_default().to_owned();
			if holder == bob_id {
				bob.kill();
			} else {
				charlie.kill();
			}
			killed = Some(holder);
		}
		if state == "finalized" {
			break update;
		}
		assert_ne!(state, "refunded", "the job must be completed: {update}");
	};
	let killed = killed.expect("the job was assigned");
	let survivor = if killed == bob_id { &charlie_id } else { &bob_id };
	assert_eq!(settled["attempts"], serde_json::json!([killed, survivor]));
	assert_eq!(settled["status"]["provider"], survivor.as_str(), "the second worker answered");
	Ok(())
}
