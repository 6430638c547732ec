#!/usr/bin/python3
# bench/fastsink.py -- a minimal SMTP sink that reads DATA in 1 MiB recv()s,
# for measuring clients above smtp-sink's own ceiling (smtp-sink parses
# every line and tops out near 170 MB/s on a typical machine).
#
#   fastsink.py PORTFILE    listen on 127.0.0.1, port 0; write the port
#                           to PORTFILE; serve until SIGTERM
#
# It speaks just enough ESMTP for a submission client: EHLO/HELO (offering
# PIPELINING, 8BITMIME, SIZE), MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS,
# no AUTH.  Every message is discarded.  One thread per connection.

import os
import signal
import socket
import sys
import threading

EHLO = (b"250-fastsink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
        b"250-SIZE 0\r\n250 ENHANCEDSTATUSCODES\r\n")
END = b"\r\n.\r\n"


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(b"220 fastsink ESMTP\r\n")
    buf = b""
    try:
        while True:
            while b"\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            out = []
            data = False
            # answer every complete command line we have (pipelining)
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                verb = line[:4].upper()
                if verb in (b"EHLO", b"LHLO"):
                    out.append(EHLO)
                elif verb == b"HELO":
                    out.append(b"250 fastsink\r\n")
                elif verb == b"DATA":
                    out.append(b"354 go ahead\r\n")
                    data = True
                    break
                elif verb == b"QUIT":
                    out.append(b"221 2.0.0 bye\r\n")
                    conn.sendall(b"".join(out))
                    return
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    out.append(b"250 2.0.0 ok\r\n")
                else:
                    out.append(b"502 5.5.2 not here\r\n")
            if out:
                conn.sendall(b"".join(out))
            if data:
                # the message may start with its first line, so look for
                # the end of data in "\r\n" + stream
                tail = b"\r\n" + buf
                buf = b""
                while True:
                    i = tail.find(END)
                    if i >= 0:
                        buf = tail[i + len(END):]
                        break
                    tail = tail[-4:]
                    chunk = conn.recv(1 << 20)
                    if not chunk:
                        return
                    tail += chunk
                conn.sendall(b"250 2.0.0 discarded\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fastsink.py PORTFILE")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
