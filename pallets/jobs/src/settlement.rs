//! A job's life after routing: escrow, results, deadlines, payouts and refunds.

use super::*;
use faithful_primitives::{jobs::DrawPurpose, providers::JobOutcome};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			tokens::{Fortitude, Precision, Restriction},
			Get,
		},
	},
	sp_runtime::traits::{CheckedAdd, CheckedMul, One, Saturating},
};

/// Whether queueing a job's deadline may be refused for a full block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admission {
	/// A new job: refused with `Congested` when its deadline block is full.
	Bounded,
	/// A job already paid for and running (a reassignment): always queued.
	Always,
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_submit(
		owner: T::AccountId,
		model: ModelId,
		prompt: alloc::vec::Vec<u8>,
		sampling: Sampling,
		max_tokens: u32,
		max_price_per_token: BalanceOf<T>,
		judging: Judging,
	) -> Result<JobId, DispatchError> {
		let context_length = T::Models::context_length(&model).ok_or(Error::<T>::ModelNotActive)?;
		ensure!(!prompt.is_empty(), Error::<T>::EmptyPrompt);
		let prompt: BoundedVec<u8, T::MaxPromptBytes> =
			prompt.try_into().map_err(|_| Error::<T>::PromptTooLong)?;
		ensure!(prompt.len() as u32 <= Self::prompt_limit(), Error::<T>::PromptTooLong);
		ensure!(core::str::from_utf8(&prompt).is_ok(), Error::<T>::PromptNotUtf8);
		ensure!((1..=Self::output_token_limit()).contains(&max_tokens), Error::<T>::BadMaxTokens);
		ensure!(
			faithful_primitives::jobs::fits_context(
				prompt.len() as u32,
				max_tokens,
				context_length
			),
			Error::<T>::BeyondContext
		);
		ensure!(sampling.is_valid(), Error::<T>::BadSampling);
		ensure!(!max_price_per_token.is_zero(), Error::<T>::ZeroPrice);
		let (verification_fee, escrow) = Self::escrow_for(max_tokens, max_price_per_token)?;

		let job = NextJobId::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let mut record = JobOf::<T> {
			owner: owner.clone(),
			model,
			sampling,
			seed: Self::sampling_seed(&owner),
			max_tokens,
			max_price_per_token,
			escrow,
			verification_fee,
			terms: Self::current_terms(),
			submitted_at: now,
			attempts: BoundedVec::new(),
			status: JobStatus::Refunded { refunded: Zero::zero(), at: now },
		};
		let random = Self::random_at_submission(DrawPurpose::Route, &owner);
		let assignment = Self::route(&record, random).ok_or(Error::<T>::NoProviderAvailable)?;
		ensure!(
			judging == Judging::Waived
				|| Self::can_seat_jury(model, alloc::vec![&assignment.provider, &owner]),
			Error::<T>::NoJury
		);
		T::Currency::hold(&HoldReason::Escrow.into(), &owner, escrow)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		NextJobId::<T>::put(job.saturating_add(1));
		Submitted::<T>::mutate(&owner, |n| *n = n.saturating_add(1));
		Prompts::<T>::insert(job, prompt);
		JobsByOwner::<T>::insert(&owner, job, ());
		Self::deposit_event(Event::JobSubmitted {
			job,
			owner,
			model,
			max_tokens,
			max_price_per_token,
			escrow,
		});
		Self::assign(job, &mut record, assignment, Admission::Bounded)?;
		Jobs::<T>::insert(job, record);
		Ok(job)
	}

	/// The governed fees, slashes and rewards as they stand now: a new job's terms.
	pub(crate) fn current_terms() -> faithful_primitives::jobs::JobTerms {
		faithful_primitives::jobs::JobTerms {
			protocol_fee: T::ProtocolFee::get(),
			timeout_slash: T::TimeoutSlash::get(),
			audit_rate: T::AuditRate::get(),
			challenger_reward: T::ChallengerReward::get(),
			voter_reward: T::VoterReward::get(),
			bond_to_voters: T::BondToVoters::get(),
		}
	}

	/// The verification fee and the whole escrow of a job of `max_tokens` at `max_price_per_token`.
	pub(crate) fn escrow_for(
		max_tokens: u32,
		max_price_per_token: BalanceOf<T>,
	) -> Result<(BalanceOf<T>, BalanceOf<T>), Error<T>> {
		let value = BalanceOf::<T>::from(max_tokens)
			.checked_mul(&max_price_per_token)
			.ok_or(Error::<T>::Overflow)?;
		let verification_fee = T::VerificationFee::get().mul_ceil(value);
		let escrow = value.checked_add(&verification_fee).ok_or(Error::<T>::Overflow)?;
		Ok((verification_fee, escrow))
	}

	/// Puts `record` in the hands of `assignment`'s provider: queues its deadline, locks its
	/// collateral and takes one of its concurrency slots. Changes nothing when it fails.
	fn assign(
		job: JobId,
		record: &mut JobOf<T>,
		assignment: routing::Assignment<T::AccountId, BalanceOf<T>>,
		admission: Admission,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let routing::Assignment { provider, price_per_token, collateral } = assignment;
		let mut attempts = record.attempts.clone();
		attempts.try_push(provider.clone()).map_err(|_| Error::<T>::NoProviderAvailable)?;
		let deadline = now.saturating_add(T::ResultTimeout::get());
		if admission == Admission::Bounded {
			let count = DueCount::<T>::get(deadline.saturating_add(One::one()));
			ensure!(count < T::MaxDuePerBlock::get(), Error::<T>::Congested);
		}
		T::Collateral::lock_collateral(&provider, collateral)?;
		Self::schedule(job, deadline);
		Running::<T>::mutate(&provider, record.model, |n| *n = n.saturating_add(1));
		record.attempts = attempts;
		record.status = JobStatus::Assigned {
			provider: provider.clone(),
			price_per_token,
			collateral,
			deadline,
		};
		Self::deposit_event(Event::JobAssigned {
			job,
			provider,
			price_per_token,
			collateral,
			deadline,
			seed: record.seed,
		});
		Ok(())
	}

	pub(crate) fn do_submit_result(
		provider: T::AccountId,
		job: JobId,
		output_text: alloc::vec::Vec<u8>,
		output_tokens: alloc::vec::Vec<TokenId>,
		finish: FinishReason,
		commitment: Commitment,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let mut record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Assigned { provider: assigned, price_per_token, collateral, deadline } =
			record.status.clone()
		else {
			return Err(Error::<T>::NotAssigned.into());
		};
		ensure!(assigned == provider, Error::<T>::NotAssignedProvider);
		ensure!(now <= deadline, Error::<T>::DeadlinePassed);
		let n_tokens = output_tokens.len() as u32;
		ensure!(n_tokens <= record.max_tokens, Error::<T>::TooManyTokens);
		ensure!(
			finish != FinishReason::Length || n_tokens == record.max_tokens,
			Error::<T>::LengthMismatch
		);
		let text = output_text.try_into().map_err(|_| Error::<T>::OutputTooLong)?;
		let tokens = output_tokens.try_into().map_err(|_| Error::<T>::TooManyTokens)?;

		Self::unschedule(job, deadline);
		// At least one block, so the audit draw (next block) comes before the window's end.
		let window = T::ChallengeWindow::get().max(One::one());
		let challenge_until = now.saturating_add(window);
		// The audit draw, from randomness that does not exist yet: see `dispute`.
		Self::schedule(job, now);
		Self::release_slot(&provider, record.model);
		Outputs::<T>::insert(job, JobOutput { text, tokens });
		record.status = JobStatus::Proposed {
			provider: provider.clone(),
			price_per_token,
			collateral,
			n_tokens,
			finish,
			commitment,
			challenge_until,
		};
		Self::deposit_event(Event::ResultProposed {
			job,
			provider,
			n_tokens,
			finish,
			commitment,
			challenge_until,
		});
		Jobs::<T>::insert(job, &record);
		Ok(())
	}

	/// Settles an overdue `job`; returns the work `due_work` counts for it.
	pub(crate) fn do_finish(job: JobId) -> Result<Weight, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let record = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		let jury = Disputes::<T>::get(job).map(|dispute| dispute.jury);
		let retained_until =
			record.status.ended_at().map(|at| at.saturating_add(T::JobRetention::get()));
		let queued_at = match (&record.status, jury, retained_until) {
			(JobStatus::Assigned { deadline, .. }, ..) if now > *deadline => *deadline,
			(JobStatus::Proposed { challenge_until, .. }, ..) if now > *challenge_until => {
				// Only the window's end: an audit draw still queued is the chain's to make.
				let window_end = challenge_until.saturating_add(One::one());
				ensure!(Due::<T>::contains_key(window_end, job), Error::<T>::DrawPending);
				*challenge_until
			}
			(JobStatus::Disputed { .. }, Some(Jury::Drawing), _) => {
				return Err(Error::<T>::DrawPending.into())
			}
			(JobStatus::Disputed { .. }, Some(Jury::Seated { reveal_until, .. }), _)
				if now > reveal_until =>
			{
				reveal_until
			}
			(JobStatus::Disputed { .. }, Some(Jury::Decided { appeal_until, .. }), _)
				if now > appeal_until =>
			{
				appeal_until
			}
			(_, _, Some(retained_until)) if now > retained_until => retained_until,
			_ => return Err(Error::<T>::NotOverdue.into()),
		};
		let queue = queued_at.saturating_add(One::one());
		let work = Self::due_work(job, &record, queue);
		Self::unschedule(job, queued_at);
		Self::settle_due(job, record, queue);
		Ok(work)
	}

	/// Queues `job` to be processed at the start of the block after `last`, the last block of
	/// its current phase (a deadline, a challenge window or a reveal phase). Never fails: a job's
	/// later phases must always find room, whoever filled the queues.
	pub(crate) fn schedule(job: JobId, last: BlockNumberFor<T>) {
		let at = last.saturating_add(One::one());
		if !Due::<T>::contains_key(at, job) {
			Due::<T>::insert(at, job, ());
			DueCount::<T>::mutate(at, |count| *count = count.saturating_add(1));
		}
	}

	/// Takes `job` out of the queue it was put in for the phase ending at `last`.
	pub(crate) fn unschedule(job: JobId, last: BlockNumberFor<T>) {
		let at = last.saturating_add(One::one());
		if Due::<T>::take(at, job).is_some() {
			Self::count_out(at, 1);
		}
	}

	/// Lowers `at`'s queue count by `n` jobs taken out of it.
	fn count_out(at: BlockNumberFor<T>, n: u32) {
		DueCount::<T>::mutate_exists(at, |count| {
			*count = count.and_then(|c| c.checked_sub(n)).filter(|c| *c > 0);
		});
	}

	/// Works through due queues from the cursor up to `now`, settling at most
	/// `MaxSettlementsPerBlock` jobs and, past the first, only as many as fit in
	/// `SettlementWeight`. Returns the weight used.
	pub(crate) fn process_due(now: BlockNumberFor<T>) -> Weight {
		let budget = T::MaxSettlementsPerBlock::get();
		let limit = T::SettlementWeight::get();
		// The measured weight predates one key per queued job: each queue's count and each job's
		// key are one more read and write than it counted, until `scripts/bench.sh` is rerun.
		let used = |queues_read: u32, settled: u32, work: Weight| {
			let keys = u64::from(queues_read.saturating_add(settled));
			T::WeightInfo::on_initialize(queues_read, settled)
				.saturating_add(T::DbWeight::get().reads_writes(keys, keys))
				.saturating_add(work)
		};
		let mut settled = 0u32;
		let mut work = Weight::zero();
		let mut queues_read = 0u32;
		let mut cursor = DueCursor::<T>::get();
		if cursor.is_zero() {
			cursor = now;
		}
		// Each block reads at most `budget + 1` queues, so a cursor far behind (after a stall)
		// catches up over several blocks instead of in one unbounded sweep.
		'queues: while cursor <= now && queues_read <= budget {
			if settled > 0 && used(queues_read + 1, settled, work).any_gt(limit) {
				break;
			}
			queues_read += 1;
			let room = (budget - settled) as usize;
			let batch: alloc::vec::Vec<JobId> =
				Due::<T>::iter_key_prefix(cursor).take(room).collect();
			for job in batch {
				let record = Jobs::<T>::get(job);
				let cost =
					record.as_ref().map_or(Weight::zero(), |r| Self::due_work(job, r, cursor));
				if settled > 0
					&& used(queues_read, settled + 1, work.saturating_add(cost)).any_gt(limit)
				{
					break 'queues;
				}
				Due::<T>::remove(cursor, job);
				Self::count_out(cursor, 1);
				if let Some(record) = record {
					Self::settle_due(job, record, cursor);
				}
				work = work.saturating_add(cost);
				settled += 1;
			}
			if DueCount::<T>::contains_key(cursor) {
				break;
			}
			cursor = cursor.saturating_add(One::one());
		}
		DueCursor::<T>::put(cursor);
		used(queues_read, settled, work)
	}

	/// What processing `record`, taken from the queue of block `queued_at`, costs beyond a plain
	/// settlement: an audit's or a jury's draw, or a round's count over its jurors.
	pub(crate) fn due_work(job: JobId, record: &JobOf<T>, queued_at: BlockNumberFor<T>) -> Weight {
		match &record.status {
			JobStatus::Proposed { challenge_until, .. } if queued_at <= *challenge_until => {
				Self::draw_weight(0)
			}
			JobStatus::Disputed { .. } => match Disputes::<T>::get(job) {
				Some(Dispute { jury: Jury::Drawing, round, .. }) => Self::draw_weight(round),
				Some(dispute) => Self::resolve_weight(dispute.jurors()),
				None => Weight::zero(),
			},
			_ => Weight::zero(),
		}
	}

	/// What counting a round, or concluding a dispute, of `jurors` jurors costs.
	/// `resolve_dispute` was measured with three; each more is charged a third of the measured
	/// time beyond storage, and three reads and writes (its provider record to release or slash
	/// its bond, the accounts a slash or a share moves between) at the database's rates, until
	/// `scripts/bench.sh` measures a large jury.
	pub fn resolve_weight(jurors: u32) -> Weight {
		let extra = u64::from(jurors.saturating_sub(3));
		let measured = T::WeightInfo::resolve_dispute();
		let per_juror = Weight::from_parts(measured.ref_time() / 3, 0)
			.saturating_add(T::DbWeight::get().reads_writes(3, 3));
		measured.saturating_add(per_juror.saturating_mul(extra))
	}

	/// What drawing the jury of `round` costs at most: `challenge` measured the draw of three
	/// seats over a full offer book; the last round reads every offer and verifier and locks a
	/// bond from each.
	pub fn draw_weight(round: u32) -> Weight {
		if round == 0 {
			return T::WeightInfo::challenge();
		}
		let jurors = u64::from(T::Offers::max_jurors());
		T::WeightInfo::challenge()
			.saturating_add(T::DbWeight::get().reads_writes(2, 1).saturating_mul(jurors))
	}

	/// The heaviest a round's count or a dispute's end can be: a last round of every juror a
	/// model can have, after a first round as large as a committee can be (governance may have
	/// lowered the seats since).
	pub fn max_resolve_weight() -> Weight {
		Self::resolve_weight(T::Offers::max_jurors().saturating_add(T::CommitteeSize::get()))
	}

	/// Handles a job taken from the queue of block `queued_at`: a deadline, an audit draw, a
	/// window's end, a jury draw, a round's count or a retention's end.
	fn settle_due(job: JobId, mut record: JobOf<T>, queued_at: BlockNumberFor<T>) {
		let now = frame_system::Pallet::<T>::block_number();
		match record.status.clone() {
			JobStatus::Assigned { provider, collateral, .. } => {
				let slash = record.terms.timeout_slash.mul_floor(collateral);
				let slashed =
					T::Collateral::slash_collateral(&provider, slash, &T::Treasury::get());
				T::Collateral::release_collateral(&provider, collateral.saturating_sub(slashed));
				T::Collateral::record_outcome(&provider, &record.model, JobOutcome::TimedOut);
				Self::release_slot(&provider, record.model);
				Self::deposit_event(Event::JobTimedOut { job, provider, slashed });
				// A running job's id is fixed, so it keys the draw.
				let random = Self::random(DrawPurpose::Route, job, record.attempts.len() as u32);
				let reassigned = match Self::route(&record, random) {
					Some(assignment) => {
						Self::assign(job, &mut record, assignment, Admission::Always).is_ok()
					}
					None => false,
				};
				if !reassigned {
					Self::refund(job, &mut record, now);
				}
			}
			JobStatus::Proposed { challenge_until, .. } if queued_at <= challenge_until => {
				return Self::draw_audit(job, record);
			}
			JobStatus::Proposed { provider, price_per_token, collateral, n_tokens, .. } => {
				Self::pay_out(
					job,
					&mut record,
					&provider,
					price_per_token,
					collateral,
					n_tokens,
					&[],
				);
			}
			JobStatus::Disputed { .. } => match Disputes::<T>::get(job).map(|d| d.jury) {
				Some(Jury::Drawing) => {
					Self::seat_jury(job, &mut record);
					return;
				}
				Some(Jury::Seated { .. }) => {
					let Some(dispute) = Disputes::<T>::take(job) else { return };
					Self::resolve(job, &mut record, dispute);
				}
				Some(Jury::Decided { .. }) => {
					let Some(dispute) = Disputes::<T>::take(job) else { return };
					Self::stand(job, &mut record, dispute);
				}
				None => return,
			},
			JobStatus::Finalized { .. }
			| JobStatus::Slashed { .. }
			| JobStatus::Refunded { .. } => {
				// Retention is over: the events keep the history.
				Jobs::<T>::remove(job);
				JobsByOwner::<T>::remove(&record.owner, job);
				return;
			}
		}
		Jobs::<T>::insert(job, record);
	}

	/// Queues a job that just ended for pruning once `JobRetention` blocks have passed.
	pub(crate) fn retain(job: JobId, ended_at: BlockNumberFor<T>) {
		Self::schedule(job, ended_at.saturating_add(T::JobRetention::get()));
	}

	/// Pays `provider` for `n_tokens`, the protocol fee to the treasury, the verification fee to
	/// the `verifiers` who re-executed the job, by weight (the treasury when none did), and the
	/// rest back to the owner; frees the collateral and prunes prompt and output.
	pub(crate) fn pay_out(
		job: JobId,
		record: &mut JobOf<T>,
		provider: &T::AccountId,
		price_per_token: BalanceOf<T>,
		collateral: BalanceOf<T>,
		n_tokens: u32,
		verifiers: &[(T::AccountId, BalanceOf<T>)],
	) {
		let now = frame_system::Pallet::<T>::block_number();
		// n_tokens ≤ max_tokens and price ≤ cap, so the cost fits inside the escrow.
		let cost = BalanceOf::<T>::from(n_tokens).saturating_mul(price_per_token);
		let protocol_fee = record.terms.protocol_fee.mul_floor(cost);
		let paid =
			Self::pay_from_escrow(&record.owner, provider, cost.saturating_sub(protocol_fee));
		let mut fees = BalanceOf::<T>::zero();
		for (verifier, share) in Self::shares(record.verification_fee, verifiers) {
			fees = fees.saturating_add(Self::pay_from_escrow(&record.owner, &verifier, share));
		}
		let to_treasury = protocol_fee.saturating_add(record.verification_fee.saturating_sub(fees));
		fees = fees.saturating_add(Self::pay_from_escrow(
			&record.owner,
			&T::Treasury::get(),
			to_treasury,
		));
		// Whatever could not be paid out (e.g. below a new account's minimum) is refunded.
		let refunded = Self::release_escrow(
			&record.owner,
			record.escrow.saturating_sub(paid).saturating_sub(fees),
		);
		T::Collateral::release_collateral(provider, collateral);
		// Only a job that paid the treasury a fee earns reputation: self-routed jobs priced so
		// that the fee rounds to nothing would otherwise pump a score for free.
		if !protocol_fee.is_zero() {
			T::Collateral::record_outcome(provider, &record.model, JobOutcome::Completed);
		}
		Prompts::<T>::remove(job);
		Outputs::<T>::remove(job);
		let (JobStatus::Proposed { finish, commitment, .. }
		| JobStatus::Disputed { finish, commitment, .. }) = record.status.clone()
		else {
			return;
		};
		Self::retain(job, now);
		record.status = JobStatus::Finalized {
			provider: provider.clone(),
			n_tokens,
			finish,
			commitment,
			paid,
			refunded,
			at: now,
		};
		Self::deposit_event(Event::JobFinalized {
			job,
			provider: provider.clone(),
			n_tokens,
			paid,
			fees,
			refunded,
		});
	}

	/// Returns the whole escrow to the owner and prunes the prompt.
	pub(crate) fn refund(job: JobId, record: &mut JobOf<T>, now: BlockNumberFor<T>) {
		let refunded = Self::release_escrow(&record.owner, record.escrow);
		Prompts::<T>::remove(job);
		Self::retain(job, now);
		record.status = JobStatus::Refunded { refunded, at: now };
		Self::deposit_event(Event::JobRefunded { job, refunded });
	}

	/// Moves `amount` of `owner`'s escrow to `to`'s free balance; returns what moved. Forced:
	/// held escrow is committed, so the owner's freezes and locks (a delegation, say) placed after
	/// submitting cannot stop it.
	fn pay_from_escrow(
		owner: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return Zero::zero();
		}
		T::Currency::transfer_on_hold(
			&HoldReason::Escrow.into(),
			owner,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)
		// Only a payment below a new account's minimum fails: it stays held and is refunded.
		.unwrap_or_else(|_| Zero::zero())
	}

	/// Releases `amount` of `owner`'s escrow to its free balance; returns what was released.
	pub(crate) fn release_escrow(owner: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		T::Currency::release(&HoldReason::Escrow.into(), owner, amount, Precision::BestEffort)
			.unwrap_or_else(|error| {
				polkadot_sdk::frame_support::defensive!(error, "a best-effort release cannot fail");
				Zero::zero()
			})
	}
}
