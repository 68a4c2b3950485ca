//! Governance: token holders set the market's parameters and spend its treasury by referendum
//! (`pallet-referenda` with `pallet-conviction-voting`), and no origin, however privileged, can set
//! a parameter outside its bounds.
//!
//! The pallet here defines the origins a passed referendum dispatches with (one per track), the
//! only way to set a parameter (`set_parameter`, which checks the bounds and then dispatches
//! `pallet-parameters` with an origin nothing else can produce) and the tracks' timing, set at
//! genesis so development chains decide in minutes and real networks in days.

pub mod bounds;
#[cfg(test)]
mod tests;
pub mod tracks;

pub use pallet::*;

use polkadot_sdk::sp_runtime::serde;

use crate::BlockNumber;

/// How long each step of a referendum takes, in blocks.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	codec::Encode,
	codec::Decode,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(crate = "polkadot_sdk::sp_runtime::serde", rename_all = "camelCase")]
pub struct Timing {
	/// From submission until voting can decide.
	pub prepare: BlockNumber,
	/// Longest a referendum may be decided before it is rejected.
	pub decision: BlockNumber,
	/// How long approval must hold before it passes.
	pub confirm: BlockNumber,
	/// From passing until the change is enacted.
	pub enactment: BlockNumber,
}

impl Timing {
	/// A real network's: days, so every holder can notice a proposal and vote.
	pub const NETWORK: Timing = Timing {
		prepare: faithful_primitives::time::HOURS,
		decision: 7 * faithful_primitives::time::DAYS,
		confirm: faithful_primitives::time::DAYS,
		enactment: faithful_primitives::time::DAYS,
	};
	/// A development chain's: a referendum passes within a minute of votes.
	pub const DEVELOPMENT: Timing = Timing { prepare: 2, decision: 40, confirm: 5, enactment: 2 };
}

impl Default for Timing {
	fn default() -> Self {
		Self::NETWORK
	}
}

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::{bounds::ParameterBounds, Timing};
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::EnsureOrigin},
		frame_system::{self, pallet_prelude::*},
		pallet_parameters::{self, WeightInfo as _},
	};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config + pallet_parameters::Config {
		/// The runtime's origin, which this pallet's [`Origin`] converts into.
		type RuntimeOrigin: From<Origin> + Into<<Self as frame_system::Config>::RuntimeOrigin>;
		/// Who may set a parameter: a passed referendum on the parameters track, or root (sudo,
		/// which only development and local networks have).
		type ParameterOrigin: EnsureOrigin<<Self as frame_system::Config>::RuntimeOrigin>;
		/// Each parameter's bounds.
		type Bounds: ParameterBounds<Self::RuntimeParameters>;
	}

	/// The origins of governance: what a passed referendum dispatches with, by track, and the
	/// origin `pallet-parameters` accepts, which only [`Pallet::set_parameter`] produces.
	#[pallet::origin]
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	pub enum Origin {
		/// A referendum passed on the parameters track.
		ParameterAdmin,
		/// A referendum passed on the treasury track.
		Treasurer,
		/// A parameter change whose bounds were checked.
		BoundsChecked,
	}

	/// The tracks' timing, fixed at genesis: short on development chains, days on networks.
	#[pallet::storage]
	pub type Periods<T: Config> = StorageValue<_, Timing, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(polkadot_sdk::frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub timing: Timing,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Periods::<T>::put(self.timing);
		}
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The value is below the parameter's minimum (`faithful_primitives::parameters`).
		BelowMinimum,
		/// The value is above the parameter's maximum (`faithful_primitives::parameters`).
		AboveMaximum,
		/// With this value, the audit rate and the bond multiple no longer make lying a loss
		/// (`faithful_primitives::parameters::deters_lying`).
		LyingWouldPay,
		/// Juries must have an odd number of seats, so a full jury always has a majority.
		EvenJury,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets a market parameter (or resets it to its default with `None`) if the value is
		/// within its bounds and the parameter set it leaves keeps the joint rules (lying never
		/// pays; juries are odd). What a referendum on the parameters track proposes.
		#[pallet::call_index(0)]
		#[pallet::weight(
			<T as pallet_parameters::Config>::WeightInfo::set_parameter()
				.saturating_add(T::DbWeight::get().reads(1))
		)]
		pub fn set_parameter(
			origin: OriginFor<T>,
			key_value: <T as pallet_parameters::Config>::RuntimeParameters,
		) -> DispatchResult {
			T::ParameterOrigin::ensure_origin(origin)?;
			T::Bounds::check(&key_value).map_err(|side| match side {
				faithful_primitives::parameters::OutOfBounds::BelowMinimum => {
					Error::<T>::BelowMinimum
				}
				faithful_primitives::parameters::OutOfBounds::AboveMaximum => {
					Error::<T>::AboveMaximum
				}
				faithful_primitives::parameters::OutOfBounds::LyingWouldPay => {
					Error::<T>::LyingWouldPay
				}
				faithful_primitives::parameters::OutOfBounds::EvenJury => Error::<T>::EvenJury,
			})?;
			let checked: <T as Config>::RuntimeOrigin = Origin::BoundsChecked.into();
			pallet_parameters::Pallet::<T>::set_parameter(checked.into(), key_value)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The tracks' timing.
		pub fn periods() -> Timing {
			Periods::<T>::get()
		}
	}
}

/// Accepts exactly one of governance's origins.
macro_rules! ensure_governance_origin {
	($name:ident, $variant:ident, $doc:literal) => {
		#[doc = $doc]
		pub struct $name;
		impl<O> polkadot_sdk::frame_support::traits::EnsureOrigin<O> for $name
		where
			O: Into<Result<Origin, O>> + From<Origin>,
		{
			type Success = ();
			fn try_origin(origin: O) -> Result<(), O> {
				origin.into().and_then(|origin| match origin {
					Origin::$variant => Ok(()),
					other => Err(O::from(other)),
				})
			}
			#[cfg(feature = "runtime-benchmarks")]
			fn try_successful_origin() -> Result<O, ()> {
				Ok(O::from(Origin::$variant))
			}
		}
	};
}

ensure_governance_origin!(
	EnsureParameterAdmin,
	ParameterAdmin,
	"A referendum passed on the parameters track."
);
ensure_governance_origin!(EnsureTreasurer, Treasurer, "A referendum passed on the treasury track.");
ensure_governance_origin!(
	EnsureBoundsChecked,
	BoundsChecked,
	"A parameter change `set_parameter` checked."
);
