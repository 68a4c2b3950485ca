//! A dev node stopped and started again on the same base path keeps its chain and balances.

use std::time::Duration;

use anyhow::Result;
use faithful_primitives::currency::FTH;
use faithful_tests::{
	finalized_number, free_balance, transfer, wait_for_finalized, Node, NodeSpec,
};
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_restarted_on_its_base_path_keeps_chain_and_balances() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let bob = dev::bob().public_key().0;

	let mut node = Node::start(NodeSpec::dev(dir.path())).await?;
	let rpc = node.rpc().await?;
	wait_for_finalized(&rpc, 2, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	let bob_before = free_balance(&api, bob).await?;
	transfer(&api, &dev::alice(), bob, 7 * FTH).await?;
	let bob_paid = free_balance(&api, bob).await?;
	assert_eq!(bob_paid, bob_before + 7 * FTH);
	let height = finalized_number(&rpc).await?;
	let genesis = rpc.genesis_hash().await?;
	drop((api, rpc));
	node.stop()?;
	drop(node);

	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	let rpc = node.rpc().await?;
	assert_eq!(rpc.genesis_hash().await?, genesis, "same chain after restart");
	assert!(finalized_number(&rpc).await? >= height, "no finalized block was lost");
	let api = node.client().await?;
	assert_eq!(free_balance(&api, bob).await?, bob_paid, "the transfer survived the restart");
	wait_for_finalized(&rpc, height + 3, Duration::from_secs(60)).await?;
	Ok(())
}
