//! The sandbox boundary: egress rules and their audit log, quotas, time limits, and what happens to
//! a guest's sockets when it stops — all on real loopback sockets.

use pysock::runtime::RunOptions;
use pysock_tests::{pysock_python, run_in_process};
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn stdout_of(options: &[&str], script: &str, args: &[&str]) -> String {
    let out = pysock_python(options, script, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{script} {args:?} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    text
}

/// The line of `text` that starts with `label: `.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    let prefix = format!("{label}: ");
    text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no line {label:?} in:\n{text}"))
}

fn assert_denied(text: &str, label: &str) {
    let l = line(text, label);
    assert!(l.contains("PermissionError EACCES at once") && l.contains("pysock's network policy"), "{l}");
}

/// Literal spellings of a denied address (127.1, 0x7f000001, 2130706433, ::ffff:127.0.0.1, 0.0.0.0,
/// [::]) are refused at once for connect, UDP send and bind, while the allowed address works.
#[test]
fn address_tricks_are_denied_and_allowed_traffic_flows() {
    let text = stdout_of(&["--allow", "bind,connect,send=127.0.0.2"], "policy.py", &["literals"]);
    for host in ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "0.0.0.0", "::ffff:127.0.0.1", "::", "::1"] {
        assert_denied(&text, &format!("connect {host}"));
    }
    assert!(line(&text, "connect localhost").contains("gaierror"), "{text}");
    assert_eq!(line(&text, "connect 127.0.0.2"), "connect 127.0.0.2: echo ping");
    for host in ["127.0.0.1", "127.1", "0.0.0.0", "::ffff:127.0.0.1"] {
        assert_denied(&text, &format!("sendto {host}"));
    }
    assert_eq!(line(&text, "sendto 127.0.0.2"), "sendto 127.0.0.2: ok 8");
    assert!(text.contains("\nreceived datagram\n"), "{text}");
    for bind in ["bind '0.0.0.0'", "bind '127.0.0.1'", "bind ''", "bind '::'", "listen without bind"] {
        assert_denied(&text, bind);
    }
}

/// Under --allow-loopback a wildcard listener binds loopback: it is reachable on 127.0.0.1 and ::1,
/// and refused on this machine's other addresses (a connection there gets ECONNREFUSED, so nothing
/// listens on them), though its address reads as the wildcard (wildcard_binds.py). A dual-stack IPv6
/// listener is reachable on both loopbacks; an IPv4 client is seen as `::ffff:127.0.0.1`.
#[test]
fn wildcard_listeners_are_reachable_from_loopback_only() {
    use std::io::BufRead;
    use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
    let mut child = std::process::Command::new(pysock_tests::pysock_bin())
        .args(["python", "--allow-loopback"])
        .arg(pysock_tests::root().join("tests/python/wildcard_listener.py"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let ports: Vec<u16> = lines.next().unwrap().unwrap().split(' ').map(|p| p.parse().unwrap()).collect();
    // This machine's address towards a documentation network, if it has one (no packet is sent).
    let external = |probe: &str, bind: &str| -> Option<IpAddr> {
        let u = UdpSocket::bind(bind).ok()?;
        u.connect(probe).ok()?;
        Some(u.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
    };
    // An IPv6 address of global scope from the kernel's list (32 hex digits, index, prefix, scope 00).
    let external6 = std::fs::read_to_string("/proc/net/if_inet6").ok().and_then(|list| {
        list.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let hex = fields.first().filter(|_| fields.get(3) == Some(&"00"))?;
            let bits = u128::from_str_radix(hex, 16).ok()?;
            Some(IpAddr::from(std::net::Ipv6Addr::from(bits))).filter(|ip| !ip.is_loopback())
        })
    });
    let external4 = external("192.0.2.255:9", "0.0.0.0:0");
    let others = [(external4, ports[0]), (external6, ports[1]), (external4, ports[2]), (external6, ports[2])];
    for (other, port) in &others {
        match other {
            Some(ip) => {
                let e = TcpStream::connect_timeout(&SocketAddr::new(*ip, *port), Duration::from_secs(2)).unwrap_err();
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{ip}:{port}: {e}");
            }
            None => eprintln!("no non-loopback address of this family: only loopback is checked"),
        }
    }
    let clients = [("127.0.0.1", ports[0], "127.0.0.1"), ("::1", ports[1], "::1"), ("127.0.0.1", ports[2], "::ffff:127.0.0.1"), ("::1", ports[2], "::1")];
    for (ip, port, seen_as) in clients {
        let _c = TcpStream::connect((ip, port)).unwrap();
        assert_eq!(lines.next().unwrap().unwrap(), format!("accepted from {seen_as}"));
    }
    assert!(child.wait().unwrap().success());
}

/// A host-name rule admits exactly what pysock's resolution of a matching name returned, for the
/// TTL; a name that resolves to a denied address stays denied; the audit log records each decision.
#[test]
fn name_rules_admit_resolved_addresses_for_a_while() {
    let audit = std::env::temp_dir().join(format!("pysock-audit-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit);
    let options = [
        "--allow", "*.test", "--allow", "bind=127.0.0.2", "--deny", "127.0.0.1", "--resolve-ttl", "1",
        "--add-host", "api.test=127.0.0.2", "--add-host", "rebound.test=127.0.0.1",
        "--audit", audit.to_str().unwrap(),
    ];
    let text = stdout_of(&options, "policy.py", &["names"]);
    assert_denied(&text, "connect 127.0.0.2 before resolving");
    assert!(text.contains("connect 127.0.0.2 after resolving: ok"), "{text}");
    assert_denied(&text, "connect 127.0.0.2 after the ttl");
    assert!(line(&text, "connect api.test").starts_with("connect api.test: ok ('127.0.0.2'"), "{text}");
    assert!(line(&text, "connect rebound.test").contains("denied by the rule `deny 127.0.0.1`"), "{text}");
    assert!(line(&text, "connect 127.1").contains("denied by the rule `deny 127.0.0.1`"), "{text}");
    let gai = line(&text, "getaddrinfo example.com");
    assert!(gai.contains("gaierror -2") && gai.contains("does not allow resolving \"example.com\""), "{gai}");
    assert_eq!(line(&text, "sendto api.test"), "sendto api.test: ok 8");

    let log = std::fs::read_to_string(&audit).unwrap();
    let _ = std::fs::remove_file(&audit);
    let has = |parts: &[&str]| log.lines().any(|l| parts.iter().all(|p| l.contains(p)));
    assert!(has(&[r#""op":"resolve","name":"api.test","allowed":true,"rule":"allow *.test","addresses":["127.0.0.2"]"#]), "{log}");
    assert!(has(&[r#""op":"connect","address":"127.0.0.2""#, r#""allowed":true,"rule":"allow *.test""#]), "{log}");
    assert!(has(&[r#""op":"connect","address":"127.0.0.2""#, r#""allowed":false,"rule":"default: deny""#]), "{log}");
    assert!(has(&[r#""op":"connect","address":"127.0.0.1""#, r#""allowed":false,"rule":"deny 127.0.0.1""#]), "{log}");
    assert!(has(&[r#""op":"resolve","name":"example.com","allowed":false"#]), "{log}");
    assert!(has(&[r#""op":"bind","address":"127.0.0.2""#, r#""allowed":true"#]), "{log}");
    assert!(has(&[r#""op":"accept""#, r#""local":"127.0.0.2:"#]), "{log}");
    assert!(has(&[r#""op":"send","address":"127.0.0.2""#, r#""allowed":true"#]), "{log}");
}

/// With everything allowed but some blocks denied, IPv4-mapped IPv6, decimal and wildcard spellings
/// of a denied address are refused at once (no packet leaves: the answer is immediate).
#[test]
fn deny_rules_see_through_mapped_and_wildcard_addresses() {
    let options = ["--allow-net", "--deny", "10.0.0.0/8", "--deny", "127.0.0.0/8", "--deny", "::1"];
    let text = stdout_of(&options, "policy.py", &["mapped"]);
    for label in ["::ffff:10.0.0.1", "::ffff:127.0.0.1", "::", "::1", "10.0.0.1", "167772161", "0.0.0.0", "127.0.0.1"] {
        assert_denied(&text, &format!("connect {label}"));
    }
    assert!(line(&text, "connect ::ffff:10.0.0.1").contains("`deny 10.0.0.0/8`"), "{text}");
    assert!(line(&text, "connect ::").contains("`deny ::1`"), "{text}");
    assert_denied(&text, "sendto ::ffff:10.1.2.3");
    assert_denied(&text, "sendto 10.1.2.3");
}

/// Runs quotas.py MODE with `--allow-loopback OPTION VALUE` and returns its transcript, which must
/// name the breach: the error CPython raises for the analogous OS limit, and the quota.
fn breach(mode: &str, option: &str, value: &str, expected: &str) -> String {
    let out = pysock_python(&["--allow-loopback", option, value], "quotas.py", &[mode]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains(&format!("{mode}: ")) && text.contains(expected), "{mode}: expected {expected:?} in:\n{text}");
    text
}

#[test]
fn quota_open_sockets_is_emfile() {
    breach("sockets", "--max-sockets", "3", "at 4: OSError EMFILE | [Errno 24] Too many open files: pysock quota: at most 3 open socket(s)");
}

#[test]
fn quota_listening_sockets_is_emfile() {
    breach("listeners", "--max-listeners", "1", "at 2: OSError EMFILE | [Errno 24] Too many open files: pysock quota: at most 1 listening socket(s)");
}

#[test]
fn quota_bytes_sent_is_enobufs_after_exactly_the_quota() {
    let text = breach("bytes-sent", "--max-bytes-sent", "1000", "at 2: OSError ENOBUFS | [Errno 105] No buffer space available: pysock quota: at most 1000 bytes sent");
    assert!(text.contains("the peer received 1000 bytes"), "{text}");
}

#[test]
fn quota_bytes_received_is_enobufs_after_exactly_the_quota() {
    let text = breach("bytes-received", "--max-bytes-received", "1000", "OSError ENOBUFS | [Errno 105] No buffer space available: pysock quota: at most 1000 bytes received");
    assert!(text.contains("received 1000 bytes before the quota"), "{text}");
}

/// Large sends (read in place from the sandbox's memory) and large receives (written in place by
/// the kernel): the byte quotas hold for them exactly too.
#[test]
fn byte_quotas_hold_for_large_buffers() {
    let text = breach("bytes-sent-large", "--max-bytes-sent", "10000", "at 2: OSError ENOBUFS | [Errno 105] No buffer space available: pysock quota: at most 10000 bytes sent");
    assert!(text.contains("the peer received 10000 bytes"), "{text}");
    let text = breach("bytes-received-large", "--max-bytes-received", "100000", "OSError ENOBUFS | [Errno 105] No buffer space available: pysock quota: at most 100000 bytes received");
    assert!(text.contains("received 100000 bytes before the quota"), "{text}");
}

#[test]
fn quota_connections_per_second_is_enobufs() {
    breach("connections", "--max-connections-per-second", "5", "at 6: OSError ENOBUFS | [Errno 105] No buffer space available: pysock quota: at most 5 new connections per second");
}

#[test]
fn quota_tls_sessions_is_an_ssl_error() {
    let text = breach("tls", "--max-tls-sessions", "1", "[SSL: MALLOC_FAILURE] pysock quota: at most 1 TLS session(s)");
    assert!(text.contains("tls: at 2: SSLError"), "{text}");
}

#[test]
fn quota_name_lookups_is_eai_again() {
    breach("lookups", "--max-lookups", "0", "at 1: gaierror -3 | [Errno -3] Temporary failure in name resolution: pysock quota: at most 0 name lookups at once");
}

/// Lookup slots are shared between instances: while another holder has the only slot, a sandboxed
/// getaddrinfo of a name fails with EAI_AGAIN naming the quota; numeric lookups need no slot.
#[test]
fn lookup_slots_are_shared_across_instances() {
    let slots = pysock::LookupSlots::new(1);
    let held = slots.try_acquire().unwrap();
    let quotas = pysock::Quotas { lookups: Some(slots.clone()), ..Default::default() };
    let options = RunOptions { network: pysock::NetworkPolicy::loopback(), quotas, ..Default::default() };
    assert_eq!(run_in_process("quotas.py", &["lookups"], options.clone()).unwrap(), 0, "EAI_AGAIN while the slot is held");
    drop(held);
    assert_eq!(run_in_process("quotas.py", &["lookups"], options).unwrap(), 1, "the lookup runs once the slot is free");
    assert!(slots.try_acquire().is_some(), "the sandbox gave its slot back");
}

/// The CLI's --time-limit stops a guest that computes forever (epoch interruption) and one blocked
/// in a wait (the host's interrupter), with timeout(1)'s exit status 124 and a sentence on stderr.
#[test]
fn time_limit_stops_computing_and_waiting_guests() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // The first run with a time limit compiles the interpreter with epoch checks (cached after):
    // seconds of work, more on a cold and busy machine, that the bound below is not about.
    let warm = pysock_python(&["--allow-loopback", "--time-limit", "600"], "hang.py", &["exit", &port, "0"]);
    assert_eq!(warm.status.code(), Some(3), "{}", String::from_utf8_lossy(&warm.stderr));
    for mode in ["compute", "wait"] {
        let start = Instant::now();
        let out = pysock_python(&["--allow-loopback", "--time-limit", "1"], "hang.py", &[mode, &port, "1"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(124), "{mode}: {stderr}");
        assert!(stderr.contains("time limit of 1s"), "{mode}: {stderr}");
        assert!(start.elapsed() < Duration::from_secs(30), "{mode} took {:?}", start.elapsed());
    }
}

/// --max-memory caps the guest's memory: CPython raises MemoryError instead of taking the host's.
#[test]
fn memory_limit_raises_memory_error() {
    let text = stdout_of(&["--max-memory", "256"], "hang.py", &["memory", "1", "0"]);
    assert!(text.contains("MemoryError"), "{text}");
    let unlimited = stdout_of(&[], "hang.py", &["memory", "1", "0"]);
    assert!(unlimited.contains("allocated 1 GiB"), "{unlimited}");
}

/// Resident memory (VmRSS) and open descriptors of process `pid`.
fn rss_and_fds(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches(" kB").trim().parse::<u64>().unwrap();
    (kib * 1024, std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count())
}

/// Soak: 10,000 connect/send/close cycles from a sandboxed script; the host process's descriptors
/// and memory return to where they were after a warm-up.
#[test]
fn soak_ten_thousand_cycles_return_to_baseline() {
    use std::io::{BufRead, BufReader, Write};
    let mut child = std::process::Command::new(pysock_tests::pysock_bin())
        .args(["python", "--allow-loopback"])
        .arg(pysock_tests::root().join("tests/python/soak.py"))
        .args(["1000", "10000", "pause"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "warm");
    let (rss_before, fds_before) = rss_and_fds(pid);
    let start = Instant::now();
    stdin.write_all(b"\n").unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "done 10000");
    let elapsed = start.elapsed();
    let (rss_after, fds_after) = rss_and_fds(pid);
    stdin.write_all(b"\n").unwrap();
    assert!(child.wait().unwrap().success());
    println!(
        "10,000 cycles in {elapsed:?}; host fds {fds_before} -> {fds_after}; host RSS {} KiB -> {} KiB",
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(fds_after <= fds_before, "descriptors {fds_before} -> {fds_after}");
    // Guest heaps settle after the warm-up; a leak of even 100 bytes a cycle would show as 1 MiB.
    assert!(rss_after <= rss_before + (1 << 20), "RSS grew from {rss_before} to {rss_after}");
}
