//! Every `unsafe` call of the host, each with its justification. The only other `unsafe` in the
//! crate implements wasmtime's lowering traits for a receive's result (`crate::data`).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// One write of `data` at the end of `file`, whatever its position and its O_APPEND flag: pwritev2(2)
/// with RWF_APPEND (Linux 4.16), as wasmtime-wasi appends.
pub fn append(file: BorrowedFd<'_>, data: &[u8]) -> io::Result<usize> {
    let iov = libc::iovec { iov_base: data.as_ptr().cast_mut().cast(), iov_len: data.len() };
    // SAFETY: `file` is a live descriptor for the borrow's lifetime, and the one iovec names `data`,
    // valid for reads of its length for this call; the kernel only reads through it.
    let rc = unsafe { libc::pwritev2(file.as_raw_fd(), &iov, 1, 0, libc::RWF_APPEND) };
    if rc >= 0 { Ok(rc as usize) } else { Err(io::Error::last_os_error()) }
}

/// getsockopt(2) for an option whose value is a C `int`.
pub fn getsockopt_int(fd: BorrowedFd<'_>, level: i32, name: i32) -> io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is a live descriptor for the borrow's lifetime; `value` and `len` are valid for
    // writes and `len` holds the size of `value`, so the kernel writes at most that many bytes.
    let rc = unsafe {
        libc::getsockopt(fd.as_raw_fd(), level, name, (&raw mut value).cast(), &mut len)
    };
    if rc == 0 { Ok(value) } else { Err(io::Error::last_os_error()) }
}

/// ioctl(2)'s SIOCATMARK, which the libc crate does not name (linux/sockios.h).
pub const SIOCATMARK: libc::Ioctl = 0x8905;

/// ioctl(2) of a request that writes one int: FIONREAD (SIOCINQ), TIOCOUTQ (SIOCOUTQ), SIOCATMARK.
pub fn ioctl_int(fd: BorrowedFd<'_>, request: libc::Ioctl) -> io::Result<i32> {
    let mut value: libc::c_int = 0;
    // SAFETY: `fd` is a live descriptor for the borrow's lifetime, and each request this is called
    // with writes one int, for which `value` is valid.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request, &raw mut value) };
    if rc == 0 { Ok(value) } else { Err(io::Error::last_os_error()) }
}

/// The size of Linux's `struct ifreq` on 64-bit machines, which the SIOCGIF* requests read and write.
pub const IFREQ_SIZE: usize = 40;

/// ioctl(2) of a SIOCGIF* request, which reads the interface's name (or index) from `ifreq` and
/// writes its answer there.
pub fn ioctl_ifreq(fd: BorrowedFd<'_>, request: libc::Ioctl, ifreq: &mut [u8; IFREQ_SIZE]) -> io::Result<()> {
    // SAFETY: `fd` is live for the borrow; the requests this is called with read and write one
    // struct ifreq, which `ifreq` holds whole, and follow no pointer in it (SIOCGIFCONF, which
    // does, is never passed).
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request, ifreq.as_mut_ptr()) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// accept4(2) of a connection that is non-blocking and close-on-exec from the start: socket2's
/// `accept` sets only close-on-exec, and two fcntl(2) calls after it cost a connection 1 µs.
pub fn accept_nonblocking(listener: BorrowedFd<'_>) -> io::Result<(socket2::Socket, socket2::SockAddr)> {
    // SAFETY: `try_init` hands a zeroed sockaddr_storage and its length, both valid for writes, which
    // accept4 fills with at most that many bytes; a descriptor it returns is new and ours alone, so
    // `from_raw_fd` takes sole ownership of it.
    unsafe {
        socket2::SockAddr::try_init(|storage, len| {
            let fd = libc::accept4(listener.as_raw_fd(), storage.cast(), len, libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC);
            if fd < 0 { Err(io::Error::last_os_error()) } else { Ok(socket2::Socket::from_raw_fd(fd)) }
        })
    }
}

/// getsockopt(2) into a buffer of `length` bytes: the bytes the kernel wrote.
pub fn getsockopt_bytes(fd: BorrowedFd<'_>, level: i32, name: i32, length: usize) -> io::Result<Vec<u8>> {
    let mut value = vec![0u8; length];
    let mut len = length as libc::socklen_t;
    // SAFETY: `fd` is live; `value` has `len` writable bytes and the kernel writes at most `len`,
    // then says in `len` how many it wrote.
    let rc = unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, value.as_mut_ptr().cast(), &mut len) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    value.truncate(len as usize);
    Ok(value)
}

/// setsockopt(2) of bytes as they stand, or (`Err(length)`) of a null pointer said to be `length`
/// bytes long, which the kernel checks as it checks any program's pointer (EFAULT).
pub fn setsockopt_bytes(fd: BorrowedFd<'_>, level: i32, name: i32, value: Result<&[u8], u32>) -> io::Result<()> {
    let (ptr, len) = match value {
        Ok(bytes) => (bytes.as_ptr(), bytes.len()),
        Err(length) => (std::ptr::null(), length as usize),
    };
    let len = libc::socklen_t::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `fd` is live; the pointer and length describe `value`'s bytes, which outlive the call,
    // or are a null pointer, which the kernel refuses without reading.
    let rc = unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, ptr.cast(), len) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// setsockopt(2) for an option whose value is a C `int`.
pub fn setsockopt_int(fd: BorrowedFd<'_>, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: `fd` is live; the pointer and length describe `value`, which outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// SO_LINGER as `(l_onoff, l_linger)`.
pub fn getsockopt_linger(fd: BorrowedFd<'_>) -> io::Result<(i32, i32)> {
    let mut value = libc::linger { l_onoff: 0, l_linger: 0 };
    let mut len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
    // SAFETY: as in `getsockopt_int`, with a `struct linger` buffer of the stated size.
    let rc = unsafe {
        libc::getsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, (&raw mut value).cast(), &mut len)
    };
    if rc == 0 { Ok((value.l_onoff, value.l_linger)) } else { Err(io::Error::last_os_error()) }
}

pub fn setsockopt_linger(fd: BorrowedFd<'_>, onoff: i32, seconds: i32) -> io::Result<()> {
    let value = libc::linger { l_onoff: onoff, l_linger: seconds };
    // SAFETY: as in `setsockopt_int`, with a `struct linger`.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const value).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// SO_RCVTIMEO or SO_SNDTIMEO (`name`) as the kernel holds it, in microseconds (0: no limit).
/// The kernel keeps it in jiffies, so this reads back what it rounded the value set to.
pub fn getsockopt_timeout(fd: std::os::fd::RawFd, name: i32) -> io::Result<i64> {
    let mut value = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes and `len` holds the size of `value`; on a
    // descriptor that is not open the kernel fails with EBADF and writes nothing.
    let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, name, (&raw mut value).cast(), &mut len) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((value.tv_sec as i64).saturating_mul(1_000_000).saturating_add(value.tv_usec as i64))
}

/// Sets SO_RCVTIMEO or SO_SNDTIMEO (`name`) to `micros` microseconds (0: no limit).
pub fn setsockopt_timeout(fd: BorrowedFd<'_>, name: i32, micros: i64) -> io::Result<()> {
    let value = libc::timeval { tv_sec: (micros / 1_000_000) as libc::time_t, tv_usec: (micros % 1_000_000) as libc::suseconds_t };
    // SAFETY: as in `setsockopt_int`, with a `struct timeval`.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (&raw const value).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// connect(2) to AF_UNSPEC, which dissolves a datagram socket's default peer.
pub fn disconnect(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: `sockaddr` is plain old data; all-zero bytes are a valid value.
    let mut addr: libc::sockaddr = unsafe { std::mem::zeroed() };
    addr.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
    // SAFETY: `addr` is a valid `sockaddr` of the stated length, alive during the call.
    let rc = unsafe {
        libc::connect(fd.as_raw_fd(), &addr, std::mem::size_of::<libc::sockaddr>() as libc::socklen_t)
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// recvfrom(2) of at most `len` bytes, without MSG_TRUNC, into a new vector that holds exactly the
/// bytes the kernel wrote, with the sender's address ([`Sender`]). Without MSG_TRUNC,
/// recvfrom(2) returns the number of bytes it copied to the start of the buffer, never more than the
/// buffer holds, so that count is the vector's length and no byte of it is left unwritten; with
/// MSG_TRUNC it returns another count, so this refuses the flag (EINVAL): such receives go through
/// [`recv_from`] with a buffer the caller initialised. No byte is zeroed first, which for large
/// receives is a pass over the whole buffer saved.
pub fn recv_from_new(fd: BorrowedFd<'_>, len: usize, flags: i32) -> io::Result<(Vec<u8>, Option<Sender>)> {
    if flags & libc::MSG_TRUNC != 0 {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut buf: Vec<u8> = Vec::with_capacity(len);
    if cfg!(fuzzing) {
        // The fuzz target looks for this marker in what receives return: a byte that was not
        // written would show it rather than whatever the memory held.
        buf.resize(len, crate::net::UNWRITTEN);
        buf.clear();
    }
    // SAFETY: `sockaddr_storage` is plain old data; all-zero bytes are a valid value (AF_UNSPEC).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let capacity = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut addr_len = capacity;
    // SAFETY: the vector's spare capacity is valid for writes of `len` bytes, and the kernel
    // writes at most that many; `storage` is valid for writes of `addr_len` bytes, which the
    // kernel never exceeds.
    let n = unsafe {
        libc::recvfrom(fd.as_raw_fd(), buf.as_mut_ptr().cast(), len, flags, (&raw mut storage).cast(), &mut addr_len)
    };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    // SAFETY: without MSG_TRUNC the kernel copied exactly `n` bytes to the start of the buffer, and
    // `n` is within the capacity (recvfrom(2) never returns more than it was given; `min` keeps that
    // true whatever it returned).
    unsafe { buf.set_len(n.min(len)) };
    // SAFETY: as in `recv_from`: an initialised sockaddr, read only as far as the kernel filled it.
    let from = unsafe { sockaddr_to_sender((&raw const storage).cast(), addr_len.min(capacity)) };
    Ok((buf, from))
}

/// recv(2) into `buf`, memory that is already initialised (the guest's): the kernel's count.
///
/// This and [`send`] enter the kernel through syscall(2), not glibc's wrappers: those are POSIX
/// cancellation points and switch the thread's cancellation state around every call (about 20 ns
/// a call in a profile of the 64-byte round trip), for thread cancellation, which Rust never uses.
pub fn recv(fd: std::os::fd::RawFd, buf: &mut [u8], flags: i32) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the call; the kernel writes at most
    // that many (a count larger than that, from MSG_TRUNC, is the caller's to interpret). A null
    // address and length ask recvfrom(2) for no sender, as recv(2) is defined. Every argument
    // goes as a full register (c_long), as the system call reads it.
    let n = unsafe {
        let no_address = std::ptr::null_mut::<libc::sockaddr>();
        libc::syscall(libc::SYS_recvfrom, fd as libc::c_long, buf.as_mut_ptr(), buf.len(), flags as libc::c_long, no_address, std::ptr::null_mut::<libc::socklen_t>())
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// send(2) of `data` on the descriptor `fd`, or sendto(2) when `to` names a destination. Whatever
/// `fd` holds, only `data` and `to` are read: a descriptor that is not an open socket gets the
/// kernel's error.
pub fn send(fd: std::os::fd::RawFd, data: &[u8], flags: i32, to: Option<&socket2::SockAddr>) -> io::Result<usize> {
    // syscall(2) for the reason given at [`recv`]; send(2) is sendto(2) with no address.
    let (address, address_len) = match to {
        None => (std::ptr::null(), 0),
        Some(a) => (a.as_ptr().cast::<libc::sockaddr>(), a.len()),
    };
    // SAFETY: `data` is valid for reads of `data.len()` bytes, and `address` is null or a valid
    // sockaddr of `address_len` bytes; both outlive the call, and the kernel only reads them.
    // Every argument goes as a full register (c_long), as the system call reads it.
    let n = unsafe {
        libc::syscall(libc::SYS_sendto, fd as libc::c_long, data.as_ptr(), data.len(), flags as libc::c_long, address, address_len as libc::c_long)
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// sendmsg(2) of the slices in `data`, in order, as one send: TLS records that rustls holds in
/// several buffers leave in one segment, where a send per buffer would meet Nagle's algorithm and
/// the peer's delayed ACK (40 ms each on Linux loopback). Only the slices are read.
pub fn send_vectored(fd: std::os::fd::RawFd, data: &[io::IoSlice<'_>], flags: i32) -> io::Result<usize> {
    // SAFETY: all-zero bytes are a valid msghdr (no name, no iovecs, no control data).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is ABI-compatible with `iovec` on Unix (its documented guarantee); sendmsg(2) only
    // reads the iovecs, so the pointer's mutability is never used.
    msg.msg_iov = data.as_ptr().cast_mut().cast();
    msg.msg_iovlen = data.len().min(libc::UIO_MAXIOV as usize) as _;
    // SAFETY: `msg` points at `data`'s iovecs, each valid for reads of its length for the call.
    let n = unsafe { libc::sendmsg(fd, &msg, flags) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// recvfrom(2) into `buf`, with the sender's address ([`Sender`]). The buffer is
/// initialised memory, so bytes the kernel leaves alone keep their value; which bytes it wrote is for
/// the caller to say (`net::Socket::bytes_written`), since with MSG_TRUNC the count it returns is not
/// that number.
pub fn recv_from(fd: BorrowedFd<'_>, buf: &mut [u8], flags: i32) -> io::Result<(usize, Option<Sender>)> {
    // SAFETY: `sockaddr_storage` is plain old data; all-zero bytes are a valid value (AF_UNSPEC).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let capacity = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut len = capacity;
    // SAFETY: `fd` is live for the borrow and `buf` is valid for writes of `buf.len()` bytes. The
    // kernel copies at most that many whatever the flags: MSG_TRUNC changes the count it returns (a
    // datagram's full length, or bytes a TCP socket discarded), never how much it copies; MSG_PEEK,
    // MSG_WAITALL, MSG_OOB (one byte) and MSG_ERRQUEUE (the queued packet, cut to the buffer) copy
    // at most that many too. `storage` is valid for writes of `len` bytes, which the kernel never
    // exceeds (it truncates a longer address and reports its real length in `len`).
    let n = unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            flags,
            (&raw mut storage).cast(),
            &mut len,
        )
    };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    // SAFETY: `storage` is an initialised sockaddr of `capacity` bytes; only the part the kernel says
    // it filled (never more than the storage) is read as an address. A connected stream socket
    // reports 0 bytes, which decodes as no address, as CPython's recvfrom returns None.
    let from = unsafe { sockaddr_to_sender((&raw const storage).cast(), len.min(capacity)) };
    Ok((n, from))
}

/// The most descriptors one SCM_RIGHTS message carries (Linux's SCM_MAX_FD), and so the most room
/// for control messages a receive needs: one such message, aligned.
pub const MOST_DESCRIPTORS: usize = 253;
pub const MOST_CONTROL_BYTES: usize = 16 + MOST_DESCRIPTORS * 4 + 4;

/// sendmsg(2) of `data` with an SCM_RIGHTS control message carrying `fds` (none: no control
/// message), to `to` if given. The kernel reads only `data`, `to` and the descriptors' numbers;
/// what it does with them (pass them on an AF_UNIX socket, ignore them on an IP one, refuse more
/// than [`MOST_DESCRIPTORS`]) is its own.
pub fn send_with_descriptors(fd: std::os::fd::RawFd, data: &[u8], flags: i32, to: Option<&socket2::SockAddr>, fds: &[std::os::fd::RawFd]) -> io::Result<usize> {
    let payload = std::mem::size_of_val(fds);
    // SAFETY: CMSG_SPACE and CMSG_LEN are arithmetic.
    let (space, length) = unsafe { (libc::CMSG_SPACE(payload as u32) as usize, libc::CMSG_LEN(payload as u32) as usize) };
    // u64s, so that the control buffer is aligned for `cmsghdr` as the kernel and CMSG_* expect.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec { iov_base: data.as_ptr().cast_mut().cast(), iov_len: data.len() };
    // SAFETY: all-zero bytes are a valid msghdr (no name, no iovecs, no control data).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some(a) = to {
        msg.msg_name = a.as_ptr().cast_mut().cast();
        msg.msg_namelen = a.len();
    }
    if !fds.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: the buffer holds `space` bytes, room for one header and `payload` bytes of data,
        // so CMSG_FIRSTHDR is non-null and its header and data lie inside the buffer; the data is
        // written unaligned, as CMSG_DATA promises no alignment for an int array.
        unsafe {
            let header = libc::CMSG_FIRSTHDR(&msg);
            (*header).cmsg_level = libc::SOL_SOCKET;
            (*header).cmsg_type = libc::SCM_RIGHTS;
            (*header).cmsg_len = length as _;
            std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), payload);
        }
    }
    // SAFETY: `msg` points at `data` (read only, despite the pointer's type), at `to` (a valid
    // sockaddr of its length) and at the control buffer, all of which outlive the call.
    let n = unsafe { libc::sendmsg(fd, &msg, flags) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// What [`recv_with_descriptors`] gave: the kernel's count, recvmsg(2)'s msg_flags, the sender,
/// the descriptors an SCM_RIGHTS message brought, now owned (closed when dropped), and every other
/// control message as (level, type, data), its data cut where the room ended.
pub struct ReceivedMessage {
    pub length: usize,
    pub flags: i32,
    pub from: Option<Sender>,
    pub descriptors: Vec<OwnedFd>,
    pub control: Vec<(i32, i32, Vec<u8>)>,
}

/// recvmsg(2) into `buf` (initialised memory) with `control_room` bytes of room for control
/// messages (at most [`MOST_CONTROL_BYTES`]), close-on-exec for any descriptors that arrive.
pub fn recv_with_descriptors(fd: BorrowedFd<'_>, buf: &mut [u8], flags: i32, control_room: usize) -> io::Result<ReceivedMessage> {
    let control_room = control_room.min(MOST_CONTROL_BYTES);
    let mut control = vec![0u64; control_room.div_ceil(8)];
    // SAFETY: `sockaddr_storage` is plain old data; all-zero bytes are a valid value (AF_UNSPEC).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: all-zero bytes are a valid msghdr.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_name = (&raw mut storage).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as _;
    if control_room > 0 {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control_room as _;
    }
    // SAFETY: `msg` points at `buf` (valid for writes of its length; the kernel copies at most
    // that many, as for `recv_from`), at `storage` and at the control buffer (valid for writes of
    // `control_room` bytes, which the kernel never exceeds), all of which outlive the call.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags | libc::MSG_CMSG_CLOEXEC) };
    let length = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    let mut descriptors = Vec::new();
    let mut control_messages = Vec::new();
    let end = control.as_ptr().cast::<u8>().wrapping_add(msg.msg_controllen as usize);
    // SAFETY: the kernel wrote `msg_controllen` bytes of whole control messages into the buffer,
    // which CMSG_FIRSTHDR and CMSG_NXTHDR walk without leaving it. Each SCM_RIGHTS message's data
    // holds (cmsg_len - CMSG_LEN(0)) / 4 descriptors the kernel just installed in this process,
    // owned by no one else: each is read unaligned and owned at once, so none can leak.
    unsafe {
        let mut header = if msg.msg_controllen > 0 { libc::CMSG_FIRSTHDR(&msg) } else { std::ptr::null_mut() };
        while !header.is_null() {
            if (*header).cmsg_level == libc::SOL_SOCKET && (*header).cmsg_type == libc::SCM_RIGHTS {
                let count = ((*header).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
                let data = libc::CMSG_DATA(header).cast::<i32>();
                for i in 0..count {
                    descriptors.push(OwnedFd::from_raw_fd(data.add(i).read_unaligned()));
                }
            } else {
                // A message the room cut short says so in its length (MSG_CTRUNC); its data is
                // read no further than the bytes the kernel wrote.
                let data = libc::CMSG_DATA(header);
                let len = ((*header).cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize).min((end as usize).saturating_sub(data as usize));
                control_messages.push(((*header).cmsg_level, (*header).cmsg_type, std::slice::from_raw_parts(data, len).to_vec()));
            }
            header = libc::CMSG_NXTHDR(&msg, header);
        }
    }
    // SAFETY: as in `recv_from`: an initialised sockaddr, read only as far as the kernel filled it.
    let from = unsafe { sockaddr_to_sender((&raw const storage).cast(), msg.msg_namelen.min(std::mem::size_of::<libc::sockaddr_storage>() as _)) };
    Ok(ReceivedMessage { length, flags: msg.msg_flags, from, descriptors, control: control_messages })
}

/// st_dev and st_ino of an open descriptor: which socket it is, however many descriptors name it.
pub fn identity(fd: BorrowedFd<'_>) -> io::Result<(u64, u64)> {
    // SAFETY: `stat` is plain old data; fstat(2) writes it whole for a live descriptor.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is live for the borrow; `st` is valid for writes.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((st.st_dev, st.st_ino))
}

/// poll(2) with a zero timeout: the current readiness of each descriptor, written to `revents`.
pub fn poll_now(fds: &mut [libc::pollfd]) -> io::Result<usize> {
    loop {
        // SAFETY: the slice is valid for reads and writes of `fds.len()` `pollfd` entries.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
        if rc >= 0 {
            return Ok(rc as usize);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// flock(2), with Linux's operation bits as they came.
pub fn flock(fd: BorrowedFd<'_>, operation: i32) -> io::Result<()> {
    // SAFETY: `fd` is live for the borrow; the kernel checks `operation`.
    if unsafe { libc::flock(fd.as_raw_fd(), operation) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// fstat(2) of the file behind `fd`.
pub fn fstat(fd: BorrowedFd<'_>) -> io::Result<libc::stat> {
    // SAFETY: `fd` is live for the borrow; `stats` is a whole `struct stat`, valid for writes.
    filled(|stats| unsafe { libc::fstat(fd.as_raw_fd(), stats) })
}

/// fchmod(2).
pub fn set_permissions(fd: BorrowedFd<'_>, mode: u32) -> io::Result<()> {
    // SAFETY: `fd` is live for the borrow; the kernel checks `mode`.
    if unsafe { libc::fchmod(fd.as_raw_fd(), mode) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// fstatvfs(2): the file system that holds `fd`.
pub fn file_system(fd: BorrowedFd<'_>) -> io::Result<libc::statvfs> {
    // SAFETY: `fd` is live for the borrow; `stats` is a whole `struct statvfs`, valid for writes.
    filled(|stats| unsafe { libc::fstatvfs(fd.as_raw_fd(), stats) })
}

/// A C struct of plain numbers (`stat`, `statvfs`) that `call` fills, returning 0, or -1 with errno.
fn filled<T: Copy>(call: impl FnOnce(&mut T) -> libc::c_int) -> io::Result<T> {
    // SAFETY: the structs this is used for hold only integers, for which all-zero is a valid value.
    let mut value: T = unsafe { std::mem::zeroed() };
    if call(&mut value) != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

/// fcntl(2)'s F_SETLK, which never waits, with a `struct flock` of these fields.
pub fn record_lock(fd: BorrowedFd<'_>, kind: i16, whence: i16, start: i64, len: i64) -> io::Result<()> {
    // SAFETY: a zeroed `flock` is a valid value, and its fields are set below.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind;
    lock.l_whence = whence;
    lock.l_start = start;
    lock.l_len = len;
    // SAFETY: `fd` is live; `lock` is a whole `struct flock`, which F_SETLK only reads.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETLK, &lock) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The calling thread's CPU-time clock (pthread_getcpuclockid(3)), which any thread of the process
/// can read with [`clock_now`], and its thread id.
pub fn current_thread_cpu_clock() -> io::Result<(libc::clockid_t, libc::pid_t)> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: pthread_self() names the calling thread, alive for the call; `clock` is valid for writes.
    let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: gettid(2) takes nothing and cannot fail.
    let tid = unsafe { libc::gettid() };
    Ok((clock, tid))
}

/// clock_gettime(2): `clock`'s reading. A thread's clock whose thread has ended is EINVAL.
pub fn clock_now(clock: libc::clockid_t) -> io::Result<std::time::Duration> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is valid for writes; an unknown clock is an error, not a fault.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(duration_of(now))
}

/// The kernel's tick (1/HZ), which Linux gives as the resolution of its coarse clocks.
pub fn kernel_tick() -> std::time::Duration {
    let mut res = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `res` is valid for writes; a clock the kernel lacks is an error, not a fault.
    if unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut res) } != 0 {
        return std::time::Duration::from_millis(4);
    }
    duration_of(res)
}

/// A `timespec` the kernel wrote (never negative for these clocks) as a Duration.
fn duration_of(time: libc::timespec) -> std::time::Duration {
    std::time::Duration::new(u64::try_from(time.tv_sec).unwrap_or(0), u32::try_from(time.tv_nsec).unwrap_or(0))
}

/// Thread `tid`'s (of this process) user and system time, as /proc/self/task/TID/stat gives them in
/// clock ticks, the unit of times(2).
pub fn thread_times(tid: libc::pid_t) -> io::Result<(std::time::Duration, std::time::Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat"))?;
    // proc(5): the command name, in parentheses, may hold spaces; utime and stime are fields 14 and
    // 15, the 12th and 13th after it.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let mut fields = after_name.split_whitespace().skip(11).map(str::parse::<u64>);
    let (Some(Ok(user)), Some(Ok(system))) = (fields.next(), fields.next()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a /proc stat line without utime and stime"));
    };
    // SAFETY: sysconf(3) takes a constant and reads nothing of ours.
    let per_second = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok().filter(|&t| t > 0).unwrap_or(100);
    let ticks = |n: u64| std::time::Duration::from_nanos(n.saturating_mul(1_000_000_000 / per_second));
    Ok((ticks(user), ticks(system)))
}

/// A new non-blocking, close-on-exec eventfd(2): readable once signalled, until read.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor we alone own.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by eventfd and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Makes an eventfd readable. A full counter (after 2^64-2 signals) is already readable.
pub fn eventfd_signal(fd: BorrowedFd<'_>) {
    let one: u64 = 1;
    // SAFETY: writes the 8 bytes of `one`, which is valid for reads of that size.
    unsafe { libc::write(fd.as_raw_fd(), (&raw const one).cast(), 8) };
}

/// The signals pysock takes itself rather than dying of: Ctrl-C (SIGINT), which goes to the
/// sandboxed program, and the requests to end (SIGTERM, SIGHUP), after which pysock removes the
/// run's temporary folder and then dies of the signal, as the default action would have killed it.
pub const TAKEN_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The set of those of `signals` whose action is still the default one: a signal the parent
/// ignores (SIGHUP under nohup, SIGINT in a background job) stays ignored, as python3 keeps it.
fn defaulted(signals: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: all zeroes is a valid sigset_t and sigaction, which sigemptyset then initialises;
    // sigaction with a null new action only reads the current one into `current`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &signal in signals {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut current) == 0 && current.sa_sigaction == libc::SIG_DFL {
                libc::sigaddset(&mut set, signal);
            }
        }
        set
    }
}

/// Blocks [`TAKEN_SIGNALS`] (those not ignored) in the calling thread and in every thread it
/// starts from now on, so that one thread can take them with [`wait_for_signal`] instead of a
/// signal ending the process.
pub fn block_signals() -> io::Result<()> {
    let set = defaulted(&TAKEN_SIGNALS);
    // SAFETY: `set` is initialised, and pthread_sigmask only reads it.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// Waits until one of the signals [`block_signals`] blocked is pending, and takes it: its number.
pub fn wait_for_signal() -> io::Result<libc::c_int> {
    // SAFETY: the calling thread's blocked set, read by pthread_sigmask, holds what block_signals
    // blocked; sigwait writes the signal number into `signal`.
    let rc = unsafe {
        let mut blocked: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut blocked);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in TAKEN_SIGNALS {
            if libc::sigismember(&blocked, signal) == 1 {
                libc::sigaddset(&mut set, signal);
            }
        }
        let mut signal = 0;
        match libc::sigwait(&set, &mut signal) {
            0 => return Ok(signal),
            rc => rc,
        }
    };
    Err(io::Error::from_raw_os_error(rc))
}

/// Ends the process by `signal`'s default action, as if pysock had never taken it: a parent sees
/// it killed by that signal (a shell reports 128 + the number).
pub fn die_of(signal: libc::c_int) -> ! {
    // SAFETY: signal(2), pthread_sigmask(2) and raise(3) take plain values and an initialised set.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    // Only if the signal's default action did not end the process.
    std::process::exit(128 + signal)
}

/// Blocks until `fd` has something to read (bytes, the end of the stream or an error) or `wake`
/// is readable, or for at most `limit`: poll(2) on both. A signal that ends it early is no error,
/// as the caller looks again either way.
pub fn wait_readable(fds: &[std::os::fd::RawFd], wake: BorrowedFd<'_>, limit: Option<std::time::Duration>) -> io::Result<()> {
    wait_for(fds, libc::POLLIN, wake, limit)
}

/// As [`wait_readable`], until `fd` has room to send (or an error).
pub fn wait_writable(fd: std::os::fd::RawFd, wake: BorrowedFd<'_>, limit: Option<std::time::Duration>) -> io::Result<()> {
    wait_for(&[fd], libc::POLLOUT, wake, limit)
}

/// Waits on `watched` (one socket's kernel sockets: at most two) and `wake`.
fn wait_for(watched: &[std::os::fd::RawFd], events: libc::c_short, wake: BorrowedFd<'_>, limit: Option<std::time::Duration>) -> io::Result<()> {
    let idle = libc::pollfd { fd: -1, events: 0, revents: 0 };
    let mut fds = [libc::pollfd { fd: wake.as_raw_fd(), events: libc::POLLIN, revents: 0 }, idle, idle];
    for (slot, &fd) in fds[1..].iter_mut().zip(watched) {
        *slot = libc::pollfd { fd, events, revents: 0 };
    }
    let fds = &mut fds[..1 + watched.len().min(2)];
    // Milliseconds rounded up, so that a wait never ends before its limit.
    let timeout = limit.map_or(-1, |l| l.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int);
    // SAFETY: the array is valid for reads and writes of its two `pollfd` entries.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
    Ok(())
}

/// Makes an eventfd unreadable again (its counter 0).
pub fn eventfd_drain(fd: BorrowedFd<'_>) {
    let mut count: u64 = 0;
    // SAFETY: reads at most 8 bytes into `count`, which is valid for writes of that size; a
    // non-blocking eventfd at 0 fails with EAGAIN, which is what drained means.
    unsafe { libc::read(fd.as_raw_fd(), (&raw mut count).cast(), 8) };
}

/// A new close-on-exec epoll(7) instance.
pub fn epoll_create() -> io::Result<OwnedFd> {
    // SAFETY: epoll_create1 takes no pointers; a non-negative result is a new descriptor we own.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by epoll_create1 and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// epoll_ctl(2): `op` is EPOLL_CTL_ADD, _MOD or _DEL; `events` Linux EPOLL* bits; `key` comes back
/// with each event.
pub fn epoll_ctl(epoll: BorrowedFd<'_>, op: i32, fd: BorrowedFd<'_>, events: u32, key: u64) -> io::Result<()> {
    let mut event = libc::epoll_event { events, u64: key };
    // SAFETY: both descriptors are live for the borrows; `event` is valid for reads (and ignored by
    // EPOLL_CTL_DEL).
    let rc = unsafe { libc::epoll_ctl(epoll.as_raw_fd(), op, fd.as_raw_fd(), &mut event) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// epoll_wait(2) into `events`' spare capacity for at most `timeout_ms` (-1: no limit); EINTR is
/// returned, not retried, so the caller can recompute its timeout.
pub fn epoll_wait(epoll: BorrowedFd<'_>, events: &mut Vec<libc::epoll_event>, timeout_ms: i32) -> io::Result<()> {
    events.clear();
    let max = events.capacity().min(i32::MAX as usize) as i32;
    // SAFETY: the kernel writes at most `max` entries into the vector's spare capacity, which holds
    // at least that many.
    let n = unsafe { libc::epoll_wait(epoll.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms) };
    // epoll_wait(2) returns -1 or at most `maxevents`; anything else would be a kernel bug, and then
    // no entry is trusted rather than the host reading memory nobody wrote.
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    if n > max as usize {
        return Err(io::Error::from_raw_os_error(libc::EIO));
    }
    // SAFETY: the kernel initialised the first `n` entries, and `n` is within the capacity.
    unsafe { events.set_len(n) };
    Ok(())
}

/// Raises this process's soft descriptor limit to its hard limit, as servers do; failing leaves it.
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write only the rlimit struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// The number of descriptors this process has open, read from /proc (for leak checks).
pub fn open_fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// One getaddrinfo(3) entry, decoded.
pub struct AddrInfo {
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
    pub canonname: String,
    pub address: std::net::SocketAddr,
}

/// getaddrinfo(3). Errors are the EAI_* return code (EAI_SYSTEM stands for any other failure).
pub fn getaddrinfo(
    host: Option<&std::ffi::CStr>,
    service: Option<&std::ffi::CStr>,
    family: i32,
    socktype: i32,
    protocol: i32,
    flags: i32,
) -> Result<Vec<AddrInfo>, i32> {
    // SAFETY: `addrinfo` is plain old data; zero is the documented "no preference" for every field.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    hints.ai_flags = flags;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: the strings are NUL-terminated and outlive the call; `hints` is initialised; `list`
    // receives a list that we free below with freeaddrinfo exactly once.
    let rc = unsafe {
        libc::getaddrinfo(
            host.map_or(std::ptr::null(), |h| h.as_ptr()),
            service.map_or(std::ptr::null(), |s| s.as_ptr()),
            &hints,
            &mut list,
        )
    };
    if rc != 0 {
        return Err(rc);
    }
    let mut out = Vec::new();
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: `cursor` walks the list getaddrinfo returned, which stays valid until freeaddrinfo.
        let entry = unsafe { &*cursor };
        // SAFETY: ai_addr points to ai_addrlen bytes of a sockaddr of family ai_family.
        let address = unsafe { sockaddr_to_std(entry.ai_addr, entry.ai_addrlen) };
        let canonname = if entry.ai_canonname.is_null() {
            String::new()
        } else {
            // SAFETY: a non-null ai_canonname is a NUL-terminated string owned by the list.
            unsafe { std::ffi::CStr::from_ptr(entry.ai_canonname) }.to_string_lossy().into_owned()
        };
        if let Some(address) = address {
            out.push(AddrInfo {
                family: entry.ai_family,
                socktype: entry.ai_socktype,
                protocol: entry.ai_protocol,
                canonname,
                address,
            });
        }
        cursor = entry.ai_next;
    }
    // SAFETY: `list` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(list) };
    Ok(out)
}

/// Who sent what a receive returned, as the kernel names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Ip(std::net::SocketAddr),
    /// An AF_UNIX socket's name: a pathname without its NUL, or an abstract name with its
    /// leading NUL. An unnamed socket sends with no name at all (`None`), as natively.
    Unix(Vec<u8>),
}

/// Decodes the sockaddr a receive filled: an IP address, an AF_UNIX name, or `None` for none
/// (a connected stream's, or an unnamed AF_UNIX sender's) and for other families.
///
/// # Safety
/// As for [`sockaddr_to_std`].
unsafe fn sockaddr_to_sender(addr: *const libc::sockaddr, len: libc::socklen_t) -> Option<Sender> {
    // SAFETY: the caller's guarantee, passed on.
    if let Some(ip) = unsafe { sockaddr_to_std(addr, len) } {
        return Some(Sender::Ip(ip));
    }
    let path_at = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    let len = (len as usize).min(std::mem::size_of::<libc::sockaddr_un>());
    // SAFETY: the family is read only from a non-null address of more than `path_at` bytes,
    // which cover it.
    if addr.is_null() || len <= path_at || unsafe { (*addr).sa_family } as i32 != libc::AF_UNIX {
        return None;
    }
    // SAFETY: the caller guarantees `len` readable bytes (capped above at a sockaddr_un, which
    // the kernel never exceeds for AF_UNIX), and the path starts at `path_at` within them.
    let name = unsafe { std::slice::from_raw_parts(addr.cast::<u8>().add(path_at), len - path_at) };
    Some(Sender::Unix(match name.first() {
        // Abstract: every byte counts, NULs included, as the kernel's length says.
        Some(0) => name.to_vec(),
        // A pathname ends at its NUL, which Linux may or may not count in the length.
        _ => name[..name.iter().position(|b| *b == 0).unwrap_or(name.len())].to_vec(),
    }))
}

/// Decodes an AF_INET/AF_INET6 sockaddr; other families give `None`.
///
/// # Safety
/// `addr` must be null or point to `len` readable bytes holding a sockaddr.
unsafe fn sockaddr_to_std(addr: *const libc::sockaddr, len: libc::socklen_t) -> Option<std::net::SocketAddr> {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    let len = len as usize;
    if addr.is_null() || len < std::mem::size_of::<libc::sa_family_t>() {
        return None;
    }
    // SAFETY: the caller guarantees `len` readable bytes, which cover sa_family, the first field.
    let family = unsafe { (*addr).sa_family } as i32;
    if family == libc::AF_INET && len >= std::mem::size_of::<libc::sockaddr_in>() {
        // SAFETY: the family and length say this is a sockaddr_in; read_unaligned copes with any alignment.
        let sin = unsafe { std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in>()) };
        let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
        Some(SocketAddrV4::new(ip, u16::from_be(sin.sin_port)).into())
    } else if family == libc::AF_INET6 && len >= std::mem::size_of::<libc::sockaddr_in6>() {
        // SAFETY: as above, for a sockaddr_in6.
        let sin6 = unsafe { std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in6>()) };
        let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
        Some(SocketAddrV6::new(ip, u16::from_be(sin6.sin6_port), sin6.sin6_flowinfo, sin6.sin6_scope_id).into())
    } else {
        None
    }
}

/// getnameinfo(3) → (host, service), or the EAI_* code.
pub fn getnameinfo(address: std::net::SocketAddr, flags: i32) -> Result<(String, String), i32> {
    let sockaddr = socket2::SockAddr::from(address);
    let mut host = [0 as libc::c_char; 1025];
    let mut service = [0 as libc::c_char; 32];
    // SAFETY: the sockaddr is valid for its length; both buffers are writable for the lengths given,
    // and getnameinfo NUL-terminates what it writes.
    let rc = unsafe {
        libc::getnameinfo(
            sockaddr.as_ptr().cast(),
            sockaddr.len(),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            service.as_mut_ptr(),
            service.len() as libc::socklen_t,
            flags,
        )
    };
    if rc != 0 {
        return Err(rc);
    }
    match (text_until_nul(&host), text_until_nul(&service)) {
        (Some(h), Some(s)) => Ok((h, s)),
        // getnameinfo NUL-terminates what it writes or fails with EAI_OVERFLOW; say that rather than
        // read past a buffer.
        _ => Err(libc::EAI_OVERFLOW),
    }
}

/// gethostname(2).
pub fn gethostname() -> io::Result<String> {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: the buffer is writable for its length; we pass one less so the result stays terminated.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    text_until_nul(&buf).ok_or_else(|| io::Error::from_raw_os_error(libc::ENAMETOOLONG))
}

/// if_nameindex(3): every network interface's index and name.
pub fn if_nameindex() -> io::Result<Vec<(u32, String)>> {
    // SAFETY: a plain call; the result is null with errno set, or an array that ends with a zero
    // index and null name, which this reads up to that end and then frees once.
    let list = unsafe { libc::if_nameindex() };
    if list.is_null() {
        return Err(io::Error::last_os_error());
    }
    let mut interfaces = Vec::new();
    let mut at = list;
    // SAFETY: each entry before the terminating one is valid, and its name a NUL-terminated
    // string, until if_freenameindex.
    unsafe {
        while (*at).if_index != 0 && !(*at).if_name.is_null() {
            interfaces.push(((*at).if_index, std::ffi::CStr::from_ptr((*at).if_name).to_string_lossy().into_owned()));
            at = at.add(1);
        }
        libc::if_freenameindex(list);
    }
    Ok(interfaces)
}

/// The names of the loopback interfaces (IFF_LOOPBACK), from getifaddrs(3), which lists every
/// interface, with an address or without.
pub fn loopback_interfaces() -> io::Result<Vec<String>> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes the head of a list that this frees once, below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut names = Vec::new();
    let mut at = list;
    // SAFETY: every node up to the null `ifa_next` is valid until freeifaddrs, and its name a
    // NUL-terminated string.
    unsafe {
        while !at.is_null() {
            if (*at).ifa_flags & libc::IFF_LOOPBACK as u32 != 0 && !(*at).ifa_name.is_null() {
                let name = std::ffi::CStr::from_ptr((*at).ifa_name).to_string_lossy().into_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            at = (*at).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    Ok(names)
}

/// The text of a C string buffer up to its first NUL; `None` if it has none.
fn text_until_nul(buf: &[libc::c_char]) -> Option<String> {
    let bytes: Vec<u8> = buf.iter().map(|&c| c as u8).collect();
    let text = std::ffi::CStr::from_bytes_until_nul(&bytes).ok()?;
    Some(text.to_string_lossy().into_owned())
}

/// Loads a component compiled earlier by `Component::serialize`.
pub fn load_compiled(engine: &wasmtime::Engine, path: &std::path::Path) -> wasmtime::Result<wasmtime::component::Component> {
    // SAFETY: the file is one pysock wrote itself with `Component::serialize` into its own cache
    // directory, named by a hash of its inputs; wasmtime also checks the engine configuration and
    // version recorded in it and refuses a mismatch.
    unsafe { wasmtime::component::Component::deserialize_file(engine, path) }
}

/// renameat2(2) of `from` to `to`, both in the directory `dir`, with RENAME_NOREPLACE: EEXIST when
/// `to` is there already, rather than replacing it.
pub fn rename_beside(dir: BorrowedFd<'_>, from: &[u8], to: &[u8]) -> io::Result<()> {
    let (from, to) = (c_name(from)?, c_name(to)?);
    // SAFETY: both names are NUL-terminated strings that outlive the call; `dir` is live.
    let rc = unsafe { libc::renameat2(dir.as_raw_fd(), from.as_ptr(), dir.as_raw_fd(), to.as_ptr(), libc::RENAME_NOREPLACE) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// unlinkat(2) of `name` in the directory `dir`.
pub fn unlink_in(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<()> {
    let name = c_name(name)?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call; `dir` is live.
    if unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `name` is in the directory `dir` (anything at all, a dangling link too).
pub fn is_in(dir: BorrowedFd<'_>, name: &[u8]) -> io::Result<bool> {
    let name = c_name(name)?;
    // SAFETY: plain data the kernel fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a NUL-terminated string and `st` a live stat buffer; `dir` is live.
    if unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } == 0 {
        return Ok(true);
    }
    match io::Error::last_os_error() {
        e if e.raw_os_error() == Some(libc::ENOENT) => Ok(false),
        e => Err(e),
    }
}

fn c_name(name: &[u8]) -> io::Result<std::ffi::CString> {
    std::ffi::CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// openat2(2) of `path` relative to `dir` (or the host's working folder), close-on-exec, with
/// `resolve`'s rules (RESOLVE_BENEATH and the like).
pub fn openat2(dir: Option<BorrowedFd<'_>>, path: &std::path::Path, flags: i32, resolve: u64) -> io::Result<OwnedFd> {
    let c_path = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str())).map_err(|_| io::Error::from_raw_os_error(libc::ENOENT))?;
    // SAFETY: open_how is plain data, zeroed as openat2(2) requires of fields it does not name.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = resolve;
    let dirfd = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    // SAFETY: c_path is a NUL-terminated string and `how` a live open_how of the size passed; the
    // kernel writes nothing back.
    let fd = unsafe { libc::syscall(libc::SYS_openat2, dirfd, c_path.as_ptr(), &how as *const libc::open_how, std::mem::size_of::<libc::open_how>()) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat2 returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}
