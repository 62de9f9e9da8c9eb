# What a call into the socket module costs, in nanoseconds per call, the median of 5 rounds:
#   empty      a loop that calls nothing (the loop's own cost, subtracted from the others)
#   gettimeout a call that does no I/O
#   getsockopt getsockopt(SOL_SOCKET, SO_TYPE): one system call
# The same script runs natively and in the sandbox. usage: call_costs.py [CALLS]
import socket
import statistics
import sys
import time

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
s = socket.socket()
gettimeout, getsockopt = s.gettimeout, s.getsockopt
SOL_SOCKET, SO_TYPE = socket.SOL_SOCKET, socket.SO_TYPE


def empty():
    for _ in range(calls):
        pass


def no_io():
    for _ in range(calls):
        gettimeout()


def one_syscall():
    for _ in range(calls):
        getsockopt(SOL_SOCKET, SO_TYPE)


for name, loop in (("empty", empty), ("gettimeout", no_io), ("getsockopt", one_syscall)):
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        loop()
        rounds.append((time.perf_counter() - start) / calls * 1e9)
    print(name, f"{statistics.median(rounds):.1f}")
s.close()
