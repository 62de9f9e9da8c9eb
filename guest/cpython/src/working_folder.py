"""The working folder as Linux keeps it: `os.getcwd()` names the folder itself, every `..` and link
on the way resolved.

WASI's libc keeps the working folder as a string and joins each relative `os.chdir` onto it as
given, so after `os.chdir("d")` and `os.chdir("..")` `os.getcwd()` said ".../d/.." (and
`pathlib.Path.cwd()`, and every path made from it, with it), a link's name where Linux names its
target, and the string grew with each change of folder until its paths passed PATH_MAX. Linux's
kernel keeps the folder itself, and getcwd(3) gives its path. So after each change of folder libc
is given the folder's real path.
"""

import functools
import os

from _pysock._builtin_function import stand_in_for_os


def install():
    real_chdir = os.chdir

    @functools.wraps(real_chdir)
    def chdir(path):
        real_chdir(path)
        where = os.getcwd()
        real = os.path.realpath(where)
        if real != where:
            try:
                real_chdir(real)
            except OSError:
                pass  # a folder reached through a link the sandbox cannot follow back: as libc has it
    stand_in_for_os(chdir)
