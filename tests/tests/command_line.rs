//! `pysock python` takes what python3 takes: a script, `-c`, `-m`, `-` and the interactive prompt,
//! with python3's sys.argv, `__main__`, sys.path and tracebacks; `--env`, `--path` and the private
//! temporary folder. Each test runs the real binary, most beside native python3.

use pysock_tests::{pysock_bin, Scratch};
use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// A folder of its own under the system's temporary folder, removed at the end.
fn run(command: &mut Command, stdin: &str) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// `pysock python OPTIONS ARGS` with `stdin`, and no environment but what the test gives.
fn sandbox(options: &[&str], args: &[&str], stdin: &str) -> Output {
    run(Command::new(pysock_bin()).arg("python").args(options).args(args).env("FROM_HOST", "host value"), stdin)
}

/// python3 as a fresh machine runs it: none of the PYTHON* variables of the environment the tests
/// run in (this machine sets PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE).
fn python3() -> Command {
    let mut command = Command::new("python3");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PYTHON") {
            command.env_remove(name);
        }
    }
    command
}

/// `python3 ARGS` with `stdin` and the variables `env`.
fn native(args: &[&str], stdin: &str, env: &[(&str, &OsStr)]) -> Output {
    let mut command = python3();
    command.args(args).envs(env.iter().copied());
    run(&mut command, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Same stdout and exit status as python3 given the same words.
fn assert_same(sandboxed: Output, native: Output) {
    assert_eq!(
        (text(&sandboxed.stdout), sandboxed.status.code()),
        (text(&native.stdout), native.status.code()),
        "sandbox stderr: {}\nnative stderr: {}",
        text(&sandboxed.stderr),
        text(&native.stderr)
    );
}

const SHOW: &str = "import sys; print(sys.argv, __name__, repr(sys.path[0]))";

#[test]
fn dash_c_runs_a_command_as_python3_does() {
    assert_same(sandbox(&[], &["-c", SHOW, "a", "-b"], ""), native(&["-c", SHOW, "a", "-b"], "", &[]));
    assert_same(sandbox(&[], &["-c", "raise SystemExit(3)"], ""), native(&["-c", "raise SystemExit(3)"], "", &[]));
    let missing = sandbox(&[], &["-c"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("a value is required for '-c <COMMAND>...'"), "{}", text(&missing.stderr));
}

#[test]
fn dash_reads_the_script_from_stdin() {
    let script = format!("{SHOW}\n");
    assert_same(sandbox(&[], &["-", "x"], &script), native(&["-", "x"], &script, &[]));
    assert_same(sandbox(&[], &[], &script), native(&[], &script, &[]));
}

#[test]
fn dash_m_runs_stdlib_and_own_modules_as_main() {
    let dir = Scratch::new("m");
    let json = dir.write("data.json", r#"{"b": [1, 2], "a": "x"}"#);
    let json = json.to_str().unwrap();
    let dir_str = dir.0.to_str().unwrap();
    assert_same(
        sandbox(&["--dir", dir_str], &["-m", "json.tool", "--sort-keys", json], ""),
        native(&["-m", "json.tool", "--sort-keys", json], "", &[]),
    );
    dir.write("pkg/__init__.py", "");
    dir.write("pkg/__main__.py", "import os, sys\nprint(os.path.basename(sys.argv[0]), sys.argv[1:], __name__, __package__)\n");
    assert_same(
        sandbox(&["--path", dir_str], &["-m", "pkg", "one", "two"], ""),
        native(&["-m", "pkg", "one", "two"], "", &[("PYTHONPATH", dir.0.as_os_str())]),
    );
    let nothing = sandbox(&[], &["-m", "no_such_module"], "");
    assert_eq!(nothing.status.code(), Some(1));
    assert!(text(&nothing.stderr).contains("No module named no_such_module"), "{}", text(&nothing.stderr));
}

/// The sandbox starts in the folder `pysock python` was started in, as python3 does, when it can read
/// that folder (the script's own, or one given with --dir): relative paths and `-m` find the
/// program's files. A folder it cannot read leaves it in "/", an empty folder that only reads but
/// exists, as a Linux process's working folder does: pytest goes back to the folder it started in.
#[test]
fn the_sandbox_starts_in_the_folder_it_was_started_from() {
    let dir = Scratch::new("cwd");
    dir.write("data.txt", "read by a relative path\n");
    // python3 may write a __pycache__ there; the sandbox, whose --dir is read-only, cannot.
    let show = "import os, sys; print(os.getcwd(), repr(sys.path[0]), open('data.txt').read().strip(), \
                sorted(set(os.listdir('.')) - {'__pycache__'}))\n";
    let script = dir.write("sub/show.py", show);
    dir.write("show_module.py", show);
    let in_dir = |command: &mut Command| run(command.current_dir(&dir.0), "");
    let sandboxed = |args: &[&str]| in_dir(Command::new(pysock_bin()).arg("python").args(args));
    let native = |args: &[&str]| in_dir(python3().args(args));
    let script = script.to_str().unwrap();
    // Started beside the data with the script in a subfolder: the script's folder is readable, the
    // current one only with --dir.
    assert_same(sandboxed(&["--dir", ".", script]), native(&[script]));
    assert_same(sandboxed(&["--dir", ".", "-m", "show_module"]), native(&["-m", "show_module"]));
    assert_same(sandboxed(&["--dir", ".", "-c", show]), native(&["-c", show]));
    let elsewhere = Scratch::new("cwd-unreadable");
    let in_root = "import os, tempfile\n\
                   os.chdir('/')\n\
                   print(os.getcwd(), os.listdir(), os.path.isdir('.'), os.path.exists('/tmp/' + os.path.basename(tempfile.mkdtemp())))\n\
                   for write in (lambda: open('made-here.txt', 'w'), lambda: os.mkdir('/folder')):\n\
                   \x20   try: write()\n\
                   \x20   except OSError as e: print(type(e).__name__)\n\
                   try: open('/etc/hostname')\n\
                   except OSError as e: print(type(e).__name__)\n";
    // "/" holds nothing but /etc/localtime, where the machine has one.
    let root = if std::path::Path::new("/etc/localtime").exists() { "['etc']" } else { "[]" };
    let started = run(Command::new(pysock_bin()).args(["python", "-c", in_root]).current_dir(&elsewhere.0), "");
    let expected = format!("/ {root} True True\nPermissionError\nPermissionError\nFileNotFoundError\n");
    assert_eq!(text(&started.stdout), expected, "{}", text(&started.stderr));
    let without_tmp = "import os; os.chdir('/'); print(os.getcwd(), os.listdir(), os.path.isdir('/tmp'))";
    let started = run(Command::new(pysock_bin()).args(["python", "--no-tmp", "-c", without_tmp]).current_dir(&elsewhere.0), "");
    assert_eq!(text(&started.stdout), format!("/ {root} False\n"), "{}", text(&started.stderr));
}

/// A traceback starts at the script's own frame, as python3's does: no launcher or runpy frames.
#[test]
fn tracebacks_show_only_the_programs_frames() {
    let dir = Scratch::new("tb");
    let script = dir.write("fails.py", "def f():\n    raise ValueError('from the script')\n\nf()\n");
    let script = script.to_str().unwrap();
    for (sandboxed, native) in [
        (sandbox(&[], &[script], ""), native(&[script], "", &[])),
        (sandbox(&[], &["-c", "1/0"], ""), native(&["-c", "1/0"], "", &[])),
    ] {
        assert_eq!(sandboxed.status.code(), native.status.code());
        let (ours, theirs) = (text(&sandboxed.stderr), text(&native.stderr));
        let frames = |t: &str| t.lines().filter(|l| l.starts_with("  File ")).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(frames(&ours), frames(&theirs), "sandbox:\n{ours}\nnative:\n{theirs}");
        assert_eq!(ours.lines().last(), theirs.lines().last());
    }
}

/// The command line is clap's: --version, help per command, and a mistyped option named with the
/// closest valid one.
#[test]
fn the_command_line_helps() {
    let version = Command::new(pysock_bin()).arg("--version").output().unwrap();
    assert_eq!(text(&version.stdout), format!("pysock {}\n", env!("CARGO_PKG_VERSION")));
    let help = Command::new(pysock_bin()).args(["help", "python"]).output().unwrap();
    assert!(text(&help.stdout).contains("--allow-loopback") && text(&help.stdout).contains("-m <MODULE>"), "{}", text(&help.stdout));
    let typo = sandbox(&["--alow-net"], &["x.py"], "");
    assert_eq!(typo.status.code(), Some(2));
    let said = text(&typo.stderr);
    assert!(said.contains("'--alow-net'") && said.contains("a similar argument exists: '--allow-net'"), "{said}");
}

#[test]
fn environment_is_given_never_inherited() {
    let show = "import os; print(os.environ.get('FROM_HOST'), os.environ.get('GIVEN'))";
    assert_eq!(text(&sandbox(&[], &["-c", show], "").stdout), "None None\n");
    let given = sandbox(&["--env", "GIVEN=x=y", "--env", "FROM_HOST"], &["-c", show], "");
    assert_eq!(text(&given.stdout), "host value x=y\n");
    let unset = sandbox(&["--env", "NOT_SET_ANYWHERE"], &["-c", "pass"], "");
    assert_eq!(unset.status.code(), Some(2));
    assert!(text(&unset.stderr).contains("NOT_SET_ANYWHERE is not set"), "{}", text(&unset.stderr));
}

/// A folder given with --dir, which the sandbox may not write to, reads as a read-only mount in
/// os.statvfs (ST_RDONLY); one given with --writable-dir as the host's file system has it.
#[test]
fn statvfs_shows_a_read_only_folder_as_a_read_only_mount() {
    let read_only = Scratch::new("read-only");
    let writable = Scratch::new("writable");
    let (read_only, writable) = (read_only.0.to_str().unwrap(), writable.0.to_str().unwrap());
    let show = "import os, sys; print([bool(os.statvfs(d).f_flag & os.ST_RDONLY) for d in sys.argv[1:]])";
    let out = sandbox(&["--dir", read_only, "--writable-dir", writable], &["-c", show, read_only, writable], "");
    assert_eq!(text(&out.stdout), "[True, False]\n", "{}", text(&out.stderr));
}

/// os.chmod changes the host's file's mode, but never sets set-user-ID or set-group-ID (a program
/// the sandbox wrote must not run with the host user's rights), and a folder given with --dir,
/// which the sandbox may not write to, refuses it.
#[test]
fn chmod_sets_no_set_id_bits_and_leaves_read_only_folders_alone() {
    let read_only = Scratch::new("chmod-read-only");
    read_only.write("given.txt", "text");
    let writable = Scratch::new("chmod-writable");
    writable.write("mine.sh", "echo");
    let (read_only_str, writable_str) = (read_only.0.to_str().unwrap(), writable.0.to_str().unwrap());
    let change = "import os, sys\n\
        os.chmod(sys.argv[2] + '/mine.sh', 0o6755)\n\
        print(oct(os.stat(sys.argv[2] + '/mine.sh').st_mode))\n\
        try:\n    os.chmod(sys.argv[1] + '/given.txt', 0o600)\nexcept OSError as e:\n    print(type(e).__name__)\n";
    let out = sandbox(&["--dir", read_only_str, "--writable-dir", writable_str], &["-c", change, read_only_str, writable_str], "");
    assert_eq!(text(&out.stdout), "0o100755\nPermissionError\n", "{}", text(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(writable.0.join("mine.sh")).unwrap().permissions().mode() & 0o7777, 0o755);
    let given = std::fs::metadata(read_only.0.join("given.txt")).unwrap().permissions().mode() & 0o777;
    assert_ne!(given, 0o600);
}

#[test]
fn pythonpath_and_path_put_folders_on_sys_path() {
    let dir = Scratch::new("path");
    dir.write("helper_module.py", "WHERE = 'helper'\n");
    let dir_str = dir.0.to_str().unwrap();
    let import = "import helper_module, sys; print(helper_module.WHERE, sys.path[1])";
    let by_env = sandbox(&["--dir", dir_str, "--env", &format!("PYTHONPATH={dir_str}")], &["-c", import], "");
    assert_eq!(text(&by_env.stdout), format!("helper {dir_str}\n"), "{}", text(&by_env.stderr));
    let by_path = sandbox(&["--path", dir_str], &["-c", import], "");
    assert_eq!(text(&by_path.stdout), format!("helper {dir_str}\n"), "{}", text(&by_path.stderr));
    let without = sandbox(&[], &["-c", "import helper_module"], "");
    assert!(text(&without.stderr).contains("ModuleNotFoundError"), "{}", text(&without.stderr));
}

/// python3's start-up flags and the PYTHON* variables that stand for them, as python3 takes them,
/// and the ones fixed when the interpreter is built refused with the reason.
#[test]
fn start_up_flags_act_as_python3s() {
    let dir = Scratch::new("flags");
    dir.write("helper_module.py", "WHERE = 'helper'\n");
    let dir_str = dir.0.to_str().unwrap();
    let on_path = ("PYTHONPATH", dir.0.as_os_str());
    let warning_default = [on_path, ("PYTHONWARNINGS", OsStr::new("default"))];
    let env_path = format!("PYTHONPATH={dir_str}");
    let sandboxed = |options: &[&str], args: &[&str], stdin: &str| {
        let mut all = vec!["--dir", dir_str, "--env", &env_path];
        all.extend(options);
        sandbox(&all, args, stdin)
    };
    // The streams -u makes, the warning filters -W and PYTHONWARNINGS make, -B, and what -E, -P
    // and -I leave off sys.path.
    let show = "import sys, warnings; print(type(sys.stdout.buffer).__name__, sys.stdout.write_through, \
                sys.dont_write_bytecode, sys.warnoptions, warnings.filters[:len(sys.warnoptions)], '' in sys.path)";
    let path_show = "import sys; print('' in sys.path, [p for p in sys.path if 'flags' in p])";
    for flags in [&["-u"][..], &["-B"], &["-W", "error::DeprecationWarning", "-W", "ignore::UserWarning"], &["-uBP"], &["-E"], &["-I"], &["-s"]] {
        for code in [show, path_show] {
            let mut args = flags.to_vec();
            args.extend(["-c", code]);
            assert_same(sandboxed(&["--env", "PYTHONWARNINGS=default"], &args, ""), native(&args, "", &warning_default));
        }
    }
    let unbuffered = sandboxed(&["--env", "PYTHONUNBUFFERED=1"], &["-c", show], "");
    assert!(text(&unbuffered.stdout).starts_with("FileIO True "), "{}", text(&unbuffered.stderr));
    // -i: the prompt after the program, in its namespace, however it ended; prompts on stderr.
    for program in ["x = 21", "x = 21; import sys; sys.exit(3)", "x = 21; 1 / 0"] {
        let args = ["-i", "-c", program];
        assert_same(sandboxed(&[], &args, "print(x * 2)\n"), native(&args, "print(x * 2)\n", &[on_path]));
    }
    let script = dir.write("fails.py", "y = 'kept'\nraise ValueError('late')\n");
    let args = ["-i", script.to_str().unwrap()];
    let inspected = sandboxed(&[], &args, "print(y)\nimport sys; sys.exit(4)\n");
    assert!(text(&inspected.stderr).contains("ValueError: late"), "{}", text(&inspected.stderr));
    assert_same(inspected, native(&args, "print(y)\nimport sys; sys.exit(4)\n", &[on_path]));
    assert_same(sandboxed(&[], &["-i"], "6 * 7\n"), native(&["-i"], "6 * 7\n", &[on_path]));
    // -V names the sandbox's own Python.
    let version = sandboxed(&[], &["-V"], "");
    let own = sandboxed(&[], &["-c", "import sys; print('Python', sys.version.split()[0])"], "");
    assert_eq!((text(&version.stdout), version.status.code()), (text(&own.stdout), Some(0)));
    assert!(text(&sandboxed(&[], &["-VV"], "").stdout).starts_with(&format!("{} (", text(&own.stdout).trim())));
    for refused in [&["-O", "-c", "pass"][..], &["-X", "dev", "-c", "pass"], &["-x", script.to_str().unwrap()]] {
        let out = sandboxed(&[], refused, "");
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(&format!("cannot take {}", refused[0])) || text(&out.stderr).contains("does not offer -x"), "{}", text(&out.stderr));
    }
}

/// stdout to a reader that went away: as python3, the flush at exit reports the BrokenPipeError as
/// an exception ignored and the run ends with status 120, rather than the launcher failing.
#[test]
fn a_closed_stdout_ends_the_run_as_python3s_does() {
    let program = "import time; time.sleep(0.5); print('to nobody')";
    let mut outcomes = Vec::new();
    for command in [Command::new(pysock_bin()).args(["python", "-c", program]), python3().args(["-c", program])] {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        let reported = stderr.starts_with("Exception ignored in: <_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>\nBrokenPipeError: ");
        outcomes.push((out.status.code(), reported, stderr.lines().count()));
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert_eq!(outcomes[0], (Some(120), true, 2));
    // Both streams' reader gone: a traceback or an exit message that cannot be written is let go.
    for ending in ["raise ValueError('x')", "raise SystemExit('bye')", "print('x')", "import sys; sys.exit(5)"] {
        let program = format!("import time; time.sleep(0.5); {ending}");
        let status = |command: &mut Command| {
            let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            drop((child.stdout.take(), child.stderr.take()));
            child.wait().unwrap().code()
        };
        let sandboxed = status(Command::new(pysock_bin()).args(["python", "-c", &program]));
        assert_eq!(sandboxed, status(python3().args(["-c", &program])), "{ending}");
    }
}

/// Waits for `child` to end, for at most 30 s: its status, or a panic naming `what` after killing it.
fn ended_within_30_s(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: did not end within 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Ctrl-C reaches the program as python3's: KeyboardInterrupt from the call it waits in, or from
/// the loop it computes in, its cleanup run, status 130; through asyncio's own SIGINT handler too.
/// With SIG_DFL it ends at once, without its cleanup. A program blocked where nothing can take it
/// (a WASI read of stdin) is stopped by a second one.
#[test]
fn ctrl_c_is_keyboard_interrupt() {
    use std::io::{BufRead, BufReader};
    let dir = Scratch::new("ctrl-c");
    // A program that says it is waiting, then waits in `wait` (after `setup`), with a cleanup that
    // says whether it ran.
    let waits_with_cleanup = |setup: &str, wait: &str| format!("{setup}print('waiting', flush=True)\ntry:\n{wait}\nfinally:\n    print('cleanup ran', flush=True)\n");
    let blocked = dir.write("blocked.py", &waits_with_cleanup("import socket\ns = socket.create_server(('127.0.0.1', 0))\n", "    s.accept()"));
    // A blocking recv, which waits inside the host's receive.
    let receiving = dir.write(
        "receiving.py",
        &[
            "import socket",
            "s = socket.create_server(('127.0.0.1', 0))",
            "c = socket.create_connection(s.getsockname())",
            "print('waiting', flush=True)",
            "try:",
            "    c.recv(1)",
            "finally:",
            "    print('cleanup ran', flush=True)",
            "",
        ]
        .join("\n"),
    );
    // A blocking recvfrom on a UDP socket, which waits inside the host's receive too.
    let datagrams = dir.write(
        "datagrams.py",
        &[
            "import socket",
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "u.bind(('127.0.0.1', 0))",
            "print('waiting', flush=True)",
            "try:",
            "    u.recvfrom(1)",
            "finally:",
            "    print('cleanup ran', flush=True)",
            "",
        ]
        .join("\n"),
    );
    // Blocking sends to a peer that never reads: send() and sendall() wait for room in the host's
    // send, which a SIGINT ends after part of the bytes went.
    let sending = |name: &str, call: &str| {
        dir.write(
            name,
            &[
                "import socket",
                "s = socket.create_server(('127.0.0.1', 0))",
                "c = socket.create_connection(s.getsockname())",
                "print('waiting', flush=True)",
                "try:",
                &format!("    c.{call}(b'x' * (64 << 20))"),
                "finally:",
                "    print('cleanup ran', flush=True)",
                "",
            ]
            .join("\n"),
        )
    };
    let sending_once = sending("sending_once.py", "send");
    let sending_all = sending("sending_all.py", "sendall");
    // A blocking TLS handshake whose peer never answers: the engine's read waits in the host too.
    let handshaking = dir.write(
        "handshaking.py",
        &[
            "import socket, ssl",
            "s = socket.create_server(('127.0.0.1', 0))",
            "c = socket.create_connection(s.getsockname())",
            "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)",
            "ctx.check_hostname = False",
            "ctx.verify_mode = ssl.CERT_NONE",
            "print('waiting', flush=True)",
            "try:",
            "    ctx.wrap_socket(c)",
            "finally:",
            "    print('cleanup ran', flush=True)",
            "",
        ]
        .join("\n"),
    );
    let in_asyncio = dir.write(
        "in_asyncio.py",
        &[
            "import asyncio",
            "async def main():",
            "    server = await asyncio.start_server(lambda r, w: None, '127.0.0.1', 0)",
            "    print('waiting', flush=True)",
            "    try:",
            "        async with server:",
            "            await server.serve_forever()",
            "    finally:",
            "        print('server closed', flush=True)",
            "asyncio.run(main())",
            "",
        ]
        .join("\n"),
    );
    let sleeping = dir.write("sleeping.py", &waits_with_cleanup("import time\n", "    time.sleep(30)"));
    // PEP 475: the program's own handler runs, and the sleep goes on for the time left.
    let handled = dir.write(
        "handled.py",
        &[
            "import signal, time",
            "signal.signal(signal.SIGINT, lambda *_: print('handler ran', flush=True))",
            "print('waiting', flush=True)",
            "start = time.monotonic()",
            "time.sleep(1.5)",
            "print('slept on to the end:', time.monotonic() - start >= 1.5, flush=True)",
            "raise SystemExit(3)",
            "",
        ]
        .join("\n"),
    );
    // A handler of the program's own during blocking socket calls: it runs inside the call, which
    // then goes on (PEP 475), and a handler that exits ends the program there, as in a server
    // whose handler stops it.
    let handled_in_calls = dir.write(
        "handled_in_calls.py",
        &[
            "import signal, socket, sys",
            "calls = 0",
            "def handler(*_):",
            "    global calls",
            "    calls += 1",
            "    print('handler ran', calls, flush=True)",
            "    if calls == 2:",
            "        raise SystemExit(4)",
            "signal.signal(signal.SIGINT, handler)",
            "server = socket.create_server(('127.0.0.1', 0))",
            "client = socket.create_connection(server.getsockname())",
            "peer, _ = server.accept()",
            "print('waiting', flush=True)",
            "try:",
            "    peer.recv(10)",
            "finally:",
            "    print('cleanup ran', flush=True)",
            "",
        ]
        .join("\n"),
    );
    let in_call = |name: &str, call: &str| dir.write(name, &std::fs::read_to_string(&handled_in_calls).unwrap().replace("    peer.recv(10)", call));
    let accepting = in_call("handled_in_accept.py", "    server.accept()");
    // To a peer that never reads: sendall goes on from where the handler found it.
    let sending_all_handled = in_call("handled_in_sendall.py", "    peer.sendall(b'x' * (64 << 20))");
    // A TLS handshake with a peer that never answers: the handler runs inside its wait.
    let handshaking_handled = in_call(
        "handled_in_handshake.py",
        "    import ssl\n    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n    ctx.check_hostname = False\n    ctx.verify_mode = ssl.CERT_NONE\n    ctx.wrap_socket(client)",
    );
    // A connect with a timeout to a listener whose queue is full, so the connection stays on its
    // way: the handler runs inside its wait (before, only once the call returned).
    let connecting_handled = dir.write(
        "handled_in_connect.py",
        &std::fs::read_to_string(&handled_in_calls).unwrap().replace(
            "peer, _ = server.accept()\nprint('waiting', flush=True)",
            &[
                "full = socket.socket()",
                "full.bind(('127.0.0.1', 0))",
                "full.listen(0)",
                "queued = [socket.socket() for _ in range(8)]",
                "for q in queued:",
                "    q.setblocking(False)",
                "    q.connect_ex(full.getsockname())",
                "__import__('time').sleep(0.2)",
                "peer = socket.socket()",
                "peer.settimeout(30)",
                "print('waiting', flush=True)",
            ]
            .join("\n"),
        ).replace("    peer.recv(10)", "    peer.connect(full.getsockname())"),
    );
    // A handler that returns during a call with a timeout: the call goes on to the deadline it had
    // (1 s), not to a new one (the SIGINT comes 0.3 s in: 1.3 s).
    let deadline_kept = dir.write(
        "deadline_kept.py",
        &[
            "import signal, socket, time",
            "signal.signal(signal.SIGINT, lambda *_: print('handler ran', flush=True))",
            "server = socket.create_server(('127.0.0.1', 0))",
            "client = socket.create_connection(server.getsockname())",
            "peer, _ = server.accept()",
            "peer.settimeout(1.0)",
            "print('waiting', flush=True)",
            "start = time.monotonic()",
            "try:",
            "    peer.recv(10)",
            "except TimeoutError:",
            "    print('timed out at its deadline:', time.monotonic() - start < 1.2)",
            "",
        ]
        .join("\n"),
    );
    // SIG_DFL: the signal ends the program where it stands, without its cleanup.
    let defaulted = dir.write(
        "defaulted.py",
        &[
            "import signal, time",
            "signal.signal(signal.SIGINT, signal.SIG_DFL)",
            "print('waiting', flush=True)",
            "try:",
            "    time.sleep(30)",
            "finally:",
            "    print('cleanup ran', flush=True)",
            "",
        ]
        .join("\n"),
    );
    // A read of stdin, through input() (stdin is a pipe that stays open until after the signal).
    let asking = dir.write(
        "asking.py",
        &waits_with_cleanup("", "    input('name: ')"),
    );
    // A loop that never waits: the signal reaches it between two instructions, as natively.
    let computing = dir.write(
        "computing.py",
        &waits_with_cleanup("", "    while True:\n        pass"),
    );
    // A handler of the program's own, run twice while it computes: each Ctrl-C is taken, so the
    // second does not stop the run.
    let computing_handled = dir.write(
        "computing_handled.py",
        &[
            "import signal, sys, time",
            "taken = []",
            "signal.signal(signal.SIGINT, lambda signum, frame: taken.append(signum))",
            "print('waiting', flush=True)",
            "start = time.monotonic()",
            "while len(taken) < 2 and time.monotonic() - start < 20:",
            "    pass",
            "print('handler ran', taken, flush=True)",
            "sys.exit(4)",
            "",
        ]
        .join("\n"),
    );
    // A read of stdin through os.read, blocked in a WASI call that nothing in the host can end.
    let stuck = dir.write("stuck.py", "import os\nprint('waiting', flush=True)\nos.read(0, 1)\n");
    // Starts `command` with a pipe for stdin, sends SIGINT `times` times once it printed its first
    // line, then closes its stdin, and returns its exit status, the rest of its stdout, and the last
    // line of its stderr (the lines before it differ between python3 3.11 and the sandbox's 3.14).
    let pids = std::cell::RefCell::new(Vec::new());
    let interrupt = |command: &mut Command, times: usize| {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal(2) is async-signal-safe. A shell starts background jobs with SIGINT
        // ignored, and python3 keeps an ignored SIGINT: run that way, the native runs would never
        // take the signal. The child gets SIGINT's default, as from an interactive shell.
        unsafe { command.pre_exec(|| if libc::signal(libc::SIGINT, libc::SIG_DFL) == libc::SIG_ERR { Err(std::io::Error::last_os_error()) } else { Ok(()) }) };
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let input = child.stdin.take();
        pids.borrow_mut().push(child.id());
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert_eq!(first, "waiting\n");
        for _ in 0..times {
            std::thread::sleep(std::time::Duration::from_millis(300));
            // SAFETY: kill(2) with the pid of a child this test started and has not reaped.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        }
        // After the program took the signal: the end of its input is not what ends a read.
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(input);
        let status = ended_within_30_s(&mut child, &format!("{command:?}, after its SIGINT"));
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        // As a shell reports it: python3 ends itself with the SIGINT, pysock exits with 128 + 2.
        let status = status.code().or_else(|| std::os::unix::process::ExitStatusExt::signal(&status).map(|s| 128 + s));
        let err = text(&child.wait_with_output().unwrap().stderr);
        (status, rest, err.lines().last().unwrap_or_default().to_string(), err)
    };
    let summary = |(status, rest, last, _): (Option<i32>, String, String, String)| (status, rest, last);
    for script in [&blocked, &receiving, &datagrams, &sending_once, &sending_all, &handshaking, &in_asyncio, &sleeping, &asking, &computing] {
        let script = script.to_str().unwrap();
        let sandboxed = interrupt(Command::new(pysock_bin()).args(["python", "--allow-loopback", script]), 1);
        let native = interrupt(python3().arg(script), 1);
        assert!(!sandboxed.3.contains("_script.py"), "the launcher's frames show: {}", sandboxed.3);
        let sandboxed = summary(sandboxed);
        assert_eq!(sandboxed, summary(native));
        assert_eq!(sandboxed.0, Some(130));
        assert_eq!(sandboxed.2, "KeyboardInterrupt");
    }
    let script = handled.to_str().unwrap();
    let sandboxed = summary(interrupt(Command::new(pysock_bin()).args(["python", script]), 1));
    assert_eq!(sandboxed, summary(interrupt(python3().arg(script), 1)));
    assert_eq!(sandboxed, (Some(3), "handler ran\nslept on to the end: True\n".to_string(), String::new()));
    for script in [&handled_in_calls, &accepting, &sending_all_handled, &handshaking_handled, &connecting_handled] {
        let script = script.to_str().unwrap();
        let sandboxed = summary(interrupt(Command::new(pysock_bin()).args(["python", "--allow-loopback", script]), 2));
        assert_eq!(sandboxed, summary(interrupt(python3().arg(script), 2)));
        assert_eq!(sandboxed, (Some(4), "handler ran 1\nhandler ran 2\ncleanup ran\n".to_string(), String::new()));
    }
    let script = computing_handled.to_str().unwrap();
    let sandboxed = summary(interrupt(Command::new(pysock_bin()).args(["python", script]), 2));
    assert_eq!(sandboxed, summary(interrupt(python3().arg(script), 2)));
    assert_eq!(sandboxed, (Some(4), "handler ran [2, 2]\n".to_string(), String::new()));
    let script = deadline_kept.to_str().unwrap();
    let sandboxed = summary(interrupt(Command::new(pysock_bin()).args(["python", "--allow-loopback", script]), 1));
    assert_eq!(sandboxed, summary(interrupt(python3().arg(script), 1)));
    assert_eq!(sandboxed, (Some(0), "handler ran\ntimed out at its deadline: True\n".to_string(), String::new()));
    let script = defaulted.to_str().unwrap();
    let sandboxed = summary(interrupt(Command::new(pysock_bin()).args(["python", script]), 1));
    assert_eq!(sandboxed, summary(interrupt(python3().arg(script), 1)));
    assert_eq!(sandboxed, (Some(130), String::new(), String::new()), "no cleanup, no message");
    // At the interactive prompt: KeyboardInterrupt, a new prompt, and the end of input ends it.
    let prompt = ["-i", "-c", "print('waiting', flush=True)"];
    let sandboxed = interrupt(Command::new(pysock_bin()).arg("python").args(prompt), 1);
    let native = interrupt(python3().args(prompt), 1);
    assert_eq!(sandboxed, native, "the whole of stderr too");
    assert_eq!(sandboxed.3, ">>> \nKeyboardInterrupt\n>>> \n");
    assert_eq!(summary(sandboxed), (Some(0), String::new(), ">>> ".to_string()));
    let stopped = summary(interrupt(Command::new(pysock_bin()).args(["python", stuck.to_str().unwrap()]), 2));
    assert_eq!(stopped.0, Some(130));
    assert!(stopped.2.contains("Ctrl-C again before the program took the first"), "{stopped:?}");
    // Neither way of ending leaves the run's private temporary folder behind.
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| pids.borrow().iter().any(|pid| e.file_name().to_string_lossy().starts_with(&format!("pysock-tmp-{pid}-"))))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// SIGTERM and SIGHUP end a run as they end python3, killed by the signal, and the run's private
/// temporary folder goes first; a SIGHUP its parent ignores (as under nohup) stays ignored.
#[test]
fn a_request_to_end_kills_the_run_as_python3s_and_leaves_no_temporary_folder() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let dir = Scratch::new("sigterm");
    let script = dir.write(
        "waiting.py",
        &["import socket", "s = socket.create_server(('127.0.0.1', 0))", "print('waiting', flush=True)", "s.accept()", ""].join("\n"),
    );
    let script = script.to_str().unwrap();
    // Starts `command` with SIGTERM and SIGHUP at their default actions, or SIGHUP ignored, sends
    // it `signals` in turn once it printed its first line, and returns the signal that ended it.
    let ended_by = |command: &mut Command, hup_ignored: bool, signals: &[i32]| -> (Option<i32>, u32) {
        // SAFETY: signal(2) is async-signal-safe; the child starts with these actions.
        unsafe {
            command.pre_exec(move || {
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                libc::signal(libc::SIGHUP, if hup_ignored { libc::SIG_IGN } else { libc::SIG_DFL });
                Ok(())
            })
        };
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert_eq!(first, "waiting\n");
        for &signal in signals {
            std::thread::sleep(std::time::Duration::from_millis(200));
            // SAFETY: kill(2) with the pid of a child this test started and has not reaped.
            unsafe { libc::kill(child.id() as i32, signal) };
        }
        let status = ended_within_30_s(&mut child, &format!("{command:?}, after {signals:?}"));
        (status.signal(), child.id())
    };
    let mut pids = Vec::new();
    for (hup_ignored, signals, ended) in [
        (false, &[libc::SIGTERM][..], libc::SIGTERM),
        (false, &[libc::SIGHUP][..], libc::SIGHUP),
        (true, &[libc::SIGHUP, libc::SIGTERM][..], libc::SIGTERM),
    ] {
        let sandboxed = ended_by(Command::new(pysock_bin()).args(["python", "--allow-loopback", script]), hup_ignored, signals);
        let native = ended_by(&mut python3().arg(script), hup_ignored, signals);
        assert_eq!((sandboxed.0, native.0), (Some(ended), Some(ended)), "ended by {signals:?}, SIGHUP ignored: {hup_ignored}");
        pids.push(sandboxed.1);
    }
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| pids.iter().any(|pid| e.file_name().to_string_lossy().starts_with(&format!("pysock-tmp-{pid}-"))))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// tempfile works with no option, in a folder of the run's own that is gone afterwards.
#[test]
fn each_run_has_a_private_temporary_folder() {
    let use_it = "import os, tempfile\n\
                  with tempfile.NamedTemporaryFile('w+') as f:\n    f.write('kept'); f.seek(0); print(f.read())\n\
                  print(tempfile.gettempdir(), os.environ['TMPDIR'])\n\
                  open('/tmp/left-behind', 'w').write('x')";
    let child = Command::new(pysock_bin())
        .args(["python", "-c", use_it])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout), "kept\n/tmp /tmp\n", "{}", text(&out.stderr));
    let prefix = format!("pysock-tmp-{pid}-");
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "the run's temporary folder outlived it: {left:?}");
    let none = sandbox(&["--no-tmp"], &["-c", "import tempfile; tempfile.gettempdir()"], "");
    assert!(text(&none.stderr).contains("No usable temporary directory"), "{}", text(&none.stderr));
}

/// With a terminal on stdin and no script, the interactive prompt: python3's banner and `>>> `.
#[test]
fn a_terminal_gets_the_interactive_prompt() {
    // script(1) gives the child a terminal; the lines typed are fed through it.
    let command = format!("{} python", pysock_bin().display());
    let out = run(
        Command::new("script").args(["-qec", &command, "/dev/null"]),
        "print(6 * 7)\nimport sys; sys.exit(5)\n",
    );
    let shown = text(&out.stdout);
    assert!(shown.contains("Type \"help\""), "{shown}");
    assert!(shown.contains(">>> ") && shown.contains("42"), "{shown}");
    assert_eq!(out.status.code(), Some(5), "{shown}");
}

/// An embedder runs sandboxed CPython through the library and gets the exit status and the output,
/// the program's environment and folders as it set them.
#[test]
fn embedders_run_python_and_capture_its_output() {
    use pysock::runtime::{Python, RunOptions};
    let dir = Scratch::new("embed");
    dir.write("main.py", "import os, sys\nprint(os.environ['MODE'], sys.argv[1:])\nprint('to stderr', file=sys.stderr)\nsys.exit(3)\n");
    let python = Python::load(&pysock_tests::root(), Default::default()).unwrap();
    let mut options = RunOptions { capture_output: true, ..Default::default() };
    options.dirs.push((dir.0.clone(), "/app".into()));
    options.env.push(("MODE".into(), "test".into()));
    let finished = python.run(&["/app/main.py", "--verbose"], options).unwrap();
    assert_eq!(finished.status, 3);
    assert_eq!(text(&finished.stdout), "test ['--verbose']\n");
    assert_eq!(text(&finished.stderr), "to stderr\n");
}

/// `python -m http.server`, as a python3 user starts it, serves a folder to native clients (its
/// ThreadingHTTPServer serves them one after another: the sandbox has no threads).
#[test]
fn python_dash_m_http_server_serves_native_clients() {
    use std::io::Read;
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let dir = Scratch::new("http-server");
    dir.write("page.txt", "served from the sandbox\n");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let folder = dir.0.to_str().unwrap();
    let server = Command::new(pysock_bin())
        // As a user serves a folder: started in it, which --dir makes readable.
        .args(["python", "--allow-loopback", "--dir", ".", "-m", "http.server", &port, "--bind", "127.0.0.1"])
        .current_dir(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            pysock_tests::stop(&mut self.0);
        }
    }
    let _server = Stop(server);
    let get = |path: &str| -> std::io::Result<String> {
        let mut c = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap()))?;
        c.set_read_timeout(Some(Duration::from_secs(10)))?;
        c.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())?;
        let mut reply = String::new();
        c.read_to_string(&mut reply)?;
        Ok(reply)
    };
    // Bounded: the interpreter starts in well under a second once compiled.
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        match get("/page.txt") {
            Ok(reply) => break reply,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("the server never answered: {e}"),
        }
    };
    for reply in [first, get("/page.txt").unwrap()] {
        assert!(reply.starts_with("HTTP/1.0 200 OK") && reply.ends_with("\r\n\r\nserved from the sandbox\n"), "{reply}");
    }
    let missing = get("/missing").unwrap();
    assert!(missing.starts_with("HTTP/1.0 404"), "{missing}");
}

/// A time limit is only as good as the engine's ability to stop a guest that computes: an engine
/// built without epoch checks (the fast default) refuses such a run, saying how to build one.
#[test]
fn embedders_get_a_clear_error_for_a_time_limit_their_engine_cannot_keep() {
    use pysock::runtime::{Python, RunOptions};
    let dir = Scratch::new("limit");
    dir.write("main.py", "while True:\n    pass\n");
    let options = || {
        let mut options = RunOptions { time_limit: Some(std::time::Duration::from_millis(500)), ..Default::default() };
        options.dirs.push((dir.0.clone(), "/app".into()));
        options
    };
    let fast = Python::load(&pysock_tests::root(), Default::default()).unwrap();
    let refused = fast.run(&["/app/main.py"], options()).unwrap_err();
    assert!(format!("{refused:#}").contains("a time limit needs an engine that can stop a computing guest"), "{refused:#}");
    let stoppable = Python::load(&pysock_tests::root(), options().interruption()).unwrap();
    let stopped = stoppable.run(&["/app/main.py"], options()).unwrap_err();
    assert!(stopped.downcast_ref::<pysock::runtime::TimeLimitExceeded>().is_some(), "{stopped:#}");
}

/// A wait that only another thread could end (natively a hang, or a worker thread's job) stops the
/// one-thread sandbox at once: the user reads what happened instead of a wasm backtrace, and an
/// embedder gets a typed error. The output before the wait is kept.
#[test]
fn a_wait_no_thread_can_end_is_reported_as_a_deadlock() {
    let script = "import threading\nlock = threading.Lock()\nlock.acquire()\nprint('holding it', flush=True)\nlock.acquire()\n";
    let out = sandbox(&[], &["-c", script], "");
    assert_eq!(text(&out.stdout), "holding it\n");
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.starts_with("pysock: the program waited for a lock that only another thread could release"), "{said}");
    assert!(!said.contains("wasm backtrace"), "{said}");

    use pysock::runtime::{Python, RunOptions};
    let python = Python::load(&pysock_tests::root(), Default::default()).unwrap();
    let stopped = python.run(&["-c", script], RunOptions { capture_output: true, ..Default::default() }).unwrap_err();
    assert!(stopped.downcast_ref::<pysock::runtime::Deadlock>().is_some(), "{stopped:#}");
}

/// C code that recurses through the whole wasm stack (freeing deques nested a million deep, which
/// CPython does not defer, and which crashes python3 3.11) stops the run with a message that says
/// so instead of a wasm backtrace, and an embedder gets a typed error. Output before it is kept.
#[test]
fn c_recursion_through_the_whole_stack_is_reported_as_such() {
    let script = "import collections\nchain = None\nfor _ in range(1_000_000):\n    chain = collections.deque([chain])\nprint('built', flush=True)\ndel chain\nprint('freed')\n";
    let out = sandbox(&[], &["-c", script], "");
    assert_eq!(text(&out.stdout), "built\n");
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.starts_with("pysock: the program's C code recursed through the sandbox's whole stack (64 MiB"), "{said}");
    assert!(said.contains("deque_"), "names the functions: {said}");
    assert!(!said.contains("wasm backtrace"), "{said}");

    use pysock::runtime::{Python, RunOptions};
    let python = Python::load(&pysock_tests::root(), Default::default()).unwrap();
    let stopped = python.run(&["-c", script], RunOptions { capture_output: true, ..Default::default() }).unwrap_err();
    assert!(stopped.downcast_ref::<pysock::runtime::StackExhausted>().is_some(), "{stopped:#}");
}

/// The first run with an empty cache says, in one line, that it compiles the interpreter; the next
/// loads what it kept there and says nothing.
#[test]
fn the_first_run_says_it_compiles_and_later_runs_are_quiet() {
    let cache = Scratch::new("cache");
    let once = |_: u8| {
        let out = Command::new(pysock_bin()).args(["python", "-c", "print('ran')"]).env("PYSOCK_CACHE", &cache.0).output().unwrap();
        assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
        text(&out.stderr)
    };
    let first = once(1);
    assert_eq!(first.lines().count(), 1, "{first}");
    assert!(first.starts_with("pysock: compiling the sandboxed interpreter") && first.contains(cache.0.to_str().unwrap()), "{first}");
    assert_eq!(once(2), "");
    let kept = std::fs::read_dir(&cache.0).unwrap().filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "cwasm")).count();
    assert_eq!(kept, 1);
}

/// A chat client's habit: select, poll, selectors (epoll) and asyncio's `add_reader` watching stdin
/// beside a socket, on a pipe that gets a line each time the program asks and is then closed. The
/// whole transcript is python3's.
#[test]
fn select_watches_stdin_beside_a_socket() {
    use std::io::{BufRead, BufReader};
    let script = pysock_tests::root().join("tests/python/stdin_select.py");
    let converse = |command: &mut Command| {
        let mut child = command.arg(&script).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let pid = child.id() as i32;
        // Bounded: a program that never wakes is killed, and its transcript ends short.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watchdog = {
            let done = done.clone();
            std::thread::spawn(move || {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while !done.load(std::sync::atomic::Ordering::SeqCst) && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                // SAFETY: kill(2) on the child this test started; it is reaped only after `done`.
                if !done.load(std::sync::atomic::Ordering::SeqCst) {
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            })
        };
        let mut input = child.stdin.take();
        let mut transcript = String::new();
        let mut lines_sent = 0;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            transcript.push_str(&line);
            transcript.push('\n');
            // The program has asked and waits: the input arrives while it does.
            std::thread::sleep(std::time::Duration::from_millis(100));
            match line.as_str() {
                "send" => {
                    lines_sent += 1;
                    let pipe = input.as_mut().expect("stdin is still open");
                    pipe.write_all(format!("line {lines_sent}\n").as_bytes()).unwrap();
                }
                "close" => drop(input.take()),
                _ => {}
            }
        }
        let out = child.wait_with_output().unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        watchdog.join().unwrap();
        (transcript, out.status.code(), text(&out.stderr))
    };
    let sandboxed = converse(Command::new(pysock_bin()).args(["python", "--allow-loopback"]));
    let native = converse(&mut python3());
    assert_eq!((&sandboxed.0, sandboxed.1), (&native.0, native.1), "sandbox stderr: {}\nnative stderr: {}", sandboxed.2, native.2);
    assert!(sandboxed.0.contains("a line: ['stdin'] 'line 1\\n'") && sandboxed.0.ends_with("selector, closed: [('stdin', 1)]\n"), "{}", sandboxed.0);
}

/// select and poll find stdout and stderr ready at once and epoll refuses them, as Linux treats
/// regular files: both runs write their streams to files, and every answer is python3's.
#[test]
fn stdout_and_stderr_are_ready_as_regular_files() {
    let scratch = Scratch::new("stdio-select");
    let script = pysock_tests::root().join("tests/python/stdio_select.py");
    let outcome = |command: &mut Command, name: &str| {
        let (out, err) = (scratch.0.join(format!("{name}.out")), scratch.0.join(format!("{name}.err")));
        let status = command
            .arg(&script)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .status()
            .unwrap();
        (std::fs::read_to_string(out).unwrap(), std::fs::read_to_string(err).unwrap(), status.code())
    };
    let sandboxed = outcome(Command::new(pysock_bin()).arg("python"), "sandbox");
    let native = outcome(&mut python3(), "native");
    assert_eq!(sandboxed, native);
    assert!(sandboxed.0.starts_with("select: ['stdout'] ['stdout', 'stderr', 'a'] []\n") && sandboxed.0.contains("mutated: True"), "{}", sandboxed.0);
}
