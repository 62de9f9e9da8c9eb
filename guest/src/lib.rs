//! The pysock guest: CPython's `_socket` and `select` semantics as a WebAssembly component.
//!
//! The logic lives in [`socket`], [`select`] and [`timeout`], generic over [`host::Host`] so it runs
//! natively under `cargo test`; this file only binds it to the component's exports.



pub mod bindings {
    wit_bindgen::generate!({ world: "guest", path: "../wit", generate_all });
}

pub mod addr;
pub mod errno;
pub mod host;
pub mod select;
pub mod socket;
pub mod timeout;

use bindings::exports::pysock::net::select as py_select;
use bindings::exports::pysock::net::socket::{self as py, Address, AddressInfo, Error, OptionValue};
use host::WitHost;
use socket::{Core, SockObj};
use std::cell::RefCell;

thread_local! {
    static CORE: RefCell<Core<WitHost>> = RefCell::new(Core::new(WitHost));
}

fn core<T>(f: impl FnOnce(&mut Core<WitHost>) -> T) -> T {
    CORE.with(|c| f(&mut c.borrow_mut()))
}

/// The exported socket resource: one Python socket object.
pub struct PySocket(RefCell<SockObj>);

impl PySocket {
    fn obj(&self) -> SockObj {
        self.0.borrow().clone()
    }
}

impl Drop for PySocket {
    /// A socket object that is garbage-collected unclosed closes its descriptor, as CPython's does.
    fn drop(&mut self) {
        let fd = self.0.borrow().fd;
        if fd >= 0 {
            let _ = CORE.try_with(|c| c.borrow_mut().close_fd(fd));
        }
    }
}

struct Component;

impl py::Guest for Component {
    type Socket = PySocket;

    fn getdefaulttimeout() -> Option<f64> {
        core(|c| c.default_timeout)
    }
    fn setdefaulttimeout(timeout: Option<f64>) -> Result<(), Error> {
        let t = socket::parse_timeout(timeout)?;
        core(|c| c.default_timeout = t);
        Ok(())
    }
    fn socketpair(family: i32, type_: i32, proto: i32) -> Result<(py::Socket, py::Socket), Error> {
        let (a, b) = core(|c| c.socketpair(family, type_, proto))?;
        Ok((py::Socket::new(PySocket(RefCell::new(a))), py::Socket::new(PySocket(RefCell::new(b)))))
    }
    fn dup(fd: i32) -> Result<i32, Error> {
        core(|c| c.dup(fd))
    }
    fn close(fd: i32) -> Result<(), Error> {
        core(|c| c.close_fd(fd))
    }
    fn getaddrinfo(
        host: Option<String>,
        port: Option<String>,
        family: i32,
        type_: i32,
        proto: i32,
        flags: i32,
    ) -> Result<Vec<AddressInfo>, Error> {
        core(|c| c.getaddrinfo(host.as_deref(), port.as_deref(), family, type_, proto, flags))
    }
    fn getnameinfo(address: Address, flags: i32) -> Result<(String, String), Error> {
        core(|c| c.getnameinfo(&address, flags))
    }
    fn gethostbyname(name: String) -> Result<String, Error> {
        core(|c| c.gethostbyname(&name))
    }
    fn gethostbyname_ex(name: String) -> Result<(String, Vec<String>, Vec<String>), Error> {
        core(|c| c.gethostbyname_ex(&name))
    }
    fn gethostbyaddr(address: String) -> Result<(String, Vec<String>, Vec<String>), Error> {
        core(|c| c.gethostbyaddr(&address))
    }
    fn gethostname() -> Result<String, Error> {
        use host::Host;
        core(|c| c.host.host_name()).map_err(errno::os)
    }
    fn inet_aton(text: String) -> Result<Vec<u8>, Error> {
        socket::inet_aton(&text)
    }
    fn inet_ntoa(packed: Vec<u8>) -> Result<String, Error> {
        socket::inet_ntoa(&packed)
    }
    fn inet_pton(family: i32, text: String) -> Result<Vec<u8>, Error> {
        socket::inet_pton(family, &text)
    }
    fn inet_ntop(family: i32, packed: Vec<u8>) -> Result<String, Error> {
        socket::inet_ntop(family, &packed)
    }
}

impl py::GuestSocket for PySocket {
    fn create(family: i32, type_: i32, proto: i32, fileno: Option<i32>) -> Result<py::Socket, Error> {
        let obj = core(|c| c.create(family, type_, proto, fileno))?;
        Ok(py::Socket::new(PySocket(RefCell::new(obj))))
    }
    fn family(&self) -> i32 {
        self.0.borrow().family
    }
    fn type_(&self) -> i32 {
        self.0.borrow().kind
    }
    fn proto(&self) -> i32 {
        self.0.borrow().proto
    }
    fn fileno(&self) -> i32 {
        self.0.borrow().fd
    }
    fn close(&self) -> Result<(), Error> {
        let fd = std::mem::replace(&mut self.0.borrow_mut().fd, -1);
        if fd < 0 {
            return Ok(());
        }
        // Another object made with socket(fileno=) may have closed the descriptor already: EBADF,
        // as CPython raises.
        core(|c| c.close_fd(fd))
    }
    fn detach(&self) -> i32 {
        std::mem::replace(&mut self.0.borrow_mut().fd, -1)
    }
    fn bind(&self, address: Address) -> Result<(), Error> {
        core(|c| c.bind(&self.obj(), &address))
    }
    fn listen(&self, backlog: Option<i32>) -> Result<(), Error> {
        core(|c| c.listen(&self.obj(), backlog))
    }
    fn accept(&self) -> Result<(i32, Address), Error> {
        core(|c| c.accept(&self.obj()))
    }
    fn connect(&self, address: Address) -> Result<(), Error> {
        core(|c| c.connect(&self.obj(), &address))
    }
    fn connect_ex(&self, address: Address) -> Result<(), Error> {
        core(|c| c.connect_ex(&self.obj(), &address))
    }
    fn send(&self, data: Vec<u8>, flags: i32) -> Result<u64, Error> {
        core(|c| c.send(&self.obj(), &data, flags))
    }
    fn sendall(&self, data: Vec<u8>, flags: i32) -> Result<(), Error> {
        core(|c| c.sendall(&self.obj(), &data, flags))
    }
    fn sendto(&self, data: Vec<u8>, flags: i32, address: Address) -> Result<u64, Error> {
        core(|c| c.sendto(&self.obj(), &data, flags, &address))
    }
    fn recv(&self, bufsize: i64, flags: i32) -> Result<Vec<u8>, Error> {
        core(|c| c.recv(&self.obj(), bufsize, flags))
    }
    fn recvfrom(&self, bufsize: i64, flags: i32) -> Result<(Vec<u8>, Option<Address>), Error> {
        core(|c| c.recvfrom(&self.obj(), bufsize, flags))
    }
    fn shutdown(&self, how: i32) -> Result<(), Error> {
        core(|c| c.shutdown(&self.obj(), how))
    }
    fn getsockname(&self) -> Result<Address, Error> {
        core(|c| c.getsockname(&self.obj()))
    }
    fn getpeername(&self) -> Result<Address, Error> {
        core(|c| c.getpeername(&self.obj()))
    }
    fn setsockopt(&self, level: i32, name: i32, value: OptionValue) -> Result<(), Error> {
        core(|c| c.setsockopt(&self.obj(), level, name, &value))
    }
    fn getsockopt(&self, level: i32, name: i32, buflen: Option<i64>) -> Result<OptionValue, Error> {
        core(|c| c.getsockopt(&self.obj(), level, name, buflen))
    }
    fn settimeout(&self, timeout: Option<f64>) -> Result<(), Error> {
        core(|c| c.settimeout(&mut self.0.borrow_mut(), timeout))
    }
    fn gettimeout(&self) -> Option<f64> {
        self.0.borrow().timeout
    }
    fn setblocking(&self, blocking: bool) -> Result<(), Error> {
        core(|c| c.setblocking(&mut self.0.borrow_mut(), blocking))
    }
    fn getblocking(&self) -> Result<bool, Error> {
        Ok(self.0.borrow().timeout != Some(0.0))
    }
}

/// A `select.poll()` object: registrations in insertion order, as CPython's dict keeps them.
pub struct PyPoll(RefCell<Vec<(i32, u16)>>);

impl py_select::Guest for Component {
    type PollObject = PyPoll;

    fn select(
        read: Vec<i32>,
        write: Vec<i32>,
        except: Vec<i32>,
        timeout: Option<f64>,
    ) -> Result<(Vec<u32>, Vec<u32>, Vec<u32>), Error> {
        let [r, w, x] = core(|c| c.select([&read, &write, &except], timeout))?;
        Ok((r, w, x))
    }
}

fn check_fd(fd: i32) -> Result<(), Error> {
    if fd < 0 {
        return Err(errno::value(&format!("file descriptor cannot be a negative integer ({fd})")));
    }
    Ok(())
}

impl py_select::GuestPollObject for PyPoll {
    fn new() -> Self {
        PyPoll(RefCell::new(Vec::new()))
    }
    fn register(&self, fd: i32, mask: u16) -> Result<(), Error> {
        check_fd(fd)?;
        let mut regs = self.0.borrow_mut();
        match regs.iter_mut().find(|(f, _)| *f == fd) {
            Some(r) => r.1 = mask,
            None => regs.push((fd, mask)),
        }
        Ok(())
    }
    fn modify(&self, fd: i32, mask: u16) -> Result<(), Error> {
        check_fd(fd)?;
        match self.0.borrow_mut().iter_mut().find(|(f, _)| *f == fd) {
            Some(r) => {
                r.1 = mask;
                Ok(())
            }
            None => Err(errno::os(bindings::pysock::net::types::Errno::Enoent)),
        }
    }
    fn unregister(&self, fd: i32) -> Result<(), Error> {
        check_fd(fd)?;
        let mut regs = self.0.borrow_mut();
        match regs.iter().position(|(f, _)| *f == fd) {
            Some(i) => {
                regs.remove(i);
                Ok(())
            }
            None => Err(Error::Key(fd)),
        }
    }
    fn poll(&self, timeout: Option<f64>) -> Result<Vec<(i32, u16)>, Error> {
        let regs = self.0.borrow().clone();
        core(|c| c.poll(&regs, timeout))
    }
}

bindings::export!(Component with_types_in bindings);
