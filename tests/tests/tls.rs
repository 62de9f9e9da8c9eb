//! The host's TLS engine: two engines over in-memory pipes, and interop with Debian's `openssl`
//! (s_server and s_client, TLS 1.2 and 1.3) over loopback. The test PKI is the conformance suite's.

use pysock::bindings::pysock::net::tls::{Error, ErrorKind, ProtocolVersion, VerifyMode};
use pysock::tls::{TlsConfig, TlsConnection};
use pysock_tests::shared;
use rustls::pki_types::pem::PemObject;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn cert(name: &str) -> Vec<u8> {
    std::fs::read(shared().join("conformance/certs").join(name)).unwrap()
}

fn server_config() -> TlsConfig {
    let mut c = TlsConfig::new(true);
    c.set_identity(&cert("cert.pem"), &cert("key.pem"), None).unwrap();
    c
}

fn client_config(trust_ca: bool) -> TlsConfig {
    let mut c = TlsConfig::new(false);
    if trust_ca {
        assert_eq!(c.add_trust_pem(&cert("ca.pem")).unwrap(), 1);
    }
    c
}

/// Moves ciphertext both ways until neither side has anything to say; returns the first error.
fn pump(a: &mut TlsConnection, b: &mut TlsConnection) -> Result<(), Error> {
    for _ in 0..100 {
        let (ab, ba) = (a.transmit(u32::MAX), b.transmit(u32::MAX));
        if ab.is_empty() && ba.is_empty() {
            return Ok(());
        }
        let r1 = if ab.is_empty() { Ok(()) } else { b.receive(&ab) };
        let r2 = if ba.is_empty() { Ok(()) } else { a.receive(&ba) };
        r1.and(r2)?;
    }
    panic!("the handshake did not settle in 100 rounds");
}

fn handshake(client: &TlsConfig, name: &str) -> Result<(TlsConnection, TlsConnection), Error> {
    let mut c = TlsConnection::open(client, Some(name))?;
    let mut s = TlsConnection::open(&server_config(), None)?;
    pump(&mut c, &mut s)?;
    Ok((c, s))
}

#[test]
fn handshake_data_and_close_notify() {
    let (mut c, mut s) = handshake(&client_config(true), "localhost").unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::Tls13));
    let (name, version, bits) = c.cipher().unwrap();
    assert!(name.starts_with("TLS_") && version == "TLSv1.3" && bits >= 128, "{name} {version} {bits}");
    let leaf = c.peer_certificates();
    let pem_leaf = rustls::pki_types::CertificateDer::from_pem_slice(&cert("cert.pem")).unwrap();
    assert_eq!(leaf[0], pem_leaf.to_vec());

    // Nothing yet: want-read, as SSLWantReadError.
    assert_eq!(s.read(100).unwrap_err().kind, ErrorKind::WantRead);
    assert_eq!(c.write(b"hello").unwrap(), 5);
    pump(&mut c, &mut s).unwrap();
    assert_eq!(s.pending(), 5);
    assert_eq!(s.read(100).unwrap(), b"hello");
    s.write(b"back").unwrap();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(c.read(100).unwrap(), b"back");

    c.close();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(s.read(100).unwrap_err().kind, ErrorKind::ZeroReturn);
}

/// A client resumes only the session it is handed (OpenSSL keeps no client cache), again and again,
/// over TLS 1.2 and 1.3; the server counts accepts and hits as `session_stats()` does.
#[test]
fn sessions_resume_only_when_offered() {
    for tls13 in [false, true] {
        let mut client = client_config(true);
        let top = if tls13 { ProtocolVersion::Tls13 } else { ProtocolVersion::Tls12 };
        client.set_versions(ProtocolVersion::Tls12, top);
        let server = server_config();
        let connect = |offer: Option<&pysock::tls::TlsSession>| {
            let mut c = TlsConnection::open(&client, Some("localhost")).unwrap();
            if let Some(session) = offer {
                c.set_session(session).unwrap();
            }
            let mut s = TlsConnection::open(&server, None).unwrap();
            pump(&mut c, &mut s).unwrap();
            // TLS 1.3 tickets come after the handshake, with the first data.
            s.write(b"x").unwrap();
            pump(&mut c, &mut s).unwrap();
            assert_eq!(c.read(10).unwrap(), b"x");
            assert_eq!(c.session_reused(), s.session_reused());
            (c.session_reused(), c.session().unwrap())
        };
        let (reused, first) = connect(None);
        assert!(!reused && first.has_ticket(), "tls13={tls13}");
        for round in 0..3 {
            let (reused, again) = connect(Some(&first));
            assert!(reused, "tls13={tls13} round {round}");
            assert_eq!(again.id == first.id, !tls13, "TLS 1.2 keeps the id, TLS 1.3 names a new one");
        }
        let (reused, _) = connect(None);
        assert!(!reused);
        let stats = server.session_stats();
        assert_eq!((stats.accept, stats.accept_good, stats.hits), (5, 5, 3), "tls13={tls13}");
        assert_eq!((client.session_stats().connect, client.session_stats().connect_good), (5, 5));
        // Too late once the ClientHello is out.
        let mut c = TlsConnection::open(&client, Some("localhost")).unwrap();
        c.transmit(u32::MAX);
        assert!(c.set_session(&first).is_err());
    }
}

/// With an sni_callback the server pauses after the ClientHello, reports the name, and continues
/// with the certificate of the config the guest picks, or refuses with the guest's alert.
#[test]
fn server_pauses_for_sni_callback() {
    let mut server = server_config();
    server.set_sni_callback(true);
    let client = client_config(true);
    for (name, sent) in [("localhost", Some("localhost")), ("127.0.0.1", None)] {
        let mut c = TlsConnection::open(&client, Some(name)).unwrap();
        let mut s = TlsConnection::open(&server, None).unwrap();
        pump(&mut c, &mut s).unwrap();
        assert!(c.is_handshaking() && s.is_handshaking());
        let hello = s.client_hello().expect("paused after the ClientHello");
        assert_eq!(hello.server_name.as_deref(), sent);
        s.accept_hello(&server_config()).unwrap();
        assert!(s.client_hello().is_none());
        pump(&mut c, &mut s).unwrap();
        assert!(!c.is_handshaking() && !s.is_handshaking(), "{name}");
    }
    let mut c = TlsConnection::open(&client, Some("localhost")).unwrap();
    let mut s = TlsConnection::open(&server, None).unwrap();
    pump(&mut c, &mut s).unwrap();
    let refused = s.refuse_hello(49);
    assert_eq!(refused.reason, "CALLBACK_FAILED");
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_eq!(e.reason, "TLSV1_ALERT_ACCESS_DENIED");
    assert_eq!(s.receive(b"more").unwrap_err().reason, "CALLBACK_FAILED");
}

/// set_ciphers' TLS 1.2 choice is what the handshake negotiates; TLS 1.3 is unaffected.
#[test]
fn tls12_ciphers_follow_the_choice() {
    for name in ["ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256"] {
        let mut client = client_config(true);
        client.set_versions(ProtocolVersion::Tls12, ProtocolVersion::Tls12);
        client.set_tls12_ciphers(&[name.to_string()]);
        let (c, _) = handshake(&client, "localhost").unwrap();
        assert_eq!(c.cipher().unwrap().0, name);
    }
    let mut client = client_config(true);
    client.set_versions(ProtocolVersion::Tls12, ProtocolVersion::Tls12);
    client.set_tls12_ciphers(&["ECDHE-ECDSA-AES128-GCM-SHA256".to_string()]);
    assert!(handshake(&client, "localhost").is_err(), "no suite the RSA server can use");
    client.set_versions(ProtocolVersion::Tls12, ProtocolVersion::Tls13);
    let (c, _) = handshake(&client, "localhost").unwrap();
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::Tls13));
}

#[test]
fn wrong_hostname_is_verify_code_62() {
    let e = handshake(&client_config(true), "example.com").err().unwrap();
    assert_eq!((e.kind, e.verify_code), (ErrorKind::CertVerification, 62));
    assert_eq!(e.reason, "CERTIFICATE_VERIFY_FAILED");
    assert_eq!(e.verify_message, "Hostname mismatch, certificate is not valid for 'example.com'.");
    assert_eq!(e.message, "certificate verify failed: Hostname mismatch, certificate is not valid for 'example.com'.");
}

#[test]
fn unknown_ca_is_verify_code_20() {
    let e = handshake(&client_config(false), "localhost").err().unwrap();
    assert_eq!((e.kind, e.verify_code), (ErrorKind::CertVerification, 20));
    assert_eq!(e.verify_message, "unable to get local issuer certificate");
}

#[test]
fn check_hostname_off_and_cert_none_accept() {
    let mut lax = client_config(true);
    lax.set_check_hostname(false);
    assert!(handshake(&lax, "example.com").is_ok());
    let mut none = client_config(false);
    none.set_check_hostname(false);
    none.set_verify_mode(VerifyMode::None);
    assert!(handshake(&none, "localhost").is_ok());
}

#[test]
fn transport_eof_without_close_notify_is_eof() {
    let (mut c, mut s) = handshake(&client_config(true), "localhost").unwrap();
    c.write(b"x").unwrap();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(s.read(10).unwrap(), b"x");
    s.receive(&[]).unwrap();
    assert_eq!(s.read(10).unwrap_err().kind, ErrorKind::Eof);
}

#[test]
fn tls12_only_and_alpn() {
    let mut client = client_config(true);
    client.set_versions(ProtocolVersion::Tls12, ProtocolVersion::Tls12);
    client.set_alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    let mut server = server_config();
    server.set_alpn(vec![b"http/1.1".to_vec()]);
    let mut c = TlsConnection::open(&client, Some("localhost")).unwrap();
    let mut s = TlsConnection::open(&server, None).unwrap();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::Tls12));
    assert_eq!(c.cipher().unwrap().0, "ECDHE-RSA-AES256-GCM-SHA384");
    assert_eq!(c.alpn_protocol(), Some(b"http/1.1".to_vec()));
}

#[test]
fn client_certificates_are_required_when_asked() {
    let mut server = server_config();
    server.add_trust_pem(&cert("ca.pem")).unwrap();
    server.set_verify_mode(VerifyMode::Required);
    let mut c = TlsConnection::open(&client_config(true), Some("localhost")).unwrap();
    let mut s = TlsConnection::open(&server, None).unwrap();
    assert!(pump(&mut c, &mut s).is_err(), "a client without a certificate must be refused");

    let mut with_cert = client_config(true);
    with_cert.set_identity(&cert("cert.pem"), &cert("key.pem"), None).unwrap();
    let mut c = TlsConnection::open(&with_cert, Some("localhost")).unwrap();
    let mut s = TlsConnection::open(&server, None).unwrap();
    pump(&mut c, &mut s).unwrap();
    // The certificate and its CA, which the client trusts: OpenSSL sends a certificate loaded
    // alone with its issuers among the trusted certificates.
    assert_eq!(s.peer_certificates().len(), 2);
}

#[test]
fn bad_inputs_fail_cleanly() {
    let mut c = TlsConfig::new(false);
    assert!(c.add_trust_pem(b"not a certificate").is_err());
    assert!(c.add_trust_der(vec![0x30, 0x03, 0x02, 0x01]).is_err());
    assert!(c.set_identity(&cert("cert.pem"), &cert("ca.key"), None).is_err(), "mismatched key");
    let mut none = TlsConfig::new(false);
    none.set_versions(ProtocolVersion::Tls13, ProtocolVersion::Tls12);
    assert!(TlsConnection::open(&none, Some("localhost")).is_err());
    // Garbage from the "server" is a protocol error, and it sticks.
    let mut conn = TlsConnection::open(&client_config(true), Some("localhost")).unwrap();
    let _ = conn.transmit(u32::MAX);
    let e = conn.receive(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ssl);
    assert_eq!(conn.read(10).unwrap_err().reason, e.reason);
    // A server context without a certificate fails at the handshake (as OpenSSL's: SSL_new works),
    // and the client hears handshake_failure.
    let mut s = TlsConnection::open(&TlsConfig::new(true), None).unwrap();
    let mut c = TlsConnection::open(&client_config(true), Some("localhost")).unwrap();
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_eq!(e.reason, "NO_SHARED_CIPHER");
    let alert = s.transmit(u32::MAX);
    assert_eq!(c.receive(&alert).unwrap_err().reason, "SSLV3_ALERT_HANDSHAKE_FAILURE");
}

/// Kills the peer when the test ends.
struct Peer(Child);
impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Drives `conn` over a blocking TCP stream until `done` says so (bounded in rounds and time).
fn drive(conn: &mut TlsConnection, tcp: &mut TcpStream, mut done: impl FnMut(&mut TlsConnection) -> bool) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = vec![0; 65536];
    for _ in 0..1000 {
        let out = conn.transmit(u32::MAX);
        if !out.is_empty() {
            tcp.write_all(&out).unwrap();
        }
        if done(conn) {
            return;
        }
        let n = tcp.read(&mut buf).unwrap();
        conn.receive(&buf[..n]).unwrap();
        if n == 0 {
            assert!(done(conn), "the peer closed early");
            return;
        }
    }
    panic!("no progress in 1000 rounds");
}

#[test]
fn client_against_openssl_s_server_tls12_and_tls13() {
    let certs = shared().join("conformance/certs");
    for (flag, version) in [("-tls1_2", ProtocolVersion::Tls12), ("-tls1_3", ProtocolVersion::Tls13)] {
        let port = free_port();
        let mut child = Command::new("openssl")
            .args(["s_server", "-www", "-accept", &port.to_string(), flag])
            .arg("-cert").arg(certs.join("cert.pem"))
            .arg("-key").arg(certs.join("key.pem"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl is installed by scripts/setup.sh");
        // s_server says ACCEPT once it listens, after a few lines about its parameters.
        let lines = BufReader::new(child.stdout.take().unwrap()).lines().take(20);
        assert!(lines.map_while(Result::ok).any(|l| l.contains("ACCEPT")), "openssl s_server did not start");
        let _peer = Peer(child);
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut conn = TlsConnection::open(&client_config(true), Some("localhost")).unwrap();
        drive(&mut conn, &mut tcp, |c| !c.is_handshaking());
        assert_eq!(conn.protocol_version(), Some(version));
        conn.write(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut page = Vec::new();
        drive(&mut conn, &mut tcp, |c| {
            while let Ok(data) = c.read(65536) {
                page.extend_from_slice(&data);
            }
            page.windows(8).any(|w| w == b"</HTML>\r" || w == b"</html>\r") || page.len() > 200
        });
        assert!(page.starts_with(b"HTTP/1.0 200 ok"), "{}", String::from_utf8_lossy(&page));
    }
}

#[test]
fn server_against_openssl_s_client() {
    let certs = shared().join("conformance/certs");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-quiet", "-verify_return_error"])
        .arg("-CAfile").arg(certs.join("ca.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed by scripts/setup.sh");
    child.stdin.take().unwrap().write_all(b"ping from openssl\n").unwrap();
    let mut out = child.stdout.take().unwrap();
    let _peer = Peer(child);
    let (mut tcp, _) = listener.accept().unwrap();
    let mut conn = TlsConnection::open(&server_config(), None).unwrap();
    let mut got = Vec::new();
    drive(&mut conn, &mut tcp, |c| {
        while let Ok(data) = c.read(65536) {
            got.extend_from_slice(&data);
        }
        got.ends_with(b"\n")
    });
    assert_eq!(got, b"ping from openssl\n");
    conn.write(b"pong from pysock\n").unwrap();
    tcp.write_all(&conn.transmit(u32::MAX)).unwrap();
    let mut line = String::new();
    BufReader::new(&mut out).read_line(&mut line).unwrap();
    assert_eq!(line, "pong from pysock\n");
}

/// Bulk data in large ciphertext chunks: rustls buffers only so much plaintext, and the engine must
/// keep the ciphertext it could not take yet instead of losing it.
#[test]
fn bulk_transfer_in_large_chunks_is_byte_exact() {
    let (mut c, mut s) = handshake(&client_config(true), "localhost").unwrap();
    let payload: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut sent = 0;
    let mut received = Vec::new();
    for _ in 0..10_000 {
        if sent < payload.len() {
            sent += c.write(&payload[sent..(sent + 256 * 1024).min(payload.len())]).unwrap() as usize;
        }
        // Hand over everything the client produced in one large piece, as a socket read would.
        let wire = c.transmit(u32::MAX);
        if !wire.is_empty() {
            s.receive(&wire).unwrap();
        }
        loop {
            match s.read(1 << 20) {
                Ok(data) => received.extend_from_slice(&data),
                Err(e) if e.kind == ErrorKind::WantRead => break,
                Err(e) => panic!("{e:?}"),
            }
        }
        if received.len() == payload.len() {
            break;
        }
    }
    assert!(received == payload, "received {} of {} bytes, or different bytes", received.len(), payload.len());
}
