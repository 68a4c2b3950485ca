//! The `faithful` CLI against a real dev node: it lists what is registered, submits a prompt and
//! follows the job, and refuses bad input with a clear message and without moving funds.

use std::{process::Command, time::Duration};

use anyhow::Result;
use faithful_engine::model_file;
use faithful_primitives::hex;
use faithful_tests::{
	become_provider, free_balance, register_model, wait_for_finalized, Node, NodeSpec,
};
use subxt_signer::sr25519::dev;

const MODEL: [u8; 32] = [7u8; 32];
const PRICE: u128 = 1_000_000;

/// Runs `faithful --url <node> args...`; returns (success, stdout, stderr).
fn faithful(node: &Node, args: &[&str]) -> (bool, String, String) {
	let output = Command::new(env!("CARGO_BIN_EXE_faithful"))
		.env_remove("FAITHFUL_SURI")
		.env_remove("FAITHFUL_KEY_FILE")
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
	assert_eq!(quote["judged"], false, "Bob alone: nobody could judge him");

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
		(
			vec!["prompt", "--model", "smollm2", "--temperature", "0.7", "--top-k", "5000", "hi"],
			"--top-k must be at most 1000",
		),
		(vec!["prompt", "--model", "smollm2", "hi"], "pass --waive-jury to run it unjudged"),
	] {
		let (ok, out, err) = faithful(&node, &args);
		assert!(!ok, "{args:?} succeeded: {out}");
		assert!(err.contains(expected), "{args:?}: {err}");
		assert!(!err.contains("0x"), "no raw bytes in errors: {err}");
	}
	assert_eq!(free_balance(&api, alice.public_key().0).await?, alice_before, "no funds moved");

	let (ok, out, err) = faithful(
		&node,
		&["--json", "prompt", "--model", "smollm2", "--no-wait", "--waive-jury", "hello"],
	);
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

/// Runs `faithful args...` with no node (key commands need none).
fn offline(args: &[&str]) -> (bool, String, String) {
	let output = Command::new(env!("CARGO_BIN_EXE_faithful"))
		.env_remove("FAITHFUL_SURI")
		.env_remove("FAITHFUL_KEY_FILE")
		.args(args)
		.output()
		.expect("faithful runs");
	(
		output.status.success(),
		String::from_utf8_lossy(&output.stdout).into_owned(),
		String::from_utf8_lossy(&output.stderr).into_owned(),
	)
}

#[test]
fn keys_are_generated_into_owner_only_files_and_inspected() -> Result<()> {
	let (ok, out, _) = offline(&["keys", "inspect", "//Alice"]);
	assert!(ok && out.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"), "{out}");

	let dir = tempfile::tempdir()?;
	let file = dir.path().join("provider.key");
	let path = file.to_str().expect("UTF-8 path");
	let (ok, out, err) = offline(&["--json", "keys", "generate", "--out", path]);
	assert!(ok, "{err}");
	let generated: serde_json::Value = serde_json::from_str(&out)?;
	assert!(generated.get("secretPhrase").is_none(), "a phrase written to a file is not printed");
	let phrase = std::fs::read_to_string(&file)?;
	assert_eq!(phrase.split_whitespace().count(), 12, "{phrase}");
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		assert_eq!(std::fs::metadata(&file)?.permissions().mode() & 0o777, 0o600);
	}
	let (ok, out, _) = offline(&["--json", "keys", "inspect", phrase.trim()]);
	assert!(ok);
	let inspected: serde_json::Value = serde_json::from_str(&out)?;
	assert_eq!(inspected["address"], generated["address"], "the file holds the account's secret");

	let (ok, _, err) = offline(&["keys", "generate", "--out", path]);
	assert!(!ok && err.contains("never overwritten"), "{err}");
	let (ok, _, err) = offline(&["keys", "inspect", "not a secret"]);
	assert!(
		!ok && (err.contains("cannot derive a key") || err.contains("not a secret URI")),
		"{err}"
	);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gguf_file_registers_as_a_model_under_its_hash() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;
	let model = faithful_tests::default_model()?;
	let path = model.to_str().expect("UTF-8 path");
	let (ok, out, err) = faithful(&node, &["--json", "models", "register", path]);
	assert!(ok, "{err}");
	let registered: serde_json::Value = serde_json::from_str(&out)?;
	assert_eq!(registered["name"], faithful_tests::DEFAULT_MODEL_NAME);
	let expected = hex::encode(model_file::hash_file(&model, |_, _| {})?.as_bytes());
	assert_eq!(registered["id"], expected.as_str());
	let (ok, out, _) = faithful(&node, &["models"]);
	assert!(
		ok && out.contains(faithful_tests::DEFAULT_MODEL_NAME) && out.contains("llama"),
		"{out}"
	);

	let (ok, _, err) = faithful(&node, &["models", "register", path]);
	assert!(!ok && err.contains("Models."), "a second registration is refused: {err}");
	let (ok, _, err) = faithful(&node, &["models", "register", "/nonexistent.gguf"]);
	assert!(!ok && err.contains("/nonexistent.gguf"), "{err}");
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn holders_change_a_parameter_by_referendum_through_the_cli() -> Result<()> {
	let dir = tempfile::tempdir()?;
	let node = Node::start(NodeSpec::dev(dir.path())).await?;
	wait_for_finalized(&node.rpc().await?, 1, Duration::from_secs(60)).await?;

	let (ok, out, err) = faithful(&node, &["params"]);
	assert!(ok, "{err}");
	assert!(out.contains("ChallengeWindow") && out.contains("200 blocks"), "{out}");
	let (ok, _, err) = faithful(&node, &["params", "propose", "ChallengeWindow", "1"]);
	assert!(!ok && err.contains("must be between 10 blocks"), "{err}");

	let (ok, out, err) = faithful(&node, &["params", "propose", "ChallengeWindow", "25"]);
	assert!(ok && out.contains("referendum 0"), "{out}{err}");
	for voter in ["//Alice", "//Bob", "//Charlie"] {
		let (ok, out, err) =
			faithful(&node, &["--suri", voter, "vote", "0", "aye", "--amount", "500000"]);
		assert!(ok && out.contains("voted aye"), "{out}{err}");
	}
	let (ok, out, _) = faithful(&node, &["referenda"]);
	assert!(ok && out.starts_with("0: "), "{out}");

	faithful_tests::wait_for("the change to be enacted", Duration::from_secs(180), || async {
		let (_, out, _) = faithful(&node, &["--json", "params"]);
		let rows: serde_json::Value = serde_json::from_str(&out)?;
		let window = rows
			.as_array()
			.and_then(|rows| rows.iter().find(|r| r["name"] == "ChallengeWindow"))
			.map(|r| r["value"].clone());
		Ok((window == Some("25 blocks".into())).then_some(()))
	})
	.await?;
	let (ok, out, _) = faithful(&node, &["referenda"]);
	assert!(ok && out.contains("0: approved"), "{out}");
	Ok(())
}
