"""`os.statvfs` and `os.fstatvfs`, which WASI CPython lacks (WASI has no statvfs), and with them
`shutil.disk_usage`, which `shutil` defines only where `os.statvfs` exists.

The host answers for its own file (file_systems.rs); here the arguments are converted and refused
as CPython's `path_converter` and fd converter do, with their words, and errors name the path as
CPython's do. Linux's ST_* flags come with them.
"""

import os
import posix

from _pysock._builtin_function import builtin_function, c_int, fixed_arguments, parse_arguments, path_argument

# Linux's f_flag bits.
ST_FLAGS = {
    "ST_RDONLY": 1, "ST_NOSUID": 2, "ST_NODEV": 4, "ST_NOEXEC": 8, "ST_SYNCHRONOUS": 16,
    "ST_MANDLOCK": 64, "ST_WRITE": 128, "ST_APPEND": 256, "ST_NOATIME": 1024, "ST_NODIRATIME": 2048,
    "ST_RELATIME": 4096,
}


def _result(stats):
    """`os.statvfs_result` of the host's eleven numbers: the tuple's ten, then f_fsid."""
    return os.statvfs_result(stats[:10], {"f_fsid": stats[10]})


def statvfs(*args, **kwargs):
    """Perform a statvfs system call on the given path.

    path may always be specified as a string.
    On some platforms, path may also be specified as an open file descriptor.
      If this functionality is unavailable, using it raises an exception."""
    (given,) = parse_arguments("statvfs", ["path"], {}, args, kwargs)
    path = path_argument("statvfs", given, allow_fd=True)
    try:
        return _result(_descriptor_stats(path) if isinstance(path, int) else _path_stats(os.fsencode(path)))
    except OSError as e:
        raise OSError(e.errno, e.strerror, given) from None


def fstatvfs(*args, **kwargs):
    """Perform an fstatvfs system call on the given fd.

    Equivalent to statvfs(fd)."""
    (fd,) = fixed_arguments("posix.fstatvfs", args, kwargs, 1)
    return _result(_descriptor_stats(c_int(fd)))


def install():
    """Puts `statvfs`, `fstatvfs` and the ST_* flags in `os` and `posix`, as where the platform has
    them; `os.statvfs` takes a descriptor (`os.supports_fd`)."""
    shapes = {statvfs: lambda path: None, fstatvfs: lambda fd, /: None}
    for function, shape in shapes.items():
        made = builtin_function(function, posix, shape)
        for module in (os, posix):
            setattr(module, function.__name__, made)
        os.__all__.append(function.__name__)
        if function is statvfs:
            os.supports_fd.add(made)
    for name, value in ST_FLAGS.items():
        setattr(os, name, value)
        setattr(posix, name, value)
        os.__all__.append(name)
