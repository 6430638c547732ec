#!/usr/bin/python3
# bench/rtt_link.py -- an emulated long link for the benchmark: a TCP relay
# on loopback that delays every byte by ONE_WAY in each direction, and
# keeps a log of what crossed it, from which the round trips are counted.
#
# Why a relay: the kernel here has no sch_netem (tc qdisc ... netem), which
# would delay packets in two network namespaces joined by veth.  Where it
# exists, netem is the better emulation: the relay cannot delay the TCP
# handshake or ACKs themselves (see below), so Nagle and delayed-ACK stalls
# do not show on it.
#
# How the delay is emulated, with RTT = 2 * ONE_WAY:
#   - the client's connect() completes at once on loopback, so the relay
#     opens the connection to the server only 1.5 RTT after accepting
#     (SYN, SYN-ACK, ACK), and holds what the client sends until then:
#     the server's greeting reaches the client 2 RTT after its SYN, and
#     a client that speaks first (implicit TLS) reaches the server 1.5 RTT
#     after it, as on a real link;
#   - every chunk read from one side is written to the other ONE_WAY
#     after it was read.
#
# Round trips from the log (count_round_trips): the log is the sequence of
# chunks as the relay read them, with their direction.  A flight is a run
# of chunks in one direction; on the critical path of a lock-step protocol
# each flight is one one-way trip.  The TCP handshake adds the SYN and
# SYN-ACK, and an ACK flight when the server speaks first.  Round trips =
# one-way trips / 2.  Plain SMTP with one recipient and PIPELINING, for
# example: SYN, SYN-ACK, ACK, greeting, EHLO, its reply, MAIL+RCPT+DATA,
# their replies, the message, its reply, QUIT, its reply: 12 one-way
# trips, 6 round trips.  What the client sends after the last reply it
# reads (a TLS close_notify, its FIN) is not counted: nothing waits for it.
# A client that does not wait for the reply to QUIT has that reply counted
# all the same (the relay cannot tell).
#
# As a module: Link(target_port, one_way=0.025).start() -> listening port;
# link.logs() -> one log per connection; count_round_trips(log).
# As a program (for trying a client by hand):
#   rtt_link.py --to PORT [--one-way-ms 25] [--port-file FILE]
#   prints each connection's round trips when it closes.

import argparse
import heapq
import os
import socket
import sys
import threading
import time


class _Pipe:
    """One direction of one connection: reads src, writes dst ONE_WAY
    after each read, logs (time read, direction, length)."""

    def __init__(self, src, dst, one_way, direction, log, lock, not_before):
        self.src, self.dst = src, dst
        self.one_way = one_way
        self.direction = direction
        self.log, self.lock = log, lock
        self.not_before = not_before    # an Event, or None
        self.queue = []
        self.cv = threading.Condition()
        self.eof = False
        self.seq = 0

    def reader(self):
        while True:
            try:
                data = self.src.recv(1 << 20)
            except OSError:
                data = b""
            now = time.monotonic()
            with self.lock:
                self.log.append((now, self.direction, len(data)))
            with self.cv:
                self.seq += 1
                heapq.heappush(self.queue, (now + self.one_way, self.seq,
                                            data))
                self.cv.notify()
            if not data:
                return

    def writer(self):
        if self.not_before is not None:
            self.not_before.wait()
        while True:
            with self.cv:
                while not self.queue:
                    self.cv.wait()
                due, _, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self.cv.wait(wait)
                    continue
                heapq.heappop(self.queue)
            if not data:
                try:
                    self.dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                self.dst.sendall(data)
            except OSError:
                return


class Link:
    def __init__(self, target_port, one_way=0.025, host="127.0.0.1",
                 on_close=None):
        self.target = (host, target_port)
        self.one_way = one_way
        self.on_close = on_close
        self._logs = []
        self._lock = threading.Lock()
        self.sock = None

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        self.sock = s
        threading.Thread(target=self._accept, daemon=True).start()
        return s.getsockname()[1]

    def logs(self):
        """The logs of the connections that have ended, oldest first."""
        with self._lock:
            return list(self._logs)

    def clear(self):
        with self._lock:
            self._logs.clear()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c, time.monotonic()),
                             daemon=True).start()

    def _serve(self, c, t0):
        log = [(t0, "accept", 0)]
        lock = threading.Lock()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connected = threading.Event()
        c2s = _Pipe(c, up, self.one_way, "c", log, lock, connected)
        s2c = _Pipe(up, c, self.one_way, "s", log, lock, None)
        threads = [threading.Thread(target=c2s.reader, daemon=True),
                   threading.Thread(target=c2s.writer, daemon=True)]
        threads[0].start()
        threads[1].start()
        # SYN, SYN-ACK, ACK: the server sees the connection 1.5 RTT on.
        time.sleep(max(0.0, t0 + 3 * self.one_way - time.monotonic()))
        try:
            up.connect(self.target)
        except OSError:
            c.close()
            return
        connected.set()
        more = [threading.Thread(target=s2c.reader, daemon=True),
                threading.Thread(target=s2c.writer, daemon=True)]
        for t in more:
            t.start()
        for t in threads + more:
            t.join()
        c.close()
        up.close()
        with self._lock:
            self._logs.append(log)
        if self.on_close:
            self.on_close(log)


def count_round_trips(log):
    """Round trips on the critical path of the exchange in LOG (see the
    comment at the top): a float, in halves."""
    dirs = []
    for _, d, n in sorted(log[1:]):
        if n == 0:
            continue
        if not dirs or dirs[-1] != d:
            dirs.append(d)
    while dirs and dirs[-1] == "c":
        dirs.pop()                 # close_notify, FIN: nobody waits
    trips = 2 + len(dirs)          # SYN, SYN-ACK
    if dirs and dirs[0] == "s":
        trips += 1                 # the bare ACK the server waits for
    return trips / 2.0


def elapsed(log):
    """Seconds from the accept to the last byte read, in the log."""
    return max(t for t, _, _ in log) - log[0][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", type=int, required=True, help="server port")
    ap.add_argument("--one-way-ms", type=float, default=25)
    ap.add_argument("--port-file")
    a = ap.parse_args()

    def report(log):
        print("connection: %.1f round trips, %.0f ms at the relay"
              % (count_round_trips(log), elapsed(log) * 1000), flush=True)

    link = Link(a.to, a.one_way_ms / 1000.0, on_close=report)
    port = link.start()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    print("rtt_link: 127.0.0.1:%d -> 127.0.0.1:%d, %.1f ms each way"
          % (port, a.to, a.one_way_ms), file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
