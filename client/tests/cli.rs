//! The `faithful` CLI against a real dev node: it lists what is registered, submits a prompt and
//! follows the job, and refuses bad input with a clear message and without moving funds.

use std::{process::Command, time::Duration};

use anyhow::Result;
use faithful_tests::{
	become_provider, free_balance, register_model, wait_for_finalized, Node, NodeSpec,
};
use subxt_signer::sr25519::dev;

const MODEL: [u8; 32] = [7u8; 32];
const PRICE: u128 = 1_000_000;

/// Runs `faithful --url <node> args...`; returns (success, stdout, stderr).
fn faithful(node: &Node, args: &[&str]) -> (bool, String, String) {
	let output = Command::new(env!("CARGO_BIN_EXE_faithful"))
		.arg("--url")
		.arg(node.ws_url())
		.args(args)
		.output()
		.expect("the faithful binary runs");
	(
		output.status.success(),
		String::from_utf8_lossy(&output.stdout).into_owned(),
		String::from_utf8_lossy(&output.stderr).into_owned(),
	)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_lists_submits_follows_and_refuses_bad_input() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let api = node.client().await?;
	let (alice, bob) = (dev::alice(), dev::bob());
	register_model(&api, &alice, MODEL, "smollm2").await?;
	become_provider(&api, &bob, MODEL, PRICE).await?;

	let (ok, out, _) = faithful(&node, &["models"]);
	assert!(ok && out.contains("smollm2") && out.contains("active"), "{out}");
	let (ok, out, _) = faithful(&node, &["offers", "smollm2"]);
	assert!(ok && out.contains("0.000001 FTH per token"), "{out}");
	let (ok, out, _) = faithful(&node, &["--json", "quote", "smollm2", "--max-tokens", "16"]);
	assert!(ok, "{out}");
	let quote: serde_json::Value = serde_json::from_str(&out)?;
	assert_eq!(quote["providers"], 1);

	let alice_before = free_balance(&api, alice.public_key().0).await?;
	for (args, expected) in [
		(vec!["prompt", "--model", "llama-70b", "hi"], "no model is registered as `llama-70b`"),
		(vec!["prompt", "--model", "smollm2", "  "], "the prompt is empty"),
		(
			vec!["prompt", "--model", "smollm2", "--max-price", "0.0000001", "hi"],
			"too low: the cheapest offer for smollm2 is 0.000001 FTH",
		),
		(vec!["--suri", "//Nobody", "prompt", "--model", "smollm2", "hi"], "insufficient funds"),
		(vec!["prompt", "--model", "smollm2", "--temperature", "9", "hi"], "--temperature"),
	] {
		let (ok, out, err) = faithful(&node, &args);
		assert!(!ok, "{args:?} succeeded: {out}");
		assert!(err.contains(expected), "{args:?}: {err}");
		assert!(!err.contains("0x"), "no raw bytes in errors: {err}");
	}
	assert_eq!(free_balance(&api, alice.public_key().0).await?, alice_before, "no funds moved");

	let (ok, out, err) =
		faithful(&node, &["--json", "prompt", "--model", "smollm2", "--no-wait", "hello"]);
	assert!(ok, "{err}");
	let submitted: serde_json::Value = serde_json::from_str(&out)?;
	let job = submitted["job"].as_u64().expect("a job id");
	let (ok, out, _) = faithful(&node, &["job", &job.to_string()]);
	assert!(ok && out.contains("assigned to") && out.contains("prompt: hello"), "{out}");
	let (ok, out, _) = faithful(&node, &["jobs"]);
	assert!(ok && out.trim() == job.to_string(), "{out}");
	let (ok, _, err) = faithful(&node, &["challenge", &job.to_string()]);
	assert!(!ok && err.contains("Jobs.NotChallengeable"), "{err}");
	Ok(())
}
