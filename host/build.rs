//! Carries the sandboxed interpreter inside the `pysock` binary, so an installed or copied binary
//! runs `pysock python` with no checkout beside it.
//!
//! When `scripts/setup.sh` has built the interpreter component and extracted its standard library
//! (`build/python/`, or the folder named by `PYSOCK_EMBED`), this packs both, zstd-compressed, into
//! `OUT_DIR` and sets `cfg(pysock_embedded)`; `runtime::Interpreter::embedded` unpacks them. Without
//! them the binary still builds and finds a checkout at run time, as before.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pysock_embedded)");
    println!("cargo::rerun-if-env-changed=PYSOCK_EMBED");
    let source = match std::env::var_os("PYSOCK_EMBED") {
        Some(dir) if dir.is_empty() => return, // PYSOCK_EMBED= turns embedding off
        Some(dir) => PathBuf::from(dir),
        // Read when the script runs, not when it was compiled: a build script compiled for one
        // checkout is reused for another that shares the target folder.
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../build/python"),
    };
    let (component, stdlib) = (source.join("interpreter.wasm"), source.join("lib"));
    if !component.is_file() || !stdlib.join("os.py").is_file() {
        // Nothing to carry yet; scripts/setup.sh builds the interpreter before the host, so a later
        // cargo build after setup sees it (this script watches the folder once it exists).
        if source.is_dir() {
            println!("cargo::rerun-if-changed={}", source.display());
        }
        return;
    }
    println!("cargo::rerun-if-changed={}", component.display());
    println!("cargo::rerun-if-changed={}", stdlib.display());

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    let wasm = std::fs::read(&component).expect("reading the interpreter component");
    wasm.hash(&mut digest);
    // The compiled interpreter depends on the component alone: a new standard library (say, its
    // bytecode, compiled after the first build) must not make every machine compile it again.
    println!("cargo::rustc-env=PYSOCK_EMBEDDED_COMPONENT_DIGEST={:016x}", digest.finish());
    compress(&wasm, &out.join("interpreter.wasm.zst"));

    // The standard library as one stream of (path, bytes) records, in a stable order.
    let mut files = Vec::new();
    collect(&stdlib, &stdlib, &mut files);
    files.sort();
    let mut archive = Vec::new();
    for relative in &files {
        let bytes = std::fs::read(stdlib.join(relative)).expect("reading the standard library");
        let name = relative.to_str().expect("the standard library's file names are UTF-8");
        archive.extend_from_slice(&u32::try_from(name.len()).unwrap().to_le_bytes());
        archive.extend_from_slice(name.as_bytes());
        archive.extend_from_slice(&u64::try_from(bytes.len()).unwrap().to_le_bytes());
        archive.extend_from_slice(&bytes);
    }
    archive.hash(&mut digest);
    compress(&archive, &out.join("stdlib.zst"));

    println!("cargo::rustc-env=PYSOCK_EMBEDDED_DIGEST={:016x}", digest.finish());
    println!("cargo::rustc-cfg=pysock_embedded");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("listing the standard library") {
        let path = entry.expect("listing the standard library").path();
        if path.is_dir() {
            // __pycache__ too: scripts/setup.sh compiles the library there, or every import of a
            // module outside the interpreter's snapshot would compile its source at run time.
            collect(root, &path, files);
        } else {
            files.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

fn compress(bytes: &[u8], to: &Path) {
    // Level 9: a third of the input, in a few seconds; higher levels save little and cost minutes.
    let packed = zstd::bulk::compress(bytes, 9).expect("compressing");
    std::fs::File::create(to).and_then(|mut f| f.write_all(&packed)).expect("writing OUT_DIR");
}
