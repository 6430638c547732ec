#!/usr/bin/python3
# bench/fastsink.py -- a minimal SMTP sink that reads DATA in 1 MiB
# recv_into()s, for measuring clients above smtp-sink's own ceiling
# (smtp-sink parses every line and tops out near 170 MB/s on a typical
# machine), and, with TLS, a server that offers PIPELINING (aiosmtpd, the
# other TLS server of the benchmark, does not) for the round-trip rows.
#
#   fastsink.py PORTFILE [--tls CERT KEY [--starttls]] [--auth USER:PASS]
#                        [--chunking]
#
# Listens on 127.0.0.1, port 0; writes the port to PORTFILE; serves until
# SIGTERM.  --tls: implicit TLS ("port 465"), or with --starttls, STARTTLS
# offered and required before MAIL.  --auth: AUTH PLAIN offered (over TLS
# only, when there is TLS) and required before MAIL.  --chunking: CHUNKING
# offered and BDAT taken.  TLS is Python's ssl (OpenSSL); a TLS recv gets
# at most one 16 KiB record.
#
# It speaks just enough ESMTP for a submission client: EHLO/HELO (offering
# PIPELINING, 8BITMIME, SIZE, ENHANCEDSTATUSCODES), STARTTLS, AUTH PLAIN,
# MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT.  Every message is discarded.
# One thread per connection.
#
# The end of data is found by looking for each '.' (a one-byte find is
# memchr) and checking the CRLFs around it, not by searching for the
# five-byte marker, which is slower than the loopback link.

import argparse
import base64
import os
import signal
import socket
import ssl
import sys
import threading

END = b"\r\n.\r\n"
RECV = 1 << 20


def find_end(buf, end):
    """Where "\r\n.\r\n" starts in buf[:end], or -1."""
    i = buf.find(b".", 2, end)
    while 0 <= i and i + 3 <= end:
        if buf[i - 2:i] == b"\r\n" and buf[i + 1:i + 3] == b"\r\n":
            return i - 2
        i = buf.find(b".", i + 1, end)
    return -1


class Session:
    def __init__(self, conn, a, ctx):
        self.conn, self.a, self.ctx = conn, a, ctx
        self.tls = ctx is not None and not a.starttls
        self.authed = a.auth is None
        self.pending_auth = False

    def ehlo(self):
        lines = [b"fastsink", b"PIPELINING", b"8BITMIME", b"SIZE 0",
                 b"ENHANCEDSTATUSCODES"]
        if self.a.chunking:
            lines.insert(-1, b"CHUNKING")
        if self.a.starttls and not self.tls:
            lines.append(b"STARTTLS")
        elif self.a.auth and (self.tls or self.ctx is None):
            lines.append(b"AUTH PLAIN")
        out = [b"250-" + x + b"\r\n" for x in lines[:-1]]
        return b"".join(out) + b"250 " + lines[-1] + b"\r\n"

    def auth(self, resp):
        try:
            parts = base64.b64decode(resp, validate=True).split(b"\0")
        except ValueError:
            return b"501 5.5.2 bad base64\r\n"
        want = self.a.auth.encode().split(b":", 1)
        if len(parts) == 3 and [parts[1], parts[2]] == want:
            self.authed = True
            return b"235 2.7.0 ok\r\n"
        return b"535 5.7.8 no\r\n"

    def command(self, line):
        """The reply to LINE, and what follows: None, "data", "tls",
        "quit"."""
        if self.pending_auth:
            self.pending_auth = False
            return self.auth(line), None
        verb = line[:4].upper()
        if verb in (b"EHLO", b"LHLO"):
            return self.ehlo(), None
        if verb == b"HELO":
            return b"250 fastsink\r\n", None
        if verb == b"STAR" and self.a.starttls and not self.tls:
            return b"220 2.0.0 go ahead\r\n", "tls"
        if verb == b"AUTH" and self.a.auth:
            w = line.split()
            if len(w) == 3 and w[1].upper() == b"PLAIN":
                return self.auth(w[2]), None
            if len(w) == 2 and w[1].upper() == b"PLAIN":
                self.pending_auth = True
                return b"334 \r\n", None
            return b"504 5.5.4 PLAIN only\r\n", None
        if verb == b"QUIT":
            return b"221 2.0.0 bye\r\n", "quit"
        if verb == b"BDAT" and self.a.chunking:
            w = line.split()
            if len(w) < 2 or not w[1].isdigit():
                return b"501 5.5.4 BDAT size\r\n", None
            if self.ctx is not None and not self.tls:
                return b"530 5.7.0 STARTTLS first\r\n", ("skip", int(w[1]))
            if not self.authed:
                return b"530 5.7.0 AUTH first\r\n", ("skip", int(w[1]))
            last = len(w) > 2
            return (b"250 2.0.0 discarded\r\n" if last else
                    b"250 2.0.0 chunk taken\r\n"), ("skip", int(w[1]))
        if verb in (b"MAIL", b"RCPT", b"DATA"):
            if self.ctx is not None and not self.tls:
                return b"530 5.7.0 STARTTLS first\r\n", None
            if not self.authed:
                return b"530 5.7.0 AUTH first\r\n", None
            if verb == b"DATA":
                return b"354 go ahead\r\n", "data"
            return b"250 2.0.0 ok\r\n", None
        if verb in (b"RSET", b"NOOP"):
            return b"250 2.0.0 ok\r\n", None
        return b"502 5.5.2 not here\r\n", None

    def data(self, buf, rbuf, mv):
        """Read to the end of data; returns what follows it, or None on
        EOF.  The message may start with its first line, so the end is
        looked for in "\r\n" + stream."""
        start = b"\r\n" + buf
        while True:
            i = find_end(start, len(start))
            if i >= 0:
                return start[i + len(END):]
            keep = start[-4:]
            n = len(keep)
            rbuf[:n] = keep
            got = self.conn.recv_into(mv[n:n + RECV])
            if not got:
                return None
            n += got
            i = find_end(rbuf, n)
            if i >= 0:
                return bytes(mv[i + len(END):n])
            start = bytes(mv[n - 4:n])

    def bdat(self, buf, size, mv):
        """Discard SIZE octets of a BDAT chunk; what follows, or None on
        EOF."""
        take = min(size, len(buf))
        buf = buf[take:]
        size -= take
        while size > 0:
            got = self.conn.recv_into(mv[:min(size, RECV)])
            if not got:
                return None
            size -= got
        return buf

    def run(self):
        conn = self.conn
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            conn = self.conn = self.ctx.wrap_socket(conn, server_side=True)
        conn.sendall(b"220 fastsink ESMTP\r\n")
        rbuf = bytearray(RECV + 8)
        mv = memoryview(rbuf)
        buf = b""
        while True:
            while b"\r\n" not in buf:
                n = conn.recv_into(rbuf)
                if n == 0:
                    return
                buf += bytes(mv[:n])
            out = []
            then = None
            # answer every complete command line we have (pipelining)
            while b"\r\n" in buf and then is None:
                line, buf = buf.split(b"\r\n", 1)
                reply, then = self.command(line)
                if isinstance(then, tuple):
                    # a BDAT chunk: its octets, then the reply
                    buf = self.bdat(buf, then[1], mv)
                    if buf is None:
                        return
                    then = None
                out.append(reply)
            conn.sendall(b"".join(out))
            if then == "quit":
                return
            if then == "tls":
                # anything sent after STARTTLS and before the handshake
                # is an injection: dropped
                buf = b""
                conn = self.conn = self.ctx.wrap_socket(conn,
                                                        server_side=True)
                self.tls = True
            elif then == "data":
                buf = self.data(buf, rbuf, mv)
                if buf is None:
                    return
                conn.sendall(b"250 2.0.0 discarded\r\n")


def serve(conn, a, ctx):
    s = Session(conn, a, ctx)
    try:
        s.run()
    except (OSError, ssl.SSLError):
        pass
    finally:
        s.conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--auth", metavar="USER:PASS")
    ap.add_argument("--chunking", action="store_true")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
    elif a.starttls:
        ap.error("--starttls needs --tls")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, a.portfile)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, a, ctx),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
