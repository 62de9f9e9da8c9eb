"""What the socket option scripts share: a call's result, or its OSError as the errno's name; and
one option's round trip on a socket, as the kernel answers each step."""
import errno


def attempt(f):
    try:
        return repr(f())
    except OSError as e:
        return f"{type(e).__name__} {errno.errorcode.get(e.errno)}"


def round_trip(s, level, opt, value):
    """The option's default, setting `value`, reading it back as an int and as four bytes, and
    setting too short a value (two bytes)."""
    default = attempt(lambda: s.getsockopt(level, opt))
    set_ = attempt(lambda: s.setsockopt(level, opt, value))
    back = attempt(lambda: s.getsockopt(level, opt))
    raw = attempt(lambda: s.getsockopt(level, opt, 4))
    short = attempt(lambda: s.setsockopt(level, opt, b"\x01\x00"))
    return f"default {default}, set {set_}, reads {back} {raw}, 2 bytes {short}"
