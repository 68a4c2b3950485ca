//! Benchmarks of the providers pallet's calls, each at its worst case: the longest endpoint, the
//! fullest unbonding queue and offer book the bounds allow.

use super::*;
use alloc::vec;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		traits::{fungible::Mutate, Get},
		BoundedVec,
	},
	frame_system::RawOrigin,
	sp_runtime::traits::Bounded,
};

/// The model every benchmark offers; `crowd_the_book` makes it active.
fn benchmark_model() -> ModelId {
	ModelId::repeat_byte(0xbe)
}

fn longest_endpoint<T: Config>() -> BoundedVec<u8, T::MaxEndpointLength> {
	BoundedVec::try_from(vec![b'e'; T::MaxEndpointLength::get() as usize]).expect("fits its bound")
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	// Plenty for any stake here, and small enough that a full offer book of funded providers
	// cannot overflow total issuance.
	T::Currency::set_balance(&who, T::MinProviderStake::get().saturating_mul(1_000u32.into()));
	who
}

fn registered<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who = funded::<T>(name, index);
	let stake = T::MinProviderStake::get() * 4u32.into();
	Pallet::<T>::register(RawOrigin::Signed(who.clone()).into(), longest_endpoint::<T>(), stake)
		.expect("registration succeeds");
	who
}

/// Activates the benchmark model and fills its offer book with other providers, leaving room
/// for one more.
fn crowd_the_book<T: Config>()
where
	T::Currency: Mutate<T::AccountId>,
{
	T::BenchmarkHelper::activate_model(benchmark_model());
	for i in 0..T::MaxProvidersPerModel::get().saturating_sub(1) {
		let other = registered::<T>("other", i);
		Pallet::<T>::offer(RawOrigin::Signed(other).into(), benchmark_model(), 1u32.into(), 1)
			.expect("offer succeeds");
	}
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>, BalanceOf<T>: Bounded)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let who = funded::<T>("provider", 0);
		let stake = T::MinProviderStake::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), longest_endpoint::<T>(), stake);

		assert!(Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		let who = registered::<T>("provider", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::MinProviderStake::get());

		assert_eq!(
			Providers::<T>::get(&who).unwrap().stake,
			T::MinProviderStake::get() * 5u32.into()
		);
	}

	#[benchmark]
	fn unbond() {
		let who = registered::<T>("provider", 0);
		for _ in 1..T::MaxUnbondingChunks::get() {
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), 1u32.into())
				.expect("unbond succeeds");
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1u32.into());

		assert_eq!(
			Providers::<T>::get(&who).unwrap().unbonding.len() as u32,
			T::MaxUnbondingChunks::get()
		);
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let who = registered::<T>("provider", 0);
		for _ in 0..T::MaxUnbondingChunks::get() {
			Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), 1u32.into())
				.expect("unbond succeeds");
		}
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get(),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Providers::<T>::get(&who).unwrap().unbonding.is_empty());
	}

	#[benchmark]
	fn deregister() {
		let who = registered::<T>("provider", 0);
		let stake = Providers::<T>::get(&who).unwrap().stake;
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), stake).expect("unbond succeeds");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get(),
		);
		Pallet::<T>::withdraw_unbonded(RawOrigin::Signed(who.clone()).into())
			.expect("withdraw succeeds");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn offer() {
		crowd_the_book::<T>();
		let who = registered::<T>("provider", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), benchmark_model(), 1u32.into(), 1);

		assert_eq!(
			Offers::<T>::get(benchmark_model()).len() as u32,
			T::MaxProvidersPerModel::get()
		);
	}

	#[benchmark]
	fn update_offer() {
		crowd_the_book::<T>();
		let who = registered::<T>("provider", 0);
		Pallet::<T>::offer(
			RawOrigin::Signed(who.clone()).into(),
			benchmark_model(),
			1u32.into(),
			1,
		)
		.expect("offer succeeds");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), benchmark_model(), 2u32.into(), 1);

		assert!(Offers::<T>::get(benchmark_model())
			.iter()
			.any(|(p, o)| *p == who && o.price_per_token == 2u32.into()));
	}

	#[benchmark]
	fn retract() {
		crowd_the_book::<T>();
		let who = registered::<T>("provider", 0);
		Pallet::<T>::offer(
			RawOrigin::Signed(who.clone()).into(),
			benchmark_model(),
			1u32.into(),
			1,
		)
		.expect("offer succeeds");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), benchmark_model());

		assert!(Providers::<T>::get(&who).unwrap().offers.is_empty());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
