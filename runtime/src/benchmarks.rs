//! The pallets `faithful-node benchmark pallet` measures, and what their benchmarks need from the
//! runtime.

use super::*;
use faithful_primitives::models::{Architecture, ModelId, ModelInfo, ModelStatus};

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[pallet_models, Models]
	[pallet_providers, Providers]
);

/// Registers benchmark models straight into the registry, owned by the treasury account and
/// without a deposit, so provider benchmarks measure only the provider pallet.
pub struct ProvidersBenchmarkHelper;

impl pallet_providers::BenchmarkHelper for ProvidersBenchmarkHelper {
	fn activate_model(model: ModelId) {
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
				context_length: 2048,
				status: ModelStatus::Active { deposit: 0 },
				registered_at: System::block_number(),
			},
		);
	}
}
