"""Deep structures as CPython on Linux handles them: chains a million deep are freed (a linked list
of a program's objects, lists and tuples nested in each other, dicts, a chain of exceptions raised
`from` each other), and C code recursing into a structure 100,000 deep (repr, ==, json, pickle)
raises RecursionError. In wasm, CPython's stack checks measure a shadow stack that most frames do
not use; see guest/cpython/src/deep_free.rs and runtime::WASM_STACK. tests/tests/sandbox.rs compares
this with native CPython."""
import json
import pickle
import sys


class Node:
    __slots__ = ("next",)

    def __init__(self, next):
        self.next = next


class Plain:
    def __init__(self, next):
        self.next = next


class Failed(Exception):
    pass


def exception_chain(depth):
    error = None
    for i in range(depth):
        try:
            raise Failed(i) from error
        except Failed as raised:
            error = raised
    return error


CHAINS = [
    ("linked list of slotted objects", 1_000_000, Node),
    ("linked list of objects with a __dict__", 300_000, Plain),
    ("nested lists", 1_000_000, lambda inner: [inner]),
    ("nested tuples", 1_000_000, lambda inner: (inner,)),
    ("nested dicts", 300_000, lambda inner: {"inner": inner}),
    ("nested sets", 300_000, lambda inner: frozenset([inner])),
]

for name, depth, step in CHAINS:
    chain = None
    for _ in range(depth):
        chain = step(chain)
    del chain
    print(f"{name}, {depth} deep: freed", flush=True)

chain = exception_chain(300_000)
del chain
print("exception chain, 300000 deep: freed", flush=True)

nested = []
for _ in range(100_000):
    nested = [nested]
other = []
for _ in range(100_000):
    other = [other]
for name, recurse in [
    ("repr", lambda: repr(nested)),
    ("==", lambda: nested == other),
    ("json.dumps", lambda: json.dumps(nested)),
    ("pickle.dumps", lambda: pickle.dumps(nested)),
]:
    try:
        outcome = f"returned {type(recurse()).__name__}"
    except RecursionError:
        outcome = "RecursionError"
    print(f"{name} 100000 deep: {outcome}", flush=True)

# After all of it, the interpreter carries on as usual.
print(sum(range(10)), sys.getrecursionlimit() > 0)
