"""fcntl.ioctl's interface requests (SIOCGIFINDEX, SIOCGIFADDR and the other SIOCGIF* reads of
Linux's `struct ifreq`) on TCP, UDP and AF_UNIX sockets of both families and on a pipe, for the
loopback interface by name and by index, for a name and an index no interface has, and through the
habits programs have: the "IP address of an interface" recipe that slices a 256-byte answer, a
bytearray changed in place, a short bytes argument, an int that Linux takes for an address.

The transcript must equal native CPython's. With --all it covers every interface the sandbox
sees, which under --allow-net are the host's. With --hidden NAME INDEX ..., it says for each
interface named whether every request answers as for an interface the machine does not have, as
one the sandbox may not see must. With --writes it makes the requests that change an interface, of
one the machine does not have (so that a privileged native run changes nothing): the sandbox answers
them as Linux answers a process without CAP_NET_ADMIN, which the native run must then be.
"""
import errno
import fcntl
import os
import socket
import struct
import sys

REQUESTS = {
    "SIOCGIFNAME": 0x8910, "SIOCGIFINDEX": 0x8933, "SIOCGIFFLAGS": 0x8913, "SIOCGIFADDR": 0x8915,
    "SIOCGIFDSTADDR": 0x8917, "SIOCGIFBRDADDR": 0x8919, "SIOCGIFNETMASK": 0x891B, "SIOCGIFPFLAGS": 0x8935,
    "SIOCGIFMETRIC": 0x891D, "SIOCGIFMTU": 0x8921, "SIOCGIFTXQLEN": 0x8942, "SIOCGIFMAP": 0x8970,
    "SIOCGIFHWADDR": 0x8927,
    # Requests the sandbox does not answer, as Linux's sockets do not (SIOCGIFMEM, SIOCGIFCOUNT).
    "SIOCGIFMEM": 0x891F, "SIOCGIFCOUNT": 0x8938,
}


def outcome(call):
    try:
        result = call()
    except OSError as e:
        return errno.errorcode.get(e.errno, e.errno)
    return result.hex() if isinstance(result, bytes) else repr(result)


def by_name(name):
    return struct.pack("16s24x", name.encode())


def by_index(index):
    return struct.pack("16xi20x", index)


def answers(fd, request, name, index):
    """The request's answer for an interface: by its index for SIOCGIFNAME, by its name otherwise."""
    ifreq = by_index(index) if request == REQUESTS["SIOCGIFNAME"] else by_name(name)
    return outcome(lambda: fcntl.ioctl(fd, request, ifreq))


def sockets():
    kinds = {"tcp4": (socket.AF_INET, socket.SOCK_STREAM), "udp4": (socket.AF_INET, socket.SOCK_DGRAM),
             "tcp6": (socket.AF_INET6, socket.SOCK_STREAM), "udp6": (socket.AF_INET6, socket.SOCK_DGRAM)}
    made = {kind: socket.socket(*args) for kind, args in kinds.items()}
    made["unix"], _ = socket.socketpair()
    return made


WRITES = {
    "SIOCSIFFLAGS": 0x8914, "SIOCSIFADDR": 0x8916, "SIOCSIFDSTADDR": 0x8918, "SIOCSIFBRDADDR": 0x891A,
    "SIOCSIFNETMASK": 0x891C, "SIOCSIFMETRIC": 0x891E, "SIOCSIFMTU": 0x8922, "SIOCSIFNAME": 0x8923,
    "SIOCSIFHWADDR": 0x8924, "SIOCSIFPFLAGS": 0x8934, "SIOCSIFTXQLEN": 0x8943, "SIOCSIFMAP": 0x8971,
    "SIOCSIFHWBROADCAST": 0x8937, "SIOCADDMULTI": 0x8931, "SIOCDELMULTI": 0x8932, "SIOCDIFADDR": 0x8936,
    "SIOCSIFSLAVE": 0x8930, "SIOCSIFLINK": 0x8911, "SIOCSIFMEM": 0x8920, "SIOCSIFENCAP": 0x8926,
}

if sys.argv[1:] == ["--writes"]:
    made = sockets()
    for label, request in WRITES.items():
        print(label, *(f"{kind}={outcome(lambda: fcntl.ioctl(s.fileno(), request, by_name('no-such0')))}"
                       for kind, s in made.items()))
    sys.exit()

if sys.argv[1:2] == ["--hidden"]:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pairs = sys.argv[2:]
    for name, index in zip(pairs[::2], pairs[1::2]):
        same = all(answers(udp.fileno(), r, name, int(index)) == answers(udp.fileno(), r, "no-such0", 99999)
                   for r in REQUESTS.values())
        print(f"{name}: as an interface the machine does not have: {same}")
    sys.exit()

if sys.argv[1:] == ["--all"]:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for index, name in socket.if_nameindex():
        for label, request in REQUESTS.items():
            print(name, label, answers(udp.fileno(), request, name, index))
    sys.exit()

lo = socket.if_nametoindex("lo")
made = sockets()
read_end, write_end = os.pipe()
for label, request in REQUESTS.items():
    for kind, s in made.items():
        print(label, kind, "lo:", answers(s.fileno(), request, "lo", lo),
              "missing:", answers(s.fileno(), request, "no-such0", 99999))
    print(label, "pipe:", answers(read_end, request, "lo", lo))

udp = made["udp4"]
# The recipe: the address sits at bytes 20 to 24 of the answer, after the name and sin_family and sin_port.
answer = fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFADDR"], struct.pack("256s", b"lo"))
print("recipe:", len(answer), socket.inet_ntoa(answer[20:24]))
changed = bytearray(by_name("lo"))
print("in place:", fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFINDEX"], changed), struct.unpack_from("i", changed, 16)[0] == lo)
print("not changed in place:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFINDEX"], changed, False)))
print("short argument:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFMTU"], b"lo\0")))
print("a str:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFMTU"], "lo" + "\0" * 38)))
print("an address:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFMTU"], 0)))
print("no argument:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFMTU"])))
print("a 16-byte name:", outcome(lambda: fcntl.ioctl(udp.fileno(), REQUESTS["SIOCGIFINDEX"], b"lo" + b"x" * 14 + bytes(24))))
os.close(read_end)
os.close(write_end)
number = udp.fileno()
for s in made.values():
    s.close()
print("a closed number:", outcome(lambda: fcntl.ioctl(number, REQUESTS["SIOCGIFINDEX"], by_name("lo"))))
