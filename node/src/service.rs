//! Assembles the node: client, database, transaction pool, networking, RPC and consensus.
//!
//! Real networks run BABE for authoring and GRANDPA for finality. A development chain (chain type
//! `Development`, i.e. `--dev`) instead seals a block on a timer and finalizes it at once, but
//! still through BABE's block import with a VRF pre-digest, so the runtime's BABE randomness works
//! the same way in both modes.

use std::{sync::Arc, time::Duration};

use faithful_runtime::{opaque::Block, RuntimeApi};
use futures::{FutureExt, StreamExt};
use polkadot_sdk::{
	sc_basic_authorship,
	sc_client_api::{backend::Backend as _, BlockchainEvents, Finalizer},
	sc_consensus,
	sc_consensus_babe::{self, BabeLink, SlotProportion},
	sc_consensus_grandpa::{self, SharedVoterState},
	sc_consensus_manual_seal::{
		self,
		consensus::{babe::BabeConsensusDataProvider, timestamp::SlotTimestampProvider},
		EngineCommand, ManualSealParams,
	},
	sc_executor::WasmExecutor,
	sc_network::{self, NetworkBackend},
	sc_offchain,
	sc_service::{
		self, error::Error as ServiceError, ChainType, Configuration, PartialComponents,
		TaskManager, WarpSyncConfig,
	},
	sc_telemetry::{Telemetry, TelemetryWorker},
	sc_transaction_pool,
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
	sp_consensus_babe,
	sp_io::SubstrateHostFunctions,
	sp_runtime::traits::Block as BlockT,
	sp_timestamp,
};

/// The client, executing the wasm runtime only.
pub type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, WasmExecutor<SubstrateHostFunctions>>;
/// The database backend (ParityDb).
pub type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type TransactionPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;
type InherentsError = Box<dyn std::error::Error + Send + Sync>;
type InherentsFuture<P> = futures::future::BoxFuture<'static, Result<P, InherentsError>>;
/// A development block's BABE slot and its slot-aligned timestamp.
type DevInherents = (sp_consensus_babe::inherents::InherentDataProvider, SlotTimestampProvider);
/// A real network block's BABE slot and wall-clock timestamp.
type WallClockInherents =
	(sp_consensus_babe::inherents::InherentDataProvider, sp_timestamp::InherentDataProvider);

/// Blocks between GRANDPA justifications stored for light clients and warp sync.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The consensus pieces `new_partial` builds and `new_full` starts.
pub struct Consensus {
	/// BABE's block import (over GRANDPA's on real networks), for the block author.
	block_import: sc_consensus::BoxBlockImport<Block>,
	babe_link: BabeLink<Block>,
	/// `None` on a development chain, which finalizes by manual seal.
	grandpa_link: Option<GrandpaLink>,
	/// Serves BABE's RPC; the import queue's BABE worker stops when it is dropped. `None` on a
	/// development chain.
	babe_worker_handle: Option<sc_consensus_babe::BabeWorkerHandle<Block>>,
	telemetry: Option<Telemetry>,
}

type Service = PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	TransactionPool,
	Consensus,
>;

/// True for `--dev` and any other chain spec of type `Development`: manual seal, no GRANDPA.
fn is_development(config: &Configuration) -> bool {
	config.chain_spec.chain_type() == ChainType::Development
}

/// Inherent data for a development block: the timestamp advances exactly one BABE slot per
/// block, so blocks can come faster than slots without ever sharing one.
fn dev_inherents(
	client: Arc<FullClient>,
) -> impl Fn(<Block as BlockT>::Hash, ()) -> InherentsFuture<DevInherents> + Clone + Send + Sync {
	move |_parent, ()| {
		let client = client.clone();
		async move {
			let timestamp = SlotTimestampProvider::new_babe(client)?;
			let slot = sp_consensus_babe::inherents::InherentDataProvider::new(timestamp.slot());
			Ok((slot, timestamp))
		}
		.boxed()
	}
}

/// Inherent data for a real network: wall-clock time and the BABE slot it falls in.
fn wall_clock_inherents(
	slot_duration: sp_consensus_babe::SlotDuration,
) -> impl Fn(<Block as BlockT>::Hash, ()) -> InherentsFuture<WallClockInherents> + Clone + Send + Sync
{
	move |_parent, ()| {
		async move {
			let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
			let slot =
				sp_consensus_babe::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
					*timestamp,
					slot_duration,
				);
			Ok((slot, timestamp))
		}
		.boxed()
	}
}

/// A development chain's finality: every block that becomes best is final at once.
async fn finalize_every_new_best(client: Arc<FullClient>) {
	let mut imports = client.import_notification_stream();
	while let Some(block) = imports.next().await {
		if !block.is_new_best {
			continue;
		}
		if let Err(e) = client.finalize_block(block.hash, None, true) {
			log::warn!("could not finalize development block {}: {e}", block.hash);
		}
	}
}

/// Builds the parts every command needs: client, database, pool and the import queue.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, polkadot_sdk::sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let babe_config = sc_consensus_babe::configuration(&*client)?;
	let offchain_pool = OffchainTransactionPoolFactory::new(transaction_pool.clone());

	let (block_import, babe_link, grandpa_link, babe_worker_handle, import_queue) =
		if is_development(config) {
			let (babe_import, babe_link) = sc_consensus_babe::block_import(
				babe_config,
				client.clone(),
				client.clone(),
				dev_inherents(client.clone()),
				select_chain.clone(),
				offchain_pool,
			)?;
			let import_queue = sc_consensus_manual_seal::import_queue(
				Box::new(babe_import.clone()),
				&task_manager.spawn_essential_handle(),
				config.prometheus_registry(),
			);
			(
				Box::new(babe_import) as sc_consensus::BoxBlockImport<Block>,
				babe_link,
				None,
				None,
				import_queue,
			)
		} else {
			let (grandpa_import, grandpa_link) = sc_consensus_grandpa::block_import(
				client.clone(),
				GRANDPA_JUSTIFICATION_PERIOD,
				&client,
				select_chain.clone(),
				telemetry.as_ref().map(|x| x.handle()),
			)?;
			let slot_duration = babe_config.slot_duration();
			let (babe_import, babe_link) = sc_consensus_babe::block_import(
				babe_config,
				grandpa_import.clone(),
				client.clone(),
				wall_clock_inherents(slot_duration),
				select_chain.clone(),
				offchain_pool,
			)?;
			let (import_queue, babe_worker_handle) =
				sc_consensus_babe::import_queue(sc_consensus_babe::ImportQueueParams {
					link: babe_link.clone(),
					block_import: babe_import.clone(),
					justification_import: Some(Box::new(grandpa_import)),
					client: client.clone(),
					slot_duration,
					spawner: &task_manager.spawn_essential_handle(),
					registry: config.prometheus_registry(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
				})?;
			(
				Box::new(babe_import) as sc_consensus::BoxBlockImport<Block>,
				babe_link,
				Some(grandpa_link),
				Some(babe_worker_handle),
				import_queue,
			)
		};

	Ok(PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: Consensus { block_import, babe_link, grandpa_link, babe_worker_handle, telemetry },
	})
}

/// Builds and starts a full node; `dev_block_time` paces a development chain's manual seal.
pub fn new_full<N: NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	dev_block_time: Duration,
) -> Result<TaskManager, ServiceError> {
	let PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other:
			Consensus { block_import, babe_link, grandpa_link, babe_worker_handle, mut telemetry },
	} = new_partial(&config)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as BlockT>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let grandpa_protocol_name = sc_consensus_grandpa::protocol_standard_name(
		&client.chain_info().genesis_hash,
		&config.chain_spec,
	);
	let grandpa_network = grandpa_link.as_ref().map(|link| {
		let (protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(protocol_config);
		let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
			backend.clone(),
			link.shared_authority_set().clone(),
			Vec::default(),
		));
		(notification_service, warp_sync)
	});
	let (grandpa_notification_service, warp_sync_config) = match grandpa_network {
		Some((service, warp_sync)) => {
			(Some(service), Some(WarpSyncConfig::WithProvider(warp_sync)))
		}
		None => (None, None),
	};

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: false,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let dev = is_development(&config);
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let keystore = keystore_container.keystore();
		let select_chain = select_chain.clone();
		Box::new(move |_| {
			let babe = babe_worker_handle.clone().map(|worker_handle| crate::rpc::BabeDeps {
				worker_handle,
				keystore: keystore.clone(),
				select_chain: select_chain.clone(),
			});
			let deps = crate::rpc::FullDeps { client: client.clone(), pool: pool.clone(), babe };
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = || {
		sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		)
	};

	if dev {
		if !role.is_authority() {
			return Ok(task_manager);
		}
		let babe_config = babe_link.config().clone();
		let consensus_data_provider = BabeConsensusDataProvider::new(
			client.clone(),
			keystore_container.keystore(),
			babe_link.epoch_changes().clone(),
			babe_config.authorities.clone(),
		)
		.map_err(|e| ServiceError::Other(format!("development seal: {e}")))?;
		let mut timer = tokio::time::interval(dev_block_time);
		timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		let commands_stream = futures::stream::unfold(timer, |mut timer| async move {
			timer.tick().await;
			let seal = EngineCommand::SealNewBlock {
				create_empty: true,
				// Finalized below once imported: finalizing inside the import would notify
				// finality before the block's header is stored, which trips BABE's aux cleanup.
				finalize: false,
				parent_hash: None,
				sender: None,
			};
			Some((seal, timer))
		})
		.boxed();
		let authorship = sc_consensus_manual_seal::run_manual_seal(ManualSealParams {
			block_import,
			env: proposer_factory(),
			client: client.clone(),
			pool: transaction_pool,
			commands_stream,
			select_chain,
			consensus_data_provider: Some(Box::new(consensus_data_provider)),
			create_inherent_data_providers: dev_inherents(client.clone()),
		});
		task_manager.spawn_essential_handle().spawn_blocking(
			"manual-seal",
			Some("block-authoring"),
			authorship,
		);
		task_manager.spawn_essential_handle().spawn(
			"dev-finality",
			Some("block-authoring"),
			finalize_every_new_best(client),
		);
		return Ok(task_manager);
	}

	if role.is_authority() {
		let slot_duration = babe_link.config().slot_duration();
		let babe = sc_consensus_babe::start_babe(sc_consensus_babe::BabeParams {
			keystore: keystore_container.keystore(),
			client: client.clone(),
			select_chain,
			env: proposer_factory(),
			block_import,
			sync_oracle: sync_service.clone(),
			justification_sync_link: sync_service.clone(),
			create_inherent_data_providers: wall_clock_inherents(slot_duration),
			force_authoring,
			backoff_authoring_blocks: Option::<()>::None,
			babe_link,
			block_proposal_slot_portion: SlotProportion::new(0.5),
			max_block_proposal_slot_portion: None,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
		})?;
		task_manager.spawn_essential_handle().spawn_blocking(
			"babe-proposer",
			Some("block-authoring"),
			babe,
		);
	}

	if let (true, Some(link), Some(notification_service)) =
		(enable_grandpa, grandpa_link, grandpa_notification_service)
	{
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			// Only validators vote; other nodes follow finality without a key.
			keystore: role.is_authority().then(|| keystore_container.keystore()),
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let voter = sc_consensus_grandpa::run_grandpa_voter(sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link,
			network,
			sync: Arc::new(sync_service),
			notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		})?;
		task_manager.spawn_essential_handle().spawn_blocking("grandpa-voter", None, voter);
	}

	Ok(task_manager)
}
