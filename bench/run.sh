#!/bin/sh
# bench/run.sh -- outbox against msmtp, side by side, on loopback; prints a
# table of outbox/msmtp ratios and a summary.  No pass/fail: information.
#
#   bench/run.sh [--runs N] [--big-runs N] [--big-mib N] [--keep]
#
# Measures (see bench/bench.py for the method):
#   per-message latency, plain SMTP (median of --runs sends, default 30)
#   per-message latency, STARTTLS + AUTH PLAIN (same)
#   throughput for a --big-mib message (default 100 MiB)
#   peak RSS for a 1 MiB and a --big-mib message
# Servers: Postfix's smtp-sink for plain SMTP; tests/lib/smarthost.py
# (aiosmtpd) for STARTTLS + AUTH, which smtp-sink cannot do; and, for a
# second throughput row, bench/fastsink.py, a sink that is not the
# bottleneck (smtp-sink's own ceiling, measured with a sendfile() client,
# is printed too: it is near outbox's speed).
#
# OUTBOX (default: ./outbox of the source tree) and MSMTP (default:
# /usr/bin/msmtp) pick the binaries.  Needs: msmtp, postfix (smtp-sink), time,
# gnutls-bin, python3-aiosmtpd -- scripts/deps.sh installs them.
# Takes about a minute.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
OUTBOX=${OUTBOX:-$top/outbox}
MSMTP=${MSMTP:-/usr/bin/msmtp}
SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}

for f in "$OUTBOX" "$MSMTP" "$SINK" /usr/bin/python3 /usr/bin/time; do
	if ! test -x "$f"; then
		echo "bench: $f not found (build outbox; scripts/deps.sh installs the rest)" >&2
		exit 1
	fi
done

exec /usr/bin/python3 "$top/bench/bench.py" --outbox "$OUTBOX" \
    --msmtp "$MSMTP" --smtp-sink "$SINK" --srcdir "$top" "$@"
