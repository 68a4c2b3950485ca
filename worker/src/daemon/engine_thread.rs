//! The models live on one thread of their own: inference is long CPU work that must not stall
//! the async runtime following the chain, and one sequence at a time is what a model's KV cache
//! and this machine's cores allow. Async code hands it closures and awaits their results.

use std::{
	any::Any,
	collections::BTreeMap,
	panic::{self, AssertUnwindSafe},
	sync::mpsc,
	thread,
};

use anyhow::{anyhow, Result};
use faithful_primitives::models::ModelId;
use tokio::sync::oneshot;

use faithful_engine::Model;

/// The loaded models, by id.
pub type Models = BTreeMap<ModelId, Model>;

type Work = Box<dyn FnOnce(&mut Models) + Send>;

/// A handle on the engine thread; clones share it.
#[derive(Clone)]
pub struct EngineThread {
	work: mpsc::Sender<Work>,
}

impl EngineThread {
	/// Starts the thread, which builds the models with `load` and then runs work in order.
	pub async fn start(load: impl FnOnce() -> Result<Models> + Send + 'static) -> Result<Self> {
		let (work, queue) = mpsc::channel::<Work>();
		let (loaded, ready) = oneshot::channel();
		thread::Builder::new().name("engine".into()).spawn(move || {
			let mut models = match load() {
				Ok(models) => {
					let _ = loaded.send(Ok(()));
					models
				}
				Err(e) => {
					let _ = loaded.send(Err(e));
					return;
				}
			};
			for job in queue {
				job(&mut models);
			}
		})?;
		ready.await.map_err(|_| anyhow!("the engine thread died while loading"))??;
		Ok(Self { work })
	}

	/// Runs `f` on the engine thread after the work queued before it.
	pub async fn run<R: Send + 'static>(
		&self,
		f: impl FnOnce(&mut Models) -> R + Send + 'static,
	) -> Result<R> {
		let (done, result) = oneshot::channel();
		self.work
			.send(Box::new(move |models| {
				// A panic in one job is that job's error: the thread lives on to serve the next
				// (each job starts its sequence at position 0, so no state carries over).
				let outcome = panic::catch_unwind(AssertUnwindSafe(|| f(models)));
				let _ = done.send(outcome.map_err(|payload| panic_message(&*payload)));
			}))
			.map_err(|_| anyhow!("the engine thread has stopped"))?;
		result
			.await
			.map_err(|_| anyhow!("the engine thread stopped during the work"))?
			.map_err(|message| anyhow!("the engine panicked: {message}"))
	}
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn Any + Send)) -> String {
	match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
		(Some(text), _) => (*text).to_owned(),
		(None, Some(text)) => text.clone(),
		(None, None) => "no message".to_owned(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn work_runs_in_order_on_the_loaded_models() {
		let engine = EngineThread::start(|| Ok(Models::new())).await.unwrap();
		let first = engine.run(|models| models.len()).await.unwrap();
		assert_eq!(first, 0);
		let name = engine.run(|_| thread::current().name().map(str::to_owned)).await.unwrap();
		assert_eq!(name.as_deref(), Some("engine"));
	}

	#[tokio::test]
	async fn a_panicking_job_is_reported_and_the_engine_keeps_serving() {
		let engine = EngineThread::start(|| Ok(Models::new())).await.unwrap();
		let err = engine.run(|_| -> usize { panic!("index out of bounds") }).await.unwrap_err();
		assert!(err.to_string().contains("the engine panicked: index out of bounds"), "{err}");
		assert_eq!(engine.run(|models| models.len()).await.unwrap(), 0, "still serving");
	}

	#[tokio::test]
	async fn a_failed_load_is_reported() {
		let err = EngineThread::start(|| Err(anyhow!("no such file"))).await.err().unwrap();
		assert!(err.to_string().contains("no such file"));
	}
}
