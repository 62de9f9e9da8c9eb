//! The examples in examples/, against native CPython peers on loopback.

use pysock_tests::{pysock_bin, root, shared, Scratch};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Stops the child when the test ends, passing or failing ([`pysock_tests::stop`]).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        pysock_tests::stop(&mut self.0);
    }
}

/// Starts `command` and reads the port it prints on its first line.
fn start_printing_port(command: &mut Command) -> (Running, u16) {
    let mut child = Running(command.stdout(Stdio::piped()).spawn().unwrap());
    let mut line = String::new();
    BufReader::new(child.0.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| panic!("expected a port, got {line:?}"));
    (child, port)
}

/// urllib.request in the sandbox fetches a page from native `http.server`.
#[test]
fn urllib_fetches_from_native_http_server() {
    let dir = std::env::temp_dir().join(format!("pysock-www-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("page.txt"), "hello over http\n").unwrap();
    let (_server, port) = start_printing_port(
        Command::new("python3").arg(root().join("tests/python/http_peer.py")).arg(&dir),
    );
    let out = Command::new(pysock_bin())
        .args(["python", "--allow-loopback"])
        .arg(root().join("examples/urllib_fetch.py"))
        .arg(format!("http://127.0.0.1:{port}/page.txt"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text, "200 text/plain\nhello over http\n");
}

/// An app of one's own (examples/embedded_app), built with componentize-py and pysock's extension
/// as its README step says, runs under `pysock run` and fetches a page from native `http.server`.
#[test]
fn componentize_py_app_with_pysock_fetches_from_native_http_server() {
    let scratch = Scratch::new("embedded");
    let work = &scratch.0;
    let app = work.join("app.wasm");
    let build = Command::new(root().join(".venv/bin/componentize-py"))
        .current_dir(root())
        .args(["-d", "wit", "-w", "pysock:net/python", "componentize", "-p", "examples/embedded_app", "-p", "build/extension", "app", "-o"])
        .arg(&app)
        .output()
        .unwrap();
    assert!(build.status.success(), "componentize-py failed:\n{}", String::from_utf8_lossy(&build.stderr));
    std::fs::write(work.join("page.txt"), "hello from an app of your own\n").unwrap();
    let (_server, port) = start_printing_port(Command::new("python3").arg(root().join("tests/python/http_peer.py")).arg(&work));
    let out = Command::new(pysock_bin())
        .args(["run", "--allow-loopback"])
        .arg(&app)
        .arg(format!("http://127.0.0.1:{port}/page.txt"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text, "200 text/plain\nhello from an app of your own\n");
}

/// Starts the sandboxed echo server `example` for 1,000 clients, runs 1,000 concurrent native
/// clients against it (all connected before any echo is read), and checks every echo.
fn serves_1000_native_clients(example: &str) {
    let (mut server, port) = start_printing_port(
        Command::new(pysock_bin()).args(["python", "--allow-loopback"]).arg(root().join(example)).arg("1000"),
    );
    let clients = Command::new("python3")
        .arg(root().join("tests/python/echo_clients.py"))
        .args([port.to_string(), "1000".into()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&clients.stdout);
    assert!(clients.status.success(), "{text}\n{}", String::from_utf8_lossy(&clients.stderr));
    assert!(text.contains("echoes correct: 1000"), "{text}");
    assert!(server.0.wait().unwrap().success(), "the sandboxed server did not exit cleanly");
}

/// Load: a sandboxed selectors echo server serves 1,000 concurrent native clients, every echo
/// correct, within the clients' 30 s select timeout.
#[test]
fn echo_server_serves_1000_native_clients() {
    serves_1000_native_clients("examples/echo_server.py");
}

/// A sandboxed asyncio echo server (on EpollSelector) answers 1,000 concurrent native clients.
#[test]
fn asyncio_echo_server_serves_1000_native_clients() {
    serves_1000_native_clients("examples/asyncio_echo_server.py");
}

/// A sandboxed asyncio client holds 1,000 concurrent connections to a native asyncio server and
/// completes every request correctly.
#[test]
fn asyncio_client_completes_1000_concurrent_requests() {
    let (mut server, port) = start_printing_port(
        Command::new("python3").arg(root().join("examples/asyncio_echo_server.py")).arg("1000"),
    );
    let out = Command::new(pysock_bin())
        .args(["python", "--allow-loopback"])
        .arg(root().join("tests/python/asyncio_clients.py"))
        .args([port.to_string(), "1000".into()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("connected: 1000") && text.contains("echoes correct: 1000"), "{text}");
    assert!(server.0.wait().unwrap().success(), "the native server did not exit cleanly");
}

/// urllib.request over HTTPS from the sandbox to native CPython's ssl server: verified against the
/// test CA, and SSLCertVerificationError (verify code 20) when the CA is not trusted.
#[test]
fn urllib_https_verifies_native_cpython_server() {
    let certs = shared().join("conformance/certs").canonicalize().unwrap();
    let dir = std::env::temp_dir().join(format!("pysock-tls-www-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("page.txt"), "hello over https\n").unwrap();
    let (_server, port) = start_printing_port(
        Command::new("python3").arg(root().join("tests/python/https_peer.py")).arg(&dir).arg(&certs),
    );
    let url = format!("https://localhost:{port}/page.txt");
    let fetch = |ca: Option<&std::path::Path>| {
        let mut cmd = Command::new(pysock_bin());
        cmd.args(["python", "--allow-loopback", "--dir"]).arg(&certs).arg(root().join("examples/https_fetch.py")).arg(&url);
        if let Some(ca) = ca {
            cmd.arg(ca);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let trusted = fetch(Some(&certs.join("ca.pem")));
    let untrusted = fetch(None);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(trusted, "200 text/plain TLSv1.3\nhello over https\n");
    assert_eq!(untrusted, "SSLCertVerificationError 20 CERTIFICATE_VERIFY_FAILED\n");
}

/// Native CPython's ssl clients against a sandboxed TLS echo server.
#[test]
fn native_cpython_clients_against_sandboxed_tls_server() {
    let certs = shared().join("conformance/certs").canonicalize().unwrap();
    let (mut server, port) = start_printing_port(
        Command::new(pysock_bin())
            .args(["python", "--allow-loopback", "--dir"])
            .arg(&certs)
            .arg(root().join("examples/tls_echo_server.py"))
            .arg(&certs)
            .arg("10"),
    );
    let clients = Command::new("python3")
        .arg(root().join("tests/python/tls_clients.py"))
        .arg(port.to_string())
        .arg(certs.join("ca.pem"))
        .arg("10")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&clients.stdout);
    assert!(clients.status.success(), "{text}\n{}", String::from_utf8_lossy(&clients.stderr));
    assert_eq!(text, "tls echoes correct: 10 ['TLSv1.3']\n");
    assert!(server.0.wait().unwrap().success(), "the sandboxed server did not exit cleanly");
}

/// A TLS server in the sandbox uses an identity the host holds (--tls-identity): the key file is not
/// readable inside, yet native CPython clients verify the server against the test CA.
#[test]
fn host_held_identity_serves_tls_without_the_key_entering_the_sandbox() {
    let certs = shared().join("conformance/certs").canonicalize().unwrap();
    let identity = format!("site={},{}", certs.join("cert.pem").display(), certs.join("key.pem").display());
    let (mut server, port) = start_printing_port(
        Command::new(pysock_bin())
            .args(["python", "--allow-loopback", "--tls-identity", &identity])
            .arg(root().join("tests/python/host_identity_server.py"))
            .arg(certs.join("key.pem"))
            .arg("3"),
    );
    let clients = Command::new("python3")
        .arg(root().join("tests/python/tls_clients.py"))
        .arg(port.to_string())
        .arg(certs.join("ca.pem"))
        .arg("3")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&clients.stdout);
    assert!(clients.status.success(), "{text}\n{}", String::from_utf8_lossy(&clients.stderr));
    assert_eq!(text, "tls echoes correct: 3 ['TLSv1.3']\n");
    assert!(server.0.wait().unwrap().success(), "the sandboxed server did not exit cleanly");
}
