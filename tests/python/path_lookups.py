"""os.stat, os.lstat and os.listdir of paths, which pysock answers in one host call (guest/cpython/src/path_lookups.rs):
types and modes (a socket file's whole), links followed and not, a link's block size, what each
agrees with (os.fstat, os.DirEntry.stat, os.path, pathlib, os.path.samefile), paths as str, bytes,
a str subclass and os.PathLike, dir_fd (a folder, a file, a socket, a closed number) and
follow_symlinks as any object, listings (of a folder's descriptor too), and the errors with the
path they name.
tests/tests/sandbox.rs compares this with native CPython."""
import os
import pathlib
import socket
import stat
import tempfile

from transcript import attempt

os.umask(0o022)
top = tempfile.mkdtemp()
os.chdir(top)
os.mkdir("folder")
with open("folder/file", "w") as f:
    f.write("x" * 5000)
os.symlink("file", "folder/link")
os.symlink("folder", "folder_link")
os.symlink("nowhere", "dangling")
os.symlink("loop_b", "loop_a")
os.symlink("loop_a", "loop_b")
listener = socket.socket(socket.AF_UNIX)
listener.bind("folder/sock")

KEPT = ["st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size", "st_blocks", "st_blksize", "st_mtime", "st_mtime_ns"]


def kept(result):
    return [getattr(result, name) for name in KEPT]


def described(result):
    return (stat.filemode(result.st_mode), result.st_size, result.st_nlink, result.st_blocks > 0, result.st_blksize)


for path in ["folder", "folder/file", "folder/link", "folder_link", "folder_link/file", "dangling", "folder/sock", ".", "folder/../folder/file", "folder//file"]:
    attempt(f"stat {path}", lambda: described(os.stat(path)))
    attempt(f"lstat {path}", lambda: described(os.lstat(path)))

attempt("a link's block size", lambda: (os.lstat("folder/link").st_blksize, os.lstat("folder/link").st_blocks))
attempt("a link followed is its target", lambda: kept(os.stat("folder/link")) == kept(os.stat("folder/file")))
attempt("and not the link", lambda: os.lstat("folder/link").st_ino != os.stat("folder/file").st_ino)
attempt("through a folder's link", lambda: kept(os.stat("folder_link/file")) == kept(os.stat("folder/file")))
attempt("samefile", lambda: (os.path.samefile("folder/link", "folder/file"), os.path.samefile("folder_link", "folder")))
fd = os.open("folder/file", os.O_RDONLY)
attempt("stat equals fstat", lambda: kept(os.stat("folder/file")) == kept(os.fstat(fd)))
attempt("stat of the descriptor", lambda: kept(os.stat(fd)) == kept(os.fstat(fd)))
attempt("fstat of a folder", lambda: kept(os.fstat(os.open("folder", os.O_RDONLY))) == kept(os.stat("folder")))
attempt("fstat by keyword", lambda: kept(os.fstat(fd=fd)) == kept(os.fstat(fd)))
attempt("fstat of a socket", lambda: stat.S_ISSOCK(os.fstat(listener.fileno()).st_mode))
attempt("fstat of a pipe", lambda: stat.S_ISFIFO(os.fstat(os.pipe()[0]).st_mode))
for label, call in [("stat()", lambda: os.stat()), ("stat(a, b)", lambda: os.stat("a", "b")), ("stat(a, path=a)", lambda: os.stat("a", path="a")),
                    ("lstat(a, 1)", lambda: os.lstat("a", 1)), ("fstat()", lambda: os.fstat()), ("fstat(1, 2)", lambda: os.fstat(1, 2)),
                    ("fstat(fd=0, x=1)", lambda: os.fstat(fd=0, x=1)), ("listdir(a, b)", lambda: os.listdir("a", "b"))]:
    attempt(f"arguments: {label}", call)
with os.scandir("folder") as entries:
    found = {e.name: e for e in entries}
for name in ["file", "link", "sock"]:
    attempt(f"DirEntry.stat {name}", lambda: (kept(found[name].stat()) == kept(os.stat(f"folder/{name}")),
                                              kept(found[name].stat(follow_symlinks=False)) == kept(os.lstat(f"folder/{name}"))))
attempt("os.path", lambda: (os.path.exists("folder/file"), os.path.isdir("folder"), os.path.isfile("folder/link"),
                            os.path.islink("folder/link"), os.path.lexists("dangling"), os.path.exists("dangling"),
                            os.path.getsize("folder/file"), os.path.getmtime("folder/file") == os.stat("folder/file").st_mtime))
attempt("pathlib", lambda: (pathlib.Path("folder/file").stat().st_size, pathlib.Path("folder").is_dir(),
                            pathlib.Path("folder/link").is_symlink(), pathlib.Path("folder/sock").is_socket(),
                            pathlib.Path("missing").exists(), pathlib.Path("folder/link").lstat().st_mode == os.lstat("folder/link").st_mode))
attempt("a socket file", lambda: (stat.S_ISSOCK(os.stat("folder/sock").st_mode), oct(os.stat("folder/sock").st_mode)))
attempt("the working folder", lambda: kept(os.stat(".")) == kept(os.stat(top)))
attempt("an absolute path", lambda: kept(os.stat(os.path.join(top, "folder/file"))) == kept(os.stat("folder/file")))


class Text(str):
    pass


class Location:
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


attempt("bytes", lambda: kept(os.stat(b"folder/file")) == kept(os.stat("folder/file")))
attempt("a str subclass", lambda: kept(os.stat(Text("folder/file"))) == kept(os.stat("folder/file")))
attempt("os.PathLike of bytes", lambda: kept(os.stat(Location(b"folder/file"))) == kept(os.stat("folder/file")))


def named(call):
    """The error `call` raises, and the path it names."""
    try:
        call()
    except OSError as e:
        path = e.filename if isinstance(e.filename, int) else os.fsdecode(e.filename)
        return type(e).__name__, e.strerror, type(e.filename).__name__, path


for label, given in [("missing", "missing"), ("in a missing folder", "folder/missing"), ("inside a file", "folder/file/inside"),
                     ("a file as a folder", "folder/file/"), ("a dangling link", "dangling"), ("a loop", "loop_a"),
                     ("bytes", b"missing"), ("pathlib", pathlib.Path("missing")), ("a str subclass", Text("missing")),
                     ("os.PathLike", Location("missing")), ("os.PathLike of bytes", Location(b"folder/file/x"))]:
    attempt(f"stat, {label}", lambda: named(lambda: os.stat(given)))
attempt("lstat of a loop", lambda: stat.S_ISLNK(os.lstat("loop_a").st_mode))
attempt("lstat of a missing path", lambda: named(lambda: os.lstat("folder/missing")))

folder = os.open("folder", os.O_RDONLY)
closed = os.open("folder", os.O_RDONLY)
os.close(closed)
attempt("dir_fd", lambda: kept(os.stat("file", dir_fd=folder)) == kept(os.stat("folder/file")))
attempt("dir_fd, a link itself", lambda: stat.filemode(os.lstat("link", dir_fd=folder).st_mode))
attempt("dir_fd, not followed", lambda: stat.filemode(os.stat("link", dir_fd=folder, follow_symlinks=False).st_mode))
attempt("dir_fd, missing", lambda: named(lambda: os.stat("missing", dir_fd=folder)))
attempt("dir_fd of a file", lambda: named(lambda: os.stat("file", dir_fd=fd)))
attempt("dir_fd closed", lambda: named(lambda: os.stat("file", dir_fd=closed)))
attempt("dir_fd of a socket", lambda: named(lambda: os.stat("file", dir_fd=listener.fileno())))
attempt("dir_fd with an absolute path", lambda: kept(os.stat(os.path.join(top, "folder/file"), dir_fd=closed)) == kept(os.stat("folder/file")))
attempt("dir_fd None", lambda: kept(os.stat("folder/file", dir_fd=None)) == kept(os.stat("folder/file")))
for follow in [0, 1, "", "yes", None, []]:
    attempt(f"follow_symlinks={follow!r}", lambda: stat.filemode(os.stat("folder/link", follow_symlinks=follow).st_mode))

names = lambda path=None: sorted(os.listdir(path) if path is not None else os.listdir())  # noqa: E731
attempt("listdir", lambda: names("folder"))
attempt("listdir, bytes", lambda: names(b"folder"))
attempt("listdir, os.PathLike", lambda: (names(pathlib.Path("folder")), names(Location(b"folder"))))
attempt("listdir, the working folder", lambda: (names(), names(None), names("."), names(-1)))
attempt("listdir by keyword", lambda: sorted(os.listdir(path="folder")))
attempt("listdir through a link", lambda: names("folder_link") == names("folder"))
attempt("listdir of an absolute path", lambda: names(os.path.join(top, "folder")) == names("folder"))
attempt("listdir equals scandir", lambda: names("folder") == sorted(e.name for e in os.scandir("folder")))
attempt("listdir of a folder's descriptor", lambda: sorted(os.listdir(folder)))
for label, given in [("missing", "missing"), ("a file", "folder/file"), ("a dangling link", "dangling"), ("a loop", "loop_a"),
                     ("pathlib", pathlib.Path("missing")), ("bytes", b"folder/file/")]:
    attempt(f"listdir, {label}", lambda: named(lambda: os.listdir(given)))
attempt("listdir of a file's descriptor", lambda: named(lambda: os.listdir(fd))[:3])
attempt("listdir of a closed descriptor", lambda: os.listdir(closed))
attempt("listdir of a socket's descriptor", lambda: named(lambda: os.listdir(listener.fileno()))[:3])
attempt("listdir of a huge number", lambda: os.listdir(2**40))
attempt("listdir of a float", lambda: os.listdir(1.5))
attempt("listdir of the null device", lambda: named(lambda: os.listdir("//dev/./null")))

os.chdir("folder")
attempt("after chdir", lambda: (kept(os.stat("file")) == kept(os.stat(os.path.join(top, "folder/file"))), stat.filemode(os.stat("..").st_mode)))
attempt("after chdir, missing", lambda: named(lambda: os.stat("missing")))
attempt("after chdir, listdir", lambda: (names(), names("..")))
listener.close()
