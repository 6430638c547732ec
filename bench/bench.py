#!/usr/bin/python3
# bench/bench.py -- outbox against msmtp, side by side.  Run it through
# bench/run.sh, which finds the binaries; see there for the options.
#
# Servers, all on loopback:
#   plain SMTP:   Postfix's smtp-sink (C, discards everything; it needs a
#                 fixed port, so a free one is picked by binding port 0 and
#                 closing it just before smtp-sink starts).
#   STARTTLS + AUTH PLAIN: tests/lib/smarthost.py --discard (aiosmtpd).
#                 smtp-sink has no STARTTLS and no real AUTH, and a plain
#                 TLS terminator (stunnel, gnutls-serv) cannot do
#                 STARTTLS, so this case uses the aiosmtpd smarthost.  Its
#                 Python per-message cost is paid equally by both clients,
#                 which pulls this ratio towards 1.
#
# Each measurement alternates the clients (outbox, msmtp, then msmtp,
# outbox, ...) so drift in machine load hits both alike.  Times are wall
# clock from fork to exit as seen by this script (the same fork/exec cost
# for both clients).  Peak RSS is GNU time's %M ("Maximum resident set
# size", the child's ru_maxrss): the client runs under /usr/bin/time,
# because a child's ru_maxrss also counts what it inherited at fork, and
# GNU time's ~1 MiB is below either client while this script's is not.
#
# Nothing is asserted: the table and the summary are information.

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rows as extra_rows  # noqa: E402  (bench/rows.py: issue 13's rows)

MIB = 1024 * 1024


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, what, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("bench: %s exited with %s" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("bench: %s did not start listening on port %d" % (what, port))


def write_message(path, size):
    """An RFC 5322 message of about SIZE bytes, plain ASCII lines of 76
    characters, with every header neither client would add."""
    head = (b"From: Bench Sender <sender@example.org>\n"
            b"To: rcpt@example.net\n"
            b"Subject: benchmark %d bytes\n"
            b"Date: Mon, 02 Jan 2006 15:04:05 +0000\n"
            b"Message-ID: <bench-%d@example.org>\n"
            b"\n") % (size, size)
    line = (b"0123456789abcdefghijklmnopqrstuvwxyz"
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_\n")
    block = line * 8192
    with open(path, "wb") as f:
        f.write(head)
        left = max(size - len(head), 0)
        while left >= len(block):
            f.write(block)
            left -= len(block)
        while left > 0:
            chunk = line[:min(left, len(line))]
            if len(chunk) < len(line):
                chunk = chunk[:-1] + b"\n"
            f.write(chunk)
            left -= len(chunk)


def start_server(argv, portfile):
    """Start ARGV, a server that writes its port to PORTFILE (one of its
    arguments); the process and the port, or exit when it does not
    start within 15 seconds."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not (os.path.exists(portfile) and os.path.getsize(portfile)):
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            p.wait()
            sys.exit("bench: %s did not start" % " ".join(argv[:2]))
        time.sleep(0.05)
    return p, int(open(portfile).read())


def write_conf(path, lines):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# written by bench/bench.py\naccount default\n")
        for line in lines:
            f.write(line + "\n")


def raw_send(port, crlf_path):
    """The server's ceiling: a minimal client that pipelines MAIL/RCPT/DATA
    and sendfile()s a CRLF, dot-stuffed message.  Returns seconds."""
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line or line[3:4] != b"-":
                if not line.startswith((b"2", b"3")):
                    raise OSError("raw client: unexpected reply %r" % line)
                return

    reply()
    s.sendall(b"EHLO bench\r\n")
    reply()
    s.sendall(b"MAIL FROM:<sender@example.org>\r\n"
              b"RCPT TO:<rcpt@example.net>\r\nDATA\r\n")
    reply()
    reply()
    reply()
    with open(crlf_path, "rb") as m:
        s.sendfile(m)
    s.sendall(b".\r\n")
    reply()
    s.sendall(b"QUIT\r\n")
    reply()
    s.close()
    return time.perf_counter() - t0


class Client:
    def __init__(self, name, binary, confs, env):
        self.name = name
        self.binary = binary
        self.confs = confs          # case -> config path
        self.env = env
        self.failures = []

    def run(self, case, message, errfile, limit=60, label=None, rss=False):
        """One send; None if it failed or took over LIMIT seconds.
        With RSS, the client runs under GNU time, whose small footprint
        is all that the child's ru_maxrss can inherit from its parent."""
        argv = [self.binary, "-C", self.confs[case], "rcpt@example.net"]
        rssfile = errfile + ".rss"
        if rss:
            argv = ["/usr/bin/time", "-q", "-f", "%M", "-o", rssfile] + argv
        with open(message, "rb") as stdin, open(errfile, "wb") as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=stdin, stdout=err, stderr=err,
                                 env=self.env)
            timer = threading.Timer(limit, p.kill)
            timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            t1 = time.perf_counter()
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            with open(errfile, "rb") as f:
                text = f.read(2000).decode("utf-8", "replace")
            if p.returncode == -signal.SIGKILL and t1 - t0 >= limit:
                text = "killed after %d s\n%s" % (limit, text)
            self.failures.append((label or case, p.returncode, text))
            return None
        res = {"wall": t1 - t0, "cpu": ru.ru_utime + ru.ru_stime,
               "rss": None}
        if rss:
            with open(rssfile) as f:
                res["rss"] = int(f.read().split()[-1])
        return res


def alternate(clients, rounds, case, message, errfile, warmup=0, limit=60,
              label=None, rss=False):
    """Run every client ROUNDS times, alternating the order each round.
    A client that fails twice in a row is not run again."""
    results = {c.name: [] for c in clients}
    streak = {c.name: 0 for c in clients}
    for i in range(warmup + rounds):
        order = clients if i % 2 == 0 else list(reversed(clients))
        for c in order:
            if streak[c.name] >= 2:
                continue
            r = c.run(case, message, errfile, limit, label, rss)
            streak[c.name] = 0 if r is not None else streak[c.name] + 1
            if i >= warmup and r is not None:
                results[c.name].append(r)
    return results


def fmt_ms(s):
    return "%.1f ms" % (s * 1000)


def fmt_mbs(v):
    return "%.0f MB/s" % v


def fmt_kib(k):
    return "%.1f MiB" % (k / 1024.0)


class Ctx:
    """What a row function of bench/rows.py gets: the run's arguments,
    files, servers and clients, and the table to add to."""

    def __init__(self, a, tmp, procs, say):
        self.a, self.tmp, self.procs, self.say = a, tmp, procs, say
        self.rows = []          # (label, outbox, msmtp, ratio) strings
        self.summary = {}       # base rows: key -> (ratio, better)
        self.targets = []       # (text, value, ok, absolute)
        self.notes = []
        self.clients = []
        self.common = ["host 127.0.0.1", "from sender@example.org",
                       "timeout 60"]

    def client(self, name):
        return [c for c in self.clients if c.name == name][0]

    def queue_dir(self, case):
        return os.path.join(self.tmp, "queue-" + case)

    def case(self, case, lines):
        """Write CASE's configuration for both clients (outbox's with a
        queue_dir of its own)."""
        for c in self.clients:
            extra = []
            if c.name == "outbox":
                q = self.queue_dir(case)
                os.makedirs(q, 0o700, exist_ok=True)
                extra = ["queue_dir " + q]
            path = os.path.join(self.tmp, "%s-%s.conf" % (c.name, case))
            write_conf(path, lines + extra)
            c.confs[case] = path

    def plain_lines(self, port):
        return self.common + ["port %d" % port, "tls off", "auth off"]

    def tls_lines(self, port, trust, implicit=False):
        return self.common + [
            "port %d" % port, "tls on",
            "tls_starttls %s" % ("off" if implicit else "on"),
            "tls_trust_file %s" % trust, "auth plain",
            "user %s" % self.user, "password %s" % self.password]

    def alternate(self, rounds, case, message, warmup=0, limit=60,
                  label=None, rss=False):
        return alternate(self.clients, rounds, case, message, self.errfile,
                         warmup, limit, label, rss)

    def timed(self, argv, limit=60, stdin=None):
        """Run ARGV: (wall seconds, exit code, start of stderr)."""
        with open(stdin or os.devnull, "rb") as i, \
                open(self.errfile, "wb") as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=i, stdout=err, stderr=err,
                                 env=self.env)
            try:
                p.wait(limit)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            t = time.perf_counter() - t0
        with open(self.errfile, "rb") as f:
            text = f.read(2000).decode("utf-8", "replace")
        return t, p.returncode, text

    def spawn_sink(self, name, args):
        """Start bench/fastsink.py with ARGS; its port."""
        return self.spawn("/usr/bin/python3", name, args,
                          [os.path.join(self.a.srcdir, "bench/fastsink.py")])

    def spawn(self, exe, name, args, pre=()):
        """Start a server EXE [PRE...] PORTFILE ARGS... that writes its
        port to PORTFILE (killed at the end); its port."""
        portfile = os.path.join(self.tmp, name + ".port")
        p, port = start_server([exe] + list(pre) + [portfile] + args,
                               portfile)
        self.procs.append(p)
        return port

    def row(self, label, fmt, vo, vm, better, key=None):
        """A row of the table; returns the outbox/msmtp ratio or None."""
        ratio = (vo / vm) if (vo is not None and vm) else None
        self.rows.append((label,
                          fmt(vo) if vo is not None else "FAILED",
                          fmt(vm) if vm is not None else "FAILED",
                          "%.3gx" % ratio if ratio is not None else "-"))
        if key:
            self.summary[key] = (ratio, better)
        return ratio

    def target(self, text, value, ok, absolute=False):
        """A summary line: VALUE is a ratio (printed "0.15x") or, with
        ABSOLUTE, a plain number; OK None: no verdict."""
        self.targets.append((text, value, ok, absolute))

    def note(self, text):
        self.notes.append(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outbox", required=True)
    ap.add_argument("--msmtp", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--smtp-sink", default="/usr/sbin/smtp-sink")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--big-runs", type=int, default=3)
    ap.add_argument("--big-mib", type=int, default=100)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--rows", default=",".join(
        ["base"] + [n for n, _ in extra_rows.ROWS]),
        help="comma-separated row groups (default: all; --list-rows)")
    ap.add_argument("--list-rows", action="store_true")
    ap.add_argument("--rtt-ms", type=float, default=50)
    ap.add_argument("--rtt-runs", type=int, default=5)
    ap.add_argument("--flush-n", type=int, default=1000)
    ap.add_argument("--flush-runs", type=int, default=1)
    ap.add_argument("--net-runs", type=int, default=15)
    a = ap.parse_args()
    if a.list_rows:
        print("base: latency plain and STARTTLS+AUTH, throughput, peak RSS")
        for n, f in extra_rows.ROWS:
            print(n)
        return 0
    a.rows = [r for r in a.rows.split(",") if r]
    known = ["base"] + [n for n, _ in extra_rows.ROWS]
    for r in a.rows:
        if r not in known:
            sys.exit("bench: unknown row group %s (known: %s)"
                     % (r, ", ".join(known)))

    tmp = tempfile.mkdtemp(prefix="outbox-bench.")
    procs = []

    def cleanup():
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if a.keep:
            print("bench: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    def on_signal(signum, frame):
        sys.exit(1)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        return run(a, tmp, procs)
    finally:
        cleanup()


def run(a, tmp, procs):
    say = lambda s: print(s, file=sys.stderr, flush=True)
    say("bench: writing messages (1 KiB, 1 MiB, %d MiB)" % a.big_mib)
    small = os.path.join(tmp, "small.eml")
    one = os.path.join(tmp, "1mib.eml")
    big = os.path.join(tmp, "big.eml")
    write_message(small, 1024)
    write_message(one, MIB)
    write_message(big, a.big_mib * MIB)
    big_size = os.path.getsize(big)

    # plain SMTP sink
    sink_port = free_port()
    sink_argv = [a.smtp_sink]
    if os.geteuid() == 0:
        sink_argv += ["-u", "nobody"]
    sink_argv += ["127.0.0.1:%d" % sink_port, "256"]
    sink = subprocess.Popen(sink_argv, stdin=subprocess.DEVNULL)
    procs.append(sink)
    wait_listening(sink_port, sink, "smtp-sink")

    # STARTTLS + AUTH smarthost
    certs = os.path.join(tmp, "certs")
    subprocess.run([os.path.join(a.srcdir, "tests/lib/gencerts.sh"), certs],
                   check=True)
    portfile = os.path.join(tmp, "tls.port")
    user, password = "bench@example.org", "bench-password"
    tls_srv = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(a.srcdir, "tests/lib/smarthost.py"),
         "--discard", "--port-file", portfile,
         "--tls-port-file", portfile + ".implicit",
         "--cert", os.path.join(certs, "server.pem"),
         "--key", os.path.join(certs, "server-key.pem"),
         "--require-starttls", "--user", user, "--auth-required"],
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, SMARTHOST_PASSWORD=password))
    procs.append(tls_srv)
    deadline = time.monotonic() + 15
    while not (os.path.exists(portfile) and os.path.getsize(portfile)):
        if tls_srv.poll() is not None or time.monotonic() > deadline:
            sys.exit("bench: smarthost.py did not start")
        time.sleep(0.05)
    tls_port = int(open(portfile).read())
    while not (os.path.exists(portfile + ".implicit") and
               os.path.getsize(portfile + ".implicit")):
        if tls_srv.poll() is not None or time.monotonic() > deadline:
            sys.exit("bench: smarthost.py did not start")
        time.sleep(0.05)
    tls_implicit_port = int(open(portfile + ".implicit").read())

    # a sink faster than smtp-sink (bench/fastsink.py)
    fast_portfile = os.path.join(tmp, "fast.port")
    fast = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(a.srcdir, "bench/fastsink.py"),
         fast_portfile], stdin=subprocess.DEVNULL)
    procs.append(fast)
    deadline = time.monotonic() + 15
    while not (os.path.exists(fast_portfile) and
               os.path.getsize(fast_portfile)):
        if fast.poll() is not None or time.monotonic() > deadline:
            sys.exit("bench: fastsink.py did not start")
        time.sleep(0.05)
    fast_port = int(open(fast_portfile).read())

    common = ["host 127.0.0.1", "from sender@example.org", "timeout 60"]
    plain = common + ["port %d" % sink_port, "tls off", "auth off"]
    fastconf = common + ["port %d" % fast_port, "tls off", "auth off"]
    tls = common + ["port %d" % tls_port, "tls on", "tls_starttls on",
                    "tls_trust_file %s" % os.path.join(certs, "ca.pem"),
                    "auth plain", "user %s" % user,
                    "password %s" % password]
    queue = os.path.join(tmp, "queue")
    os.mkdir(queue, 0o700)
    confs = {}
    for tool, extra in (("msmtp", []), ("outbox", ["queue_dir " + queue])):
        for case, lines in (("plain", plain), ("tls", tls),
                            ("fast", fastconf)):
            path = os.path.join(tmp, "%s-%s.conf" % (tool, case))
            write_conf(path, lines + extra)
            confs[(tool, case)] = path
    home = os.path.join(tmp, "home")
    os.mkdir(home, 0o700)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
               XDG_STATE_HOME=home + "/.local/state", LC_ALL="C")
    env.pop("OUTBOX_PASSWORD", None)
    clients = [Client("outbox", a.outbox,
                      {c: confs[("outbox", c)]
                       for c in ("plain", "tls", "fast")},
                      env),
               Client("msmtp", a.msmtp,
                      {c: confs[("msmtp", c)]
                       for c in ("plain", "tls", "fast")},
                      env)]
    errfile = os.path.join(tmp, "stderr")

    ctx = Ctx(a, tmp, procs, say)
    ctx.clients, ctx.errfile, ctx.env = clients, errfile, env
    ctx.small, ctx.one, ctx.big, ctx.big_size = small, one, big, big_size
    ctx.certs, ctx.user, ctx.password = certs, user, password
    ctx.sink_port, ctx.fast_port = sink_port, fast_port
    ctx.tls_port, ctx.tls_implicit_port = tls_port, tls_implicit_port
    ceiling = None
    if "base" in a.rows:
        ceiling = base_rows(ctx)
    for name, fn in extra_rows.ROWS:
        if name in a.rows:
            fn(ctx)
    report(ctx, ceiling)
    return 0


def base_rows(ctx):
    """The rows of issue 2: latency, throughput, peak RSS.  Returns the
    servers' ceilings."""
    a, say, clients, errfile = ctx.a, ctx.say, ctx.clients, ctx.errfile
    small, one, big, big_size = ctx.small, ctx.one, ctx.big, ctx.big_size
    sink_port, fast_port = ctx.sink_port, ctx.fast_port
    say("bench: latency, plain (%d rounds)" % a.runs)
    lat_plain = alternate(clients, a.runs, "plain", small, errfile, warmup=2,
                          limit=20, label="latency plain")
    say("bench: latency, STARTTLS + AUTH PLAIN (%d rounds)" % a.runs)
    lat_tls = alternate(clients, a.runs, "tls", small, errfile, warmup=2,
                        limit=20, label="latency STARTTLS+AUTH")
    say("bench: peak RSS, 1 MiB message (5 rounds)")
    rss_one = alternate(clients, 5, "plain", one, errfile, limit=20,
                        label="1 MiB message", rss=True)
    say("bench: throughput and peak RSS, %d MiB message (%d rounds)"
        % (a.big_mib, a.big_runs))
    thr = alternate(clients, a.big_runs, "plain", big, errfile, warmup=0,
                    limit=60, label="%d MiB message" % a.big_mib, rss=True)
    say("bench: throughput, %d MiB message, fastsink.py (%d rounds)"
        % (a.big_mib, a.big_runs))
    thr_fast = alternate(clients, a.big_runs, "fast", big, errfile,
                         limit=60, label="%d MiB message, fastsink"
                         % a.big_mib)
    say("bench: server ceilings (sendfile client)")
    crlf = os.path.join(ctx.tmp, "big.crlf")
    with open(big, "rb") as src, open(crlf, "wb") as dst:
        for chunk in iter(lambda: src.read(MIB), b""):
            dst.write(chunk.replace(b"\n", b"\r\n"))
    ceiling = {}
    for name, port in (("smtp-sink", sink_port), ("fastsink", fast_port)):
        try:
            t = statistics.median(raw_send(port, crlf) for _ in range(3))
            ceiling[name] = big_size / t / 1e6
        except OSError as e:
            say("bench: %s" % e)
            ceiling[name] = None
    os.unlink(crlf)

    def med(results, name, key):
        v = [r[key] for r in results[name]]
        return statistics.median(v) if v else None

    def peak(results, name):
        v = [r["rss"] for r in results[name]]
        return max(v) if v else None

    row = ctx.row
    row("latency, plain (median)", fmt_ms,
        med(lat_plain, "outbox", "wall"), med(lat_plain, "msmtp", "wall"),
        "lower", "lat_plain")
    row("  CPU time per send (median)", fmt_ms,
        med(lat_plain, "outbox", "cpu"), med(lat_plain, "msmtp", "cpu"),
        "lower", "cpu_plain")
    row("latency, STARTTLS + AUTH PLAIN (median)", fmt_ms,
        med(lat_tls, "outbox", "wall"), med(lat_tls, "msmtp", "wall"),
        "lower", "lat_tls")
    mbs = {}
    for name in ("outbox", "msmtp"):
        w = med(thr, name, "wall")
        mbs[name] = (big_size / w / 1e6) if w else None
    row("throughput, %d MiB message (median)" % a.big_mib, fmt_mbs,
        mbs["outbox"], mbs["msmtp"], "higher", "throughput")
    for name in ("outbox", "msmtp"):
        w = med(thr_fast, name, "wall")
        mbs[name] = (big_size / w / 1e6) if w else None
    row("  same, to fastsink.py (median)", fmt_mbs,
        mbs["outbox"], mbs["msmtp"], "higher", "throughput_fast")
    row("peak RSS, 1 MiB message", fmt_kib,
        peak(rss_one, "outbox"), peak(rss_one, "msmtp"), "lower", "rss1")
    row("peak RSS, %d MiB message" % a.big_mib, fmt_kib,
        peak(thr, "outbox"), peak(thr, "msmtp"), "lower", "rss100")
    ctx.rss_growth = None
    p1, p100 = peak(rss_one, "outbox"), peak(thr, "outbox")
    if p1 and p100:
        ctx.rss_growth = p100 / p1
    return ceiling


def verdict(ok):
    return "meets target" if ok else "misses target"


def report(ctx, ceiling):
    a, rows, summary = ctx.a, ctx.rows, ctx.summary
    w0 = max([len(r[0]) for r in rows] + [10])
    print()
    print("outbox: %s" % a.outbox)
    print("msmtp:  %s" % a.msmtp)
    print("servers: plain: Postfix smtp-sink (127.0.0.1:%d); STARTTLS + "
          "AUTH PLAIN:\n  tests/lib/smarthost.py, aiosmtpd (127.0.0.1:%d, "
          "implicit TLS %d); fast plain sink:\n  bench/fastsink.py "
          "(127.0.0.1:%d)" % (ctx.sink_port, ctx.tls_port,
                              ctx.tls_implicit_port, ctx.fast_port))
    print("latency: %d rounds after 2 warm-up rounds, 1 KiB message; "
          "%d-MiB runs: %d each" % (a.runs, a.big_mib, a.big_runs))
    print("rows: %s" % ", ".join(a.rows))
    print()
    hdr = ("", "outbox", "msmtp", "outbox/msmtp")
    print("%-*s  %12s  %12s  %12s" % ((w0,) + hdr))
    print("%-*s  %12s  %12s  %12s" % (w0, "-" * w0, "-" * 12, "-" * 12,
                                      "-" * 12))
    for r in rows:
        print("%-*s  %12s  %12s  %12s" % ((w0,) + r))

    if ceiling is not None:
        print()
        print("server ceilings for the %d MiB message (a sendfile() client, "
              "no client-side work):" % a.big_mib)
        for name in ("smtp-sink", "fastsink"):
            v = ceiling.get(name)
            print("  %-10s %s" % (name, fmt_mbs(v) if v else "n/a"))
    for n in ctx.notes:
        print(n)
    print()
    print("summary (targets from issues 2 and 13; informational, nothing "
          "asserted):")

    def line(text, ratio, ok):
        if ratio is None:
            print("  %-60s n/a (a client failed)" % text)
        else:
            print("  %-60s %6.3gx  %s" % (text, ratio, verdict(ok)))

    if "base" in a.rows:
        r = summary["lat_plain"][0]
        line("latency plain, outbox/msmtp (target <= 0.2x)", r,
             r is not None and r <= 0.2)
        r = summary["lat_tls"][0]
        line("latency STARTTLS+AUTH PLAIN, outbox/msmtp (target <= 0.2x)", r,
             r is not None and r <= 0.2)
        r = summary["throughput"][0]
        line("throughput %d MiB, outbox/msmtp (target >= 10x)" % a.big_mib,
             r, r is not None and r >= 10)
        r = summary["throughput_fast"][0]
        line("  same, to fastsink.py (target >= 10x)", r,
             r is not None and r >= 10)
        r = summary["rss100"][0]
        line("peak RSS at %d MiB, outbox/msmtp (target <= 1x)" % a.big_mib,
             r, r is not None and r <= 1)
        if ctx.rss_growth:
            print("  %-60s %6.3gx  %s" % (
                "outbox RSS %d MiB / 1 MiB (flat: <= 1.1x)" % a.big_mib,
                ctx.rss_growth, verdict(ctx.rss_growth <= 1.1)))
    for text, value, ok, absolute in ctx.targets:
        if value is None:
            print("  %-60s n/a (a client failed)" % text)
        elif absolute:
            print("  %-60s %7.3g  %s" % (text, value,
                                         "" if ok is None else verdict(ok)))
        else:
            print("  %-60s %6.3gx  %s" % (text, value,
                                          "" if ok is None else verdict(ok)))

    for c in ctx.clients:
        if c.failures:
            print()
            print("%s failed %d run(s); the first failure of each case:"
                  % (c.name, len(c.failures)))
            seen = set()
            for case, code, text in c.failures:
                if case in seen:
                    continue
                seen.add(case)
                print("  %s: exit %d" % (case, code))
                print("    " + text.strip().replace("\n", "\n    "))


if __name__ == "__main__":
    sys.exit(main())
