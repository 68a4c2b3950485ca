//! Command-line interface of `faithful-node`.

use polkadot_sdk::sc_cli;

/// Default milliseconds between blocks of a development chain.
pub const DEFAULT_DEV_BLOCK_TIME_MS: u64 = 1_000;

#[derive(Debug, clap::Parser)]
#[command(version, propagate_version = true, args_conflicts_with_subcommands = true)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Milliseconds between blocks on a development chain (`--dev`), which seals blocks on this
	/// timer and finalizes each at once instead of running BABE slots and GRANDPA.
	#[arg(long, default_value_t = DEFAULT_DEV_BLOCK_TIME_MS, value_parser = clap::value_parser!(u64).range(10..))]
	pub dev_block_time: u64,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (add `--raw` for the form a network launches from).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification without starting a client.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Measure the runtime's pallets (`benchmark pallet`); see `scripts/bench.sh`.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd),
}
