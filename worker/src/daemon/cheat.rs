//! Testing only: a liar that times its answers on public chain state.
//!
//! The chain once drew a result's audit in the result's own block from
//! `pallet_babe::ParentBlockRandomness`, i.e. from `Babe.AuthorVrfRandomness` as anyone reads it
//! at the best block before signing. This liar predicts the draw from that value as that source
//! turned it into randomness, and holds its answer back a block while the prediction says
//! "audited": the strategy that audited 0 of 30 lies then. The end-to-end test
//! `worker_audit_timing` shows its lies are audited at the configured rate now.

use faithful_primitives::jobs::{draw, draw_below, draw_subject, DrawPurpose, JobId};
use polkadot_sdk::{
	sp_core::H256,
	sp_runtime::{
		traits::{BlakeTwo256, Hash},
		Perbill,
	},
};

/// Whether the audit of `job`'s result would be drawn, were it drawn from `author_vrf` the way
/// `ParentBlockRandomness` does: BLAKE2b-256 of the subject followed by the VRF output.
pub fn predicted_audit(author_vrf: [u8; 32], job: JobId, attempt: u32, rate: Perbill) -> bool {
	let subject = draw_subject(DrawPurpose::Audit, job, attempt);
	let randomness: H256 = BlakeTwo256::hash(&[subject.as_slice(), &author_vrf].concat());
	draw_below(&draw(randomness, &subject), rate)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_prediction_follows_the_vrf_output_and_the_rate() {
		let rate = Perbill::from_percent(50);
		let audited = (0..200u8).filter(|b| predicted_audit([*b; 32], 7, 1, rate)).count();
		assert!((60..=140).contains(&audited), "{audited} of 200 at 50 %");
		assert!(!predicted_audit([1; 32], 7, 1, Perbill::zero()));
		assert!(predicted_audit([1; 32], 7, 1, Perbill::one()));
	}
}
