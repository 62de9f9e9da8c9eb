//! Composes an application component with the pysock guest: the guest's `socket` and `select`
//! exports satisfy the application's imports of them, and what remains (WASI, `pysock:net/net`)
//! is imported from the host.

use anyhow::{Context, Result};
use wac_graph::{CompositionGraph, EncodeOptions, types::Package};

/// Returns the bytes of `app` with `guest` plugged into its pysock imports.
pub fn plug_guest(app: &[u8], guest: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let guest = Package::from_bytes("pysock:guest", None, guest.to_vec(), graph.types_mut())
        .context("the pysock guest is not a valid component")?;
    let guest = graph.register_package(guest)?;
    let app = Package::from_bytes("pysock:app", None, app.to_vec(), graph.types_mut())
        .context("the application is not a valid component")?;
    let app = graph.register_package(app)?;
    wac_graph::plug(&mut graph, vec![guest], app)
        .context(
            "the application imports none of pysock's interfaces (pysock:net/socket, select, ssl) in the \
             version this guest exports; if it was built against another wit/, rebuild it (bash scripts/setup.sh)",
        )?;
    Ok(graph.encode(EncodeOptions { define_components: true, validate: false, ..Default::default() })?)
}
