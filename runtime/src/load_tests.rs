//! What load on the market's queues costs whoever creates it, against what it costs the chain:
//! the figures `docs/architecture.md` quotes (`cargo test -p faithful-runtime load -- --nocapture`
//! prints them).

use super::*;
use codec::Encode;
use faithful_primitives::jobs::{FinishReason, Sampling};
use pallet_jobs::WeightInfo as _;
use polkadot_sdk::{
	frame_support::{
		dispatch::{GetDispatchInfo, PostDispatchInfo},
		weights::WeightToFee as _,
	},
	sp_io::TestExternalities,
};

type JobsWeights = pallet_jobs::weights::SubstrateWeight<Runtime>;

/// Bytes a signed transaction adds to its call: address, signature and extensions.
const SIGNED_OVERHEAD: u32 = 110;

/// The fee of `call` signed, when it uses `actual` weight (all it was charged for when `None`).
fn fee(call: RuntimeCall, actual: Option<Weight>) -> Balance {
	let info = call.get_dispatch_info();
	let len = call.encode().len() as u32 + SIGNED_OVERHEAD;
	let post = PostDispatchInfo { actual_weight: actual, pays_fee: info.pays_fee };
	TestExternalities::default().execute_with(|| {
		pallet_transaction_payment::Pallet::<Runtime>::compute_actual_fee(len, &info, &post, 0)
	})
}

/// A self-served spam job: one byte of prompt, one token at one planck.
fn spam_job_fees() -> (Balance, Balance) {
	let submit = RuntimeCall::Jobs(pallet_jobs::Call::submit {
		model: Default::default(),
		prompt: b"x".to_vec(),
		sampling: Sampling::Greedy,
		max_tokens: 1,
		max_price_per_token: 1,
		judging: faithful_primitives::jobs::Judging::Required,
	});
	let result = RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
		job: 0,
		output_text: b"x".to_vec(),
		output_tokens: vec![0],
		finish: FinishReason::Length,
		commitment: Default::default(),
	});
	// Unaudited: refunded to the result's own weight.
	(fee(submit, None), fee(result, Some(JobsWeights::submit_result(1, 1))))
}

/// The per-block work of settling one more job, priced like a transaction.
fn settlement_fee_per_job() -> Balance {
	let db = <Runtime as frame_system::Config>::DbWeight::get();
	let one_more = JobsWeights::on_initialize(1, 1)
		.saturating_sub(JobsWeights::on_initialize(1, 0))
		.saturating_add(db.reads_writes(1, 1));
	<Runtime as pallet_transaction_payment::Config>::WeightToFee::weight_to_fee(&one_more)
}

#[test]
fn the_fees_of_a_job_pay_for_the_queue_work_it_causes() {
	let (submit, result) = spam_job_fees();
	// Each job is processed twice on its cheapest path: when its window ends and when its record
	// expires.
	let caused = 2 * settlement_fee_per_job();
	println!(
		"spam job: submit {submit} + result {result} planck in fees; its queue work {caused} planck; \
		 delaying one block's settlements (64 jobs) costs {} planck",
		64 * (submit + result)
	);
	assert!(submit + result >= caused, "the chain would subsidise the load");
}

#[test]
fn the_heaviest_settlement_block_leaves_transactions_their_share() {
	let db = <Runtime as frame_system::Config>::DbWeight::get();
	type Jobs = pallet_jobs::Pallet<Runtime>;
	// A block settles jobs until `SettlementWeight`, but always one: the heaviest one alone is a
	// last round of every juror a model can have, concluded with a slash.
	let heaviest_job = TestExternalities::default().execute_with(|| {
		JobsWeights::on_initialize(2, 1)
			.saturating_add(db.reads_writes(3, 3))
			.saturating_add(Jobs::max_resolve_weight().max(Jobs::draw_weight(1)))
	});
	let budget = <Runtime as pallet_jobs::Config>::SettlementWeight::get();
	let worst = budget.max(heaviest_job);
	let block = RuntimeBlockWeights::get();
	let normal = block.get(DispatchClass::Normal).max_total.expect("a normal limit");
	let ms = |weight: Weight| weight.ref_time() as f64 / 1e9;
	println!(
		"settlement budget {:.1} ms, heaviest single job {:.1} ms, of a {:.1} ms block",
		ms(budget),
		ms(heaviest_job),
		ms(block.max_block)
	);
	assert!(worst.ref_time() + normal.ref_time() <= block.max_block.ref_time());
}
