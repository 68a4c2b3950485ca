//! Benchmarks of the jobs pallet, each at its worst case: the longest prompt and output, a full
//! offer book for routing, and timeouts that reassign (the costlier branch of the per-block work).

use super::*;
use alloc::vec;
use faithful_primitives::jobs::vote_commitment;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::{fungible::Mutate, Get, Hooks},
	frame_system::RawOrigin,
	sp_runtime::traits::{Bounded, One, Saturating},
};

fn benchmark_model() -> ModelId {
	ModelId::repeat_byte(0xbe)
}

/// Activates the benchmark model and fills its offer book; every provider can take many jobs.
fn full_book<T: Config>() {
	T::BenchmarkHelper::activate_model(benchmark_model());
	for i in 0..T::BenchmarkHelper::max_offers() {
		let provider: T::AccountId = account("provider", i, 0);
		T::BenchmarkHelper::offer(&provider, benchmark_model(), 1u32.into());
	}
}

fn user<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

fn submit_job<T: Config>(owner: &T::AccountId, prompt_bytes: u32) -> JobId {
	Pallet::<T>::do_submit(
		owner.clone(),
		benchmark_model(),
		vec![b'p'; prompt_bytes.max(1) as usize],
		Sampling::Greedy,
		T::MaxOutputTokens::get(),
		1u32.into(),
		Judging::Required,
	)
	.expect("a full book takes the job")
}

/// A job whose result is proposed and open to challenge (its audit draw still to come).
fn answered_job<T: Config>(owner: &T::AccountId) -> JobId {
	let job = submit_job::<T>(owner, T::MaxPromptBytes::get());
	let (provider, _) = assigned::<T>(job);
	Pallet::<T>::do_submit_result(
		provider,
		job,
		vec![b'o'; T::MaxOutputBytes::get() as usize],
		(0..T::MaxOutputTokens::get()).collect(),
		FinishReason::Length,
		Commitment::repeat_byte(1),
	)
	.expect("the assigned provider answers in time");
	job
}

/// A job disputed by a funded challenger, with its jury drawn.
fn challenged_job<T: Config>(owner: &T::AccountId) -> (JobId, alloc::vec::Vec<T::AccountId>) {
	let job = answered_job::<T>(owner);
	let challenger: T::AccountId = account("challenger", 0, 0);
	T::Currency::set_balance(&challenger, BalanceOf::<T>::max_value() / 4u32.into());
	Pallet::<T>::do_challenge(challenger, job).expect("the result is open to challenge");
	let mut record = Jobs::<T>::get(job).expect("disputed");
	assert!(Pallet::<T>::seat_jury(job, &mut record), "a full book seats a jury");
	let committee = Disputes::<T>::get(job)
		.expect("disputed")
		.committee()
		.iter()
		.map(|juror| juror.who.clone())
		.collect();
	(job, committee)
}

fn salt() -> [u8; 32] {
	[7u8; 32]
}

fn assigned<T: Config>(job: JobId) -> (T::AccountId, BlockNumberFor<T>) {
	match Jobs::<T>::get(job).expect("submitted").status {
		JobStatus::Assigned { provider, deadline, .. } => (provider, deadline),
		_ => panic!("job {job} is not assigned"),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit(p: Linear<1, { T::MaxPromptBytes::get() }>) {
		full_book::<T>();
		let owner = user::<T>();
		let prompt = vec![b'p'; p as usize];

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			benchmark_model(),
			prompt,
			Sampling::Greedy,
			T::MaxOutputTokens::get(),
			1u32.into(),
			Judging::Required,
		);

		assert!(matches!(Jobs::<T>::get(0).unwrap().status, JobStatus::Assigned { .. }));
	}

	#[benchmark]
	fn submit_result(
		b: Linear<0, { T::MaxOutputBytes::get() }>,
		t: Linear<1, { T::MaxOutputTokens::get() }>,
	) {
		full_book::<T>();
		let owner = user::<T>();
		let job = submit_job::<T>(&owner, T::MaxPromptBytes::get());
		let (provider, _) = assigned::<T>(job);
		let tokens: alloc::vec::Vec<TokenId> = (0..t).collect();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(provider),
			job,
			vec![b'o'; b as usize],
			tokens,
			FinishReason::Eos,
			Commitment::repeat_byte(1),
		);

		assert!(matches!(Jobs::<T>::get(job).unwrap().status, JobStatus::Proposed { .. }));
	}

	#[benchmark]
	fn finish() {
		full_book::<T>();
		let owner = user::<T>();
		let job = submit_job::<T>(&owner, T::MaxPromptBytes::get());
		let (_, deadline) = assigned::<T>(job);
		frame_system::Pallet::<T>::set_block_number(deadline.saturating_add(One::one()));

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), job);

		assert_eq!(Jobs::<T>::get(job).unwrap().attempts.len(), 2, "timed out and reassigned");
	}

	#[benchmark]
	fn on_initialize(
		q: Linear<1, { T::MaxSettlementsPerBlock::get() + 1 }>,
		s: Linear<0, { T::MaxSettlementsPerBlock::get().min(T::MaxDuePerBlock::get()) }>,
	) {
		full_book::<T>();
		let owner = user::<T>();
		let jobs: alloc::vec::Vec<JobId> =
			(0..s).map(|_| submit_job::<T>(&owner, T::MaxPromptBytes::get())).collect();
		let due = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::ResultTimeout::get())
			.saturating_add(One::one());
		// `q - 1` empty queues before the one holding the jobs.
		DueCursor::<T>::put(due.saturating_sub((q - 1).into()));
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		for job in jobs {
			assert_eq!(Jobs::<T>::get(job).unwrap().attempts.len(), 2, "timed out and reassigned");
		}
	}

	#[benchmark]
	fn challenge() {
		full_book::<T>();
		let owner = user::<T>();
		let job = answered_job::<T>(&owner);
		let challenger: T::AccountId = account("challenger", 0, 0);
		T::Currency::set_balance(&challenger, BalanceOf::<T>::max_value() / 4u32.into());

		// The call and the jury draw it queues for the next block: one weight pays for both.
		#[block]
		{
			Pallet::<T>::do_challenge(challenger, job).expect("the result is open to challenge");
			let mut record = Jobs::<T>::get(job).expect("disputed");
			assert!(Pallet::<T>::seat_jury(job, &mut record), "a full book seats a jury");
		}

		assert!(Disputes::<T>::get(job).is_some_and(|d| d.phases().is_some()));
	}

	#[benchmark]
	fn commit_vote() {
		full_book::<T>();
		let owner = user::<T>();
		let (job, committee) = challenged_job::<T>(&owner);
		let voter = committee.last().expect("a full book seats a committee").clone();
		let commitment = vote_commitment(job, &voter, Verdict::Invalid, &salt());

		#[extrinsic_call]
		_(RawOrigin::Signed(voter), job, commitment);
	}

	#[benchmark]
	fn reveal_vote() {
		full_book::<T>();
		let owner = user::<T>();
		let (job, committee) = challenged_job::<T>(&owner);
		let voter = committee.last().expect("a full book seats a committee").clone();
		let commitment = vote_commitment(job, &voter, Verdict::Invalid, &salt());
		Pallet::<T>::do_commit_vote(voter.clone(), job, commitment).expect("a member commits");
		let (commit_until, _) = Disputes::<T>::get(job).unwrap().phases().expect("seated");
		frame_system::Pallet::<T>::set_block_number(commit_until.saturating_add(One::one()));

		#[extrinsic_call]
		_(RawOrigin::Signed(voter), job, Verdict::Invalid, salt());
	}

	/// The costlier count: a last round's, which concludes the dispute: the provider is slashed
	/// to the challenger, every voter and the treasury, and the user refunded.
	#[benchmark]
	fn resolve_dispute() {
		full_book::<T>();
		let owner = user::<T>();
		let (job, committee) = challenged_job::<T>(&owner);
		Disputes::<T>::mutate(job, |dispute| {
			if let Some(dispute) = dispute {
				dispute.round = crate::DISPUTE_ROUNDS - 1;
			}
		});
		for voter in &committee {
			let commitment = vote_commitment(job, voter, Verdict::Invalid, &salt());
			Pallet::<T>::do_commit_vote(voter.clone(), job, commitment).expect("a member commits");
		}
		let (commit_until, reveal_until) =
			Disputes::<T>::get(job).unwrap().phases().expect("seated");
		frame_system::Pallet::<T>::set_block_number(commit_until.saturating_add(One::one()));
		for voter in committee {
			Pallet::<T>::do_reveal_vote(voter, job, Verdict::Invalid, salt())
				.expect("a member reveals");
		}
		frame_system::Pallet::<T>::set_block_number(reveal_until.saturating_add(One::one()));

		#[block]
		{
			Pallet::<T>::do_finish(job).expect("the reveal phase is over");
		}

		assert!(matches!(Jobs::<T>::get(job).unwrap().status, JobStatus::Slashed { .. }));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
