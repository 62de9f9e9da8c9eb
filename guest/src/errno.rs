//! Error values as CPython builds them: `OSError(errno, strerror)` with Linux's strerror text, and
//! `gaierror(code, gai_strerror)` with glibc's text.
#![forbid(unsafe_code)]

use crate::bindings::exports::pysock::net::socket::{Error, OsError};
use crate::bindings::pysock::net::types::{Errno, GaiError};

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

/// `OSError(code, strerror(code))`; when pysock's policy or a quota refused the call rather than
/// the kernel, the host's reason follows the strerror text.
pub fn os(code: Errno) -> Error {
    let base = message(code);
    let message = match code {
        Errno::Eacces | Errno::Emfile | Errno::Enobufs => with_reason(base),
        _ => base.to_string(),
    };
    Error::Os(OsError { code, message })
}

/// `base`, plus ": " and the host's explanation of its own refusal if there is one.
fn with_reason(base: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    if let Some(why) = crate::bindings::pysock::net::net::explain() {
        return format!("{base}: {why}");
    }
    base.to_string()
}

/// `OSError(code, message)` with a message of pysock's own, for refusals that need explaining.
pub fn os_with(code: Errno, message: String) -> Error {
    Error::Os(OsError { code, message })
}

pub fn gai(code: GaiError) -> Error {
    let base = gai_message(code);
    let message = match code {
        GaiError::EaiNoname | GaiError::EaiAgain => with_reason(base),
        _ => base.to_string(),
    };
    Error::Gai((code, message))
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
