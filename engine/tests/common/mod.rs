//! What the tests on real files share: finding a file a fetch script put in the cache.

use std::path::PathBuf;

/// `file` in the directory `variable` names, or `~/.cache/faithful/<cache>`; `None` (with a
/// message) when it is absent. The README's test command runs the fetch scripts first and sets
/// `FAITHFUL_REQUIRE_MODEL`, so there a missing file fails instead of skipping; tests never
/// download anything themselves.
pub fn cached(variable: &str, cache: &str, file: &str, script: &str) -> Option<PathBuf> {
	let dir = std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
			.join(".cache/faithful")
			.join(cache)
	});
	let path = dir.join(file);
	if path.exists() {
		return Some(path);
	}
	let message = format!("{} is absent; run scripts/{script}", path.display());
	assert!(std::env::var_os("FAITHFUL_REQUIRE_MODEL").is_none(), "{message}");
	eprintln!("skipping: {message}");
	None
}
