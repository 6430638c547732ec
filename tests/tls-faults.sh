#!/bin/bash
# tls-faults.sh -- a TLS layer that breaks is a temporary failure, on every
# path: the first send queues the message, a queue run defers it (no
# failed/, no delivery status notification), and the next host of the
# account is tried.  Then a good server gets the message exactly once.
#
# The faults come from the scripted server (tests/smtpd.py): "reset" (a TCP
# RST, no close_notify), "tls-drop" (FIN, no close_notify), "rehandshake" (a
# TLS 1.2 HelloRequest), "starttls drop" (the ClientHello read, then FIN).
# The good server is tests/lib/smarthost.py with STARTTLS.  Everything
# lives in this run's temporary directory: queue_dir, HOME, XDG_*.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

Q=$T_DIR/q
SMTPD=$srcdir/tests/smtpd.py
CERTS=$T_DIR/certs
DOWN=$(closed_port)
export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
mkdir -p "$HOME/.config"
make_certs "$CERTS"

# conf PORT [HOSTS]: STARTTLS to HOSTS (default 127.0.0.1) port PORT.
conf() {
	mkconf "$T_DIR/c" <<EOC
account default
host ${2:-127.0.0.1}
port $1
tls on
tls_starttls on
tls_trust_file $CERTS/ca.pem
domain test.example
from sender@example.org
queue_dir $Q
timeout 5
EOC
}

# The messages.  BIG is larger than what the socket buffers of both ends
# hold (at most about 4 MiB on the sending side here, the server's
# receive window stays small as it stops reading), so that a fault in the
# middle of the data finds outbox still writing it.
SMALL=$T_DIR/small
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: small\n\nhello\n' >"$SMALL"
BIG=$T_DIR/big
{
	printf 'From: sender@example.org\nTo: bob@example.org\nSubject: big\n\n'
	yes 'a line of the body of a message larger than the socket buffers' |
	    head -n 100000
} >"$BIG"

# listing DIR: what $Q/DIR holds, on one line (hidden files last).
listing() {
	_l=
	for _f in "$Q/$1"/* "$Q/$1"/.[!.]*; do
		test -e "$_f" || test -L "$_f" || continue
		_l="$_l ${_f##*/}"
	done
	printf '%s\n' "${_l# }"
}
# count GLOB...: how many of the arguments exist.
count() {
	_n=0
	for _f in "$@"; do
		test -e "$_f" && _n=$((_n + 1))
	done
	echo "$_n"
}
# check_dirs NAME TMP QUEUE FAILED: the exact listings of the three
# folders.
check_dirs() {
	_got="tmp/ [$(listing tmp)] queue/ [$(listing queue)] failed/ [$(listing failed)]"
	_want="tmp/ [$2] queue/ [$3] failed/ [$4]"
	if test "$_got" = "$_want"; then
		pass "$1"
	else
		fail "$1" "got:      $_got" "expected: $_want"
	fi
}
# field ID KEY: a field of the envelope of queue/ID.
field() { sed -n "s/^$2: //p" "$Q/queue/$1.env" 2>/dev/null; }
# queue_one MESSAGE: a fresh queue holding MESSAGE after one refused
# connection (attempts 1), due now; sets ID.
queue_one() {
	rm -rf "$Q"
	conf "$DOWN"
	run_outbox "$1" -C "$T_DIR/c" bob@example.org
	ID=
	for _f in "$Q"/queue/*.env; do
		test -e "$_f" && ID=$(basename "$_f" .env)
	done
	if test -z "$ID" || test "$(field "$ID" attempts)" != 1; then
		echo "cannot queue a message: exit $T_RC, $(cat "$T_ERR")"
		exit 99
	fi
	sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$ID.env"
}

# serve NAME: start smtpd.py with the script $T_DIR/NAME.script; sets
# SV_PORT and SV_PID.
serve() {
	rm -f "$T_DIR/$1.port"
	lib_spawn "$PY" "$SMTPD" --script "$T_DIR/$1.script" \
	    --port-file "$T_DIR/$1.port" --log "$T_DIR/$1.log" \
	    --transcript "$T_DIR/$1.transcript" --certdir "$CERTS" \
	    --timeout 10 --accept-timeout 5 2>"$T_DIR/$1.err"
	SV_PID=$LIB_PID
	lib_wait_file "$T_DIR/$1.port" || {
		echo "smtpd.py did not start"
		cat "$T_DIR/$1.err"
		exit 99
	}
	SV_PORT=$(cat "$T_DIR/$1.port")
}
# served NAME: the server of serve NAME ends by itself and is content:
# the client did what its script says.
served() {
	if lib_wait_exit "$SV_PID" 15 && test "$LIB_STATUS" = 0; then
		pass "$1: the client followed the server's script"
	else
		fail "$1: the client followed the server's script" \
		    "$(grep -h -m1 'MISMATCH\|SCRIPT ERROR\|Traceback' \
		    "$T_DIR/$1.log" "$T_DIR/$1.err" 2>/dev/null ||
		    tail -n 3 "$T_DIR/$1.log")"
		lib_stop "$SV_PID" 2
		lib_forget "$SV_PID"
	fi
}

# The dialogue up to the EHLO after STARTTLS (read, not answered); the
# handshake with "starttls $1".
prelude() {
	printf '%s\n' '> 220 mx.test ESMTP ready' '< EHLO test.example' \
	    '> 250-mx.test hello' '> 250-STARTTLS' \
	    '> 250 ENHANCEDSTATUSCODES' '< STARTTLS' '> 220 2.0.0 ready' \
	    "starttls${1:+ $1}"
	test "$1" = drop || printf '%s\n' '< EHLO test.example'
}
# The answer to that EHLO and the envelope, up to the 354.
envelope() {
	printf '%s\n' '> 250-mx.test hello' '> 250 ENHANCEDSTATUSCODES' \
	    '< MAIL FROM:<sender@example.org>' '> 250 2.1.0 ok' \
	    '< RCPT TO:<bob@example.org>' '> 250 2.1.5 ok' '< DATA' \
	    '> 354 go ahead'
}

# === (a) the first send: a reset in the middle of the data queues ========
rm -rf "$Q"
{
	prelude
	envelope
	printf '%s\n' '< *' '< *' 'reset'
} >"$T_DIR/a.script"
serve a
conf "$SV_PORT"
run_outbox "$BIG" -C "$T_DIR/c" bob@example.org
expect "a: reset under TLS mid-body: exit 0 (queued)" 0
one_line "a: one line: kept in the queue" \
    '^outbox: end of data: .*\(kept in the queue as [A-Za-z0-9._-]+[,)]'
ID=$(sed -n 's/.*(kept in the queue as \([A-Za-z0-9._-]*\)[,)].*/\1/p' "$T_ERR")
check_dirs "a: the entry is in queue/, nothing in failed/ or tmp/" \
    "" "${ID:-ID} ${ID:-ID}.env" ""
check "a: it is the message, from its sender (not a notice)" \
    test "$(field "$ID" from)" = sender@example.org
check "a: one attempt counted" test "$(field "$ID" attempts)" = 1
served a

# === (b) a queue run: each TLS-layer fault defers the entry ================
# (queue_one makes the entry due: -q tries it whether it tries every
# entry or only the due ones)
for fault in tls-drop reset rehandshake; do
	t="b-$fault"
	queue_one "$BIG"
	case $fault in
	tls-drop)	# in the middle of the data, outbox still writing
		{ prelude; envelope; printf '%s\n' '< *' '< *' tls-drop; } ;;
	reset)		# after RCPT
		{ prelude; printf '%s\n' '> 250-mx.test hello' \
		    '> 250 ENHANCEDSTATUSCODES' \
		    '< MAIL FROM:<sender@example.org>' '> 250 2.1.0 ok' \
		    '< RCPT TO:<bob@example.org>' reset; } ;;
	rehandshake)	# instead of the reply to MAIL
		{ prelude tls12; printf '%s\n' '> 250-mx.test hello' \
		    '> 250 ENHANCEDSTATUSCODES' \
		    '< MAIL FROM:<sender@example.org>' rehandshake; } ;;
	esac >"$T_DIR/$t.script"
	serve "$t"
	conf "$SV_PORT"
	run_outbox /dev/null -C "$T_DIR/c" -q
	expect "$t: -q exits 0" 0
	check_dirs "$t: the entry stays in queue/; failed/ and tmp/ empty, no notice" \
	    "" "$ID $ID.env" ""
	check "$t: attempts 2" test "$(field "$ID" attempts)" = 2
	check "$t: the reason is kept" test -n "$(field "$ID" last-error)"
	served "$t"
done

# ... and a good server gets it, exactly once.
mkdir -p "$T_DIR/up.mail"
lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" --maildir "$T_DIR/up.mail" \
    --port-file "$T_DIR/up.port" --cert "$CERTS/server.pem" \
    --key "$CERTS/server-key.pem" 2>"$T_DIR/up.err"
lib_wait_file "$T_DIR/up.port" || {
	echo "smarthost.py did not start"
	cat "$T_DIR/up.err"
	exit 99
}
eml() { count "$T_DIR"/up.mail/*.eml; }
conf "$(cat "$T_DIR/up.port")"
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$ID.env" 2>/dev/null
run_outbox /dev/null -C "$T_DIR/c" -q
expect "b: -q with a good server exits 0" 0
check "b: the server got one message" test "$(eml)" = 1
check "b: ... the whole of it" sh -c "grep -qs '^Subject: big' '$T_DIR/up.mail/1.eml' &&
    test \"\$(grep -cs '^a line of the body' '$T_DIR/up.mail/1.eml')\" = 100000"
check_dirs "b: the queue is empty, failed/ too" "" "" ""
run_outbox /dev/null -C "$T_DIR/c" -q
check "b: a second -q sends nothing" test "$(eml)" = 1

# === (c) failover: the next host is tried =================================
# "port" belongs to the account, so both host names lead to the same
# scripted server: 127.0.0.1 and localhost (which resolves to loopback).
# Its first connection breaks the TLS layer, its second accepts.
for fault in reset rehandshake tls-drop handshake-drop; do
	t="c-$fault"
	rm -rf "$Q"
	{
		case $fault in
		reset | tls-drop) prelude; echo "$fault" ;;
		rehandshake) prelude tls12; echo rehandshake ;;
		handshake-drop) prelude drop ;;
		esac
		echo accept
		prelude
		envelope
		printf '%s\n' data '> 250 2.0.0 queued as 1' '< QUIT' \
		    '> 221 2.0.0 bye' eof
	} >"$T_DIR/$t.script"
	serve "$t"
	conf "$SV_PORT" "127.0.0.1 localhost"
	run_outbox "$SMALL" -C "$T_DIR/c" --no-queue bob@example.org
	expect "$t: delivered through the second host, exit 0" 0
	check "$t: nothing on stderr" test ! -s "$T_ERR"
	served "$t"
	check "$t: two connections, one message" sh -c "
	    grep -qsx '\\\\--- connection 2 ---' '$T_DIR/$t.transcript' &&
	    test \"\$(grep -csx 'DATA' '$T_DIR/$t.transcript')\" = 1"
	check_dirs "$t: nothing left in tmp/, queue/ or failed/" "" "" ""
done
finish
