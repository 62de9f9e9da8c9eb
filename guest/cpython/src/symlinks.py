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

`os.stat` through a link (any link, not only these) gives the target's inode, where WASI's libc
gives the link's own, so that `os.path.samefile(link, target)` holds as on Linux (and so does
`os.DirEntry.stat`, which looks with `os.stat`: dir_entries.rs).
"""

import functools
import os

from _pysock._builtin_function import stand_in_for_os, stat_result_with

# Linux's limit on the links one path may pass through (ELOOP beyond it).
_MAX_LINKS = 40

# The links made relative: the link's absolute path -> (what was written, what was given).
_made = {}


def _key(path):
    return os.path.normpath(os.path.abspath(os.fsdecode(path)))


def install():
    real_symlink, real_readlink, real_stat = os.symlink, os.readlink, os.stat

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

    @functools.wraps(real_stat)
    def stat(path, *, dir_fd=None, follow_symlinks=True):
        result = real_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
        if not follow_symlinks or isinstance(path, int):
            return result
        return with_target_inode(result, path, dir_fd)

    def with_target_inode(result, path, dir_fd):
        """`result`, `path`'s stat through its links, with the inode of where they end.

        WASI's libc takes a path's inode from the link itself even when it follows the link for
        everything else (its fstatat asks with `flag | AT_SYMLINK_NOFOLLOW`, always true), so a
        link and its target would not be `os.path.samefile`."""
        target = _target(path, dir_fd)
        if target is None:
            return result
        return stat_result_with(result, st_ino=real_stat(target, dir_fd=dir_fd, follow_symlinks=False).st_ino)

    def _target(path, dir_fd):
        """What the link `path` leads to through every link on the way, as a path from the same
        place (`dir_fd` or the working folder); None if `path` is no link (then or now)."""
        path, hops = os.fspath(path), 0
        while hops < _MAX_LINKS:
            try:
                held = real_readlink(path, dir_fd=dir_fd)
            except (OSError, ValueError):
                break
            path, hops = os.path.join(os.path.dirname(path), held), hops + 1
        return path if hops else None


    real_rename, real_replace = os.rename, os.replace
    rename, replace = moved(real_rename), moved(real_replace)
    stand_in_for_os(symlink, readlink, rename, replace, stat)
