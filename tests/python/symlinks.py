"""Symbolic links to absolute paths, which WASI refuses and Linux makes: the link leads to its
target (a file, a folder, nothing), `os.readlink` gives back what was given (str, bytes, path-like),
`os.path.realpath` and `Path.resolve` end at the target, relative links are as they were, the link
still leads to its target after `os.rename`, `os.replace` and `shutil.move` (itself or its folder),
and the errors of a link made twice, of a bad type and of `readlink` on what is no link.
tests/tests/sandbox.rs compares this with native CPython."""
import errno
import os
import pathlib
import shutil
import tempfile


def attempt(label, f):
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} {errno.errorcode.get(e.errno, e.errno)}")
    except TypeError as e:
        print(f"{label}: {type(e).__name__} {e}")


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
