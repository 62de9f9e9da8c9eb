//! `_lzma`, the module under the stdlib's `lzma` (and so `tarfile`'s "r:xz", `shutil`'s xztar
//! archives, `zipfile`'s LZMA members): CPython builds it from liblzma (XZ Utils), which WASI
//! CPython lacks, so `import lzma` failed in the sandbox. Here the streams are `lzma-rust2`'s, a
//! Rust port of XZ for Java, in the interpreter's memory, behind the classes and functions of
//! CPython's `Modules/_lzmamodule.c`: the same arguments, checks, filter specifiers, `check`,
//! `max_length`, `needs_input` and `unused_data` rules ([`crate::decompression`]), and liblzma's
//! errors as CPython words them.
//!
//! What differs from liblzma: the compressed bytes (another encoder; any XZ or .lzma decoder reads
//! them, and these decoders read liblzma's), the match finders (MF_HC3 and MF_BT2/MF_BT3 search as
//! MF_HC4 and MF_BT4 do; PRESET_EXTREME compresses as its preset without it), and chains of more
//! than one delta or branch filter (BCJ): an XZ block with two or three is refused both ways,
//! and a raw stream decodes only when all but the last of them are delta filters (LZMAError
//! "Invalid or unsupported options" otherwise). One such filter before LZMA1 or LZMA2 works in
//! every container.

use crate::buffer::with_bytes;
use crate::convert::{Optional, c_int, exact_arguments, ssize};
use crate::decompression::{Decoder, Decompression, Step, set_attribute};
use lzma_rust2::filter::{FilterConfig, FilterType, StreamFilter};
use lzma_rust2::{
    Action, CheckType, EncodeMode, Lzma2Options, Lzma2Stream, Lzma2Writer, LzmaOptions, LzmaStream, LzmaWriter, MfType, Status, StreamResult, XzOptions,
    XzStream, XzWriter,
};
use pyo3::exceptions::{PyException, PyMemoryError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyMapping, PyString, PyTuple};
use lzma_rust2::filter::bcj::BcjWriter;
use lzma_rust2::filter::delta::DeltaWriter;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

pyo3::create_exception!(_lzma, LZMAError, PyException, "Call to liblzma failed.");

const FORMAT_AUTO: i32 = 0;
const FORMAT_XZ: i32 = 1;
const FORMAT_ALONE: i32 = 2;
const FORMAT_RAW: i32 = 3;
const CHECK_NONE: i32 = 0;
const CHECK_CRC64: i32 = 4;
const CHECK_ID_MAX: i32 = 15;
const CHECK_UNKNOWN: i32 = 16;
const FILTER_LZMA1: u64 = 0x4000_0000_0000_0001;
const FILTER_LZMA2: u64 = 0x21;
const FILTER_DELTA: u64 = 0x03;
const PRESET_DEFAULT: u32 = 6;
const PRESET_EXTREME: u32 = 0x8000_0000;
/// liblzma's most filters in a chain.
const FILTERS_MAX: usize = 4;
/// The smallest dictionary liblzma's encoders take.
const DICT_SIZE_MIN: u32 = 4096;

/// The module's constants, as liblzma numbers them.
const CONSTANTS: [(&str, i64); 28] = [
    ("FORMAT_AUTO", FORMAT_AUTO as i64),
    ("FORMAT_XZ", FORMAT_XZ as i64),
    ("FORMAT_ALONE", FORMAT_ALONE as i64),
    ("FORMAT_RAW", FORMAT_RAW as i64),
    ("CHECK_NONE", CHECK_NONE as i64),
    ("CHECK_CRC32", 1),
    ("CHECK_CRC64", CHECK_CRC64 as i64),
    ("CHECK_SHA256", 10),
    ("CHECK_ID_MAX", CHECK_ID_MAX as i64),
    ("CHECK_UNKNOWN", CHECK_UNKNOWN as i64),
    ("FILTER_LZMA1", FILTER_LZMA1 as i64),
    ("FILTER_LZMA2", FILTER_LZMA2 as i64),
    ("FILTER_DELTA", FILTER_DELTA as i64),
    ("FILTER_X86", 0x04),
    ("FILTER_IA64", 0x06),
    ("FILTER_ARM", 0x07),
    ("FILTER_ARMTHUMB", 0x08),
    ("FILTER_SPARC", 0x09),
    ("FILTER_POWERPC", 0x05),
    ("MF_HC3", 0x03),
    ("MF_HC4", 0x04),
    ("MF_BT2", 0x12),
    ("MF_BT3", 0x13),
    ("MF_BT4", 0x14),
    ("MODE_FAST", 1),
    ("MODE_NORMAL", 2),
    ("PRESET_DEFAULT", PRESET_DEFAULT as i64),
    ("PRESET_EXTREME", PRESET_EXTREME as i64),
];

/// liblzma's return codes that CPython's `catch_lzma_error` turns into exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LzmaRet {
    UnsupportedCheck,
    MemLimit,
    Format,
    Options,
    Data,
    Prog,
}

impl From<LzmaRet> for PyErr {
    fn from(ret: LzmaRet) -> PyErr {
        LZMAError::new_err(match ret {
            LzmaRet::UnsupportedCheck => "Unsupported integrity check",
            LzmaRet::MemLimit => "Memory usage limit exceeded",
            LzmaRet::Format => "Input format not supported by decoder",
            LzmaRet::Options => "Invalid or unsupported options",
            LzmaRet::Data => "Corrupt input data",
            LzmaRet::Prog => "Internal error",
        })
    }
}

/// A decoder's error as liblzma would have returned it: a memory limit, a header that names no
/// format it knows (`unknown_format`), options it does not support, or corrupt data.
fn decode_error(e: std::io::Error, unknown_format: bool) -> PyErr {
    use std::io::ErrorKind;
    let words = e.to_string();
    match e.kind() {
        ErrorKind::OutOfMemory if words.contains("limit") => LzmaRet::MemLimit.into(),
        // A block of an XZ stream with more than one delta or branch filter, which the decoder
        // cannot undo (see the module docs).
        _ if words.contains("multiple non-LZMA2 filters") => LzmaRet::Options.into(),
        ErrorKind::OutOfMemory => PyMemoryError::new_err(()),
        _ if unknown_format => LzmaRet::Format.into(),
        ErrorKind::Unsupported => LzmaRet::Options.into(),
        _ => LzmaRet::Data.into(),
    }
}

/// `PyLong_AsUnsignedLongLong`: an int (no `__index__`), not negative, within 64 bits.
fn unsigned_long_long(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    if !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err("an integer is required"));
    }
    if obj.lt(0)? {
        return Err(PyOverflowError::new_err("can't convert negative int to unsigned"));
    }
    obj.extract::<u64>().map_err(|_| PyOverflowError::new_err("int too big to convert"))
}

/// CPython's `uint32_converter` (and its `lzma_mode`, `lzma_match_finder` ones).
fn uint32(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    u32::try_from(unsigned_long_long(obj)?).map_err(|_| PyOverflowError::new_err("Value too large for uint32_t type"))
}

/// The options of an LZMA1 or LZMA2 filter, as liblzma's `lzma_options_lzma` holds them.
#[derive(Clone, Debug)]
struct LzmaSpec {
    dict_size: u32,
    lc: u32,
    lp: u32,
    pb: u32,
    mode: u32,
    nice_len: u32,
    mf: u32,
    depth: u32,
}

impl LzmaSpec {
    /// `lzma_lzma_preset`: None for a preset it refuses.
    fn preset(preset: u32) -> Option<LzmaSpec> {
        let level = preset & !PRESET_EXTREME;
        if level > 9 {
            return None;
        }
        let options = LzmaOptions::with_preset(level);
        let (mode, mf) = if level <= 3 { (1, 0x04) } else { (2, 0x14) };
        Some(LzmaSpec { dict_size: options.dict_size, lc: 3, lp: 0, pb: 2, mode, nice_len: options.nice_len, mf, depth: 0 })
    }

    /// What liblzma's encoders check before they start (`is_lclppb_valid`, the dictionary, the
    /// nice length, the mode and the match finder).
    fn valid_for_encoding(&self) -> bool {
        self.lc <= 4
            && self.lp <= 4
            && self.lc + self.lp <= 4
            && self.pb <= 4
            && (DICT_SIZE_MIN..=(1 << 30) + (1 << 29)).contains(&self.dict_size)
            && (2..=273).contains(&self.nice_len)
            && (1..=2).contains(&self.mode)
            && [0x03, 0x04, 0x12, 0x13, 0x14].contains(&self.mf)
    }

    /// The encoder's options: the hash-chain finders search as HC4 does, the binary trees as BT4.
    /// MemoryError when the interpreter has no room for the encoder: `lzma-rust2` allocates its
    /// window and match finder infallibly (an abort, where liblzma returns LZMA_MEM_ERROR), so
    /// about what it will take (ten times the dictionary for binary trees, six for hash chains,
    /// as liblzma counts them) is asked for first, and given back.
    fn options(&self) -> PyResult<LzmaOptions> {
        let per_byte = if self.mf < 0x10 { 6 } else { 10 };
        let needed = (self.dict_size as usize).checked_mul(per_byte).and_then(|n| n.checked_add(1 << 20));
        let mut probe = Vec::<u8>::new();
        probe.try_reserve_exact(needed.ok_or_else(|| PyMemoryError::new_err(()))?).map_err(|_| PyMemoryError::new_err(()))?;
        drop(probe);
        let mode = if self.mode == 1 { EncodeMode::Fast } else { EncodeMode::Normal };
        let mf = if self.mf < 0x10 { MfType::Hc4 } else { MfType::Bt4 };
        let mut options = LzmaOptions::new(self.dict_size, self.lc, self.lp, self.pb, mode, self.nice_len.max(8), mf, self.depth as i32);
        if self.depth == 0 {
            options.depth_limit = LzmaOptions::with_preset(6).depth_limit;
        }
        Ok(options)
    }

    /// LZMA1's properties byte.
    fn props_byte(&self) -> u8 {
        ((self.pb * 5 + self.lp) * 9 + self.lc) as u8
    }
}

/// One filter of a chain, as a filter specifier (a dict) gives it.
#[derive(Clone, Debug)]
enum Filter {
    Lzma1(LzmaSpec),
    Lzma2(LzmaSpec),
    Delta(u32),
    /// A branch filter: its ID and start offset.
    Bcj(u64, u32),
}

impl Filter {
    /// A delta or branch filter as `lzma-rust2` configures one.
    fn pre_filter(&self) -> Option<FilterConfig> {
        match self {
            Filter::Delta(dist) => Some(FilterConfig { filter_type: FilterType::Delta, property: *dist }),
            Filter::Bcj(id, start) => Some(FilterConfig { filter_type: FilterType::try_from(*id).ok()?, property: *start }),
            _ => None,
        }
    }
}

/// Takes `spec[key]` for each key the filter knows, refusing any other key with `refusal`.
fn spec_items<'py>(spec: &Bound<'py, PyAny>, known: &[&str], refusal: &'static str) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
    let mut items = Vec::new();
    for key in spec.call_method0("keys")?.try_iter()? {
        let key = key?;
        let name = key.cast::<PyString>().ok().and_then(|k| k.to_str().ok().map(str::to_owned));
        match name {
            Some(name) if known.contains(&name.as_str()) => items.push((name, spec.get_item(&key)?)),
            _ => return Err(PyValueError::new_err(refusal)),
        }
    }
    Ok(items)
}

/// CPython's `lzma_filter_converter`: a filter specifier (a dict with an "id") as a filter.
fn filter_from_spec(spec: &Bound<'_, PyAny>) -> PyResult<Filter> {
    if spec.cast::<PyMapping>().is_err() && spec.cast::<PyDict>().is_err() {
        return Err(PyTypeError::new_err("Filter specifier must be a dict or dict-like object"));
    }
    let id = match spec.get_item("id") {
        Ok(id) => unsigned_long_long(&id)?,
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(spec.py()) => {
            return Err(PyValueError::new_err("Filter specifier must have an \"id\" entry"));
        }
        Err(e) => return Err(e),
    };
    match id {
        FILTER_LZMA1 | FILTER_LZMA2 => {
            let preset = match spec.get_item("preset") {
                Ok(preset) => uint32(&preset)?,
                Err(_) => PRESET_DEFAULT,
            };
            let mut options = LzmaSpec::preset(preset).ok_or_else(|| LZMAError::new_err(format!("Invalid compression preset: {preset}")))?;
            let refusal = "Invalid filter specifier for LZMA filter";
            let known = ["id", "preset", "dict_size", "lc", "lp", "pb", "mode", "nice_len", "mf", "depth"];
            for (name, value) in spec_items(spec, &known, refusal)? {
                let field = match name.as_str() {
                    "dict_size" => &mut options.dict_size,
                    "lc" => &mut options.lc,
                    "lp" => &mut options.lp,
                    "pb" => &mut options.pb,
                    "mode" => &mut options.mode,
                    "nice_len" => &mut options.nice_len,
                    "mf" => &mut options.mf,
                    "depth" => &mut options.depth,
                    _ => continue,
                };
                *field = uint32(&value).map_err(|_| PyValueError::new_err(refusal))?;
            }
            Ok(if id == FILTER_LZMA1 { Filter::Lzma1(options) } else { Filter::Lzma2(options) })
        }
        FILTER_DELTA => {
            let refusal = "Invalid filter specifier for delta filter";
            let mut dist = 1;
            for (_, value) in spec_items(spec, &["id", "dist"], refusal)?.into_iter().filter(|(name, _)| name == "dist") {
                dist = uint32(&value).map_err(|_| PyValueError::new_err(refusal))?;
            }
            Ok(Filter::Delta(dist))
        }
        0x04..=0x09 => {
            let refusal = "Invalid filter specifier for BCJ filter";
            let mut start = 0;
            for (_, value) in spec_items(spec, &["id", "start_offset"], refusal)?.into_iter().filter(|(name, _)| name == "start_offset") {
                start = uint32(&value).map_err(|_| PyValueError::new_err(refusal))?;
            }
            Ok(Filter::Bcj(id, start))
        }
        _ => Err(PyValueError::new_err(format!("Invalid filter ID: {id}"))),
    }
}

/// CPython's `parse_filter_chain_spec`: a sequence of filter specifiers.
fn filter_chain(specs: &Bound<'_, PyAny>) -> PyResult<Vec<Filter>> {
    if !crate::buffer::is_sequence(specs) {
        return Err(PyTypeError::new_err(format!("{} is not a sequence", crate::convert::type_name(specs))));
    }
    let count = specs.len()?;
    if count > FILTERS_MAX {
        return Err(PyValueError::new_err(format!("Too many filters - liblzma supports a maximum of {FILTERS_MAX}")));
    }
    (0..count).map(|i| filter_from_spec(&specs.get_item(i)?)).collect()
}

/// A chain liblzma's encoders take: pre-filters, then LZMA1 or LZMA2 last, with valid options.
fn encodable(chain: &[Filter]) -> Result<(&[Filter], &Filter), LzmaRet> {
    let Some((last, pre)) = chain.split_last() else {
        return Err(LzmaRet::Prog);
    };
    let options = match last {
        Filter::Lzma1(options) | Filter::Lzma2(options) => options,
        _ => return Err(LzmaRet::Options),
    };
    if !options.valid_for_encoding() || pre.iter().any(|f| f.pre_filter().is_none()) {
        return Err(LzmaRet::Options);
    }
    Ok((pre, last))
}

/// Where an encoder chain's last stage writes: a buffer each `compress` call empties.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One stage of an encoder chain (a delta or branch filter, or the LZMA encoder under them):
/// bytes written go through it to the stage below, and finishing it finishes those below.
trait Stage: Write {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()>;
}

impl Stage for XzWriter<Sink> {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()> {
        self.finish().map(drop)
    }
}

impl Stage for LzmaWriter<Sink> {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()> {
        self.finish().map(drop)
    }
}

impl Stage for Lzma2Writer<Sink> {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()> {
        self.finish().map(drop)
    }
}

impl Stage for DeltaWriter<Box<dyn Stage>> {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()> {
        self.into_inner().finish_stage()
    }
}

impl Stage for BcjWriter<Box<dyn Stage>> {
    fn finish_stage(self: Box<Self>) -> std::io::Result<()> {
        self.finish()?.finish_stage()
    }
}

/// A raw chain's delta or branch filter, in front of `below`.
fn pre_stage(filter: &Filter, below: Box<dyn Stage>) -> Box<dyn Stage> {
    let start = |offset: u32| offset as usize;
    match *filter {
        Filter::Delta(dist) => Box::new(DeltaWriter::new(below, dist as usize)),
        Filter::Bcj(0x05, offset) => Box::new(BcjWriter::new_ppc(below, start(offset))),
        Filter::Bcj(0x06, offset) => Box::new(BcjWriter::new_ia64(below, start(offset))),
        Filter::Bcj(0x07, offset) => Box::new(BcjWriter::new_arm(below, start(offset))),
        Filter::Bcj(0x08, offset) => Box::new(BcjWriter::new_arm_thumb(below, start(offset))),
        Filter::Bcj(0x09, offset) => Box::new(BcjWriter::new_sparc(below, start(offset))),
        Filter::Bcj(_, offset) => Box::new(BcjWriter::new_x86(below, start(offset))),
        Filter::Lzma1(_) | Filter::Lzma2(_) => below,
    }
}

/// The encoder behind a compressor: the first stage of its chain, and the buffer the last fills.
struct Encoder {
    first: Box<dyn Stage>,
    sink: Sink,
}

impl Encoder {
    fn xz(check: i32, chain: Option<&[Filter]>, preset: u32) -> PyResult<Encoder> {
        let check = match check {
            0 => CheckType::None,
            1 => CheckType::Crc32,
            4 => CheckType::Crc64,
            10 => CheckType::Sha256,
            0..=CHECK_ID_MAX => return Err(LzmaRet::UnsupportedCheck.into()),
            _ => return Err(LzmaRet::Prog.into()),
        };
        let mut options = match chain {
            None => XzOptions { lzma_options: LzmaSpec::preset(preset).ok_or(LzmaRet::Options)?.options()?, ..XzOptions::default() },
            Some(chain) => {
                let (pre, last) = encodable(chain)?;
                // LZMA1 in an XZ stream is a programming error to liblzma 5, not an option.
                let Filter::Lzma2(options) = last else {
                    return Err(LzmaRet::Prog.into());
                };
                // What this module could not read back, it does not write.
                if pre.len() > 1 {
                    return Err(LzmaRet::Options.into());
                }
                XzOptions { lzma_options: options.options()?, filters: pre.iter().filter_map(Filter::pre_filter).collect(), ..XzOptions::default() }
            }
        };
        options.check_type = check;
        let sink = Sink::default();
        let writer = XzWriter::new(sink.clone(), options).map_err(|_| LzmaRet::Options)?;
        Ok(Encoder { first: Box::new(writer), sink })
    }

    fn alone(chain: Option<&[Filter]>, preset: u32) -> PyResult<Encoder> {
        let options = match chain {
            None => LzmaSpec::preset(preset).ok_or_else(|| LZMAError::new_err(format!("Invalid compression preset: {preset}")))?,
            Some([Filter::Lzma1(options)]) => options.clone(),
            Some(_) => return Err(PyValueError::new_err("Invalid filter chain for FORMAT_ALONE - must be a single LZMA1 filter")),
        };
        if !options.valid_for_encoding() {
            return Err(LzmaRet::Options.into());
        }
        let sink = Sink::default();
        let writer = LzmaWriter::new_use_header(sink.clone(), &options.options()?, None).map_err(|_| LzmaRet::Options)?;
        Ok(Encoder { first: Box::new(writer), sink })
    }

    fn raw(chain: &[Filter]) -> PyResult<Encoder> {
        let (pre, last) = encodable(chain)?;
        let sink = Sink::default();
        let mut stage: Box<dyn Stage> = match last {
            Filter::Lzma1(options) => Box::new(LzmaWriter::new_no_header(sink.clone(), &options.options()?, true).map_err(|_| LzmaRet::Options)?),
            Filter::Lzma2(options) => Box::new(Lzma2Writer::new(sink.clone(), Lzma2Options { lzma_options: options.options()?, chunk_size: None })),
            _ => unreachable!("encodable() ends a chain with LZMA1 or LZMA2"),
        };
        for filter in pre.iter().rev() {
            stage = pre_stage(filter, stage);
        }
        Ok(Encoder { first: stage, sink })
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.first.write_all(data)
    }

    /// What the chain has written so far, taken out of its buffer.
    fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.sink.0.borrow_mut())
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        self.first.finish_stage()?;
        Ok(self.sink.0.take())
    }
}

/// LZMACompressor(format=FORMAT_XZ, check=-1, preset=None, filters=None)
///
/// Create a compressor object for compressing data incrementally.
///
/// format specifies the container format to use for the output. This can
/// be FORMAT_XZ (default), FORMAT_ALONE, or FORMAT_RAW.
///
/// check specifies the integrity check to use. For FORMAT_XZ, the default
/// is CHECK_CRC64. FORMAT_ALONE and FORMAT_RAW do not support integrity
/// checks; for these formats, check must be omitted, or be CHECK_NONE.
///
/// The settings used by the compressor can be specified either as a
/// preset compression level (with the 'preset' argument), or in detail
/// as a custom filter chain (with the 'filters' argument). For FORMAT_XZ
/// and FORMAT_ALONE, the default is to use the PRESET_DEFAULT preset
/// level. For FORMAT_RAW, the caller must always specify a filter chain;
/// the raw compressor does not support preset compression levels.
///
/// preset (if provided) should be an integer in the range 0-9, optionally
/// OR-ed with the constant PRESET_EXTREME.
///
/// filters (if provided) should be a sequence of dicts. Each dict should
/// have an entry for "id" indicating the ID of the filter, plus
/// additional entries for options to the filter.
///
/// For one-shot compression, use the compress() function instead.
#[pyclass(module = "_lzma", name = "LZMACompressor", unsendable)]
pub struct Compressor {
    /// None once flushed.
    encoder: Option<Encoder>,
}

#[pymethods]
impl Compressor {
    #[new]
    #[pyo3(signature = (format = Optional::Missing, check = Optional::Missing, preset = None, filters = None))]
    fn new(format: Optional<'_>, check: Optional<'_>, preset: Option<&Bound<'_, PyAny>>, filters: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let format = format.convert(|f| c_int(f))?.unwrap_or(FORMAT_XZ);
        let check = check.convert(|c| c_int(c))?.unwrap_or(-1);
        let preset = preset.filter(|p| !p.is_none());
        let filters = filters.filter(|f| !f.is_none());
        if format != FORMAT_XZ && check != -1 && check != CHECK_NONE {
            return Err(PyValueError::new_err("Integrity checks are only supported by FORMAT_XZ"));
        }
        if preset.is_some() && filters.is_some() {
            return Err(PyValueError::new_err("Cannot specify both preset and filter chain"));
        }
        let preset = preset.map(uint32).transpose()?.unwrap_or(PRESET_DEFAULT);
        let encoder = match format {
            FORMAT_XZ => {
                let chain = filters.map(filter_chain).transpose()?;
                Encoder::xz(if check == -1 { CHECK_CRC64 } else { check }, chain.as_deref(), preset)?
            }
            FORMAT_ALONE => Encoder::alone(filters.map(filter_chain).transpose()?.as_deref(), preset)?,
            FORMAT_RAW => match filters {
                None => return Err(PyValueError::new_err("Must specify filters for FORMAT_RAW")),
                Some(filters) => Encoder::raw(&filter_chain(filters)?)?,
            },
            _ => return Err(PyValueError::new_err(format!("Invalid container format: {format}"))),
        };
        Ok(Compressor { encoder: Some(encoder) })
    }

    /// Provide data to the compressor object.
    ///
    /// Returns a chunk of compressed data if possible, or b'' otherwise.
    ///
    /// When you have finished providing data to the compressor, call the
    /// flush() method to finish the compression process.
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, data, /)")]
    fn compress<'py>(&mut self, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyBytes>> {
        let py = args.py();
        let args = exact_arguments("LZMACompressor.compress", args, kwargs, 1)?;
        let out = with_bytes(&args[0], |data| {
            let encoder = self.encoder.as_mut().ok_or_else(|| PyValueError::new_err("Compressor has been flushed"))?;
            encoder.write(data).map_err(|_| PyErr::from(LzmaRet::Prog))?;
            Ok::<_, PyErr>(encoder.take_output())
        })??;
        Ok(PyBytes::new(py, &out))
    }

    /// Finish the compression process.
    ///
    /// Returns the compressed data left in internal buffers.
    ///
    /// The compressor object may not be used after this method is called.
    #[pyo3(signature = (*args, **kwargs), text_signature = "($self, /)")]
    fn flush<'py>(&mut self, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyBytes>> {
        exact_arguments("LZMACompressor.flush", args, kwargs, 0)?;
        let encoder = self.encoder.take().ok_or_else(|| PyValueError::new_err("Repeated call to flush()"))?;
        let out = encoder.finish().map_err(|_| PyErr::from(LzmaRet::Prog))?;
        Ok(PyBytes::new(args.py(), &out))
    }
}

/// The .lzma header's size: the properties byte, the dictionary size, the uncompressed size.
const ALONE_HEADER: usize = 13;

/// The stream a decompressor reads.
enum Stream {
    /// FORMAT_AUTO before its first byte, which tells XZ (0xFD) from .lzma, as liblzma's
    /// `lzma_auto_decoder` tells them.
    Auto { memlimit_kb: u32, memlimit: u64 },
    Xz(XzStream),
    /// A .lzma stream, with its first bytes seen so far, checked as liblzma checks them.
    Alone { stream: LzmaStream, header: Vec<u8>, memlimit: u64 },
    /// A raw stream, and the delta filters further out than the one filter it undoes itself,
    /// innermost first.
    RawLzma1(LzmaStream, Vec<StreamFilter>),
    RawLzma2(Lzma2Stream, Vec<StreamFilter>),
}

/// What liblzma's .lzma decoder refuses in a header as each field arrives (its `picky` checks,
/// which `lzma_alone_decoder` and `lzma_auto_decoder` make), a memory limit the stream would pass,
/// and a range coder whose first byte is not 0. `seen` is the stream's start, up to 14 bytes.
fn check_alone_start(seen: &[u8], memlimit: u64) -> Result<(), LzmaRet> {
    let Some(&props) = seen.first() else {
        return Ok(());
    };
    let (lc, lp) = (props as u32 % 9, props as u32 / 9 % 5);
    if props > (4 * 5 + 4) * 9 + 8 || lc + lp > 4 {
        return Err(LzmaRet::Format);
    }
    let Some(dict_size) = seen.get(1..5).map(|b| u32::from_le_bytes(b.try_into().expect("four bytes"))) else {
        return Ok(());
    };
    if dict_size != u32::MAX {
        // A power of two, or one and a half of one, as liblzma's encoders write.
        let mut d = dict_size.wrapping_sub(1);
        for shift in [2, 3, 4, 8, 16] {
            d |= d >> shift;
        }
        if d.wrapping_add(1) != dict_size {
            return Err(LzmaRet::Format);
        }
    }
    let Some(size) = seen.get(5..13).map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes"))) else {
        return Ok(());
    };
    if size != u64::MAX && size >= 1 << 38 {
        return Err(LzmaRet::Format);
    }
    // liblzma's count: the dictionary, the literal coder's probabilities and a fixed part.
    let needed = dict_size as u64 + (0x300u64 << (lc + lp)) * 2 + 60 * 1024;
    if needed > memlimit {
        return Err(LzmaRet::MemLimit);
    }
    match seen.get(ALONE_HEADER) {
        Some(0) | None => Ok(()),
        Some(_) => Err(LzmaRet::Data),
    }
}

/// A decompressor's stream and the `check` it has read.
struct LzmaDecoder {
    stream: Stream,
    check: i32,
}

impl Decoder for LzmaDecoder {
    const HOLDS_OUTPUT: bool = true;

    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> PyResult<Step> {
        if let Stream::Auto { memlimit_kb, memlimit } = self.stream {
            match input.first() {
                None => return Ok(Step { consumed: 0, ended: false }),
                Some(0xFD) => self.stream = Stream::Xz(XzStream::new_mem_limit(false, memlimit_kb)),
                Some(_) => {
                    // liblzma's auto decoder reports a .lzma stream as one without a check.
                    self.check = CHECK_NONE;
                    self.stream = alone_stream(memlimit_kb, memlimit);
                }
            }
        }
        let produced = out.len();
        out.resize(out.capacity(), 0);
        let output = &mut out[produced..];
        let result = match &mut self.stream {
            Stream::Auto { .. } => unreachable!("decided above"),
            Stream::Xz(stream) => {
                let result = stream.process(input, output, Action::Run).map_err(|e| {
                    let unknown_format = e.to_string().contains("magic");
                    decode_error(e, unknown_format)
                });
                if let Some(check) = stream.check_type() {
                    self.check = check as i32;
                }
                result
            }
            Stream::Alone { stream, header, memlimit } => {
                let missing = ALONE_HEADER + 1 - header.len();
                if missing > 0 && !input.is_empty() {
                    header.extend_from_slice(&input[..missing.min(input.len())]);
                    check_alone_start(header, *memlimit)?;
                }
                let in_header = stream.total_in() < ALONE_HEADER as u64;
                stream.process(input, output, Action::Run).map_err(|e| decode_error(e, in_header))
            }
            Stream::RawLzma1(stream, outer) => raw_process(stream.process(input, output, Action::Run), output, outer),
            Stream::RawLzma2(stream, outer) => raw_process(stream.process(input, output, Action::Run), output, outer),
        };
        let result = result.inspect_err(|_| out.truncate(produced))?;
        out.truncate(produced + result.bytes_produced);
        Ok(Step { consumed: result.bytes_consumed, ended: result.status == Status::StreamEnd })
    }
}

fn alone_stream(memlimit_kb: u32, memlimit: u64) -> Stream {
    Stream::Alone { stream: LzmaStream::new_mem_limit(memlimit_kb, None), header: Vec::with_capacity(ALONE_HEADER + 1), memlimit }
}

/// A raw stream's step, with the delta filters further out undone on what it produced (a delta
/// filter holds nothing back, so every byte is settled at once).
fn raw_process(result: std::io::Result<StreamResult>, output: &mut [u8], outer: &mut [StreamFilter]) -> PyResult<StreamResult> {
    let result = result.map_err(|e| decode_error(e, false))?;
    for filter in outer {
        filter.decode(&mut output[..result.bytes_produced]);
    }
    Ok(result)
}

/// A raw stream for a filter chain: delta filters, then a delta or branch filter, then LZMA1 or
/// LZMA2. (A branch filter further out would hold bytes back across calls; such chains are
/// refused, LZMAError "Invalid or unsupported options".)
fn raw_stream(chain: &[Filter]) -> PyResult<Stream> {
    let Some((last, pre)) = chain.split_last() else {
        return Err(LzmaRet::Prog.into());
    };
    let pre: Vec<FilterConfig> = pre.iter().map(|f| f.pre_filter().ok_or(LzmaRet::Options)).collect::<Result<_, _>>()?;
    let (adjacent, outer) = match pre.split_last() {
        Some((adjacent, outer)) => (vec![adjacent.clone()], outer),
        None => (Vec::new(), &[][..]),
    };
    let outer = outer
        .iter()
        .rev()
        .map(|f| match f.filter_type {
            FilterType::Delta => StreamFilter::new(f).map_err(|_| LzmaRet::Options),
            _ => Err(LzmaRet::Options),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stream = match last {
        Filter::Lzma1(o) => {
            let mut stream = LzmaStream::new(u64::MAX, o.lc, o.lp, o.pb, o.dict_size, None).map_err(|_| LzmaRet::Options)?;
            stream.set_filters(&adjacent).map_err(|_| LzmaRet::Options)?;
            Stream::RawLzma1(stream, outer)
        }
        Filter::Lzma2(o) => {
            let mut stream = Lzma2Stream::new(o.dict_size);
            stream.set_filters(&adjacent).map_err(|_| LzmaRet::Options)?;
            Stream::RawLzma2(stream, outer)
        }
        _ => return Err(LzmaRet::Options.into()),
    };
    Ok(stream)
}

/// Create a decompressor object for decompressing data incrementally.
///
///   format
///     Specifies the container format of the input stream.  If this is
///     FORMAT_AUTO (the default), the decompressor will automatically detect
///     whether the input is FORMAT_XZ or FORMAT_ALONE.  Streams created with
///     FORMAT_RAW cannot be autodetected.
///   memlimit
///     Limit the amount of memory used by the decompressor.  This will cause
///     decompression to fail if the input cannot be decompressed within the
///     given limit.
///   filters
///     A custom filter chain.  This argument is required for FORMAT_RAW, and
///     not accepted with any other format.  When provided, this should be a
///     sequence of dicts, each indicating the ID and options for a single
///     filter.
///
/// For one-shot decompression, use the decompress() function instead.
#[pyclass(module = "_lzma", name = "LZMADecompressor", unsendable)]
pub struct Decompressor(Decompression<LzmaDecoder>);

/// The decompressor's members, which CPython declares `READONLY`.
const MEMBERS: [&str; 4] = ["check", "eof", "needs_input", "unused_data"];

#[pymethods]
impl Decompressor {
    #[new]
    #[pyo3(signature = (format = Optional::Missing, memlimit = None, filters = None), text_signature = "(format=FORMAT_AUTO, memlimit=None, filters=None)")]
    fn new(py: Python<'_>, format: Optional<'_>, memlimit: Option<&Bound<'_, PyAny>>, filters: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let format = format.convert(|f| c_int(f))?.unwrap_or(FORMAT_AUTO);
        let memlimit = memlimit.filter(|m| !m.is_none());
        let filters = filters.filter(|f| !f.is_none());
        let memlimit = match memlimit {
            Some(_) if format == FORMAT_RAW => return Err(PyValueError::new_err("Cannot specify memory limit with FORMAT_RAW")),
            Some(limit) => unsigned_long_long(limit)?,
            None => u64::MAX,
        };
        match (format == FORMAT_RAW, filters.is_some()) {
            (true, false) => return Err(PyValueError::new_err("Must specify filters for FORMAT_RAW")),
            (false, true) => return Err(PyValueError::new_err("Cannot specify filters except with FORMAT_RAW")),
            _ => {}
        }
        let memlimit_kb = u32::try_from(memlimit / 1024).unwrap_or(u32::MAX);
        let (stream, check) = match format {
            FORMAT_AUTO => (Stream::Auto { memlimit_kb, memlimit }, CHECK_UNKNOWN),
            FORMAT_XZ => (Stream::Xz(XzStream::new_mem_limit(false, memlimit_kb)), CHECK_UNKNOWN),
            FORMAT_ALONE => (alone_stream(memlimit_kb, memlimit), CHECK_NONE),
            FORMAT_RAW => (raw_stream(&filter_chain(filters.expect("checked above"))?)?, CHECK_NONE),
            _ => return Err(PyValueError::new_err(format!("Invalid container format: {format}"))),
        };
        Ok(Decompressor(Decompression::new(py, LzmaDecoder { stream, check })))
    }

    /// Decompress *data*, returning uncompressed data as bytes.
    ///
    /// If *max_length* is nonnegative, returns at most *max_length* bytes of
    /// decompressed data. If this limit is reached and further output can be
    /// produced, *self.needs_input* will be set to ``False``. In this case, the next
    /// call to *decompress()* may provide *data* as b'' to obtain more of the output.
    ///
    /// If all of the input data was decompressed and returned (either because this
    /// was less than *max_length* bytes, or because *max_length* was negative),
    /// *self.needs_input* will be set to True.
    ///
    /// Attempting to decompress data after the end of stream is reached raises an
    /// EOFError.  Any data found after the end of the stream is ignored and saved in
    /// the unused_data attribute.
    #[pyo3(signature = (data, max_length = Optional::Missing), text_signature = "($self, /, data, max_length=-1)")]
    fn decompress<'py>(&mut self, data: &Bound<'py, PyAny>, max_length: Optional<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let py = data.py();
        let max_length = max_length.convert(ssize)?.unwrap_or(-1);
        with_bytes(data, |data| self.0.decompress(py, data, max_length, "Already at end of stream"))?
    }

    fn __setattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, Some(value), &MEMBERS)
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        set_attribute(slf.as_any(), name, None, &MEMBERS)
    }

    /// ID of the integrity check used by the input stream.
    #[getter]
    fn check(&self) -> i32 {
        self.0.decoder.check
    }

    /// True if the end-of-stream marker has been reached.
    #[getter]
    fn eof(&self) -> bool {
        self.0.eof
    }

    /// True if more input is needed before more decompressed data can be produced.
    #[getter]
    fn needs_input(&self) -> bool {
        self.0.needs_input
    }

    /// Data found after the end of the compressed stream.
    #[getter]
    fn unused_data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.0.unused_data.clone_ref(py)
    }
}

/// Test whether the given integrity check is supported.
///
/// Always returns True for CHECK_NONE and CHECK_CRC32.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "($module, check_id, /)")]
fn is_check_supported(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<bool> {
    let args = exact_arguments("_lzma.is_check_supported", args, kwargs, 1)?;
    Ok(matches!(c_int(&args[0])?, 0 | 1 | 4 | 10))
}

/// LZMA2's dictionary-size byte: the smallest size of the form 2 or 3 times a power of two that
/// holds `dict_size`, as liblzma encodes it.
fn lzma2_dict_byte(dict_size: u32) -> u8 {
    let size = dict_size.max(DICT_SIZE_MIN);
    (0u8..40).find(|&b| lzma2_dict_size(b) >= size).unwrap_or(40)
}

fn lzma2_dict_size(byte: u8) -> u32 {
    if byte >= 40 { u32::MAX } else { (2 | (byte as u32 & 1)) << (byte / 2 + 11) }
}

/// Return a bytes object encoding the options (properties) of the filter specified by *filter* (a dict).
///
/// The result does not include the filter ID itself, only the options.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "($module, filter, /)")]
fn _encode_filter_properties<'py>(args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyBytes>> {
    let args = exact_arguments("_lzma._encode_filter_properties", args, kwargs, 1)?;
    let props = match filter_from_spec(&args[0])? {
        Filter::Lzma1(o) => {
            if o.lc + o.lp > 4 || o.pb > 4 || o.lc > 4 || o.lp > 4 {
                return Err(LzmaRet::Options.into());
            }
            let mut props = vec![o.props_byte()];
            props.extend_from_slice(&o.dict_size.to_le_bytes());
            props
        }
        Filter::Lzma2(o) => vec![lzma2_dict_byte(o.dict_size)],
        Filter::Delta(dist) => {
            if !(1..=256).contains(&dist) {
                return Err(LzmaRet::Prog.into());
            }
            vec![(dist - 1) as u8]
        }
        Filter::Bcj(_, 0) => Vec::new(),
        Filter::Bcj(_, start) => start.to_le_bytes().to_vec(),
    };
    Ok(PyBytes::new(args[0].py(), &props))
}

/// Return a bytes object encoding the options (properties) of the filter specified by *filter* (a dict).
///
/// The result does not include the filter ID itself, only the options.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs), text_signature = "($module, filter_id, encoded_props, /)")]
fn _decode_filter_properties<'py>(args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyDict>> {
    let py = args.py();
    if kwargs.is_some_and(|k| !k.is_empty()) {
        return Err(PyTypeError::new_err("_decode_filter_properties() takes no keyword arguments"));
    }
    if args.len() != 2 {
        return Err(PyTypeError::new_err(format!("_decode_filter_properties expected 2 arguments, got {}", args.len())));
    }
    let id = unsigned_long_long(&args.get_item(0)?)?;
    let spec = PyDict::new(py);
    spec.set_item("id", id)?;
    with_bytes(&args.get_item(1)?, |props| -> PyResult<()> {
        match (id, props) {
            (FILTER_LZMA1, [byte, size @ ..]) if size.len() == 4 && *byte <= (4 * 5 + 4) * 9 + 8 => {
                let byte = *byte as u32;
                spec.set_item("lc", byte % 9)?;
                spec.set_item("lp", byte / 9 % 5)?;
                spec.set_item("pb", byte / 45)?;
                spec.set_item("dict_size", u32::from_le_bytes(size.try_into().expect("four bytes")))?;
            }
            (FILTER_LZMA2, [byte]) if *byte <= 40 => spec.set_item("dict_size", lzma2_dict_size(*byte))?,
            (FILTER_DELTA, [byte]) => spec.set_item("dist", *byte as u32 + 1)?,
            (0x04..=0x09, []) => {}
            (0x04..=0x09, start) if start.len() == 4 => spec.set_item("start_offset", u32::from_le_bytes(start.try_into().expect("four bytes")))?,
            _ => return Err(LzmaRet::Options.into()),
        }
        Ok(())
    })??;
    Ok(spec)
}

/// The `_lzma` module.
pub fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "_lzma")?;
    m.add_class::<Compressor>()?;
    m.add_class::<Decompressor>()?;
    m.add("LZMAError", py.get_type::<LZMAError>())?;
    m.add_function(wrap_pyfunction!(is_check_supported, &m)?)?;
    m.add_function(wrap_pyfunction!(_encode_filter_properties, &m)?)?;
    m.add_function(wrap_pyfunction!(_decode_filter_properties, &m)?)?;
    for (name, value) in CONSTANTS {
        m.add(name, value)?;
    }
    Ok(m)
}
