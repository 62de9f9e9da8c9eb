"""A function pysock writes in Python, standing in for one of CPython's C functions, behaves as that
C function does wherever the difference shows.

A Python function is a descriptor: kept as a class's attribute, it is bound to the instance, so
`class Accessor: open = io.open` followed by `Accessor().open(path, "rb")` passed the instance as
the path (CPython's test_file does this; so did pathlib's accessor before 3.11, and programs still
do). A C function is no descriptor and is called as it is. It is also copied and deep-copied as
itself, pickled by where it is found, and shown as `<built-in function name>`.
"""

import importlib


class BuiltinFunction:
    """`function`, shown as a C function of `module` (its `__module__`: "posix", "_signal", "_io"),
    found by pickle as `home`'s attribute (the module it was put in, when not `module`).

    `inspect.signature` reads `function`'s, through `__wrapped__` (`functools.wraps` leads it on to
    the C function it stands in for), or `shape`'s: a function with the C function's parameters,
    for one that takes `*args` to word its argument errors as C does."""

    def __init__(self, function, module, home=None, shape=None):
        self.__wrapped__ = function
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__doc__ = function.__doc__
        self.__module__ = module
        self._home = home or module
        self._shape = shape

    def __call__(self, /, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self):
        return f"<built-in function {self.__name__}>"

    def __reduce__(self):
        return _look_up, (self._home, self.__name__)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    @property
    def __signature__(self):
        if self._shape is None:
            raise AttributeError("__signature__")
        import inspect

        return inspect.signature(self._shape)


def _look_up(module, name):
    """Finds a pickled stand-in again: it is `name` in `module`."""
    return getattr(importlib.import_module(module), name)
