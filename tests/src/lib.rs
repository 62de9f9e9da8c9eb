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

/// Runs tests/python/SCRIPT with `args` through the `pysock` CLI with `options`; never asserts.
pub fn pysock_python<S: AsRef<std::ffi::OsStr>>(options: &[S], script: &str, args: &[S]) -> std::process::Output {
    std::process::Command::new(pysock_bin())
        .arg("python")
        .args(options)
        .arg(root().join("tests/python").join(script))
        .args(args)
        .output()
        .expect("the pysock CLI is built by scripts/setup.sh")
}

/// Runs tests/python/SCRIPT with `args` in this process, so a test can count this process's
/// descriptors; `options` supplies policy, quotas and limits (its args and dirs are filled in).
pub fn run_in_process(script: &str, args: &[&str], mut options: pysock::runtime::RunOptions) -> anyhow::Result<i32> {
    use pysock::runtime;
    let engine = runtime::engine(options.interruption())?;
    let component = runtime::load_sandboxed_python(&engine, &root())?;
    let script_dir = root().join("tests/python").canonicalize()?;
    options.args = ["python".to_string(), script_dir.join(script).to_string_lossy().into_owned()]
        .into_iter()
        .chain(args.iter().map(|a| a.to_string()))
        .collect();
    options.dirs = vec![
        (script_dir.clone(), script_dir.to_string_lossy().into_owned()),
        (root().join("build/python/lib"), "/python".into()),
    ];
    runtime::run_command(&engine, &component, &options)
}
