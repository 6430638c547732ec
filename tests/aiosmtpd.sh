#!/bin/bash
# tests/aiosmtpd.sh -- outbox against a real SMTP server: aiosmtpd
# (tests/lib/smarthost.py) over STARTTLS and implicit TLS, with AUTH PLAIN
# and LOGIN; messages compared byte for byte with what the server received.
#
# Environment: OUTBOX (the binary under test; make check sets it),
# srcdir (the source tree; default: this script's tree).
# OUTBOX=/usr/bin/msmtp runs the same cases against msmtp, to check the
# harness: outbox-only expectations (SIZE=, BODY=8BITMIME, the exact
# stderr and -v formats of doc/HACKING) are then not asserted.
# KEEP_TMP=1 keeps the work directory.
#
# Exit: 0 all passed, 1 a case failed, 77 (skip) when aiosmtpd or certtool
# is missing and CI is not set.  The last line is "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(cd "$here/.." && pwd)}
OUTBOX=${OUTBOX:-$srcdir/outbox}
. "$srcdir/tests/lib/private-spool.sh"
PY=/usr/bin/python3
SMARTHOST=$srcdir/tests/lib/smarthost.py
MKCERTS=$srcdir/tests/lib/gencerts.sh

passed=0
failed=0
n=0
pids=
tmp=

skip_or_fail() {
	echo "aiosmtpd.sh: $*" >&2
	if test -n "${CI:-}"; then
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "aiosmtpd.sh: skipped (run scripts/deps.sh)" >&2
	exit 77
}

test -x "$OUTBOX" || { echo "aiosmtpd.sh: no binary at $OUTBOX" >&2;
	echo "0 passed, 1 failed"; exit 1; }
$PY -c 'import aiosmtpd' 2>/dev/null ||
    skip_or_fail "$PY cannot import aiosmtpd (Debian: python3-aiosmtpd)"
command -v certtool >/dev/null 2>&1 ||
    skip_or_fail "certtool not found (Debian: gnutls-bin)"

case $(basename "$OUTBOX") in
msmtp*) strict=no ;;
*) strict=yes ;;
esac

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=
	if test -n "$tmp"; then
		if test -n "${KEEP_TMP:-}"; then
			echo "aiosmtpd.sh: work directory kept: $tmp" >&2
		else
			rm -rf "$tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

bail() {
	echo "aiosmtpd.sh: $*" >&2
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/outbox-aiosmtpd.XXXXXX") ||
    bail "mktemp failed"
"$MKCERTS" "$tmp/certs" || bail "certificate generation failed"
certs=$tmp/certs

USER_NAME=tester@example.org
PASSWORD='s3cret pass-word'

# start_smarthost NAME ARGS... -- start one smarthost.py in the background
# (its mail in $tmp/NAME.mail, stderr in $tmp/NAME.err); its PID is added to
# $pids.  wait_ports FILE... waits for the port files.
start_smarthost() {
	name=$1
	shift
	SMARTHOST_PASSWORD=$PASSWORD "$PY" "$SMARTHOST" \
	    --maildir "$tmp/$name.mail" --user "$USER_NAME" --auth-required \
	    "$@" 2>"$tmp/$name.err" &
	pids="$pids $!"
}

wait_ports() {
	i=0
	for f in "$@"; do
		while ! test -s "$f"; do
			i=$((i + 1))
			if test $i -gt 600; then
				cat "$tmp"/*.err >&2
				bail "smarthost did not start ($f)"
			fi
			sleep 0.05
		done
	done
}

start_smarthost main --cert "$certs/server.pem" --key "$certs/server-key.pem" \
    --require-starttls --port-file "$tmp/main.port" \
    --tls-port-file "$tmp/main.tlsport"
# (main without --log, which logs every line of DATA: the 10 MiB message
# would take seconds; wrong's log shows whether AUTH was sent)
start_smarthost wrong --cert "$certs/wrongname.pem" \
    --key "$certs/wrongname-key.pem" --require-starttls \
    --port-file "$tmp/wrong.port" --log "$tmp/wrong.log"
wait_ports "$tmp/main.port" "$tmp/main.tlsport" "$tmp/wrong.port"
port=$(cat "$tmp/main.port")
tlsport=$(cat "$tmp/main.tlsport")
wrongport=$(cat "$tmp/wrong.port")
mkdir -p "$tmp/main.mail" "$tmp/wrong.mail" "$tmp/queue"

# mkconf FILE [key value]... -- a 0600 config: the common settings, then
# the given ones (later lines win in both outbox and msmtp).
mkconf() {
	f=$1
	shift
	(
		umask 077
		{
			echo "# written by tests/aiosmtpd.sh"
			echo "account default"
			echo "host 127.0.0.1"
			echo "port $port"
			echo "tls on"
			echo "tls_starttls on"
			echo "tls_trust_file $certs/ca.pem"
			echo "auth plain"
			echo "user $USER_NAME"
			echo "password $PASSWORD"
			echo "from sender@example.org"
			echo "timeout 30"
			if test $strict = yes; then
				echo "queue_dir $tmp/queue"
			fi
			while test $# -ge 2; do
				echo "$1 $2"
				shift 2
			done
		} >"$f"
	)
}

mkconf "$tmp/plain.conf"
mkconf "$tmp/login.conf" auth login
mkconf "$tmp/implicit.conf" port "$tlsport" tls_starttls off
mkconf "$tmp/badpass.conf" password 'not the password'
mkconf "$tmp/badca.conf" tls_trust_file "$certs/other-ca.pem"
mkconf "$tmp/badname.conf" port "$wrongport"
mkconf "$tmp/localhost.conf" host localhost

# ---- messages ---------------------------------------------------------------
# NAME.in is what outbox reads (LF line ends), NAME.want what the server
# must receive (CRLF, Bcc removed).

"$PY" - "$tmp" <<'EOF' || bail "cannot write test messages"
import os, sys
d = sys.argv[1]

def write(name, text_in, text_want):
    with open(os.path.join(d, name + ".in"), "wb") as f:
        f.write(text_in)
    with open(os.path.join(d, name + ".want"), "wb") as f:
        f.write(text_want)

def crlf(b):
    return b.replace(b"\n", b"\r\n")

head = (b"From: Sender Person <sender@example.org>\n"
        b"To: Rcpt One <rcpt1@example.net>, rcpt2@example.net\n"
        b"Cc: cc@example.net\n")
bcc = b"Bcc: hidden@example.net\n"
rest = (b"Subject: aiosmtpd round trip\n"
        b"Date: Mon, 02 Jan 2006 15:04:05 +0000\n"
        b"Message-ID: <aiosmtpd-test-1@example.org>\n"
        b"\n"
        b"Hello,\n"
        b"\n"
        b".a line starting with a dot\n"
        b"..two dots\n"
        b"trailing spaces   \n"
        b"\ttab\n"
        b"last line\n")
write("basic", head + bcc + rest, crlf(head + rest))

# 8-bit body, no MIME headers: sent unchanged, announced as 8BITMIME.
eight = (b"From: sender@example.org\n"
         b"To: rcpt1@example.net\n"
         b"Subject: 8bit\n"
         b"Date: Mon, 02 Jan 2006 15:04:05 +0000\n"
         b"Message-ID: <aiosmtpd-test-8@example.org>\n"
         b"\n"
         + "Grüße aus Köln, ½ € ✓\n".encode() )
write("eightbit", eight, crlf(eight))

# Without Date and Message-ID: the client adds them.
nodate = (b"From: sender@example.org\n"
          b"To: rcpt1@example.net\n"
          b"Subject: no date\n"
          b"\n"
          b"body\n")
write("nodate", nodate, crlf(nodate))

# More than 10 MiB, lines of varied length, some starting with dots.
hdr = (b"From: sender@example.org\n"
       b"To: rcpt1@example.net\n"
       b"Subject: big\n"
       b"Date: Mon, 02 Jan 2006 15:04:05 +0000\n"
       b"Message-ID: <aiosmtpd-test-big@example.org>\n"
       b"\n")
lines = []
size = len(hdr)
i = 0
alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
ring = alphabet * 5   # ring[j:j + n] is alphabet[(j + k) % 64], k < n
while size < 10 * 1024 * 1024 + 12345:
    n = 1 + (i * 7919) % 200
    line = ring[i % 64:i % 64 + n]
    if i % 97 == 0:
        line = b"." + line
    if i % 389 == 0:
        line = b".."
    lines.append(line + b"\n")
    size += n + 1
    i += 1
body = b"".join(lines)
write("big", hdr + body, crlf(hdr + body))
EOF

# ---- helpers ----------------------------------------------------------------

# run_outbox CONF MSG [ARGS...] -- run the client, stdin from $tmp/MSG.in;
# sets $rc, stderr in $tmp/err, stdout in $tmp/out.
run_outbox() {
	conf=$1
	msg=$2
	shift 2
	timeout 120 "$OUTBOX" -C "$tmp/$conf.conf" "$@" \
	    <"$tmp/$msg.in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# count MAILDIR -- number of messages received there
count() {
	set -- "$1"/*.eml
	if test -e "$1"; then echo $#; else echo 0; fi
}

# last MAILDIR -- path without extension of the newest message
last() {
	echo "$1/$(count "$1")"
}

diag() {
	sed 's/^/#   /' >&2
}

why=
fail_because() {
	why="$why$*
"
}

# expect_rc WANT -- compare $rc
expect_rc() {
	if test "$rc" != "$1"; then
		fail_because "exit code $rc, expected $1; stderr:"
		why="$why$(head -c 2000 "$tmp/err")
"
		return 1
	fi
	return 0
}

# expect_new MAILDIR BEFORE -- exactly one new message arrived
expect_new() {
	now=$(count "$1")
	if test "$now" != $(($2 + 1)); then
		fail_because "expected one new message in $(basename "$1"), have $((now - $2))"
		return 1
	fi
	return 0
}

# expect_none MAILDIR BEFORE -- nothing arrived
expect_none() {
	now=$(count "$1")
	if test "$now" != "$2"; then
		fail_because "expected no message, $((now - $2)) arrived"
		return 1
	fi
	return 0
}

# expect_same WANT GOT -- byte for byte
expect_same() {
	if ! cmp -s "$1" "$2"; then
		fail_because "received message differs from $(basename "$1"):"
		why="$why$(cmp "$1" "$2" 2>&1)
$(diff <(head -c 4000 "$1" | od -c | head -20) \
      <(head -c 4000 "$2" | od -c | head -20) | head -20)
"
		return 1
	fi
	return 0
}

# expect_meta JSON CHECK... -- checks on the envelope/session record:
#   key=value (dotted keys; lists compare as sorted comma-joined strings),
#   key~substring (a list containing an item, or a string containing)
expect_meta() {
	out=$("$PY" - "$@" <<'EOF'
import json, re, sys
meta = json.load(open(sys.argv[1]))
def get(key):
    v = meta
    for k in key.split("."):
        v = v.get(k) if isinstance(v, dict) else None
    return v
def show(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(sorted(str(x) for x in v))
    return "null" if v is None else str(v)
bad = 0
for check in sys.argv[2:]:
    k, op, want = re.match(r"([\w.]+)([=~])(.*)$", check, re.S).groups()
    if op == "=":
        if show(get(k)) != want:
            print("%s is %r, expected %r" % (k, show(get(k)), want))
            bad = 1
    else:
        v = get(k)
        items = v if isinstance(v, list) else [show(v)]
        if not any(want in str(x) for x in items):
            print("%s is %r, expected it to contain %r" % (k, v, want))
            bad = 1
sys.exit(bad)
EOF
)
	st=$?
	if test $st != 0; then
		fail_because "$out"
		return 1
	fi
	return 0
}

# expect_no_secret -- neither the password nor the base64 forms of the
# credentials (PLAIN blob, LOGIN's) appear on stdout or stderr
expect_no_secret() {
	st=0
	for s in "$PASSWORD" \
	    "$(printf '%s' "$PASSWORD" | base64 -w0)" \
	    "$(printf '\0%s\0%s' "$USER_NAME" "$PASSWORD" | base64 -w0)"; do
		for f in "$tmp/out" "$tmp/err"; do
			if grep -qF -- "$s" "$f"; then
				fail_because "secret '$s' appears on std$(basename "$f")"
				st=1
			fi
		done
	done
	return $st
}

# expect_one_line PATTERN -- stderr is exactly one line matching the ERE
expect_one_line() {
	lines=$(wc -l <"$tmp/err")
	if test "$lines" != 1 || ! grep -qE -- "$1" "$tmp/err"; then
		fail_because "stderr should be one line matching /$1/, is:"
		why="$why$(head -c 2000 "$tmp/err")
"
		return 1
	fi
	return 0
}

# t NAME FUNCTION -- run one case
t() {
	n=$((n + 1))
	why=
	if "$2"; then
		passed=$((passed + 1))
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		printf '%s' "$why" | diag
	fi
}

M=$tmp/main.mail

# ---- cases ------------------------------------------------------------------

case_starttls_plain() {
	before=$(count "$M")
	run_outbox plain basic -t -v
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_same "$tmp/basic.want" "$got.eml" &&
	    expect_meta "$got.json" listener=starttls auth.used=true \
		auth.mechanism=PLAIN "auth.login=$USER_NAME" tls.version~TLS \
		mail_from=sender@example.org \
		rcpt_tos=cc@example.net,hidden@example.net,rcpt1@example.net,rcpt2@example.net &&
	    expect_no_secret || return 1
	if test $strict = yes; then
		grep -qx 'C: AUTH PLAIN \*\*\*\*' "$tmp/err" || {
			fail_because "-v transcript lacks 'C: AUTH PLAIN ****'"
			return 1
		}
		grep -q '^C: MAIL FROM:<sender@example.org>' "$tmp/err" || {
			fail_because "-v transcript lacks 'C: MAIL FROM:<sender@example.org>'"
			return 1
		}
	fi
}

case_bcc() {
	# part of the first send: Bcc header gone, Bcc address in RCPT
	got=$(last "$M")
	! grep -qi '^bcc:' "$got.eml" || { fail_because "Bcc header arrived"; return 1; }
	expect_meta "$got.json" rcpt_tos~hidden@example.net
}

case_starttls_login() {
	before=$(count "$M")
	run_outbox login basic -t -v
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_same "$tmp/basic.want" "$got.eml" &&
	    expect_meta "$got.json" listener=starttls auth.used=true \
		auth.mechanism=LOGIN tls.version~TLS &&
	    expect_no_secret || return 1
	if test $strict = yes; then
		if ! grep -qx 'C: AUTH LOGIN' "$tmp/err" ||
		    test "$(grep -cx 'C: \*\*\*\*' "$tmp/err")" != 2; then
			fail_because "-v transcript should show 'C: AUTH LOGIN' and two 'C: ****'"
			return 1
		fi
	fi
}

case_implicit() {
	before=$(count "$M")
	run_outbox implicit basic -t
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_same "$tmp/basic.want" "$got.eml" &&
	    expect_meta "$got.json" listener=implicit auth.used=true \
		auth.mechanism=PLAIN tls.version~TLS
}

case_size_param() {
	before=$(count "$M")
	run_outbox plain nodate -t
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_meta "$got.json" "mail_options~SIZE=$(wc -c <"$got.eml")"
}

case_added_headers() {
	# the message of the previous case: Date and Message-ID added once
	got=$(last "$M")
	for h in Date Message-ID; do
		c=$(grep -ci "^$h:" "$got.eml")
		test "$c" = 1 || { fail_because "$c $h headers"; return 1; }
	done
	grep -viE '^(date|message-id):' "$got.eml" >"$tmp/stripped"
	expect_same "$tmp/nodate.want" "$tmp/stripped"
}

case_eightbit() {
	before=$(count "$M")
	run_outbox plain eightbit -t
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_same "$tmp/eightbit.want" "$got.eml" &&
	    expect_meta "$got.json" mail_options~BODY=8BITMIME
}

case_big() {
	before=$(count "$M")
	run_outbox plain big -t
	expect_rc 0 && expect_new "$M" "$before" || return 1
	got=$(last "$M")
	expect_same "$tmp/big.want" "$got.eml"
}

case_localhost() {
	before=$(count "$M")
	run_outbox localhost basic -t
	expect_rc 0 && expect_new "$M" "$before" || return 1
	expect_same "$tmp/basic.want" "$(last "$M").eml"
}

case_bad_password() {
	before=$(count "$M")
	run_outbox badpass basic -t
	expect_rc 77 && expect_none "$M" "$before" || return 1
	if test $strict = yes; then
		expect_one_line '^outbox: AUTH PLAIN: refused: 535 5\.7\.8 Authentication credentials invalid \(kept in the queue as [0-9a-f.]+, next attempt in 60 s\)$'
	fi
}

case_bad_password_v() {
	before=$(count "$M")
	run_outbox badpass basic -t -v
	expect_rc 77 && expect_none "$M" "$before" || return 1
	PASSWORD='not the password' expect_no_secret
}

case_bad_ca() {
	before=$(count "$M")
	run_outbox badca basic -t
	expect_rc 77 && expect_none "$M" "$before" || return 1
	if test $strict = yes; then
		expect_one_line '^outbox: '
	fi
}

case_bad_name() {
	before=$(count "$tmp/wrong.mail")
	run_outbox badname basic -t
	expect_rc 77 && expect_none "$tmp/wrong.mail" "$before" || return 1
	if test $strict = yes; then
		expect_one_line '^outbox: '
	fi
	if grep -q ">> b'AUTH" "$tmp/wrong.log"; then
		fail_because "client sent AUTH to an unverified server"
		return 1
	fi
}

t "STARTTLS + AUTH PLAIN, -t: arrives byte for byte (-v, no secrets)" case_starttls_plain
t "Bcc header removed, Bcc address in the envelope" case_bcc
t "STARTTLS + AUTH LOGIN: arrives byte for byte (-v, no secrets)" case_starttls_login
t "implicit TLS (tls_starttls off) + AUTH PLAIN: arrives byte for byte" case_implicit
if test $strict = yes; then
	t "MAIL FROM carries SIZE=<exact CRLF size>" case_size_param
else
	run_outbox plain nodate -t
fi
t "missing Date and Message-ID are added, once each" case_added_headers
if test $strict = yes; then
	t "8-bit body: BODY=8BITMIME, arrives unchanged" case_eightbit
fi
t "message over 10 MiB arrives byte for byte" case_big
t "host localhost: certificate name matches, arrives" case_localhost
t "wrong password: exit 77, nothing sent" case_bad_password
t "wrong password with -v: no secret in the transcript" case_bad_password_v
t "untrusted CA: exit 77, nothing sent" case_bad_ca
t "certificate for another name: exit 77, no AUTH, nothing sent" case_bad_name

echo "$passed passed, $failed failed"
test "$failed" = 0
