//! The market's randomness: the VRF output of the block being built.
//!
//! BABE's `ParentBlockRandomness` is the VRF output of the block before, which every signer has
//! read before it signs: a user could submit only when routing would pick its friend. The block
//! being built carries its author's VRF pre-output in its pre-runtime digest. Nobody but that
//! author can compute it before the block is published (it needs the author's secret key), and
//! it is unique for the author and the slot (a block with any other fails import), so re-signing
//! cannot re-roll it. The author does know it in advance, for its slots of this epoch and the
//! next, so it can choose what to include; draws made at submission are keyed by the owner and
//! its nonce, not the job id, so reordering or inserting submissions re-rolls nobody else's
//! draw. That inclusion bias, and what it is worth, is in `docs/architecture.md`. BABE itself
//! turns the pre-output into randomness only in `on_finalize`, too late for the block's own
//! calls, so this reads it from the digest, which BABE has stored by `on_initialize`.

use super::*;
use codec::Encode;
use polkadot_sdk::{frame_support::traits::Randomness, sp_runtime::traits::Hash as _};

/// Chain randomness for routing, seeds, audits and juries (see the module doc). `None` only where
/// the block has no VRF output (genesis, benchmarks, or plain secondary slots, which the runtime's
/// BABE configuration does not allow): the jobs pallet then uses the parent hash.
pub struct BlockVrfRandomness;

impl Randomness<Option<Hash>, BlockNumber> for BlockVrfRandomness {
	fn random(subject: &[u8]) -> (Option<Hash>, BlockNumber) {
		let pre_output = pallet_babe::Pallet::<Runtime>::initialized()
			.flatten()
			.and_then(|digest| digest.vrf_signature().map(|vrf| vrf.pre_output.encode()));
		let random = pre_output.map(|pre_output| BlakeTwo256::hash_of(&(subject, pre_output)));
		(random, frame_system::Pallet::<Runtime>::block_number())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::{
		sp_consensus_babe::digests::{PreDigest, SecondaryVRFPreDigest},
		sp_core::{crypto::VrfSecret, sr25519, Pair},
		sp_io::TestExternalities,
	};

	/// The pre-digest `author` puts in block `slot` built on the same parent state.
	fn pre_digest(author: &sr25519::Pair, slot: u64) -> PreDigest {
		let sign_data = sp_consensus_babe::make_vrf_sign_data(&[7; 32], slot.into(), 0);
		PreDigest::SecondaryVRF(SecondaryVRFPreDigest {
			authority_index: 0,
			slot: slot.into(),
			vrf_signature: author.vrf_sign(&sign_data),
		})
	}

	/// What a draw in a block built on `state` by `block` gives, and what `ParentBlockRandomness`
	/// (the source before) gives there.
	fn draws(block: Option<PreDigest>) -> (Option<Hash>, Option<Hash>) {
		let mut state = TestExternalities::default();
		state.execute_with(|| {
			frame_system::Pallet::<Runtime>::set_block_number(5);
			pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([3; 32]));
			if let Some(digest) = block {
				pallet_babe::Initialized::<Runtime>::put(Some(digest));
			}
			(
				BlockVrfRandomness::random(b"faithful/route").0,
				pallet_babe::ParentBlockRandomness::<Runtime>::random(b"faithful/route").0,
			)
		})
	}

	/// Everything a signer can read before block `n` is the state after `n − 1`. Two blocks
	/// built on that same state by different authors, or in different slots, draw differently:
	/// the draw depends on something the signer could not read. The parent's randomness gave
	/// the same draw whoever built the block, so a signer could compute it in advance.
	#[test]
	fn a_signer_cannot_compute_the_draw_of_the_block_that_will_include_it() {
		let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
		let bob = sr25519::Pair::from_string("//Bob", None).unwrap();
		let (by_alice, parent_alice) = draws(Some(pre_digest(&alice, 10)));
		let (by_bob, parent_bob) = draws(Some(pre_digest(&bob, 10)));
		let (next_slot, _) = draws(Some(pre_digest(&alice, 11)));
		assert!(by_alice.is_some());
		assert_ne!(by_alice, by_bob, "the author's VRF decides");
		assert_ne!(by_alice, next_slot, "and the slot's");
		assert_eq!(parent_alice, parent_bob, "the parent's randomness was known to all");
	}

	/// A VRF pre-output is unique for its author and slot, so an author that re-signs its block
	/// cannot re-roll the draw.
	#[test]
	fn an_author_cannot_grind_its_blocks_draw() {
		let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
		assert_eq!(draws(Some(pre_digest(&alice, 10))).0, draws(Some(pre_digest(&alice, 10))).0);
	}

	#[test]
	fn a_block_without_a_vrf_output_draws_nothing() {
		assert_eq!(draws(None).0, None);
	}
}
