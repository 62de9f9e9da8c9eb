# fcntl.ioctl on sockets, pipes, an epoll object and a file: the counts Linux keeps (FIONREAD,
# TIOCOUTQ, SIOCATMARK), FIONBIO, FIOCLEX and FIONCLEX, FIOASYNC, the requests a descriptor does not
# know (ENOTTY, EINVAL on epoll), and CPython's handling of the argument: a buffer copied or changed
# in place, a str, an int that Linux takes for an address (EFAULT), lengths past 1,024 bytes and
# arguments of the wrong type. The transcript must equal native CPython's.
import array
import errno
import fcntl
import os
import select
import socket
import struct
import tempfile
import termios
import time

SIOCATMARK = 0x8905


def attempt(name, call):
    try:
        print(name, "->", repr(call()))
    except OSError as e:
        print(name, "!!", type(e).__name__, errno.errorcode.get(e.errno, e.errno))
    except (TypeError, ValueError, OverflowError) as e:
        print(name, "!!", type(e).__name__, e)


def number(d):
    return d if isinstance(d, int) else d.fileno()


def descriptors():
    listener = socket.create_server(("127.0.0.1", 0))
    writer = socket.create_connection(listener.getsockname())
    reader, _ = listener.accept()
    writer.sendall(b"hello")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.sendto(b"abc", udp.getsockname())
    udp.sendto(b"defgh", udp.getsockname())
    unix_writer, unix_reader = socket.socketpair()
    unix_writer.sendall(b"12345678")
    dgram_writer, dgram_reader = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram_writer.send(b"12")
    dgram_writer.send(b"1234")
    pipe_reader, pipe_writer = os.pipe()
    os.write(pipe_writer, b"pipe!")
    # Loopback delivers at once; the pause lets every count settle before it is read.
    time.sleep(0.05)
    return [
        ("listener", listener), ("tcp reader", reader), ("tcp writer", writer), ("udp", udp),
        ("unix reader", unix_reader), ("unix writer", unix_writer), ("unix dgram", dgram_reader),
        ("pipe reader", pipe_reader), ("pipe writer", pipe_writer), ("epoll", select.epoll()),
        ("unconnected", socket.socket()),
    ]


requests = [("FIONREAD", termios.FIONREAD), ("TIOCOUTQ", termios.TIOCOUTQ), ("SIOCATMARK", SIOCATMARK),
            ("TCGETS", termios.TCGETS), ("FIOASYNC", termios.FIOASYNC)]
for kind, d in descriptors():
    for name, request in requests:
        attempt(f"{kind} {name}", lambda: struct.unpack("i", fcntl.ioctl(d, request, b"\xff\xff\xff\xff"))[0])
    attempt(f"{kind} FIONREAD at address 0", lambda: fcntl.ioctl(d, termios.FIONREAD))
    counted = array.array("i", [7])
    attempt(f"{kind} FIONREAD in place", lambda: (fcntl.ioctl(d, termios.FIONREAD, counted), counted[0]))
    kept = array.array("i", [7])
    attempt(f"{kind} FIONREAD copied", lambda: (fcntl.ioctl(d, termios.FIONREAD, kept, False), kept[0]))
    attempt(f"{kind} FIONBIO", lambda: (fcntl.ioctl(d, termios.FIONBIO, struct.pack("i", 1)), os.get_blocking(number(d))))
    attempt(f"{kind} FIONBIO off", lambda: (fcntl.ioctl(d, termios.FIONBIO, struct.pack("i", 0)), os.get_blocking(number(d))))
    attempt(f"{kind} FIONBIO at an address", lambda: fcntl.ioctl(d, termios.FIONBIO, 1))
    attempt(f"{kind} FIONCLEX, FIOCLEX", lambda: (fcntl.ioctl(d, termios.FIONCLEX), os.get_inheritable(number(d)),
                                                  fcntl.ioctl(d, termios.FIOCLEX), os.get_inheritable(number(d))))

closed = socket.socket()
fd = closed.fileno()
closed.close()
attempt("closed FIONREAD", lambda: fcntl.ioctl(fd, termios.FIONREAD, b"xxxx"))
attempt("closed TCGETS", lambda: fcntl.ioctl(fd, termios.TCGETS, b"xxxx"))

s = socket.socket()
attempt("a one-byte buffer", lambda: fcntl.ioctl(s, termios.FIONREAD, b"x"))
attempt("a str", lambda: fcntl.ioctl(s, termios.FIONREAD, "abcd"))
attempt("1,025 bytes", lambda: fcntl.ioctl(s, termios.FIONREAD, b"x" * 1025))
attempt("1,025 bytes, writable, copied", lambda: fcntl.ioctl(s, termios.FIONREAD, bytearray(1025), False))
large = bytearray(b"\xff" * 2000)
attempt("2,000 bytes in place", lambda: (fcntl.ioctl(s, termios.FIONREAD, large), bytes(large[:6]), len(large)))
attempt("a read-only memoryview", lambda: fcntl.ioctl(s, termios.FIONREAD, memoryview(b"abcd")))
attempt("a float", lambda: fcntl.ioctl(s, termios.FIONREAD, 1.5))
attempt("None", lambda: fcntl.ioctl(s, termios.FIONREAD, None))
attempt("2**40", lambda: fcntl.ioctl(s, termios.FIONREAD, 2**40))
attempt("-2**40", lambda: fcntl.ioctl(s, termios.FIONREAD, -2**40))
attempt("request -1", lambda: fcntl.ioctl(s, -1, b"xxxx"))
attempt("request past 32 bits", lambda: fcntl.ioctl(s, 2**40 + termios.FIONREAD, b"xxxx"))
attempt("a float request", lambda: fcntl.ioctl(s, 1.0, b"xxxx"))
attempt("mutate_flag 'x'", lambda: fcntl.ioctl(s, termios.FIONREAD, bytearray(4), "x"))
attempt("five arguments", lambda: fcntl.ioctl(s, termios.FIONREAD, bytearray(4), True, 1))
attempt("a str descriptor", lambda: fcntl.ioctl("x", termios.FIONREAD))
attempt("descriptor -1", lambda: fcntl.ioctl(-1, termios.FIONREAD))

with tempfile.TemporaryFile() as f:
    f.write(b"0123456789")
    f.flush()
    os.lseek(f.fileno(), 3, os.SEEK_SET)
    attempt("file FIONREAD", lambda: struct.unpack("i", fcntl.ioctl(f, termios.FIONREAD, b"\0" * 4))[0])
    attempt("file TCGETS", lambda: fcntl.ioctl(f, termios.TCGETS, b"\0" * 60))
    attempt("file FIONBIO", lambda: fcntl.ioctl(f, termios.FIONBIO, struct.pack("i", 0)))
folder = os.open(tempfile.gettempdir(), os.O_RDONLY)
attempt("folder FIONREAD", lambda: fcntl.ioctl(folder, termios.FIONREAD, b"\0" * 4))
os.close(folder)

# Every fcntl function counts its arguments as Argument Clinic does, takes no keywords, and shows
# the C function's signature.
import inspect

for name, calls in {
    "ioctl": [(), (s,), (s, termios.FIONREAD, bytearray(4), True, 1)],
    "fcntl": [(), (s,), (s, fcntl.F_GETFL, 0, 1)],
    "flock": [(), (s,), (s, fcntl.LOCK_UN, 1)],
    "lockf": [(), (s,), (s, fcntl.LOCK_UN, 0, 0, 0, 1)],
}.items():
    function = getattr(fcntl, name)
    print(name, inspect.signature(function))
    for args in calls:
        attempt(f"{name} with {len(args)} arguments", lambda: function(*args))
    attempt(f"{name} with a keyword", lambda: function(fd=s, cmd=1))
    attempt(f"{name} with no keywords", lambda: function(s, fcntl.LOCK_UN if name in ("flock", "lockf") else fcntl.F_GETFD, **{}))
