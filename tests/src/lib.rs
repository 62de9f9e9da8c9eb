//! Helpers for pysock's component-level tests: where the built artifacts are.

use std::path::PathBuf;

/// The checkout root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `pysock` CLI built by scripts/setup.sh.
pub fn pysock_bin() -> PathBuf {
    root().join("target/debug/pysock")
}
