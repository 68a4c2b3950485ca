//! A challenged result on a real dev chain: Alice challenges Bob's answer, a committee of three
//! other providers (Charlie, Dave, Eve) commits and reveals signed votes, and the verdict slashes
//! Bob, refunds Alice in full and pays the challenger's and voters' rewards.

use std::time::Duration;

use anyhow::Result;
use faithful_primitives::{
	currency::FTH,
	jobs::{vote_commitment, Verdict},
	parameters::{BOND_MULTIPLE, CHALLENGER_REWARD, MIN_JOB_COLLATERAL, VOTER_REWARD},
};
use faithful_tests::{
	become_provider, finalized_number, free_balance, register_model, set_jobs_parameter, submit,
	wait_for, Node, NodeSpec,
};
use serde_json::Value as Json;
use subxt::{dynamic::Value, rpcs::rpc_params};
use subxt_signer::sr25519::{dev, Keypair};

const MODEL: [u8; 32] = [7u8; 32];
const PRICE: u128 = 1_000_000;
const MAX_TOKENS: u32 = 16;
const COMMIT_PHASE: u32 = faithful_primitives::parameters::VOTE_PHASE_FLOOR;

fn salt(voter: &Keypair) -> [u8; 32] {
	voter.public_key().0
}

fn verdict_name(verdict: Verdict) -> &'static str {
	match verdict {
		Verdict::Valid => "Valid",
		Verdict::Invalid => "Invalid",
	}
}

async fn job_state(rpc: &subxt::rpcs::RpcClient) -> Result<Json> {
	Ok(rpc.request("faithful_job", rpc_params![0u64]).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_challenged_result_is_voted_down_by_a_committee_and_the_provider_slashed() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	let api = node.client().await?;
	let rpc = node.raw_rpc().await?;
	let (alice, bob) = (dev::alice(), dev::bob());
	let committee = [dev::charlie(), dev::dave(), dev::eve()];

	set_jobs_parameter(&api, "CommitPhase", COMMIT_PHASE.into()).await?;
	set_jobs_parameter(&api, "RevealPhase", COMMIT_PHASE.into()).await?;
	register_model(&api, &alice, MODEL, "smollm2").await?;
	become_provider(&api, &bob, MODEL, PRICE).await?;

	let alice_before = free_balance(&api, alice.public_key().0).await?;
	let mut fees = submit(
		&api,
		&alice,
		"Jobs",
		"submit",
		(
			MODEL,
			b"What is the capital of France?".to_vec(),
			Value::unnamed_variant("Greedy", []),
			MAX_TOKENS,
			PRICE,
			// The committee registers only after the answer's audit draw.
			Value::unnamed_variant("Waived", []),
		),
	)
	.await?;
	submit(
		&api,
		&bob,
		"Jobs",
		"submit_result",
		(
			0u64,
			b"The capital of France is Lyon.".to_vec(),
			(0..7u32).collect::<Vec<u32>>(),
			Value::unnamed_variant("Eos", []),
			[9u8; 32],
		),
	)
	.await?;
	// The chain's audit of the answer is drawn next block, while Bob is the model's only
	// provider: with nobody to judge it, no audit opens. Only then does the committee offer the
	// model, above the job's price cap, so routing never picks them and they can judge.
	let chain = node.rpc().await?;
	let answered_at = finalized_number(&chain).await?;
	faithful_tests::wait_for_finalized(&chain, answered_at + 1, Duration::from_secs(30)).await?;
	for member in &committee {
		become_provider(&api, member, MODEL, 1_000 * PRICE).await?;
	}
	assert_eq!(job_state(&rpc).await?["status"]["state"], "proposed");

	fees += submit(&api, &alice, "Jobs", "challenge", (0u64,)).await?;
	let disputed = job_state(&rpc).await?;
	assert_eq!(disputed["status"]["state"], "disputed");
	let since = disputed["status"]["since"].as_u64().expect("a block number");
	let voters_before = {
		let mut balances = vec![];
		for member in &committee {
			balances.push(free_balance(&api, member.public_key().0).await?);
		}
		balances
	};

	let mut voter_fees = [0u128; 3];
	for (member, fee) in committee.iter().zip(voter_fees.iter_mut()) {
		let commitment =
			vote_commitment(0u64, &member.public_key().0, Verdict::Invalid, &salt(member));
		*fee += submit(&api, member, "Jobs", "commit_vote", (0u64, commitment.0)).await?;
	}
	// The jury is drawn at the start of a later block than the challenge's; reveals open once its
	// commit phase is over.
	let commit_until = jury_commit_until(&api).await?;
	assert!(commit_until > since + COMMIT_PHASE as u64, "drawn after the challenge's block");
	let reveals_open = commit_until + 1;
	faithful_tests::wait_for_finalized(&node.rpc().await?, reveals_open, Duration::from_secs(90))
		.await?;
	for (member, fee) in committee.iter().zip(voter_fees.iter_mut()) {
		let verdict = Value::unnamed_variant(verdict_name(Verdict::Invalid), []);
		*fee += submit(&api, member, "Jobs", "reveal_vote", (0u64, verdict, salt(member))).await?;
	}

	// The first round's verdict stands once its appeal window (a commit phase) passes.
	let settled = wait_for("the verdict", Duration::from_secs(120), || async {
		let job = job_state(&rpc).await?;
		Ok((job["status"]["state"] == "slashed").then_some(job))
	})
	.await?;
	let slashed_at = settled["status"]["at"].as_u64().expect("a block number");
	faithful_tests::wait_for_finalized(&node.rpc().await?, slashed_at, Duration::from_secs(30))
		.await?;

	// Bob's collateral: 10 × 16 tokens × his price, at least the minimum. Alice, challenger and
	// user, gets her whole escrow back, her bond back and half the collateral; the three voters
	// share a quarter.
	let collateral = (BOND_MULTIPLE as u128 * MAX_TOKENS as u128 * PRICE).max(MIN_JOB_COLLATERAL);
	let amount = |json: &Json| json.as_str().and_then(|s| s.parse::<u128>().ok()).unwrap();
	assert_eq!(amount(&settled["status"]["slashed"]), collateral);
	assert_eq!(
		free_balance(&api, alice.public_key().0).await?,
		alice_before - fees + CHALLENGER_REWARD * collateral
	);
	let each = VOTER_REWARD * collateral / 3;
	for ((member, before), fee) in committee.iter().zip(voters_before).zip(voter_fees) {
		assert_eq!(free_balance(&api, member.public_key().0).await?, before - fee + each);
	}
	let provider: Json = rpc
		.request(
			"faithful_provider",
			rpc_params![subxt::utils::AccountId32(bob.public_key().0).to_string()],
		)
		.await?;
	assert_eq!(amount(&provider["stake"]), 500 * FTH - collateral);
	assert_eq!(amount(&provider["locked"]), 0);
	assert!(provider["reputationPpb"].as_u64().unwrap() < 500_000_000, "reputation fell");
	Ok(())
}

/// The last block to commit in job 0's dispute, read from `Jobs.Disputes` once its jury sits.
async fn jury_commit_until(api: &subxt::OnlineClient<subxt::PolkadotConfig>) -> Result<u64> {
	use subxt::ext::scale_value::At;
	let address = subxt::dynamic::storage::<(u64,), Value>("Jobs", "Disputes");
	let at = api.at_current_block().await?;
	let dispute = at.storage().fetch(address, (0u64,)).await?.decode()?;
	dispute
		.at("jury")
		.and_then(|jury| jury.at("commit_until"))
		.and_then(|block| block.as_u128())
		.map(|block| block as u64)
		.ok_or_else(|| anyhow::anyhow!("job 0's jury is not seated: {dispute:?}"))
}
