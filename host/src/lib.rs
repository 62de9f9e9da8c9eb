//! pysock's host: CPython's `socket` and `select` for a Python interpreter sandboxed in WebAssembly.
//!
//! The guest component (built from `guest/`) implements CPython's socket semantics — timeout modes,
//! retry loops, errno mapping — on top of the `pysock:net/net` interface that this crate implements
//! with real non-blocking kernel sockets. An embedder adds pysock to a `wasmtime` linker the way it
//! adds WASI:
//!
//! ```no_run
//! use pysock::{NetworkPolicy, PysockCtx, PysockCtxView, PysockView};
//! use wasmtime::component::{Linker, ResourceTable};
//!
//! struct State { table: ResourceTable, pysock: PysockCtx }
//! impl PysockView for State {
//!     fn pysock(&mut self) -> PysockCtxView<'_> {
//!         PysockCtxView { ctx: &mut self.pysock, table: &mut self.table }
//!     }
//! }
//!
//! let engine = wasmtime::Engine::default();
//! let mut linker = Linker::<State>::new(&engine);
//! pysock::add_to_linker(&mut linker).unwrap();
//! let ctx = PysockCtx::builder().network(NetworkPolicy::Loopback).build().unwrap();
//! ```
//!
//! The store owns every socket: when the guest drops a handle, or the store is dropped, the kernel
//! socket closes at once.

#![deny(unsafe_code)]

pub mod bindings {
    //! The one `bindgen!` of the host: the `guest` world's imports, plus its exports for callers
    //! (tests, embedders) that drive the guest component directly.
    wasmtime::component::bindgen!({
        world: "guest",
        path: "../wit",
        with: {
            "pysock:net/net.socket": crate::net::Socket,
            "pysock:net/tls.config": crate::tls::TlsConfig,
            "pysock:net/tls.connection": crate::tls::TlsConnection,
        },
        trappable_error_type: { "pysock:net/types.errno" => crate::error::NetError },
        imports: { default: trappable },
    });
}

pub mod compose;
mod errno;
mod error;
pub mod net;
pub mod policy;
pub mod runtime;
#[allow(unsafe_code)]
pub mod sys;
pub mod tls;

pub use policy::NetworkPolicy;
pub use tls::DefaultTrust;
use wasmtime::component::{HasData, Linker, ResourceTable};

/// Default limit on sockets one guest may hold open at once.
pub const DEFAULT_MAX_SOCKETS: usize = 1024;

/// Per-store state of the pysock host: the policy, the readiness poller, and the socket count.
pub struct PysockCtx {
    pub(crate) policy: NetworkPolicy,
    pub(crate) poll: mio::Poll,
    pub(crate) events: mio::Events,
    pub(crate) open_sockets: usize,
    pub(crate) max_sockets: usize,
    pub(crate) default_trust: tls::TrustAnchors,
    /// Identities the embedder holds for the guest, by name: (chain PEM, key PEM).
    pub(crate) identities: std::collections::HashMap<String, (Vec<u8>, Vec<u8>)>,
}

impl PysockCtx {
    pub fn builder() -> PysockCtxBuilder {
        PysockCtxBuilder::default()
    }

    /// Sockets the guest holds open now.
    pub fn open_sockets(&self) -> usize {
        self.open_sockets
    }

    pub fn policy(&self) -> &NetworkPolicy {
        &self.policy
    }
}

/// Builds a [`PysockCtx`]. The default denies all network access.
#[derive(Default)]
pub struct PysockCtxBuilder {
    policy: NetworkPolicy,
    max_sockets: Option<usize>,
    default_trust: DefaultTrust,
    identities: std::collections::HashMap<String, (Vec<u8>, Vec<u8>)>,
}

impl PysockCtxBuilder {
    /// What the guest may reach (default: nothing).
    pub fn network(mut self, policy: NetworkPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How many sockets the guest may hold open at once; past it, calls fail with EMFILE.
    pub fn max_sockets(mut self, n: usize) -> Self {
        self.max_sockets = Some(n);
        self
    }

    /// What `ssl.create_default_context()` trusts inside the sandbox (default: nothing, so code must
    /// load its own CAs).
    pub fn default_trust(mut self, trust: DefaultTrust) -> Self {
        self.default_trust = trust;
        self
    }

    /// Registers a TLS identity that sandboxed code can use by name
    /// (`load_cert_chain("pysock-identity:NAME")`) without ever seeing the private key.
    pub fn tls_identity(mut self, name: impl Into<String>, chain_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        self.identities.insert(name.into(), (chain_pem, key_pem));
        self
    }

    pub fn build(self) -> std::io::Result<PysockCtx> {
        Ok(PysockCtx {
            policy: self.policy,
            poll: mio::Poll::new()?,
            events: mio::Events::with_capacity(256),
            open_sockets: 0,
            max_sockets: self.max_sockets.unwrap_or(DEFAULT_MAX_SOCKETS),
            default_trust: tls::TrustAnchors::new(self.default_trust),
            identities: self.identities,
        })
    }
}

/// What the host functions operate on: the context and the store's resource table.
pub struct PysockCtxView<'a> {
    pub ctx: &'a mut PysockCtx,
    pub table: &'a mut ResourceTable,
}

/// Implemented by a store's data type to give pysock its view.
pub trait PysockView: Send {
    fn pysock(&mut self) -> PysockCtxView<'_>;
}

struct Pysock;
impl HasData for Pysock {
    type Data<'a> = PysockCtxView<'a>;
}

/// Adds the `pysock:net` host interfaces to `linker`.
pub fn add_to_linker<T: PysockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    bindings::pysock::net::types::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    bindings::pysock::net::net::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    bindings::pysock::net::tls::add_to_linker::<T, Pysock>(linker, T::pysock)?;
    Ok(())
}
