#!/bin/bash
# tls.sh -- TLS against a real server (aiosmtpd): --serverinfo, SHA-256
# pinning, tls_certcheck off, client-side refusals.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

CERTS=$T_DIR/certs
lib_certs "$CERTS" >/dev/null || { echo "cannot make certificates"; exit 99; }
start_smarthost tls --cert "$CERTS/server.pem" --key "$CERTS/server-key.pem" \
    --tls-port-file "$T_DIR/tls.tport" --user joe --password 'pw-Secret1' ||
    exit 99
lib_wait_file "$T_DIR/tls.tport" || exit 99
TPORT=$(cat "$T_DIR/tls.tport")
IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: t\n\nhello\n' >"$IN"
conf() {
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
tls_trust_file $CERTS/ca.pem
from sender@example.org
queue_dir $T_DIR/q
timeout 5
$1
EOC
}
fp=$(certtool --fingerprint --hash sha256 --infile "$CERTS/server.pem" |
    tr a-f A-F | sed 's/../&:/g; s/:$//')

# --- --serverinfo --------------------------------------------------------------
conf ""
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "--serverinfo over STARTTLS" 0
check "shows the greeting" grep -q '^Greeting: smarthost.test' "$T_OUT"
check "shows capabilities before STARTTLS" grep -q '^Capabilities before STARTTLS:' "$T_OUT"
check "shows the TLS version" grep -Eq '^TLS: TLS1\.[23], cipher ' "$T_OUT"
check "shows the certificate subject" grep -q 'Subject: CN=localhost' "$T_OUT"
check "shows the issuer" grep -Eq 'Issuer: .*CN=[^,]+' "$T_OUT"
check "shows the validity" grep -Eq 'Valid until: 20[0-9]{2}-' "$T_OUT"
check "shows the SHA-256 fingerprint" grep -q "SHA-256 fingerprint: $fp\$" "$T_OUT"
check "shows the auth mechanisms after TLS" grep -q '^Authentication mechanisms: LOGIN PLAIN' "$T_OUT"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo --port "$TPORT" --tls implicit
expect "--serverinfo over implicit TLS" 0
check "implicit: no pre-TLS capabilities" ! grep -q 'before STARTTLS' "$T_OUT"

# --- pinning -------------------------------------------------------------------
conf "tls_fingerprint $fp
tls_trust_file $CERTS/other-ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t
expect "a matching pin delivers even without a trusted CA" 0
conf "tls_fingerprint $(wrong_pin "$fp")"
run_outbox "$IN" -C "$T_DIR/c" -t
expect "a wrong pin is refused" 77 "fingerprint does not match"
conf "tls_fingerprint AB:CD"
run_outbox "$IN" -C "$T_DIR/c" -t
expect "a malformed pin is refused" 77 "not a SHA-256 fingerprint"

# --- certificate checks ------------------------------------------------------------
conf "tls_trust_file $CERTS/other-ca.pem"
before=$(ls "$T_DIR/tls.mail" | grep -c eml)
run_outbox "$IN" -C "$T_DIR/c" -t
expect "untrusted CA" 77 "certificate verification failed"
check "nothing was delivered" test "$(ls "$T_DIR/tls.mail" | grep -c eml)" = "$before"
conf "tls_certcheck off
tls_trust_file $CERTS/other-ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t
expect "tls_certcheck off delivers" 0
check "... with a warning" grep -q "warning: tls_certcheck is off" "$T_ERR"
conf "host localhost"
mkconf "$T_DIR/c" <<EOC
host localhost
port $SH_PORT
tls_trust_file $CERTS/ca.pem
from sender@example.org
EOC
run_outbox "$IN" -C "$T_DIR/c" -t
expect "host name checked against the certificate (localhost)" 0

# --- errors that say what to do next ---------------------------------------------
# elapsed CMD...: run_outbox CMD, $T_SECS the whole seconds it took.
elapsed() {
	_t0=$(date +%s)
	run_outbox "$@"
	T_SECS=$(($(date +%s) - _t0))
}
queued() { test "$(ls "$T_DIR/q/queue" 2>/dev/null | grep -c '\.env$')" = "$1"; }
# STARTTLS (or plain SMTP) to a port of implicit TLS: the server waits in
# silence for the ClientHello.  Not the whole timeout (10 s) but a second
# connection, at 3 s, finds out that it speaks TLS.  The three cases
# below wait those 3 s each: they run at the same time (each with its
# own configuration, queue and output), and are checked one by one.
# started TAG CMD...: elapsed, in the background; its results are
# $T_DIR/TAG.{out,err,rc,secs}.
started() {
	_tag=$1
	shift
	(
		T_OUT=$T_DIR/$_tag.out T_ERR=$T_DIR/$_tag.err
		elapsed "$@"
		echo "$T_RC" >"$T_DIR/$_tag.rc"
		echo "$T_SECS" >"$T_DIR/$_tag.secs"
	) &
	STARTED="${STARTED-} $!"
}
# finished TAG: T_OUT, T_ERR, T_RC and T_SECS of the started TAG.
finished() {
	T_OUT=$T_DIR/$1.out T_ERR=$T_DIR/$1.err
	T_RC=$(cat "$T_DIR/$1.rc") T_SECS=$(cat "$T_DIR/$1.secs")
}
# confq FILE QUEUE EXTRA: conf EXTRA, as FILE with queue_dir QUEUE
confq() {
	conf "$3"
	sed "s|^queue_dir .*|queue_dir $2|" "$T_DIR/c" | mkconf "$1"
}
rm -rf "$T_DIR/q"
confq "$T_DIR/c1" "$T_DIR/q" "tls_starttls on
port $TPORT
timeout 10"
confq "$T_DIR/c2" "$T_DIR/q2" "tls off
port $TPORT
timeout 10"
confq "$T_DIR/c3" "$T_DIR/q3" "timeout 10"
started w1 "$IN" -C "$T_DIR/c1" -t
started w2 "$IN" -C "$T_DIR/c2" -t --no-queue
started w3 "$IN" -C "$T_DIR/c3" -t --tls starttls --port "$TPORT" -v
# shellcheck disable=SC2086
wait $STARTED
finished w1
expect "STARTTLS to an implicit-TLS port: 76" 76
one_line "... one line that says to set tls_starttls off" \
    "^outbox: server greeting of 127\.0\.0\.1 port $TPORT: none after 3 s: the server expects TLS from the first byte \(implicit TLS, as on port 465\): set tls_starttls off, or use --tls implicit \(kept in the queue as [0-9a-f.]+, next attempt in 60 s\)\$"
check "... without waiting for the timeout (took ${T_SECS} s)" test "$T_SECS" -lt 8
check "... the message is kept in the queue" queued 1
finished w2
expect "plain SMTP to an implicit-TLS port: 76" 76 \
    ": set tls on and tls_starttls off, or use --tls implicit \(kept in failed/"
check "... without waiting for the timeout (took ${T_SECS} s)" test "$T_SECS" -lt 8
finished w3
expect "-v says what it does meanwhile" 76
check "... no greeting, a second connection" grep -q '^-- no greeting after 3 s: asking port [0-9]* for TLS on a second connection$' "$T_ERR"
check "... which answers in TLS" grep -q '^-- it answers in TLS$' "$T_ERR"
T_OUT=$T_DIR/stdout T_ERR=$T_DIR/stderr
# Implicit TLS to a port that greets in plain text: a STARTTLS port.
conf "tls_starttls off
timeout 10"
elapsed "$IN" -C "$T_DIR/c" -t --no-queue
expect "implicit TLS to a plain-SMTP port: 76" 76
one_line "... one line that says to set tls_starttls on" \
    "^outbox: TLS with 127\.0\.0\.1 port $SH_PORT: the server answered in plain text, not TLS: it expects STARTTLS \(as on port 587\): set tls_starttls on, or use --tls starttls \(kept in failed/ as [0-9a-f.]+\)\$"
check "... at once (took ${T_SECS} s)" test "$T_SECS" -lt 3
# A certificate that the system store does not trust (no tls_trust_file):
# which one it is, and the two ways forward.
mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
from sender@example.org
queue_dir $T_DIR/q
timeout 5
EOC
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a certificate not trusted: 77" 77
one_line "... one line: subject, issuer, tls_trust_file, tls_fingerprint" \
    "^outbox: STARTTLS: certificate verification failed: .*NOT trusted.* Subject: CN=localhost,O=outbox tests; issuer: CN=outbox scenarios test CA,O=outbox tests; to trust it, set tls_trust_file to the certificate of the CA that signed it, or pin this certificate by its SHA-256 fingerprint: tls_fingerprint $fp \(kept in failed/"
pin=$(sed -n 's/.*: tls_fingerprint \([0-9A-F:]*\) .*/\1/p' "$T_ERR")
printf 'tls_fingerprint %s\n' "$pin" >>"$T_DIR/c"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "... the pin it shows delivers" 0
mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
from sender@example.org
queue_dir $T_DIR/q
tls_trust_file $CERTS/ca.pem
EOC
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "... and so does the CA file it asks for" 0

# --- -v: the TLS session, and each failed address or host ---------------------
conf ""
run_outbox "$IN" -C "$T_DIR/c" -t -v
expect "-v over STARTTLS" 0
check "... notes version, cipher and certificate" grep -Eq '^-- TLS1\.[23], cipher [A-Z0-9-]+, certificate CN=localhost,O=outbox tests, issuer CN=outbox scenarios test CA,O=outbox tests$' "$T_ERR"
check "... after STARTTLS, before the EHLO that follows" sh -c "grep -v '^-- trust: ' '$T_ERR' | grep -A1 '^S: 220 ' | tail -n 1 | grep -q '^-- TLS1'"
run_outbox "$IN" -C "$T_DIR/c" -t -v --tls implicit --port "$TPORT"
expect "-v over implicit TLS" 0
check "... notes the TLS session before the greeting" sh -c "grep -v '^-- trust: ' '$T_ERR' | grep -B1 '^S: 220' | head -n 1 | grep -q '^-- TLS1.*, certificate CN=localhost'"
conf "tls_fingerprint $fp"
run_outbox "$IN" -C "$T_DIR/c" -t -v
check "... a pinned certificate says so" grep -q '^-- TLS1.*, certificate CN=localhost.* (pinned)$' "$T_ERR"
conf "host 127.0.0.2 127.0.0.1"
run_outbox "$IN" -C "$T_DIR/c" -t -v
expect "-v: the first host refused, the second delivers" 0
check "... says why the first failed, and which host is next" grep -qx "\-\- connect to 127\.0\.0\.2 port $SH_PORT: Connection refused; trying the next host, 127\.0\.0\.1" "$T_ERR"
if test $T_NS = yes; then
	# Two addresses for one name, neither listening on the port: each
	# but the last is noted with its reason.
	printf '127.0.0.1 localhost\n127.0.0.2 two.example\n127.0.0.3 two.example\n' \
	    >"$T_DIR/hosts2"
	printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"
	conf "host two.example"
	T_RC=0
	t_ns 'mount --bind "$T_DIR/hosts2" /etc/hosts &&
	    mount --bind "$T_DIR/nsswitch.conf" /etc/nsswitch.conf' \
	    "$OUTBOX" -C "$T_DIR/c" -t -v --no-queue <"$IN" >"$T_OUT" 2>"$T_ERR" ||
	    T_RC=$?
	expect "-v: a name with two addresses, both refused: 75" 75
	check "... the first address is noted with its reason" test "$(grep -Ec "^-- 127\.0\.0\.[23] port $SH_PORT: Connection refused; trying the next address\$" "$T_ERR")" = 1
	check "... before the second is tried" sh -c "grep -A1 'trying the next address' '$T_ERR' | grep -q '^-- connecting to 127\.0\.0\.[23] port'"
else
	echo "skip - a name with two addresses (needs root and unshare)"
fi

# --- tls_priorities ---------------------------------------------------------------
conf "tls_priorities NORMAL:-VERS-ALL:+VERS-TLS1.2"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "tls_priorities limits the protocol" 0
check "... to TLS 1.2" grep -q '^TLS: TLS1.2,' "$T_OUT"
conf "tls_priorities NOT-A-PRIORITY"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "an invalid tls_priorities is a configuration error" 78 "tls_priorities: .* \\(kept in failed/ as [0-9a-f.]+\\)\$"

# --- IDN host names: A-labels for DNS (from a private /etc/hosts) ----------------
if test $T_NS = yes; then
	printf '127.0.0.1 localhost\n127.0.0.1 xn--bcher-kva.example\n' \
	    >"$T_DIR/hosts"
	printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"
	mkconf "$T_DIR/c" <<EOC
host bücher.example
port $SH_PORT
tls_fingerprint $fp
from sender@example.org
timeout 5
EOC
	T_RC=0
	t_ns 'mount --bind "$T_DIR/hosts" /etc/hosts &&
	    mount --bind "$T_DIR/nsswitch.conf" /etc/nsswitch.conf' \
	    "$OUTBOX" -C "$T_DIR/c" -t -v <"$IN" >"$T_OUT" 2>"$T_ERR" ||
	    T_RC=$?
	expect "a U-label host name is looked up as its A-label" 0
	check "... and the connection went to it" grep -q 'connecting to 127.0.0.1' "$T_ERR"
else
	echo "skip - IDN host names (needs root and unshare)"
fi

# --- passwords in clear ---------------------------------------------------------------
# The smarthost offers AUTH only after STARTTLS unless told otherwise.
lib_stop_all
start_smarthost clear --user joe --password 'pw-Secret1' \
    --auth-allow-plaintext || exit 99
mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
tls off
user joe
password pw-Secret1
from sender@example.org
EOC
run_outbox "$IN" -C "$T_DIR/c" -t -v
expect "PLAIN in clear to a loopback peer is allowed" 0
check "the password is not in the transcript" ! grep -q 'pw-Secret1' "$T_ERR"
check "the PLAIN blob is not in the transcript" ! grep -q "$(printf '\0joe\0pw-Secret1' | base64)" "$T_ERR"
check "the transcript shows the mechanism" grep -q '^C: AUTH PLAIN \*\*\*\*$' "$T_ERR"
finish
