#!/usr/bin/python3
# procpeek.py -- what a user can learn about a running process through
# /proc and ptrace(2), for tests/multiuser.sh.
#
#   procpeek.py PID SECRET
#
# Run as the user who started the process.  Prints one line per way in,
# and never the data itself:
#   owner UID           the owner of /proc/PID/environ (root's when the
#                       process is not dumpable)
#   environ denied|readable|SECRET
#   cmdline denied|readable|SECRET
#   maps denied|readable
#   mem denied|readable|SECRET   (every readable mapping, read through
#                       /proc/PID/mem)
#   fd denied|readable
#   ptrace denied|attached|SECRET   (PTRACE_ATTACH; when attached, the
#                       memory is read again, now as its tracer; then
#                       PTRACE_DETACH)
# "SECRET" means the secret was found there.

import ctypes
import os
import sys

PTRACE_ATTACH = 16
PTRACE_DETACH = 17


def read(path):
    with open(path, "rb") as f:
        return f.read()


def scan_mem(pid, secret):
    """'SECRET' if found in a readable mapping, else 'readable'."""
    maps = read("/proc/%d/maps" % pid).decode("ascii", "replace")
    found = False
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in maps.splitlines():
            f = line.split()
            if len(f) < 2 or not f[1].startswith("r"):
                continue
            if len(f) >= 6 and f[5] in ("[vvar]", "[vsyscall]"):
                continue
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue
            if data and secret in data:
                found = True
    return "SECRET" if found else "readable"


def probe(label, fn):
    try:
        print(label, fn())
    except PermissionError:
        print(label, "denied")
    except OSError as e:
        print(label, "denied" if e.errno in (1, 13) else
              "error %s" % e.strerror)
    sys.stdout.flush()


def main():
    pid = int(sys.argv[1])
    secret = sys.argv[2].encode()
    print("owner", os.stat("/proc/%d/environ" % pid).st_uid)

    def text(name):
        data = read("/proc/%d/%s" % (pid, name))
        return "SECRET" if secret in data else "readable"
    probe("environ", lambda: text("environ"))
    probe("cmdline", lambda: text("cmdline"))
    probe("maps", lambda: (read("/proc/%d/maps" % pid), "readable")[1])
    probe("mem", lambda: scan_mem(pid, secret))
    probe("fd", lambda: (os.listdir("/proc/%d/fd" % pid), "readable")[1])

    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                            ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) == -1:
        print("ptrace denied")
        return 0
    os.waitpid(pid, 0)
    try:
        what = scan_mem(pid, secret)
        print("ptrace", "SECRET" if what == "SECRET" else "attached")
    except OSError:
        print("ptrace attached")
    libc.ptrace(PTRACE_DETACH, pid, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
