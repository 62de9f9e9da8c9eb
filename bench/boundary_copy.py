# The cost of handing bytes from CPython to the pysock guest, without any socket: inet_ntoa() of a
# buffer of each size (the guest rejects anything but 4 bytes at once, so all the time is the call
# and the copy). Prints "SIZE MICROSECONDS" per size, the median of ROUNDS calls; then
# "stage SIZE MICROSECONDS" for handing the same buffers to the host's staging area, the path
# large sends take.
# usage: pysock python bench/boundary_copy.py [ROUNDS]
import _socket
import statistics
import sys
import time

from wit_world.imports import staging

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
for size in (4, 1024, 65536, 1 << 20):
    data = b"\x01" * size
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            _socket.inet_ntoa(data)
        except OSError:
            pass
        samples.append(time.perf_counter() - start)
    print(size, f"{statistics.median(samples) * 1e6:.2f}")
for size in (4, 1024, 65536, 1 << 20):
    data = b"\x01" * size
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        staging.stage(data)
        samples.append(time.perf_counter() - start)
    print("stage", size, f"{statistics.median(samples) * 1e6:.2f}")
staging.stage(b"")
