//! pysock's guest as CPython extension modules: `_socket`, `select` and `_ssl`, running in the
//! interpreter's own linear memory and calling the host's `pysock:net` imports directly.
//!
//! Built for `wasm32-wasip2` as a position-independent shared library, `_pysock.cpython-314-wasm32-wasi.so`
//! (scripts/setup.sh), which componentize-py links into its CPython. Importing `_pysock` makes the
//! three modules; the interpreter's entry point (python/pysock_app.py) installs them in
//! `sys.modules` before any user code runs, so the stdlib's `socket.py`, `selectors`, `asyncio`
//! and `ssl.py` run on them unchanged.
//!
//! The rules (timeouts, retry loops, select/poll/epoll, the SSL I/O loop, every error) are the
//! guest logic's, `pysock_guest`; this crate converts Python arguments and results as CPython's C
//! modules do, and implements the logic's host over the WIT imports (`host.rs`).

#![deny(unsafe_code)]

mod bindings {
    wit_bindgen::generate!({ world: "extension", path: "../../wit", generate_all });
}

mod buffer;
mod constants;
mod convert;
mod errors;
mod host;
mod landing;
mod select;
mod socket;
mod ssl;

use pyo3::prelude::*;
use pysock_guest::socket::Core;
use std::cell::RefCell;

thread_local! {
    /// The guest's descriptor table and default timeout, which the three modules share.
    static CORE: RefCell<Core<host::WitHost>> = RefCell::new(Core::new(host::WitHost));
}

/// Runs `f` on the shared core. The modules never call back into Python while `f` runs, so the
/// borrow is never taken twice.
pub(crate) fn with_core<T>(f: impl FnOnce(&mut Core<host::WitHost>) -> T) -> T {
    CORE.with(|c| f(&mut c.borrow_mut()))
}

/// `_pysock`: holds the three modules as attributes (`_pysock._socket`, `.select`, `._ssl`).
#[pymodule]
fn _pysock(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (name, init) in [
        ("_socket", socket::init as fn(&Bound<'_, PyModule>) -> PyResult<()>),
        ("select", select::init),
        ("_ssl", ssl::init),
    ] {
        let module = PyModule::new(py, name)?;
        init(&module)?;
        m.add(name, module)?;
    }
    Ok(())
}
