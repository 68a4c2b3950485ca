//! A `--dev` node seals and finalizes blocks on its own, randomness works, and signed transfers
//! land with their fee paid to the treasury.

use std::time::Duration;

use anyhow::Result;
use faithful_primitives::currency::FTH;
use faithful_tests::{free_balance, transfer, wait_for_finalized, Node, NodeSpec};
use subxt::dynamic;
use subxt_signer::sr25519::dev;

/// `modlpy/trsry` padded with zeros: the treasury account (`PalletId(*b"py/trsry")`).
const TREASURY: [u8; 32] = *b"modlpy/trsry\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_blocks_and_a_signed_transfer_lands_in_both_balances() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	let rpc = node.rpc().await?;
	wait_for_finalized(&rpc, 5, Duration::from_secs(60)).await?;

	let api = node.client().await?;
	let (alice, bob) = (dev::alice(), dev::bob());
	let alice_before = free_balance(&api, alice.public_key().0).await?;
	let bob_before = free_balance(&api, bob.public_key().0).await?;
	let treasury_before = free_balance(&api, TREASURY).await?;

	transfer(&api, &alice, bob.public_key().0, 3 * FTH).await?;

	let alice_after = free_balance(&api, alice.public_key().0).await?;
	let bob_after = free_balance(&api, bob.public_key().0).await?;
	let treasury_after = free_balance(&api, TREASURY).await?;
	assert_eq!(bob_after - bob_before, 3 * FTH, "Bob receives exactly the amount");
	let fee = treasury_after - treasury_before;
	assert!(fee > 0, "the transfer paid a fee");
	assert_eq!(alice_before - alice_after, 3 * FTH + fee, "Alice pays the amount plus the fee");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_blocks_carry_fresh_babe_randomness() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	let rpc = node.rpc().await?;
	let api = node.client().await?;
	let randomness = || dynamic::storage::<(), Option<[u8; 32]>>("Babe", "AuthorVrfRandomness");

	let first_height = wait_for_finalized(&rpc, 2, Duration::from_secs(60)).await?;
	let first = api.at_current_block().await?.storage().fetch(randomness(), ()).await?.decode()?;
	wait_for_finalized(&rpc, first_height + 1, Duration::from_secs(60)).await?;
	let second = api.at_current_block().await?.storage().fetch(randomness(), ()).await?.decode()?;

	let (first, second) =
		(first.expect("block has a VRF output"), second.expect("block has a VRF output"));
	assert_ne!(first, second, "every block brings new VRF randomness");
	Ok(())
}
