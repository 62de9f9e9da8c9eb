"""Files' modes as Linux keeps them, which wasi:filesystem does not carry: st_mode's permission bits
from os.stat, os.lstat (a link's 0777), os.fstat and os.DirEntry.stat; st_blocks and st_blksize;
os.chmod and os.fchmod, their refusals and argument errors; the mode os.open, os.mkdir,
os.makedirs, tempfile.mkstemp and mkdtemp give what they make, less the umask; and what reads modes:
stat.filemode, shutil.copymode and copy2, tarfile and zipfile archives made and unpacked.
tests/tests/sandbox.rs compares this with native CPython."""
import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile

from transcript import attempt

os.umask(0o022)  # natively the harness's; the sandbox starts with Linux's usual 022
os.chdir(tempfile.mkdtemp())
with open("file", "w") as f:
    f.write("x" * 5000)
os.mkdir("folder")
os.symlink("file", "link")
mode = lambda path, **kw: oct(os.stat(path, **kw).st_mode)  # noqa: E731

attempt("a new file", lambda: (mode("file"), stat.filemode(os.stat("file").st_mode)))
attempt("a new folder", lambda: (mode("folder"), stat.filemode(os.stat("folder").st_mode)))
attempt("a link, itself", lambda: (oct(os.lstat("link").st_mode), stat.filemode(os.lstat("link").st_mode)))
attempt("a link, followed", lambda: mode("link"))
attempt("blocks and block size", lambda: (os.stat("file").st_blocks > 0, os.stat("file").st_blksize))
for m in (0o600, 0o755, 0o444, 0o1777, 0o100640, 0o7777 & ~0o6000):
    attempt(f"chmod {oct(m)}", lambda: (os.chmod("file", m), mode("file"))[1])
attempt("chmod a folder", lambda: (os.chmod("folder", 0o700), mode("folder"))[1])
attempt("chmod through a link", lambda: (os.chmod("link", 0o640), mode("file"), oct(os.lstat("link").st_mode))[1:])
attempt("chmod of bytes", lambda: (os.chmod(b"file", 0o644), mode("file"))[1])
fd = os.open("file", os.O_RDONLY)
attempt("fchmod", lambda: (os.fchmod(fd, 0o600), mode("file"))[1])
attempt("fchmod by keyword", lambda: (os.fchmod(fd=fd, mode=0o640), mode("file"))[1])
attempt("chmod of a descriptor", lambda: (os.chmod(fd, 0o644), mode("file"))[1])
attempt("fstat", lambda: (oct(os.fstat(fd).st_mode), os.fstat(fd).st_blksize))
attempt("stat of a descriptor", lambda: mode(fd))
os.close(fd)
dir_fd = os.open("folder", os.O_RDONLY)
attempt("made with dir_fd", lambda: (os.close(os.open("inside", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=dir_fd)), mode("folder/inside"))[1])
attempt("chmod with dir_fd", lambda: (os.chmod("inside", 0o604, dir_fd=dir_fd), mode("inside", dir_fd=dir_fd))[1])
os.close(dir_fd)
attempt("DirEntry.stat", lambda: sorted((e.name, oct(e.stat().st_mode), oct(e.stat(follow_symlinks=False).st_mode)) for e in os.scandir(".")))
print("-- refusals")
attempt("chmod of a missing file", lambda: os.chmod("missing", 0o644))
attempt("fchmod of a closed descriptor", lambda: os.fchmod(fd, 0o644))
attempt("chmod of a closed descriptor", lambda: os.chmod(fd, 0o644))
attempt("chmod(-1)", lambda: os.chmod(-1, 0o644))
attempt("chmod('')", lambda: os.chmod("", 0o644))
attempt("chmod(None)", lambda: os.chmod(None, 0o644))
attempt("chmod of a str mode", lambda: os.chmod("file", "644"))
try:
    os.chmod("file", 2**32)
except OverflowError as e:
    print("chmod of 2**32:", type(e).__name__, e)
attempt("chmod()", lambda: os.chmod("file"))
attempt("fchmod()", lambda: os.fchmod())
try:
    os.chmod("link", 0o600, follow_symlinks=False)
except NotImplementedError as e:
    print("chmod not following:", type(e).__name__, e)
print("supports:", os.chmod in os.supports_fd, os.chmod in os.supports_dir_fd, os.chmod in os.supports_follow_symlinks)
print("-- what is made, less the umask")
attempt("os.open 0o777", lambda: (os.close(os.open("a", os.O_CREAT | os.O_WRONLY)), mode("a"))[1])
attempt("os.open 0o640, O_EXCL", lambda: (os.close(os.open("b", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)), mode("b"))[1])
attempt("os.open of one there keeps its mode", lambda: (os.close(os.open("b", os.O_CREAT | os.O_WRONLY, 0o777)), mode("b"))[1])
attempt("os.mkdir 0o750", lambda: (os.mkdir("c", 0o750), mode("c"))[1])
attempt("os.makedirs 0o700", lambda: (os.makedirs("d/e", 0o700), mode("d"), mode("d/e"))[1:])
os.umask(0o077)
attempt("umask 077, os.open", lambda: (os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o666)), mode("f"))[1])
attempt("umask 077, os.mkdir", lambda: (os.mkdir("g"), mode("g"))[1])
os.umask(0o022)
attempt("mkstemp", lambda: (lambda made: (os.close(made[0]), mode(made[1])))(tempfile.mkstemp(dir="."))[1])
attempt("mkdtemp", lambda: mode(tempfile.mkdtemp(dir=".")))
attempt("pathlib touch", lambda: (__import__("pathlib").Path("t").touch(0o600), mode("t"))[1])
print("-- what reads modes")
os.chmod("file", 0o751)
attempt("copymode", lambda: (open("copy", "w").close(), shutil.copymode("file", "copy"), mode("copy"))[2])
attempt("copy2", lambda: (shutil.copy2("file", "copy2"), mode("copy2"))[1])
attempt("copytree", lambda: (shutil.copytree("d", "d2"), mode("d2"), mode("d2/e"))[1:])
with tarfile.open("made.tar", "w") as archive:
    archive.add("file")
    archive.add("folder")
    archive.add("link")
with tarfile.open("made.tar") as archive:
    print("tar members:", sorted((m.name, oct(m.mode), m.type) for m in archive.getmembers()))
    archive.extractall("untarred", filter="tar")
attempt("unpacked from tar", lambda: (mode("untarred/file"), mode("untarred/folder"), mode("untarred/folder/inside")))
with zipfile.ZipFile("made.zip", "w") as archive:
    archive.write("file")
    archive.write("folder")
with zipfile.ZipFile("made.zip") as archive:
    print("zip members:", sorted((i.filename, oct(i.external_attr >> 16)) for i in archive.infolist()))
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
    archive.add("c")
print("gzip tar made:", buffer.tell() > 0)
