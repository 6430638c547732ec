#!/usr/bin/python3
# bench/thru.py -- issue 13 point 7: throughput of a big message, plain
# and STARTTLS, outbox against msmtp in one run, with the ceilings that
# bound it.  Information only: nothing is asserted.
#
#   bench/thru.py [--outbox ./outbox] [--msmtp /usr/bin/msmtp]
#                 [--mib 100] [--runs 3] [--baseline OTHER-OUTBOX]
#
# Each send is what a user gets: wall clock from fork to exit of
# "CLIENT -C CONF rcpt < message", so outbox's spooling of stdin into its
# queue directory is included (msmtp has no queue).  The message is
# bench.py's (76-character LF lines).  Servers: bench/csink.c (C;
# GnuTLS decrypts), built for the run, plain and with --starttls; where it
# cannot be built, bench/fastsink.py (Python, slower), plain and with
# --tls --starttls.  Both clients are held to AES-128-GCM over TLS, the
# cipher the GnuTLS figure below is for.  The clients alternate, as in
# bench.py.  Also printed:
#   - each sink's ceiling: a client with no client-side work (plain: a
#     sendfile() of the CRLF message; TLS: Python's ssl, 1 MiB writes);
#   - GnuTLS's own AES-GCM speed here (gnutls-cli --benchmark-ciphers),
#     the bound for any GnuTLS client's TLS throughput.
# Peak RSS comes from GNU time's %M, as in bench.py.

import argparse
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import rows  # noqa: E402

MIB = 1 << 20


def start_sink(argv, tmp, name, args):
    """Start ARGV PORTFILE ARGS...; the process and its port."""
    portfile = os.path.join(tmp, name + ".port")
    return bench.start_server(argv + [portfile] + args, portfile)


def tls_ceiling(port, crlf, ca):
    """A Python ssl client: STARTTLS, then the CRLF message."""
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(f):
        while True:
            line = f.readline()
            if not line.startswith((b"2", b"3")):
                raise OSError("tls client: unexpected reply %r" % line)
            if line[3:4] != b"-":
                return

    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO bench\r\n")
    reply(f)
    s.sendall(b"STARTTLS\r\n")
    reply(f)
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    t = ctx.wrap_socket(s, server_hostname="localhost")
    g = t.makefile("rb")
    t.sendall(b"EHLO bench\r\n")
    reply(g)
    t.sendall(b"MAIL FROM:<sender@example.org>\r\n"
              b"RCPT TO:<rcpt@example.net>\r\nDATA\r\n")
    reply(g)
    reply(g)
    reply(g)
    with open(crlf, "rb") as m:
        for chunk in iter(lambda: m.read(MIB), b""):
            t.sendall(chunk)
    t.sendall(b".\r\n")
    reply(g)
    t.sendall(b"QUIT\r\n")
    reply(g)
    t.close()
    return time.perf_counter() - t0


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--outbox", default=os.path.join(top, "outbox"))
    ap.add_argument("--msmtp", default="/usr/bin/msmtp")
    ap.add_argument("--mib", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", help="another outbox binary (e.g. the "
                    "previous commit's), run alongside as \"before\"")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="outbox-thru.")
    procs = []
    try:
        run(a, top, tmp, procs)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, top, tmp, procs):
    say = lambda s: print(s, file=sys.stderr, flush=True)
    big = os.path.join(tmp, "big.eml")
    bench.write_message(big, a.mib * MIB)
    size = os.path.getsize(big)
    crlf = os.path.join(tmp, "big.crlf")
    with open(big, "rb") as src, open(crlf, "wb") as dst:
        for chunk in iter(lambda: src.read(MIB), b""):
            dst.write(chunk.replace(b"\n", b"\r\n"))
    certs = os.path.join(tmp, "certs")
    subprocess.run([os.path.join(top, "tests/lib/gencerts.sh"), certs],
                   check=True, stdout=subprocess.DEVNULL)
    ca = os.path.join(certs, "ca.pem")
    cert = [os.path.join(certs, "server.pem"),
            os.path.join(certs, "server-key.pem")]
    csink = rows.build_csink(top, tmp)
    if csink:
        sink = "csink.c"
        p, plain_port = start_sink([csink, "--plain"], tmp, "plain", [])
        procs.append(p)
        p, tls_port = start_sink([csink, "--starttls"], tmp, "tls", cert)
    else:
        say("thru: bench/csink.c did not build (cc, pkg-config, "
            "libgnutls28-dev): fastsink.py instead, whose ceiling is lower")
        sink = "fastsink.py"
        fast = ["/usr/bin/python3", os.path.join(top, "bench/fastsink.py")]
        p, plain_port = start_sink(fast, tmp, "plain", [])
        procs.append(p)
        p, tls_port = start_sink(fast, tmp, "tls",
                                 ["--tls"] + cert + ["--starttls"])
    procs.append(p)

    common = ["host 127.0.0.1", "from sender@example.org", "timeout 60",
              "auth off"]
    cases = {"plain": common + ["port %d" % plain_port, "tls off"],
             "tls": common + ["port %d" % tls_port, "tls on",
                              "tls_starttls on", "tls_trust_file " + ca,
                              "tls_priorities "
                              "NORMAL:-CIPHER-ALL:+AES-128-GCM"]}
    queue = os.path.join(tmp, "queue")
    os.mkdir(queue, 0o700)
    home = os.path.join(tmp, "home")
    os.mkdir(home, 0o700)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
               XDG_STATE_HOME=home + "/.local/state", LC_ALL="C")
    clients = []
    runs = [("outbox", a.outbox, ["queue_dir " + queue]),
            ("msmtp", a.msmtp, [])]
    if a.baseline:
        runs.append(("before", a.baseline, ["queue_dir " + queue]))
    for name, binary, extra in runs:
        confs = {}
        for case, lines in cases.items():
            path = os.path.join(tmp, "%s-%s.conf" % (name, case))
            bench.write_conf(path, lines + extra)
            confs[case] = path
        clients.append(bench.Client(name, binary, confs, env))
    errfile = os.path.join(tmp, "stderr")

    res = {}
    for case in ("plain", "tls"):
        say("thru: %s, %d MiB, %d rounds" % (case, a.mib, a.runs))
        res[case] = bench.alternate(clients, a.runs, case, big, errfile,
                                    limit=120, label=case, rss=True)
    say("thru: sink ceilings, GnuTLS cipher speed")
    ceil_plain = statistics.median(bench.raw_send(plain_port, crlf)
                                   for _ in range(a.runs))
    ceil_tls = statistics.median(tls_ceiling(tls_port, crlf, ca)
                                 for _ in range(a.runs))
    gcm = rows.gnutls_aes_gcm()

    def mbs(case, name):
        v = [r["wall"] for r in res[case][name]]
        return size / statistics.median(v) / 1e6 if v else None

    def rss(case, name):
        v = [r["rss"] for r in res[case][name]]
        return max(v) / 1024.0 if v else None

    print("message: %d MiB (%d octets), %d rounds each, median" %
          (a.mib, size, a.runs))
    print("%-34s %12s %12s %10s%s" % ("", "outbox", "msmtp", "ratio",
                                      "  %12s" % "before" if a.baseline
                                      else ""))
    for case, label in (("plain", "plain SMTP to " + sink),
                        ("tls", "STARTTLS (AES-128-GCM) to " + sink)):
        o, m = mbs(case, "outbox"), mbs(case, "msmtp")
        b = "  %7.0f MB/s" % (mbs(case, "before") or 0) if a.baseline \
            else ""
        print("%-34s %7.0f MB/s %7.0f MB/s %9.2fx%s" % (
            label, o or 0, m or 0, (o / m) if o and m else 0, b))
        ro, rm = rss(case, "outbox"), rss(case, "msmtp")
        b = "  %8.1f MiB" % (rss(case, "before") or 0) if a.baseline \
            else ""
        print("%-34s %8.1f MiB %8.1f MiB %10s%s" % (
            "  peak RSS", ro or 0, rm or 0, "", b))
    print()
    print("ceilings: %s plain (sendfile client) %.0f MB/s; "
          "STARTTLS (Python ssl client) %.0f MB/s" %
          (sink, size / ceil_plain / 1e6, size / ceil_tls / 1e6))
    if gcm:
        o = mbs("tls", "outbox")
        print("GnuTLS AES-128-GCM (gnutls-cli --benchmark-ciphers): "
              "%.0f MB/s; outbox STARTTLS is %.0f%% of it, %.0f%% of "
              "the TLS sink's ceiling" % (gcm, 100 * o / gcm if o else 0,
                                          100 * o * ceil_tls / size * 1e6
                                          if o else 0))
    for c in clients:
        for case, code, text in c.failures[:2]:
            print("%s failed (%s): exit %d: %s" % (c.name, case, code,
                                                   text.strip()[:300]))


if __name__ == "__main__":
    main()
