"""os.stat, os.lstat, os.listdir and os.scandir of paths, which pysock answers in one host call
(guest/cpython/src/path_lookups.rs): types and modes (a socket file's whole), links followed and not, a
link's block size, what each agrees with (os.fstat, os.DirEntry.stat, os.path, pathlib,
os.path.samefile), paths as str, bytes, a str subclass and os.PathLike, dir_fd (a folder, a file, a
socket, a closed number) and follow_symlinks as any object, listings (of a folder's descriptor too),
os.scandir's entries and its iterator (closed, exhausted, collected unclosed), what walks by them
(os.walk, glob, shutil.rmtree by descriptors), and the errors with the path they name.
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
for listing in (os.listdir, os.scandir):
    called = listing.__name__
    for label, given in [("missing", "missing"), ("a file", "folder/file"), ("a dangling link", "dangling"), ("a loop", "loop_a"),
                         ("pathlib", pathlib.Path("missing")), ("bytes", b"folder/file/"), ("the null device", "//dev/./null")]:
        attempt(f"{called}, {label}", lambda: named(lambda: listing(given)))
    attempt(f"{called} of a file's descriptor", lambda: named(lambda: listing(fd))[:3])
    attempt(f"{called} of a closed descriptor", lambda: listing(closed))
    attempt(f"{called} of a socket's descriptor", lambda: named(lambda: listing(listener.fileno()))[:3])
    attempt(f"{called} of a huge number", lambda: listing(2**40))
    attempt(f"{called} of a float", lambda: listing(1.5))



def entry_facts(entry):
    """What an os.DirEntry says of itself, and whether its stat agrees with os.stat's."""
    facts = [entry.name, entry.path, repr(entry), os.fspath(entry) == entry.path, entry.is_symlink()]
    for follow in (True, False):
        facts += [entry.is_dir(follow_symlinks=follow), entry.is_file(follow_symlinks=follow)]
        try:
            facts.append(stat.filemode(entry.stat(follow_symlinks=follow).st_mode))
        except OSError as e:
            facts.append(type(e).__name__)
    facts.append(entry.inode() == os.lstat(entry.path if "/" in os.fsdecode(entry.path) else os.path.join("folder", entry.name)).st_ino)
    return facts


def scanned(given=None, use=entry_facts):
    with (os.scandir(given) if given is not None else os.scandir()) as entries:
        return sorted(use(entry) for entry in entries)


attempt("scandir", lambda: scanned("folder"))
attempt("scandir, bytes", lambda: scanned(b"folder"))
attempt("scandir, os.PathLike", lambda: (scanned(pathlib.Path("folder")) == scanned("folder"), scanned(Location(b"folder")) == scanned(b"folder")))
attempt("scandir, a str subclass", lambda: scanned(Text("folder")) == scanned("folder"))
attempt("scandir, the working folder", lambda: (scanned(use=lambda e: e.path), scanned(None, lambda e: e.path) == scanned(".", lambda e: e.path)))
attempt("scandir, a trailing separator", lambda: scanned("folder//", lambda e: e.path))
attempt("scandir, through a link", lambda: scanned("folder_link", lambda e: (e.name, e.path, e.is_dir(), e.is_symlink())))
attempt("scandir of an absolute path", lambda: scanned(os.path.join(top, "folder"), lambda e: e.path) == [os.path.join(top, "folder", n) for n in names("folder")])
attempt("scandir by keyword", lambda: sorted(e.name for e in os.scandir(path="folder")))
attempt("scandir of a folder's descriptor", lambda: scanned(folder))
attempt("a descriptor's entry stats from it", lambda: [kept(e.stat()) == kept(os.stat(os.path.join("folder", e.name))) for e in sorted(os.scandir(folder), key=lambda e: e.name) if e.name != "link"])
attempt("the descriptor stays open", lambda: (list(os.scandir(folder)) != [], os.fstat(folder).st_ino == os.stat("folder").st_ino))
attempt("DirEntry.stat of a dangling link", lambda: [named(lambda: e.stat()) for e in os.scandir(".") if e.name == "dangling"])
attempt("scandir(a, b)", lambda: os.scandir("a", "b"))
attempt("scandir and descriptors", lambda: (os.scandir in os.supports_fd, os.listdir in os.supports_fd))


def iterator_facts():
    entries = os.scandir("folder")
    facts = [type(entries).__module__, type(entries).__name__, iter(entries) is entries, entries.__enter__() is entries]
    facts.append(next(entries).name in names("folder"))
    facts.append((entries.close(), entries.close()))
    facts.append(next(entries, "stopped after close"))
    entries = os.scandir("folder")
    facts.append((len(list(entries)), next(entries, "stopped at the end"), entries.close()))
    with os.scandir("folder") as entries:
        next(entries)
    facts.append(next(entries, "stopped after with"))
    return facts


def unclosed():
    import gc
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = os.scandir("folder")
        next(entries)
        del entries
        finished = os.scandir("folder")
        list(finished)
        del finished
        gc.collect()
    return [(w.category.__name__, str(w.message).split(" <")[0]) for w in caught]


def pickled():
    import pickle
    try:
        pickle.dumps(os.scandir("folder"))
    except TypeError:
        return "refused"




def entry_methods():
    link = next(e for e in os.scandir("folder") if e.name == "link")
    facts = [link.stat() is link.stat(), link.stat(follow_symlinks=False) is link.stat(follow_symlinks=False),
             link.stat() is link.stat(follow_symlinks=False)]
    file = next(e for e in os.scandir("folder") if e.name == "file")
    size = file.stat().st_size
    with open("folder/file", "a") as f:
        f.write("more")
    facts += [file.stat() is file.stat(follow_symlinks=False), file.stat().st_size == size, os.stat("folder/file").st_size - size]
    with open("folder/file", "w") as f:
        f.write("x" * 5000)
    facts += [repr(os.DirEntry.stat), repr(os.DirEntry.is_dir), os.DirEntry.is_file.__text_signature__, os.DirEntry.is_symlink.__doc__]
    return facts


attempt("DirEntry's methods", entry_methods)
some_entry = next(os.scandir("folder"))
# (An unknown keyword is left out: its words changed in 3.13.)
for label, call in [("is_dir(True)", lambda: some_entry.is_dir(True)),
                    ("is_file(follow_symlinks=[])", lambda: some_entry.is_file(follow_symlinks=[]) in (True, False)),
                    ("stat(True)", lambda: some_entry.stat(True)),
                    ("stat, two keywords", lambda: some_entry.stat(follow_symlinks=False, x=2)),
                    ("is_symlink(1)", lambda: some_entry.is_symlink(1)), ("is_dir of an int", lambda: os.DirEntry.is_dir(1))]:
    attempt(f"DirEntry.{label}", call)
attempt("the iterator", iterator_facts)
attempt("collected unclosed", unclosed)
attempt("pickled", pickled)


def walked(top_path, **kwargs):
    return sorted((root, sorted(folders), sorted(files)) for root, folders, files in os.walk(top_path, **kwargs))


def removed_by_descriptors():
    import shutil
    os.makedirs("doomed/inner/deeper")
    with open("doomed/inner/deeper/data", "w") as f:
        f.write("gone")
    os.symlink(os.path.join(top, "folder"), "doomed/inner/to_folder")
    os.symlink(os.path.join(top, "folder/file"), "doomed/to_file")
    shutil.rmtree("doomed")
    return shutil.rmtree.avoids_symlink_attacks, os.path.exists("doomed"), sorted(os.listdir("folder")) == names("folder"), os.path.getsize("folder/file")


attempt("os.walk", lambda: walked("."))
attempt("os.walk, bytes", lambda: walked(b"folder"))
attempt("os.walk, following links", lambda: walked("folder_link", followlinks=True))
attempt("glob", lambda: sorted(__import__("glob").glob("*/*")))
attempt("pathlib's glob", lambda: sorted(str(p) for p in pathlib.Path(".").glob("folder/*")))
attempt("rmtree", removed_by_descriptors)

os.chdir("folder")
attempt("after chdir", lambda: (kept(os.stat("file")) == kept(os.stat(os.path.join(top, "folder/file"))), stat.filemode(os.stat("..").st_mode)))
attempt("after chdir, missing", lambda: named(lambda: os.stat("missing")))
attempt("after chdir, listdir", lambda: (names(), names("..")))
listener.close()
