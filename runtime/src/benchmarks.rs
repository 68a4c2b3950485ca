//! The pallets `faithful-node benchmark pallet` measures, and what their benchmarks need from the
//! runtime.

use super::*;
use faithful_primitives::models::{Architecture, ModelId, ModelInfo, ModelStatus};

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[pallet_models, Models]
	[pallet_providers, Providers]
	[pallet_jobs, Jobs]
);

/// Activates the models the provider benchmarks offer.
pub struct ProvidersBenchmarkHelper;

impl pallet_providers::BenchmarkHelper for ProvidersBenchmarkHelper {
	fn activate_model(model: ModelId) {
		activate(model)
	}
}

/// Builds the offer book the jobs benchmarks route over, through the providers pallet's calls.
pub struct JobsBenchmarkHelper;

impl pallet_jobs::BenchmarkHelper<AccountId, Balance> for JobsBenchmarkHelper {
	fn activate_model(model: ModelId) {
		activate(model)
	}

	fn offer(provider: &AccountId, model: ModelId, price_per_token: Balance) {
		use frame_support::traits::fungible::Mutate;
		let stake = 1_000_000 * FTH;
		Balances::set_balance(provider, 2 * stake);
		let origin = RuntimeOrigin::signed(provider.clone());
		Providers::register(origin.clone(), b"bench".to_vec().try_into().expect("short"), stake)
			.expect("a funded account registers");
		Providers::offer(origin, model, price_per_token, MaxConcurrentPerOffer::get())
			.expect("an active model can be offered");
	}

	fn max_offers() -> u32 {
		MaxProvidersPerModel::get()
	}
}

/// Registers `model` straight into the registry, owned by the treasury account and without a
/// deposit, so the benchmarks that need a model measure only their own pallet.
fn activate(model: ModelId) {
	let name = alloc::format!(
		"benchmark-{}",
		u32::from_le_bytes([model[0], model[1], model[2], model[3]])
	)
	.into_bytes();
	pallet_models::Models::<Runtime>::insert(
		model,
		ModelInfo {
			owner: TreasuryAccount::get(),
			name: name.try_into().expect("a short name fits the name bound"),
			architecture: Architecture::Llama,
			// Room for the longest prompt and output the benchmarks submit.
			context_length: u32::MAX,
			status: ModelStatus::Active { deposit: 0 },
			registered_at: System::block_number(),
		},
	);
}
