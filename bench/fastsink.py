#!/usr/bin/python3
# bench/fastsink.py -- a minimal SMTP sink that reads DATA in 1 MiB
# recv_into()s, for measuring clients above smtp-sink's own ceiling
# (smtp-sink parses every line and tops out near 170 MB/s on a typical
# machine).
#
#   fastsink.py [--tls CERT KEY] [--chunking] PORTFILE
#                           listen on 127.0.0.1, port 0; write the port
#                           to PORTFILE; serve until SIGTERM
#
# It speaks just enough ESMTP for a submission client: EHLO/HELO (offering
# PIPELINING, 8BITMIME, SIZE), MAIL, RCPT, DATA, RSET, NOOP, QUIT; no AUTH.
# With --tls it offers STARTTLS (Python's ssl module, so OpenSSL decrypts),
# for measuring TLS throughput; with --chunking it offers CHUNKING and
# takes BDAT.  Every message is discarded.  One thread per connection.
#
# The end of data is found by looking for each '.' (one-byte find is
# memchr) and checking the CRLFs around it, not by searching for the
# five-byte marker, which is slower than the loopback link.

import os
import signal
import socket
import ssl
import sys
import threading

END = b"\r\n.\r\n"
RECV = 1 << 20


def ehlo(tls_ctx, chunking):
    caps = [b"fastsink", b"PIPELINING", b"8BITMIME", b"SIZE 0"]
    if tls_ctx is not None:
        caps.append(b"STARTTLS")
    if chunking:
        caps.append(b"CHUNKING")
    caps.append(b"ENHANCEDSTATUSCODES")
    return b"".join(b"250-" + c + b"\r\n" for c in caps[:-1]) + \
        b"250 " + caps[-1] + b"\r\n"


def find_end(buf, end):
    """Where "\r\n.\r\n" starts in buf[:end], or -1."""
    i = buf.find(b".", 2, end)
    while 0 <= i and i + 3 <= end:
        if buf[i - 2:i] == b"\r\n" and buf[i + 1:i + 3] == b"\r\n":
            return i - 2
        i = buf.find(b".", i + 1, end)
    return -1


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""          # command bytes not yet used
        self.area = bytearray(RECV + 8)
        self.view = memoryview(self.area)

    def read_data(self):
        """Discard message data up to the end marker; False on EOF."""
        # the message may start with its first line, so look for the end
        # of data in "\r\n" + stream
        start = b"\r\n" + self.buf
        self.buf = b""
        while True:
            i = find_end(start, len(start))
            if i >= 0:
                self.buf = start[i + len(END):]
                return True
            keep = start[-4:]
            n = len(keep)
            self.area[:n] = keep
            got = self.sock.recv_into(self.view[n:n + RECV])
            if not got:
                return False
            n += got
            i = find_end(self.area, n)
            if i >= 0:
                self.buf = bytes(self.area[i + len(END):n])
                return True
            start = bytes(self.area[n - 4:n])

    def read_bdat(self, size):
        """Discard SIZE octets of a BDAT chunk; False on EOF."""
        take = min(size, len(self.buf))
        self.buf = self.buf[take:]
        size -= take
        while size > 0:
            got = self.sock.recv_into(self.view[:min(size, RECV)])
            if not got:
                return False
            size -= got
        return True


def serve(conn, tls_ctx, chunking):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(b"220 fastsink ESMTP\r\n")
    c = Conn(conn)
    try:
        while True:
            while b"\r\n" not in c.buf:
                chunk = c.sock.recv(65536)
                if not chunk:
                    return
                c.buf += chunk
            out = []
            data = False
            # answer every complete command line we have (pipelining)
            while b"\r\n" in c.buf:
                line, c.buf = c.buf.split(b"\r\n", 1)
                verb = line[:4].upper()
                if verb in (b"EHLO", b"LHLO"):
                    out.append(ehlo(tls_ctx if c.sock is conn else None,
                                    chunking))
                elif verb == b"HELO":
                    out.append(b"250 fastsink\r\n")
                elif verb == b"DATA":
                    out.append(b"354 go ahead\r\n")
                    data = True
                    break
                elif verb == b"BDAT" and chunking:
                    words = line.split()
                    if not c.read_bdat(int(words[1])):
                        return
                    if len(words) > 2:
                        out.append(b"250 2.0.0 discarded\r\n")
                    else:
                        out.append(b"250 2.0.0 chunk taken\r\n")
                elif (verb == b"STAR" and tls_ctx is not None and
                      c.sock is conn):
                    c.sock.sendall(b"".join(out) +
                                   b"220 2.0.0 go ahead\r\n")
                    out = []
                    c.sock = tls_ctx.wrap_socket(conn, server_side=True)
                    c.buf = b""
                    break
                elif verb == b"QUIT":
                    out.append(b"221 2.0.0 bye\r\n")
                    c.sock.sendall(b"".join(out))
                    return
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    out.append(b"250 2.0.0 ok\r\n")
                else:
                    out.append(b"502 5.5.2 not here\r\n")
            if out:
                c.sock.sendall(b"".join(out))
            if data:
                if not c.read_data():
                    return
                c.sock.sendall(b"250 2.0.0 discarded\r\n")
    except (OSError, ValueError, IndexError):
        pass
    finally:
        conn.close()


def main():
    args = sys.argv[1:]
    tls_ctx = None
    chunking = False
    while args and args[0].startswith("--"):
        if args[0] == "--tls" and len(args) >= 3:
            tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_ctx.load_cert_chain(args[1], args[2])
            args = args[3:]
        elif args[0] == "--chunking":
            chunking = True
            args = args[1:]
        else:
            break
    if len(args) != 1:
        sys.exit("usage: fastsink.py [--tls CERT KEY] [--chunking] PORTFILE")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tmp = args[0] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, args[0])
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, tls_ctx, chunking),
                         daemon=True).start()


if __name__ == "__main__":
    main()
