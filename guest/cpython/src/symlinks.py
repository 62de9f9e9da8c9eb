"""Symbolic links to absolute paths, which WASI refuses.

Linux stores a link's target as given, and programs give absolute ones: tornado's static-file tests,
`pathlib.Path.symlink_to(other_path)`, `shutil.copytree(symlinks=True)` of absolute links. WASI
refuses an absolute target (EPERM): the host would read it in its own namespace, outside the folder
the sandbox was given. So `os.symlink` with an absolute target that WASI refuses writes the same
target relative to the link's folder, which leads where the absolute path leads inside the
sandbox, and on the host too, where pysock gives each folder at its own path. A target in another of
the sandbox's folders makes a link that the sandbox cannot follow (WASI keeps each folder's links
inside it), as a dangling one.

`os.readlink` of a link made so gives back the absolute target it was given, as Linux would, while
it holds what was written; otherwise what the link holds. `os.rename` and `os.replace` (and so
`shutil.move`) of such a link write it anew where it lands, so that it still leads to its target;
moved by other means (another process, a hard link), it leads where its relative target leads.
"""

import functools
import os
import posix

from _pysock._builtin_function import builtin_function

# The links made relative: the link's absolute path -> (what was written, what was given).
_made = {}


def _key(path):
    return os.path.normpath(os.path.abspath(os.fsdecode(path)))


def install():
    real_symlink, real_readlink = os.symlink, os.readlink

    @functools.wraps(real_symlink)
    def symlink(src, dst, target_is_directory=False, *, dir_fd=None):
        try:
            real_symlink(src, dst, target_is_directory, dir_fd=dir_fd)
        except PermissionError:
            if dir_fd is not None or not os.path.isabs(src):
                raise
        else:
            if dir_fd is None:
                _made.pop(_key(dst), None)  # a new link where one made relative was
            return
        # Outside the except clause, so that an error of this call is not shown as raised in it.
        target = os.fspath(src)
        folder = os.path.dirname(os.path.abspath(os.fspath(dst)))
        written = os.path.relpath(target, folder if isinstance(target, str) else os.fsencode(folder))
        real_symlink(written, dst, target_is_directory)
        _made[_key(dst)] = (written, target)

    @functools.wraps(real_readlink)
    def readlink(path, *, dir_fd=None):
        held = real_readlink(path, dir_fd=dir_fd)
        if dir_fd is None and not isinstance(path, int):
            written, given = _made.get(_key(path), (None, None))
            if written is not None and os.fsencode(held) == os.fsencode(written):
                return os.fsencode(given) if isinstance(held, bytes) else os.fsdecode(given)
        return held

    def moved(real_move):
        """`os.rename` or `os.replace`, after which each link made relative that moved (itself, or
        in a folder that moved) is written anew where it is, so that it still leads to its absolute
        target, as a link holding that target would."""
        @functools.wraps(real_move)
        def move(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
            real_move(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)
            if src_dir_fd is not None or dst_dir_fd is not None:
                return
            old, new = _key(src), _key(dst)
            _made.pop(new, None)
            for link in [k for k in _made if k == old or k.startswith(old + os.sep)]:
                given, landed = _made.pop(link)[1], new + link[len(old):]
                if os.path.islink(landed):
                    os.unlink(landed)
                    symlink(given, landed)
        return move

    real_rename, real_replace = os.rename, os.replace
    rename, replace = moved(real_rename), moved(real_replace)
    # In the C functions' module too, where pickle finds them by their __module__.
    functions = [builtin_function(f, posix) for f in (symlink, readlink, rename, replace)]
    os.symlink, os.readlink, os.rename, os.replace = posix.symlink, posix.readlink, posix.rename, posix.replace = functions
    for kind in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks):
        for real, new in zip((real_symlink, real_readlink, real_rename, real_replace), functions):
            if real in kind:
                kind.add(new)
