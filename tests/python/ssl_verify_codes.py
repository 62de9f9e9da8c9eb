# The verify code, message and reason of each kind of certificate failure, as OpenSSL 3 reports them:
# a name or IP address the certificate lacks, a chain that reaches no trusted certificate (ending
# in the leaf, in a self-signed CA, or at a self-signed leaf), expiry, an unsuitable purpose, a
# chain through a certificate that is not a CA, a signature by a CA made anew under the trusted
# CA's name, and certificates that mark themselves CAs, as `openssl req -x509` makes them: trusted
# as themselves, or issued by the trusted CA. tests/tests/sandbox.rs makes the certificates with
# `openssl` and compares this with native CPython.
# usage: ssl_verify_codes.py CERTS_DIR CASES_DIR
import os
import socket
import ssl
import sys

certs, cases = sys.argv[1], sys.argv[2]
trusting_ca = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
trusting_nothing = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def server(cert, key, cafile=None):
    """A server's context sending `cert` (and the chain after it in the file), trusting `cafile`.
    A certificate loaded alone goes with its issuers among the trusted certificates."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if cafile:
        ctx.load_verify_locations(cafile)
    return ctx


def verify_failure(client_ctx, server_ctx, name):
    """The client's SSLCertVerificationError as (code, message, reason), or None."""
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    client = client_ctx.wrap_socket(a, server_hostname=name, do_handshake_on_connect=False)
    srv = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    failure = None
    for _ in range(50):
        for side in (client, srv):
            try:
                side.do_handshake()
            except ssl.SSLCertVerificationError as e:
                failure = e
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, ssl.SSLError):
                pass
        if failure:
            break
    client.close()
    srv.close()
    return failure and (failure.verify_code, failure.verify_message, failure.reason)


usual = server(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
in_cases = lambda name: os.path.join(cases, name)  # noqa: E731
for label, client_ctx, server_ctx, name in (
    ("the right name", trusting_ca, usual, "localhost"),
    ("a name it lacks", trusting_ca, usual, "wrong.example"),
    ("an IPv4 address it lacks", trusting_ca, usual, "127.0.0.2"),
    ("an IPv6 address it lacks", trusting_ca, usual, "::2"),
    ("its IPv4 address", trusting_ca, usual, "127.0.0.1"),
    ("an untrusted leaf", trusting_nothing, usual, "localhost"),
    ("a leaf and its untrusted CA", trusting_nothing, server(in_cases("leaf_and_ca.pem"), os.path.join(certs, "key.pem")), "localhost"),
    ("a self-signed leaf", trusting_nothing, server(os.path.join(certs, "ca.pem"), os.path.join(certs, "ca.key")), "localhost"),
    ("an expired leaf", trusting_ca, server(in_cases("expired.pem"), in_cases("expired.key")), "localhost"),
    ("an expired leaf, another name", trusting_ca, server(in_cases("expired.pem"), in_cases("expired.key")), "wrong.example"),
    ("a client-only leaf", trusting_ca, server(in_cases("client_only.pem"), in_cases("client_only.key")), "localhost"),
    ("a chain through a non-CA", trusting_ca, server(in_cases("below_not_a_ca_chain.pem"), in_cases("below_not_a_ca.key")), "localhost"),
    ("a leaf below an intermediate it does not send", trusting_ca,
     server(in_cases("below_intermediate.pem"), in_cases("below_intermediate.key")), "localhost"),
    ("a leaf below an intermediate the server trusts", trusting_ca,
     server(in_cases("below_intermediate.pem"), in_cases("below_intermediate.key"), in_cases("intermediate.pem")), "localhost"),
    ("a leaf from a CA made anew", trusting_ca, server(in_cases("from_remade_ca.pem"), in_cases("from_remade_ca.key")), "localhost"),
    ("a leaf from a CA made anew, no key ids", trusting_ca,
     server(in_cases("from_remade_ca_no_key_id.pem"), in_cases("from_remade_ca_no_key_id.key")), "localhost"),
):
    print(f"{label} ->", verify_failure(client_ctx, server_ctx, name))

# Certificates that mark themselves CAs, as `openssl req -x509` makes them. Self-signed and trusted
# as itself with cafile=, OpenSSL takes one as the server's own and checks its purpose, the name,
# then the dates; issued by a trusted CA (`-CA`), it checks the chain first. Each is (trusted, the
# server's chain and key, name, check_hostname); a chain named alone is also its key's name, and
# "ca" is the trusted test CA.
ca_pem = os.path.join(certs, "ca.pem")
for label, trusted, presented, name, check_hostname in (
    ("itself, trusted", "self_signed", "self_signed", "localhost", True),
    ("itself, trusted, another name", "self_signed", "self_signed", "wrong.example", True),
    ("itself, trusted, expired", "self_signed_expired", "self_signed_expired", "localhost", True),
    ("itself, trusted, expired, another name", "self_signed_expired", "self_signed_expired", "wrong.example", True),
    ("itself, trusted, expired, another name, no hostname check", "self_signed_expired", "self_signed_expired", "wrong.example", False),
    ("itself, trusted, for signing certificates only", "self_signed_cert_signing", "self_signed_cert_signing", "localhost", True),
    ("itself, not trusted", "self_signed", "self_signed_expired", "localhost", True),
    ("issued by the trusted CA", "ca", "ca_flagged", "localhost", True),
    ("issued by the trusted CA, another name", "ca", "ca_flagged", "wrong.example", True),
    ("issued by the trusted CA, expired", "ca", "ca_flagged_expired", "localhost", True),
    ("issued by the trusted CA, for signing certificates only", "ca", "ca_flagged_cert_signing", "localhost", True),
    ("issued by a CA not trusted", "self_signed", "ca_flagged", "localhost", True),
    ("issued through an intermediate CA", "ca", ("ca_flagged_below_chain", "ca_flagged_below"), "localhost", True),
    ("issued through an intermediate CA it does not send", "ca", "ca_flagged_below", "localhost", True),
    ("issued through a non-CA", "ca", ("ca_flagged_below_not_a_ca_chain", "ca_flagged_below_not_a_ca"), "localhost", True),
    ("issued by a CA made anew", "ca", "ca_flagged_from_remade_ca", "localhost", True),
    ("issued by a CA made anew, no key ids", "ca", "ca_flagged_from_remade_ca_no_key_id", "localhost", True),
):
    client_ctx = ssl.create_default_context(cafile=ca_pem if trusted == "ca" else in_cases(trusted + ".pem"))
    client_ctx.check_hostname = check_hostname
    chain, key = presented if isinstance(presented, tuple) else (presented, presented)
    server_ctx = server(in_cases(chain + ".pem"), in_cases(key + ".key"))
    label = "a CA certificate as " + label
    print(f"{label} ->", verify_failure(client_ctx, server_ctx, name))


def client_cert_failure(server_trusts, client_presents):
    """The server's SSLCertVerificationError for the client's certificate as (code, message), or None."""
    server_ctx = server(os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem"))
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(ca_pem if server_trusts == "ca" else in_cases(server_trusts + ".pem"))
    client_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    client_ctx.load_cert_chain(in_cases(client_presents + ".pem"), in_cases(client_presents + ".key"))
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    client = client_ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
    srv = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    failure, done = None, False
    for _ in range(50):
        for side in (client, srv):
            try:
                side.do_handshake()
                done = done or side is srv
            except ssl.SSLCertVerificationError as e:
                failure = failure or (e.verify_code, e.verify_message)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, ssl.SSLError):
                pass
        if failure or done:
            break
    client.close()
    srv.close()
    return failure if failure else ("accepted" if done else "no end")


# The same certificates as a client's, which the server checks for the TLS client purpose.
for label, trusted, presented in (
    ("trusted", "self_signed", "self_signed"),
    ("trusted, expired", "self_signed_expired", "self_signed_expired"),
    ("trusted, for signing certificates only", "self_signed_cert_signing", "self_signed_cert_signing"),
    ("not trusted", "self_signed", "self_signed_cert_signing"),
    ("issued by the trusted CA", "ca", "ca_flagged"),
    ("issued by the CA the client trusts, to a server that trusts another", "self_signed", "ca_flagged"),
    ("issued by the trusted CA, for signing certificates only", "ca", "ca_flagged_cert_signing"),
    ("issued by a CA made anew", "ca", "ca_flagged_from_remade_ca"),
    ("issued by a CA made anew, no key ids", "ca", "ca_flagged_from_remade_ca_no_key_id"),
):
    print(f"a CA certificate as a client's own, {label} ->", client_cert_failure(trusted, presented))
print("a self-signed client certificate, not trusted ->", client_cert_failure("ca", "self_signed_client"))
