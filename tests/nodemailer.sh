#!/bin/bash
# tests/nodemailer.sh -- the main send matrix (tests/lib/matrix.sh)
# against nodemailer's smtp-server, a real SMTP server from npm
# (tests/lib/smtp-server.js): plain, STARTTLS and implicit-TLS listeners
# on loopback ports the kernel picks, AUTH PLAIN and LOGIN, PIPELINING,
# 8BITMIME, SMTPUTF8, SIZE; it stores each message exactly as received.
#
# smtp-server is fetched (npm, pinned) by scripts/test-servers.sh into
# the test cache.  Part of make check-slow.  Without node, npm or the
# registry: "skip: REASON" and exit 77, except when CI is set, where a
# missing prerequisite is a failure -- but not an npm registry that
# cannot be reached or whose certificate cannot be verified (a CI machine
# may have no way to npm): a skip then, too.
#
# Environment: OUTBOX, srcdir (make check-slow sets them); LIB_KEEP=1
# keeps the work directory.
# The last line is "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
. "$srcdir/tests/lib/matrix.sh"

need_outbox
need "Debian: nodejs npm" node
need "Debian: gnutls-bin" certtool
rc=0
CACHE=$(sh "$srcdir/scripts/test-servers.sh" smtp-server 2>"$T_DIR/fetch.err") ||
    rc=$?
why="smtp-server: $(sed 's/^test-servers.sh: //' "$T_DIR/fetch.err" |
    tr '\n' ' ' | sed 's/ $//')"
case $rc in
0) ;;
2) skip_always "$why" ;;
*) skip "cannot fetch $why" ;;
esac

export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
unset OUTBOX_PASSWORD
mkdir -p "$HOME"
make_certs "$T_DIR/certs"

SRV=$T_DIR/srv
mkdir -p "$SRV"
MX_NAME=smtp-server
MX_USER=matrix-user
MX_PASS='Pw-7hQ2-node'
MX_CA=$T_DIR/certs/ca.pem
lib_spawn node "$srcdir/tests/lib/smtp-server.js" "$CACHE/node/node_modules" \
    "$SRV" "$T_DIR/certs" "$MX_USER" "$MX_PASS" 2>"$T_DIR/node.err"
NODE_PID=$LIB_PID
lib_wait_file "$SRV/ports" 20 || {
	fail "smtp-server started" "$(head -n 20 "$T_DIR/node.err")"
	finish
	exit 1
}
read -r MX_PLAIN_PORT MX_SUBMIT_PORT MX_SMTPS_PORT <"$SRV/ports"

# mx_received TAG EML ENV: smtp-server stores the bytes as received;
# the envelope comes from msg.N.json.
mx_received() {
	local i=0 f
	while :; do
		f=$(grep -lsx "X-Outbox-Test: $1"$'\r' "$SRV"/msg.*.eml |
		    head -n 1)
		if test -n "$f" && test -s "${f%.eml}.json"; then
			break
		fi
		i=$((i + 1))
		test $i -gt $((${MX_WAIT:-20} * 10)) && return 1
		sleep 0.1
	done
	cp "$f" "$2"
	"$PY" -c 'import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
out = ["from " + e["from"]] + ["rcpt " + r for r in e["rcpt"]]
if e["user"]:
    out.append("user " + e["user"])
out.append("body " + (e["params"].get("BODY") or "7BIT").upper())
if e["smtputf8"]:
    out.append("smtputf8")
sys.stdout.buffer.write(("\n".join(out) + "\n").encode())' "${f%.eml}.json" >"$3"
}

mx_defer() {
	if test "$1" = on; then : >"$SRV/defer"; else rm -f "$SRV/defer"; fi
}

mx_run

# smtp-server-specific: the SMTPUTF8 parameter reached the server.
if test -f "$T_DIR/got.smtputf8.env"; then
	check "smtp-server SMTPUTF8 recipient: the server saw SMTPUTF8" \
	    grep -qx smtputf8 "$T_DIR/got.smtputf8.env"
fi

lib_stop "$NODE_PID"
lib_forget "$NODE_PID"
check "smtp-server reported no error" test ! -s "$T_DIR/node.err"
finish
