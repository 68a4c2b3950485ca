//! # Providers pallet
//!
//! Compute providers register with a stake (a balance hold), publish offers (a price per output
//! token and a concurrency limit per model), and back every job they take with part of that
//! stake. Stake leaves only through unbonding, which lasts `UnbondingPeriod` and never touches
//! stake that backs an open job; a wrong or missing result is slashed from that backing. Each
//! job's outcome moves the provider's reputation for that job's model (`Reputations`), which
//! decays back to neutral over time.
//!
//! A provider may also `verify` a model without offering it: it holds the file and judges the
//! model's disputes, with its stake behind its votes, but takes no jobs. So a model with few
//! sellers still has a jury, and the honest pool is wider than the market.
//!
//! The jobs pallet uses this pallet through `ProviderCollateral` and `OfferBook`; the models
//! pallet asks it whether a model is still offered (`ModelOffers`).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::{ProviderInfo, UnbondingChunk};
pub use weights::WeightInfo;

use faithful_primitives::{
	models::{ModelId, ModelOffers, ModelRegistry},
	providers::{JobOutcome, Offer, OfferBook, ProviderCollateral, Reputation},
};
use polkadot_sdk::{
	frame_support::traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_runtime::{
		traits::{CheckedAdd, CheckedSub, Saturating, Zero},
		Perbill,
	},
};

/// Balance type of the currency stake is held in.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// A provider as this runtime stores it.
pub type ProviderInfoOf<T> = ProviderInfo<
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxEndpointLength,
	<T as Config>::MaxUnbondingChunks,
	<T as Config>::MaxOffersPerProvider,
>;

/// The offers for one model, one per provider.
pub type OfferBookOf<T> = polkadot_sdk::frame_support::BoundedVec<
	(<T as polkadot_sdk::frame_system::Config>::AccountId, Offer<BalanceOf<T>>),
	<T as Config>::MaxProvidersPerModel,
>;

/// The storage layout this code reads and writes. Version 1: reputation is kept per model in
/// `Reputations`, no longer one score in `ProviderInfo`, and `ProviderInfo` lists the models it
/// verifies. No network had launched on version 0, so there is no migration.
const STORAGE_VERSION: polkadot_sdk::frame_support::traits::StorageVersion =
	polkadot_sdk::frame_support::traits::StorageVersion::new(1);

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The currency stake is held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Which models exist and are active.
		type Models: ModelRegistry;

		/// Least stake a provider must keep bonded while registered with offers. Not a metadata
		/// constant: the runtime may change it (a dynamic parameter).
		type MinProviderStake: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and the stake's release. Must outlast every job's result
		/// deadline plus challenge window, so no stake leaves before its jobs can be disputed.
		/// Not a metadata constant: the runtime may change it (a dynamic parameter).
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks for a reputation's distance to neutral to halve.
		#[pallet::constant]
		type ReputationHalfLife: Get<u32>;

		/// Longest endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLength: Get<u32>;

		/// Most unbonding chunks a provider may have at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most models one provider may offer.
		#[pallet::constant]
		type MaxOffersPerProvider: Get<u32>;

		/// Most providers that may offer one model (bounds routing's work per job).
		#[pallet::constant]
		type MaxProvidersPerModel: Get<u32>;

		/// Most jobs one offer may run at once.
		#[pallet::constant]
		type MaxConcurrentPerOffer: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up what the benchmarks need from other pallets.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's stake, bonded or unbonding.
		#[codec(index = 0)]
		Stake,
	}

	/// Every registered provider.
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfoOf<T>>;

	/// Each provider's reputation per model, from the first outcome of a job for it; a model with
	/// no entry stands at neutral. Kept across retracting and offering again, so a poor record is
	/// not reset by re-offering.
	#[pallet::storage]
	pub type Reputations<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Identity,
		ModelId,
		Reputation<BlockNumberFor<T>>,
	>;

	/// For each model, the providers that judge it without offering it, at most
	/// `MaxProvidersPerModel`.
	#[pallet::storage]
	pub type Verifiers<T: Config> = StorageMap<
		_,
		Identity,
		ModelId,
		BoundedVec<T::AccountId, T::MaxProvidersPerModel>,
		ValueQuery,
	>;

	/// The offer book: for each model, the providers offering it and their terms. One bounded
	/// entry per model, so routing a job reads one item.
	#[pallet::storage]
	pub type Offers<T: Config> = StorageMap<_, Identity, ModelId, OfferBookOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered and its stake was held.
		ProviderRegistered { provider: T::AccountId, stake: BalanceOf<T> },
		/// A provider bonded more stake.
		Bonded { provider: T::AccountId, amount: BalanceOf<T> },
		/// Stake began unbonding; it is released from `release_at`.
		Unbonding { provider: T::AccountId, amount: BalanceOf<T>, release_at: BlockNumberFor<T> },
		/// Unbonded stake was released to the provider's free balance.
		Withdrawn { provider: T::AccountId, amount: BalanceOf<T> },
		/// A provider left the market.
		ProviderDeregistered { provider: T::AccountId },
		/// A provider offered a model, or changed its terms.
		OfferSet {
			provider: T::AccountId,
			model: ModelId,
			price_per_token: BalanceOf<T>,
			max_concurrent: u32,
		},
		/// A provider stopped offering a model.
		OfferRetracted { provider: T::AccountId, model: ModelId },
		/// A full book gave `provider`'s offer, the one standing lowest, to a newcomer standing
		/// higher; its running jobs run to their end.
		OfferDisplaced { provider: T::AccountId, model: ModelId },
		/// A full verifiers' book gave `provider`'s place, the least staked, to a larger stake.
		VerifierDisplaced { provider: T::AccountId, model: ModelId },
		/// A provider judges `model`'s disputes without offering it.
		VerifierAdded { provider: T::AccountId, model: ModelId },
		/// A provider stopped judging `model`.
		VerifierRemoved { provider: T::AccountId, model: ModelId },
		/// Collateral backing a job was slashed and paid to `beneficiary`.
		Slashed { provider: T::AccountId, amount: BalanceOf<T>, beneficiary: T::AccountId },
		/// A job's outcome moved a provider's reputation for `model`.
		ReputationChanged {
			provider: T::AccountId,
			model: ModelId,
			outcome: JobOutcome,
			score: Perbill,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a provider.
		AlreadyRegistered,
		/// The account is not a provider.
		NotRegistered,
		/// A provider needs an endpoint to be reached at.
		EmptyEndpoint,
		/// The stake is below `MinProviderStake`.
		StakeTooLow,
		/// The account cannot afford the stake.
		InsufficientBalance,
		/// Amounts must be positive.
		ZeroAmount,
		/// Less stake than asked for, or less unlocked stake than a job needs.
		InsufficientFreeStake,
		/// Jobs this provider served are still open (running, challengeable or disputed), or it
		/// sits on a dispute committee; stake cannot start leaving until they settle.
		JobsInFlight,
		/// Too many unbonding chunks; withdraw released ones first.
		TooManyUnbondingChunks,
		/// Nothing has finished unbonding.
		NothingToWithdraw,
		/// The provider still offers or verifies models; retract them first.
		HasOffers,
		/// The provider still has stake bonded, unbonding or backing jobs.
		StakeRemaining,
		/// The model is unknown or retired.
		ModelNotActive,
		/// The provider already offers this model; use `update_offer`.
		AlreadyOffered,
		/// The provider does not offer this model.
		NotOffered,
		/// A price per token must be positive.
		ZeroPrice,
		/// `max_concurrent` must be between 1 and `MaxConcurrentPerOffer`.
		BadConcurrency,
		/// The provider offers (or verifies) `MaxOffersPerProvider` models already.
		TooManyOffers,
		/// The provider already verifies this model.
		AlreadyVerifying,
		/// The provider does not verify this model.
		NotVerifying,
		/// `MaxProvidersPerModel` accounts verify this model already, none with less stake than
		/// this provider.
		TooManyVerifiersForModel,
		/// A provider cannot verify a model it offers: it already judges it as a provider.
		OffersThisModel,
		/// A provider cannot offer a model it verifies; `stop_verifying` it first.
		VerifiesThisModel,
		/// `MaxProvidersPerModel` providers offer this model already, and the one standing lowest
		/// (by reputation for the model, then price) stands no lower or has no less stake.
		TooManyProvidersForModel,
		/// Balance arithmetic overflowed.
		Overflow,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Becomes a provider reachable at `endpoint`, holding `stake` (at least
		/// `MinProviderStake`) as the collateral behind future jobs.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			endpoint: BoundedVec<u8, T::MaxEndpointLength>,
			stake: BalanceOf<T>,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			ensure!(!Providers::<T>::contains_key(&provider), Error::<T>::AlreadyRegistered);
			ensure!(!endpoint.is_empty(), Error::<T>::EmptyEndpoint);
			ensure!(stake >= T::MinProviderStake::get(), Error::<T>::StakeTooLow);
			T::Currency::hold(&HoldReason::Stake.into(), &provider, stake)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			let now = frame_system::Pallet::<T>::block_number();
			Providers::<T>::insert(
				&provider,
				ProviderInfo {
					endpoint,
					stake,
					locked: Zero::zero(),
					unbonding: Default::default(),
					offers: Default::default(),
					verifies: Default::default(),
					registered_at: now,
				},
			);
			Self::deposit_event(Event::ProviderRegistered { provider, stake });
			Ok(())
		}

		/// Adds `amount` to the caller's bonded stake.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				info.stake = info.stake.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
				T::Currency::hold(&HoldReason::Stake.into(), &provider, amount)
					.map_err(|_| Error::<T>::InsufficientBalance)?;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::Bonded { provider, amount });
			Ok(())
		}

		/// Starts unbonding `amount` of stake, only while no job the provider served is still open
		/// (nothing locked), so stake never leaves ahead of a dispute. It stays held, and
		/// slashable, for `UnbondingPeriod` blocks. What stays bonded must be zero (leaving; only without
		/// offers) or at least `MinProviderStake`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let release_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(info.locked.is_zero(), Error::<T>::JobsInFlight);
				ensure!(amount <= info.stake, Error::<T>::InsufficientFreeStake);
				let remaining = info.stake - amount;
				if remaining.is_zero() {
					ensure!(
						info.offers.is_empty() && info.verifies.is_empty(),
						Error::<T>::HasOffers
					);
				} else {
					ensure!(remaining >= T::MinProviderStake::get(), Error::<T>::StakeTooLow);
				}
				info.unbonding
					.try_push(UnbondingChunk { amount, release_at })
					.map_err(|_| Error::<T>::TooManyUnbondingChunks)?;
				info.stake = remaining;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::Unbonding { provider, amount, release_at });
			Ok(())
		}

		/// Releases every unbonding chunk whose period has passed to the caller's free balance.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let amount = Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				let mut due = BalanceOf::<T>::zero();
				info.unbonding.retain(|chunk| {
					let released = chunk.release_at <= now;
					if released {
						due = due.saturating_add(chunk.amount);
					}
					!released
				});
				ensure!(!due.is_zero(), Error::<T>::NothingToWithdraw);
				T::Currency::release(&HoldReason::Stake.into(), &provider, due, Precision::Exact)?;
				Ok::<_, DispatchError>(due)
			})?;
			Self::deposit_event(Event::Withdrawn { provider, amount });
			Ok(())
		}

		/// Leaves the market. Only once every offer is retracted and all stake has been unbonded
		/// and withdrawn, so nothing a job could claim remains.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::deregister())]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			let info = Providers::<T>::get(&provider).ok_or(Error::<T>::NotRegistered)?;
			ensure!(info.offers.is_empty() && info.verifies.is_empty(), Error::<T>::HasOffers);
			ensure!(
				info.stake.is_zero() && info.locked.is_zero() && info.unbonding.is_empty(),
				Error::<T>::StakeRemaining
			);
			Providers::<T>::remove(&provider);
			Self::deposit_event(Event::ProviderDeregistered { provider });
			Ok(())
		}

		/// Offers to serve `model` at `price_per_token` per output token, running at most
		/// `max_concurrent` of its jobs at once. The model must be active and the provider must
		/// have at least `MinProviderStake` bonded. A full book takes the offer in place of the one
		/// standing lowest (the lowest reputation for the model, then the highest price) if the
		/// newcomer stands higher and has more stake bonded (`OfferDisplaced`): offers priced never
		/// to serve, and offers that took jobs and did not serve them, cannot keep a provider out,
		/// and pushing stake out of the book costs more stake than it removes.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::offer().saturating_add(
			T::DbWeight::get().reads_writes(T::MaxProvidersPerModel::get().into(), 1)
		))]
		pub fn offer(
			origin: OriginFor<T>,
			model: ModelId,
			price_per_token: BalanceOf<T>,
			max_concurrent: u32,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::ensure_terms(price_per_token, max_concurrent)?;
			ensure!(T::Models::is_active(&model), Error::<T>::ModelNotActive);
			let stake = Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(info.stake >= T::MinProviderStake::get(), Error::<T>::StakeTooLow);
				ensure!(!info.offers.contains(&model), Error::<T>::AlreadyOffered);
				ensure!(!info.verifies.contains(&model), Error::<T>::VerifiesThisModel);
				ensure!(
					info.offers.len() + info.verifies.len()
						< T::MaxOffersPerProvider::get() as usize,
					Error::<T>::TooManyOffers
				);
				info.offers.try_push(model).map_err(|_| Error::<T>::TooManyOffers)?;
				Ok::<_, DispatchError>(info.stake)
			})?;
			let displaced = Offers::<T>::try_mutate(model, |book| {
				let displaced = if book.is_full() {
					// Better standing: a higher reputation for the model, then a lower price.
					let standing = |who: &T::AccountId, price: BalanceOf<T>| {
						let reputation = Self::reputation_of(who, &model).unwrap_or_default();
						(reputation, core::cmp::Reverse(price))
					};
					let (worst, lowest) = book
						.iter()
						.enumerate()
						.map(|(at, (who, offer))| (at, standing(who, offer.price_per_token)))
						.min_by_key(|(_, standing)| *standing)
						.ok_or(Error::<T>::TooManyProvidersForModel)?;
					// And more stake: displacing honest stake from the book (and its juries)
					// costs a cartel more stake than it removes.
					let worst_stake = Providers::<T>::get(&book[worst].0)
						.map(|info| info.stake)
						.unwrap_or_default();
					ensure!(
						standing(&provider, price_per_token) > lowest && stake > worst_stake,
						Error::<T>::TooManyProvidersForModel
					);
					Some(book.remove(worst).0)
				} else {
					None
				};
				book.try_push((provider.clone(), Offer { price_per_token, max_concurrent }))
					.map_err(|_| Error::<T>::TooManyProvidersForModel)?;
				Ok::<_, DispatchError>(displaced)
			})?;
			if let Some(displaced) = displaced {
				Providers::<T>::mutate(&displaced, |entry| {
					if let Some(info) = entry {
						info.offers.retain(|m| *m != model);
					}
				});
				Self::deposit_event(Event::OfferDisplaced { provider: displaced, model });
			}
			Self::deposit_event(Event::OfferSet {
				provider,
				model,
				price_per_token,
				max_concurrent,
			});
			Ok(())
		}

		/// Changes the terms of an existing offer; jobs already assigned keep their terms.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::update_offer())]
		pub fn update_offer(
			origin: OriginFor<T>,
			model: ModelId,
			price_per_token: BalanceOf<T>,
			max_concurrent: u32,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::ensure_terms(price_per_token, max_concurrent)?;
			Offers::<T>::try_mutate(model, |book| {
				let (_, offer) = book
					.iter_mut()
					.find(|(who, _)| *who == provider)
					.ok_or(Error::<T>::NotOffered)?;
				*offer = Offer { price_per_token, max_concurrent };
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::OfferSet {
				provider,
				model,
				price_per_token,
				max_concurrent,
			});
			Ok(())
		}

		/// Stops offering `model`. Jobs already assigned still run to their end.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::retract())]
		pub fn retract(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				let position =
					info.offers.iter().position(|m| *m == model).ok_or(Error::<T>::NotOffered)?;
				info.offers.swap_remove(position);
				Offers::<T>::mutate_exists(model, |book| {
					if let Some(entries) = book {
						entries.retain(|(who, _)| *who != provider);
						if entries.is_empty() {
							*book = None;
						}
					}
				});
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::OfferRetracted { provider, model });
			Ok(())
		}

		/// Judges `model`'s disputes without offering it: the provider holds the file, sits on
		/// its juries with its stake behind its votes, and takes no jobs. The model must be
		/// active and the provider must have at least `MinProviderStake` bonded. A full book
		/// takes it in place of its verifier with the least stake, if that is less
		/// (`VerifierDisplaced`), so the book holds the stakes most at risk. Weighed as `offer`,
		/// which touches the same records, and a read of every verifier's stake.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::offer().saturating_add(
			T::DbWeight::get().reads_writes(T::MaxProvidersPerModel::get().into(), 1)
		))]
		pub fn verify(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			ensure!(T::Models::is_active(&model), Error::<T>::ModelNotActive);
			let displaced = Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(info.stake >= T::MinProviderStake::get(), Error::<T>::StakeTooLow);
				ensure!(!info.offers.contains(&model), Error::<T>::OffersThisModel);
				ensure!(!info.verifies.contains(&model), Error::<T>::AlreadyVerifying);
				ensure!(
					info.offers.len() + info.verifies.len()
						< T::MaxOffersPerProvider::get() as usize,
					Error::<T>::TooManyOffers
				);
				info.verifies.try_push(model).map_err(|_| Error::<T>::TooManyOffers)?;
				Ok::<_, DispatchError>(info.stake)
			})
			.and_then(|stake| {
				Verifiers::<T>::try_mutate(model, |book| {
					let displaced = if book.is_full() {
						let stake_of = |who: &T::AccountId| {
							Providers::<T>::get(who).map(|info| info.stake).unwrap_or_default()
						};
						let (smallest, least) = book
							.iter()
							.enumerate()
							.map(|(at, who)| (at, stake_of(who)))
							.min_by_key(|(_, stake)| *stake)
							.ok_or(Error::<T>::TooManyVerifiersForModel)?;
						ensure!(stake > least, Error::<T>::TooManyVerifiersForModel);
						Some(book.remove(smallest))
					} else {
						None
					};
					book.try_push(provider.clone())
						.map_err(|_| Error::<T>::TooManyVerifiersForModel)?;
					Ok::<_, DispatchError>(displaced)
				})
			})?;
			if let Some(displaced) = displaced {
				Providers::<T>::mutate(&displaced, |entry| {
					if let Some(info) = entry {
						info.verifies.retain(|m| *m != model);
					}
				});
				Self::deposit_event(Event::VerifierDisplaced { provider: displaced, model });
			}
			Self::deposit_event(Event::VerifierAdded { provider, model });
			Ok(())
		}

		/// Stops judging `model`. Juries it already sits on still count its vote. Weighed as
		/// `retract`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::retract())]
		pub fn stop_verifying(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Providers::<T>::try_mutate(&provider, |entry| {
				let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
				let position = info
					.verifies
					.iter()
					.position(|m| *m == model)
					.ok_or(Error::<T>::NotVerifying)?;
				info.verifies.swap_remove(position);
				Verifiers::<T>::mutate_exists(model, |book| {
					if let Some(entries) = book {
						entries.retain(|who| *who != provider);
						if entries.is_empty() {
							*book = None;
						}
					}
				});
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::VerifierRemoved { provider, model });
			Ok(())
		}
	}
}

/// What the benchmarks need from the rest of the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Makes `model` registered and active, so providers can offer it.
	fn activate_model(model: ModelId);
}

impl<T: Config> Pallet<T> {
	/// The invariants of stake on live state: a provider's stake hold is its bonded plus its
	/// unbonding stake, its locked collateral never exceeds its bonded stake, and the offer book
	/// and the verifiers' book list exactly the offers and verifications each provider records.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		use polkadot_sdk::frame_support::{ensure, traits::fungible::InspectHold};
		let (mut offers, mut verifications) = (0usize, 0usize);
		for (who, info) in Providers::<T>::iter() {
			let unbonding = info
				.unbonding
				.iter()
				.fold(BalanceOf::<T>::zero(), |sum, chunk| sum.saturating_add(chunk.amount));
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Stake.into(), &who)
					== info.stake.saturating_add(unbonding),
				"a provider's stake hold is its bonded and unbonding stake"
			);
			ensure!(info.locked <= info.stake, "locked collateral is bonded stake");
			for model in info.offers.iter() {
				ensure!(
					Offers::<T>::get(model).iter().any(|(provider, _)| *provider == who),
					"every recorded offer is in the book"
				);
			}
			offers += info.offers.len();
			for model in info.verifies.iter() {
				ensure!(
					Verifiers::<T>::get(model).contains(&who),
					"every recorded verification is in the verifiers' book"
				);
				ensure!(!info.offers.contains(model), "a verifier does not offer the model");
			}
			verifications += info.verifies.len();
		}
		ensure!(
			Offers::<T>::iter_values().map(|book| book.len()).sum::<usize>() == offers,
			"the book holds only recorded offers"
		);
		ensure!(
			Verifiers::<T>::iter_values().map(|book| book.len()).sum::<usize>() == verifications,
			"the verifiers' book holds only recorded verifications"
		);
		Ok(())
	}

	fn ensure_terms(price_per_token: BalanceOf<T>, max_concurrent: u32) -> Result<(), Error<T>> {
		use polkadot_sdk::frame_support::traits::Get;
		if price_per_token.is_zero() {
			return Err(Error::<T>::ZeroPrice);
		}
		if max_concurrent == 0 || max_concurrent > T::MaxConcurrentPerOffer::get() {
			return Err(Error::<T>::BadConcurrency);
		}
		Ok(())
	}

	/// The offers for `model`, one per provider.
	pub fn offers_for(model: &ModelId) -> OfferBookOf<T> {
		Offers::<T>::get(model)
	}

	/// `provider`'s reputation for `model` now, after decay; `None` for an unknown provider.
	pub fn reputation_of(provider: &T::AccountId, model: &ModelId) -> Option<Perbill> {
		use polkadot_sdk::frame_support::traits::Get;
		if !Providers::<T>::contains_key(provider) {
			return None;
		}
		let now = frame_system::Pallet::<T>::block_number();
		Some(
			Reputations::<T>::get(provider, model)
				.map_or(Reputation::<BlockNumberFor<T>>::NEUTRAL, |r| {
					r.score_at(now, T::ReputationHalfLife::get())
				}),
		)
	}

	/// `provider`'s lowest reputation over the models it offers (neutral with no offer): its
	/// standing at a glance, as the runtime API reports it.
	pub fn lowest_reputation(provider: &T::AccountId) -> Option<Perbill> {
		let info = Providers::<T>::get(provider)?;
		Some(
			info.offers
				.iter()
				.filter_map(|model| Self::reputation_of(provider, model))
				.min()
				.unwrap_or(Reputation::<BlockNumberFor<T>>::NEUTRAL),
		)
	}
}

impl<T: Config> OfferBook<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn offers(model: &ModelId) -> alloc::vec::Vec<(T::AccountId, Offer<BalanceOf<T>>)> {
		Offers::<T>::get(model).into_inner()
	}

	fn verifiers(model: &ModelId) -> alloc::vec::Vec<T::AccountId> {
		Verifiers::<T>::get(model).into_inner()
	}

	fn max_jurors() -> u32 {
		// Both books are bounded by `MaxProvidersPerModel`, and no account is in both.
		<T::MaxProvidersPerModel as polkadot_sdk::frame_support::traits::Get<u32>>::get()
			.saturating_mul(2)
	}

	fn reputation(provider: &T::AccountId, model: &ModelId) -> Option<Perbill> {
		Self::reputation_of(provider, model)
	}
}

impl<T: Config> ModelOffers for Pallet<T> {
	fn is_offered(model: &ModelId) -> bool {
		Offers::<T>::contains_key(model)
	}
}

impl<T: Config> ProviderCollateral<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn free_collateral(provider: &T::AccountId) -> BalanceOf<T> {
		Providers::<T>::get(provider)
			.map(|info| info.stake.saturating_sub(info.locked))
			.unwrap_or_else(Zero::zero)
	}

	fn lock_collateral(
		provider: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<(), polkadot_sdk::sp_runtime::DispatchError> {
		Providers::<T>::try_mutate(provider, |entry| {
			let info = entry.as_mut().ok_or(Error::<T>::NotRegistered)?;
			let locked = info.locked.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			if locked > info.stake {
				return Err(Error::<T>::InsufficientFreeStake.into());
			}
			info.locked = locked;
			Ok(())
		})
	}

	fn release_collateral(provider: &T::AccountId, amount: BalanceOf<T>) {
		Providers::<T>::mutate(provider, |entry| {
			if let Some(info) = entry {
				info.locked = info.locked.saturating_sub(amount);
			}
		});
	}

	fn slash_collateral(
		provider: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiary: &T::AccountId,
	) -> BalanceOf<T> {
		Providers::<T>::mutate(provider, |entry| {
			let Some(info) = entry else { return Zero::zero() };
			let wanted = amount.min(info.locked);
			let taken = T::Currency::transfer_on_hold(
				&HoldReason::Stake.into(),
				provider,
				beneficiary,
				wanted,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)
			// Best effort from held stake: only a payout below a new account's minimum fails,
			// and then nothing moves.
			.unwrap_or_else(|_| Zero::zero());
			info.locked = info.locked.saturating_sub(taken);
			info.stake = info.stake.checked_sub(&taken).unwrap_or_else(Zero::zero);
			if !taken.is_zero() {
				Self::deposit_event(Event::Slashed {
					provider: provider.clone(),
					amount: taken,
					beneficiary: beneficiary.clone(),
				});
			}
			taken
		})
	}

	fn record_outcome(provider: &T::AccountId, model: &ModelId, outcome: JobOutcome) {
		use polkadot_sdk::frame_support::traits::Get;
		if !Providers::<T>::contains_key(provider) {
			return;
		}
		let now = frame_system::Pallet::<T>::block_number();
		let score = Reputations::<T>::mutate(provider, model, |entry| {
			let reputation = entry.unwrap_or_else(|| Reputation::new(now)).record(
				outcome,
				now,
				T::ReputationHalfLife::get(),
			);
			*entry = Some(reputation);
			reputation.score
		});
		Self::deposit_event(Event::ReputationChanged {
			provider: provider.clone(),
			model: *model,
			outcome,
			score,
		});
	}
}
