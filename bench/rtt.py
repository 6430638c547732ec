#!/usr/bin/python3
# bench/rtt.py -- round trips per send, outbox against msmtp, on an
# emulated link with a round-trip time of 50 ms.
#
#   bench/rtt.py --outbox BIN --msmtp BIN --certs DIR [--runs N] [--rtt MS]
#
# The kernel here has no sch_netem, so the link is a delaying TCP proxy:
# every segment is forwarded RTT/2 after it arrived, each way, in order;
# the proxy opens its upstream connection RTT/2 after accepting (the
# client's ACK still on its way when the server would accept).  The
# server is a small ESMTP server in this file offering PIPELINING,
# CHUNKING, STARTTLS, AUTH PLAIN, or implicit TLS: the protocol's own
# floor, not a server's quirks, is what is counted.
#
# Round trips of one send = (wall time through the delaying proxy - wall
# time through a proxy that does not delay) / RTT, plus 1 for TCP's
# SYN/SYN-ACK, which a user-space proxy cannot delay.  Medians of --runs.
# Cases: plain; STARTTLS + AUTH PLAIN; implicit TLS (no AUTH).  Prints a
# table; no pass/fail.  DIR holds ca.pem, server.pem, server-key.pem
# (tests/lib/gencerts.sh makes them).

import argparse
import os
import select
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

EHLO_CAPS = [b"PIPELINING", b"CHUNKING", b"8BITMIME", b"SIZE 0",
             b"ENHANCEDSTATUSCODES"]


class Listener:
    """A loopback listener on a port the system picks; each connection
    goes to self.handle(sock) in a thread of its own."""

    def listen(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            s, _ = self.lsock.accept()
            threading.Thread(target=self.handle, args=(s,),
                             daemon=True).start()


class Server(Listener):
    """ESMTP server: one thread per connection, replies to every complete
    command it has, in one write (as a pipelining server does)."""

    def __init__(self, certs, implicit, chunking=True):
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(os.path.join(certs, "server.pem"),
                                 os.path.join(certs, "server-key.pem"))
        self.implicit = implicit
        self.chunking = chunking
        self.listen()

    def handle(self, s):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self.implicit:
                s = self.ctx.wrap_socket(s, server_side=True)
            s.sendall(b"220 rtt.test ESMTP\r\n")
            self.session(s)
        except (OSError, ssl.SSLError):
            pass
        finally:
            s.close()

    def session(self, s):
        buf = b""
        tls = self.implicit
        while True:
            out = []
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                verb = line[:4].upper()
                if verb == b"EHLO":
                    caps = list(EHLO_CAPS)
                    if not self.chunking:
                        caps.remove(b"CHUNKING")
                    caps.append(b"AUTH PLAIN" if tls else b"STARTTLS")
                    out.append(b"250-rtt.test\r\n" + b"".join(
                        b"%s%s\r\n" % (b"250 " if i == len(caps) - 1 else
                                        b"250-", c)
                        for i, c in enumerate(caps)))
                elif verb == b"STAR":
                    s.sendall(b"".join(out) + b"220 2.0.0 go ahead\r\n")
                    out = []
                    s = self.ctx.wrap_socket(s, server_side=True)
                    tls = True
                elif verb == b"AUTH":
                    out.append(b"235 2.7.0 ok\r\n")
                elif verb == b"BDAT":
                    n = int(line.split()[1])
                    while len(buf) < n:
                        more = s.recv(1 << 20)
                        if not more:
                            return
                        buf += more
                    buf = buf[n:]
                    out.append(b"250 2.0.0 ok\r\n")
                elif verb == b"DATA":
                    s.sendall(b"".join(out) + b"354 go ahead\r\n")
                    out = []
                    while b"\r\n.\r\n" not in b"\r\n" + buf:
                        more = s.recv(1 << 20)
                        if not more:
                            return
                        buf += more
                    i = (b"\r\n" + buf).index(b"\r\n.\r\n")
                    buf = buf[i + 3:]
                    out.append(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    s.sendall(b"".join(out) + b"221 2.0.0 bye\r\n")
                    return
                else:
                    out.append(b"250 2.0.0 ok\r\n")
            if out:
                s.sendall(b"".join(out))
            more = s.recv(65536)
            if not more:
                return
            buf += more


class Proxy(Listener):
    """Forward each segment DELAY seconds after it came, each way."""

    def __init__(self, upstream, delay):
        self.up = upstream
        self.delay = delay
        self.listen()

    def handle(self, c):
        time.sleep(self.delay)
        u = socket.create_connection(("127.0.0.1", self.up))
        for x in (c, u):
            x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        queue = []          # (due, destination, bytes), in arrival order
        lock = threading.Condition()
        done = []

        def sender():
            while True:
                with lock:
                    while not queue and len(done) < 2:
                        lock.wait()
                    if not queue:
                        break
                    due, dst, data = queue.pop(0)
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if data is None:
                        dst.shutdown(socket.SHUT_WR)
                    else:
                        dst.sendall(data)
                except OSError:
                    pass

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        peer = {c: u, u: c}
        open_ = [c, u]
        while open_:
            r, _, _ = select.select(open_, [], [])
            for x in r:
                try:
                    data = x.recv(1 << 20)
                except OSError:
                    data = b""
                with lock:
                    queue.append((time.monotonic() + self.delay, peer[x],
                                  data or None))
                    if not data:
                        open_.remove(x)
                        done.append(x)
                    lock.notify()
        t.join()
        c.close()
        u.close()


def write_conf(path, port, case, ca, extra=()):
    lines = ["account default", "host 127.0.0.1", "port %d" % port,
             "from sender@example.org", "timeout 30"] + list(extra)
    if case == "plain":
        lines += ["tls off", "auth off"]
    elif case == "starttls+auth":
        lines += ["tls on", "tls_starttls on", "tls_trust_file " + ca,
                  "auth plain", "user bench", "password bench-password"]
    else:
        lines += ["tls on", "tls_starttls off", "tls_trust_file " + ca,
                  "auth off"]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")


def one(binary, conf, message, env):
    with open(message, "rb") as m:
        t0 = time.perf_counter()
        p = subprocess.run([binary, "-C", conf, "rcpt@example.net"],
                           stdin=m, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env, timeout=60)
        t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("rtt: %s failed (%d): %s" % (binary, p.returncode,
                                             p.stderr.decode()[:500]))
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outbox", required=True)
    ap.add_argument("--msmtp", default="/usr/bin/msmtp")
    ap.add_argument("--certs", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rtt", type=float, default=50.0, help="ms")
    ap.add_argument("--no-chunking", action="store_true")
    a = ap.parse_args()
    rtt = a.rtt / 1000.0
    tmp = tempfile.mkdtemp(prefix="outbox-rtt.")
    message = os.path.join(tmp, "msg")
    with open(message, "wb") as f:
        f.write(b"From: sender@example.org\nTo: rcpt@example.net\n"
                b"Subject: rtt\nDate: Mon, 02 Jan 2006 15:04:05 +0000\n"
                b"Message-ID: <rtt@example.org>\n\nhello\n")
    env = dict(os.environ, HOME=tmp, XDG_STATE_HOME=tmp,
               XDG_CONFIG_HOME=tmp)
    ca = os.path.join(a.certs, "ca.pem")
    clients = [("outbox", a.outbox), ("msmtp", a.msmtp)]
    print("round trips per send, RTT %g ms (delaying proxy), median of %d"
          % (a.rtt, a.runs))
    print("%-16s %8s %8s" % ("case", "outbox", "msmtp"))
    for case in ("plain", "starttls+auth", "implicit-tls"):
        srv = Server(a.certs, case == "implicit-tls", not a.no_chunking)
        slow = Proxy(srv.port, rtt / 2)
        fast = Proxy(srv.port, 0)
        row = []
        for name, binary in clients:
            cs = os.path.join(tmp, "%s.%s.slow" % (name, case))
            cf = os.path.join(tmp, "%s.%s.fast" % (name, case))
            # outbox's own queue: a failed send is never kept in the
            # machine's (root's default is /var/spool/outbox)
            extra = (["queue_dir " + os.path.join(tmp, "queue")]
                     if name == "outbox" else [])
            write_conf(cs, slow.port, case, ca, extra)
            write_conf(cf, fast.port, case, ca, extra)
            counts = []
            for _ in range(a.runs):
                tf = one(binary, cf, message, env)
                ts = one(binary, cs, message, env)
                counts.append((ts - tf) / rtt + 1)
            row.append(statistics.median(counts))
        print("%-16s %8.1f %8.1f" % (case, row[0], row[1]), flush=True)


if __name__ == "__main__":
    main()
