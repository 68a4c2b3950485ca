//! Models and providers on a real dev chain: a model is registered with its deposit held, a
//! provider registers with stake, offers the model, unbonds part of its stake and withdraws it once
//! the unbonding period (shortened through the parameters pallet, as governance would) has passed.

use std::time::Duration;

use anyhow::Result;
use faithful_primitives::currency::FTH;
use faithful_tests::{
	become_provider, finalized_number, free_balance, register_model, set_parameter, submit,
	wait_for_finalized, Node, NodeSpec,
};
use subxt::{
	dynamic::{self, Value},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::{dev, Keypair};

const MODEL: [u8; 32] = [7u8; 32];

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Provider {
	stake: u128,
	locked: u128,
	unbonding: Vec<Chunk>,
	offers: Vec<[u8; 32]>,
}

#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Chunk {
	amount: u128,
	release_at: u32,
}

async fn fetch_provider(api: &OnlineClient<PolkadotConfig>, who: &Keypair) -> Result<Provider> {
	Ok(api
		.at_current_block()
		.await?
		.storage()
		.fetch(
			dynamic::storage::<([u8; 32],), Provider>("Providers", "Providers"),
			(who.public_key().0,),
		)
		.await?
		.decode()?)
}

#[tokio::test(flavor = "multi_thread")]
async fn model_and_provider_register_offer_unbond_and_withdraw_on_a_dev_chain() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	let (alice, bob) = (dev::alice(), dev::bob());

	register_model(&api, &alice, MODEL, "smollm2-135m-q4_1").await?;

	let bob_before = free_balance(&api, bob.public_key().0).await?;
	become_provider(&api, &bob, MODEL, 1_000_000).await?;
	submit(&api, &bob, "Providers", "unbond", (100 * FTH,)).await?;

	let provider = fetch_provider(&api, &bob).await?;
	assert_eq!(provider.stake, 400 * FTH);
	assert_eq!(provider.locked, 0);
	assert_eq!(provider.offers, vec![MODEL]);
	assert_eq!(provider.unbonding.len(), 1);
	assert_eq!(provider.unbonding[0].amount, 100 * FTH);
	assert!(provider.unbonding[0].release_at > 7 * 24 * 1200, "a week of 3 s blocks away");

	// The whole 500 FTH is still held (unbonding stake stays at risk); only fees left as free.
	let bob_after = free_balance(&api, bob.public_key().0).await?;
	let spent = bob_before - bob_after;
	assert!(spent > 500 * FTH && spent < 500 * FTH + FTH, "stake held, plus fees: {spent}");

	// Governance (sudo on dev) shortens the period; the week-long chunk keeps its release block.
	submit(
		&api,
		&alice,
		"Sudo",
		"sudo",
		(set_parameter("Providers", "UnbondingPeriod", Value::u128(10)),),
	)
	.await?;
	submit(&api, &bob, "Providers", "unbond", (50 * FTH,)).await?;
	let provider = fetch_provider(&api, &bob).await?;
	let short = &provider.unbonding[1];
	assert_eq!(short.amount, 50 * FTH);
	assert!(short.release_at <= finalized_number(&node.rpc().await?).await? as u32 + 10);

	wait_for_finalized(&node.rpc().await?, short.release_at.into(), Duration::from_secs(60))
		.await?;
	let before_withdraw = free_balance(&api, bob.public_key().0).await?;
	submit(&api, &bob, "Providers", "withdraw_unbonded", ()).await?;
	let provider = fetch_provider(&api, &bob).await?;
	assert_eq!(provider.stake, 350 * FTH);
	assert_eq!(provider.unbonding.len(), 1, "only the week-long chunk is left");
	assert_eq!(provider.unbonding[0].amount, 100 * FTH);
	let gained = free_balance(&api, bob.public_key().0).await? - before_withdraw;
	assert!(
		gained > 50 * FTH - FTH && gained < 50 * FTH,
		"50 FTH released, less the fee: {gained}"
	);
	Ok(())
}
