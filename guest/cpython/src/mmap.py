"""`mmap`, which WASI CPython lacks: WASI has no mmap(2), so `import mmap` failed in the sandbox.

A map here is the mapped bytes in the interpreter's memory (a `bytearray`), read from the file when
the map is made, with CPython's `mmap.mmap` in front: its constructor's checks and errors in the
order `mmapmodule.c` makes them on Linux, every method, indexing and slicing, and the buffer
protocol (`memoryview(m)`, `re.search(pattern, m)`, `f.write(m)`), through which a program may
change the bytes in place.

A shared map of a file (MAP_SHARED, ACCESS_WRITE, ACCESS_DEFAULT) writes what the program changes
through to the file at once, as the kernel's page cache makes a native map's changes visible to
every reader of the file: each `write`, `write_byte`, item or slice assignment and `move` with
`os.pwrite` (which leaves the file's position alone), and the whole map when a buffer exported from
it is released, and at `flush()` and `close()`. A private map (ACCESS_COPY, MAP_PRIVATE) and an
anonymous one stay in memory. What differs: changes another descriptor or process makes to the file
after the map is made are not seen through it, and the map's bytes take the interpreter's memory
(`--max-memory`) rather than the page cache. PAGESIZE and ALLOCATIONGRANULARITY are wasm's page,
65,536 bytes, as `os.sysconf("SC_PAGESIZE")` says in the sandbox, so offsets are multiples of it.
"""

import operator
import os
import stat
import sys

from _pysock._builtin_function import parse_arguments

error = OSError

ACCESS_DEFAULT, ACCESS_READ, ACCESS_WRITE, ACCESS_COPY = 0, 1, 2, 3
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 0x01, 0x02, 0x20
MAP_ANON = MAP_ANONYMOUS
MAP_DENYWRITE, MAP_EXECUTABLE, MAP_POPULATE, MAP_STACK, MAP_NORESERVE = 0x800, 0x1000, 0x8000, 0x20000, 0x4000
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED = 0, 1, 2, 3, 4
MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_HWPOISON = 8, 9, 10, 11, 100
MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP = 12, 13, 14, 15, 16, 17
PAGESIZE = ALLOCATIONGRANULARITY = os.sysconf("SC_PAGESIZE")

_MADVICE = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
            MADV_DONTFORK, MADV_DOFORK, MADV_HWPOISON, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
            MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP}
_ACCESS_NAMES = {ACCESS_DEFAULT: "ACCESS_DEFAULT", ACCESS_READ: "ACCESS_READ", ACCESS_WRITE: "ACCESS_WRITE",
                 ACCESS_COPY: "ACCESS_COPY"}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _int(value, low=_INT_MIN, high=_INT_MAX, words="Python int too large to convert to C int"):
    """`value` as a C integer argument: through `__index__`, within [low, high]."""
    value = operator.index(value)
    if not low <= value <= high:
        raise OverflowError(words)
    return int(value)


def _ssize(value):
    """PyArg's "n": a Py_ssize_t, as on 64-bit Linux."""
    return _int(value, _LONG_MIN, _LONG_MAX, "Python int too large to convert to C ssize_t")


def _index_sized(value, error=OverflowError):
    """`PyNumber_AsSsize_t(value, error)`, as on 64-bit Linux."""
    value = operator.index(value)
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise error(f"cannot fit '{type(value).__name__}' into an index-sized integer")
    return int(value)


def _allocated(length):
    """`length` zero bytes, or mmap(2)'s ENOMEM where the interpreter has no room for them."""
    try:
        return bytearray(length)
    except (MemoryError, OverflowError):
        _fail(12)


def _fail(number):
    raise OSError(number, os.strerror(number))


class mmap:
    """Windows: mmap(fileno, length[, tagname[, access[, offset]]])

Maps length bytes from the file specified by the file handle fileno,
and returns a mmap object.  If length is larger than the current size
of the file, the file is extended to contain length bytes.  If length
is 0, the maximum length of the map is the current size of the file,
except that if the file is empty Windows raises an exception (you cannot
create an empty mapping on Windows).

Unix: mmap(fileno, length[, flags[, prot[, access[, offset[, trackfd]]]]])

Maps length bytes from the file specified by the file descriptor fileno,
and returns a mmap object.  If length is 0, the maximum length of the map
will be the current size of the file when mmap is called.
flags specifies the nature of the mapping. MAP_PRIVATE creates a
private copy-on-write mapping, so changes to the contents of the mmap
object will be private to this process, and MAP_SHARED creates a mapping
that's shared with all other processes mapping the same areas of the file.
The default value is MAP_SHARED.

To map anonymous memory, pass -1 as the fileno (both versions)."""

    __slots__ = ("_data", "_pos", "_fd", "_writer", "_offset", "_access", "_shared_file", "_exports", "_trackfd", "__weakref__")

    def __new__(cls, *args, **kwargs):
        fileno, length, flags, prot, access, offset, trackfd = parse_arguments(
            "mmap", ("fileno", "length", "flags", "prot", "access", "offset", "trackfd"),
            {"flags": MAP_SHARED, "prot": PROT_WRITE | PROT_READ, "access": ACCESS_DEFAULT, "offset": 0, "trackfd": True},
            args, kwargs, positional=6)
        fd = _int(fileno, _LONG_MIN, _LONG_MAX, "Python int too large to convert to C long")
        if not _INT_MIN <= fd <= _INT_MAX:
            raise OverflowError("signed integer is greater than maximum" if fd > 0 else "signed integer is less than minimum")
        length, flags, prot = _ssize(length), _int(flags), _int(prot)
        access, offset = _int(access), _int(offset, _LONG_MIN, _LONG_MAX, "Python int too large to convert to C long")
        trackfd = bool(trackfd)
        if length < 0:
            raise OverflowError("memory mapped length must be positive")
        if length > sys.maxsize:
            # The interpreter is 32-bit: CPython's own words for a length its Py_ssize_t cannot hold.
            raise OverflowError("Python int too large to convert to C ssize_t")
        if offset < 0:
            raise OverflowError("memory mapped offset must be positive")
        if access != ACCESS_DEFAULT and (flags != MAP_SHARED or prot != PROT_WRITE | PROT_READ):
            raise ValueError("mmap can't specify both access and flags, prot.")
        if access == ACCESS_READ:
            flags, prot = MAP_SHARED, PROT_READ
        elif access == ACCESS_WRITE:
            flags, prot = MAP_SHARED, PROT_READ | PROT_WRITE
        elif access == ACCESS_COPY:
            flags, prot = MAP_PRIVATE, PROT_READ | PROT_WRITE
        elif access == ACCESS_DEFAULT:
            if not (prot & PROT_READ and prot & PROT_WRITE):
                access = ACCESS_WRITE if prot & PROT_WRITE else ACCESS_READ
        else:
            raise ValueError("mmap invalid access parameter.")
        if fd != -1:
            try:
                st = os.fstat(fd)
            except OSError:
                st = None
            if st is not None and stat.S_ISREG(st.st_mode):
                if length == 0:
                    if st.st_size == 0:
                        raise ValueError("cannot mmap an empty file")
                    if offset >= st.st_size:
                        raise ValueError("mmap offset is greater than file size")
                    if st.st_size - offset > sys.maxsize:
                        raise ValueError("mmap length is too large")
                    length = st.st_size - offset
                elif offset > st.st_size or st.st_size - offset < length:
                    raise ValueError("mmap length is greater than file size")
        self = object.__new__(cls)
        self._data = None
        self._fd = self._writer = -1
        self._exports = 0
        self._trackfd = trackfd
        if fd == -1:
            # mmap(2) of anonymous memory: EINVAL for no bytes, as for an unaligned offset.
            if length == 0 or offset % ALLOCATIONGRANULARITY:
                _fail(22)
            data = _allocated(length)
            shared_file = False
        else:
            duplicate = os.dup(fd)
            try:
                readable, writable = _access_mode(duplicate)
                if not readable or (flags & MAP_SHARED and prot & PROT_WRITE and not writable):
                    _fail(13)
                if st is not None and not stat.S_ISREG(st.st_mode):
                    # Only regular files map here: Linux's TCP sockets refuse a writable map (EPERM),
                    # everything else that is no file ENODEV, as pipes and datagram sockets do
                    # natively. (Natively a read-only map of a TCP socket, its zero-copy receive
                    # area, and devices map; here they are ENODEV.)
                    _fail(1 if prot & PROT_WRITE and _is_tcp(duplicate) else 19)
                if offset % ALLOCATIONGRANULARITY or length == 0:
                    _fail(22)
                data = _allocated(length)
                with memoryview(data) as view:
                    got = 0
                    while got < length:
                        n = os.preadv(duplicate, [view[got:]], offset + got)
                        if n == 0:
                            break
                        got += n
            except BaseException:
                os.close(duplicate)
                raise
            shared_file = bool(flags & MAP_SHARED) and bool(prot & PROT_WRITE)
            self._writer = duplicate
            if trackfd:
                self._fd = duplicate
        self._data, self._pos, self._offset, self._access, self._shared_file = data, 0, offset, access, shared_file
        return self

    # -- state --

    def _bytes(self):
        if self._data is None:
            raise ValueError("mmap closed or invalid")
        return self._data

    def _writable(self):
        data = self._bytes()
        if self._access == ACCESS_READ:
            raise TypeError("mmap can't modify a readonly memory map.")
        return data

    def _wrote(self, start, end):
        """Writes bytes `start:end`, which the program changed, through to a shared map's file."""
        if self._shared_file and end > start:
            os.pwrite(self._writer, memoryview(self._data)[start:end], self._offset + start)

    def _write_back(self):
        if self._data is not None:
            self._wrote(0, len(self._data))

    @property
    def closed(self):
        return self._data is None

    def close(self):
        """Close the mmap."""
        if self._data is None:
            return
        if self._exports:
            raise BufferError("cannot close exported pointers exist")
        self._write_back()
        self._data = None
        if self._writer != -1:
            os.close(self._writer)
        self._fd = self._writer = -1

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        self._bytes()
        return self

    def __exit__(self, *args):
        self.close()

    def __reduce__(self):
        raise TypeError(f"cannot pickle '{type(self).__module__}.{type(self).__qualname__}' object")

    def __repr__(self):
        if self._data is None:
            return f"<{type(self).__module__}.{type(self).__qualname__} closed=True>"
        return (f"<{type(self).__module__}.{type(self).__qualname__} closed=False, access={_ACCESS_NAMES[self._access]}, "
                f"length={len(self._data)}, pos={self._pos}, offset={self._offset}>")

    # -- the buffer protocol --

    def __buffer__(self, flags):
        data = self._bytes()
        view = memoryview(data)
        if self._access == ACCESS_READ:
            view = view.toreadonly()
        self._exports += 1
        return view

    def __release_buffer__(self, view):
        view.release()
        self._exports -= 1
        # What was written through the view reaches the file now, as a native map's would have.
        self._write_back()

    # -- as a sequence --

    def __len__(self):
        return len(self._bytes())

    def _position(self, index, not_an_index):
        """The bytes and the position an item index names (CPython words a non-integer index
        differently for reading and for assigning)."""
        if not hasattr(type(index), "__index__"):
            raise TypeError(not_an_index)
        i = _index_sized(index, IndexError)
        data = self._bytes()
        if i < 0:
            i += len(data)
        if not 0 <= i < len(data):
            raise IndexError("mmap index out of range")
        return data, i

    def __getitem__(self, index):
        data = self._bytes()
        if isinstance(index, slice):
            index.indices(len(data))  # its bounds' __index__ may close the map
            return bytes(self._bytes()[index])
        data, i = self._position(index, "mmap indices must be integers")
        return data[i]

    def __setitem__(self, index, value):
        data = self._writable()
        if isinstance(index, slice):
            start, stop, step = index.indices(len(data))
            data = self._bytes()
            try:
                value = memoryview(value)
            except TypeError:
                raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'") from None
            positions = range(start, stop, step)
            if len(value) != len(positions):
                raise IndexError("mmap slice assignment is wrong size")
            data[index] = value
            if positions:
                self._wrote(min(positions[0], positions[-1]), max(positions[0], positions[-1]) + 1)
            return
        data, i = self._position(index, "mmap indices must be integer")
        if not hasattr(type(value), "__index__"):
            raise TypeError("mmap item value must be an int")
        value = operator.index(value)
        data = self._bytes()
        if not 0 <= value < 256:
            raise ValueError("mmap item value must be in range(0, 256)")
        data[i] = value
        self._wrote(i, i + 1)

    def __delitem__(self, index):
        self._writable()
        raise TypeError("mmap object doesn't support slice deletion" if isinstance(index, slice) else "mmap doesn't support item deletion")

    def __iter__(self):
        # As CPython's, whose iteration goes through the sequence's items: bytes of one byte each.
        data = self._bytes()
        for i in range(len(data)):
            yield bytes(data[i:i + 1])

    # -- as a file --

    def size(self):
        """Return the size of the mapped file (the map's own length for anonymous memory)."""
        self._bytes()
        if self._fd == -1:
            _fail(9)  # EBADF: fstat(2) of no descriptor, for anonymous memory as for an untracked file
        return os.fstat(self._fd).st_size

    def tell(self):
        self._bytes()
        return self._pos

    def seekable(self):
        self._bytes()
        return True

    def seek(self, pos, whence=0):
        self._bytes()
        pos, whence = _ssize(pos), _int(whence)
        data = self._bytes()
        if whence == 0:
            where = pos
        elif whence == 1:
            where = self._pos + pos
        elif whence == 2:
            where = len(data) + pos
        else:
            raise ValueError("unknown seek type")
        if not 0 <= where <= len(data):
            raise ValueError("seek out of range")
        self._pos = where
        return where

    def read(self, n=None):
        self._bytes()
        n = None if n is None else _index_sized(n)
        data = self._bytes()
        remaining = max(len(data) - self._pos, 0)
        n = remaining if n is None else n
        if n < 0 or n > remaining:
            n = remaining
        got = bytes(data[self._pos:self._pos + n])
        self._pos += n
        return got

    def read_byte(self):
        data = self._bytes()
        if self._pos >= len(data):
            raise ValueError("read byte out of range")
        self._pos += 1
        return data[self._pos - 1]

    def readline(self):
        data = self._bytes()
        end = data.find(b"\n", self._pos)
        end = len(data) if end < 0 else end + 1
        got = bytes(data[self._pos:end])
        self._pos = end
        return got

    def write(self, bytes):
        view = memoryview(bytes)
        data = self._writable()
        if self._pos > len(data) or len(data) - self._pos < len(view):
            raise ValueError("data out of range")
        start = self._pos
        data[start:start + len(view)] = view
        self._pos += len(view)
        self._wrote(start, self._pos)
        return len(view)

    def write_byte(self, byte):
        self._bytes()
        value = _int(byte, _LONG_MIN, _LONG_MAX, "Python int too large to convert to C long")
        if not 0 <= value <= 255:
            raise OverflowError(f"unsigned byte integer is {'less than minimum' if value < 0 else 'greater than maximum'}")
        data = self._writable()
        if self._pos >= len(data):
            raise ValueError("write byte out of range")
        data[self._pos] = value
        self._pos += 1
        self._wrote(self._pos - 1, self._pos)

    def find(self, sub, start=None, end=None):
        self._bytes()
        bounds = _bounds(start, end)
        return self._bytes().find(sub, *bounds)

    def rfind(self, sub, start=None, end=None):
        self._bytes()
        bounds = _bounds(start, end)
        return self._bytes().rfind(sub, *bounds)

    def flush(self, offset=0, size=None):
        self._bytes()
        offset = _ssize(offset)
        size = None if size is None else _ssize(size)
        data = self._bytes()
        size = len(data) if size is None else size
        if size < 0 or offset < 0 or len(data) - offset < size:
            raise ValueError("flush values out of range")
        if self._access in (ACCESS_READ, ACCESS_COPY):
            return None
        if offset % PAGESIZE:
            _fail(22)
        self._wrote(offset, offset + size)
        return None

    def madvise(self, option, start=0, length=None):
        self._bytes()
        option, start = _int(option), _ssize(start)
        length = None if length is None else _ssize(length)
        data = self._bytes()
        if start < 0 or start >= len(data):
            raise ValueError("madvise start out of bounds")
        length = len(data) - start if length is None else length
        if length < 0:
            raise ValueError("madvise length invalid")
        if sys.maxsize - start < length:
            raise OverflowError("madvise length too large")
        if option not in _MADVICE or start % PAGESIZE:
            _fail(22)
        return None

    def move(self, dest, src, count):
        self._bytes()
        dest, src, count = _ssize(dest), _ssize(src), _ssize(count)
        data = self._writable()
        if min(dest, src, count) < 0 or src > len(data) - count or dest > len(data) - count:
            raise ValueError("source, destination, or count out of range")
        data[dest:dest + count] = data[src:src + count]
        self._wrote(dest, dest + count)

    def resize(self, newsize):
        self._bytes()
        newsize = _ssize(newsize)
        data = self._bytes()
        if self._exports:
            raise BufferError("mmap can't resize with extant buffers exported.")
        if not self._trackfd:
            raise ValueError("mmap can't resize with trackfd=False.")
        if self._access in (ACCESS_READ, ACCESS_COPY):
            raise TypeError("mmap can't resize a readonly or copy-on-write memory map.")
        if newsize < 0 or newsize > _LONG_MAX - self._offset:
            raise ValueError("new size out of range")
        grown = _allocated(max(newsize - len(data), 0))
        if self._fd != -1:
            os.ftruncate(self._fd, self._offset + newsize)
        if newsize < len(data):
            del data[newsize:]
        else:
            data.extend(grown)
        self._pos = min(self._pos, newsize)


def _bounds(start, end):
    """find()'s optional start and end, as slice indices."""
    return [None if value is None else _ssize(value) for value in (start, end)]


def _is_tcp(fd):
    """Whether `fd` is a TCP socket."""
    import socket
    if not stat.S_ISSOCK(os.fstat(fd).st_mode):
        return False
    sock = socket.socket(fileno=os.dup(fd))
    try:
        return sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
    finally:
        sock.close()


def _access_mode(fd):
    """Whether `fd` was opened for reading and for writing."""
    import fcntl
    mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    return mode in (os.O_RDONLY, os.O_RDWR), mode in (os.O_WRONLY, os.O_RDWR)

