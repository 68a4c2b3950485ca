//! Each governed parameter's bounds, and the joint rules of the set they form, checked before
//! any value is set.

use faithful_primitives::parameters::{self as p, OutOfBounds};

use crate::{
	dynamic_params::{jobs, models, providers},
	RuntimeParameters,
};

/// Checks a parameter change against the parameter's bounds.
pub trait ParameterBounds<Parameters> {
	/// `Ok` when the change may be made: the value within its own bounds (a reset to the default
	/// always is) and the resulting parameter set within the joint rules.
	fn check(change: &Parameters) -> Result<(), OutOfBounds>;
}

/// The bounds in `faithful_primitives::parameters`, one per dynamic parameter, and its joint
/// rules over the parameter set a change leaves: `deters_lying` and `jury_is_odd`.
pub struct MarketBounds;

impl ParameterBounds<RuntimeParameters> for MarketBounds {
	fn check(change: &RuntimeParameters) -> Result<(), OutOfBounds> {
		Self::check_alone(change)?;
		Self::check_jointly(change)
	}
}

impl MarketBounds {
	/// The parameter set as it would stand after `change`, for the parameters the joint rules
	/// read (a reset takes the default).
	fn check_jointly(change: &RuntimeParameters) -> Result<(), OutOfBounds> {
		use jobs::Parameters as J;
		use polkadot_sdk::frame_support::traits::Get;
		let mut audit_rate = jobs::AuditRate::get();
		let mut bond_multiple = jobs::BondMultiple::get();
		let mut seats = jobs::CommitteeSeats::get();
		match change {
			RuntimeParameters::Jobs(J::AuditRate(_, value)) => {
				audit_rate = value.unwrap_or(p::AUDIT_RATE)
			}
			RuntimeParameters::Jobs(J::BondMultiple(_, value)) => {
				bond_multiple = value.unwrap_or(p::BOND_MULTIPLE)
			}
			RuntimeParameters::Jobs(J::CommitteeSeats(_, value)) => {
				seats = value.unwrap_or(p::COMMITTEE_SEATS)
			}
			_ => {}
		}
		if !p::deters_lying(audit_rate, bond_multiple) {
			return Err(OutOfBounds::LyingWouldPay);
		}
		if !p::jury_is_odd(seats) {
			return Err(OutOfBounds::EvenJury);
		}
		Ok(())
	}

	fn check_alone(change: &RuntimeParameters) -> Result<(), OutOfBounds> {
		use jobs::Parameters as J;
		use providers::Parameters as P;
		match change {
			RuntimeParameters::Providers(P::UnbondingPeriod(_, Some(v))) => {
				p::UNBONDING_PERIOD_BOUNDS.check(v)
			}
			RuntimeParameters::Providers(P::MinProviderStake(_, Some(v))) => {
				p::MIN_PROVIDER_STAKE_BOUNDS.check(v)
			}
			RuntimeParameters::Models(models::Parameters::RegistrationDeposit(_, Some(v))) => {
				p::MODEL_DEPOSIT_BOUNDS.check(v)
			}
			RuntimeParameters::Jobs(change) => match change {
				J::ResultTimeout(_, Some(v)) => p::RESULT_TIMEOUT_BOUNDS.check(v),
				J::ChallengeWindow(_, Some(v)) => p::CHALLENGE_WINDOW_BOUNDS.check(v),
				J::VerificationFee(_, Some(v)) => p::VERIFICATION_FEE_BOUNDS.check(v),
				J::ProtocolFee(_, Some(v)) => p::PROTOCOL_FEE_BOUNDS.check(v),
				J::BondMultiple(_, Some(v)) => p::BOND_MULTIPLE_BOUNDS.check(v),
				J::TimeoutSlash(_, Some(v)) => p::TIMEOUT_SLASH_BOUNDS.check(v),
				J::ChallengeBond(_, Some(v)) => p::CHALLENGE_BOND_BOUNDS.check(v),
				J::AuditRate(_, Some(v)) => p::AUDIT_RATE_BOUNDS.check(v),
				J::CommitPhase(_, Some(v)) => p::COMMIT_PHASE_BOUNDS.check(v),
				J::RevealPhase(_, Some(v)) => p::REVEAL_PHASE_BOUNDS.check(v),
				J::VoteBond(_, Some(v)) => p::VOTE_BOND_BOUNDS.check(v),
				J::ChallengerReward(_, Some(v)) => p::CHALLENGER_REWARD_BOUNDS.check(v),
				J::VoterReward(_, Some(v)) => p::VOTER_REWARD_BOUNDS.check(v),
				J::BondToVoters(_, Some(v)) => p::BOND_TO_VOTERS_BOUNDS.check(v),
				J::CommitteeSeats(_, Some(v)) => p::COMMITTEE_SEATS_BOUNDS.check(v),
				J::PromptLimit(_, Some(v)) => p::PROMPT_LIMIT_BOUNDS.check(v),
				J::OutputTokenLimit(_, Some(v)) => p::OUTPUT_TOKEN_LIMIT_BOUNDS.check(v),
				J::AttemptLimit(_, Some(v)) => p::ATTEMPT_LIMIT_BOUNDS.check(v),
				_ => Ok(()),
			},
			_ => Ok(()),
		}
	}
}
