//! Helpers for pysock's component-level tests: where the built artifacts are.

use std::path::PathBuf;

/// The checkout root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared folder (the public conformance suite and its certificates): PYSOCK_SHARED, which
/// scripts/shared.sh sets, else ../shared beside the checkout, as CI lays it out.
pub fn shared() -> PathBuf {
    std::env::var_os("PYSOCK_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"))
}

/// The `pysock` CLI built by scripts/setup.sh.
pub fn pysock_bin() -> PathBuf {
    root().join("target/debug/pysock")
}

/// Ends a `pysock python` child as Ctrl-C would (KeyboardInterrupt, so the run ends and removes its
/// private temporary folder), or by SIGKILL if it has not ended within five seconds.
pub fn stop(child: &mut std::process::Child) {
    // SAFETY: kill(2) with the pid of a child the caller started and has not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
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

/// A folder of a test's own under the temporary directory, `pysock-WHAT-PID`, removed when dropped,
/// so that a test that fails leaves nothing behind either.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("pysock-{what}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir.canonicalize().unwrap())
    }

    /// Writes `text` to `name` inside the folder (making its parents); returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
