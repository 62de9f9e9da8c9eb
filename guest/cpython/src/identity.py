"""Who the sandboxed program runs as: `os.getuid` and its kin, and the `pwd` and `grp` modules; and
the mask its files are made with, `os.umask`.

WASI CPython has none of them, so what asks fails there: pytest's `tmp_path` (it compares
`os.getuid()` with the owner of its folder), `getpass.getuser()` without USER in the environment,
`pathlib.Path.home()` and `~` without HOME, `Path.owner()`, tarfile's owner names. Every Linux
process has a user, so pysock gives the sandbox one, and `os.chown`, `os.lchown` and `os.fchown`,
without which tarfile (which gives each file it extracts its owner when it runs as root) stopped at
the first file.

The sandbox runs as uid 0 and gid 0, `root`, as a container's root does, and for the same reason:
WASI reports every file's owner as 0 (wasi:filesystem carries no owners), so the program owns what it
sees, and a program comparing the two finds what it finds on Linux for the files it made. Being
root gives nothing: what the sandbox may do is the host's policy, and what needs privileges fails as
it does for a container's root without capabilities. Owners are the exception: WASI keeps none, so
`os.chown` to any owner succeeds and changes nothing, as on a file system that keeps no owners
(vfat mounted `quiet`), and every file still reads as root's. A refusal would be worse: tarfile,
run as root, gives each file its owner first and its mode and times after, and skips those when the
owner is refused. The databases hold what a Debian image's do
for its root and nobody, and their groups; `pw_dir` is `/root`, which the sandbox has when the
embedder gives it one (`--writable-dir`), and HOME (`--env HOME=...`) wins over it, as on Linux.

The mask starts as Linux's usual 022 and keeps what the program sets, in its last nine bits, as
Linux's does. WASI makes files with the modes the host chooses, so the mask changes nothing, but
programs read it: pytest's cache sets its folder's mode from it.

The functions are C functions of `posix`, `pwd` and `grp` (builtin_function.py), and take, convert
and refuse their arguments as CPython's `posixmodule.c`, `pwdmodule.c` and `grpmodule.c` do on Linux.
"""

import operator
import posix
import sys
import types

from _pysock._builtin_function import builtin_function, builtin_module, c_int, fixed_arguments, parse_arguments, path_argument
from _pysock._builtin_function import _struct_sequence_type

USER = ("root", "x", 0, 0, "root", "/root", "/bin/bash")
USERS = [USER, ("nobody", "x", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin")]
GROUPS = [("root", "x", 0, []), ("nogroup", "x", 65534, [])]


struct_passwd = _struct_sequence_type("pwd.struct_passwd", [
    ("pw_name", "user name"), ("pw_passwd", "password"), ("pw_uid", "user id"), ("pw_gid", "group id"),
    ("pw_gecos", "real name"), ("pw_dir", "home directory"), ("pw_shell", "shell program"),
], """pwd.struct_passwd: Results from getpw*() routines.

This object may be accessed either as a tuple of
  (pw_name,pw_passwd,pw_uid,pw_gid,pw_gecos,pw_dir,pw_shell)
or via the object attributes as named in the above tuple.""")

struct_group = _struct_sequence_type("grp.struct_group", [
    ("gr_name", "group name"), ("gr_passwd", "password"), ("gr_gid", "group id"), ("gr_mem", "group members"),
], """grp.struct_group: Results from getgr*() routines.

This object may be accessed either as a tuple of
  (gr_name,gr_passwd,gr_gid,gr_mem)
or via the object attributes as named in the above tuple.""")


def _id(value, kind):
    """`_Py_Uid_Converter` and `_Py_Gid_Converter` on Linux x86-64: an index in uid_t's 32 bits, or
    -1. The overflow messages are CPython's, its "less than minimum" for [2**32, 2**63) among them."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{kind} should be integer, not {type(value).__name__}") from None
    if number == -1 or number == 2**32 - 1:
        return -1
    if 0 <= number < 2**32:
        return number
    if -2**63 <= number < 2**63:
        raise OverflowError(f"{kind} is less than minimum")
    raise OverflowError(f"{kind} is {'less than minimum' if number < 0 else 'greater than maximum'}")


def _name(value, function, argument):
    if not isinstance(value, str):
        raise TypeError(f"{function}() argument {argument}must be str, not {type(value).__name__}")
    # As the C functions: encoded for the C library first (a lone surrogate fails there), then checked.
    if b"\0" in value.encode(sys.getfilesystemencoding(), "surrogateescape"):
        raise ValueError("embedded null byte")
    return value


def _entry(table, field, value, make, missing):
    """`make` of the entry of `table` whose `field` is `value`; KeyError `missing` where none is."""
    for entry in table:
        if entry[field] == value:
            return make(entry)
    raise KeyError(missing)


def getpwuid(*args, **kwargs):
    """Return the password database entry for the given numeric user ID.

See `help(pwd)` for more on password database entries."""
    (uid,) = fixed_arguments("pwd.getpwuid", args, kwargs, 1)
    try:
        uid = _id(uid, "uid")
    except OverflowError:
        raise KeyError("getpwuid(): uid not found") from None
    return _entry(USERS, 2, uid, struct_passwd, f"getpwuid(): uid not found: {uid}")


def getpwnam(*args, **kwargs):
    """Return the password database entry for the given user name.

See `help(pwd)` for more on password database entries."""
    (name,) = fixed_arguments("pwd.getpwnam", args, kwargs, 1)
    name = _name(name, "getpwnam", "")
    return _entry(USERS, 0, name, struct_passwd, f"getpwnam(): name not found: {name!r}")


def getpwall(*args, **kwargs):
    """Return a list of all available password database entries, in arbitrary order.

See help(pwd) for more on password database entries."""
    fixed_arguments("pwd.getpwall", args, kwargs, 0)
    return [struct_passwd(entry) for entry in USERS]


def _group(entry):
    name, password, gid, members = entry
    return struct_group((name, password, gid, list(members)))


def getgrgid(*args, **kwargs):
    """Return the group database entry for the given numeric group ID.

If id is not valid, raise KeyError."""
    (gid,) = parse_arguments("getgrgid", ["id"], {}, args, kwargs)
    gid = _id(gid, "gid")
    return _entry(GROUPS, 2, gid, _group, f"getgrgid(): gid not found: {gid}")


def getgrnam(*args, **kwargs):
    """Return the group database entry for the given group name.

If name is not valid, raise KeyError."""
    (name,) = parse_arguments("getgrnam", ["name"], {}, args, kwargs)
    name = _name(name, "getgrnam", "'name' ")
    return _entry(GROUPS, 0, name, _group, f"getgrnam(): name not found: {name!r}")


def getgrall(*args, **kwargs):
    """Return a list of all available group entries, in arbitrary order.

An entry whose name starts with '+' or '-' represents an instruction
to use YP/NIS and may not be accessible via getgrnam or getgrgid."""
    fixed_arguments("grp.getgrall", args, kwargs, 0)
    return [_group(entry) for entry in GROUPS]


def _process_ids(name, doc, value):
    """`os.NAME`, which takes no arguments and returns `value`."""
    def function(*args, **kwargs):
        fixed_arguments(f"posix.{name}", args, kwargs, 0)
        return value() if callable(value) else value
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


PROCESS_IDS = [
    ("getuid", "Return the current process's user id.", USER[2]),
    ("geteuid", "Return the current process's effective user id.", USER[2]),
    ("getgid", "Return the current process's group id.", USER[3]),
    ("getegid", "Return the current process's effective group id.", USER[3]),
    # A fresh list each call, as CPython's; the sandbox's root belongs to no supplementary group.
    ("getgroups", "Return list of supplemental group IDs for the process.", list),
    ("getresuid", "Return a tuple of the current process's real, effective, and saved user ids.", (USER[2],) * 3),
    ("getresgid", "Return a tuple of the current process's real, effective, and saved group ids.", (USER[3],) * 3),
]

_umask = 0o022


def umask(*args, **kwargs):
    """Set the current numeric umask and return the previous umask."""
    global _umask
    (mask,) = fixed_arguments("posix.umask", args, kwargs, 1)
    previous, _umask = _umask, c_int(mask) & 0o777
    return previous


def _owner_id(value, kind):
    """A uid or gid as CPython's converter takes it on a 64-bit Linux, with its words (which call
    2**32 to 2**63 - 1 "less than minimum", as it does)."""
    if not hasattr(type(value), "__index__"):
        raise TypeError(f"{kind} should be integer, not {type(value).__name__}")
    value = operator.index(value)
    if value >= 2**63:
        raise OverflowError(f"{kind} is greater than maximum")
    if value < -1 or value >= 2**32:
        raise OverflowError(f"{kind} is less than minimum")
    return value & 0xFFFFFFFF  # -1 as uid_t


def _change_owner(stat):
    """What chown(2) does here: the path is checked (`stat` raises the error chown(2) would for
    one it cannot reach), and the owner stays what WASI reports, as on a file system that keeps no
    owners (vfat's `quiet`): see the module's docs."""
    stat()


def chown(*args, **kwargs):
    """Change the owner and group id of path to the numeric uid and gid.\\

  path
    Path to be examined; can be string, bytes, a path-like object, or open-file-descriptor int.
  dir_fd
    If not None, it should be a file descriptor open to a directory,
    and path should be relative; path will then be relative to that
    directory.
  follow_symlinks
    If False, and the last element of the path is a symbolic link,
    stat will examine the symbolic link itself instead of the file
    the link points to.

path may always be specified as a string.
On some platforms, path may also be specified as an open file descriptor.
  If this functionality is unavailable, using it raises an exception.
If dir_fd is not None, it should be a file descriptor open to a directory,
  and path should be relative; path will then be relative to that directory.
If follow_symlinks is False, and the last element of the path is a symbolic
  link, chown will modify the symbolic link itself instead of the file the
  link points to.
It is an error to use dir_fd or follow_symlinks when specifying path as
  an open file descriptor.
dir_fd and follow_symlinks may not be implemented on your platform.
  If they are unavailable, using them will raise a NotImplementedError."""
    import os
    given, uid, gid, dir_fd, follow_symlinks = parse_arguments(
        "chown", ["path", "uid", "gid", "dir_fd", "follow_symlinks"], {"dir_fd": None, "follow_symlinks": True}, args, kwargs, 3)
    path = path_argument("chown", given, allow_fd=True)
    uid, gid = _owner_id(uid, "uid"), _owner_id(gid, "gid")
    if isinstance(path, int) and not follow_symlinks:
        raise ValueError("chown: cannot use fd and follow_symlinks together")
    sys.audit("os.chown", given, uid, gid, -1 if dir_fd is None else dir_fd)
    _change_owner(lambda: os.stat(given, dir_fd=dir_fd, follow_symlinks=follow_symlinks))


def lchown(*args, **kwargs):
    """Change the owner and group id of path to the numeric uid and gid.

This function will not follow symbolic links.
Equivalent to os.chown(path, uid, gid, follow_symlinks=False)."""
    import os
    given, uid, gid = parse_arguments("lchown", ["path", "uid", "gid"], {}, args, kwargs)
    path_argument("lchown", given)
    uid, gid = _owner_id(uid, "uid"), _owner_id(gid, "gid")
    sys.audit("os.chown", given, uid, gid, -1)
    _change_owner(lambda: os.lstat(given))


def fchown(*args, **kwargs):
    """Change the owner and group id of the file specified by file descriptor.

Equivalent to os.chown(fd, uid, gid)."""
    import os
    fd, uid, gid = parse_arguments("fchown", ["fd", "uid", "gid"], {}, args, kwargs)
    fd = c_int(fd)
    uid, gid = _owner_id(uid, "uid"), _owner_id(gid, "gid")
    sys.audit("os.chown", fd, uid, gid, -1)
    _change_owner(lambda: os.fstat(fd))


PWD_DOC = """This module provides access to the Unix password database.
It is available on all Unix versions.

Password database entries are reported as 7-tuples containing the following
items from the password database (see `<pwd.h>'), in order:
pw_name, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell.
The uid and gid items are integers, all others are strings. An
exception is raised if the entry asked for cannot be found."""

GRP_DOC = """Access to the Unix group database.

Group entries are reported as 4-tuples containing the following fields
from the group database, in order:

  gr_name   - name of the group
  gr_passwd - group password (encrypted); often empty
  gr_gid    - numeric ID of the group
  gr_mem    - list of members

The gid is an integer, name and password are strings.  (Note that most
users are not explicitly listed as members of the groups they are in
according to the password database.  Check both databases to get
complete membership information.)"""


def _database(name, doc, struct, functions):
    module = builtin_module(types.ModuleType(name, doc))
    setattr(module, struct.__name__, struct)
    for function in functions:
        setattr(module, function.__name__, builtin_function(function, module, _SHAPES.get(function)))
    return module


# The parameters `inspect` shows for each function, as CPython's text signatures give them.
_SHAPES = {
    getpwuid: lambda uidobj, /: None, getpwnam: lambda name, /: None, getpwall: lambda: None,
    getgrgid: lambda id: None, getgrnam: lambda name: None, getgrall: lambda: None,
    umask: lambda mask, /: None,
    chown: lambda path, uid, gid, *, dir_fd=None, follow_symlinks=True: None,
    lchown: lambda path, uid, gid: None, fchown: lambda fd, uid, gid: None,
}


def install():
    """Puts `pwd` and `grp` in `sys.modules`, and the process's ids and `umask` in `os`."""
    import os
    sys.modules["pwd"] = _database("pwd", PWD_DOC, struct_passwd, [getpwuid, getpwnam, getpwall])
    sys.modules["grp"] = _database("grp", GRP_DOC, struct_group, [getgrgid, getgrnam, getgrall])
    for name, doc, value in PROCESS_IDS:
        function = builtin_function(_process_ids(name, doc, value), posix, lambda: None)
        setattr(posix, name, function)
        setattr(os, name, function)
    function = builtin_function(umask, posix, _SHAPES[umask])
    posix.umask = os.umask = function
    for function in (chown, lchown, fchown):
        made = builtin_function(function, posix, _SHAPES[function])
        setattr(posix, function.__name__, made)
        setattr(os, function.__name__, made)
        os.__all__.append(function.__name__)
    for kind in (os.supports_fd, os.supports_dir_fd, os.supports_follow_symlinks):
        kind.add(os.chown)
