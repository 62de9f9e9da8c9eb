"""The functions pysock writes in Python in place of CPython's C ones, made C functions of the C
functions' modules (builtin_function.rs says why and how)."""

import inspect


def builtin_function(function, module, shape=None):
    """`function` as a C function of `module` (a module object: posix, _signal, _io), with the
    signature `inspect` finds for `function` (through `__wrapped__`, which `functools.wraps` leads
    to the C function it stands in for) or for `shape`: a function with the C function's
    parameters, for one that takes `*args` to word its argument errors as C does."""
    try:
        signature = str(inspect.signature(shape or function))
    except (TypeError, ValueError):
        signature = None
    return _make(function, module, signature)
