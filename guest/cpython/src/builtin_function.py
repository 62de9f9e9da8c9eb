"""The functions pysock writes in Python in place of CPython's C ones, made C functions of the C
functions' modules (builtin_function.rs says why and how), and the modules it makes, made built in."""

import inspect


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
