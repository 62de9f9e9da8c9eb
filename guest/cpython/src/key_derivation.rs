//! The derivations behind `hashlib.pbkdf2_hmac` and `hashlib.scrypt` (RustCrypto's), for
//! `key_derivation.py`, which converts and checks their arguments as CPython and OpenSSL do and
//! calls these with the digest's hashlib name, the bytes, and counts already in range.

use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Calls `$derive::<D>($args)` for the digest hashlib calls `$name` (None for any other): the one
/// list of the digests `pbkdf2_hmac` takes.
macro_rules! by_digest {
    ($name:expr, $derive:ident($($arg:expr),*)) => {
        match $name {
            "md5" => Some($derive::<md5::Md5>($($arg),*)),
            "sha1" => Some($derive::<sha1::Sha1>($($arg),*)),
            "sha224" => Some($derive::<sha2::Sha224>($($arg),*)),
            "sha256" => Some($derive::<sha2::Sha256>($($arg),*)),
            "sha384" => Some($derive::<sha2::Sha384>($($arg),*)),
            "sha512" => Some($derive::<sha2::Sha512>($($arg),*)),
            "sha512_224" => Some($derive::<sha2::Sha512_224>($($arg),*)),
            "sha512_256" => Some($derive::<sha2::Sha512_256>($($arg),*)),
            "sha3_224" => Some($derive::<sha3::Sha3_224>($($arg),*)),
            "sha3_256" => Some($derive::<sha3::Sha3_256>($($arg),*)),
            "sha3_384" => Some($derive::<sha3::Sha3_384>($($arg),*)),
            "sha3_512" => Some($derive::<sha3::Sha3_512>($($arg),*)),
            "blake2b" => Some($derive::<blake2::Blake2b512>($($arg),*)),
            "blake2s" => Some($derive::<blake2::Blake2s256>($($arg),*)),
            _ => None,
        }
    };
}

fn output_size<D: digest::OutputSizeUser>() -> usize {
    D::output_size()
}

/// HMAC as `SimpleHmac` makes it of any digest (SHA-3 and BLAKE2 have no `Hmac` of their own).
fn pbkdf2_into<D: digest::Digest + digest::block_api::BlockSizeUser + Clone + Sync>(password: &[u8], salt: &[u8], iterations: u32, key: &mut [u8]) {
    pbkdf2::pbkdf2::<hmac::SimpleHmac<D>>(password, salt, iterations, key).expect("HMAC takes a key of any length");
}

fn unknown(digest: &str) -> PyErr {
    PyValueError::new_err(format!("pysock: no derivation for the digest {digest:?}"))
}

/// `_digest_size(digest)`: the size of `digest`'s output, pbkdf2_hmac's key length by default.
#[pyfunction]
fn _digest_size(digest: &str) -> PyResult<usize> {
    by_digest!(digest, output_size()).ok_or_else(|| unknown(digest))
}

/// `_pbkdf2_hmac(digest, password, salt, iterations, length)`: PBKDF2 with HMAC over `digest`.
#[pyfunction]
fn _pbkdf2_hmac<'py>(py: Python<'py>, digest: &str, password: &[u8], salt: &[u8], iterations: u32, length: usize) -> PyResult<Bound<'py, PyBytes>> {
    let mut key = buffer(length)?;
    by_digest!(digest, pbkdf2_into(password, salt, iterations, &mut key)).ok_or_else(|| unknown(digest))?;
    Ok(PyBytes::new(py, &key))
}

/// `_scrypt(password, salt, log_n, r, p, length)`: scrypt, with parameters OpenSSL's checks passed
/// (so within `maxmem`, at most 2**31 - 1 bytes). Memory the interpreter cannot have is
/// MemoryError, as where OpenSSL's allocation fails, never an abort.
#[pyfunction]
fn _scrypt<'py>(py: Python<'py>, password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, length: usize) -> PyResult<Bound<'py, PyBytes>> {
    let params = scrypt::Params::new(log_n, r, p).map_err(|e| PyValueError::new_err(format!("pysock: scrypt parameters: {e}")))?;
    // What scrypt allocates: 128 * r bytes per lane, and 128 * r * N for the lane being mixed.
    let lane = 128 * r as usize;
    let needed = (1usize << log_n).checked_mul(lane).and_then(|v| v.checked_add(lane.checked_mul(p as usize + 1)?));
    let mut probe = Vec::<u8>::new();
    probe.try_reserve_exact(needed.ok_or_else(|| PyMemoryError::new_err(()))?).map_err(|_| PyMemoryError::new_err(()))?;
    drop(probe);
    let mut key = buffer(length)?;
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|e| PyValueError::new_err(format!("pysock: scrypt output: {e}")))?;
    Ok(PyBytes::new(py, &key))
}

/// `length` zero bytes, or MemoryError where there is no room for them.
fn buffer(length: usize) -> PyResult<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(length).map_err(|_| PyMemoryError::new_err(()))?;
    bytes.resize(length, 0);
    Ok(bytes)
}

/// `key_derivation.py`, with the derivations in it.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let module = crate::python_module!(py, "key_derivation.py", "_pysock._key_derivation")?;
    module.add_function(wrap_pyfunction!(_digest_size, &module)?)?;
    module.add_function(wrap_pyfunction!(_pbkdf2_hmac, &module)?)?;
    module.add_function(wrap_pyfunction!(_scrypt, &module)?)?;
    Ok(module)
}
