# Bad arguments and closed sockets: the sandbox must raise exactly what native CPython raises.
# tests/tests/sandbox.rs runs this under native python3 and under pysock and compares the output.
import errno, select, socket
def t(label, fn, *a):
    try:
        r = fn(*a)
        print(label, 'ok', repr(r)[:60])
    except Exception as e:
        print(label, type(e).__name__, errno.errorcode.get(getattr(e, 'errno', None) or -1, getattr(e, 'errno', None)))
s = socket.socket()
nan, inf = float('nan'), float('inf')
t('settimeout nan', s.settimeout, nan)
t('settimeout -1', s.settimeout, -1)
t('settimeout inf', s.settimeout, inf)
t('settimeout 1e300', s.settimeout, 1e300)
t('settimeout str', s.settimeout, '1')
t('setdefaulttimeout nan', socket.setdefaulttimeout, nan)
t('select nan', select.select, [], [], [], nan)
t('select -1', select.select, [], [], [], -1)
t('select inf', select.select, [s], [], [], 0)
p = select.poll()
t('poll nan', p.poll, nan)
t('poll register huge fd', p.register, 2**40)
t('poll register -1', p.register, -1)
t('poll mask huge', p.register, 5, 2**20)
t('recv huge neg', s.recv, -2**70)
t('recv 2**70', s.recv, 2**70)
t('send flags huge', s.send, b'x', 2**40)
t('bind port 2**40', s.bind, ('127.0.0.1', 2**40))
t('bind port -1', s.bind, ('127.0.0.1', -1))
t('bind bad host', s.bind, ('999.1.1.1', 0))
t('bind 3-tuple', s.bind, ('127.0.0.1', 0, 0))
t('bind str', s.bind, 'x')
t('connect nul host', s.connect, ('127.0\x00.0.1', 80))
t('socket fileno 2**40', lambda: socket.socket(fileno=2**40))
t('socket fileno -5', lambda: socket.socket(fileno=-5))
t('socket fileno 999', lambda: socket.socket(fileno=999))
t('socket family 12345', socket.socket, 12345)
t('socket type 99', socket.socket, socket.AF_INET, 99)
t('getsockopt buflen 0', s.getsockopt, socket.SOL_SOCKET, socket.SO_TYPE, 0)
t('getsockopt buflen 2000', s.getsockopt, socket.SOL_SOCKET, socket.SO_TYPE, 2000)
t('setsockopt huge int', s.setsockopt, socket.SOL_SOCKET, socket.SO_KEEPALIVE, 2**40)
t('shutdown 7', s.shutdown, 7)
t('dup 999', socket.dup, 999)
t('close 999', socket.close, 999)
t('getaddrinfo port 2**70', socket.getaddrinfo, '127.0.0.1', 2**70)
t('getaddrinfo surrogate port', socket.getaddrinfo, 'localhost', '\udc80')
try:
    socket.getaddrinfo('\udc80', 80)
except UnicodeError:
    # 3.14's idna codec raises the subclass UnicodeEncodeError; the class family is what matters.
    print('getaddrinfo surrogate host UnicodeError')
t('inet_aton surrogate', socket.inet_aton, '\udc80')
t('inet_ntop 2**40', socket.inet_ntop, 2**40, b'1234')
s.close()
t('closed recv 2**70', s.recv, 2**70)
# A receive makes a bytes object of the size asked for before it calls the kernel, so a size no
# machine's memory holds is MemoryError (natively past memory and swap; in the sandbox from 1 TiB)
# and one past what a size can describe OverflowError, open socket or closed; below, what arrived.
t('closed recv 2**40', s.recv, 2**40)
x, y = socket.socketpair()
x.settimeout(5)
for n in (2**31, 2**40, 2**62, 2**63 - 1):
    for name in ('recv', 'recvfrom', 'recvmsg'):
        y.send(b'z')
        t(f'{name} {n}', lambda: getattr(x, name)(n)[:1])
x.recv(10)
x.close()
y.close()
t('closed settimeout nan', s.settimeout, nan)
t('closed sendall', s.sendall, b'x' * 100)
t('closed getblocking', s.getblocking)
# A refused non-blocking connect: SO_ERROR as raw bytes is Linux's number, as an int the errno.
lst = socket.socket(); lst.bind(('127.0.0.1', 0)); port = lst.getsockname()[1]; lst.close()
c = socket.socket(); c.setblocking(False); c.connect_ex(('127.0.0.1', port))
select.select([], [c], [], 5)
raw = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR, 4)
print('SO_ERROR raw is ECONNREFUSED (111 on Linux):', int.from_bytes(raw, 'little') == 111)
c.close()
t('getaddrinfo 127.1', lambda: socket.getaddrinfo('127.1', 80, socket.AF_INET, socket.SOCK_STREAM)[0][4])
# Socket types as glibc judges them: every type it lists, and its errors for the others.
t('getaddrinfo any type', lambda: [(k.name, p) for _, k, p, _, _ in socket.getaddrinfo('127.0.0.1', 80)])
t('getaddrinfo SOCK_RAW with a port', socket.getaddrinfo, '127.0.0.1', 80, 0, socket.SOCK_RAW)
t('getaddrinfo SOCK_RAW', lambda: socket.getaddrinfo('127.0.0.1', None, 0, socket.SOCK_RAW)[0][1:3])
t('getaddrinfo SOCK_SEQPACKET', lambda: socket.getaddrinfo('127.0.0.1', 80, 0, socket.SOCK_SEQPACKET)[0][1:3])
t('getaddrinfo type 99', socket.getaddrinfo, '127.0.0.1', 80, 0, 99)
t('getaddrinfo SOCK_NONBLOCK type', socket.getaddrinfo, '127.0.0.1', 80, 0, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
t('getaddrinfo type -1', socket.getaddrinfo, '127.0.0.1', 80, 0, -1)
t('getaddrinfo type 2**31', socket.getaddrinfo, '127.0.0.1', 80, 0, 2**31)
# Socket types the sandbox has no sockets for, where Linux refuses them whatever the privileges.
t('socket SOCK_RAW protocol 0', socket.socket, socket.AF_INET, socket.SOCK_RAW, 0)
t('socket AF_INET6 SOCK_SEQPACKET', socket.socket, socket.AF_INET6, socket.SOCK_SEQPACKET)
t('socket type 99', socket.socket, socket.AF_INET, 99)
t('getservbyname http', socket.getservbyname, 'http')
t('getservbyname domain udp', socket.getservbyname, 'domain', 'udp')
t('getservbyname nope', socket.getservbyname, 'nope')
t('getservbyname 80', socket.getservbyname, '80')
t('getservbyname sctp', socket.getservbyname, 'http', 'sctp')
t('getservbyport 80', socket.getservbyport, 80)
t('getservbyport 53 udp', socket.getservbyport, 53, 'udp')
t('getservbyport 70000', socket.getservbyport, 70000)
t('getprotobyname tcp', socket.getprotobyname, 'tcp')
t('getprotobyname nope', socket.getprotobyname, 'nope')
# setsockopt(level, name, None, optlen): CPython passes NULL, which the kernel cannot read.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 3, 4, 2**31 - 1, 2**32 + 4, 2**32, -1):
    t(f'setsockopt None {n}', u.setsockopt, socket.SOL_SOCKET, socket.SO_REUSEADDR, None, n)
# Short values: the IPv4 options that fit in a byte read one, the others need an int (linger two);
# a NULL value fails as EFAULT only where the kernel reads it.
IP, tcp = socket.IPPROTO_IP, socket.socket()
short = [(u, IP, socket.IP_TTL), (u, IP, socket.IP_TOS), (u, IP, socket.IP_MULTICAST_TTL), (u, IP, socket.IP_MULTICAST_LOOP),
         (tcp, IP, socket.IP_MULTICAST_TTL), (tcp, socket.SOL_SOCKET, socket.SO_LINGER), (tcp, socket.IPPROTO_TCP, socket.TCP_NODELAY)]
for sock, level, name in short:
    for value in (b'', b'\x07', b'\x07\x00\x00', b'\x01\x00\x00\x00\x05', (None, 0), (None, 1), (None, 4)):
        args = value if isinstance(value, tuple) else (value,)
        label = f'setsockopt {sock.type.name} {level} {name} {value!r}'
        t(label, sock.setsockopt, level, name, *args)
        t(label + ' reads', sock.getsockopt, level, name)
tcp.close()
u.close()
# An AF_UNIX address is a str or bytes-like path, nothing else.
x, y = socket.socketpair()
for bad in (5, None, ('a', 1)):
    t(f'unix sendto {bad!r}', x.sendto, b'x', bad)
x.close()
y.close()
print('END')
# Host names to look up go through the idna codec even in ASCII, which refuses an empty or
# over-long label (UnicodeError; 3.14 raises its subclass UnicodeEncodeError). A service name
# under AI_NUMERICSERV is the service's failure, not the numeric host's.
for host in ('a' * 64 + '.com', 'a..b', '.a', 'x' * 300):
    for lookup in (lambda h: socket.getaddrinfo(h, 80), socket.gethostbyname, socket.gethostbyname_ex):
        try:
            lookup(host)
            print('lookup', host[:8], 'ok')
        except UnicodeError:
            print('lookup', host[:8], 'UnicodeError')
        except OSError as e:
            print('lookup', host[:8], type(e).__name__, e.errno)
# The edges of what the codec passes: a trailing dot, 63-character labels, an empty name. With
# AI_NUMERICHOST nothing is sent to a resolver.
for host in ('a.', 'a' * 63, 'b.' + 'a' * 63 + '.', '', 'a' * 64 + '.', '.', 'a\u00e9.b'):
    try:
        socket.getaddrinfo(host, 80, flags=socket.AI_NUMERICHOST)
        print('numeric lookup', repr(host[:4]), 'ok')
    except UnicodeError:
        print('numeric lookup', repr(host[:4]), 'UnicodeError')
    except OSError as e:
        print('numeric lookup', repr(host[:4]), type(e).__name__, e.errno)
try:
    socket.getaddrinfo('127.0.0.1', 'http', flags=socket.AI_NUMERICSERV)
except socket.gaierror as e:
    print('numeric service', e.errno, 'policy' in str(e))
