"""What the transcript tests (tests/tests/sandbox.rs compares each with native CPython's) print for a
call that may fail: its result, or the exception without what differs between libcs."""
import errno


def attempt(label, f):
    """Prints `label: result`; for an OSError its class and errno's name (not the number or the
    words, which differ between libcs), or, for a bare OSError without one (a C module's own, such
    as `_bz2`'s "Invalid data stream"), its message; for a TypeError,
    ValueError, OverflowError, EOFError, AttributeError, IndexError or BufferError its class and
    message."""
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} {e if e.errno is None and type(e) is OSError else errno.errorcode.get(e.errno, e.errno)}")
    except (TypeError, ValueError, OverflowError, EOFError, AttributeError, IndexError, BufferError) as e:
        print(f"{label}: {type(e).__name__} {e}")
