//! The sandboxed interpreter that `host/build.rs` packed into this binary: the CPython component
//! and its standard library, zstd-compressed.
//!
//! The component is unpacked only to compile it (the first run on a machine; later runs load the
//! compiled copy from the cache). The standard library must be a real folder, since the sandbox
//! sees it as the preopened `/python`, so it is unpacked once into the cache folder, named by the
//! digest of what was packed, through a temporary name and one rename: a run that starts while
//! another unpacks never sees half a folder.

#[cfg(pysock_embedded)]
mod packed {
    pub const DIGEST: &str = env!("PYSOCK_EMBEDDED_DIGEST");
    pub const COMPONENT_DIGEST: &str = env!("PYSOCK_EMBEDDED_COMPONENT_DIGEST");
    pub static COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/interpreter.wasm.zst"));
    pub static STDLIB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.zst"));
}

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Identifies what this binary carries (a digest of its contents), or `None` when it was built
/// without `build/python` and carries nothing.
pub fn digest() -> Option<&'static str> {
    #[cfg(pysock_embedded)]
    return Some(packed::DIGEST);
    #[cfg(not(pysock_embedded))]
    None
}

/// Identifies the interpreter component this binary carries, which is all its compiled form depends
/// on; `None` as for [`digest`].
pub fn component_digest() -> Option<&'static str> {
    #[cfg(pysock_embedded)]
    return Some(packed::COMPONENT_DIGEST);
    #[cfg(not(pysock_embedded))]
    None
}

/// The interpreter component's bytes.
pub fn component() -> Result<Vec<u8>> {
    #[cfg(pysock_embedded)]
    return zstd::decode_all(packed::COMPONENT).context("unpacking the interpreter carried in this binary");
    #[cfg(not(pysock_embedded))]
    bail!("{NOT_CARRIED}")
}

const NOT_CARRIED: &str = "this pysock carries no interpreter (build/python was missing when cargo built it): \
    run `bash scripts/setup.sh` in pysock's checkout, then build or install pysock again";

/// How many unpacked standard libraries the cache keeps, for binaries of different builds.
const STDLIBS_KEPT: usize = 2;

/// The folder holding the carried standard library, unpacking it under `cache_dir` if this is the
/// first run of this build.
pub fn stdlib(cache_dir: &Path) -> Result<PathBuf> {
    let Some(digest) = digest() else { bail!("{NOT_CARRIED}") };
    let folder = cache_dir.join(format!("stdlib-{digest}"));
    if folder.is_dir() {
        crate::runtime::mark_used(&folder);
        return Ok(folder);
    }
    std::fs::create_dir_all(cache_dir).with_context(|| format!("cannot create the cache folder {}", cache_dir.display()))?;
    let partial = cache_dir.join(format!(".stdlib-{digest}.{}", std::process::id()));
    let unpacked = unpack(&partial);
    if let Err(e) = unpacked.and_then(|()| Ok(std::fs::rename(&partial, &folder)?)) {
        let _ = std::fs::remove_dir_all(&partial);
        // Another run may have unpacked the same library first: then its folder serves.
        if !folder.is_dir() {
            return Err(e.context(format!("cannot unpack the standard library into {}", cache_dir.display())));
        }
    }
    crate::runtime::prune_oldest(cache_dir, STDLIBS_KEPT, |name| name.starts_with("stdlib-"));
    Ok(folder)
}

fn unpack(into: &Path) -> Result<()> {
    #[cfg(not(pysock_embedded))]
    let archive: Vec<u8> = {
        let _ = into;
        bail!("{NOT_CARRIED}")
    };
    #[cfg(pysock_embedded)]
    let archive = zstd::decode_all(packed::STDLIB)?;
    // Records of (u32 name length, name, u64 length, bytes), as host/build.rs writes them.
    let mut rest = archive.as_slice();
    while !rest.is_empty() {
        let name_len = u32::from_le_bytes(field(&mut rest, 4)?.try_into()?) as usize;
        let name = std::str::from_utf8(field(&mut rest, name_len)?)?.to_owned();
        let size = u64::from_le_bytes(field(&mut rest, 8)?.try_into()?);
        let bytes = field(&mut rest, usize::try_from(size)?)?;
        let path = into.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    Ok(())
}

fn field<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
    let (head, tail) = rest.split_at_checked(n).context("the carried standard library is truncated")?;
    *rest = tail;
    Ok(head)
}
