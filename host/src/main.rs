//! The `pysock` command line.
//!
//! ```text
//! pysock python [--allow-loopback] [--allow-net] [--dir PATH]... SCRIPT.py [ARGS...]
//! pysock run    [--allow-loopback] [--allow-net] [--dir PATH]... COMPONENT.wasm [ARGS...]
//! ```

use anyhow::{Context, Result, bail};
use pysock::NetworkPolicy;
use pysock::runtime::{self, RunOptions};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage:
  pysock python [--allow-loopback] [--allow-net] [--dir PATH]... SCRIPT.py [ARGS...]
  pysock run    [--allow-loopback] [--allow-net] [--dir PATH]... COMPONENT.wasm [ARGS...]

Without an --allow option the sandbox has no network.
  --allow-loopback  connect, bind and UDP on 127.0.0.0/8 and ::1; resolve localhost
  --allow-net       everything the host can reach
  --dir PATH        make PATH readable inside the sandbox at the same absolute path
  --ca-file PATH    what ssl.create_default_context() trusts: the CAs in this PEM file
  --system-ca       what ssl.create_default_context() trusts: the host's system store
                    (without either, default contexts trust nothing until code loads CAs)
  --tls-identity NAME=CERT,KEY
                    a certificate and key the sandbox uses by name, never seeing the key:
                    ctx.load_cert_chain('pysock-identity:NAME')

Environment: PYSOCK_HOME (the built checkout), PYSOCK_GUEST, PYSOCK_PYTHON (components).";

/// Where the built artifacts live: a checkout in which `.ci/setup` ran.
fn home() -> PathBuf {
    std::env::var_os("PYSOCK_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

fn artifact(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| home().join(default))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(p).with_context(|| format!("cannot find {}", p.display()))
}

fn main() {
    match real_main() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("pysock: {e:#}");
            std::process::exit(2);
        }
    }
}

fn real_main() -> Result<i32> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    if command != "python" && command != "run" {
        eprintln!("{USAGE}");
        return Ok(2);
    }
    let mut options = RunOptions::default();
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--allow-loopback" => {
                if options.network != NetworkPolicy::Allow {
                    options.network = NetworkPolicy::Loopback;
                }
            }
            "--allow-net" => options.network = NetworkPolicy::Allow,
            "--ca-file" => {
                let path = args.next().context("--ca-file needs a PATH")?;
                options.default_trust = pysock::DefaultTrust::PemFile(absolute(Path::new(&path))?);
            }
            "--system-ca" => options.default_trust = pysock::DefaultTrust::System,
            "--tls-identity" => {
                let spec = args.next().context("--tls-identity needs NAME=CERT,KEY")?;
                let (name, files) = spec.split_once('=').context("--tls-identity needs NAME=CERT,KEY")?;
                let (cert, key) = files.split_once(',').context("--tls-identity needs NAME=CERT,KEY")?;
                let read = |p: &str| std::fs::read(p).with_context(|| format!("cannot read {p} for --tls-identity {name}"));
                options.identities.push((name.to_string(), read(cert)?, read(key)?));
            }
            "--dir" => {
                let path = args.next().context("--dir needs a PATH")?;
                let abs = absolute(Path::new(&path))?;
                let guest = abs.to_string_lossy().into_owned();
                options.dirs.push((abs, guest));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(0);
            }
            s if s.starts_with("--") => bail!("unknown option {s}\n{USAGE}"),
            _ => {
                rest.push(arg);
                rest.extend(args.by_ref());
            }
        }
    }
    let Some(target) = rest.first().cloned() else {
        bail!("missing {}\n{USAGE}", if command == "python" { "SCRIPT.py" } else { "COMPONENT.wasm" });
    };
    let engine = runtime::engine()?;
    let guest = artifact("PYSOCK_GUEST", "target/wasm32-wasip2/release/pysock_guest.wasm");
    let cache = home().join("build/cache");
    if command == "run" {
        let component = runtime::load_composed(&engine, Path::new(&target), &guest, Some(&cache))?;
        options.args = rest;
        return runtime::run_command(&engine, &component, &options);
    }
    let script = absolute(Path::new(&target))?;
    let script_dir = script.parent().context("the script has no folder")?.to_path_buf();
    let interpreter = artifact("PYSOCK_PYTHON", "build/python/interpreter.wasm");
    let stdlib = home().join("build/python/lib");
    if !interpreter.exists() || !stdlib.exists() {
        bail!(
            "the sandboxed interpreter is not built ({} missing); run `bash .ci/setup` in {}",
            interpreter.display(),
            home().display()
        );
    }
    options.dirs.push((script_dir.clone(), script_dir.to_string_lossy().into_owned()));
    // A folder inside another preopened one would shadow it: wasi-libc resolves a path against the
    // longest matching preopen, so `public/../certs` would leave the inner one and be refused.
    let all: Vec<PathBuf> = options.dirs.iter().map(|(host, _)| host.clone()).collect();
    options.dirs.retain(|(host, _)| !all.iter().any(|outer| outer != host && host.starts_with(outer)));
    options.dirs.dedup();
    options.dirs.push((stdlib, "/python".into()));
    options.args = std::iter::once("python".to_string())
        .chain(std::iter::once(script.to_string_lossy().into_owned()))
        .chain(rest.into_iter().skip(1))
        .collect();
    let component = runtime::load_composed(&engine, &interpreter, &guest, Some(&cache))?;
    runtime::run_command(&engine, &component, &options)
}
