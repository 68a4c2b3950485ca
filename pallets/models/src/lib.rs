//! # Models pallet
//!
//! The registry of models the market serves. A model's id is the BLAKE2b-256 hash of its GGUF
//! file, so a user knows exactly which weights, tokenizer and chat template answer a prompt.
//! Registering holds a deposit from the registrant (paying for the storage and deterring spam);
//! retiring returns it. A model cannot retire while providers still offer it.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use faithful_primitives::models::{ModelId, ModelInfo, ModelOffers, ModelRegistry, ModelStatus};
use polkadot_sdk::{
	frame_support::traits::fungible::{Inspect, MutateHold},
	frame_system::{self, pallet_prelude::BlockNumberFor},
};

/// Balance type of the currency that holds deposits.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// A model as this runtime stores it.
pub type ModelInfoOf<T> = ModelInfo<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxNameLength,
>;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use faithful_primitives::models::Architecture;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::tokens::Precision},
		frame_system::pallet_prelude::*,
	};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The currency registration deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Deposit held from a registrant for each model, returned on retirement. Each model
		/// records what was held, so a change applies to new registrations only. Not a metadata
		/// constant: the runtime may change it (a dynamic parameter).
		type RegistrationDeposit: Get<BalanceOf<Self>>;

		/// Longest model name, in bytes.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;

		/// Origin that may retire any model (governance), besides its owner.
		type ForceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether providers still offer a model; offered models cannot retire.
		type Offers: ModelOffers;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit backing a registered model.
		#[codec(index = 0)]
		RegistrationDeposit,
	}

	/// Every model ever registered, active or retired, by id. Retired models stay so their ids
	/// remain meaningful in old jobs and cannot be registered a second time.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Identity, ModelId, ModelInfoOf<T>>;

	/// The id of each active model's name, so names stay unique among active models and users
	/// can ask for a model by name.
	#[pallet::storage]
	pub type ModelIdByName<T: Config> =
		StorageMap<_, Blake2_128Concat, BoundedVec<u8, T::MaxNameLength>, ModelId>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered and its deposit held.
		ModelRegistered {
			model: ModelId,
			owner: T::AccountId,
			name: BoundedVec<u8, T::MaxNameLength>,
			deposit: BalanceOf<T>,
		},
		/// A model was retired and its deposit returned to its owner.
		ModelRetired { model: ModelId, deposit_returned: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A model with this id was registered before (ids are never reused, even once retired).
		AlreadyRegistered,
		/// An active model already uses this name.
		NameTaken,
		/// A model needs a non-empty name.
		EmptyName,
		/// A model must attend to at least one token.
		ZeroContextLength,
		/// No model has this id.
		UnknownModel,
		/// Only the model's owner (or governance) may retire it.
		NotOwner,
		/// The model is already retired.
		AlreadyRetired,
		/// Providers still offer the model; they must retract their offers first.
		StillOffered,
		/// The registrant cannot afford the registration deposit.
		InsufficientDeposit,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a model under the hash of its GGUF file, holding `RegistrationDeposit` from
		/// the caller until the model retires.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			model: ModelId,
			name: BoundedVec<u8, T::MaxNameLength>,
			architecture: Architecture,
			context_length: u32,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			ensure!(!name.is_empty(), Error::<T>::EmptyName);
			ensure!(context_length > 0, Error::<T>::ZeroContextLength);
			ensure!(!Models::<T>::contains_key(model), Error::<T>::AlreadyRegistered);
			ensure!(!ModelIdByName::<T>::contains_key(&name), Error::<T>::NameTaken);

			let deposit = T::RegistrationDeposit::get();
			T::Currency::hold(&HoldReason::RegistrationDeposit.into(), &owner, deposit)
				.map_err(|_| Error::<T>::InsufficientDeposit)?;

			ModelIdByName::<T>::insert(&name, model);
			Models::<T>::insert(
				model,
				ModelInfo {
					owner: owner.clone(),
					name: name.clone(),
					architecture,
					context_length,
					status: ModelStatus::Active { deposit },
					registered_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			Self::deposit_event(Event::ModelRegistered { model, owner, name, deposit });
			Ok(())
		}

		/// Retires a model: no new offers or jobs, its name is freed and the deposit returned to
		/// its owner. The owner or `ForceOrigin` may call it, once no provider offers the model.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let caller = match T::ForceOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			Models::<T>::try_mutate(model, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::UnknownModel)?;
				if let Some(caller) = &caller {
					ensure!(*caller == info.owner, Error::<T>::NotOwner);
				}
				let ModelStatus::Active { deposit } = info.status else {
					return Err(Error::<T>::AlreadyRetired.into());
				};
				ensure!(!T::Offers::is_offered(&model), Error::<T>::StillOffered);

				let returned = T::Currency::release(
					&HoldReason::RegistrationDeposit.into(),
					&info.owner,
					deposit,
					Precision::BestEffort,
				)?;
				ModelIdByName::<T>::remove(&info.name);
				info.status =
					ModelStatus::Retired { at: frame_system::Pallet::<T>::block_number() };
				Self::deposit_event(Event::ModelRetired { model, deposit_returned: returned });
				Ok(())
			})
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The model's entry, active or retired.
	pub fn model(model: &ModelId) -> Option<ModelInfoOf<T>> {
		Models::<T>::get(model)
	}
}

impl<T: Config> ModelRegistry for Pallet<T> {
	fn context_length(model: &ModelId) -> Option<u32> {
		Models::<T>::get(model).filter(|info| info.is_active()).map(|info| info.context_length)
	}
}
