//! A cheating worker that times its answers on public chain state is audited at the configured
//! rate all the same: the audit of a result is drawn from the VRF output of a block built after
//! the result was signed, which no public state foretells.
//!
//! Bob serves the model with a zeroed layer (every answer a lie) and `--cheat-time-answers`: he
//! reads `Babe.AuthorVrfRandomness` at the best block, recomputes the audit draw as the chain
//! made it when it drew from the parent block's VRF output, and holds each answer back while that
//! says "audited". Charlie, Dave and Eve verify the model (on chain only), so audits can seat a
//! jury. Over 30 lies at a 50 % audit rate, the audited count must look like the rate (6 to 24;
//! outside that by chance one run in about 3,000), not like the 0 the timing aimed for.

use std::time::Duration;

use anyhow::{bail, Result};
use faithful_primitives::currency::FTH;
use faithful_tests::{
	finalized_number, model_id, set_jobs_parameter, submit, submit_judged_job, wait_for_finalized,
	Judging, Node, NodeSpec, Worker, DEFAULT_MODEL_NAME,
};
use subxt_signer::sr25519::dev;

const LIES: usize = 30;

#[derive(subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct JobDisputed {
	#[allow(dead_code)]
	job: u64,
	challenger: Option<[u8; 32]>,
	#[allow(dead_code)]
	committee: Vec<[u8; 32]>,
	#[allow(dead_code)]
	commit_until: u32,
	#[allow(dead_code)]
	reveal_until: u32,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_timing_its_lies_on_public_state_is_audited_at_the_rate() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(&dir.path().join("node"))).await?;
	let rpc = node.rpc().await?;
	wait_for_finalized(&rpc, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	set_jobs_parameter(&api, "AuditRate", 500_000_000).await?;
	set_jobs_parameter(&api, "ChallengeWindow", 60).await?;

	let mut bob = Worker::start(
		&node,
		"//Bob",
		&dir.path().join("bob"),
		&["--cheat-zero-layer", "0", "--cheat-time-answers", "--max-concurrent", "40"],
	)?;
	bob.wait_for_log(&["offered the model"], Duration::from_secs(180)).await?;
	let model = model_id(&node, DEFAULT_MODEL_NAME).await?;
	for verifier in [dev::charlie(), dev::dave(), dev::eve()] {
		let endpoint = b"http://127.0.0.1:8080".to_vec();
		submit(&api, &verifier, "Providers", "register", (endpoint, 100 * FTH)).await?;
		submit(&api, &verifier, "Providers", "verify", (model,)).await?;
	}
	let first_block = finalized_number(&rpc).await?;

	// Two users submit at once, half the jobs each, so the lies do not wait on each other.
	let submissions: Vec<_> = [dev::alice(), dev::ferdie()]
		.into_iter()
		.map(|user| {
			let api = api.clone();
			tokio::spawn(async move {
				for _ in 0..LIES / 2 {
					let prompt = "What is the capital of France?";
					submit_judged_job(&api, &user, model, prompt, 8, 1_000_000, Judging::Required)
						.await?;
				}
				anyhow::Ok(())
			})
		})
		.collect();
	for submitted in submissions {
		submitted.await??;
	}

	let deadline = std::time::Instant::now() + Duration::from_secs(600);
	let (mut lies, mut audited, mut last_lie) = (0, 0, 0);
	let mut next = first_block;
	while lies < LIES || finalized_number(&rpc).await? < last_lie + 3 {
		if std::time::Instant::now() > deadline {
			bail!("{lies} of {LIES} answers after 10 minutes:\n{}", bob.log());
		}
		let now = finalized_number(&rpc).await?;
		for number in next..=now {
			let events = api.at_block(number).await?.events().fetch().await?;
			for event in events.iter() {
				let event = event?;
				match (event.pallet_name(), event.event_name()) {
					("Jobs", "ResultProposed") => {
						lies += 1;
						last_lie = number;
					}
					("Jobs", "JobDisputed") => {
						if event.decode_fields_unchecked_as::<JobDisputed>()?.challenger.is_none() {
							audited += 1;
						}
					}
					_ => {}
				}
			}
		}
		next = now + 1;
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let log = bob.log();
	assert!(
		log.contains("the draw looks like an audit; waiting a block"),
		"Bob never timed:\n{log}"
	);
	println!("{audited} of {lies} timed lies audited at a 50 % audit rate");
	assert_eq!(lies, LIES);
	assert!((6..=24).contains(&audited), "{audited} of {lies} timed lies audited at 50 %");
	Ok(())
}
