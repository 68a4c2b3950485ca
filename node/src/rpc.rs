//! The node's RPC methods beyond Substrate's standard set (which `sc-service` adds itself).

use std::sync::Arc;

use faithful_primitives::{api::MarketApi, AccountId, Balance, BlockNumber, Nonce};
use faithful_runtime::opaque::Block;
use jsonrpsee::RpcModule;
use polkadot_sdk::{
	pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer},
	sc_client_api::BlockchainEvents,
	sc_consensus_babe::BabeWorkerHandle,
	sc_consensus_babe_rpc::{Babe, BabeApiServer},
	sc_transaction_pool_api::TransactionPool,
	sp_api::ProvideRuntimeApi,
	sp_block_builder::BlockBuilder,
	sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
	sp_consensus::SelectChain,
	sp_consensus_babe::BabeApi,
	sp_keystore::KeystorePtr,
	substrate_frame_rpc_system::{System, SystemApiServer},
};

/// What BABE's RPC (`babe_epochAuthorship`) needs; absent on a development chain.
pub struct BabeDeps<SC> {
	pub worker_handle: BabeWorkerHandle<Block>,
	pub keystore: KeystorePtr,
	pub select_chain: SC,
}

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P, SC> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	pub babe: Option<BabeDeps<SC>>,
}

/// Account nonces (`system_accountNextIndex`), fee queries (`payment_*`), the market
/// (`faithful_*`) and, on real networks, which slots each local BABE key may author
/// (`babe_epochAuthorship`).
pub fn create_full<C, P, SC>(
	deps: FullDeps<C, P, SC>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: polkadot_sdk::frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce>
		+ polkadot_sdk::pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ BabeApi<Block>
		+ MarketApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + Clone + 'static,
{
	let mut module = RpcModule::new(());
	let FullDeps { client, pool, babe } = deps;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(crate::market_rpc::MarketRpcServer::into_rpc(crate::market_rpc::Market::new(
		client.clone(),
	)))?;
	if let Some(BabeDeps { worker_handle, keystore, select_chain }) = babe {
		module.merge(Babe::new(client, worker_handle, keystore, select_chain).into_rpc())?;
	}
	Ok(module)
}
