//! A worker serving degraded weights under the registered id is caught: an auditing worker
//! re-executes its answer and challenges it, a committee of honest workers votes it down, its
//! collateral is slashed and the user gets every unit of the escrow back. A juror that votes
//! `Valid` without re-executing (Ferdie) loses its vote bond.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_tests::{
	follow_job, free_balance, model_id, set_jobs_parameter, submit_judged_job, wait_for_finalized,
	Judging, Node, NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use subxt::{rpcs::client::rpc_params, utils::AccountId32};
use subxt_signer::sr25519::dev;

/// The cheat's price; the honest workers ask more, above the job's cap, so routing picks the cheat.
const CHEAT_PRICE: &str = "0.000001";
const HONEST_PRICE: &str = "0.000005";

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_with_degraded_weights_is_audited_voted_down_and_slashed() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	let rpc = node.rpc().await?;
	wait_for_finalized(&rpc, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	set_jobs_parameter(&api, "ChallengeWindow", 60).await?;
	set_jobs_parameter(&api, "CommitPhase", 20).await?;
	set_jobs_parameter(&api, "RevealPhase", 20).await?;

	let path = |name: &str| dir.path().join(name);
	let mut bob = Worker::start(
		&node,
		"//Bob",
		&path("bob"),
		&["--price", CHEAT_PRICE, "--cheat-zero-layer", "0"],
	)?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let mut charlie = Worker::start(
		&node,
		"//Charlie",
		&path("charlie"),
		&["--price", HONEST_PRICE, "--audit-share", "1"],
	)?;
	let mut dave = Worker::start(&node, "//Dave", &path("dave"), &["--price", HONEST_PRICE])?;
	let mut eve = Worker::start(&node, "//Eve", &path("eve"), &["--price", HONEST_PRICE])?;
	let mut ferdie = Worker::start(
		&node,
		"//Ferdie",
		&path("ferdie"),
		&["--price", HONEST_PRICE, "--cheat-vote-valid"],
	)?;
	for worker in [&mut charlie, &mut dave, &mut eve, &mut ferdie] {
		worker.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	}
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	let ferdie_stake = || async {
		let address = AccountId32(dev::ferdie().public_key().0).to_string();
		let view: serde_json::Value =
			node.raw_rpc().await?.request("faithful_provider", rpc_params![address]).await?;
		anyhow::Ok(view["stake"].as_str().unwrap_or_default().parse::<u128>()?)
	};
	let ferdie_before = ferdie_stake().await?;

	let alice = dev::alice();
	let alice_before = free_balance(&api, alice.public_key().0).await?;
	// Three other workers serve the model: a jury can judge Bob.
	let submit_fee = submit_judged_job(
		&api,
		&alice,
		model,
		"What is the capital of France?",
		32u32,
		1_000_000u128,
		Judging::Required,
	)
	.await?;

	let raw = node.raw_rpc().await?;
	let mut updates = follow_job(&raw, 0).await?;
	let logs = |workers: [&Worker; 5]| workers.map(|w| w.log()).join("\n----\n");
	let slashed = loop {
		let update = tokio::time::timeout(Duration::from_secs(300), updates.next()).await;
		let Ok(Some(update)) = update else {
			bail!("no verdict:\n{}", logs([&bob, &charlie, &dave, &eve, &ferdie]))
		};
		let update = update?;
		match update["status"]["state"].as_str().unwrap_or_default() {
			"slashed" => break update,
			"finalized" | "refunded" => {
				bail!(
					"the cheat got away: {update}\n{}",
					logs([&bob, &charlie, &dave, &eve, &ferdie])
				)
			}
			_ => {}
		}
	};
	let bob_id = AccountId32(dev::bob().public_key().0).to_string();
	assert_eq!(slashed["status"]["provider"], bob_id.as_str());
	assert_ne!(slashed["status"]["slashed"], "0", "Bob lost collateral: {slashed}");
	// Charlie's own audit challenges the answer, unless the chain's audit (drawn the block after
	// the answer, with Charlie, Dave and Eve as the jury) took it first.
	let charlie_log = charlie.log();
	assert!(
		charlie_log.contains("challenging it") || charlie_log.contains("drawn for the committee"),
		"{charlie_log}"
	);
	// Charlie's challenge seats the other three; an audit draws three of all four.
	let seated = |worker: &Worker| worker.log().contains("drawn for the committee");
	for voter in [&charlie, &dave, &eve].into_iter().filter(|w| seated(w)) {
		let log = voter.log();
		let revealed_invalid =
			log.lines().any(|line| line.contains("vote revealed") && line.contains("invalid"));
		assert!(revealed_invalid, "{log}");
	}
	let at = slashed["status"]["at"].as_u64().expect("a block number");
	wait_for_finalized(&rpc, at, Duration::from_secs(30)).await?;
	assert_eq!(
		free_balance(&api, alice.public_key().0).await?,
		alice_before - submit_fee,
		"Alice got her whole escrow back"
	);
	// Ferdie sits on every jury but an audit's that drew the other three (one run in about twenty).
	let ferdie_log = ferdie.log();
	if seated(&ferdie) {
		assert!(ferdie_log.contains("CHEATING: voting valid"), "{ferdie_log}");
		let vote_bond = faithful_primitives::parameters::VOTE_BOND;
		assert_eq!(
			ferdie_stake().await?,
			ferdie_before - vote_bond,
			"the free rider lost its bond"
		);
	} else {
		println!("an audit drew Charlie, Dave and Eve; Ferdie did not sit");
	}

	Ok(())
}
