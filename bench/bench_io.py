"""What the benchmark scripts share; imported from beside them, natively and in the sandbox."""


def recv_exactly(sock, n):
    """Up to `n` bytes from `sock`: fewer only if the peer ends the stream first."""
    got = b""
    while len(got) < n:
        part = sock.recv(n - len(got))
        if not part:
            break
        got += part
    return got
