"""Who the program runs as: os.getuid and its kin, pwd and grp, and what asks them (getpass.getuser,
~ and Path.home, Path.owner, the owner of a file the program made, pytest's way of checking its
temporary folder, os.chown and its kin to the owner a file has, and tarfile, which gives each file it
extracts its owner when it runs as root). Written to read the same whoever runs it:
tests/tests/sandbox.rs compares it with native CPython; with `--who` it prints the ids and names,
which the sandbox fixes, and with `--give-away` what a chown to another owner does."""
import copy
import getpass
import grp
import inspect
import os
import pathlib
import pickle
import pwd
import shutil
import sys
import tarfile
import tempfile

if sys.argv[1:] == ["--give-away"]:
    # A chown to another owner: done, and the file still reads as root's (WASI keeps no owners).
    folder = tempfile.mkdtemp()
    open(os.path.join(folder, "mine"), "w").close()
    for owner in ((12345, -1), (-1, 12345), (os.getuid() + 1, os.getgid())):
        print(os.chown(os.path.join(folder, "mine"), *owner), os.stat(os.path.join(folder, "mine")).st_uid)
    sys.exit()

if sys.argv[1:] == ["--who"]:
    me = pwd.getpwuid(os.getuid())
    print(os.getuid(), os.getgid(), me.pw_name, me.pw_dir, grp.getgrgid(os.getgid()).gr_name, os.getgroups())
    sys.exit()


def attempt(label, f, *args, **kwargs):
    try:
        result = f(*args, **kwargs)
    except Exception as e:
        result = f"{type(e).__name__}: {e}"
    print(f"{label}: {result}")


for name in ("LOGNAME", "USER", "LNAME", "USERNAME", "HOME"):
    os.environ.pop(name, None)

print("-- the process's ids")
uid, gid = os.getuid(), os.getgid()
print("effective as real:", os.geteuid() == uid, os.getegid() == gid)
print("saved:", os.getresuid() == (uid,) * 3, os.getresgid() == (gid,) * 3)
print("groups:", type(os.getgroups()).__name__, os.getgroups() is not os.getgroups())
for f in (os.getuid, os.geteuid, os.getgid, os.getegid, os.getgroups, os.getresuid, os.getresgid):
    print(repr(f), f.__module__, f.__text_signature__, inspect.signature(f), f.__doc__)
attempt("getuid(1)", os.getuid, 1)
attempt("getgroups(x=1)", os.getgroups, x=1)

print("-- a file the program made is its own")
with tempfile.NamedTemporaryFile() as f:
    st = os.stat(f.name)
    print("owner:", st.st_uid == uid, st.st_gid == gid)
    print("Path.owner:", pathlib.Path(f.name).owner() == pwd.getpwuid(uid).pw_name)
    print("Path.group:", pathlib.Path(f.name).group() == grp.getgrgid(gid).gr_name)
folder = tempfile.mkdtemp()
print("pytest's check of its folder:", os.stat(folder).st_uid == os.getuid())
os.rmdir(folder)

print("-- pwd")
me = pwd.getpwuid(uid)
print(repr(me).startswith("pwd.struct_passwd(pw_name="), type(me), type(me).__mro__, len(me))
print("by name:", pwd.getpwnam(me.pw_name) == me, "in getpwall:", me in pwd.getpwall())
print("fields:", me.pw_uid == uid == me[2], me[0] == me.pw_name, me[-1] == me.pw_shell, me[2:4] == (me.pw_uid, me.pw_gid))
print("as a tuple:", tuple(me) == me, hash(me) == hash(tuple(me)), type(me[:]).__name__, type(me + (1,)).__name__)
print("counts:", me.n_fields, me.n_sequence_fields, me.n_unnamed_fields, pwd.struct_passwd.__match_args__)
print("reduce:", me.__reduce__() == (pwd.struct_passwd, (tuple(me), {})))
print("pickled:", pickle.loads(pickle.dumps(me)) == me, type(pickle.loads(pickle.dumps(me))).__name__, copy.copy(me) == me)
print("made:", pwd.struct_passwd(("a", "x", 1, 2, "g", "/h", "/s")))
attempt("made of 2", pwd.struct_passwd, ("a", "x"))
attempt("set a field", setattr, me, "pw_name", "x")
try:
    me.other = 1
except AttributeError as e:
    # Python 3.13 added "and no __dict__ for setting new attributes" to the words.
    print("set another: AttributeError", str(e).startswith("'pwd.struct_passwd' object has no attribute 'other'"))
print("docs:", pwd.struct_passwd.pw_dir.__doc__, "|", pwd.struct_passwd.__doc__.splitlines()[0], "|", pwd.__doc__.splitlines()[0])
for f in (pwd.getpwuid, pwd.getpwnam, pwd.getpwall):
    print(repr(f), f.__module__, f.__text_signature__, inspect.signature(f), f.__doc__.splitlines()[0])
print("module:", pwd.__name__, pwd.__spec__.origin, sorted(n for n in dir(pwd) if not n.startswith("_")))


def found(f, *args):
    try:
        return f(*args)
    except KeyError as e:
        return e.args


print("True as 1:", found(pwd.getpwuid, True) == found(pwd.getpwuid, 1), found(grp.getgrgid, True) == found(grp.getgrgid, 1))


class Index:
    def __index__(self):
        return uid


print("an __index__:", pwd.getpwuid(Index()) == me)
for value in (4242424, -1, 2**32 - 1, -2, 2**32, 2**64, -2**70, "0", 0.0, None):
    attempt(f"getpwuid({value!r})", pwd.getpwuid, value)
for value in ("no-such-user", "\udcff", "ro\0ot", b"root", 0):
    attempt(f"getpwnam({value!r})", pwd.getpwnam, value)
attempt("getpwuid()", pwd.getpwuid)
attempt("getpwuid(0, 1)", pwd.getpwuid, 0, 1)
attempt("getpwuid(uid=0)", pwd.getpwuid, uid=0)
attempt("getpwnam(name='x')", pwd.getpwnam, name="x")
attempt("getpwall(1)", pwd.getpwall, 1)

print("-- grp")
group = grp.getgrgid(gid)
print(repr(group).startswith("grp.struct_group(gr_name="), type(group), len(group), type(group.gr_mem).__name__)
print("by name:", grp.getgrnam(group.gr_name) == group, "by keyword:", grp.getgrgid(id=gid) == group, grp.getgrnam(name=group.gr_name) == group)
print("in getgrall:", group in grp.getgrall(), group.n_fields, grp.struct_group.__match_args__)
print("made:", grp.struct_group(("g", "x", 7, ["a"])))
for f in (grp.getgrgid, grp.getgrnam, grp.getgrall):
    print(repr(f), f.__module__, f.__text_signature__, inspect.signature(f), f.__doc__.splitlines()[0])
for value in (4242424, -1, 2**32 - 1, -2, 2**32, 2**64, -2**70, "0", 0.0):
    attempt(f"getgrgid({value!r})", grp.getgrgid, value)
for value in ("no-such-group", "ro\0ot", b"root", 0):
    attempt(f"getgrnam({value!r})", grp.getgrnam, value)
attempt("getgrgid()", grp.getgrgid)
attempt("getgrgid(0, 1)", grp.getgrgid, 0, 1)
attempt("getgrgid(gid=0)", grp.getgrgid, gid=0)
attempt("getgrgid(id=0, x=1)", grp.getgrgid, id=0, x=1)
attempt("getgrnam()", grp.getgrnam)
attempt("getgrall(1)", grp.getgrall, 1)
attempt("getgrall(x=1)", grp.getgrall, x=1)

print("-- os.umask")
was = os.umask(0o027)  # the process's own, natively, which the harness chose
print("umask:", oct(os.umask(0o022)), repr(os.umask), os.umask.__module__, os.umask.__text_signature__, os.umask.__doc__)
for value in (-1, 0o777, 0o1777, True, 2**31, -2**31 - 1, -2**31, 1.5, "1", None):
    attempt(f"umask({value!r})", lambda v: oct(os.umask(v)), value)
attempt("umask()", os.umask)
attempt("umask(1, 2)", os.umask, 1, 2)
attempt("umask(mask=1)", os.umask, mask=1)
os.umask(was)

print("-- what asks")
print("getuser:", getpass.getuser() == me.pw_name)
os.environ["USER"] = "someone"
print("getuser from USER:", getpass.getuser())
print("~:", os.path.expanduser("~") == me.pw_dir, pathlib.Path.home() == pathlib.Path(me.pw_dir))
print("~name:", os.path.expanduser(f"~{me.pw_name}/x") == os.path.join(me.pw_dir, "x"), os.path.expanduser("~no-such-user/x"))
os.environ["HOME"] = "/somewhere/else"
print("~ from HOME:", os.path.expanduser("~/x"), pathlib.Path.home())

print("-- os.chown and its kin")
os.chdir(tempfile.mkdtemp())
pathlib.Path("mine").write_text("text")
os.symlink("mine", "link")
st = os.stat("mine")
attempt("chown to its own owner", os.chown, "mine", st.st_uid, st.st_gid)
attempt("chown leaving both", os.chown, "mine", -1, -1)
attempt("chown by keyword", os.chown, path="mine", uid=-1, gid=st.st_gid)
attempt("chown of bytes and a Path", lambda: (os.chown(b"mine", -1, -1), os.chown(pathlib.Path("mine"), -1, -1)))
attempt("chown not following", os.chown, "link", -1, -1, follow_symlinks=False)
attempt("lchown", os.lchown, "link", -1, -1)
fd = os.open("mine", os.O_RDONLY)
attempt("fchown", os.fchown, fd, st.st_uid, -1)
attempt("chown of a descriptor", os.chown, fd, -1, -1)
attempt("chown of a descriptor, not following", os.chown, fd, -1, -1, follow_symlinks=False)
os.close(fd)
attempt("fchown of a closed descriptor", os.fchown, fd, -1, -1)
attempt("chown of a missing file", os.chown, "missing", -1, -1)
attempt("lchown of a missing file", os.lchown, "missing", -1, -1)
attempt("chown('')", os.chown, "", -1, -1)
attempt("chown(None)", os.chown, None, -1, -1)
attempt("lchown of a descriptor", os.lchown, 0, -1, -1)
attempt("fchown of a str", os.fchown, "mine", -1, -1)
for value in ("0", 1.5, -2, 2**32, 2**63, -2**63 - 1, 2**32 - 1):
    attempt(f"chown uid {value!r}", os.chown, "mine", value, -1)
    attempt(f"chown gid {value!r}", os.chown, "mine", -1, value)
attempt("chown()", os.chown, "mine", 0)
attempt("lchown(1, 2, 3, 4)", os.lchown, "mine", 1, 2, 3)
for f in (os.chown, os.lchown, os.fchown):
    print(repr(f), f.__module__, f.__text_signature__, f.__doc__.splitlines()[0])
print("chown in supports_*:", os.chown in os.supports_fd, os.chown in os.supports_dir_fd, os.chown in os.supports_follow_symlinks)
attempt("shutil.chown to itself", lambda: shutil.chown("mine", user=me.pw_name, group=grp.getgrgid(st.st_gid).gr_name))

print("-- tarfile, which gives what it extracts an owner when it runs as root")
os.makedirs("tree/sub")
pathlib.Path("tree/sub/f.txt").write_text("inside")
with tarfile.open("tree.tar", "w") as archive:
    archive.add("tree")
for name in ("data", "tar", "fully_trusted"):
    with tarfile.open("tree.tar") as archive:
        archive.extractall(f"out-{name}", filter=name)
    print(name, pathlib.Path(f"out-{name}/tree/sub/f.txt").read_text())
attempt("shutil.unpack_archive", lambda: (shutil.unpack_archive("tree.tar", "unpacked", filter="data"), sorted(os.listdir("unpacked/tree")))[1])
