//! The one place where the runtime's own types (`faithful_primitives`) become subxt's generated
//! copies of them, which calls must be built from. Each conversion is exhaustive, so a new
//! variant on either side fails to compile here rather than at a call site.

use faithful_primitives::{
	jobs::{FinishReason, Judging, Sampling, Verdict},
	models::Architecture,
};

use crate::chain::runtime_types::{
	faithful_primitives::{jobs as chain_jobs, models as chain_models},
	sp_arithmetic::per_things::Permill,
};

impl From<Architecture> for chain_models::Architecture {
	fn from(architecture: Architecture) -> Self {
		match architecture {
			Architecture::Llama => Self::Llama,
			Architecture::Qwen2 => Self::Qwen2,
			Architecture::Gemma3 => Self::Gemma3,
		}
	}
}

impl From<Sampling> for chain_jobs::Sampling {
	fn from(sampling: Sampling) -> Self {
		match sampling {
			Sampling::Greedy => Self::Greedy,
			Sampling::Sampled { temperature_milli, top_k, top_p } => {
				Self::Sampled { temperature_milli, top_k, top_p: Permill(top_p.deconstruct()) }
			}
		}
	}
}

impl From<Judging> for chain_jobs::Judging {
	fn from(judging: Judging) -> Self {
		match judging {
			Judging::Required => Self::Required,
			Judging::Waived => Self::Waived,
		}
	}
}

impl From<FinishReason> for chain_jobs::FinishReason {
	fn from(finish: FinishReason) -> Self {
		match finish {
			FinishReason::Eos => Self::Eos,
			FinishReason::Length => Self::Length,
		}
	}
}

impl From<Verdict> for chain_jobs::Verdict {
	fn from(verdict: Verdict) -> Self {
		match verdict {
			Verdict::Valid => Self::Valid,
			Verdict::Invalid => Self::Invalid,
		}
	}
}
