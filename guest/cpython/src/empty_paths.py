"""The empty path, which names nothing on Linux and names the working folder in WASI's libc.

On Linux every call given "" fails with ENOENT. wasi-libc resolves a relative path against the
working folder it keeps and makes "" that folder itself, so `os.stat("")` found a folder,
`os.path.exists("")` was True, `os.utime("")` touched the folder, `os.makedirs(os.path.dirname(
"name"))` passed where it raises natively, and `shutil.rmtree("")`, which fails at once on Linux,
deleted everything in the working folder before its last `rmdir` failed.

So each `os` function that takes a path, and `open` (through `io.FileIO`, which every file open
makes), refuses an empty one first, as Linux would: FileNotFoundError naming the path (both
paths, for the functions that take two; none, for `utime`, whose error CPython words without
it), and False from `os.access`, which answers rather than raises.

The descriptor -1 is the other path that names nothing: it is CPython's "no descriptor", so
`os.stat(-1)` asks Linux's stat(2) of no path at all (EFAULT) where WASI's libc, given no path,
stats the working folder. The functions that take a descriptor refuse it as Linux does.
"""

import errno
import functools
import os

from _pysock._builtin_function import stand_in_for_os

# The functions that take one path, first (by position, or by the name `path`); `access` answers.
_ONE_PATH = ["chdir", "chmod", "listdir", "lstat", "mkdir", "open", "pathconf", "readlink", "remove",
             "rmdir", "scandir", "stat", "statvfs", "truncate", "unlink", "utime"]
# What Linux says to the functions that take a descriptor, given -1 (CPython passes no path). By
# name: `errno`'s numbers become Linux's after this module is compiled (linux_errno.rs).
_NO_DESCRIPTOR = {"chmod": "EFAULT", "stat": "EFAULT", "statvfs": "EFAULT", "truncate": "EFAULT", "utime": "EINVAL"}
# The functions that take two, `src` and `dst`, first.
_TWO_PATHS = ["link", "rename", "replace", "symlink"]


def _is_empty(path):
    return (type(path) is str or type(path) is bytes) and not path


def _error(name, *paths):
    """OSError (the subclass its errno picks) for the errno `name`, naming `paths`."""
    number = getattr(errno, name)
    return OSError(number, os.strerror(number), *paths)


def _one_path(real):
    named = real.__name__ != "utime"
    no_descriptor = _NO_DESCRIPTOR.get(real.__name__)

    @functools.wraps(real)
    def function(*args, **kwargs):
        path = args[0] if args else kwargs.get("path")
        if _is_empty(path):
            if real.__name__ == "access":
                return False
            raise _error("ENOENT", *([path] if named else []))
        if type(path) is int and path == -1 and no_descriptor:
            raise _error(no_descriptor, *([path] if named else []))
        return real(*args, **kwargs)
    return function


def _two_paths(real):
    @functools.wraps(real)
    def function(*args, **kwargs):
        src = args[0] if args else kwargs.get("src")
        dst = args[1] if len(args) > 1 else kwargs.get("dst")
        if _is_empty(src) or _is_empty(dst):
            raise _error("ENOENT", src, None, dst)
        return real(*args, **kwargs)
    return function


def file_io_init(real_init):
    """`io.FileIO.__init__`, refusing "" as `open("")` does natively; lib.rs puts it on the type."""
    def __init__(self, /, *args, **kwargs):
        file = args[0] if args else kwargs.get("file")
        if _is_empty(file):
            raise _error("ENOENT", file)
        real_init(self, *args, **kwargs)
    __init__.__doc__ = real_init.__doc__
    return __init__


def install():
    """Puts the refusing functions in place of `os`'s (those this interpreter has)."""
    present = lambda names: [getattr(os, name) for name in names if hasattr(os, name)]
    stand_in_for_os(*[_one_path(f) for f in present(_ONE_PATH + ["access"])],
                    *[_two_paths(f) for f in present(_TWO_PATHS)])
