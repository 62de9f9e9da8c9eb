"""/dev/null for a sandbox whose filesystem has none (see null_device.rs).

`os.open`, `open` (and `io.open`), `os.stat` and `os.lstat` of `/dev/null` reach the null device;
every other path goes where it went. Linux's answers for the device are kept: O_DIRECTORY is
ENOTDIR, O_CREAT with O_EXCL (mode "x") is EEXIST, and the audit events are the ones CPython raises.

`os.open` also reads flags with no access mode as read-only, as Linux does, whose O_RDONLY is 0:
programs open folders with `os.open(path, os.O_DIRECTORY)` and files with `os.open(path, 0)`.
WASI's O_RDONLY is a bit of its own, and its libc refuses flags without one (EINVAL).
"""

import builtins
import errno
import functools
import io
import os
import posixpath
import sys

from _pysock._builtin_function import builtin_function, stand_in_for_os

NULL = "/dev/null"


def _is_null(path):
    """Whether `path` (str, bytes or path-like; not a descriptor) names /dev/null."""
    if isinstance(path, int):
        return False
    try:
        path = os.fspath(path)
    except TypeError:
        return False
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    # Linux reads "//dev/null" and "/dev/./null" as the same file.
    return path.startswith("/") and "/" + posixpath.normpath(path).lstrip("/") == NULL


def install(open_null):
    real_open, real_os_open, real_stat, real_lstat = io.open, os.open, os.stat, os.lstat

    def open_device(path, flags):
        if flags & os.O_DIRECTORY:
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
        if flags & os.O_CREAT and flags & os.O_EXCL:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
        return open_null(flags)

    @functools.wraps(real_os_open)
    def os_open(path, flags, mode=0o777, *, dir_fd=None):
        if isinstance(flags, int) and not flags & os.O_ACCMODE:
            flags |= os.O_RDONLY
        if not _is_null(path):
            return real_os_open(path, flags, mode, dir_fd=dir_fd)
        sys.audit("open", path, None, flags)
        return open_device(path, flags)

    @functools.wraps(real_open)
    def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None):
        if opener is None and _is_null(file):
            opener = open_device
        return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)

    def device_stat():
        fd = open_null(os.O_RDONLY)
        try:
            return os.fstat(fd)
        finally:
            os.close(fd)

    @functools.wraps(real_stat)
    def stat(path, *, dir_fd=None, follow_symlinks=True):
        if _is_null(path):
            return device_stat()
        return real_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    @functools.wraps(real_lstat)
    def lstat(path, *, dir_fd=None):
        if _is_null(path):
            return device_stat()
        return real_lstat(path, dir_fd=dir_fd)

    stand_in_for_os(os_open, stat, lstat)
    c_io = sys.modules[real_open.__module__]
    io.open = builtins.open = c_io.open = builtin_function(open, c_io)
