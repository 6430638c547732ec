#!/bin/sh
# bench/run.sh -- outbox against msmtp, side by side, on loopback; prints a
# table of outbox/msmtp ratios and a summary.  No pass/fail: information.
#
#   bench/run.sh [--runs N] [--big-runs N] [--big-mib N] [--keep]
#                [--rows base,trust,rtt,tls,flush,net,limits] [--list-rows]
#                [--rtt-ms MS] [--rtt-runs N] [--flush-n N] [--flush-runs N]
#                [--net-runs N]
#
# Measures (see bench/bench.py and bench/rows.py for the method):
#   base:  per-message latency, plain SMTP (median of --runs sends,
#          default 30); the same for STARTTLS + AUTH PLAIN; throughput for
#          a --big-mib message (default 100 MiB); peak RSS for a 1 MiB and
#          a --big-mib message
#   trust: STARTTLS + AUTH PLAIN latency with the system trust bundle
#          (/etc/ssl/certs/ca-certificates.crt plus the test CA)
#   rtt:   round trips and wall time of a send on an emulated --rtt-ms
#          (50 ms) link (bench/rtt_link.py, to bench/rtt.py's server):
#          plain, STARTTLS + AUTH, implicit TLS
#   tls:   TLS throughput for a --big-mib message (bench/csink.c, built
#          for the run), against GnuTLS's own AES-128-GCM speed
#   flush: outbox -q of --flush-n (1,000) queued messages over one
#          connection, against as many msmtp sends
#   net:   bench/net.sh's rows: SOCKS5 (microsocks), a name whose IPv6
#          drops (root only: a private network namespace)
#   limits: bench/limits.py's rows: what rate_limit costs a send
# bench/rows.py holds one function per row group: add one there.
# Servers: Postfix's smtp-sink for plain SMTP; tests/lib/smarthost.py
# (aiosmtpd) for STARTTLS + AUTH, which smtp-sink cannot do; and, for a
# second throughput row, bench/fastsink.py, a sink that is not the
# bottleneck (smtp-sink's own ceiling, measured with a sendfile() client,
# is printed too: it is near outbox's speed).  The other rows' servers are
# named above.
#
# OUTBOX (default: ./outbox of the source tree) and MSMTP (default:
# /usr/bin/msmtp) pick the binaries.  Needs: msmtp, postfix (smtp-sink), time,
# gnutls-bin (certtool, gnutls-cli), ca-certificates, python3-aiosmtpd, and
# cc, pkg-config and libgnutls28-dev for bench/csink.c, microsocks and
# iproute2 for bench/net.sh -- scripts/deps.sh installs them all.  Takes
# about six minutes (--rows picks fewer).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
OUTBOX=${OUTBOX:-$top/outbox}
MSMTP=${MSMTP:-/usr/bin/msmtp}
SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}

for f in "$OUTBOX" "$MSMTP" "$SINK" /usr/bin/python3 /usr/bin/time \
    /usr/bin/gnutls-cli /usr/bin/certtool; do
	if ! test -x "$f"; then
		echo "bench: $f not found (build outbox; scripts/deps.sh installs the rest)" >&2
		exit 1
	fi
done

exec /usr/bin/python3 "$top/bench/bench.py" --outbox "$OUTBOX" \
    --msmtp "$MSMTP" --smtp-sink "$SINK" --srcdir "$top" "$@"
