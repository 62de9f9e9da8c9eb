"""FileIO's read, readinto and write as Linux's read(2) and write(2) on a file (see file_io.rs).

wasmtime-wasi's streams move at most 64 KiB a call, so an unbuffered binary file
(`open(path, "wb", buffering=0)`, which CPython's own test helpers use to make their files) wrote
only the first 64 KiB of a larger buffer and returned that count, which few programs check, and
read at most 64 KiB of a regular file where Linux fills the request to the file's end. A buffered
file's `read1`, one raw read, inherited the short reads. Now:
- a write writes the rest too. A write that stops short of 64 KiB (a full non-blocking pipe)
  returns its count as before, and so does an error after some bytes were written, as Linux's
  write does;
- a read of a regular file reads on until the request is filled or the file ends. A terminal's or
  a pipe's read still returns what has arrived, as on Linux, rather than wait for more.
A socket's or a pipe's end is the core's (`_is_core`, set by file_io.rs), whose reads and writes
are Linux's already; `_reads_fill` (also file_io.rs's) tells a regular file.
"""

import _io
import operator

_read = _io.FileIO.__dict__["read"]
_readinto = _io.FileIO.__dict__["readinto"]
_write = _io.FileIO.__dict__["write"]
STREAM_MOST = 64 * 1024


def read(self, size=-1, /):
    data = _read(self, size)
    if data is None or len(data) != STREAM_MOST or size is None:
        return data
    size = operator.index(size)
    if size <= STREAM_MOST or not _reads_fill(self.fileno()):
        return data
    parts, got = [data], len(data)
    while got < size:
        try:
            more = _read(self, size - got)
        except OSError:
            break
        if not more:
            break
        parts.append(more)
        got += len(more)
        if len(more) < STREAM_MOST:
            break
    return b"".join(parts)


def readinto(self, buffer, /):
    got = _readinto(self, buffer)
    if got != STREAM_MOST:
        return got
    view = memoryview(buffer).cast("B")
    if len(view) <= got or not _reads_fill(self.fileno()):
        return got
    return _go_on(self, _readinto, view, got)


def write(self, b, /):
    written = _write(self, b)
    if written != STREAM_MOST or _is_core(self.fileno()):
        return written
    return _go_on(self, _write, memoryview(b).cast("B"), written)


def _go_on(self, move, view, done):
    """Moves the rest of `view` after its first `done` bytes with `move` (the type's own readinto or
    write) until all are moved, a call moves none (the file's end) or one fails: Linux's read and
    write then return the count so far, the error being lost, as here."""
    while done < len(view):
        try:
            more = move(self, view[done:])
        except OSError:
            break
        if not more:
            break
        done += more
    return done


for _ours, _theirs in ((read, _read), (readinto, _readinto), (write, _write)):
    _ours.__name__ = _theirs.__name__
    _ours.__qualname__ = _theirs.__qualname__
    _ours.__doc__ = _theirs.__doc__
del _ours, _theirs
