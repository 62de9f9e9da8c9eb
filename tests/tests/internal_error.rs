//! A bug in pysock's host ends only the store it happened in. Here the bug is a panic in code the
//! embedder gave the host (an audit writer), which runs inside a host call: that guest stops with a
//! [`pysock::InternalError`] trap and its sockets close, while a guest in another store of the same
//! process goes on serving. The stores are built the way a library embedder builds them, with
//! `pysock::add_to_linker` and its own calls into the guest.

use pysock::runtime::State;
use pysock::{InternalError, NetworkPolicy, PysockCtx};
use pysock_tests::root;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, StoreLimits};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx};

/// An audit writer with a bug: it panics on its `n`th line.
struct PanicsOnLine(usize);

impl Write for PanicsOnLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 -= 1;
        assert!(self.0 > 0, "the embedder's audit writer failed");
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs tests/python/SCRIPT in a new store of `engine` on loopback, with `audit` as its audit log.
fn run(engine: &Engine, script: &str, args: &[&str], audit: Option<Box<dyn Write + Send>>) -> wasmtime::Result<()> {
    let component = pysock::runtime::load_sandboxed_python(engine, &root()).unwrap();
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    pysock::add_to_linker(&mut linker)?;
    let scripts = root().join("tests/python").canonicalize().unwrap();
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio()
        .args(&["python", &scripts.join(script).to_string_lossy()])
        .args(args)
        .preopened_dir(&scripts, scripts.to_string_lossy(), FsPerms::ReadOnly)?
        .preopened_dir(root().join("build/python/lib"), "/python", FsPerms::ReadOnly)?;
    let mut pysock = PysockCtx::builder().network(NetworkPolicy::loopback());
    if let Some(audit) = audit {
        pysock = pysock.audit(audit);
    }
    let mut store = Store::new(engine, State::new(wasi.build(), pysock.build()?, StoreLimits::default()));
    store.set_epoch_deadline(u64::MAX);
    // As an embedder must: the engine lets wasm use more stack than a test thread has.
    pysock::runtime::on_guest_stack(move || {
        let command = Command::instantiate(&mut store, &component, &linker)?;
        command.wasi_cli_run().call_run(&mut store)?.map_err(|()| wasmtime::Error::msg("the script failed"))
    })
    .expect("a thread for the guest")
}

#[test]
fn a_host_bug_ends_one_store_and_the_others_keep_serving() {
    let engine = pysock::runtime::engine(Default::default()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();

    // The guest that keeps serving: it echoes lines over a connection to this test.
    let serving = {
        let (engine, port) = (engine.clone(), port.clone());
        std::thread::spawn(move || run(&engine, "echo_back.py", &[&port], None))
    };
    let (conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut lines = BufReader::new(conn.try_clone().unwrap());
    let mut echo = |text: &str| {
        (&conn).write_all(text.as_bytes()).unwrap();
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        line
    };
    assert_eq!(echo("before\n"), "before\n");

    // The guest that meets the bug: its first connect is audited, its second connect's audit line
    // panics inside the host call.
    let failed = run(&engine, "hang.py", &["exit", &port, "2"], Some(Box::new(PanicsOnLine(2)))).unwrap_err();
    let internal = failed.downcast_ref::<InternalError>().unwrap_or_else(|| panic!("not an internal error: {failed:?}"));
    assert_eq!(internal.call, "socket.connect");
    assert!(internal.message.contains("the embedder's audit writer failed"), "{internal}");
    assert!(internal.to_string().starts_with("pysock internal error in the host call `socket.connect`"), "{internal}");
    // Its first connection closed with its store.
    let (mut first, _) = listener.accept().unwrap();
    first.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(first.read(&mut [0u8; 8]).unwrap(), 0, "the failed guest's socket is closed");

    // The other guest is still serving, and ends normally when its peer closes.
    assert_eq!(echo("after\n"), "after\n");
    drop(echo);
    conn.shutdown(std::net::Shutdown::Both).unwrap();
    serving.join().unwrap().unwrap();
}
