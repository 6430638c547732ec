#!/bin/bash
# bench/net.sh -- issue 13 points 4 and 5, outbox against msmtp side by
# side in one run: a plain send through a SOCKS5 proxy (microsocks), and
# a send to a name whose IPv6 address drops every packet while its IPv4
# address works (RFC 8305: outbox gives IPv6 250 ms, msmtp waits for its
# connect timeout).  Prints "row  outbox_ms  msmtp_ms  ratio" (medians).
#
#   bench/net.sh [--runs N]     (default 15; the dual-stack row runs 3)
#
# Runs in a private network and mount namespace (root, unshare, ip, a
# TUN device: the same set-up as tests/happy-eyeballs.sh).  OUTBOX and
# MSMTP pick the binaries.  Information only, never a pass/fail.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
OUTBOX=${OUTBOX:-$top/outbox}
MSMTP=${MSMTP:-/usr/bin/msmtp}
RUNS=15
test "${1:-}" = --runs && RUNS=$2
if test -z "${BENCH_NETNS:-}"; then
	BENCH_NETNS=1 OUTBOX=$OUTBOX MSMTP=$MSMTP exec unshare -n -m \
	    --propagation private /bin/bash "$0" "$@"
fi
PATH=$PATH:/usr/sbin:/sbin
W=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
ip link set lo up
ip tuntap add dev bh0 mode tun && ip link set bh0 up
ip -6 addr add 2001:db8:5::1/64 dev bh0 nodad
printf '127.0.0.1 localhost\n2001:db8:5::2 dual.example\n127.0.0.1 dual.example\n' \
    >"$W/hosts"
mount --bind "$W/hosts" /etc/hosts
# Both programs read one file, so it cannot name outbox's queue_dir: a
# failed send's message goes to the default queue, which here is private.
mount -t tmpfs bench-spool /var/spool
export HOME=$W XDG_STATE_HOME=$W/state

/usr/bin/python3 "$top/tests/lib/smarthost.py" --maildir "$W/mail" \
    --port-file "$W/sh.port" --discard 2>"$W/sh.err" &
pids="$pids $!"
PX=31080
microsocks -i 127.0.0.1 -p $PX >/dev/null 2>&1 &
pids="$pids $!"
for _ in $(seq 100); do test -s "$W/sh.port" && break; sleep 0.05; done
SP=$(cat "$W/sh.port")
printf 'From: a@example.org\nTo: b@example.org\nSubject: bench\n\nhello\n' >"$W/msg"

# conf FILE HOST TIMEOUT [LINE...]: one file both programs read
conf() {
	_f=$1 _h=$2 _t=$3
	shift 3
	printf '%s\n' "account default" "host $_h" "port $SP" "tls off" \
	    "auth off" "from a@example.org" "timeout $_t" "$@" >"$_f"
	chmod 600 "$_f"
}
# median_ms RUNS CMD...: the median wall time of CMD, in ms
median_ms() {
	_n=$1
	shift
	for _ in $(seq "$_n"); do
		_s=$(date +%s%N)
		"$@" <"$W/msg" >/dev/null 2>>"$W/errors" ||
		    echo "failed: $*" >>"$W/failed"
		echo $((($(date +%s%N) - _s) / 1000000))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
row() {
	_name=$1 _o=$2 _m=$3
	awk -v n="$_name" -v o="$_o" -v m="$_m" \
	    'BEGIN { printf "%-40s %8d %8d %8.2f\n", n, o, m, o / m }'
}
printf '%-40s %8s %8s %8s\n' row outbox_ms msmtp_ms ratio
conf "$W/proxy.conf" localhost 10 "proxy_host 127.0.0.1" "proxy_port $PX"
o=$(median_ms "$RUNS" "$OUTBOX" -C "$W/proxy.conf" --no-queue -t)
m=$(median_ms "$RUNS" "$MSMTP" -C "$W/proxy.conf" -t)
row "SOCKS5 proxy, plain send" "$o" "$m"
conf "$W/dual.conf" dual.example 5
o=$(median_ms 3 "$OUTBOX" -C "$W/dual.conf" --no-queue -t)
m=$(median_ms 3 "$MSMTP" -C "$W/dual.conf" -t)
row "IPv6 drops, IPv4 works (timeout 5 s)" "$o" "$m"
conf "$W/direct.conf" 127.0.0.1 10
o=$(median_ms "$RUNS" "$OUTBOX" -C "$W/direct.conf" --no-queue -t)
m=$(median_ms "$RUNS" "$MSMTP" -C "$W/direct.conf" -t)
row "(for reference: plain send, no proxy)" "$o" "$m"
if test -s "$W/failed"; then
	echo "SOME SENDS FAILED (the rows above are not valid):"
	sort "$W/failed" | uniq -c
	tail -5 "$W/errors"
	exit 1
fi
