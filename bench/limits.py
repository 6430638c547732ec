#!/usr/bin/python3
# bench/limits.py -- issue 13 point 6: what rate_limit costs a send.
#
#   bench/limits.py [--outbox BIN] [--msmtp BIN] [--runs N]
#
# Sends the same small message to bench/fastsink.py, alternating four
# clients each round: outbox without a limit; outbox with rate_limit
# 10000/1s, a limit that never holds here (the send log is read, a slot
# taken, and given its end time, as on every limited send); the same
# with a send log of 9999 lines in the window (the largest N; rewritten
# before each send, outside the timing); and msmtp.  Prints the median wall time of each and the ratios; no
# pass/fail.  The rows are for the bench table (bench/run.sh); run it on
# its own with /usr/bin/python3 bench/limits.py.

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

MESSAGE = (b"From: sender@example.org\nTo: bob@example.org\n"
           b"Subject: limits bench\n\nhello\n")


def timed(argv):
    t = time.perf_counter()
    r = subprocess.run(argv, input=MESSAGE, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("bench: %s exited %d: %s" % (argv[0], r.returncode,
                                              r.stderr.decode()[:300]))
    return dt


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--outbox", default=os.path.join(top, "outbox"))
    ap.add_argument("--msmtp", default="/usr/bin/msmtp")
    ap.add_argument("--runs", type=int, default=40)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-limits.")
    sink = None
    try:
        portfile = os.path.join(tmp, "fast.port")
        sink, port = bench.start_server(
            ["/usr/bin/python3", os.path.join(top, "bench/fastsink.py"),
             portfile], portfile)
        base = ["host 127.0.0.1", "port %d" % port, "tls off",
                "auth off", "from sender@example.org", "timeout 60"]
        q = os.path.join(tmp, "q")
        conf = bench.write_conf
        conf(os.path.join(tmp, "plain"), base + ["queue_dir " + q])
        conf(os.path.join(tmp, "rate"), base + ["queue_dir " + q + "r",
                                                "rate_limit 10000/1s"])
        conf(os.path.join(tmp, "full"), base + ["queue_dir " + q + "f",
                                                "rate_limit 10000/1d"])
        conf(os.path.join(tmp, "msmtprc"), [
            "host 127.0.0.1", "port %d" % port,
            "tls off", "auth off", "from sender@example.org"])
        # the largest send log: 9999 sends in the last day, one slot left
        os.makedirs(q + "f/rate", mode=0o700, exist_ok=True)
        big = os.path.join(q + "f/rate/a-default")

        def fill():
            now = int(time.time() * 1000)
            with open(big, "w") as f:
                for i in range(9999):
                    f.write("%d\n" % (now - 3600000 + i))
            os.chmod(big, 0o600)
        ob = a.outbox
        clients = {
            "outbox": [ob, "-C", os.path.join(tmp, "plain"), "bob@x.org"],
            "outbox rate_limit": [ob, "-C", os.path.join(tmp, "rate"),
                                  "bob@x.org"],
            "outbox rate_limit, 10000-line log": [
                ob, "-C", os.path.join(tmp, "full"), "bob@x.org"],
            "msmtp": [a.msmtp, "-C", os.path.join(tmp, "msmtprc"),
                      "bob@x.org"],
        }
        times = {k: [] for k in clients}
        full = "outbox rate_limit, 10000-line log"
        for k in clients:		# warm-up
            if k == full:
                fill()
            timed(clients[k])
        for i in range(a.runs):
            keys = list(clients)
            if i % 2:
                keys.reverse()
            for k in keys:
                if k == full:
                    fill()
                times[k].append(timed(clients[k]))
        with open(big) as f:
            if sum(1 for _ in f) != 10000:
                sys.exit("bench: the full send log was not used")
        med = {k: statistics.median(v) for k, v in times.items()}
        print("limits bench: %d rounds, median wall time per send, "
              "fastsink.py" % a.runs)
        for k in clients:
            print("  %-36s %7.2f ms   %.2fx msmtp   %+.3f ms vs outbox"
                  % (k, med[k] * 1e3, med[k] / med["msmtp"],
                     (med[k] - med["outbox"]) * 1e3))
    finally:
        if sink:
            sink.send_signal(signal.SIGTERM)
            sink.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
