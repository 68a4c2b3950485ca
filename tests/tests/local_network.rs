//! The `local` network: four validators on loopback run BABE + GRANDPA, and keep finalizing when
//! one of them dies (GRANDPA needs more than two thirds of the votes: three of four).

use std::time::Duration;

use anyhow::Result;
use faithful_tests::{finalized_number, wait_for, wait_for_finalized, Node, NodeSpec};

#[tokio::test(flavor = "multi_thread")]
async fn local_validators_finalize_and_survive_losing_one() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let alice = Node::start(NodeSpec::local_validator("alice", &dir.path().join("alice"))).await?;
	let mut nodes = vec![alice];
	for name in ["bob", "charlie", "dave"] {
		let mut spec = NodeSpec::local_validator(name, &dir.path().join(name));
		spec.bootnodes.push(nodes[0].multiaddr());
		nodes.push(Node::start(spec).await?);
	}

	let mut rpcs = Vec::new();
	for node in &nodes {
		rpcs.push(node.rpc().await?);
	}
	for (node, rpc) in nodes.iter().zip(&rpcs) {
		wait_for_finalized(rpc, 3, Duration::from_secs(240))
			.await
			.map_err(|e| e.context(format!("log of the node:\n{}", node.log_tail(30))))?;
	}

	// Charlie dies; Alice, Bob and Dave hold three of four votes and go on finalizing.
	nodes[2].kill();
	let survivors = [&rpcs[0], &rpcs[1], &rpcs[3]];
	let before = finalized_number(survivors[0]).await?;
	for rpc in survivors {
		wait_for_finalized(rpc, before + 3, Duration::from_secs(180)).await?;
	}
	let peers = wait_for("the survivors to see each other", Duration::from_secs(30), || async {
		let health = rpcs[0].system_health().await?;
		Ok((health.peers == 2).then_some(health.peers))
	})
	.await?;
	assert_eq!(peers, 2);
	Ok(())
}
