//! The referendum tracks: one for parameter changes, one for treasury spends. Their timing comes
//! from genesis ([`super::Timing`]); their thresholds are fixed here.

use alloc::borrow::Cow;
use polkadot_sdk::{
	frame_support::traits::OriginTrait,
	pallet_referenda::{Curve, Track, TrackInfo, TracksInfo},
	sp_runtime::{str_array, Perbill},
};

use super::Origin;
use crate::{Balance, BlockNumber, OriginCaller, Runtime, RuntimeOrigin, FTH};

/// Track of `Governance.set_parameter` proposals.
pub const PARAMETERS: u16 = 0;
/// Track of treasury spends.
pub const TREASURY: u16 = 1;

/// Approval (conviction-weighted ayes over all votes) falls from 100 % to 50 % over the decision
/// period: a clear majority early, a simple one late.
const APPROVAL: Curve = Curve::LinearDecreasing {
	length: Perbill::one(),
	floor: Perbill::from_percent(50),
	ceil: Perbill::from_percent(100),
};

/// Support (ayes without conviction over all issuance) falls from 50 % to 5 %: a change needs at
/// least a twentieth of all FTH behind it, however long it waits.
const SUPPORT: Curve = Curve::LinearDecreasing {
	length: Perbill::one(),
	floor: Perbill::from_percent(5),
	ceil: Perbill::from_percent(50),
};

pub struct Tracks;

impl TracksInfo<Balance, BlockNumber> for Tracks {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<u16, Balance, BlockNumber>>> {
		let timing = super::Pallet::<Runtime>::periods();
		let track = |id, name, max_deciding, decision_deposit| Track {
			id,
			info: TrackInfo {
				name: str_array(name),
				max_deciding,
				decision_deposit,
				prepare_period: timing.prepare,
				decision_period: timing.decision,
				confirm_period: timing.confirm,
				min_enactment_period: timing.enactment,
				min_approval: APPROVAL,
				min_support: SUPPORT,
			},
		};
		[track(PARAMETERS, "parameters", 10, 100 * FTH), track(TREASURY, "treasury", 10, 100 * FTH)]
			.into_iter()
			.map(Cow::Owned)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<u16, ()> {
		match origin {
			OriginCaller::Governance(Origin::ParameterAdmin) => Ok(PARAMETERS),
			OriginCaller::Governance(Origin::Treasurer) => Ok(TREASURY),
			_ => Err(()),
		}
	}
}
