"""A program with no children and no other process in sight, as the sandbox is: the wait family,
the status macros, waitstatus_to_exitcode, the process group functions' refusals and the CPU
affinity, as native CPython gives them to a program that started no process. Ids that differ
between a machine and a sandbox (the parent's, the group's) are checked for their type only."""
import inspect
import os

from transcript import attempt

MISSING = 999999999

for name in ("WNOHANG", "WUNTRACED", "WSTOPPED", "WEXITED", "WCONTINUED", "WNOWAIT", "P_ALL", "P_PID",
             "P_PGID", "P_PIDFD", "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED",
             "CLD_CONTINUED"):
    print(name, getattr(os, name))

print("ids:", type(os.getppid()).__name__, type(os.getpgrp()).__name__, os.getpgid(0) == os.getpgrp(),
      os.getpgid(os.getpid()) == os.getpgrp(), type(os.getsid(0)).__name__)
attempt("getpgid(missing)", lambda: os.getpgid(MISSING))
attempt("getpgid(pid=missing)", lambda: os.getpgid(pid=MISSING))
attempt("getsid(missing)", lambda: os.getsid(MISSING))
attempt("getpgid('1')", lambda: os.getpgid("1"))
attempt("setpgid(missing, 0)", lambda: os.setpgid(MISSING, 0))
attempt("setpgid(0, -1)", lambda: os.setpgid(0, -1))
attempt("killpg(missing, 0)", lambda: os.killpg(MISSING, 0))
attempt("killpg(-1, 0)", lambda: os.killpg(-1, 0))
attempt("killpg(own group, 0)", lambda: os.killpg(os.getpgrp(), 0))
attempt("killpg(0, 0)", lambda: os.killpg(0, 0))

attempt("wait()", os.wait)
attempt("waitpid(-1, 0)", lambda: os.waitpid(-1, 0))
attempt("waitpid(-1, WNOHANG)", lambda: os.waitpid(-1, os.WNOHANG))
attempt("waitpid(missing, 0)", lambda: os.waitpid(MISSING, 0))
attempt("waitpid(0, 0x100)", lambda: os.waitpid(0, 0x100))
attempt("waitpid(0)", lambda: os.waitpid(0))
attempt("wait3(WNOHANG)", lambda: os.wait3(os.WNOHANG))
attempt("wait3(options=0)", lambda: os.wait3(options=0))
attempt("wait4(-1, WNOHANG)", lambda: os.wait4(-1, os.WNOHANG))
attempt("wait4(pid=-1, options=0)", lambda: os.wait4(pid=-1, options=0))
attempt("waitid(P_ALL, 0, WEXITED | WNOHANG)", lambda: os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG))
attempt("waitid(P_ALL, 0, WEXITED)", lambda: os.waitid(os.P_ALL, 0, os.WEXITED))
attempt("waitid(P_PID, missing, WEXITED)", lambda: os.waitid(os.P_PID, MISSING, os.WEXITED))
attempt("waitid(P_ALL, 0, 0)", lambda: os.waitid(os.P_ALL, 0, 0))
attempt("waitid(99, 0, WEXITED)", lambda: os.waitid(99, 0, os.WEXITED))
attempt("waitid(P_PIDFD, 9999, WEXITED)", lambda: os.waitid(os.P_PIDFD, 9999, os.WEXITED))
attempt("waitid(P_PIDFD, -1, WEXITED)", lambda: os.waitid(os.P_PIDFD, -1, os.WEXITED))
print("waitid_result:", os.waitid_result.n_fields, os.waitid_result.__module__, os.waitid_result((1, 2, 3, 4, 5)).si_code)

macros = ("WCOREDUMP", "WIFCONTINUED", "WIFSTOPPED", "WIFSIGNALED", "WIFEXITED", "WEXITSTATUS", "WTERMSIG", "WSTOPSIG")
for status in (0, 1, 9, 0x7F, 0x80, 0x81, 0x100, 0x17F, 0x8B, 0xFF00, 0xFFFF, 0x10000, -1, 2**31 - 1, -2**31):
    print(hex(status), [getattr(os, m)(status) for m in macros])
    attempt(f"waitstatus_to_exitcode({hex(status)})", lambda: os.waitstatus_to_exitcode(status))
print("by keyword:", os.WIFEXITED(status=0), os.WEXITSTATUS(status=0x300), os.waitstatus_to_exitcode(status=0x200))
attempt("WCOREDUMP(status=0)", lambda: os.WCOREDUMP(status=0))
attempt("WIFEXITED(2**31)", lambda: os.WIFEXITED(2**31))
attempt("WIFEXITED(1.0)", lambda: os.WIFEXITED(1.0))
attempt("waitstatus_to_exitcode('0')", lambda: os.waitstatus_to_exitcode("0"))
for name in macros + ("waitpid", "wait3", "wait4", "waitid", "getpgid", "getsid", "setpgid", "killpg",
                      "sched_getaffinity", "sched_setaffinity", "waitstatus_to_exitcode"):
    f = getattr(os, name)
    print(name, type(f).__name__, f.__module__, inspect.signature(f))

cpus = os.sched_getaffinity(0)
print("affinity:", type(cpus).__name__, bool(cpus), cpus <= set(range(os.cpu_count())), cpus == os.sched_getaffinity(os.getpid()))
attempt("sched_getaffinity(missing)", lambda: os.sched_getaffinity(MISSING))
attempt("sched_setaffinity(0, the same)", lambda: os.sched_setaffinity(0, cpus))
attempt("sched_setaffinity(0, [])", lambda: os.sched_setaffinity(0, []))
attempt("sched_setaffinity(0, [-1])", lambda: os.sched_setaffinity(0, [-1]))
attempt("sched_setaffinity(0, ['0'])", lambda: os.sched_setaffinity(0, ["0"]))
attempt("sched_setaffinity(0, 5)", lambda: os.sched_setaffinity(0, 5))
attempt("sched_setaffinity(missing, the same)", lambda: os.sched_setaffinity(MISSING, cpus))
print("affinity kept:", os.sched_getaffinity(0) == cpus)
for call in (lambda: os.getsid(), lambda: os.killpg(1), lambda: os.sched_getaffinity(), lambda: os.setpgid(1),
             lambda: os.waitid(1, 2), lambda: os.WCOREDUMP(), lambda: os.waitpid(1, 2, 3), lambda: os.killpg(pgid=1, signal=0),
             lambda: os.getppid(1), lambda: os.wait(x=1)):
    attempt("arguments", call)
# Pids and PyArg's "i" integers in their converters' words; clinic's int in its own.
for name, call in [("getpgid", lambda v: os.getpgid(v)), ("getsid", lambda v: os.getsid(v)), ("setpgid", lambda v: os.setpgid(0, v)),
                   ("killpg", lambda v: os.killpg(v, 0)), ("waitpid", lambda v: os.waitpid(0, v)), ("wait3", lambda v: os.wait3(v)),
                   ("wait4", lambda v: os.wait4(v, 0)), ("waitid", lambda v: os.waitid(0, v, 4)), ("WIFEXITED", lambda v: os.WIFEXITED(v)),
                   ("sched_getaffinity", lambda v: os.sched_getaffinity(v)), ("sched_setaffinity", lambda v: os.sched_setaffinity(v, {0}))]:
    for value in (2**40, -2**40, 2**70):
        attempt(f"{name}({value})", lambda: call(value))
# Niceness: what a process may do whatever its user and starting niceness (raising it, up to 19).
attempt("PRIO_*, GRND_*", lambda: (os.PRIO_PROCESS, os.PRIO_PGRP, os.PRIO_USER, os.GRND_NONBLOCK, os.GRND_RANDOM))
attempt("nice(0) is getpriority", lambda: os.nice(0) == os.getpriority(os.PRIO_PROCESS, 0) == os.getpriority(os.PRIO_PGRP, 0))
attempt("getpriority of its pid", lambda: os.getpriority(os.PRIO_PROCESS, os.getpid()) == os.getpriority(which=0, who=0))
attempt("nice(100)", lambda: os.nice(100))
attempt("getpriority after", lambda: os.getpriority(os.PRIO_PROCESS, 0))
attempt("setpriority(0, 0, 50)", lambda: os.setpriority(os.PRIO_PROCESS, 0, 50))
attempt("getpriority after", lambda: os.getpriority(os.PRIO_PROCESS, 0))
for name, call in [("getpriority(PRIO_PROCESS, missing)", lambda: os.getpriority(os.PRIO_PROCESS, MISSING)),
                   ("setpriority(PRIO_PROCESS, missing, 19)", lambda: os.setpriority(os.PRIO_PROCESS, MISSING, 19)),
                   ("getpriority(7, 0)", lambda: os.getpriority(7, 0)), ("setpriority(9, 0, 19)", lambda: os.setpriority(9, 0, 19)),
                   ("getpriority('x', 0)", lambda: os.getpriority("x", 0)), ("getpriority(0)", lambda: os.getpriority(0)),
                   ("setpriority(0, 0, 2**40)", lambda: os.setpriority(0, 0, 2**40)), ("nice(1.0)", lambda: os.nice(1.0)),
                   ("nice(2**40)", lambda: os.nice(2**40)), ("nice()", lambda: os.nice())]:
    attempt(name, call)
# getrandom(2)'s checks; the bytes are random.
for name, call in [("getrandom(0)", lambda: os.getrandom(0)), ("getrandom(16)", lambda: len(os.getrandom(16))),
                   ("getrandom(16, NONBLOCK | RANDOM)", lambda: len(os.getrandom(16, os.GRND_NONBLOCK | os.GRND_RANDOM))),
                   ("getrandom by keyword", lambda: type(os.getrandom(size=4, flags=0)).__name__),
                   ("getrandom(-1)", lambda: os.getrandom(-1)), ("getrandom(4, 64)", lambda: os.getrandom(4, 64)),
                   ("getrandom(4, -1)", lambda: os.getrandom(4, -1)), ("getrandom(4, 6)", lambda: os.getrandom(4, 6)),
                   ("getrandom(4.0)", lambda: os.getrandom(4.0)), ("getrandom(2**70)", lambda: os.getrandom(2**70))]:
    attempt(name, call)
