//! Every exception the modules raise, as values: `OSError(errno, strerror)` with Linux's strerror
//! text, `gaierror(code, gai_strerror)` with glibc's, and the `ssl` exceptions with OpenSSL's words.
//! The CPython face turns an [`Error`] into the Python exception (`guest/cpython/src/errors.rs`).
#![forbid(unsafe_code)]

pub use crate::host::{Errno, GaiError};

/// An `OSError(errno.<code>, message)`, which Python turns into the matching subclass
/// (ConnectionRefusedError, BlockingIOError, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct OsError {
    pub code: Errno,
    pub message: String,
    /// The host may have refused the call (its policy or a quota) rather than the kernel: the face
    /// asks it why (`net.explain`) and appends the reason to the message.
    pub host_reason: bool,
}

/// Which `ssl` exception class, and through it the `errno` CPython gives it (SSL_ERROR_*).
/// `None` is an SSLError with errno 0: one of `_ssl`'s own failures that CPython reports through
/// OpenSSL's error path (cadata without a certificate). `Queued` is an SSLError whose errno CPython
/// takes from OpenSSL's error queue rather than from SSL_get_error: the reason's number
/// ([`crate::ssl::reason_number`]). Setting up a context fails so (`load_cert_chain`,
/// `load_verify_locations`), and so does `verify_client_post_handshake`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslErrorKind {
    Ssl,
    ZeroReturn,
    WantRead,
    WantWrite,
    Syscall,
    Eof,
    CertVerification,
    None,
    Queued,
}

/// An `ssl` exception as CPython builds it: `[library: reason] message`, and for certificate
/// failures OpenSSL's verify code and message. An empty reason is one of `_ssl`'s own checks,
/// raised as a plain `SSLError(message)`.
#[derive(Clone, Debug, PartialEq)]
pub struct SslError {
    pub kind: SslErrorKind,
    pub library: String,
    pub reason: String,
    pub message: String,
    pub verify_code: i32,
    pub verify_message: String,
}

/// Every exception `_socket`, `select` and `_ssl` raise.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    Os(OsError),
    /// `OSError(message)` with no errno, as inet_aton raises.
    OsMessage(String),
    /// `TimeoutError(message)`: 'timed out' for sockets, CPython's own wording for SSL calls.
    Timeout(String),
    /// `socket.gaierror(EAI_*, message)`; the bool says, as [`OsError::host_reason`], whether the
    /// host may have refused the lookup.
    Gai((GaiError, String, bool)),
    /// `socket.herror(code, message)`.
    Herror((i32, String)),
    Value(String),
    Type(String),
    Overflow(String),
    /// `KeyError(key)`, from a poll object's `unregister`.
    Key(i32),
    /// `MemoryError()`, which `_ssl.c` raises for whatever OpenSSL refuses in a few setters.
    NoMemory,
    Ssl(SslError),
    /// Not an exception: a server's handshake paused after the ClientHello so that the face runs
    /// the context's `sni_callback` with the name the client asked for (None without SNI), then
    /// calls `SslSocket::choose_context` or `refuse_handshake` and repeats its call.
    SniCallback(Option<String>),
    /// The exception a signal handler raised while a call waited (KeyboardInterrupt on Ctrl-C),
    /// which the interpreter already holds.
    Raised,
    /// Not an exception: the program's SIGINT handler is due, for the face to run before it makes
    /// the call again ([`Signalled::HandBack`](crate::host::Signalled::HandBack)).
    HandBack,
}

/// glibc's strerror(3) text for each errno pysock reports.
pub fn message(code: Errno) -> &'static str {
    use Errno::*;
    match code {
        Eacces => "Permission denied",
        Eaddrinuse => "Address already in use",
        Eaddrnotavail => "Cannot assign requested address",
        Eafnosupport => "Address family not supported by protocol",
        Eagain => "Resource temporarily unavailable",
        Ealready => "Operation already in progress",
        Ebadf => "Bad file descriptor",
        Econnaborted => "Software caused connection abort",
        Econnrefused => "Connection refused",
        Econnreset => "Connection reset by peer",
        Edestaddrreq => "Destination address required",
        Ehostdown => "Host is down",
        Ehostunreach => "No route to host",
        Eintr => "Interrupted system call",
        Einprogress => "Operation now in progress",
        Einval => "Invalid argument",
        Eio => "Input/output error",
        Eisconn => "Transport endpoint is already connected",
        Emfile => "Too many open files",
        Emsgsize => "Message too long",
        Enametoolong => "File name too long",
        Enetdown => "Network is down",
        Enetreset => "Network dropped connection on reset",
        Enetunreach => "Network is unreachable",
        Enfile => "Too many open files in system",
        Enobufs => "No buffer space available",
        Enoent => "No such file or directory",
        Eexist => "File exists",
        Enomem => "Cannot allocate memory",
        Enoprotoopt => "Protocol not available",
        Enotconn => "Transport endpoint is not connected",
        Enotsock => "Socket operation on non-socket",
        Eopnotsupp => "Operation not supported",
        Eperm => "Operation not permitted",
        Epipe => "Broken pipe",
        Eprotonosupport => "Protocol not supported",
        Eprototype => "Protocol wrong type for socket",
        Erange => "Numerical result out of range",
        Eshutdown => "Cannot send after transport endpoint shutdown",
        Esocktnosupport => "Socket type not supported",
        Etimedout => "Connection timed out",
        Eoverflow => "Value too large for defined data type",
        Enosys => "Function not implemented",
        Efault => "Bad address",
        Edom => "Numerical argument out of domain",
        Enxio => "No such device or address",
        Edeadlk => "Resource deadlock avoided",
        Enolck => "No locks available",
        Enodev => "No such device",
        Enotty => "Inappropriate ioctl for device",
        Enotdir => "Not a directory",
    }
}

/// The name of `code`, as the `errno` module spells it.
pub fn name(code: Errno) -> &'static str {
    use Errno::*;
    match code {
        Eacces => "EACCES", Eaddrinuse => "EADDRINUSE", Eaddrnotavail => "EADDRNOTAVAIL",
        Eafnosupport => "EAFNOSUPPORT", Eagain => "EAGAIN", Ealready => "EALREADY", Ebadf => "EBADF",
        Econnaborted => "ECONNABORTED", Econnrefused => "ECONNREFUSED", Econnreset => "ECONNRESET",
        Edestaddrreq => "EDESTADDRREQ", Ehostdown => "EHOSTDOWN", Ehostunreach => "EHOSTUNREACH",
        Eintr => "EINTR", Einprogress => "EINPROGRESS", Einval => "EINVAL", Eio => "EIO",
        Eisconn => "EISCONN", Emfile => "EMFILE", Emsgsize => "EMSGSIZE", Enametoolong => "ENAMETOOLONG",
        Enetdown => "ENETDOWN", Enetreset => "ENETRESET", Enetunreach => "ENETUNREACH", Enfile => "ENFILE",
        Enobufs => "ENOBUFS", Enoent => "ENOENT", Enomem => "ENOMEM", Enoprotoopt => "ENOPROTOOPT",
        Enotconn => "ENOTCONN", Enotsock => "ENOTSOCK", Eopnotsupp => "EOPNOTSUPP", Eperm => "EPERM",
        Epipe => "EPIPE", Eprotonosupport => "EPROTONOSUPPORT", Eprototype => "EPROTOTYPE",
        Erange => "ERANGE", Eshutdown => "ESHUTDOWN", Esocktnosupport => "ESOCKTNOSUPPORT",
        Etimedout => "ETIMEDOUT", Eoverflow => "EOVERFLOW", Enosys => "ENOSYS", Efault => "EFAULT",
        Eexist => "EEXIST", Edom => "EDOM", Enxio => "ENXIO", Edeadlk => "EDEADLK", Enolck => "ENOLCK",
        Enodev => "ENODEV", Enotty => "ENOTTY", Enotdir => "ENOTDIR",
    }
}

/// Every errno, in declaration order (so `ALL[code as usize] == code`).
pub const ALL: [Errno; 51] = {
    use Errno::*;
    [
        Eacces, Eaddrinuse, Eaddrnotavail, Eafnosupport, Eagain, Ealready, Ebadf, Econnaborted,
        Econnrefused, Econnreset, Edestaddrreq, Ehostdown, Ehostunreach, Eintr, Einprogress, Einval,
        Eio, Eisconn, Emfile, Emsgsize, Enametoolong, Enetdown, Enetreset, Enetunreach, Enfile,
        Enobufs, Enoent, Enomem, Enoprotoopt, Enotconn, Enotsock, Eopnotsupp, Eperm, Epipe,
        Eprotonosupport, Eprototype, Erange, Eshutdown, Esocktnosupport, Etimedout, Eoverflow,
        Enosys, Efault, Eexist, Edom, Enxio, Edeadlk, Enolck, Enodev, Enotty, Enotdir,
    ]
};

/// Linux's EAI_* number of `code`, which `socket.gaierror` carries and `_socket` exports.
pub fn gai_number(code: GaiError) -> i32 {
    use GaiError::*;
    match code {
        EaiBadflags => -1, EaiNoname => -2, EaiAgain => -3, EaiFail => -4, EaiNodata => -5,
        EaiFamily => -6, EaiSocktype => -7, EaiService => -8, EaiAddrfamily => -9, EaiMemory => -10,
        EaiSystem => -11, EaiOverflow => -12,
    }
}

/// glibc's gai_strerror(3) text.
pub fn gai_message(code: GaiError) -> &'static str {
    use GaiError::*;
    match code {
        EaiAddrfamily => "Address family for hostname not supported",
        EaiAgain => "Temporary failure in name resolution",
        EaiBadflags => "Bad value for ai_flags",
        EaiFail => "Non-recoverable failure in name resolution",
        EaiFamily => "ai_family not supported",
        EaiMemory => "Memory allocation failure",
        EaiNodata => "No address associated with hostname",
        EaiNoname => "Name or service not known",
        EaiService => "Servname not supported for ai_socktype",
        EaiSocktype => "ai_socktype not supported",
        EaiSystem => "System error",
        EaiOverflow => "Argument buffer overflow",
    }
}

/// `OSError(code, strerror(code))`. EACCES, EMFILE and ENOBUFS may be the host's refusal (its
/// policy, a quota) rather than the kernel's, and then carry its reason too.
pub fn os(code: Errno) -> Error {
    let host_reason = matches!(code, Errno::Eacces | Errno::Emfile | Errno::Enobufs);
    Error::Os(OsError { code, message: message(code).to_string(), host_reason })
}

/// `OSError(code, message)` with a message of pysock's own, for refusals that need explaining.
pub fn os_with(code: Errno, message: String) -> Error {
    Error::Os(OsError { code, message, host_reason: false })
}

/// `gaierror(code, gai_strerror(code))`; EAI_NONAME and EAI_AGAIN may be the host's refusal.
pub fn gai(code: GaiError) -> Error {
    let host_reason = matches!(code, GaiError::EaiNoname | GaiError::EaiAgain);
    Error::Gai((code, gai_message(code).to_string(), host_reason))
}

pub fn value(msg: &str) -> Error {
    Error::Value(msg.to_string())
}

pub fn type_error(msg: &str) -> Error {
    Error::Type(msg.to_string())
}

pub fn overflow(msg: &str) -> Error {
    Error::Overflow(msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_errno_at_its_own_index() {
        for (i, code) in ALL.iter().enumerate() {
            assert_eq!(*code as usize, i);
            assert!(name(*code).starts_with('E'));
        }
    }
}
