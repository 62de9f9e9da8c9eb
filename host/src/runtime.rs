//! Running a WASI command component on pysock: composition with the guest, a compiled-component
//! cache, and the store that holds WASI and pysock state.

use crate::{NetworkPolicy, PysockCtx, PysockCtxView, PysockView, compose};
use anyhow::{Context, Result, bail};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

/// Store data for a command running on pysock.
pub struct State {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub pysock: PysockCtx,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl PysockView for State {
    fn pysock(&mut self) -> PysockCtxView<'_> {
        PysockCtxView { ctx: &mut self.pysock, table: &mut self.table }
    }
}

/// What a run may see and reach.
#[derive(Default, Clone)]
pub struct RunOptions {
    pub args: Vec<String>,
    /// (host path, guest path) pairs, preopened read-only.
    pub dirs: Vec<(PathBuf, String)>,
    pub env: Vec<(String, String)>,
    pub network: NetworkPolicy,
    pub default_trust: crate::DefaultTrust,
    /// TLS identities held for the guest: (name, chain PEM, key PEM).
    pub identities: Vec<(String, Vec<u8>, Vec<u8>)>,
}

pub fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    Ok(Engine::new(&config)?)
}

/// Composes `app` with `guest` and compiles the result, reusing a compiled copy from `cache_dir`
/// when the inputs are unchanged: a CPython component takes seconds to compile, milliseconds to load.
pub fn load_composed(engine: &Engine, app: &Path, guest: &Path, cache_dir: Option<&Path>) -> Result<Component> {
    let cached = match cache_dir {
        Some(dir) => Some(dir.join(format!("{}.cwasm", cache_key(app, guest)?))),
        None => None,
    };
    if let Some(path) = cached.as_ref().filter(|p| p.exists()) {
        if let Ok(c) = crate::sys::load_compiled(engine, path) {
            return Ok(c);
        }
    }
    let app_bytes = std::fs::read(app).with_context(|| format!("cannot read the component {}", app.display()))?;
    let guest_bytes = std::fs::read(guest)
        .with_context(|| format!("cannot read the pysock guest {} (build it: see README.md)", guest.display()))?;
    let composed = compose::plug_guest(&app_bytes, &guest_bytes)?;
    let component = Component::new(engine, &composed)
        .map_err(anyhow::Error::from)
        .context("compiling the composed component")?;
    if let Some(path) = &cached {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Write then rename, so a concurrent run never loads a half-written file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, component.serialize().map_err(anyhow::Error::from)?).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
        prune_cache(path.parent().unwrap_or(Path::new(".")));
    }
    Ok(component)
}

/// How many compiled components the cache keeps (each is tens of MB); older ones are removed.
const CACHE_ENTRIES: usize = 4;

fn prune_cache(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0));
    for (_, old) in files.into_iter().skip(CACHE_ENTRIES) {
        let _ = std::fs::remove_file(old);
    }
}

/// Names a compiled composition by its inputs' paths, sizes and modification times, as build tools
/// do: hashing 18 MB of CPython on every start would cost more than loading the compiled result.
fn cache_key(app: &Path, guest: &Path) -> Result<String> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for input in [app, guest] {
        let meta = std::fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?;
        input.hash(&mut h);
        meta.len().hash(&mut h);
        meta.modified()?.hash(&mut h);
    }
    env!("CARGO_PKG_VERSION").hash(&mut h);
    Ok(format!("{:016x}", h.finish()))
}

/// Runs a composed `wasi:cli/command` component and returns its exit code.
pub fn run_command(engine: &Engine, component: &Component, options: &RunOptions) -> Result<i32> {
    let mut linker: Linker<State> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    crate::add_to_linker(&mut linker)?;

    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().args(&options.args);
    for (k, v) in &options.env {
        wasi.env(k, v);
    }
    // The interpreter reaches the network only through pysock, never through wasi:sockets.
    wasi.allow_ip_name_lookup(false).allow_tcp(false).allow_udp(false);
    for (host, guest) in &options.dirs {
        wasi.preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot make {} readable in the sandbox", host.display()))?;
    }
    let mut builder = PysockCtx::builder().network(options.network.clone()).default_trust(options.default_trust.clone());
    for (name, chain, key) in &options.identities {
        builder = builder.tls_identity(name.clone(), chain.clone(), key.clone());
    }
    let pysock = builder.build()?;
    let state = State { wasi: wasi.build(), table: ResourceTable::new(), pysock };
    let mut store = Store::new(engine, state);
    let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &linker)?;
    match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => bail!(e),
        },
    }
}
