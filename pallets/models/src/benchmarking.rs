//! Benchmarks of the models pallet's calls, each at its worst case.

use super::*;
use alloc::vec;
use faithful_primitives::models::Architecture;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		traits::{fungible::Mutate, Get},
		BoundedVec,
	},
	frame_system::RawOrigin,
	sp_runtime::traits::Bounded,
};

/// A name of the longest allowed length, so storage keys are as large as they get.
fn longest_name<T: Config>() -> BoundedVec<u8, T::MaxNameLength> {
	BoundedVec::try_from(vec![b'm'; T::MaxNameLength::get() as usize]).expect("fits its bound")
}

fn funded_account<T: Config>() -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = whitelisted_caller();
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 2u32.into());
	who
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>, BalanceOf<T>: Bounded)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let owner = funded_account::<T>();
		let model = ModelId::repeat_byte(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model, longest_name::<T>(), Architecture::Llama, 8192);

		assert!(Models::<T>::get(model).is_some_and(|info| info.is_active()));
	}

	#[benchmark]
	fn retire() {
		let owner = funded_account::<T>();
		let model = ModelId::repeat_byte(1);
		Pallet::<T>::register(
			RawOrigin::Signed(owner.clone()).into(),
			model,
			longest_name::<T>(),
			Architecture::Llama,
			8192,
		)
		.expect("registration succeeds");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), model);

		assert!(Models::<T>::get(model).is_some_and(|info| !info.is_active()));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
