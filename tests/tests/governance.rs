//! Token holders vote a parameter change through a referendum on a dev chain, and the next job
//! uses the new value.

use std::time::Duration;

use anyhow::Result;
use faithful_primitives::currency::FTH;
use faithful_tests::{
	become_provider, finalized_number, parameter_change, register_model, submit,
	wait_for_finalized, Node, NodeSpec,
};
use serde_json::Value as Json;
use subxt::{dynamic, dynamic::Value, rpcs::rpc_params};
use subxt_signer::sr25519::dev;

const MODEL: [u8; 32] = [7u8; 32];
const PRICE: u128 = 1_000_000;
const NEW_WINDOW: u32 = 25;

#[tokio::test(flavor = "multi_thread")]
async fn holders_vote_a_challenge_window_change_through_and_the_next_job_uses_it() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	let rpc = node.raw_rpc().await?;
	let (alice, bob, charlie) = (dev::alice(), dev::bob(), dev::charlie());

	// The proposal: `Governance.set_parameter(Jobs(ChallengeWindow(25)))`, small enough to
	// travel inline in the referendum.
	let change = dynamic::transaction(
		"Governance",
		"set_parameter",
		(parameter_change("Jobs", "ChallengeWindow", Value::u128(NEW_WINDOW.into())),),
	);
	let call = api.at_current_block().await?.transactions().call_data(&change)?;
	submit(
		&api,
		&alice,
		"Referenda",
		"submit",
		(
			Value::unnamed_variant("Governance", [Value::unnamed_variant("ParameterAdmin", [])]),
			Value::unnamed_variant("Inline", [Value::from_bytes(call)]),
			Value::unnamed_variant("After", [Value::u128(1)]),
		),
	)
	.await?;
	submit(&api, &alice, "Referenda", "place_decision_deposit", (0u32,)).await?;
	// Aye with conviction 1x (0x80 | 1) from half of each of three holders' balance.
	for voter in [&alice, &bob, &charlie] {
		let vote = Value::named_variant(
			"Standard",
			[
				("vote", Value::unnamed_composite([Value::u128(0x81)])),
				("balance", Value::u128(500_000 * FTH)),
			],
		);
		submit(&api, voter, "ConvictionVoting", "vote", (0u32, vote)).await?;
	}

	// The change is enacted once the referendum passes.
	register_model(&api, &alice, MODEL, "smollm2").await?;
	become_provider(&api, &bob, MODEL, PRICE).await?;
	let deadline = std::time::Instant::now() + Duration::from_secs(180);
	let mut next = 1;
	'enacted: loop {
		let now = finalized_number(&node.rpc().await?).await?;
		for number in next..=now {
			let events = api.at_block(number).await?.events().fetch().await?;
			for event in events.iter() {
				let event = event?;
				if event.pallet_name() == "Parameters" && event.event_name() == "Updated" {
					break 'enacted;
				}
			}
		}
		next = now + 1;
		assert!(std::time::Instant::now() < deadline, "the referendum was not enacted in time");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}

	submit(
		&api,
		&alice,
		"Jobs",
		"submit",
		(
			MODEL,
			b"hi".to_vec(),
			Value::unnamed_variant("Greedy", []),
			4u32,
			PRICE,
			Value::unnamed_variant("Waived", []),
		),
	)
	.await?;
	let before = finalized_number(&node.rpc().await?).await?;
	submit(
		&api,
		&bob,
		"Jobs",
		"submit_result",
		(0u64, b"hello".to_vec(), vec![1u32, 2], Value::unnamed_variant("Eos", []), [9u8; 32]),
	)
	.await?;
	let after = finalized_number(&node.rpc().await?).await?;
	let job: Json = rpc.request("faithful_job", rpc_params![0u64]).await?;
	let challenge_until = job["status"]["challengeUntil"].as_u64().expect("a proposed job");
	// The result landed in a block in (before, after]; its window ends NEW_WINDOW blocks later.
	let window = u64::from(NEW_WINDOW);
	assert!(
		before + window < challenge_until && challenge_until <= after + window,
		"the job's window follows the voted value: {job} (result between blocks {before} and {after})"
	);
	Ok(())
}
