"""Reads and writes of regular files, which the host makes at once rather than on a worker thread:
positions after reads, writes and seeks, appends wherever the position is, writes past the end
(a hole of zeros), reads across 64 KiB and at the end, a second handle seeing the first's bytes,
os.read/os.write/os.pread/os.pwrite, truncation, the refusals of a file not open that way, and the
position of a file open for appending, which only a write moves to the end.
tests/tests/sandbox.rs compares this with native CPython."""
import os
import shutil
import tempfile

from transcript import attempt


top = tempfile.mkdtemp()
path = os.path.join(top, "f")
pattern = bytes(range(256)) * 1200  # 300 KiB, more than four of the streams' 64 KiB reads

with open(path, "wb") as f:
    attempt("write 300 KiB", lambda: f.write(pattern))
    attempt("position", f.tell)
attempt("size", lambda: os.path.getsize(path))
with open(path, "rb") as f:
    attempt("read all", lambda: f.read() == pattern)
    attempt("read at the end", f.read)
    attempt("seek back, read 5", lambda: (f.seek(70000), f.read(5)))
    attempt("position after", f.tell)
with open(path, "ab") as f:
    attempt("append after a seek to 0", lambda: (f.seek(0), f.write(b"END"), f.flush()))
attempt("appended at the end", lambda: open(path, "rb").read()[-5:])
with open(path, "r+b") as f:
    attempt("overwrite in the middle", lambda: (f.seek(10), f.write(b"XYZ"), f.tell()))
    attempt("read on from there", lambda: f.read(3))
    attempt("read it back", lambda: (f.seek(8), f.read(7)))
    attempt("write past the end", lambda: (f.seek(400000), f.write(b"!"), f.tell()))
attempt("the hole reads as zeros", lambda: open(path, "rb").read()[307203:307210])
attempt("size with the hole", lambda: os.path.getsize(path))

fd = os.open(path, os.O_RDWR)
attempt("os.read 4", lambda: os.read(fd, 4))
attempt("os.write 2", lambda: os.write(fd, b"ab"))
attempt("position", lambda: os.lseek(fd, 0, os.SEEK_CUR))
attempt("os.pread leaves it", lambda: (os.pread(fd, 6, 0), os.lseek(fd, 0, os.SEEK_CUR)))
attempt("os.pwrite leaves it", lambda: (os.pwrite(fd, b"PW", 1), os.lseek(fd, 0, os.SEEK_CUR)))
attempt("os.read of 200,000", lambda: len(os.read(fd, 200000)))
other = os.open(path, os.O_WRONLY | os.O_APPEND)
attempt("another handle appends", lambda: os.write(other, b"tail"))
attempt("the first reads it at the end", lambda: (os.lseek(fd, -6, os.SEEK_END), os.read(fd, 100)))
attempt("os.read at the end", lambda: os.read(fd, 10))
attempt("truncate", lambda: (os.ftruncate(fd, 5), os.pread(fd, 100, 0)))
attempt("read past the new end", lambda: os.read(fd, 10))
os.close(other)
os.close(fd)

read_only = os.open(path, os.O_RDONLY)
attempt("write to a file open for reading", lambda: os.write(read_only, b"x"))
os.close(read_only)
write_only = os.open(path, os.O_WRONLY)
attempt("read from a file open for writing", lambda: os.read(write_only, 1))
os.close(write_only)
with open(path, "w") as f:
    attempt("text lines", lambda: f.writelines(f"line {i}\n" for i in range(5000)))
with open(path) as f:
    attempt("read back by line", lambda: sum(1 for _ in f))
attempt("copyfile", lambda: (shutil.copyfile(path, path + ".copy") == path + ".copy", open(path + ".copy").read() == open(path).read()))

print("-- a file open for appending")
with open(path, "wb") as f:
    f.write(b"0123456789")
with open(path, "a+b") as f:
    attempt("position at open", f.tell)
    attempt("seek to 0, read 4", lambda: (f.seek(0), f.read(4), f.tell()))
    attempt("write goes to the end", lambda: (f.write(b"END"), f.flush(), f.tell()))
    attempt("seek back, read", lambda: (f.seek(2), f.read(3), f.tell()))
    attempt("seek from here", lambda: (f.seek(1, os.SEEK_CUR), f.read(2)))
with open(path, "a") as f:
    attempt("a text file's tell after seek", lambda: (f.seek(0), f.tell()))
fd = os.open(path, os.O_RDWR | os.O_APPEND)
attempt("lseek: at open, set 3, here", lambda: (os.lseek(fd, 0, os.SEEK_CUR), os.lseek(fd, 3, os.SEEK_SET), os.lseek(fd, 0, os.SEEK_CUR)))
attempt("read there", lambda: (os.read(fd, 2), os.lseek(fd, 0, os.SEEK_CUR)))
attempt("back 4 from here", lambda: os.lseek(fd, -4, os.SEEK_CUR))
attempt("before the start", lambda: os.lseek(fd, -100, os.SEEK_CUR))
attempt("past the largest offset", lambda: os.lseek(fd, 2**63 - 1, os.SEEK_CUR))
attempt("a write, then here", lambda: (os.write(fd, b"W"), os.lseek(fd, 0, os.SEEK_CUR)))
attempt("the end", lambda: os.lseek(fd, 0, os.SEEK_END))
os.close(fd)
attempt("the whole file", lambda: open(path, "rb").read())
shutil.rmtree(top)
