//! A worker killed while generating resumes its job from its state file when restarted, and
//! delivers the result exactly once.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	follow_job, model_id, set_jobs_parameter, submit_greedy_job, wait_for_finalized, Node,
	NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_worker_resumes_its_job_without_a_double_submission() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	// Bob is the model's only provider, so no audit can open: nobody could judge it.
	set_jobs_parameter(&api, "ChallengeWindow", 10).await?;

	let mut bob = Worker::start(&node, "//Bob", &dir.path().join("bob"), &[])?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	submit_greedy_job(
		&api,
		&dev::alice(),
		model,
		"Tell me a long story about a dragon and a knight.",
		256u32,
		1_000_000u128,
	)
	.await?;

	bob.wait_for_log(&["generating", "job=0"], Duration::from_secs(120)).await?;
	bob.restart()?;
	bob.wait_for_log(&["resuming", "[0]"], Duration::from_secs(120)).await?;

	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, 0).await?;
	let settled = loop {
		let update = tokio::time::timeout(Duration::from_secs(300), updates.next()).await;
		let Ok(Some(update)) = update else { bail!("no settlement:\n{}", bob.log()) };
		let update = update?;
		if update["status"]["state"] == "finalized" {
			break update;
		}
	};
	assert_eq!(settled["attempts"].as_array().map(Vec::len), Some(1), "never reassigned");
	let log = bob.log();
	let deliveries =
		log.lines().filter(|l| l.contains("result delivered") && l.contains("job=0")).count();
	assert_eq!(deliveries, 1, "delivered exactly once:\n{log}");
	let generations =
		log.lines().filter(|l| l.contains("generating") && l.contains("job=0")).count();
	assert_eq!(generations, 2, "generated before the kill and again after the restart:\n{log}");
	Ok(())
}
