"""Files' permissions as Linux keeps them: `os.stat` and its kin give a file's mode, `os.chmod` and
`os.fchmod` change it, and a file or folder made with `os.open` or `os.mkdir` gets the mode asked
for, less the umask.

`wasi:filesystem` carries a file's type and not its mode, so in WASI CPython every st_mode had no
permission bits (`stat.filemode` said `----------`, and a tar or zip archive made in the sandbox
stored every file as mode 000, unreadable where it was unpacked), `os.chmod` did nothing, and
`tempfile.mkstemp` and `mkdtemp` made what others could read; st_blocks and st_blksize were 0 too
(`du`'s count). The host answers for its own file (file_modes.rs). A link's own mode is 0777, as
Linux's always is. A change never sets the set-user-ID or set-group-ID bit (the host's refusal; see
host/src/files.rs). `open()` makes its files through libc directly, with the host's umask (usually
022, the sandbox's own at first). While componentize-py snapshots an app nothing can ask the host,
so modes show once the run has begun (for an app of one's own: a socket call, an alarm or
`_pysock.started()`, as for signals).
"""

import functools
import os
import posix
import stat
import sys

from _pysock._builtin_function import builtin_function, c_int, parse_arguments, path_argument, stand_in_for_os, stat_result_with


def _umask():
    return sys.modules["_pysock._identity"]._umask


def _asked(path, dir_fd, follow, ask):
    """`ask(fd)` of a descriptor on `path` (or of `path`, a descriptor itself), opened for the
    question and closed after."""
    if isinstance(path, int):
        return ask(path)
    fd = _open_to_ask(os.fsencode(path), dir_fd, bool(follow))
    try:
        return ask(fd)
    finally:
        os.close(fd)


def _with_mode(result, path, dir_fd=None, follow=True):
    """`result` with the permission bits, blocks and block size of the file it describes, when that
    is a host's file (a regular file or a folder: a FIFO would hold an open, and a socket file
    cannot be opened)."""
    mode = result.st_mode
    if stat.S_ISLNK(mode):
        return stat_result_with(result, st_mode=mode | 0o777)
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) or mode & 0o7777:
        return result
    try:
        extras = _asked(path, dir_fd, follow, _extra_stat)
    except OSError:
        return result  # gone, or beyond reach, since the stat: as it was found
    if extras is None:
        return result
    permissions, blocks, block_size = extras
    return stat_result_with(result, st_mode=mode | permissions, st_blocks=blocks, st_blksize=block_size)


def _set_created(fd_or_path, mode, dir_fd=None):
    """Gives what `os.open` or `os.mkdir` just made the mode it asked for, less the umask; a file
    that cannot be changed keeps the host's."""
    try:
        _asked(fd_or_path, dir_fd, True, lambda fd: _set_permissions(fd, mode & ~_umask() & 0o7777))
    except OSError:
        pass


def install():
    real_stat, real_lstat, real_fstat = os.stat, os.lstat, os.fstat
    real_chmod, real_open, real_mkdir = os.chmod, os.open, os.mkdir

    @functools.wraps(real_stat)
    def stat_(path, *, dir_fd=None, follow_symlinks=True):
        result = real_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
        return _with_mode(result, path, dir_fd, follow_symlinks)

    @functools.wraps(real_lstat)
    def lstat(path, *, dir_fd=None):
        return _with_mode(real_lstat(path, dir_fd=dir_fd), path, dir_fd, False)

    @functools.wraps(real_fstat)
    def fstat(fd):
        return _with_mode(real_fstat(fd), fd)

    @functools.wraps(real_chmod)
    def chmod(*args, **kwargs):
        given, mode, dir_fd, follow_symlinks = parse_arguments(
            "chmod", ["path", "mode", "dir_fd", "follow_symlinks"], {"dir_fd": None, "follow_symlinks": True}, args, kwargs, 2)
        path = path_argument("chmod", given, allow_fd=True)
        mode = c_int(mode)
        if not follow_symlinks:
            raise NotImplementedError("chmod: follow_symlinks unavailable on this platform")
        sys.audit("os.chmod", given, mode, -1 if dir_fd is None else dir_fd)
        try:
            _asked(path, dir_fd, True, lambda fd: _set_permissions(fd, mode & 0o7777))
        except OSError as e:
            raise OSError(e.errno, e.strerror, given) from None

    def fchmod(*args, **kwargs):
        """Change the access permissions of the file given by file descriptor fd.

  fd
    The file descriptor of the file to be modified.
  mode
    Operating-system mode bitfield.
    Be careful when using number literals for *mode*. The conventional UNIX notation for
    numeric modes uses an octal base, which needs to be indicated in Python with the
    prefix `0o`.

Equivalent to os.chmod(fd, mode)."""
        fd, mode = parse_arguments("fchmod", ["fd", "mode"], {}, args, kwargs)
        fd, mode = c_int(fd), c_int(mode)
        sys.audit("os.chmod", fd, mode, -1)
        _set_permissions(fd, mode & 0o7777)

    @functools.wraps(real_open)
    def open_(path, flags, mode=0o777, *, dir_fd=None):
        if not flags & os.O_CREAT:
            return real_open(path, flags, mode, dir_fd=dir_fd)
        if not flags & os.O_EXCL:
            # Made now, or there already (and then its mode stays)?
            try:
                fd = real_open(path, flags | os.O_EXCL, mode, dir_fd=dir_fd)
            except FileExistsError:
                return real_open(path, flags, mode, dir_fd=dir_fd)
        else:
            fd = real_open(path, flags, mode, dir_fd=dir_fd)
        _set_created(fd, c_int(mode))
        return fd

    @functools.wraps(real_mkdir)
    def mkdir(path, mode=0o777, *, dir_fd=None):
        real_mkdir(path, mode, dir_fd=dir_fd)
        _set_created(path, c_int(mode), dir_fd)

    stand_in_for_os(stat_, lstat, fstat, chmod, open_, mkdir)
    made = builtin_function(fchmod, posix, lambda fd, mode: None)
    posix.fchmod = os.fchmod = made
    os.__all__.append("fchmod")
    os.supports_fd.add(os.chmod)
    os.supports_dir_fd.add(os.chmod)
