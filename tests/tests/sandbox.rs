//! The sandboxed CPython on pysock, over real loopback sockets.

use pysock::NetworkPolicy;
use pysock::runtime::RunOptions;
use pysock_tests::{pysock_bin, pysock_python, root, run_in_process, shared, Scratch};
use std::process::Command;

/// The shared conformance suite ([`shared`]).
fn conformance_dir() -> std::path::PathBuf {
    shared().join("conformance").canonicalize().expect("the shared folder's conformance/: ../shared beside the checkout, or PYSOCK_SHARED")
}

/// Every public conformance script (01-28 sockets and select, 29-33 ssl) matches native CPython's
/// transcript byte for byte.
#[test]
fn public_conformance_all_scripts() {
    let conf = conformance_dir();
    let interp = format!("{} python --allow-loopback --dir {}", pysock_bin().display(), conf.display());
    let out = Command::new("bash")
        .arg(conf.join("run.sh"))
        .arg(&interp)
        .arg(conf.join("public"))
        .env("TIMEOUT", "60")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    let scripts = std::fs::read_dir(conf.join("public"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "py"))
        .count();
    assert!(out.status.success(), "conformance failures:\n{text}");
    assert!(text.contains(&format!("{scripts} passed, 0 failed")), "{text}");
}

/// Runs a script from tests/python in-process, so the test can count this process's descriptors.
fn run_script(name: &str, args: &[&str], network: NetworkPolicy) -> i32 {
    run_in_process(name, args, RunOptions { network, ..Default::default() }).unwrap()
}

/// Sockets of this machine in CLOSE_WAIT (state 08 in /proc/net/tcp{,6}).
fn close_wait_count() -> usize {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| t.lines().skip(1).map(|l| l.split_whitespace().nth(3) == Some("08")).collect::<Vec<_>>())
        .filter(|w| *w)
        .count()
}

/// 1,000 connect/send/close cycles leave the host's fd count where it started, and no CLOSE_WAIT.
#[test]
fn thousand_cycles_leak_no_fd() {
    // A first run opens what the engine keeps for the process (caches, pools); count after it.
    assert_eq!(run_script("soak.py", &["1000", "0"], NetworkPolicy::loopback()), 0);
    let before = pysock::sys::open_fd_count();
    let waiting = close_wait_count();
    assert_eq!(run_script("soak.py", &["1000", "0"], NetworkPolicy::loopback()), 0);
    let after = pysock::sys::open_fd_count();
    assert!(after <= before, "fds before {before}, after {after}");
    assert!(close_wait_count() <= waiting, "sockets left in CLOSE_WAIT");
}

/// Runs tests/python/NAME through the `pysock` CLI with `options` and script `args`, asserts it
/// exits 0, returns stdout.
fn sandbox_python_with(name: &str, options: &[&std::ffi::OsStr], args: &[&std::ffi::OsStr]) -> String {
    let out = pysock_python(options, name, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{name} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    text
}

fn sandbox_python(name: &str, options: &[&str]) -> String {
    let options: Vec<&std::ffi::OsStr> = options.iter().map(std::ffi::OsStr::new).collect();
    sandbox_python_with(name, &options, &[])
}

/// recv(2**31), a 1 MiB host name and a call on a closed socket get CPython's results.
#[test]
fn huge_requests_are_bounded() {
    let text = sandbox_python("bounded.py", &["--allow-loopback"]);
    assert!(text.contains("recv(2**31): b'abc'"), "{text}");
    assert!(text.contains("1 MiB hostname: "), "{text}");
    assert!(text.contains("closed: OSError True"), "{text}");
}

/// With no allow option the sandbox has no network: PermissionError with a hint.
#[test]
fn no_network_by_default() {
    let text = sandbox_python("denied.py", &[]);
    assert!(text.contains("connect: PermissionError EACCES --allow-loopback"), "{text}");
    assert!(text.contains("socketpair: ok"), "{text}");
    assert!(text.contains("numeric getaddrinfo: ('127.0.0.1', 80)"), "{text}");
    assert!(text.contains("name lookup: gaierror"), "{text}");
}

/// A million-entry select list gets CPython's answer.
#[test]
fn million_entry_select() {
    let text = sandbox_python("select_million.py", &["--allow-loopback"]);
    assert!(text.contains("million-entry select: 1000000"), "{text}");
}

/// Runs tests/python/NAME with `args` under native python3 and in the sandbox (with `options`);
/// the transcripts must be identical.
fn assert_transcripts_equal(name: &str, options: &[&std::ffi::OsStr], args: &[&std::ffi::OsStr]) {
    let native = Command::new("python3").arg(root().join("tests/python").join(name)).args(args).output().unwrap();
    assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
    assert_eq!(sandbox_python_with(name, options, args), String::from_utf8_lossy(&native.stdout));
}

/// As [`assert_transcripts_equal`], the sandbox allowed loopback and the folders in `dirs`.
fn assert_matches_native_with(name: &str, dirs: &[&std::path::Path], args: &[&std::ffi::OsStr]) {
    let mut options = vec![std::ffi::OsStr::new("--allow-loopback")];
    for d in dirs {
        options.extend([std::ffi::OsStr::new("--dir"), d.as_os_str()]);
    }
    assert_transcripts_equal(name, &options, args);
}

fn assert_matches_native(name: &str) {
    assert_matches_native_with(name, &[], &[]);
}

/// Wildcard binds (create_server(('', 0)), source_address=('', 0), listen() unbound, UDP on 0.0.0.0,
/// a listener on ::, a dual-stack one through select, poll, epoll, selectors, dup and asyncio) work
/// under --allow-loopback, and their addresses and errors read as native CPython's.
#[test]
fn wildcard_binds_match_native_cpython() {
    assert_matches_native("wildcard_binds.py");
}

/// A socket connected again after its connect failed: a blocking one tries anew (ECONNREFUSED again,
/// then the server that came up), timeout and non-blocking modes report ECONNABORTED first, and the
/// local address is left as the kernel leaves it, as native CPython's.
#[test]
fn connecting_again_after_a_failure_matches_native_cpython() {
    assert_matches_native("connect_again.py");
}

/// A blocking recv on a dual-stack wildcard UDP socket, which the sandbox keeps as two kernel sockets
/// (::1 and 127.0.0.1), wakes for a datagram from either family, sent after it began to wait.
#[test]
fn a_blocking_recv_on_a_dual_stack_wildcard_wakes_for_either_family() {
    use std::io::{BufRead, BufReader, Read};
    let script = root().join("tests/python/dual_stack_receiver.py");
    let transcript = |command: &mut Command| -> String {
        let mut child = command.arg(&script).stdout(std::process::Stdio::piped()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut port = String::new();
        out.read_line(&mut port).unwrap();
        let port: u16 = port.trim().parse().unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let sender6 = std::net::UdpSocket::bind("[::1]:0").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        sender.send_to(b"from IPv4", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        sender6.send_to(b"from IPv6", ("::1", port)).unwrap();
        let done = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut rest = String::new();
            out.read_to_string(&mut rest).unwrap();
            let _ = done.0.send(());
            rest
        });
        if done.1.recv_timeout(std::time::Duration::from_secs(20)).is_err() {
            pysock_tests::stop(&mut child);
            panic!("{command:?} still waits 20 s after both datagrams");
        }
        child.wait().unwrap();
        reader.join().unwrap()
    };
    let sandboxed = transcript(Command::new(pysock_bin()).args(["python", "--allow-loopback"]));
    assert_eq!(sandboxed, transcript(&mut Command::new("python3")));
    assert_eq!(sandboxed, "received b'from IPv4'\nreceived b'from IPv6'\n");
}

/// sendmsg, recvmsg and recvmsg_into on stream pairs, datagram pairs, TCP and UDP: gathering,
/// scattering, msg_flags for truncated datagrams, MSG_TRUNC and MSG_PEEK, argument errors and
/// CMSG_LEN/CMSG_SPACE, as native CPython.
#[test]
fn sendmsg_recvmsg_match_native_cpython() {
    assert_matches_native("sendmsg_recvmsg.py");
}

/// A socket collected while open warns with its own repr and closes, once, as CPython's finalizer
/// does (`_socket.socket.__del__`); closed and detached ones say nothing; an "error" filter makes the
/// warning unraisable, not raised.
#[test]
fn unclosed_sockets_warn_as_native_cpython() {
    assert_matches_native("unclosed_sockets.py");
}

/// socketpair() for every family, type and protocol: AF_UNIX stream, datagram and sequenced-packet
/// pairs (message boundaries, truncation, MSG_TRUNC, recvfrom, a sequenced-packet pair's end), the IP
/// families' errors in Linux's order, as native.
#[test]
fn socketpairs_match_native_cpython() {
    assert_matches_native("socketpairs.py");
}

/// The os module on a socket's number (os.read, os.write, os.close of a detached socket, os.fstat,
/// os.get_blocking and os.set_blocking, os.lseek), files and sockets never sharing a number, and
/// multiprocessing.connection, which moves its messages with os.read and os.write, and os.dup of a
/// socket or a pipe end (with EBADF for numbers nothing holds), as native.
#[test]
fn os_functions_on_socket_numbers_match_native_cpython() {
    assert_matches_native("os_descriptors.py");
}

/// os.dup and os.dup2 of files, the standard streams and /dev/null: a duplicate shares the offset and
/// the status flags and keeps the file open; stdout, stderr and stdin moved to a file and back as
/// pytest's capture does; a file moved onto a socket's number (the socket object then ENOTSOCK), and
/// that number going back to sockets when the file closes; dup and dup2's errors, as native.
#[test]
fn file_duplicates_match_native_cpython() {
    assert_matches_native("file_duplicates.py");
}

/// Symbolic links to absolute paths, which WASI refuses: they lead to their targets, `os.readlink`
/// gives back what was given, relative links stay relative, and the errors, as native.
#[test]
fn symlinks_to_absolute_paths_match_native_cpython() {
    assert_matches_native("symlinks.py");
}

/// Reads and writes of regular files (which the host makes at once, `host/src/file_reads.rs`):
/// positions, appends, holes, 64 KiB boundaries, a second handle, truncation and the refusals, as
/// native.
#[test]
fn file_reads_and_writes_match_native_cpython() {
    assert_matches_native("file_streams.py");
}

/// zoneinfo finds the machine's time zones (the `pysock` command gives /usr/share/zoneinfo read-only),
/// as native; where the machine has none, both say so alike.
#[test]
fn time_zones_match_native_cpython() {
    assert_matches_native("time_zones.py");
}

/// Local time in the zone TZ names, and in /etc/localtime's without TZ (the `pysock` command gives
/// the sandbox a copy of the machine's): time's functions and attributes, time.tzset, datetime's
/// methods that read local time and logging's times, around daylight saving time's changes, in
/// zones north and south, for zone names, a zone file's path, POSIX rules and a name nothing
/// knows, as native CPython with the same TZ. (WASI's libc gave UTC whatever TZ said.)
#[test]
fn local_time_matches_native_cpython() {
    let zones = [None, Some("Europe/Paris"), Some("America/New_York"), Some("Australia/Sydney"), Some("Asia/Kolkata"),
        Some(":Europe/London"), Some("/usr/share/zoneinfo/Asia/Tokyo"), Some("EST5EDT,M3.2.0,M11.1.0"),
        Some("AEST-10AEDT,M10.1.0,M4.1.0/3"), Some("<+0330>-3:30"), Some("Nowhere/Land"), Some("UTC"), Some("")];
    for zone in zones {
        let mut native = Command::new("python3");
        native.arg(root().join("tests/python/local_time.py"));
        let mut options = vec![];
        match zone {
            Some(tz) => {
                native.env("TZ", tz);
                options.extend(["--env".to_string(), format!("TZ={tz}")]);
            }
            None => {
                native.env_remove("TZ");
            }
        }
        let native = native.output().unwrap();
        assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
        let options: Vec<&std::ffi::OsStr> = options.iter().map(std::ffi::OsStr::new).collect();
        assert_eq!(sandbox_python_with("local_time.py", &options, &[]), String::from_utf8_lossy(&native.stdout), "TZ={zone:?}");
    }
}

/// The sandbox as a process alone (os.getppid, the group and session functions, the wait family and
/// its status macros, waitstatus_to_exitcode, os.killpg, the CPU affinity; WASI CPython has none):
/// a program with no children gets ECHILD, and every refusal and argument error is native CPython's.
#[test]
fn a_process_alone_matches_native_cpython() {
    assert_matches_native("processes.py");
}

/// The resource module (which WASI CPython lacks): limits lowered and raised back, a socket past a
/// lower RLIMIT_NOFILE and memory past a lower RLIMIT_AS refused, getrusage, every refusal and the
/// audit events, as native. The hard limits are the embedder's (--max-sockets, --max-memory), and
/// only the embedder raises them.
#[test]
fn resource_limits_match_native_cpython() {
    assert_matches_native("resource_limits.py");
    let options = ["--max-sockets", "40", "--max-memory", "200"].map(std::ffi::OsStr::new);
    let limits = sandbox_python_with("resource_limits.py", &options, &["--limits".as_ref()]);
    let expected = "RLIMIT_NOFILE (40, 40)\nRLIMIT_AS (209715200, 209715200)\nRLIMIT_DATA (209715200, 209715200)\n\
        raise NOFILE: ValueError not allowed to raise maximum limit\n\
        raise AS: ValueError not allowed to raise maximum limit\n\
        raise a lowered hard limit: ValueError not allowed to raise maximum limit\n\
        third socket: OSError EMFILE\npage size: True\n";
    assert_eq!(limits, expected);
}

/// os.stat, os.lstat, os.listdir and os.scandir of paths, answered in one host call: types and
/// modes (a socket file's whole), links, a link's block size, agreement with fstat, DirEntry.stat,
/// os.path and pathlib, paths as str, bytes, subclasses and PathLike, dir_fd and follow_symlinks, a
/// folder's descriptor listed and scanned, scandir's entries and iterator (closed, exhausted,
/// collected unclosed), os.walk, glob and shutil.rmtree by descriptors, and the errors naming their paths.
#[test]
fn path_lookups_match_native_cpython() {
    assert_matches_native("path_lookups.py");
}

/// Files' modes, which wasi:filesystem does not carry: st_mode's permissions, st_blocks and
/// st_blksize from os.stat and its kin, os.chmod and os.fchmod, the mode what os.open and os.mkdir
/// make gets (less the umask, mkstemp's 0600 among them), and archives and copies keeping modes, as native.
#[test]
fn file_modes_match_native_cpython() {
    assert_matches_native("file_modes.py");
}

/// os.statvfs and os.fstatvfs (which WASI CPython lacks) and shutil.disk_usage, with their refusals;
/// and the empty path naming nothing (ENOENT everywhere, shutil.rmtree("") deleting nothing), as native.
#[test]
fn file_systems_and_the_empty_path_match_native_cpython() {
    assert_matches_native("file_systems.py");
}

/// os.pipe and os.pipe2 (one way each end, and select, poll and epoll seeing only that way), the
/// fcntl module, /dev/null through os.open, open and os.stat, and asyncio's pipe transports, as native.
#[test]
fn pipes_fcntl_and_dev_null_match_native_cpython() {
    assert_matches_native("pipes_fcntl_null.py");
}

/// os.sendfile (which WASI CPython lacks): its arguments and Linux's refusals in Linux's order, the
/// file's position, a non-blocking socket filling up, and socket.sendfile, asyncio's sock_sendfile and
/// loop.sendfile on it, as native.
#[test]
fn sendfile_matches_native_cpython() {
    assert_matches_native("sendfile.py");
}

/// os.read and os.write, and os.readv, os.writev, os.preadv and os.pwritev (which WASI CPython
/// lacks): their arguments and Linux's refusals in its order (EBADF for a file not open that way,
/// where WASI's libc says EIO), scatter and gather, flags, offsets, sockets, pipes and stdout, and a
/// regular file read and written past 64 KiB a call, with os.read and os.write and an unbuffered
/// file's FileIO.read, readinto and write, as native.
#[test]
fn vectored_and_plain_file_io_match_native_cpython() {
    assert_matches_native("vectored_io.py");
}

/// The functions pysock writes in Python in place of C ones (open, os.open, os.stat, os.lstat,
/// os.kill and signal's) behave as C functions: kept as a class's attribute they are called as they
/// are, not bound; copy, deepcopy and pickle keep them; names, repr and signatures as native.
#[test]
fn stand_in_functions_behave_as_c_functions() {
    assert_matches_native("stand_in_functions.py");
}

/// The program has a user, as every Linux process has: `os.getuid` and its kin, `pwd` and `grp`, and
/// what asks them (getpass, `~`, `Path.owner`, a new file's owner, pytest's check of its folder,
/// `os.chown` to the owner a file has, tarfile extracting as root) read as native CPython's, whoever
/// runs it; a chown to another owner succeeds and changes nothing, as WASI keeps no owners. The sandbox's user is root, uid and gid 0, the owner
/// WASI reports for every file (identity.py in the guest says why).
#[test]
fn the_program_has_a_user_as_on_linux() {
    assert_transcripts_equal("identity.py", &[], &[]);
    assert_eq!(sandbox_python_with("identity.py", &[], &["--who".as_ref()]), "0 0 root /root root []\n");
    let given_away = sandbox_python_with("identity.py", &[], &["--give-away".as_ref()]);
    assert_eq!(given_away, "None 0\n".repeat(3));
}

/// `hashlib.pbkdf2_hmac` and `hashlib.scrypt`, which WASI CPython lacks (CPython takes them from
/// OpenSSL): keys for every digest hashlib guarantees, by hashlib's and OpenSSL's names, and every
/// refusal of CPython's and OpenSSL's, as native CPython.
#[test]
fn key_derivation_matches_native_cpython() {
    assert_matches_native("key_derivation.py");
}

/// `bz2`, whose `_bz2` WASI CPython lacks: compressed bytes equal to libbzip2's at three levels,
/// streaming with `max_length`, several streams, `bz2.open`, `tarfile` and `zipfile` on it, and
/// every refusal of CPython's `_bz2`, as native CPython.
#[test]
fn bz2_matches_native_cpython() {
    assert_matches_native("bz2_streams.py");
}

/// `lzma`, whose `_lzma` WASI CPython lacks: liblzma's streams read back, round trips in every
/// container, check, preset and filter chain, streaming, memory limits, `lzma.open`, `tarfile`,
/// `zipfile`, the filter-property functions and CPython's refusals, as native CPython.
#[test]
fn lzma_matches_native_cpython() {
    assert_matches_native("lzma_streams.py");
}

/// `mmap`, which WASI CPython lacks: shared, read-only, private and anonymous maps, changes
/// reaching the file, the buffer protocol, resizing, offsets and CPython's refusals, as native.
#[test]
fn mmap_matches_native_cpython() {
    assert_matches_native("mmap_maps.py");
}

/// `concurrent.futures.ThreadPoolExecutor`, whose threads WASI CPython cannot start and pysock runs
/// in place: futures, map, as_completed, nested submits, workers' contexts, initializers, refusals,
/// asyncio's `run_in_executor` and sockets in the work, as native CPython.
#[test]
fn thread_pools_match_native_cpython() {
    assert_matches_native("thread_pools.py");
}

/// `_multiprocessing`, which WASI CPython lacks: SemLock's arguments and glibc's refusals, its two
/// kinds' counts and errors, timed and blocking acquires ended by a timeout, a releasing or raising
/// signal handler and Ctrl-C, names kept until sem_unlink, and `multiprocessing.synchronize` on it,
/// as native CPython.
#[test]
fn semaphores_match_native_cpython() {
    assert_matches_native("semaphores.py");
}

/// Blocking methods with a timeout wait for readiness before they call (CPython's sock_call_ex): a
/// send after a timed-out sendall times out too, as native CPython.
#[test]
fn wait_then_call_matches_native_cpython() {
    assert_matches_native("wait_then_call.py");
}

/// `time.sleep`, which is pysock's so that Ctrl-C reaches it: the lengths it sleeps for, how long
/// it sleeps, what it refuses and how, its audit event and how it looks, as native CPython.
#[test]
fn sleep_matches_native_cpython() {
    assert_matches_native("sleep.py");
}

/// Every argument converter of `_socket` and `select` at and beyond its C type's edges (timeouts,
/// masks, descriptors, sizes, ports, flowinfo, an explicit None): the same result or exception class
/// and message as native CPython.
#[test]
fn converters_match_native_cpython() {
    assert_matches_native("converters.py");
}

/// `_ssl`'s converters at their edges (SSLContext setters and methods, SSLObject, MemoryBIO, RAND_*,
/// path arguments that must not be taken for descriptors) as native CPython.
#[test]
fn ssl_converters_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_converters.py", &[&certs], &[certs.as_os_str()]);
}

/// Network interfaces by index and name, both ways, and CPython's errors for the rest; under
/// --allow-net the list is the host's, as native CPython's.
#[test]
fn interfaces_match_native_cpython() {
    assert_matches_native("interfaces.py");
    assert_transcripts_equal("interfaces.py", &["--allow-net".as_ref()], &["--list".as_ref()]);
}

/// The machine's own host name resolves under --allow-loopback as `localhost` does, to its
/// loopback addresses only: where those are all it has natively, every habit built on it
/// (getfqdn, gethostbyaddr, http.server's server_name) reads as native CPython; with no network the
/// lookup stays refused.
#[test]
fn the_own_host_name_resolves_to_its_loopback_addresses() {
    let probe = "import ipaddress, socket\ntry: infos = socket.getaddrinfo(socket.gethostname(), 80)\n\
                 except socket.gaierror: infos = []\nprint(bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos))";
    let native = Command::new("python3").args(["-c", probe]).output().unwrap();
    let only_loopback = String::from_utf8_lossy(&native.stdout).trim() == "True";
    let loopback_only = [std::ffi::OsStr::new("--loopback-only")];
    if only_loopback {
        assert_matches_native("own_host_name.py");
    }
    assert_transcripts_equal("own_host_name.py", &["--allow-loopback".as_ref()], &loopback_only);
    assert_eq!(sandbox_python_with("own_host_name.py", &[], &loopback_only), "loopback addresses: []\n");
}

/// A sandbox whose policy does not reach everything the host does sees only the loopback
/// interfaces (ARPHRD_LOOPBACK in /sys/class/net), with the host's indexes, as a process in a
/// network namespace of its own would.
#[test]
fn a_sandbox_short_of_allow_net_sees_only_loopback_interfaces() {
    let mut loopback = Vec::new();
    for entry in std::fs::read_dir("/sys/class/net").unwrap() {
        let dir = entry.unwrap().path();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap().trim().to_string();
        if read("type") == "772" {
            loopback.push((read("ifindex").parse::<u32>().unwrap(), dir.file_name().unwrap().to_string_lossy().into_owned()));
        }
    }
    loopback.sort();
    let expected: Vec<String> = loopback.iter().map(|(i, n)| format!("({i}, '{n}')")).collect();
    let expected = format!("[{}]\n", expected.join(", "));
    for policy in [&["--allow-loopback"][..], &[], &["--allow", "connect=10.0.0.0/8"]] {
        let options: Vec<&std::ffi::OsStr> = policy.iter().map(|o| o.as_ref()).collect();
        assert_eq!(sandbox_python_with("interfaces.py", &options, &["--list".as_ref()]), expected, "{policy:?}");
    }
}

/// TCP's integer options beyond keepalive's read, set and read back as natively on fresh, listening
/// and connected sockets, with the kernel's errors for short values and UDP sockets; py-amqp's
/// read-them-all-and-set-them-back before connecting works.
#[test]
fn tcp_options_match_native_cpython() {
    assert_matches_native("tcp_options.py");
}

/// TCP_INFO and TCP_CONGESTION, whose values are bytes, and SO_PRIORITY: read as ints and as bytes,
/// set from bytes, ints and NULL, on TCP, UDP and AF_UNIX sockets, as native CPython.
#[test]
fn byte_options_match_native_cpython() {
    assert_matches_native("byte_options.py");
}

/// A host running as root does not lend the sandbox its privileges: SO_PRIORITY above 6, SO_MARK, a
/// non-zero IP_TRANSPARENT and a congestion control algorithm outside
/// net.ipv4.tcp_allowed_congestion_control are EPERM, as for an unprivileged process (the last would
/// otherwise let the sandbox make the kernel load a module), and so is SO_BINDTODEVICE on a socket
/// bound to an interface already; an interface the sandbox does not see is ENODEV.
#[test]
fn options_that_need_privileges_are_refused() {
    let list = |file: &str| -> Vec<String> {
        let text = std::fs::read_to_string(format!("/proc/sys/net/ipv4/{file}")).unwrap_or_default();
        text.split_whitespace().map(str::to_string).collect()
    };
    let allowed = list("tcp_allowed_congestion_control");
    let restricted = list("tcp_available_congestion_control").into_iter().find(|a| !allowed.contains(a));
    let arg = restricted.clone().unwrap_or_else(|| "-".into());
    // An interface of the host's that --allow-loopback hides (none on a machine with loopback alone).
    let hidden = std::fs::read_dir("/sys/class/net")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name != "lo");
    let hidden_arg = hidden.clone().unwrap_or_else(|| "-".into());
    let out = sandbox_python_with("unprivileged_options.py", &["--allow-loopback".as_ref()], &[arg.as_ref(), hidden_arg.as_ref()]);
    let mut expected = "SO_PRIORITY 7: PermissionError EPERM -1: PermissionError EPERM reads 0\n\
        SO_MARK 1: PermissionError EPERM 0: PermissionError EPERM reads 0\n\
        IP_TRANSPARENT 1: PermissionError EPERM 0: None reads 0\n"
        .to_string();
    if restricted.is_some() {
        expected += "a restricted algorithm: PermissionError EPERM\n";
    }
    expected += "tcp_nonesuch: FileNotFoundError ENOENT\nunchanged: True\n\
        SO_BINDTODEVICE lo: None reads b'lo\\x00' again: PermissionError EPERM unbound: PermissionError EPERM\n\
        unbinding an unbound one: None none such: OSError ENODEV\n";
    if hidden.is_some() {
        expected += "a hidden interface: OSError ENODEV\n";
    }
    assert_eq!(out, expected);
}

/// SO_DONTROUTE, SO_INCOMING_CPU and IP_BIND_ADDRESS_NO_PORT as the kernel reads and sets them, and
/// the errors of options Linux does not have for a socket's family, as native CPython.
#[test]
fn socket_level_options_match_native_cpython() {
    assert_matches_native("socket_level_options.py");
}

/// fcntl.ioctl: sockets' and pipes' counts, the urgent mark, FIONBIO and FIOCLEX, requests a
/// descriptor does not know, and CPython's reading of the argument, as native CPython.
#[test]
fn ioctl_requests_match_native_cpython() {
    assert_matches_native("ioctl_requests.py");
}

/// fcntl.ioctl's interface requests (SIOCGIF*) on each kind of socket and on a pipe, for the loopback
/// interface and for one the machine does not have, as native CPython. Under --allow-net every
/// interface of the host's answers as natively; short of it, one the sandbox may not see answers
/// as one the machine does not have.
#[test]
fn interface_requests_match_native_cpython() {
    assert_matches_native("interface_requests.py");
    assert_transcripts_equal("interface_requests.py", &["--allow-net".as_ref()], &["--all".as_ref()]);
    let mut hidden = Vec::new();
    for entry in std::fs::read_dir("/sys/class/net").unwrap() {
        let dir = entry.unwrap().path();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok().map(|s| s.trim().to_string());
        if let (Some(kind), Some(index)) = (read("type"), read("ifindex")) {
            if kind != "772" {
                hidden.push((dir.file_name().unwrap().to_string_lossy().into_owned(), index));
            }
        }
    }
    let mut args = vec![std::ffi::OsString::from("--hidden")];
    for (name, index) in &hidden {
        args.extend([name.into(), index.into()]);
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let expected: String = hidden.iter().map(|(name, _)| format!("{name}: as an interface the machine does not have: True\n")).collect();
    assert_eq!(sandbox_python_with("interface_requests.py", &["--allow-loopback".as_ref()], &args), expected);
    // The writes, natively without CAP_NET_ADMIN (as root, setpriv drops it): the oracle for a
    // sandbox that is never privileged. Their interface does not exist, so no run changes one.
    let script = root().join("tests/python/interface_requests.py");
    let root_user = Command::new("id").arg("-u").output().is_ok_and(|id| String::from_utf8_lossy(&id.stdout).trim() == "0");
    let mut native = if root_user {
        let mut c = Command::new("setpriv");
        c.args(["--inh-caps=-net_admin,-sys_module", "--bounding-set=-net_admin,-sys_module", "python3"]);
        c
    } else {
        Command::new("python3")
    };
    let native = native.arg(&script).arg("--writes").output().unwrap();
    assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
    let native = String::from_utf8_lossy(&native.stdout);
    assert!(native.contains("SIOCSIFFLAGS tcp4=EPERM"), "the native run was not unprivileged:\n{native}");
    assert_eq!(sandbox_python_with("interface_requests.py", &["--allow-loopback".as_ref()], &["--writes".as_ref()]), native);
}

/// The control messages IP_PKTINFO, IP_RECVTTL, IP_RECVTOS and IPv6's three ask for, through
/// recvmsg and recvmsg_into with room for them or not (MSG_CTRUNC), and the options' value forms,
/// as native CPython.
#[test]
fn ancillary_data_matches_native_cpython() {
    assert_matches_native("ancillary_data.py");
}

/// Sockets and pipe ends passed in SCM_RIGHTS messages between the program's own sockets arrive
/// working and share their open file description, the kernel counts the room for them, and the
/// control messages Linux ignores or refuses are ignored or refused, as native CPython. What the
/// sandbox refuses that a native program may pass, each with its reason; and sockets that arrive
/// past the socket quota close, with MSG_CTRUNC, as past RLIMIT_NOFILE.
#[test]
fn descriptor_passing_matches_native_cpython() {
    assert_matches_native("descriptor_passing.py");
    let unsupported = "OSError: ENOTSUP Operation not supported: pysock's sandbox";
    let expected = [
        format!("a file: {unsupported} passes sockets and pipes in SCM_RIGHTS messages, not files"),
        format!("credentials: {unsupported} sends no control messages carrying credentials, only SCM_RIGHTS"),
        format!("an epoll object: {unsupported} passes sockets and pipes in SCM_RIGHTS messages, not epoll objects"),
        format!(
            "a dual-stack wildcard listener: {unsupported} cannot pass a socket bound to the dual-stack wildcard under --allow-loopback \
             (two sockets of the host's stand in for it); bind '::1' or '127.0.0.1' instead"
        ),
        format!("an IP option: {unsupported} sends no control messages carrying per-packet IP options, only SCM_RIGHTS"),
        "nothing went: BlockingIOError: EAGAIN Resource temporarily unavailable".to_string(),
    ];
    let refusals = sandbox_python_with("descriptor_passing.py", &["--allow-loopback".as_ref()], &["--refusals".as_ref()]);
    assert_eq!(refusals.lines().collect::<Vec<_>>(), expected);
    let quota = sandbox_python_with("descriptor_passing.py", &["--allow-loopback".as_ref(), "--max-sockets".as_ref(), "5".as_ref()], &["--quota".as_ref()]);
    assert_eq!(quota, "over the quota: b'q' 0 True\nwithin it: 1\n");
}

/// AF_UNIX sockets bound and connected by path in a folder the sandbox may write: the names each
/// side reports (as bind() was given them), streams, datagrams and sequenced packets through them,
/// the kernel's errors, what os.stat and os.lstat say a socket file is, asyncio serving where an
/// earlier server left its socket file, datagrams sent to a path and answered by the sender's name
/// (socketserver's UnixDatagramServer among them), and a native server's path, as native CPython;
/// then what the policy refuses (paths outside, in a read-only folder, through a link leading out,
/// abstract names; by bind, connect and sendto).
#[test]
fn unix_paths_match_native_cpython() {
    let run = |what: &str, sandboxed: bool| -> String {
        let folder = Scratch::new(what);
        let peer_path = folder.0.join("native.sock");
        let (mut peer, ready) = native_helper("unix_peer.py", &[&peer_path]);
        assert_eq!(ready, "ready");
        let args = [folder.0.as_os_str(), peer_path.as_os_str()];
        let transcript = if sandboxed {
            sandbox_python_with("unix_paths.py", &["--writable-dir".as_ref(), folder.0.as_os_str()], &args)
        } else {
            let native = Command::new("python3").arg(root().join("tests/python/unix_paths.py")).args(args).output().unwrap();
            assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
            String::from_utf8_lossy(&native.stdout).into_owned()
        };
        assert!(peer.wait().unwrap().success());
        transcript.replace(folder.0.to_str().unwrap(), "FOLDER")
    };
    let sandboxed = run("unix-paths-sandbox", true);
    assert!(sandboxed.contains("the native server echoed b'ping over a path'"), "{sandboxed}");
    assert_eq!(sandboxed, run("unix-paths-native", false));

    // Without `..` (root() has one), which the host walks as the kernel would: under /tmp, where CI
    // clones, the walk would step through the sandbox's own /tmp, where the checkout is not.
    let read_only = std::fs::canonicalize(root().join("tests/python")).unwrap();
    let refusals = sandbox_python_with("unix_paths.py", &[], &["--refusals".as_ref(), read_only.as_os_str()]);
    let refused = [
        "outside the folders",
        "a read-only folder",
        "a link out, bind",
        "a link out, connect",
        "an abstract name",
        "autobinding one",
        "listen unbound",
        "connect to an abstract name",
        "sendto outside the folders",
        "sendto an abstract name",
    ];
    let mut expected: Vec<String> = refused.iter().map(|label| format!("{label}: PermissionError EACCES ")).collect();
    expected.extend(["a link within, bind: None", "a link within, connect: None", "names: True True"].map(String::from));
    let lines: Vec<&str> = refusals.lines().collect();
    assert_eq!(lines[..expected.len()], expected, "{refusals}");
    assert!(lines[expected.len()].contains("outside the sandbox's folders; AF_UNIX paths must lie in a folder it may write (give one with --writable-dir"), "{refusals}");
    assert!(!std::path::Path::new("/tmp/pysock-escaped.sock").exists(), "a link led the bind out of the sandbox's /tmp");
}

/// connect() to an AF_UNIX listener whose backlog is full, a native program's: EAGAIN at once for
/// a non-blocking socket and one with a timeout, and for a blocking one a wait for room, as long
/// as its SO_SNDTIMEO allows, or until the listener accepts, as native CPython.
#[test]
fn a_blocking_unix_connect_waits_for_room_in_the_backlog() {
    let run = |what: &str, sandboxed: bool| -> String {
        let folder = Scratch::new(what);
        let (mut peer, ready) = native_helper("unix_backlog_peer.py", &[&folder.0]);
        assert_eq!(ready, "ready");
        let transcript = if sandboxed {
            sandbox_python_with("unix_backlog.py", &["--writable-dir".as_ref(), folder.0.as_os_str()], &[folder.0.as_os_str()])
        } else {
            let native = Command::new("python3").arg(root().join("tests/python/unix_backlog.py")).arg(&folder.0).output().unwrap();
            assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
            String::from_utf8_lossy(&native.stdout).into_owned()
        };
        assert!(peer.wait().unwrap().success());
        transcript
    };
    let sandboxed = run("unix-backlog-sandbox", true);
    assert!(sandboxed.contains("blocking, accepted after 0.4 s: connected, waited 0.2 to 2 s"), "{sandboxed}");
    assert_eq!(sandboxed, run("unix-backlog-native", false));
}

/// Receives into large buffers, which the kernel writes straight into the sandbox's memory: streams
/// and datagrams, peeks, recv_into's untouched tail, the end of a stream, as native CPython.
#[test]
fn large_receives_match_native_cpython() {
    assert_matches_native("large_receives.py");
}

/// Non-blocking SSL sockets with small buffers: SSLWantWriteError retries of the same buffer neither
/// lose nor repeat data, and reads do not wait for our own writes (that deadlocked two peers).
#[test]
fn ssl_nonblocking_bulk_matches_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_nonblocking_bulk.py", &[&certs], &[certs.as_os_str()]);
}

/// TLS against a peer that closes or resets before the handshake, MemoryBIOs that end mid-handshake,
/// a peer that speaks plain HTTP, a proxy request or another protocol, and a write retried with a
/// shorter buffer, as native CPython. (A blocking handshake against a closed peer once spun for ever:
/// the time limit turns such a hang into a failure.)
#[test]
fn ssl_peer_faults_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    let mut options = vec![std::ffi::OsStr::new("--allow-loopback"), "--time-limit".as_ref(), "120".as_ref()];
    options.extend([std::ffi::OsStr::new("--dir"), certs.as_os_str()]);
    assert_transcripts_equal("ssl_peer_faults.py", &options, &[certs.as_os_str()]);
}

/// An SSLObject's methods before its handshake, half closed and after unwrap() on both sides, and
/// both sides' calls after a failed handshake (over MemoryBIOs and over sockets), as native CPython.
#[test]
fn ssl_states_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_states.py", &[&certs], &[certs.as_os_str()]);
}

/// The verify code and message OpenSSL 3 gives for each kind of certificate failure, with the
/// certificates made here by `openssl`: host name, IP address, untrusted leaf, chain ending in an
/// untrusted self-signed CA, self-signed leaf, expiry, purpose, and a chain through a non-CA; a
/// self-signed certificate that marks itself a CA, trusted as itself (accepted, as OpenSSL does),
/// for another name, expired, for signing certificates only, or not trusted; one that a trusted CA
/// issued, directly or through an intermediate; one signed by a CA made anew under the trusted
/// CA's name; a leaf whose intermediate the server sends only because it trusts it (OpenSSL's
/// "auto chain"); and client certificates of these kinds.
#[test]
fn ssl_verify_codes_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    let dir = Scratch::new("verify_codes");
    let ca = (certs.join("ca.pem"), certs.join("ca.key"));
    let pem = |p: &std::path::Path| std::fs::read(p).unwrap();
    let localhost = "subjectAltName=DNS:localhost\n";
    std::fs::write(dir.0.join("leaf_and_ca.pem"), [pem(&certs.join("cert.pem")), pem(&ca.0)].concat()).unwrap();
    issue(&dir.0, "expired", "/CN=localhost", localhost, -1, &ca);
    issue(&dir.0, "client_only", "/CN=localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=clientAuth\n", 30, &ca);
    let not_a_ca = issue(&dir.0, "not_a_ca", "/CN=not a CA", "basicConstraints=critical,CA:FALSE\n", 30, &ca);
    let (leaf, _) = issue(&dir.0, "below_not_a_ca", "/CN=localhost", localhost, 30, &not_a_ca);
    std::fs::write(dir.0.join("below_not_a_ca_chain.pem"), [pem(&leaf), pem(&not_a_ca.0)].concat()).unwrap();
    // What `openssl req -x509` makes: a self-signed certificate that marks itself a CA.
    let ca_itself = "basicConstraints=critical,CA:TRUE\nsubjectAltName=DNS:localhost\n";
    let cert_signing = format!("{ca_itself}keyUsage=critical,keyCertSign,cRLSign\n");
    self_signed(&dir.0, "self_signed", "/CN=localhost", ca_itself, 30);
    self_signed(&dir.0, "self_signed_expired", "/CN=localhost", ca_itself, -1);
    self_signed(&dir.0, "self_signed_cert_signing", "/CN=localhost", &cert_signing, 30);
    self_signed(&dir.0, "self_signed_client", "/CN=client", "basicConstraints=critical,CA:FALSE\n", 30);
    // What `openssl req -x509 -CA` makes: a certificate that marks itself a CA, issued by the
    // trusted CA, directly or through an intermediate CA (or a certificate that is not a CA).
    issue(&dir.0, "ca_flagged", "/CN=localhost", ca_itself, 30, &ca);
    issue(&dir.0, "ca_flagged_expired", "/CN=localhost", ca_itself, -1, &ca);
    issue(&dir.0, "ca_flagged_cert_signing", "/CN=localhost", &cert_signing, 30, &ca);
    let intermediate = issue(&dir.0, "intermediate", "/CN=intermediate", "basicConstraints=critical,CA:TRUE\n", 30, &ca);
    issue(&dir.0, "below_intermediate", "/CN=localhost", localhost, 30, &intermediate);
    let (below, _) = issue(&dir.0, "ca_flagged_below", "/CN=localhost", ca_itself, 30, &intermediate);
    std::fs::write(dir.0.join("ca_flagged_below_chain.pem"), [pem(&below), pem(&intermediate.0)].concat()).unwrap();
    let (below, _) = issue(&dir.0, "ca_flagged_below_not_a_ca", "/CN=localhost", ca_itself, 30, &not_a_ca);
    std::fs::write(dir.0.join("ca_flagged_below_not_a_ca_chain.pem"), [pem(&below), pem(&not_a_ca.0)].concat()).unwrap();
    // A CA made anew, with a new key, under the trusted CA's name; what it signs names the new
    // key (authorityKeyIdentifier), or no key.
    let remade = self_signed(&dir.0, "remade_ca", "/CN=Conformance Test CA/O=Conformance", "basicConstraints=critical,CA:TRUE\n", 30);
    let no_key_ids = "authorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n";
    issue(&dir.0, "from_remade_ca", "/CN=localhost", localhost, 30, &remade);
    issue(&dir.0, "from_remade_ca_no_key_id", "/CN=localhost", &format!("{localhost}{no_key_ids}"), 30, &remade);
    issue(&dir.0, "ca_flagged_from_remade_ca", "/CN=localhost", ca_itself, 30, &remade);
    issue(&dir.0, "ca_flagged_from_remade_ca_no_key_id", "/CN=localhost", &format!("{ca_itself}{no_key_ids}"), 30, &remade);
    assert_matches_native_with("ssl_verify_codes.py", &[&certs, &dir.0], &[certs.as_os_str(), dir.0.as_os_str()]);
}

/// ALPN for every pair of client and server lists, with and without an sni_callback: lists that
/// share nothing complete the handshake with no protocol, as OpenSSL does under CPython.
#[test]
fn ssl_alpn_matches_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_alpn.py", &[&certs], &[certs.as_os_str()]);
}

/// Two SSLObjects over MemoryBIOs: handshake, data, unwrap and an untrusted server, as native CPython.
#[test]
fn ssl_memorybio_matches_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_memorybio.py", &[&certs], &[certs.as_os_str()]);
}

/// socketserver's threading servers (ThreadingHTTPServer, ThreadingTCPServer) answer as natively,
/// handler errors included, though the sandbox has no thread to give each request.
#[test]
fn threading_servers_match_native_cpython() {
    assert_matches_native("threading_servers.py");
}

/// Bad arguments, huge numbers, NaN timeouts and closed sockets: the same exceptions as native CPython.
#[test]
fn bad_input_matches_native_cpython() {
    assert_matches_native("bad_input.py");
}

/// recv, recvfrom, send and sendall count their positional arguments and refuse keywords with
/// CPython's own messages, and still work as methods of subclasses and unbound.
#[test]
fn positional_methods_match_native_cpython() {
    assert_matches_native("argument_counts.py");
}

/// CPython's threaded BasicTCPTest, BasicUDPTest and NonBlockingTCPTests, ported to one thread.
#[test]
fn ported_test_socket_matches_native_cpython() {
    assert_matches_native("ported_test_socket.py");
}

/// Sockets and poll objects collected in garbage cycles whose other finalizers still use them:
/// no trap, no leaked descriptor.
#[test]
fn garbage_cycles_neither_trap_nor_leak() {
    let text = sandbox_python("gc_cycles.py", &[]);
    assert!(text.contains("every descriptor was closed: True"), "{text}");
}

/// `pysock python` exits with the status native CPython would: sys.exit(N) modulo 256, 1 for an
/// uncaught exception or a message.
#[test]
fn exit_status_matches_native_cpython() {
    for mode in ["0", "3", "255", "256", "-1", "raise", "message"] {
        let script = root().join("tests/python/exit_status.py");
        let native = Command::new("python3").arg(&script).arg(mode).output().unwrap();
        let sandboxed = pysock_python::<&str>(&[], "exit_status.py", &[mode]);
        assert_eq!(sandboxed.status.code(), native.status.code(), "sys.exit mode {mode}");
    }
}

/// Signals a program sends itself (`signal.raise_signal`, and `os.kill`, which pysock adds to WASI
/// CPython, to its own process) reach its handler, are ignored or, left at SIG_DFL, end it, with
/// CPython's argument errors, as natively; `SIG_IGN` is 1 and SIGPIPE starts ignored. A signal that
/// kills python3 (SIGTERM, SIGKILL, SIGUSR1, SIGALRM) ends the run with the status a shell
/// reports for it, after the same output, where WASI's libc aborted the wasm.
#[test]
fn signals_a_program_sends_itself_match_native_cpython() {
    use std::os::unix::process::ExitStatusExt;
    assert_transcripts_equal("signal_delivery.py", &[], &[]);
    for signal in [libc::SIGTERM, libc::SIGKILL, libc::SIGUSR1, libc::SIGALRM] {
        let number = signal.to_string();
        let native = Command::new("python3").arg(root().join("tests/python/signal_delivery.py")).arg(&number).output().unwrap();
        let sandboxed = pysock_python::<&str>(&[], "signal_delivery.py", &[&number]);
        assert_eq!(native.status.signal(), Some(signal));
        assert_eq!(sandboxed.status.code(), Some(128 + signal), "{}", String::from_utf8_lossy(&sandboxed.stderr));
        assert_eq!(String::from_utf8_lossy(&sandboxed.stdout), String::from_utf8_lossy(&native.stdout));
    }
}

/// `name` with the argument "default", which leaves `signal` at SIG_DFL until it arrives: it kills
/// python3, which a shell reports as 128 + the signal; pysock ends with that status, having written
/// the same output.
fn assert_killed_as_native(name: &str, signal: i32) {
    use std::os::unix::process::ExitStatusExt;
    let native = Command::new("python3").arg(root().join("tests/python").join(name)).arg("default").output().unwrap();
    let sandboxed = pysock_python::<&str>(&[], name, &["default"]);
    assert_eq!(native.status.signal(), Some(signal));
    assert_eq!(sandboxed.status.code(), Some(128 + signal), "{}", String::from_utf8_lossy(&sandboxed.stderr));
    assert_eq!(String::from_utf8_lossy(&sandboxed.stdout), String::from_utf8_lossy(&native.stdout));
}

/// signal.alarm, setitimer, getitimer and pause, which pysock adds to WASI CPython: handlers run
/// inside sleep, recv, select and a FileIO read of a pipe and end pause, timers read back and
/// arguments fail as native CPython's; SIGALRM left at SIG_DFL ends the run (142).
#[test]
fn alarm_matches_native_cpython() {
    assert_transcripts_equal("alarm.py", &[], &[]);
    assert_killed_as_native("alarm.py", libc::SIGALRM);
}

/// CPU time, which WASI's libc does not measure: process_time, thread_time, the CPU-time clocks and
/// os.times count computing and not sleeping, and ITIMER_VIRTUAL and ITIMER_PROF expire while the
/// program computes, as native CPython's; SIGVTALRM left at SIG_DFL ends the run (154).
#[test]
fn cpu_time_matches_native_cpython() {
    assert_transcripts_equal("cpu_time.py", &[], &[]);
    assert_killed_as_native("cpu_time.py", libc::SIGVTALRM);
}

/// select.epoll: registration errors, level- and edge-triggered and one-shot events, maxevents,
/// timeouts, closing, and selectors.DefaultSelector being EpollSelector, as native CPython.
#[test]
fn epoll_matches_native_cpython() {
    assert_transcripts_equal("epoll.py", &[], &[]);
}

/// An asyncio program that uses only its own loop (timers, wait_for, streams over a socketpair,
/// call_soon_threadsafe through the self-pipe) runs with no allow option at all, as natively.
#[test]
fn asyncio_own_loop_needs_no_network_permission() {
    assert_transcripts_equal("asyncio_features.py", &[], &[std::ffi::OsStr::new("own-loop")]);
}

/// asyncio's sock_* methods, start_server, create_connection, create_datagram_endpoint, wait_for
/// timeouts and connections by host name (resolved without the thread pool) over loopback, as
/// native CPython.
#[test]
fn asyncio_on_loopback_matches_native_cpython() {
    assert_matches_native_with("asyncio_features.py", &[], &[std::ffi::OsStr::new("loopback")]);
}

/// asyncio (start_server, open_connection, wait_for) and socketserver run unmodified.
#[test]
fn asyncio_and_socketserver_run_unmodified() {
    let text = sandbox_python("stdlib_servers.py", &["--allow-loopback"]);
    assert!(text.contains("asyncio echoes: True"), "{text}");
    assert!(text.contains("wait_for timeout: TimeoutError"), "{text}");
    assert!(text.contains("socketserver: b'ABC'"), "{text}");
}

/// Default contexts trust what the embedder configured: nothing by default, a CA file, or the
/// host's system store, which reads as native CPython's default context on the same machine (the
/// CA file's certificates counted, not a CA directory's extra ones, such as Debian's snakeoil).
#[test]
fn default_trust_follows_the_embedder() {
    let ca = conformance_dir().join("certs/ca.pem");
    let count = |options: &[&str]| sandbox_python("default_trust.py", options);
    assert!(count(&[]).starts_with("default context CAs: 0\n"));
    assert!(count(&["--ca-file", ca.to_str().unwrap()]).starts_with("default context CAs: 1\n"));
    let system = count(&["--system-ca"]);
    assert!(!system.starts_with("default context CAs: 0\n"), "{system}");
    assert_transcripts_equal("default_trust.py", &[std::ffi::OsStr::new("--system-ca")], &[]);
}

/// Decrypted TLS bytes buffered after a short read make the socket readable for select, poll and
/// epoll (native CPython's do not, a known trap), and so do those that came with the last handshake
/// flight (natively too: OpenSSL left them in the kernel); SSL timeouts use CPython's wording.
#[test]
fn buffered_tls_data_is_readable() {
    let certs = conformance_dir().join("certs");
    let options = [std::ffi::OsStr::new("--allow-loopback"), std::ffi::OsStr::new("--dir"), certs.as_os_str()];
    let text = sandbox_python_with("ssl_buffered_select.py", &options, &[certs.as_os_str()]);
    assert!(text.contains("short read: 10 pending: 90"), "{text}");
    assert!(text.contains("select says readable: True"), "{text}");
    assert!(text.contains("poll says POLLIN: True"), "{text}");
    assert!(text.contains("epoll says EPOLLIN: True"), "{text}");
    assert!(text.contains("select after draining: []"), "{text}");
    assert!(text.contains("epoll after draining: []"), "{text}");
    // As natively: the request that came with the handshake is readable by every readiness call.
    assert!(text.contains("after the handshake, epoll says EPOLLIN: True"), "{text}");
    assert!(text.contains("after the handshake, select says readable: True"), "{text}");
    assert!(text.contains("the request: b'GET / HTTP/1.1\\r\\n\\r\\n'"), "{text}");
    assert!(text.contains("epoll once it is read: []"), "{text}");
    assert!(text.contains("timeout message: The read operation timed out"), "{text}");
}

/// load_cert_chain with encrypted keys made here by `openssl`: PKCS#8 (what OpenSSL 3 writes) and
/// the traditional "Proc-Type: 4,ENCRYPTED" PEM with AES-128, AES-256 and triple DES, RSA and EC.
/// Passwords as str, bytes or a callable, and the errors for wrong ones, as native CPython.
#[test]
fn encrypted_private_keys_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    let dir = Scratch::new("enckey");
    let s = |x: &'static str| std::ffi::OsStr::new(x);
    let (rsa, rsa_cert) = (certs.join("key.pem"), certs.join("cert.pem"));
    let (ec, ec_cert) = (dir.0.join("ec.pem"), dir.0.join("ec-cert.pem"));
    openssl(&[s("req"), s("-x509"), s("-newkey"), s("ec"), s("-pkeyopt"), s("ec_paramgen_curve:prime256v1"), s("-nodes"),
        s("-subj"), s("/CN=localhost"), s("-days"), s("30"), s("-keyout"), ec.as_os_str(), s("-out"), ec_cert.as_os_str()]);
    let cases: [(&str, &[&str], &std::path::Path, &std::path::Path); 4] = [
        ("pkcs8", &["pkcs8", "-topk8", "-v2", "aes-256-cbc"], &rsa, &rsa_cert),
        ("rsa-aes128", &["rsa", "-traditional", "-aes128"], &rsa, &rsa_cert),
        ("rsa-des3", &["rsa", "-traditional", "-des3"], &rsa, &rsa_cert),
        ("ec-aes256", &["ec", "-aes256"], &ec, &ec_cert),
    ];
    for (name, command, plain, cert) in cases {
        let key = dir.0.join(format!("{name}.pem"));
        let mut args: Vec<&std::ffi::OsStr> = command.iter().map(std::ffi::OsStr::new).collect();
        args.extend([s("-passout"), s("pass:secret"), s("-in"), plain.as_os_str(), s("-out"), key.as_os_str()]);
        openssl(&args);
        let text = std::fs::read_to_string(&key).unwrap();
        assert_eq!(text.contains("Proc-Type: 4,ENCRYPTED"), name != "pkcs8", "{name}: {text}");
        assert_matches_native_with("encrypted_key.py", &[&certs, &dir.0], &[cert.as_os_str(), key.as_os_str()]);
    }
}

/// A scratch folder for files a test makes, removed when dropped.
fn openssl(args: &[&std::ffi::OsStr]) {
    let made = Command::new("openssl").args(args).output().expect("openssl is installed by scripts/setup.sh");
    assert!(made.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&made.stderr));
}

/// A new key and a certificate for `subject` with `extensions` (openssl's extfile lines), valid for
/// `days` (negative: expired), signed by `issuer` (certificate, key): DIR/NAME.pem and DIR/NAME.key.
fn issue(dir: &std::path::Path, name: &str, subject: &str, extensions: &str, days: i32, issuer: &(std::path::PathBuf, std::path::PathBuf)) -> (std::path::PathBuf, std::path::PathBuf) {
    let [cert, key, csr, ext, serial] = ["pem", "key", "csr", "ext", "srl"].map(|suffix| dir.join(format!("{name}.{suffix}")));
    std::fs::write(&ext, extensions).unwrap();
    let s = std::ffi::OsStr::new;
    let days = days.to_string();
    openssl(&[s("req"), s("-new"), s("-newkey"), s("rsa:2048"), s("-nodes"), s("-subj"), s(subject),
        s("-keyout"), key.as_os_str(), s("-out"), csr.as_os_str()]);
    openssl(&[s("x509"), s("-req"), s("-in"), csr.as_os_str(), s("-CA"), issuer.0.as_os_str(), s("-CAkey"), issuer.1.as_os_str(),
        s("-CAcreateserial"), s("-CAserial"), serial.as_os_str(), s("-days"), s(&days), s("-extfile"), ext.as_os_str(),
        s("-out"), cert.as_os_str()]);
    (cert, key)
}

/// A certificate for `subject` signed by its own new key, as `openssl req -x509` makes one, with
/// `extensions` and valid for `days` from now (negative: expired): DIR/NAME.pem and DIR/NAME.key.
fn self_signed(dir: &std::path::Path, name: &str, subject: &str, extensions: &str, days: i32) -> (std::path::PathBuf, std::path::PathBuf) {
    let [cert, key, csr, ext] = ["pem", "key", "csr", "ext"].map(|suffix| dir.join(format!("{name}.{suffix}")));
    std::fs::write(&ext, extensions).unwrap();
    let s = std::ffi::OsStr::new;
    let days = days.to_string();
    openssl(&[s("req"), s("-new"), s("-newkey"), s("rsa:2048"), s("-nodes"), s("-subj"), s(subject),
        s("-keyout"), key.as_os_str(), s("-out"), csr.as_os_str()]);
    openssl(&[s("x509"), s("-req"), s("-in"), csr.as_os_str(), s("-signkey"), key.as_os_str(), s("-days"), s(&days),
        s("-extfile"), ext.as_os_str(), s("-out"), cert.as_os_str()]);
    (cert, key)
}

/// A server's sni_callback, as native CPython runs it: the name asked for (None without SNI), a
/// switch to another context with another certificate (made here, for other.example, by the test
/// CA), a refusal with an alert, a callback that raises, over MemoryBIOs and sockets; and the
/// setter's errors.
#[test]
fn sni_callback_matches_native_cpython() {
    let certs = conformance_dir().join("certs");
    let dir = Scratch::new("sni");
    let ca = (certs.join("ca.pem"), certs.join("ca.key"));
    let extensions = "subjectAltName=DNS:other.example\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n";
    let (cert, key) = issue(&dir.0, "other", "/CN=other.example/O=Conformance", extensions, 3650, &ca);
    assert_matches_native_with("ssl_sni.py", &[&certs, &dir.0], &[certs.as_os_str(), cert.as_os_str(), key.as_os_str()]);
}

/// Sessions as native CPython has them: resumed only when offered, again and again, TLS 1.2 and
/// 1.3, over MemoryBIOs and sockets; SSLSession's attributes and equality, the setter's errors and
/// session_stats().
#[test]
fn sessions_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_sessions.py", &[&certs], &[certs.as_os_str()]);
}

/// set_ciphers' language and get_ciphers' dicts over the suites rustls has, the error for strings
/// that select nothing, and the suite a TLS 1.2 handshake then negotiates, as native CPython.
#[test]
fn cipher_strings_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_ciphers.py", &[&certs], &[certs.as_os_str()]);
}

/// _ssl's own objects and checks as native CPython has them: Certificate objects and the verified
/// chain, server_hostname, set_ecdh_curve, load_dh_params, cadata and cafile errors, verify_flags,
/// cert_store_stats and get_ca_certs, a PROTOCOL_TLSv1_2 context, MemoryBIO buffers, want-read text.
#[test]
fn ssl_context_checks_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    assert_matches_native_with("ssl_context_checks.py", &[&certs], &[certs.as_os_str()]);
}

/// The files _ssl reads as native CPython reads them: a cafile, certfile or keyfile that cannot be
/// opened is the OSError of its errno alone, naming no file (load_dh_params names it), and capath
/// trusts only the files OpenSSL's lookups open, named by the subject's hash from `.0` on.
#[test]
fn ssl_files_match_native_cpython() {
    let certs = conformance_dir().join("certs");
    let hash = Command::new("openssl").args(["x509", "-hash", "-noout", "-in"]).arg(certs.join("ca.pem")).output().expect("openssl is installed by scripts/setup.sh");
    let hash = String::from_utf8(hash.stdout).unwrap();
    assert_matches_native_with("ssl_files.py", &[&certs], &[certs.as_os_str(), hash.trim().as_ref()]);
}

/// keylog_filename as native CPython writes it: a header for a new file, then NSS key log lines for
/// each handshake (TLS 1.3's five secrets, TLS 1.2's CLIENT_RANDOM), none once cleared. The
/// sandbox writes the file in a folder given with --writable-dir.
#[test]
fn keylog_matches_native_cpython() {
    let certs = conformance_dir().join("certs");
    let (native_dir, sandbox_dir) = (Scratch::new("keylog-native"), Scratch::new("keylog-sandbox"));
    let script = root().join("tests/python/ssl_keylog.py");
    let native = Command::new("python3").arg(&script).arg(&certs).arg(&native_dir.0).output().unwrap();
    assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
    let options = [std::ffi::OsStr::new("--dir"), certs.as_os_str(), std::ffi::OsStr::new("--writable-dir"), sandbox_dir.0.as_os_str()];
    let sandboxed = sandbox_python_with("ssl_keylog.py", &options, &[certs.as_os_str(), sandbox_dir.0.as_os_str()]);
    let expected = String::from_utf8_lossy(&native.stdout).replace(&*native_dir.0.to_string_lossy(), &sandbox_dir.0.to_string_lossy());
    assert_eq!(sandboxed, expected);
}

/// fcntl.flock and fcntl.lockf as native CPython's: two opens of one file, the kernel's errors,
/// sockets, pipes and /dev/null; against a native process holding the same file
/// (tests/python/lock_holder.py), each side's lock refuses the other's and a blocking lock waits for
/// the other's release, running a signal handler meanwhile; and the stdlib's mailbox, which locks
/// with lockf. The native run and the sandboxed one each have their own folder and holder.
#[test]
fn file_locks_match_native_cpython() {
    let run = |what: &str, sandboxed: bool| -> String {
        let folder = Scratch::new(what);
        let shared = folder.0.join("shared");
        let (mut holder, port) = native_helper("lock_holder.py", &[&shared]);
        let args = [folder.0.as_os_str(), std::ffi::OsStr::new(&port)];
        let transcript = if sandboxed {
            let options = [std::ffi::OsStr::new("--allow-loopback"), std::ffi::OsStr::new("--writable-dir"), folder.0.as_os_str()];
            sandbox_python_with("file_locks.py", &options, &args)
        } else {
            let native = Command::new("python3").arg(root().join("tests/python/file_locks.py")).args(args).output().unwrap();
            assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
            String::from_utf8_lossy(&native.stdout).into_owned()
        };
        assert!(holder.wait().unwrap().success());
        transcript
    };
    assert_eq!(run("locks-sandbox", true), run("locks-native", false));
}

/// Errnos read as on Linux wherever Python sees one: `errno`'s names and `errorcode`, os.strerror,
/// what the interpreter's C code raises from libc (os.close, open, mkdir, rmdir, rename), what the
/// sockets raise, connect_ex and SO_ERROR, the subclass OSError(n, ...) picks for every number, and
/// a program's own OSError subclasses (an `__init__` taking keywords, a `__new__`), as native.
#[test]
fn errno_numbers_match_native_cpython() {
    let run = |what: &str, sandboxed: bool| -> String {
        let folder = Scratch::new(what);
        let transcript = if sandboxed {
            let options = [std::ffi::OsStr::new("--allow-loopback"), std::ffi::OsStr::new("--writable-dir"), folder.0.as_os_str()];
            sandbox_python_with("errno_numbers.py", &options, &[folder.0.as_os_str()])
        } else {
            let native = Command::new("python3").arg(root().join("tests/python/errno_numbers.py")).arg(&folder.0).output().unwrap();
            assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
            String::from_utf8_lossy(&native.stdout).into_owned()
        };
        transcript.replace(folder.0.to_str().unwrap(), "FOLDER")
    };
    assert_eq!(run("errno-sandbox", true), run("errno-native", false));
}

/// Chains a million deep are freed and C recursion 100,000 deep raises RecursionError, as native
/// CPython does, where the sandbox used to end with "wasm trap: call stack exhausted" after a few
/// thousand levels (guest/cpython/src/deep_free.rs, runtime::WASM_STACK).
#[test]
fn deep_structures_are_freed_and_deep_recursion_raises_as_native() {
    let native = Command::new("python3").arg(root().join("tests/python/deep_structures.py")).output().unwrap();
    assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
    assert_eq!(sandbox_python("deep_structures.py", &[]), String::from_utf8_lossy(&native.stdout));
}

/// Starts the native helper tests/python/`script` with `args`: the process and the first line it
/// prints (its port, or "ready"), which it prints once it serves.
fn native_helper<S: AsRef<std::ffi::OsStr>>(script: &str, args: &[S]) -> (std::process::Child, String) {
    let mut helper = Command::new("python3")
        .arg(root().join("tests/python").join(script))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(helper.stdout.as_mut().unwrap()), &mut line).unwrap();
    (helper, line.trim().to_string())
}

/// Starts tests/python/paced_peer.py as `role` for `connections` connections: the peer and its port.
fn paced_peer(role: &str, connections: usize) -> (std::process::Child, String) {
    native_helper("paced_peer.py", &[role, &connections.to_string()])
}

/// Every receive method x every MSG_* flag CPython exposes x TCP, UDP and socketpair x buffers
/// below, at and above the queued data: counts, buffer contents (pre-filled, so a byte the kernel
/// did not write shows) and what stays queued, as native CPython. Then MSG_WAITALL on a blocking
/// socket whose bytes arrive in two parts, from a native peer.
#[test]
fn recv_flags_match_native_cpython() {
    let methods = ["recv", "recv_into", "recvfrom", "recvfrom_into"].map(std::ffi::OsStr::new);
    assert_matches_native_with("recv_flags.py", &[], &methods);

    let (mut peer, port) = paced_peer("split-send", 2 * methods.len());
    let mut args = vec![std::ffi::OsStr::new("--split-peer"), std::ffi::OsStr::new(&port)];
    args.extend(methods);
    assert_matches_native_with("recv_flags.py", &[], &args);
    assert!(peer.wait().unwrap().success());
}

/// Sends larger than the kernel's buffer to a peer that pauses before reading: a blocking socket's
/// send() and sendmsg() return the whole length, as send(2) waits for room on Linux; with a
/// timeout, send() returns what fitted and sendall() sends it all. As native CPython.
#[test]
fn blocking_sends_send_everything_as_native_cpython() {
    let cases = 4;
    let (mut native_peer, native_port) = paced_peer("slow-read", cases);
    let (mut sandbox_peer, sandbox_port) = paced_peer("slow-read", cases);
    let native = Command::new("python3").arg(root().join("tests/python/blocking_send.py")).arg(&native_port).output().unwrap();
    assert!(native.status.success(), "{}", String::from_utf8_lossy(&native.stderr));
    let sandboxed = sandbox_python_with("blocking_send.py", &[std::ffi::OsStr::new("--allow-loopback")], &[std::ffi::OsStr::new(&sandbox_port)]);
    assert_eq!(sandboxed, String::from_utf8_lossy(&native.stdout));
    assert!(sandboxed.contains("send, blocking: whole True"), "{sandboxed}");
    assert!(native_peer.wait().unwrap().success() && sandbox_peer.wait().unwrap().success());
}

/// SO_RCVTIMEO and SO_SNDTIMEO as native CPython has them: set and read back as the kernel rounds
/// them (a 32-bit `struct timeval` from the sandbox's `struct.pack("ll")`, a 64-bit one from
/// `"qq"`), the kernel's errors for bad values, inherited by an accepted socket, and ending a
/// blocking accept, recv, recv_into, recvfrom (on a dual-stack wildcard too), send, sendall and
/// connect (to a full backlog) after about the limit with BlockingIOError or a partial count; a
/// blocking connect of a connection on its way waits for it, as the kernel's does; and a negative
/// time (a zero timeout to Linux) reads back as none but fails each of those calls at once, on
/// duplicates and accepted connections too.
#[test]
fn socket_timeouts_match_native_cpython() {
    assert_matches_native("socket_timeouts.py");
}
