"""What the transcript tests (tests/tests/sandbox.rs compares each with native CPython's) print for a
call that may fail: its result, or the exception without what differs between libcs."""
import errno


def attempt(label, f):
    """Prints `label: result`; for an OSError its class and errno's name (not the number or the
    words, which differ between libcs); for a TypeError, ValueError or OverflowError its class and
    message."""
    try:
        print(f"{label}: {f()}")
    except OSError as e:
        print(f"{label}: {type(e).__name__} {errno.errorcode.get(e.errno, e.errno)}")
    except (TypeError, ValueError, OverflowError) as e:
        print(f"{label}: {type(e).__name__} {e}")
