#!/usr/bin/python3
# ptyrun.py -- run a command as the foreground job of a pseudo-terminal,
# and play the person typing at it.  Standard library only; run with
# /usr/bin/python3.
#
#   ptyrun.py [--step WAIT TYPE]... [--timeout SECONDS] -- CMD [ARG...]
#
# The command runs as a shell runs a job: in a process group of its own,
# the terminal's foreground group, with the terminal as its controlling
# terminal and as its standard input, output and error.  Keys such as ^C
# (TYPE "\x03") and ^Z ("\x1a") therefore reach it as signals from the
# terminal; a job that stops is continued at once, as after "fg".
#
# Each step waits until WAIT appears in what the command wrote since the
# previous step ("" waits for nothing), then types TYPE (escapes as in
# Python: "\n", "\x04").  Once the steps are done, it reads until the
# command ends and prints, one per line:
#
#   waited: yes|no          every step's WAIT was seen
#   echo-at-wait: on|off    the terminal's ECHO flag when the first WAIT
#                           was seen
#   echo-after: on|off      the ECHO flag once the command has ended
#   stops: N                how many times the job stopped
#   status: N               its exit status, or 128+signal
#   output: REPR            everything it wrote, as a Python bytes repr
#
# Exit 0, or 2 when the command did not end within --timeout seconds (it
# is then killed).
import argparse
import os
import pty
import select
import signal
import sys
import termios
import time


def job(cmd, stops_w):
    """The session leader on the terminal: a shell with one job."""
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(0, os.getpgrp())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(0, pid)
    except OSError:
        pass
    while True:
        _, st = os.waitpid(pid, os.WUNTRACED)
        if os.WIFSTOPPED(st):
            os.write(stops_w, b"s")
            os.tcsetpgrp(0, pid)
            os.kill(-pid, signal.SIGCONT)
            continue
        code = os.waitstatus_to_exitcode(st)
        os._exit(128 - code if code < 0 else code)


def echo_on(fd):
    try:
        return "on" if termios.tcgetattr(fd)[3] & termios.ECHO else "off"
    except termios.error:
        return "unknown"


def read_some(fd, out, until):
    """Read what is there until `until`; False at EOF or past it."""
    left = until - time.monotonic()
    if left <= 0:
        return False
    r, _, _ = select.select([fd], [], [], min(left, 0.2))
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    if not data:
        return False
    out.extend(data)
    return True


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--step", nargs=2, action="append", default=[],
                   metavar=("WAIT", "TYPE"))
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("cmd", nargs="+")
    a = p.parse_args()

    stops_r, stops_w = os.pipe()
    pid, fd = pty.fork()
    if pid == 0:
        os.close(stops_r)
        job(a.cmd, stops_w)
    os.close(stops_w)
    out = bytearray()
    deadline = time.monotonic() + a.timeout
    waited, echo_wait, alive, mark = "yes", "unknown", True, 0
    for i, (wait, typed) in enumerate(a.step):
        want = wait.encode()
        while alive and want not in out[mark:]:
            alive = read_some(fd, out, deadline)
        if want not in out[mark:]:
            waited = "no"
            break
        mark = out.index(want, mark) + len(want)
        if i == 0:
            echo_wait = echo_on(fd)
        os.write(fd, unescape(typed))
    status = None
    while status is None:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid == pid:
            status = os.waitstatus_to_exitcode(st)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            print("timeout")
            print("output: %r" % bytes(out))
            return 2
        read_some(fd, out, min(deadline, time.monotonic() + 0.1))
    while read_some(fd, out, time.monotonic() + 0.2):
        pass
    print("waited: %s" % waited)
    print("echo-at-wait: %s" % echo_wait)
    print("echo-after: %s" % echo_on(fd))
    print("stops: %d" % len(os.read(stops_r, 100)))
    print("status: %d" % status)
    print("output: %r" % bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
