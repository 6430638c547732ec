# bench/rows.py -- the benchmark rows of issue 13, one function per row
# group, run by bench/bench.py after its own rows (bench.py --rows picks
# which; --list-rows lists them).
#
# To add a row group: write  def row_NAME(ctx)  here (or in a module of
# its own, imported below) and add it to ROWS.  It measures both clients
# side by side -- ctx.alternate() runs them in turns, ctx.timed() times
# any command -- and reports with
#     ctx.row(label, fmt, outbox_value, msmtp_value, better)
#     ctx.target(text, ratio_or_value, ok)
# ctx.row() computes the outbox/msmtp ratio; ctx.target() is a line of the
# summary (informational: nothing is asserted, ever).  ctx.case(name,
# lines) writes a configuration for both clients (outbox's gets its own
# queue_dir); the servers started for the base rows are in ctx (see
# Ctx in bench.py); start more with ctx.spawn().
#
# Rows here:
#   trust    STARTTLS + AUTH PLAIN with the system trust bundle: a copy of
#            /etc/ssl/certs/ca-certificates.crt with the test CA appended,
#            as tls_trust_file for both clients, so that verification
#            really has the whole bundle to search
#   rtt      plain, STARTTLS + AUTH PLAIN, implicit TLS (no AUTH) to
#            bench/rtt.py's server (PIPELINING and CHUNKING, as Postfix
#            and Exim offer; aiosmtpd offers neither) through
#            bench/rtt_link.py, a relay that makes a 50 ms RTT link: round
#            trips counted from the relay's log of what crossed it, and
#            the wall time in RTTs.  (bench/rtt.py run on its own counts
#            them from wall times instead.)
#   tls      throughput of a --big-mib message over implicit TLS to
#            bench/csink.c (built for the run with cc and GnuTLS), both
#            clients held to AES-128-GCM, in wall time and per second of
#            the client's CPU time, against what GnuTLS's AES-128-GCM does
#            on this machine (gnutls-cli --benchmark-ciphers)
#   net      points 4 and 5: bench/net.sh's rows (SOCKS5 proxy, a name
#            whose IPv6 drops); root only
#   limits   point 6: bench/limits.py's rows (what rate_limit costs)
#   flush    a queue of --flush-n (1,000) entries: outbox -q over one
#            connection (RSET between messages), against msmtp sending the
#            same number of messages one process and connection each (that
#            is what msmtpq/msmtp-queue's flush does: it runs msmtp once
#            per queued mail; msmtp has no multi-message mode)

import os
import re
import shutil
import statistics
import subprocess
import time

import rtt as rtt_server
import rtt_link

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def fmt_ms(s):
    return "%.1f ms" % (s * 1000)


def fmt_s(s):
    return "%.2f s" % s


def fmt_rtt(v):
    return "%.1f RTT" % v


def fmt_mbs(v):
    return "%.0f MB/s" % v


def med(results, name, key="wall"):
    v = [r[key] for r in results[name]]
    return statistics.median(v) if v else None


def row_trust(ctx):
    if not os.path.exists(SYSTEM_BUNDLE):
        ctx.say("bench: no %s (package ca-certificates): trust rows skipped"
                % SYSTEM_BUNDLE)
        return
    bundle = os.path.join(ctx.tmp, "system-bundle.pem")
    with open(bundle, "wb") as out:
        for f in (SYSTEM_BUNDLE, os.path.join(ctx.certs, "ca.pem")):
            with open(f, "rb") as src:
                out.write(src.read())
    with open(bundle, "rb") as f:
        n = f.read().count(b"-----BEGIN CERTIFICATE")
    ctx.case("tlsbundle", ctx.tls_lines(ctx.tls_port, bundle))
    ctx.say("bench: latency, STARTTLS + AUTH PLAIN, system bundle of %d "
            "certificates (%d rounds)" % (n, ctx.a.runs))
    res = ctx.alternate(ctx.a.runs, "tlsbundle", ctx.small, warmup=2,
                        limit=20, label="latency STARTTLS+AUTH, bundle")
    r = ctx.row("latency, STARTTLS + AUTH, system bundle (%d CAs)" % n,
                fmt_ms, med(res, "outbox"), med(res, "msmtp"), "lower")
    ctx.row("  CPU time per send (median)", fmt_ms,
            med(res, "outbox", "cpu"), med(res, "msmtp", "cpu"), "lower")
    ctx.target("latency STARTTLS+AUTH, system bundle (target <= 0.2x)", r,
               r is not None and r <= 0.2)


def _link_run(ctx, link, client, case, message, label):
    """One send through the link: (wall seconds, counted round trips), or
    None if the send failed."""
    link.clear()
    r = client.run(case, message, ctx.errfile, 30, label)
    if r is None:
        return None
    deadline = time.monotonic() + 2
    while not link.logs() and time.monotonic() < deadline:
        time.sleep(0.01)
    logs = link.logs()
    if len(logs) != 1:
        return None
    return r["wall"], rtt_link.count_round_trips(logs[0])


def row_rtt(ctx):
    one_way = ctx.a.rtt_ms / 2000.0
    rtt = 2 * one_way
    # bench/rtt.py's server: PIPELINING, CHUNKING, STARTTLS, AUTH PLAIN,
    # replies to all it has in one write, so that what is counted is the
    # protocol's floor and the client's, not a server's quirks
    cases = (("plain", "rttplain", False, "plain", 5),
             ("STARTTLS + AUTH", "rttstarttls", False, "starttls", 8),
             ("implicit TLS", "rttimplicit", True, "implicit", 6))
    for title, case, implicit, kind, floor in cases:
        srv = rtt_server.Server(ctx.certs, implicit)
        link = rtt_link.Link(srv.port, one_way)
        lport = link.start()
        ca = os.path.join(ctx.certs, "ca.pem")
        if kind == "plain":
            ctx.case(case, ctx.plain_lines(lport))
        elif kind == "starttls":
            ctx.case(case, ctx.tls_lines(lport, ca))
        else:
            ctx.case(case, ctx.common + [
                "port %d" % lport, "tls on", "tls_starttls off",
                "tls_trust_file %s" % ca, "auth off"])
        ctx.say("bench: %g ms RTT link, %s (%d rounds)"
                % (ctx.a.rtt_ms, title, ctx.a.rtt_runs))
        got = {c.name: [] for c in ctx.clients}
        for i in range(ctx.a.rtt_runs):
            order = ctx.clients if i % 2 == 0 else ctx.clients[::-1]
            for c in order:
                r = _link_run(ctx, link, c, case, ctx.small,
                              "%g ms RTT, %s" % (ctx.a.rtt_ms, title))
                if r is not None:
                    got[c.name].append(r)
        link.sock.close()

        def pick(name, k):
            v = [x[k] for x in got[name]]
            return statistics.median(v) if v else None
        ro, rm = pick("outbox", 1), pick("msmtp", 1)
        ctx.row("%g ms RTT, %s: round trips" % (ctx.a.rtt_ms, title),
                fmt_rtt, ro, rm, "lower")
        wo, wm = pick("outbox", 0), pick("msmtp", 0)
        ctx.row("  wall time in RTTs (median)", fmt_rtt,
                wo / rtt if wo else None, wm / rtt if wm else None, "lower")
        ctx.target("round trips, %s (protocol floor about %d)"
                   % (title, floor), ro, ro is not None and ro <= floor,
                   absolute=True)


def gnutls_aes_gcm():
    """GnuTLS's AES-128-GCM speed on this machine in MB/s, or None."""
    try:
        out = subprocess.run(["gnutls-cli", "--benchmark-ciphers"],
                             capture_output=True, text=True,
                             timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"AES-128-GCM\s+([\d.]+)\s+(GB|MB)/sec", out)
    if not m:
        return None
    v = float(m.group(1))
    return v * 1000 if m.group(2) == "GB" else v


def build_csink(srcdir, tmp):
    """Compile bench/csink.c into TMP (cc, pkg-config gnutls); its path,
    or None when it cannot be built."""
    exe = os.path.join(tmp, "csink")
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs",
                                "gnutls"], capture_output=True, text=True,
                               check=True).stdout.split()
        subprocess.run(["cc", "-O2", "-o", exe,
                        os.path.join(srcdir, "bench/csink.c")] + flags,
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return None
    return exe


def tls_sink(ctx):
    """Start bench/csink.c, compiled for this run (cc, pkg-config
    gnutls), or, if it cannot be built, fastsink.py --tls; its port and
    its name."""
    cert = [os.path.join(ctx.certs, "server.pem"),
            os.path.join(ctx.certs, "server-key.pem")]
    exe = build_csink(ctx.a.srcdir, ctx.tmp)
    if exe is None:
        ctx.note("bench: bench/csink.c did not build (cc, pkg-config, "
                 "libgnutls28-dev): TLS rows use fastsink.py --tls, "
                 "whose ceiling is far lower")
        return ctx.spawn_sink("tlssink", ["--tls"] + cert), "fastsink.py"
    return ctx.spawn(exe, "tlssink", cert), "csink.c"


def row_tls(ctx):
    port, sink = tls_sink(ctx)
    lines = ctx.common + ["port %d" % port, "tls on", "tls_starttls off",
                          "tls_trust_file %s"
                          % os.path.join(ctx.certs, "ca.pem"),
                          "tls_priorities NORMAL:-CIPHER-ALL:+AES-128-GCM",
                          "auth off"]
    ctx.case("tlsbig", lines)
    ctx.say("bench: TLS throughput, %d MiB message, implicit TLS, "
            "AES-128-GCM, to %s (%d rounds)"
            % (ctx.a.big_mib, sink, ctx.a.big_runs))
    res = ctx.alternate(ctx.a.big_runs, "tlsbig", ctx.big, limit=120,
                        label="%d MiB message over TLS" % ctx.a.big_mib)
    mbs, cpu = {}, {}
    for name in ("outbox", "msmtp"):
        w, c = med(res, name), med(res, name, "cpu")
        mbs[name] = ctx.big_size / w / 1e6 if w else None
        cpu[name] = ctx.big_size / c / 1e6 if c else None
    ctx.row("TLS throughput, %d MiB, AES-128-GCM (median)" % ctx.a.big_mib,
            fmt_mbs, mbs["outbox"], mbs["msmtp"], "higher")
    ctx.row("  bytes per second of client CPU time", fmt_mbs,
            cpu["outbox"], cpu["msmtp"], "higher")
    ctx.say("bench: GnuTLS's AES-128-GCM on this machine "
            "(gnutls-cli --benchmark-ciphers)")
    aes = gnutls_aes_gcm()
    ctx.note("TLS sink: %s.  GnuTLS AES-128-GCM (gnutls-cli "
             "--benchmark-ciphers, 16 KiB records): %s"
             % (sink, fmt_mbs(aes) if aes else "n/a"))
    if aes:
        for what, v in (("wall", mbs["outbox"]), ("CPU", cpu["outbox"])):
            share = v / aes if v else None
            ctx.target("TLS throughput (%s), outbox / GnuTLS AES-128-GCM "
                       "(target >= 0.8)" % what, share,
                       share is not None and share >= 0.8, absolute=True)


def _queue_messages(ctx, case, n):
    """Queue N messages for outbox with -odq; returns the queue dir."""
    q = ctx.queue_dir(case)
    shutil.rmtree(q, ignore_errors=True)
    os.mkdir(q, 0o700)
    conf = ctx.client("outbox").confs[case]
    for _ in range(n):
        with open(ctx.small, "rb") as m:
            subprocess.run([ctx.a.outbox, "-C", conf, "-odq",
                            "rcpt@example.net"], stdin=m, env=ctx.env,
                           stdout=subprocess.DEVNULL, check=True)
    return q


def _queued(q):
    d = os.path.join(q, "queue")
    return len([f for f in os.listdir(d) if not f.endswith(".env")]) \
        if os.path.isdir(d) else 0


def row_flush(ctx):
    n = ctx.a.flush_n
    ctx.case("flush", ctx.plain_lines(ctx.sink_port))
    ctx.say("bench: queue flush of %d entries (outbox -q) and %d msmtp "
            "sends, %d round(s)" % (n, n, ctx.a.flush_runs))
    t_out, t_ms = [], []
    ob = ctx.client("outbox")
    for i in range(ctx.a.flush_runs):
        q = _queue_messages(ctx, "flush", n)
        if _queued(q) != n:
            ob.failures.append(("flush", -1, "queued %d of %d entries"
                                % (_queued(q), n)))
            break
        t, rc, err = ctx.timed([ctx.a.outbox, "-C", ob.confs["flush"],
                                "-q"], limit=600)
        if rc != 0 or _queued(q) != 0:
            ob.failures.append(("flush", rc, "%d entries left; %s"
                                % (_queued(q), err)))
        else:
            t_out.append(t)
        t0 = time.perf_counter()
        ok = True
        for _ in range(n):
            r = ctx.client("msmtp").run("flush", ctx.small, ctx.errfile, 30,
                                        "flush, msmtp loop")
            if r is None:
                ok = False
                break
        if ok:
            t_ms.append(time.perf_counter() - t0)
    to = statistics.median(t_out) if t_out else None
    tm = statistics.median(t_ms) if t_ms else None
    r = ctx.row("flush of %d queued messages, one connection" % n, fmt_s,
                to, tm, "lower")
    ctx.row("  per message", fmt_ms, to / n if to else None,
            tm / n if tm else None, "lower")
    ctx.target("flush of %d entries, outbox/msmtp (no target: "
               "information)" % n, r, None)


def _tool(ctx, argv, limit=900):
    """Run another bench tool; its standard output, or None (noted)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=limit,
                           env=dict(os.environ, OUTBOX=ctx.a.outbox,
                                    MSMTP=ctx.a.msmtp))
    except (OSError, subprocess.TimeoutExpired) as e:
        ctx.note("bench: %s: %s" % (argv[0], e))
        return None
    if p.returncode != 0:
        ctx.note("bench: %s exited %d: %s" % (
            " ".join(argv[:2]), p.returncode,
            (p.stderr or p.stdout).strip()[-300:]))
        return None
    return p.stdout


def row_net(ctx):
    """Points 4 and 5 (SOCKS5, Happy Eyeballs): bench/net.sh, which needs
    root (a private network namespace with a TUN device) and microsocks;
    its "row outbox_ms msmtp_ms ratio" lines become rows."""
    if os.geteuid() != 0:
        ctx.note("bench: net rows skipped: bench/net.sh needs root")
        return
    ctx.say("bench: SOCKS5 and dual-stack (bench/net.sh)")
    out = _tool(ctx, [os.path.join(ctx.a.srcdir, "bench/net.sh"),
                      "--runs", str(ctx.a.net_runs)])
    for line in (out or "").splitlines():
        m = re.match(r"(.+?)\s+(\d+)\s+(\d+)\s+[\d.]+$", line)
        if m and not line.startswith("row "):
            ctx.row(m.group(1), fmt_ms, int(m.group(2)) / 1000.0,
                    int(m.group(3)) / 1000.0, "lower")


def row_limits(ctx):
    """Point 6 (rate_limit): bench/limits.py; each outbox line becomes a
    row against its msmtp line."""
    ctx.say("bench: rate_limit cost (bench/limits.py)")
    out = _tool(ctx, ["/usr/bin/python3",
                      os.path.join(ctx.a.srcdir, "bench/limits.py"),
                      "--outbox", ctx.a.outbox, "--msmtp", ctx.a.msmtp,
                      "--runs", str(ctx.a.runs)])
    got = {}
    for line in (out or "").splitlines():
        m = re.match(r"\s+(.+?)\s+([\d.]+) ms\s", line)
        if m:
            got[m.group(1)] = float(m.group(2)) / 1000.0
    for name, v in got.items():
        if name != "msmtp":
            ctx.row("send to fastsink.py, %s" % name, fmt_ms, v,
                    got.get("msmtp"), "lower")


ROWS = [
    ("trust", row_trust),
    ("rtt", row_rtt),
    ("tls", row_tls),
    ("flush", row_flush),
    ("net", row_net),
    ("limits", row_limits),
]
