//! Kernel errors as the WIT `errno` names the guest receives.
//!
//! The table is exact for every error CPython's socket module raises; an errno outside it becomes `eio`
//! rather than a guessed neighbour, and is logged so that a missing entry is easy to spot.

use crate::bindings::pysock::net::types::{Errno, GaiError};
use std::io;

/// Maps an `io::Error` from a socket call to the guest's errno.
pub fn from_io(error: &io::Error) -> Errno {
    match error.raw_os_error() {
        Some(code) => from_raw(code),
        None => match error.kind() {
            io::ErrorKind::WouldBlock => Errno::Eagain,
            io::ErrorKind::InvalidInput => Errno::Einval,
            io::ErrorKind::OutOfMemory => Errno::Enomem,
            _ => Errno::Eio,
        },
    }
}

/// Maps a Linux errno number.
pub fn from_raw(code: i32) -> Errno {
    use Errno::*;
    match code {
        libc::EACCES => Eacces,
        libc::EADDRINUSE => Eaddrinuse,
        libc::EADDRNOTAVAIL => Eaddrnotavail,
        libc::EAFNOSUPPORT => Eafnosupport,
        libc::EAGAIN => Eagain,
        libc::EALREADY => Ealready,
        libc::EBADF => Ebadf,
        libc::ECONNABORTED => Econnaborted,
        libc::ECONNREFUSED => Econnrefused,
        libc::ECONNRESET => Econnreset,
        libc::EDESTADDRREQ => Edestaddrreq,
        libc::EHOSTDOWN => Ehostdown,
        libc::EHOSTUNREACH => Ehostunreach,
        libc::EINTR => Eintr,
        libc::EINPROGRESS => Einprogress,
        libc::EINVAL => Einval,
        libc::EISCONN => Eisconn,
        libc::EMFILE => Emfile,
        libc::EMSGSIZE => Emsgsize,
        libc::ENAMETOOLONG => Enametoolong,
        libc::ENETDOWN => Enetdown,
        libc::ENETRESET => Enetreset,
        libc::ENETUNREACH => Enetunreach,
        libc::ENFILE => Enfile,
        libc::ENOBUFS => Enobufs,
        libc::ENOENT => Enoent,
        libc::EEXIST => Eexist,
        libc::EDOM => Edom,
        libc::ENXIO => Enxio,
        libc::EDEADLK => Edeadlk,
        libc::ENOLCK => Enolck,
        libc::ENODEV => Enodev,
        libc::ENOTTY => Enotty,
        libc::ENOTDIR => Enotdir,
        libc::ENOMEM => Enomem,
        libc::ENOPROTOOPT => Enoprotoopt,
        libc::ENOTCONN => Enotconn,
        libc::ENOTSOCK => Enotsock,
        libc::EOPNOTSUPP => Eopnotsupp,
        libc::EPERM => Eperm,
        libc::EPIPE => Epipe,
        libc::EPROTONOSUPPORT => Eprotonosupport,
        libc::EPROTOTYPE => Eprototype,
        libc::ERANGE => Erange,
        libc::ESHUTDOWN => Eshutdown,
        libc::ESOCKTNOSUPPORT => Esocktnosupport,
        libc::ETIMEDOUT => Etimedout,
        libc::EOVERFLOW => Eoverflow,
        libc::ENOSYS => Enosys,
        libc::EFAULT => Efault,
        libc::EIO => Eio,
        other => {
            eprintln!("pysock: unmapped errno {other} reported as EIO");
            Eio
        }
    }
}

/// glibc's values of the EAI_* codes that the libc crate leaves out (they are GNU extensions).
const EAI_ADDRFAMILY: i32 = -9;
const EAI_NODATA: i32 = -5;

/// Maps a getaddrinfo(3)/getnameinfo(3) return code.
pub fn gai_from_raw(code: i32) -> GaiError {
    use GaiError::*;
    match code {
        EAI_ADDRFAMILY => EaiAddrfamily,
        libc::EAI_AGAIN => EaiAgain,
        libc::EAI_BADFLAGS => EaiBadflags,
        libc::EAI_FAIL => EaiFail,
        libc::EAI_FAMILY => EaiFamily,
        libc::EAI_MEMORY => EaiMemory,
        EAI_NODATA => EaiNodata,
        libc::EAI_NONAME => EaiNoname,
        libc::EAI_SERVICE => EaiService,
        libc::EAI_SOCKTYPE => EaiSocktype,
        libc::EAI_OVERFLOW => EaiOverflow,
        _ => EaiSystem,
    }
}
