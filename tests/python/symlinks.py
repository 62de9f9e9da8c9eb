"""Symbolic links to absolute paths, which WASI refuses and Linux makes: the link leads to its
target (a file, a folder, nothing), `os.readlink` gives back what was given (str, bytes, path-like),
`os.path.realpath` and `Path.resolve` end at the target, relative links are as they were, the link
still leads to its target after `os.rename`, `os.replace` and `shutil.move` (itself or its folder),
the errors of a link made twice, of a bad type and of `readlink` on what is no link, and `os.stat`
and `os.DirEntry.stat` through links (one, two in a row, to a folder; str, bytes, a descriptor's
folder) naming the target's inode, so that `samefile` holds, while `os.lstat` names the link's own.
tests/tests/sandbox.rs compares this with native CPython."""
import os
import pathlib
import shutil
import tempfile

from transcript import attempt


top = tempfile.mkdtemp()
at = lambda *names: os.path.join(top, *names)  # noqa: E731
with open(at("real.txt"), "w") as f:
    f.write("the target's text")
os.mkdir(at("sub"))
os.mkdir(at("folder"))
open(at("folder", "inside.txt"), "w").close()

attempt("a link to an absolute file path", lambda: os.symlink(at("real.txt"), at("sub", "link")))
attempt("read through it", lambda: open(at("sub", "link")).read())
attempt("readlink gives what was given", lambda: os.readlink(at("sub", "link")) == at("real.txt"))
attempt("readlink of bytes", lambda: os.readlink(os.fsencode(at("sub", "link"))) == os.fsencode(at("real.txt")))
attempt("readlink of a Path", lambda: os.readlink(pathlib.Path(at("sub", "link"))) == at("real.txt"))
attempt("Path.readlink", lambda: pathlib.Path(at("sub", "link")).readlink() == pathlib.Path(at("real.txt")))
attempt("islink, isfile", lambda: (os.path.islink(at("sub", "link")), os.path.isfile(at("sub", "link"))))
attempt("realpath ends at the target", lambda: os.path.realpath(at("sub", "link")) == os.path.realpath(at("real.txt")))
attempt("made again", lambda: os.symlink(at("real.txt"), at("sub", "link")))
attempt("a link to nothing", lambda: os.symlink(at("nothing"), at("dangling")))
attempt("it exists only as a link", lambda: (os.path.exists(at("dangling")), os.path.lexists(at("dangling"))))
attempt("opened", lambda: open(at("dangling")))
attempt("a bytes link", lambda: os.symlink(os.fsencode(at("real.txt")), os.fsencode(at("blink"))))
attempt("read through the bytes link", lambda: open(at("blink")).read())
attempt("Path.symlink_to a folder", lambda: pathlib.Path(at("dirlink")).symlink_to(pathlib.Path(at("folder")), target_is_directory=True))
attempt("listed through it", lambda: os.listdir(at("dirlink")))
attempt("resolved", lambda: pathlib.Path(at("dirlink", "inside.txt")).resolve() == pathlib.Path(at("folder", "inside.txt")).resolve())
attempt("a relative link", lambda: os.symlink("real.txt", at("relative")))
attempt("stays relative", lambda: os.readlink(at("relative")))
attempt("a link to a file in a subfolder", lambda: os.symlink(at("folder", "inside.txt"), at("sub", "deep")))
attempt("read through it", lambda: open(at("sub", "deep")).read())
attempt("copytree keeps links", lambda: shutil.copytree(at("sub"), at("copy"), symlinks=True) and os.path.islink(at("copy", "link")))
attempt("a link to None", lambda: os.symlink(None, at("none")))
attempt("readlink of a file", lambda: os.readlink(at("real.txt")))
attempt("readlink of nothing", lambda: os.readlink(at("missing")))
os.remove(at("sub", "link"))
attempt("removed", lambda: os.path.lexists(at("sub", "link")))
attempt("made anew, relative", lambda: (os.symlink("../real.txt", at("sub", "link")), os.readlink(at("sub", "link"))))
shutil.rmtree(top)

print("-- moved")
top = tempfile.mkdtemp()
with open(at("real.txt"), "w") as f:
    f.write("the target's text")
for name in ("a", "b", os.path.join("b", "deeper")):
    os.mkdir(at(name))
os.symlink(at("real.txt"), at("a", "link"))
attempt("renamed into another folder", lambda: (os.rename(at("a", "link"), at("b", "deeper", "link")), open(at("b", "deeper", "link")).read()))
attempt("readlink there", lambda: os.readlink(at("b", "deeper", "link")) == at("real.txt"))
attempt("replaced back", lambda: (os.replace(at("b", "deeper", "link"), at("link")), open(at("link")).read()))
attempt("moved by shutil", lambda: (shutil.move(at("link"), at("a", "moved")) == at("a", "moved"), open(at("a", "moved")).read()))
attempt("its folder moved", lambda: (os.rename(at("a"), at("b", "deeper", "a")), open(at("b", "deeper", "a", "moved")).read()))
attempt("readlink after", lambda: os.readlink(at("b", "deeper", "a", "moved")) == at("real.txt"))
shutil.rmtree(top)

print("-- the same file")
top = tempfile.mkdtemp()
with open(at("real.txt"), "w") as f:
    f.write("the target's text")
os.mkdir(at("folder"))
os.symlink(at("real.txt"), at("link"))
os.symlink("link", at("link2"))
os.symlink(at("folder"), at("dirlink"))
os.symlink("real.txt", at("relative"))
attempt("samefile(link, target)", lambda: os.path.samefile(at("link"), at("real.txt")))
attempt("through two links", lambda: os.path.samefile(at("link2"), at("real.txt")))
attempt("a relative link", lambda: os.path.samefile(at("relative"), at("real.txt")))
attempt("Path.samefile", lambda: pathlib.Path(at("link")).samefile(at("real.txt")))
attempt("a folder's link", lambda: os.path.samefile(at("dirlink"), at("folder")))
attempt("bytes", lambda: os.stat(os.fsencode(at("link"))).st_ino == os.stat(at("real.txt")).st_ino)
attempt("the link's own inode differs", lambda: os.lstat(at("link")).st_ino != os.stat(at("real.txt")).st_ino)
attempt("follow_symlinks=False is lstat", lambda: os.stat(at("link"), follow_symlinks=False) == os.lstat(at("link")))
with open(at("link")) as opened:
    attempt("the opened file's", lambda: os.stat(at("link")).st_ino == os.fstat(opened.fileno()).st_ino)
attempt("the rest is the target's", lambda: [getattr(os.stat(at("link")), n) == getattr(os.stat(at("real.txt")), n) for n in ("st_mode", "st_size", "st_nlink", "st_mtime", "st_mtime_ns", "st_ctime", "st_blksize", "st_blocks")])
attempt("a whole stat_result", lambda: os.stat(at("link")) == os.stat(at("real.txt")))
attempt("its type", lambda: type(os.stat(at("link"))).__name__)
folder = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
attempt("from a folder's descriptor", lambda: os.stat("link2", dir_fd=folder).st_ino == os.stat("real.txt", dir_fd=folder).st_ino)
attempt("a file is itself", lambda: os.path.samefile(at("real.txt"), at("real.txt")))
attempt("two files are not", lambda: os.path.samefile(at("real.txt"), at("folder")))
os.symlink(at("missing"), at("dangling"))
attempt("a dangling link", lambda: os.stat(at("dangling")))
os.symlink("loop1", at("loop2"))
os.symlink("loop2", at("loop1"))
attempt("a loop", lambda: os.stat(at("loop1")))
entries = {entry.name: entry for entry in os.scandir(top)}
attempt("DirEntry.stat through a link", lambda: entries["link"].stat() == os.stat(at("link")))
attempt("and not", lambda: entries["link"].stat(follow_symlinks=False) == os.lstat(at("link")))
attempt("DirEntry.inode is the link's", lambda: entries["link"].inode() == os.lstat(at("link")).st_ino)
attempt("a folder's link entry", lambda: entries["dirlink"].stat().st_ino == os.stat(at("folder")).st_ino)
attempt("a file's entry", lambda: entries["real.txt"].stat() == os.stat(at("real.txt")))
attempt("a bytes entry", lambda: [e.stat().st_ino for e in os.scandir(os.fsencode(top)) if e.name == b"link2"] == [os.stat(at("real.txt")).st_ino])
attempt("DirEntry.stat's name", lambda: (os.DirEntry.stat.__name__, os.DirEntry.stat.__qualname__))
attempt("shutil.copyfile onto a link to itself", lambda: shutil.copyfile(at("real.txt"), at("link")))
os.close(folder)
shutil.rmtree(top)
