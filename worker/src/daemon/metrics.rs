//! The daemon's Prometheus metrics, served at `http://<addr>/metrics`.

use std::net::SocketAddr;

use anyhow::Result;
use polkadot_sdk::substrate_prometheus_endpoint::{
	self as prometheus, register, Counter, CounterVec, Gauge, Opts, Registry, F64, U64,
};

/// What a provider watches: work done, speed, money and verification duties.
#[derive(Clone)]
pub struct Metrics {
	pub jobs_served: Counter<U64>,
	pub tokens_generated: Counter<U64>,
	pub tokens_per_second: Gauge<F64>,
	pub earned_fth: Counter<F64>,
	pub timeouts: Counter<U64>,
	pub slashes: Counter<U64>,
	pub verifications: CounterVec<U64>,
	pub challenges: Counter<U64>,
	pub finalized_block: Gauge<U64>,
}

impl Metrics {
	pub fn register(registry: &Registry) -> Result<Self> {
		Ok(Self {
			jobs_served: register(
				Counter::new("faithful_worker_jobs_served_total", "Results delivered on chain")?,
				registry,
			)?,
			tokens_generated: register(
				Counter::new("faithful_worker_tokens_generated_total", "Output tokens generated")?,
				registry,
			)?,
			tokens_per_second: register(
				Gauge::new("faithful_worker_tokens_per_second", "Decode speed of the last job")?,
				registry,
			)?,
			earned_fth: register(
				Counter::new(
					"faithful_worker_earned_fth_total",
					"FTH paid to this provider by settled jobs",
				)?,
				registry,
			)?,
			timeouts: register(
				Counter::new("faithful_worker_timeouts_total", "Jobs this provider missed")?,
				registry,
			)?,
			slashes: register(
				Counter::new("faithful_worker_slashes_total", "Results of this provider slashed")?,
				registry,
			)?,
			verifications: register(
				CounterVec::new(
					Opts::new("faithful_worker_verifications_total", "Answers re-executed"),
					&["verdict"],
				)?,
				registry,
			)?,
			challenges: register(
				Counter::new("faithful_worker_challenges_total", "Results this worker challenged")?,
				registry,
			)?,
			finalized_block: register(
				Gauge::new("faithful_worker_finalized_block", "Last finalized block handled")?,
				registry,
			)?,
		})
	}
}

/// Serves `registry` on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, registry: Registry) -> Result<()> {
	prometheus::init_prometheus(addr, registry)
		.await
		.map_err(|e| anyhow::anyhow!("serving metrics on {addr}: {e}"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_metric_registers_once_under_its_own_name() {
		let registry = Registry::new();
		let metrics = Metrics::register(&registry).unwrap();
		metrics.verifications.with_label_values(&["valid"]).inc();
		let names: Vec<String> =
			registry.gather().iter().map(|f| f.get_name().to_owned()).collect();
		assert_eq!(names.len(), 9, "{names:?}");
		assert!(names.iter().all(|n| n.starts_with("faithful_worker_")));
		assert!(Metrics::register(&registry).is_err(), "a second registration collides");
	}
}
