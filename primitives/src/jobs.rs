//! Jobs: what a user asks for, how it is sampled, and each state a job passes through.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	sp_core::{Get, H256},
	sp_runtime::{BoundedVec, Perbill, Permill},
};
use scale_info::TypeInfo;

use crate::models::ModelId;

/// A job's number, given out in submission order from 0.
pub type JobId = u64;

/// A token id in the model's vocabulary.
pub type TokenId = u32;

/// What the provider commits to with its result: [`result_commitment`] over everything a verifier
/// replays. The chain keeps it after pruning the output, so a result stays attributable.
pub type Commitment = H256;

/// Most providers a job is offered to before it is refunded.
pub type MaxJobAttempts = polkadot_sdk::sp_core::ConstU32<3>;

/// Longest output text of a job, in bytes.
pub type MaxOutputBytes = polkadot_sdk::sp_core::ConstU32<16_384>;

/// Most output tokens a job may ask for.
pub type MaxOutputTokens = polkadot_sdk::sp_core::ConstU32<4_096>;

/// The most tokens any chat template the worker knows adds around a user's prompt, with room to
/// spare (the worker's tests check every template against it).
pub const CHAT_TEMPLATE_TOKENS: u32 = 32;

/// Whether a job's prompt of `prompt_bytes` (UTF-8) and up to `max_tokens` output tokens fit a
/// model attending to `context_length` positions, whatever its tokenizer:
///
/// ```text
/// prompt_bytes + CHAT_TEMPLATE_TOKENS + max_tokens ≤ context_length
/// ```
///
/// Every token of the tokenizers the worker runs covers at least one byte of UTF-8 text
/// (byte-level BPE, and SentencePiece with byte fallback, where a space prefix adds at most one
/// token per encoded piece, counted in the template's share), so the prompt's bytes bound its
/// tokens. The chain admits only such jobs: no honest provider is asked for one it cannot run.
pub fn fits_context(prompt_bytes: u32, max_tokens: u32, context_length: u32) -> bool {
	prompt_bytes
		.checked_add(CHAT_TEMPLATE_TOKENS)
		.and_then(|n| n.checked_add(max_tokens))
		.is_some_and(|needed| needed <= context_length)
}

/// The text a result carries on chain: the answer's text, cut to its longest prefix of at most
/// `MaxOutputBytes` bytes that ends on a character boundary. A token may decode to many bytes, so
/// the full text of `max_tokens` tokens can exceed the bound; the tokens are the canonical output
/// and verifiers check the text against this function of them.
pub fn on_chain_text(text: &str) -> &str {
	let limit = <MaxOutputBytes as Get<u32>>::get() as usize;
	if text.len() <= limit {
		return text;
	}
	let mut end = limit;
	while !text.is_char_boundary(end) {
		end -= 1;
	}
	&text[..end]
}

/// The hottest a sampled job may run, in thousandths (2.0).
pub const MAX_TEMPERATURE_MILLI: u32 = 2_000;

/// The largest `top_k` a sampled job may ask for; larger values behave like "no limit".
pub const MAX_TOP_K: u32 = 1_000;

/// Whether a user's job needs a jury able to judge it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub enum Judging {
	/// Only where a first round of `CommitteeSeats` jurors, none of them the provider or the
	/// user, could be drawn now; otherwise `submit` fails with `NoJury` and holds nothing.
	#[default]
	Required,
	/// Runs even where too few jurors exist, so a lie may go unjudged and be paid: for a model's
	/// first provider on a new chain, knowingly.
	Waived,
}

/// How the provider picks each output token.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum Sampling {
	/// Always the most likely token: the output is fully determined by model and prompt.
	Greedy,
	/// A random token from the tempered, truncated distribution, drawn by the counter-based
	/// sampler keyed by the job's seed and the token's position.
	Sampled {
		/// Temperature in thousandths, 1 ..= `MAX_TEMPERATURE_MILLI`.
		temperature_milli: u32,
		/// Keep only the `top_k` most likely tokens; 0 keeps all. At most `MAX_TOP_K`.
		top_k: u32,
		/// Keep the smallest set of tokens whose probability reaches `top_p`; must be positive.
		top_p: Permill,
	},
}

impl Sampling {
	/// Whether the parameters are in range.
	pub fn is_valid(&self) -> bool {
		match *self {
			Sampling::Greedy => true,
			Sampling::Sampled { temperature_milli, top_k, top_p } => {
				(1..=MAX_TEMPERATURE_MILLI).contains(&temperature_milli)
					&& top_k <= MAX_TOP_K
					&& !top_p.is_zero()
			}
		}
	}
}

/// Why generation stopped.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum FinishReason {
	/// The model produced its end token: the last output token, counted and paid like any other.
	Eos,
	/// The output reached `max_tokens`.
	Length,
}

/// Where a job stands, with exactly the data of each state.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum JobStatus<AccountId, Balance, BlockNumber> {
	/// A provider must deliver a result by `deadline`.
	Assigned {
		/// The provider chosen by routing.
		provider: AccountId,
		/// Its offer's price when the job was assigned; what each output token earns.
		price_per_token: Balance,
		/// Part of the provider's stake backing this job.
		collateral: Balance,
		/// Last block at which the result is accepted.
		deadline: BlockNumber,
	},
	/// A result is on chain and may be challenged until `challenge_until`.
	Proposed {
		/// The provider that delivered it.
		provider: AccountId,
		/// Its price per output token.
		price_per_token: Balance,
		/// Part of the provider's stake backing this job.
		collateral: Balance,
		/// Output tokens delivered (with `Eos`, the end token is the last of them).
		n_tokens: u32,
		/// Why generation stopped.
		finish: FinishReason,
		/// The provider's commitment to its result.
		commitment: Commitment,
		/// Last block at which the result can be disputed; settlement follows.
		challenge_until: BlockNumber,
	},
	/// The result is contested; settlement waits for the dispute's verdict.
	Disputed {
		/// The provider whose result is contested.
		provider: AccountId,
		/// Its price per output token.
		price_per_token: Balance,
		/// Part of the provider's stake backing this job.
		collateral: Balance,
		/// Output tokens delivered.
		n_tokens: u32,
		/// Why generation stopped.
		finish: FinishReason,
		/// The provider's commitment to its result.
		commitment: Commitment,
		/// When the dispute opened.
		since: BlockNumber,
	},
	/// Settled: the provider was paid, the rest refunded. Terminal.
	Finalized {
		/// The provider that was paid.
		provider: AccountId,
		/// Output tokens paid for.
		n_tokens: u32,
		/// Why generation stopped.
		finish: FinishReason,
		/// The provider's commitment to its result.
		commitment: Commitment,
		/// Paid to the provider, after the protocol fee.
		paid: Balance,
		/// Returned to the user.
		refunded: Balance,
		/// Block of settlement.
		at: BlockNumber,
	},
	/// A committee found the result wrong: the provider's collateral was slashed and the user
	/// refunded in full. Terminal.
	Slashed {
		/// The provider that lied.
		provider: AccountId,
		/// Collateral taken from it.
		slashed: Balance,
		/// Returned to the user: the whole escrow.
		refunded: Balance,
		/// Block of the verdict.
		at: BlockNumber,
	},
	/// No provider delivered within the allowed attempts; the whole escrow was returned. Terminal.
	Refunded {
		/// Returned to the user: the whole escrow.
		refunded: Balance,
		/// Block of the refund.
		at: BlockNumber,
	},
}

impl<AccountId, Balance, BlockNumber> JobStatus<AccountId, Balance, BlockNumber> {
	/// Whether the job is over and holds no money.
	pub fn is_terminal(&self) -> bool {
		matches!(
			self,
			JobStatus::Finalized { .. } | JobStatus::Slashed { .. } | JobStatus::Refunded { .. }
		)
	}

	/// When the job ended, if it has.
	pub fn ended_at(&self) -> Option<&BlockNumber> {
		match self {
			JobStatus::Finalized { at, .. }
			| JobStatus::Slashed { at, .. }
			| JobStatus::Refunded { at, .. } => Some(at),
			JobStatus::Assigned { .. }
			| JobStatus::Proposed { .. }
			| JobStatus::Disputed { .. } => None,
		}
	}

	/// The provider currently responsible for the job, if any.
	pub fn provider(&self) -> Option<&AccountId> {
		match self {
			JobStatus::Assigned { provider, .. }
			| JobStatus::Proposed { provider, .. }
			| JobStatus::Disputed { provider, .. }
			| JobStatus::Finalized { provider, .. }
			| JobStatus::Slashed { provider, .. } => Some(provider),
			JobStatus::Refunded { .. } => None,
		}
	}
}

/// A committee member's judgement of a disputed result.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum Verdict {
	/// Re-execution explains the output: the provider was honest.
	Valid,
	/// Re-execution does not explain the output.
	Invalid,
}

/// What the chain draws for: each purpose is a separate stream of randomness.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DrawPurpose {
	/// Which provider gets the job (`attempt`: providers tried before).
	Route,
	/// The sampler's seed.
	Seed,
	/// Whether the chain audits a result (`attempt`: providers assigned so far).
	Audit,
	/// A first-round jury's seats (`attempt`: the seat).
	Committee,
}

impl DrawPurpose {
	fn tag(self) -> &'static [u8] {
		match self {
			Self::Route => b"faithful/route",
			Self::Seed => b"faithful/seed",
			Self::Audit => b"faithful/audit",
			Self::Committee => b"faithful/committee",
		}
	}
}

/// The subject a draw asks the chain's randomness for: `(purpose, job, attempt)` SCALE-encoded.
pub fn draw_subject(purpose: DrawPurpose, job: JobId, attempt: u32) -> alloc::vec::Vec<u8> {
	(purpose.tag(), job, attempt).encode()
}

/// The subject of a draw made while a job is submitted: `(purpose, owner, n)` SCALE-encoded, `n`
/// being how many jobs the owner submitted before. Unlike the job id, which follows the order of
/// the block's submissions, nothing in it is the block author's to change.
pub fn submission_subject<AccountId: Encode>(
	purpose: DrawPurpose,
	owner: &AccountId,
	submitted_before: u64,
) -> alloc::vec::Vec<u8> {
	(purpose.tag(), owner, submitted_before).encode()
}

/// A draw's 32 bytes: BLAKE2b-256 of `(randomness, subject)` SCALE-encoded, `randomness` being
/// the chain's answer for the subject.
pub fn draw<Randomness: Encode>(randomness: Randomness, subject: &[u8]) -> [u8; 32] {
	use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&(randomness, subject).encode()).0
}

/// Whether a draw falls below `rate`: its first four bytes as a little-endian `u32`, modulo 10⁹,
/// against the rate's parts per billion.
pub fn draw_below(draw: &[u8; 32], rate: Perbill) -> bool {
	let value = u32::from_le_bytes([draw[0], draw[1], draw[2], draw[3]]);
	value % 1_000_000_000 < rate.deconstruct()
}

/// What a committee member commits to before revealing: BLAKE2b-256 of
/// `("faithful/vote", job, voter, verdict, salt)` SCALE-encoded. Binding the voter stops members
/// from copying each other's commitments; the salt stops anyone guessing a verdict from its hash.
pub fn vote_commitment<AccountId: Encode>(
	job: JobId,
	voter: &AccountId,
	verdict: Verdict,
	salt: &[u8; 32],
) -> H256 {
	use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&(b"faithful/vote", job, voter, verdict, salt).encode())
}

/// The commitment an honest provider posts with its result: BLAKE2b-256 of
/// `("faithful/result", model, prompt tokens, sampling, seed, output tokens)` SCALE-encoded, the
/// prompt tokens being the chat-formatted prompt the model was run on. A verifier recomputes it
/// from its own replay, so a result whose commitment does not match is wrong whatever its tokens.
pub fn result_commitment(
	model: &ModelId,
	prompt_tokens: &[TokenId],
	sampling: &Sampling,
	seed: u64,
	output_tokens: &[TokenId],
) -> Commitment {
	use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(
		&(b"faithful/result", model, prompt_tokens, sampling, seed, output_tokens).encode(),
	)
}

/// The economic terms a job runs under, fixed when it is submitted: a referendum changes the
/// terms of later jobs, never those of jobs already running.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct JobTerms {
	/// The treasury's share of what the provider earns.
	pub protocol_fee: Perbill,
	/// Share of the job's collateral slashed when its provider misses the deadline.
	pub timeout_slash: Perbill,
	/// Chance that the chain audits the job's result by itself.
	pub audit_rate: Perbill,
	/// Share of a lying provider's collateral paid to its challenger.
	pub challenger_reward: Perbill,
	/// Share of a lying provider's collateral shared by the majority voters.
	pub voter_reward: Perbill,
	/// Share of a wrong challenger's bond shared by the majority voters.
	pub bond_to_voters: Perbill,
}

/// A job's lasting record. Prompt and output live apart and are pruned at settlement; this stays.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxAttempts))]
pub struct Job<AccountId, Balance, BlockNumber, MaxAttempts: Get<u32>> {
	/// Who submitted and pays.
	pub owner: AccountId,
	/// The model asked for.
	pub model: ModelId,
	/// How tokens are picked.
	pub sampling: Sampling,
	/// The sampler's seed, drawn from chain randomness at submission (never chosen by a party).
	pub seed: u64,
	/// Most output tokens the user pays for.
	pub max_tokens: u32,
	/// Highest price per token the user accepts.
	pub max_price_per_token: Balance,
	/// Held from the owner: `max_tokens × max_price_per_token + verification_fee`.
	pub escrow: Balance,
	/// Part of `escrow` that pays for verification.
	pub verification_fee: Balance,
	/// The fees, slashes and rewards the job settles by, as they stood at submission.
	pub terms: JobTerms,
	/// Block of submission.
	pub submitted_at: BlockNumber,
	/// Providers assigned so far, in order; the last one holds the job unless it is refunded.
	pub attempts: BoundedVec<AccountId, MaxAttempts>,
	/// Where the job stands.
	pub status: JobStatus<AccountId, Balance, BlockNumber>,
}

/// A delivered result, kept until settlement.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxOutputBytes, MaxOutputTokens))]
pub struct JobOutput<MaxOutputBytes: Get<u32>, MaxOutputTokens: Get<u32>> {
	/// The detokenized output users read.
	pub text: BoundedVec<u8, MaxOutputBytes>,
	/// The output token ids: what verifiers check.
	pub tokens: BoundedVec<TokenId, MaxOutputTokens>,
}

/// The price of a job before submission, as the runtime API quotes it.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Quote<Balance> {
	/// Providers that could take a job of this size now.
	pub providers: u32,
	/// The lowest offer price among them.
	pub min_price_per_token: Balance,
	/// The highest offer price among them: a cap at this price reaches every one.
	pub max_price_per_token: Balance,
	/// What `submit` holds at that cap: `max_tokens × max_price_per_token + verification fee`.
	pub escrow: Balance,
	/// Whether a first-round jury could be drawn beside whichever of them routing picks, so a
	/// job with `Judging::Required` is accepted (unless the user itself is one of few jurors).
	pub judged: bool,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_job_fits_when_prompt_bytes_template_and_output_fit_the_context() {
		assert!(fits_context(100, 60, 100 + CHAT_TEMPLATE_TOKENS + 60));
		assert!(!fits_context(101, 60, 100 + CHAT_TEMPLATE_TOKENS + 60));
		assert!(!fits_context(100, 61, 100 + CHAT_TEMPLATE_TOKENS + 60));
		assert!(!fits_context(u32::MAX, 1, u32::MAX), "overflow never fits");
	}

	#[test]
	fn on_chain_text_is_cut_on_a_character_boundary_at_the_output_bound() {
		let limit = <MaxOutputBytes as Get<u32>>::get() as usize;
		let short = "Paris";
		assert_eq!(on_chain_text(short), short);
		let exact = "a".repeat(limit);
		assert_eq!(on_chain_text(&exact), exact);
		// A three-byte character straddling the bound is left out whole.
		let straddling = format!("{}€", "a".repeat(limit - 1));
		assert_eq!(on_chain_text(&straddling), "a".repeat(limit - 1));
		let long = "é".repeat(limit);
		let cut = on_chain_text(&long);
		assert_eq!(cut.len(), limit);
		assert!(long.starts_with(cut));
	}

	#[test]
	fn greedy_is_always_valid() {
		assert!(Sampling::Greedy.is_valid());
	}

	#[test]
	fn sampled_parameters_out_of_range_are_invalid() {
		let ok = |temperature_milli, top_k, top_p| {
			Sampling::Sampled { temperature_milli, top_k, top_p: Permill::from_percent(top_p) }
				.is_valid()
		};
		assert!(ok(700, 40, 95));
		assert!(ok(MAX_TEMPERATURE_MILLI, MAX_TOP_K, 100));
		assert!(!ok(0, 40, 95), "zero temperature is greedy, not sampled");
		assert!(!ok(MAX_TEMPERATURE_MILLI + 1, 40, 95));
		assert!(!ok(700, MAX_TOP_K + 1, 95));
		assert!(!ok(700, 40, 0));
	}

	#[test]
	fn a_result_commitment_changes_with_everything_a_verifier_replays() {
		let model = H256::repeat_byte(7);
		let base = result_commitment(&model, &[1, 2, 3], &Sampling::Greedy, 9, &[4, 5]);
		assert_eq!(base, result_commitment(&model, &[1, 2, 3], &Sampling::Greedy, 9, &[4, 5]));
		let sampled = Sampling::Sampled { temperature_milli: 700, top_k: 0, top_p: Permill::one() };
		for other in [
			result_commitment(&H256::repeat_byte(8), &[1, 2, 3], &Sampling::Greedy, 9, &[4, 5]),
			result_commitment(&model, &[1, 2], &Sampling::Greedy, 9, &[3, 4, 5]),
			result_commitment(&model, &[1, 2, 3], &sampled, 9, &[4, 5]),
			result_commitment(&model, &[1, 2, 3], &Sampling::Greedy, 10, &[4, 5]),
			result_commitment(&model, &[1, 2, 3], &Sampling::Greedy, 9, &[4, 6]),
		] {
			assert_ne!(base, other);
		}
	}
}
