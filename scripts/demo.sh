#!/bin/bash
# scripts/demo.sh -- the README's first quick-start command: install what is
# missing, build, start a local smarthost with TLS and AUTH (aiosmtpd,
# tests/lib/smarthost.py) and send a message through it with outbox, once
# over STARTTLS (port 587 style) and once over implicit TLS (465 style).
# Shows outbox's -v transcript and the message as the smarthost got it.
#
# Everything it makes (certificates, config, the smarthost's mail) lives in
# a temporary directory that is removed at the end.  Exit 0 only if both
# messages arrived.
#
# OUTBOX=/path/to/binary uses that binary and skips the build (for
# example OUTBOX=/usr/bin/msmtp: msmtp reads the same configuration).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PY=/usr/bin/python3

step() { printf '\n==> %s\n' "$*"; }

step "installing what is missing (scripts/deps.sh)"
scripts/deps.sh demo
if test -z "${OUTBOX:-}"; then
	step "building (scripts/build.sh)"
	scripts/build.sh
	OUTBOX=$top/outbox
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/outbox-demo.XXXXXX")
pid=
# shellcheck disable=SC2317
cleanup() {
	if test -n "$pid"; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

step "making a test CA and a certificate for localhost/127.0.0.1 (certtool)"
sh tests/lib/gencerts.sh "$tmp/certs"
echo "CA: $tmp/certs/ca.pem"

step "starting the smarthost (aiosmtpd: STARTTLS and implicit TLS, AUTH required)"
user=demo@example.org
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
SMARTHOST_PASSWORD=$password "$PY" tests/lib/smarthost.py \
    --maildir "$tmp/mail" --port-file "$tmp/port" \
    --tls-port-file "$tmp/tlsport" \
    --cert "$tmp/certs/server.pem" --key "$tmp/certs/server-key.pem" \
    --require-starttls --user "$user" --auth-required &
pid=$!
for _ in $(seq 100); do
	test -s "$tmp/port" && test -s "$tmp/tlsport" && break
	kill -0 "$pid" 2>/dev/null || { echo "demo: smarthost failed" >&2; exit 1; }
	sleep 0.1
done
port=$(cat "$tmp/port")
tlsport=$(cat "$tmp/tlsport")
echo "smarthost PID $pid: STARTTLS on 127.0.0.1:$port," \
    "implicit TLS on 127.0.0.1:$tlsport"

step "writing the configuration (mode 0600)"
# Keep the demo's spool in its temporary directory (msmtp has no queue).
queue_line="queue_dir $tmp/queue"
case $(basename "$OUTBOX") in
msmtp*) queue_line= ;;
esac
(
	umask 077
	cat >"$tmp/outbox.conf" <<EOF
# outbox demo configuration (msmtp syntax)
defaults
tls on
tls_trust_file $tmp/certs/ca.pem
auth plain
user $user
password $password
from $user
${queue_line}

# submission, port 587 style: plain connection, then STARTTLS
account submission
host 127.0.0.1
port $port
tls_starttls on

# submissions, port 465 style: TLS from the first byte
account implicit
host 127.0.0.1
port $tlsport
tls_starttls off

account default : submission
EOF
)
sed "s/^password .*/password ********/" "$tmp/outbox.conf"

send() {
	label=$1
	shift
	step "sending over $label: $(basename "$OUTBOX") -C outbox.conf${*:+ $*} -v -t"
	rc=0
	"$OUTBOX" -C "$tmp/outbox.conf" "$@" -v -t <<EOF || rc=$?
From: Demo Sender <$user>
To: Demo Recipient <rcpt@example.net>
Subject: Hello from outbox over $label

This message went through a local smarthost over $label,
authenticated with AUTH PLAIN.
EOF
	echo "exit code: $rc"
	return 0
}

send STARTTLS
send "implicit TLS" --account implicit

step "what the smarthost received"
arrived=0
for f in "$tmp"/mail/*.eml; do
	test -e "$f" || continue
	arrived=$((arrived + 1))
	meta=${f%.eml}.json
	echo "--- message $(basename "${f%.eml}") ---"
	"$PY" - "$meta" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
tls = m["tls"]
auth = m["auth"]
print("envelope: MAIL FROM:<%s> RCPT TO:%s" % (m["mail_from"],
      " ".join("<%s>" % r for r in m["rcpt_tos"])))
print("session:  %s listener, %s, AUTH %s as %s, %d bytes" % (
      m["listener"], "%s %s" % (tls["version"], tls["cipher"]) if tls
      else "no TLS", auth["mechanism"] if auth["used"] else "not used",
      auth["login"], m["size"]))
print()
EOF
	tr -d '\r' <"$f"
done

echo
if test "$arrived" -ge 2; then
	echo "demo: OK, $arrived messages arrived"
	exit 0
fi
echo "demo: FAILED, $arrived of 2 messages arrived" >&2
exit 1
