"""The same CPython as the sandbox's, without pysock: its socket module is wasi-libc's, on
wasmtime-wasi's own wasi:sockets. Benchmark subject (e): what a user would run without pysock."""
import _script
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        _script.run_command_line()
