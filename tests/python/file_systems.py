"""File systems as Linux shows them: `os.statvfs` and `os.fstatvfs` (which WASI CPython lacks) of a
folder, a file, a descriptor, bytes and a Path, their refusals and argument errors, a socket's and a
pipe's, `shutil.disk_usage`; and the empty path, which names nothing (ENOENT from every function
that takes a path, `os.access` False, nothing deleted by `shutil.rmtree("")`), where WASI's libc
reads it as the working folder, and the descriptor -1, which names no path either; `os.getcwd()`
after changes of folder through `..`, `.`, doubled slashes and a link, naming the folder itself. tests/tests/sandbox.rs compares this with native CPython."""
import io
import os
import pathlib
import shutil
import socket
import tempfile

from transcript import attempt


top = tempfile.mkdtemp()
os.chdir(top)
with open("kept.txt", "w") as f:
    f.write("still here")
os.mkdir("folder")

st = os.statvfs(top)
attempt("statvfs gives", lambda: type(st).__name__)
attempt("its sizes", lambda: (st.f_bsize > 0, st.f_frsize > 0, st.f_blocks >= st.f_bfree >= st.f_bavail >= 0, st.f_files >= st.f_ffree, st.f_namemax))
attempt("the tuple holds ten fields", lambda: len(st))
attempt("f_fsid beyond it", lambda: isinstance(st.f_fsid, int))
attempt("a writable file system", lambda: bool(st.f_flag & os.ST_RDONLY))
attempt("a file there, on the same one", lambda: os.statvfs("kept.txt").f_fsid == st.f_fsid)
attempt("bytes and a Path", lambda: os.statvfs(os.fsencode(top)).f_fsid == os.statvfs(pathlib.Path(top)).f_fsid == st.f_fsid)
attempt("by keyword", lambda: os.statvfs(path=".").f_namemax)
fd = os.open("kept.txt", os.O_RDONLY)
attempt("fstatvfs of a file", lambda: os.fstatvfs(fd).f_fsid == st.f_fsid)
attempt("statvfs of its descriptor", lambda: os.statvfs(fd).f_fsid == st.f_fsid)
attempt("statvfs takes descriptors", lambda: os.statvfs in os.supports_fd)
os.close(fd)
attempt("fstatvfs of a closed descriptor", lambda: os.fstatvfs(fd))
attempt("statvfs of a closed descriptor", lambda: os.statvfs(fd))
attempt("statvfs(-1)", lambda: os.statvfs(-1))
attempt("fstatvfs(-1)", lambda: os.fstatvfs(-1))
with socket.socket() as sock:
    attempt("fstatvfs of a socket", lambda: tuple(os.fstatvfs(sock.fileno())))
    attempt("fstatvfs of a socket object", lambda: os.fstatvfs(sock))
    attempt("statvfs of a socket object", lambda: os.statvfs(sock))
r, w = os.pipe()
attempt("fstatvfs of a pipe", lambda: tuple(os.fstatvfs(r)))
os.close(r)
os.close(w)
attempt("statvfs of None", lambda: os.statvfs(None))
attempt("statvfs of a float", lambda: os.statvfs(1.5))
attempt("statvfs of nothing", lambda: os.statvfs())
attempt("fstatvfs of nothing", lambda: os.fstatvfs())
attempt("fstatvfs by keyword", lambda: os.fstatvfs(fd=0))
attempt("statvfs of a missing path", lambda: os.statvfs("missing"))
attempt("statvfs through a file", lambda: os.statvfs("kept.txt/x"))
usage = shutil.disk_usage(top)
attempt("shutil.disk_usage", lambda: (type(usage).__name__, usage.total == st.f_blocks * st.f_frsize, usage.used <= usage.total))
attempt("Linux's ST_ flags", lambda: (os.ST_RDONLY, os.ST_NOSUID, os.ST_NODEV, os.ST_NOEXEC, os.ST_RELATIME))

print("-- the empty path")
for empty in ("", b""):
    for name, call in [
        ("os.stat", lambda: os.stat(empty)),
        ("os.lstat", lambda: os.lstat(empty)),
        ("os.stat with dir_fd", lambda: os.stat(empty, dir_fd=dir_fd)),
        ("os.open", lambda: os.open(empty, os.O_RDONLY)),
        ("os.listdir", lambda: os.listdir(empty)),
        ("os.scandir", lambda: list(os.scandir(empty))),
        ("os.mkdir", lambda: os.mkdir(empty)),
        ("os.rmdir", lambda: os.rmdir(empty)),
        ("os.unlink", lambda: os.unlink(empty)),
        ("os.remove", lambda: os.remove(empty)),
        ("os.chdir", lambda: os.chdir(empty)),
        ("os.readlink", lambda: os.readlink(empty)),
        ("os.truncate", lambda: os.truncate(empty, 0)),
        ("os.utime", lambda: os.utime(empty)),
        ("os.chmod", lambda: os.chmod(empty, 0o755)),
        ("os.statvfs", lambda: os.statvfs(empty)),
        ("os.pathconf", lambda: os.pathconf(empty, "PC_NAME_MAX")),
        ("os.rename from it", lambda: os.rename(empty, "x")),
        ("os.rename onto it", lambda: os.rename(os.fsencode("kept.txt") if empty else "kept.txt", empty)),
        ("os.replace", lambda: os.replace(empty, "x")),
        ("os.link", lambda: os.link(empty, "x")),
        ("os.symlink named so", lambda: os.symlink("kept.txt", empty)),
        ("open", lambda: open(empty)),
        ("open to write", lambda: open(empty, "wb")),
        ("io.FileIO", lambda: io.FileIO(empty)),
        ("os.access", lambda: os.access(empty, os.R_OK)),
        ("os.path.exists", lambda: os.path.exists(empty)),
        ("os.path.isdir", lambda: os.path.isdir(empty)),
        ("os.path.lexists", lambda: os.path.lexists(empty)),
        ("os.walk", lambda: list(os.walk(empty))),
    ]:
        dir_fd = os.open(".", os.O_RDONLY)
        attempt(f"{name}({empty!r})", call)
        os.close(dir_fd)


def names_in_error(call):
    try:
        call()
    except OSError as e:
        return e.filename, e.filename2


print("-- the descriptor -1, CPython's no descriptor")
attempt("os.stat(-1)", lambda: os.stat(-1))
attempt("os.truncate(-1, 0)", lambda: os.truncate(-1, 0))
attempt("os.utime(-1)", lambda: os.utime(-1))
attempt("os.stat(-2)", lambda: os.stat(-2))
attempt("os.utime(-2)", lambda: os.utime(-2))
attempt("os.truncate(-2, 0)", lambda: os.truncate(-2, 0))
attempt("the error names the path", lambda: names_in_error(lambda: os.stat("")))
attempt("and both of a rename", lambda: names_in_error(lambda: os.rename("kept.txt", "")))
attempt("but not utime's", lambda: names_in_error(lambda: os.utime("")))
attempt("os.makedirs of a bare name's folder", lambda: os.makedirs(os.path.dirname("name.txt"), exist_ok=True))
attempt("shutil.rmtree('')", lambda: shutil.rmtree(""))
attempt("the working folder keeps its files", lambda: sorted(os.listdir(".")))
attempt("and their text", lambda: open("kept.txt").read())
attempt("listdir() is still the working folder's", lambda: sorted(os.listdir()))


def arguments_of(call):
    try:
        call()
    except OSError as e:
        return e.args, e.filename


attempt("an error of -1's keeps errno and words as its arguments", lambda: arguments_of(lambda: os.statvfs(-1)))
attempt("OSError(EFAULT, words, name)'s arguments", lambda: OSError(14, "Bad address", "name").args)


print("-- the working folder")
os.makedirs("deep/er")
os.symlink("deep", "shortcut")
for step in ["deep", "..", "deep/er", "../..", "./deep", ".", "er/", "../../deep//er/./..", "..", "shortcut", "..", "shortcut/er", "../.."]:
    os.chdir(step)
    attempt(f"chdir({step!r}), then getcwd", lambda: os.path.relpath(os.getcwd(), top) if os.getcwd().startswith(top) else os.getcwd())
attempt("Path.cwd() after", lambda: pathlib.Path.cwd() == pathlib.Path(top))
for _ in range(300):
    os.chdir("deep")
    os.chdir("..")
attempt("300 rounds in and out, then getcwd", lambda: os.getcwd() == top)
