//! `faithful-worker`: the compute provider's command-line tool.

use std::{
	io::Write,
	path::{Path, PathBuf},
	process::ExitCode,
	time::Instant,
};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use faithful_engine::{self as engine, model_file, Device, Finish, Model, SampledParams, Sampling};
use faithful_worker::daemon;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Serve as a provider: register what is missing (with --auto-register), answer the jobs
	/// routed here, sit on committees, audit others. Runs until Ctrl-C or SIGTERM.
	Run(daemon::config::Settings),
	/// Measure load time, prefill and decode speed, teacher-forced verification time and peak
	/// memory (docs/performance.md). Threads follow RAYON_NUM_THREADS.
	Bench {
		#[command(flatten)]
		model: ModelArgs,
		/// Prompt tokens to prefill.
		#[arg(long, default_value_t = 128)]
		prompt_tokens: usize,
		/// Output lengths to decode and then verify, comma-separated.
		#[arg(long, value_delimiter = ',', default_values_t = [64, 256, 1024])]
		outputs: Vec<usize>,
	},
	/// Print a GGUF file's model id (its BLAKE2b-256 hash), the id models are registered under.
	ModelId {
		/// Path of the GGUF file.
		path: PathBuf,
	},
	/// Answer a chat prompt, streaming the answer to stdout; the output tokens, finish reason and
	/// speed go to stderr.
	Generate {
		#[command(flatten)]
		model: ModelArgs,
		#[command(flatten)]
		sampling: SamplingArgs,
		/// The most tokens to generate, the end-of-reply token included.
		#[arg(long, default_value_t = 256)]
		max_tokens: usize,
		/// The user's message.
		prompt: String,
	},
	/// Check a claimed answer by teacher-forced re-execution; exits 1 when it is rejected.
	Verify {
		#[command(flatten)]
		model: ModelArgs,
		#[command(flatten)]
		sampling: SamplingArgs,
		/// The user's message the answer claims to answer.
		#[arg(long)]
		prompt: String,
		/// The claimed output tokens, comma-separated (as `generate` prints them).
		#[arg(long, value_delimiter = ',', num_args = 1..)]
		tokens: Vec<u32>,
		/// How the claimed generation ended.
		#[arg(long, value_enum, default_value_t = FinishArg::Eos)]
		finish: FinishArg,
		/// The request's token budget.
		#[arg(long, default_value_t = 256)]
		max_tokens: usize,
		/// The tolerance on logit differences.
		#[arg(long, default_value_t = engine::DEFAULT_EPSILON)]
		epsilon: f64,
	},
}

#[derive(Args)]
struct ModelArgs {
	/// Path of the GGUF model.
	#[arg(long)]
	model: PathBuf,
	/// Where to run; `cuda` needs a build with the `cuda` feature. CPU threads follow
	/// RAYON_NUM_THREADS (default: the physical cores).
	#[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
	device: DeviceArg,
}

#[derive(Args)]
struct SamplingArgs {
	/// Sample at this temperature instead of taking the most likely token (0 means greedy).
	#[arg(long)]
	temperature: Option<f64>,
	/// Keep only the k most likely tokens (0: all).
	#[arg(long, default_value_t = 0, requires = "temperature")]
	top_k: u32,
	/// Keep the most likely tokens up to this probability mass (1: all).
	#[arg(long, default_value_t = 1.0, requires = "temperature")]
	top_p: f64,
	/// The sampler's seed.
	#[arg(long, default_value_t = 0, requires = "temperature")]
	seed: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceArg {
	Cpu,
	Cuda,
}

#[derive(Clone, Copy, ValueEnum)]
enum FinishArg {
	Eos,
	Length,
}

impl ModelArgs {
	fn load(&self) -> Result<Model> {
		let device = match self.device {
			DeviceArg::Cpu => Device::Cpu,
			DeviceArg::Cuda => Device::new_cuda(0).context("opening CUDA device 0")?,
		};
		Model::load(&self.model, &device)
	}
}

impl SamplingArgs {
	fn sampling(&self) -> Result<Sampling> {
		Ok(match self.temperature {
			None | Some(0.0) => Sampling::Greedy,
			Some(t) => Sampling::Sampled(SampledParams::new(t, self.top_k, self.top_p, self.seed)?),
		})
	}
}

fn main() -> Result<ExitCode> {
	match Cli::parse().command {
		Command::Run(settings) => {
			tracing_subscriber::fmt()
				.with_env_filter(
					tracing_subscriber::EnvFilter::try_from_default_env()
						.unwrap_or_else(|_| "info".into()),
				)
				.with_writer(std::io::stderr)
				// A closed span logs its time: where a job's load, prefill, decode or verify went.
				.with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
				.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
				.init();
			let config = settings.resolve()?;
			tokio::runtime::Runtime::new()?.block_on(daemon::run(config))?;
		}
		Command::ModelId { path } => print_model_id(&path)?,
		Command::Bench { model, prompt_tokens, outputs } => bench(&model, prompt_tokens, &outputs)?,
		Command::Generate { model, sampling, max_tokens, prompt } => {
			let sampling = sampling.sampling()?;
			let mut model = model.load()?;
			let prompt = model.chat_prompt(&prompt)?;
			let mut stdout = std::io::stdout().lock();
			let start = Instant::now();
			let mut first_token = None;
			let out = engine::generate(&mut model, &prompt, &sampling, max_tokens, |_, piece| {
				first_token.get_or_insert_with(Instant::now);
				// A closed stdout (a pipe into `head`) should not stop the run.
				let _ = stdout.write_all(piece.as_bytes()).and_then(|()| stdout.flush());
			})?;
			let end = Instant::now();
			let first = first_token.expect("at least one token");
			// Ignored like the pieces' writes.
			let _ = writeln!(stdout).and_then(|()| stdout.flush());
			let tokens: Vec<String> = out.tokens.iter().map(u32::to_string).collect();
			eprintln!("finish: {}", finish_name(out.finish));
			eprintln!("tokens ({}): {}", out.n_tokens(), tokens.join(","));
			eprintln!(
				"prompt: {} tokens, first token after {:.3} s; then {:.1} tokens/s",
				prompt.len(),
				(first - start).as_secs_f64(),
				(out.n_tokens() - 1) as f64 / (end - first).as_secs_f64()
			);
		}
		Command::Verify { model, sampling, prompt, tokens, finish, max_tokens, epsilon } => {
			let sampling = sampling.sampling()?;
			let model = model.load()?;
			let prompt = model.chat_prompt(&prompt)?;
			let finish = match finish {
				FinishArg::Eos => Finish::Eos,
				FinishArg::Length => Finish::Length,
			};
			let start = Instant::now();
			let verdict =
				engine::verify(&model, &prompt, &sampling, &tokens, finish, max_tokens, epsilon)?;
			let seconds = start.elapsed().as_secs_f64();
			if verdict.accepted {
				println!(
					"accepted: {} tokens, largest margin {:.6} (epsilon {epsilon}), {seconds:.3} s",
					tokens.len(),
					verdict.margin
				);
			} else {
				println!(
					"rejected at position {}: {:?}, margin {:.6} (epsilon {epsilon}), {seconds:.3} s",
					verdict.first_bad_position.expect("a rejection has a position"),
					verdict.rejection.expect("a rejection has a reason"),
					verdict.margin
				);
				return Ok(ExitCode::FAILURE);
			}
		}
	}
	Ok(ExitCode::SUCCESS)
}

/// Prefill, decode and verification timings on a fixed text. Decoding takes the most likely token
/// other than the end of the reply, so every run produces exactly the asked number of tokens; the
/// verification is the teacher-forced pass `verify` runs over prompt and output.
fn bench(args: &ModelArgs, prompt_tokens: usize, outputs: &[usize]) -> Result<()> {
	let started = Instant::now();
	let mut model = args.load()?;
	println!("load: {:.2} s", started.elapsed().as_secs_f64());
	println!(
		"kernels: {} ({} threads; {} and RAYON_NUM_THREADS choose)",
		faithful_kernels::Isa::detected(),
		rayon::current_num_threads(),
		faithful_kernels::ISA_VARIABLE
	);
	let text =
		"The history of the printing press begins in the fifteenth century, when movable type \
		changed how books were made, sold and read across Europe. ";
	let mut prompt = Vec::new();
	while prompt.len() < prompt_tokens {
		prompt.extend(model.tokenizer().encode(text)?);
	}
	prompt.truncate(prompt_tokens);
	let end = model.chat().end();
	for &n in outputs {
		let started = Instant::now();
		let mut logits = model.next_logits(&prompt, 0)?;
		let prefill = started.elapsed().as_secs_f64();
		let started = Instant::now();
		let mut output = Vec::with_capacity(n);
		while output.len() < n {
			let token = logits
				.iter()
				.enumerate()
				.filter(|&(t, _)| t as u32 != end)
				.max_by(|a, b| a.1.total_cmp(b.1))
				.map(|(t, _)| t as u32)
				.expect("a vocabulary");
			output.push(token);
			if output.len() < n {
				logits = model.next_logits(&[token], prompt.len() + output.len() - 1)?;
			}
		}
		let decode = started.elapsed().as_secs_f64();
		let started = Instant::now();
		let verdict = engine::verify(
			&model,
			&prompt,
			&Sampling::Greedy,
			&output,
			Finish::Length,
			n,
			engine::DEFAULT_EPSILON,
		)?;
		let verify = started.elapsed().as_secs_f64();
		println!(
			"prompt {prompt_tokens}, output {n}: prefill {:.1} tok/s, decode {:.1} tok/s, \
			 generation {:.2} s, verification {:.2} s = {:.2} of generation (accepted: {})",
			prompt_tokens as f64 / prefill,
			(n - 1) as f64 / decode,
			prefill + decode,
			verify,
			verify / (prefill + decode),
			verdict.accepted
		);
	}
	let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
	if let Some(peak) = status.lines().find(|l| l.starts_with("VmHWM:")) {
		println!("peak memory: {}", peak.trim_start_matches("VmHWM:").trim());
	}
	Ok(())
}

fn finish_name(finish: Finish) -> &'static str {
	match finish {
		Finish::Eos => "eos",
		Finish::Length => "length",
	}
}

fn print_model_id(path: &Path) -> Result<()> {
	let bar = ProgressBar::new(0).with_style(
		ProgressStyle::with_template("hashing {bytes}/{total_bytes} [{bar:30}] {eta}")
			.expect("valid progress template"),
	);
	let id = model_file::hash_file(path, |done, total| {
		bar.set_length(total);
		bar.set_position(done);
	})
	.with_context(|| format!("hashing {}", path.display()))?;
	bar.finish_and_clear();
	println!("{}", faithful_primitives::hex::encode(id.as_bytes()));
	Ok(())
}
