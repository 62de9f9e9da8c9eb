"""The functions pysock writes in Python in place of CPython's C ones, made C functions of the C
functions' modules (builtin_function.rs says why and how), and the modules it makes, made built in."""

import inspect
import operator

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def builtin_function(function, module, shape=None):
    """`function` as a C function of `module` (a module object: posix, _signal, _io), with the
    signature `inspect` finds for `function` (through `__wrapped__`, which `functools.wraps` leads
    to the C function it stands in for) or for `shape`: a function with the C function's
    parameters, for one that takes `*args` to word its argument errors as C does."""
    try:
        signature = _text_signature(inspect.signature(shape or function))
    except (TypeError, ValueError):
        signature = None
    return _make(function, module, signature)


def stand_in_for_os(*functions):
    """Puts each `function` (written with `functools.wraps` of the `os` function it stands in for)
    in that one's place, in `os` and in `posix`, where pickle finds it by its `__module__`, as a C
    function of `posix`; what `os.supports_dir_fd` and its kin said of the one replaced, they say of
    it instead. Returns the C functions, in order."""
    import os
    import posix
    made = []
    for function in functions:
        real, new = function.__wrapped__, builtin_function(function, posix)
        setattr(os, real.__name__, new)
        setattr(posix, real.__name__, new)
        for kind in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks, os.supports_effective_ids):
            if real in kind:
                kind.discard(real)
                kind.add(new)
        made.append(new)
    return made


def own_code():
    """Every code object of pysock's Python modules (`_pysock/*.py`, which `from_code` names so):
    their functions' and classes', and those made inside them. builtin_function.rs keeps them to
    tell pysock's frames from the program's."""
    import sys
    found, seen, waiting = [], set(), []
    for module in list(sys.modules.values()):
        if str(getattr(module, "__file__", "")).startswith("_pysock/"):
            for value in vars(module).values():
                waiting.extend(vars(value).values() if isinstance(value, type) else [value])
    while waiting:
        value = waiting.pop()
        code = value if hasattr(value, "co_consts") else getattr(value, "__code__", None)
        if code is not None and id(code) not in seen:
            seen.add(id(code))
            found.append(code)
            waiting.extend(const for const in code.co_consts if hasattr(const, "co_consts"))
    return found


def _text_signature(signature):
    """`signature` as Argument Clinic writes a module function's `__text_signature__`: with the
    module as a first, positional-only parameter, `$module`, which `inspect` leaves out again."""
    parameters = str(signature)[1:-1]
    first = next(iter(signature.parameters.values()), None)
    if first is not None and first.kind is inspect.Parameter.POSITIONAL_ONLY:
        return f"($module, {parameters})"
    return f"($module, /, {parameters})" if parameters else "($module, /)"


def builtin_module(module):
    """`module`, which pysock made and puts in `sys.modules`, as a built-in module: with the spec
    and loader CPython gives one, so `importlib.util.find_spec` finds it (for a module in
    `sys.modules` without a spec it raises ValueError) and it shows as `(built-in)`."""
    import importlib.machinery
    module.__loader__ = importlib.machinery.BuiltinImporter
    module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, module.__loader__, origin="built-in")
    return module


def fixed_arguments(function, args, kwargs, count, clinic=False):
    """`args`, checked as CPython checks those of a C function that takes no arguments
    (METH_NOARGS, `count` 0), one (METH_O, `count` 1) or `count` by position only
    (PyArg_ParseTuple's "ii:waitpid", or with `clinic` Argument Clinic's); `function` is the
    qualified name its errors give ("posix.umask"), which the counts of those two leave unqualified."""
    if kwargs:
        raise TypeError(f"{function}() takes no keyword arguments")
    if len(args) != count:
        if clinic:
            plural = "" if count == 1 else "s"
            raise TypeError(f"{function.rpartition('.')[2]} expected {count} argument{plural}, got {len(args)}")
        if count > 1:
            raise TypeError(f"{function.rpartition('.')[2]}() takes exactly {count} arguments ({len(args)} given)")
        wanted = "no arguments" if count == 0 else "exactly one argument"
        raise TypeError(f"{function}() takes {wanted} ({len(args)} given)")
    return args


def c_int(value):
    """`value` as CPython converts an argument to a C int: through `__index__`, within 32 bits."""
    value = operator.index(value)
    if not INT_MIN <= value <= INT_MAX:
        raise OverflowError("Python int too large to convert to C int")
    return int(value)


def format_i(value):
    """`value` as PyArg's "i" format (and so `_Py_PARSE_PID`, a pid) converts it: a C long, then
    range-checked into an int with its own words."""
    value = operator.index(value)
    if not -(2**63) <= value < 2**63:
        raise OverflowError("Python int too large to convert to C long")
    if value > INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if value < INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return int(value)


def path_argument(function, path, allow_fd=False):
    """`path` as CPython's `path_converter` takes an argument of `function` on Linux: str or bytes
    (a path-like object's), or with `allow_fd` a descriptor number within a C int; with its errors.
    Returns the str, bytes or int."""
    import os
    import warnings
    if allow_fd and not isinstance(path, (str, bytes)) and hasattr(type(path), "__index__"):
        if isinstance(path, bool):
            warnings.warn("bool is used as a file descriptor", RuntimeWarning, stacklevel=3)
        fd = operator.index(path)
        if fd > INT_MAX:
            raise OverflowError("fd is greater than maximum")
        if fd < INT_MIN:
            raise OverflowError("fd is less than minimum")
        return fd
    given = path
    if not isinstance(path, (str, bytes)) and hasattr(type(path), "__fspath__"):
        path = os.fspath(path)
    if not isinstance(path, (str, bytes)):
        kinds = "string, bytes, os.PathLike or integer" if allow_fd else "string, bytes or os.PathLike"
        raise TypeError(f"{function}: path should be {kinds}, not {type(given).__name__}")
    if ("\0" if isinstance(path, str) else b"\0") in path:
        raise ValueError(f"{function}: embedded null character in path")
    return path


def stat_result_with(result, **fields):
    """`result`, an `os.stat_result`, with `fields` (st_mode=..., st_blocks=...) changed."""
    global _STAT_FIELDS
    if _STAT_FIELDS is None:
        _STAT_FIELDS = _stat_result_fields()
    return _struct_with(result, {_STAT_FIELDS[name]: value for name, value in fields.items()})


def _stat_result_fields():
    """Where each named field of `os.stat_result` is among all its items, the hidden ones (the
    float times, st_blksize, st_blocks) found by making one with each hidden field marked."""
    import os
    named = os.stat_result.__match_args__  # the tuple's first seven; then the times as ints
    hidden = [name for name in dir(os.stat_result) if name.startswith("st_") and name not in named]
    marks = {name: -1 - at for at, name in enumerate(hidden)}
    items = _struct_items(os.stat_result(range(os.stat_result.n_sequence_fields), marks))
    return {**{name: at for at, name in enumerate(named)}, **{name: items.index(mark) for name, mark in marks.items()}}


_STAT_FIELDS = None


def parse_arguments(function, names, defaults, args, kwargs, positional=None):
    """The values of a C function's parameters `names`, in order, taken from `args` and `kwargs` as
    Argument Clinic's parser takes them, with its errors (`function` is the name they give). Those
    in `defaults` are optional and get their default there; the first `positional` (all by default)
    may come by position."""
    positional = len(names) if positional is None else positional
    required = sum(name not in defaults for name in names[:positional])
    given = len(args) + len(kwargs)
    if given > len(names):
        plural = "" if len(names) == 1 else "s"
        raise TypeError(f"{function}() takes at most {len(names)} {'' if args else 'keyword '}argument{plural} ({given} given)")
    if len(args) > positional:
        bound = "at most" if required < positional else "exactly"
        plural = "" if positional == 1 else "s"
        raise TypeError(f"{function}() takes {bound} {positional} positional argument{plural} ({len(args)} given)")
    values = list(args)
    for i, name in enumerate(names[len(args):], len(args)):
        if name in kwargs:
            values.append(kwargs[name])
        elif name in defaults:
            values.append(defaults[name])
        else:
            raise TypeError(f"{function}() missing required argument '{name}' (pos {i + 1})")
    for name in kwargs:
        if name in names[:len(args)]:
            raise TypeError(f"argument for {function}() given by name ('{name}') and position ({names.index(name) + 1})")
        if name not in names:
            raise TypeError(f"'{name}' is an invalid keyword argument for {function}()")
    return values
