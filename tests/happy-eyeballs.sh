#!/bin/bash
# happy-eyeballs.sh -- a name with an IPv6 address that drops every
# packet and an IPv4 address that works (RFC 8305): the IPv6 attempt
# gets a 250 ms head start, then IPv4 runs alongside and wins; the broken
# route costs about 250 ms, not the connect timeout.  And when every
# address fails, the final line gives each one's reason.
#
# Runs in a network namespace of its own (unshare -n): loopback, and a
# TUN device that nobody reads, routing 2001:db8:5::/64 into the void
# (a SYN sent there is never answered).  The name comes from an
# /etc/hosts in a private mount namespace.  Needs root, unshare(1),
# ip(8) (iproute2) and /dev/net/tun; otherwise "skip", exit 77.
if test -z "${HE_NETNS:-}" && test "$(id -u)" = 0 &&
    command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	HE_NETNS=1 exec unshare -n /bin/bash "$0" "$@"
fi
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

skip() {
	echo "skip: $*"
	echo "0 passed, 0 failed"
	exit 77
}
test -n "${HE_NETNS:-}" || skip "no network namespace (needs root and unshare -n)"
test $T_NS = yes || skip "no mount namespace (needs root and unshare -m)"
PATH=$PATH:/usr/sbin:/sbin
command -v ip >/dev/null 2>&1 || skip "no ip(8) (apt-get install iproute2)"
ip link set lo up || skip "cannot bring up loopback"
ip tuntap add dev he0 mode tun 2>/dev/null && ip link set he0 up &&
    ip -6 addr add 2001:db8:5::1/64 dev he0 nodad ||
    skip "cannot make a TUN device (/dev/net/tun)"

start_smarthost sh || exit 99
MAIL=$T_DIR/sh.mail
BH=2001:db8:5::2	# drops everything
printf '127.0.0.1 localhost\n%s dual.example\n127.0.0.1 dual.example\n' \
    "$BH" >"$T_DIR/hosts"
printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"
IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: t\n\nhello\n' >"$IN"

# run_dual ARGS...: outbox with the private /etc/hosts; $SECS is how long
# it took (whole seconds).
run_dual() {
	T_RC=0
	_t0=$(date +%s)
	t_ns 'mount --bind "$T_DIR/hosts" /etc/hosts &&
	    mount --bind "$T_DIR/nsswitch.conf" /etc/nsswitch.conf' \
	    "$OUTBOX" "$@" <"$IN" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	SECS=$(($(date +%s) - _t0))
}
conf() {
	mkconf "$T_DIR/c" <<EOC
host dual.example
port $1
tls off
from sender@example.org
queue_dir $T_DIR/q
timeout $2
EOC
}

# --- IPv6 drops, IPv4 works ----------------------------------------------------
conf "$SH_PORT" 30
run_dual -C "$T_DIR/c" -t -v
expect "IPv6 route drops, IPv4 works: sent" 0
check "... it arrived" test -s "$MAIL/1.eml"
check "... IPv6 was tried first (getaddrinfo's order)" sh -c "grep '^-- connecting to' '$T_ERR' | head -1 | grep -q '$BH port $SH_PORT\$'"
check "... given 250 ms, then IPv4 alongside" grep -q "^-- $BH port $SH_PORT: no answer after 250 ms; trying the next address alongside\$" "$T_ERR"
check "... IPv4 connected" grep -q "^-- connected to 127.0.0.1 port $SH_PORT\$" "$T_ERR"
check "... the IPv6 attempt abandoned" grep -q "^-- $BH port $SH_PORT: abandoned: 127.0.0.1 answered first\$" "$T_ERR"
# Behaviour, not a benchmark: without Happy Eyeballs the IPv6 attempt
# would wait for the whole 30 s timeout first.
check "... without waiting for the 30 s timeout (took ${SECS} s)" test "$SECS" -lt 15

# --- every address fails: each one's reason ------------------------------------
DOWN=$(closed_port)
conf "$DOWN" 2
run_dual -C "$T_DIR/c" -t --no-queue
expect "both fail: 75, each address with its reason" 75 \
    "^outbox: connect to dual\.example port $DOWN: $BH: timed out after 2 s; 127\.0\.0\.1: Connection refused \(kept in failed/"

finish
