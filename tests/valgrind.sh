#!/bin/bash
# tests/valgrind.sh -- valgrind (memcheck) over every unit test binary and
# over outbox's main send path: sendmail mode through STARTTLS + AUTH
# PLAIN, composer mode with an attachment through implicit TLS + AUTH
# LOGIN, a wrong password, a server that is down (the message is
# queued), and `outbox -q` delivering the queue -- against aiosmtpd
# (tests/lib/smarthost.py).  Each run must exit as it does without
# valgrind and valgrind must report no error and no definite leak
# (--error-exitcode, --errors-for-leak-kinds=definite).
#
# Part of make check-slow (valgrind makes it slow).  The unit tests are
# the check_PROGRAMS that make check-slow builds ($UNIT_TESTS, relative
# to the build directory of $OUTBOX; default: every tests/unit/test_*
# program there).  Without valgrind, aiosmtpd or certtool: "skip: REASON"
# and exit 77 -- a failure when CI is set.  The last line is
# "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

need_outbox
need "Debian: valgrind" valgrind
need_aiosmtpd
need "Debian: gnutls-bin" certtool

private_home
builddir=$(cd "$(dirname "$OUTBOX")" && pwd)

VG_RC=99
# vg LOG CMD...: CMD under memcheck; its output as it is, valgrind's in LOG
vg() {
	_log=$1
	shift
	valgrind -q --error-exitcode=$VG_RC --log-file="$_log" \
	    --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --track-origins=yes \
	    --child-silent-after-fork=yes "$@"
}

# vg_clean NAME LOG: valgrind said nothing (no error, no definite leak)
vg_clean() {
	if test -s "$2"; then
		fail "$1: valgrind is clean" "$(head -n 40 "$2")"
	else
		pass "$1: valgrind is clean"
	fi
}

# --- the check itself can fail: a definite leak and a bad read are caught ----
if command -v cc >/dev/null 2>&1; then
	printf '%s\n' '#include <stdlib.h>' \
	    'int main(int c, char **v) { char *p = malloc(16); (void)v;' \
	    ' if (c > 1) return p[20] == 1; p = NULL; return 0; }' \
	    >"$T_DIR/leak.c"
	if cc -g -O0 -o "$T_DIR/leak" "$T_DIR/leak.c" 2>"$T_DIR/leak.err"; then
		rc=0
		vg "$T_DIR/vg.leak" "$T_DIR/leak" || rc=$?
		check "valgrind check catches a definite leak" \
		    test $rc = $VG_RC -a -s "$T_DIR/vg.leak"
		rc=0
		vg "$T_DIR/vg.leak2" "$T_DIR/leak" x || rc=$?
		check "valgrind check catches a read out of bounds" \
		    grep -q 'Invalid read' "$T_DIR/vg.leak2"
	fi
fi

# --- every unit test binary --------------------------------------------------
if test -z "${UNIT_TESTS:-}"; then
	UNIT_TESTS=$(cd "$builddir" && ls tests/unit/test_* 2>/dev/null |
	    grep -v '\.[a-z]*$')
fi
test -n "$UNIT_TESTS" || fail "unit test binaries found in $builddir/tests/unit" \
    "(make check-slow builds them; by hand: make check TESTS=)"
# As many at a time as there are CPUs; reported in order.
# OUTBOX_TEST_VALGRIND: a unit test may run a part of a table that takes
# minutes under valgrind (test_msg's read boundaries); make check runs
# all of it.
jobs=$(nproc 2>/dev/null || echo 2)
running=0
for u in $UNIT_TESTS; do
	name=$(basename "$u")
	test -x "$builddir/$u" || continue
	(
		rc=0
		cd "$builddir" &&
		    OUTBOX_TEST_VALGRIND=1 vg "$T_DIR/vg.$name" "./$u" \
		    >"$T_DIR/out.$name" 2>&1 || rc=$?
		echo "$rc" >"$T_DIR/rc.$name"
	) &
	running=$((running + 1))
	if test "$running" -ge "$jobs"; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for u in $UNIT_TESTS; do
	name=$(basename "$u")
	if ! test -x "$builddir/$u"; then
		fail "$name: built" "no $builddir/$u"
		continue
	fi
	rc=$(cat "$T_DIR/rc.$name" 2>/dev/null || echo "none")
	if test "$rc" = 0; then
		pass "$name: passes under valgrind"
	else
		fail "$name: passes under valgrind (exit $rc)" \
		    "$(tail -n 15 "$T_DIR/out.$name")"
	fi
	vg_clean "$name" "$T_DIR/vg.$name"
done

# --- the main send path ------------------------------------------------------
make_certs "$T_DIR/certs"
USER_NAME=vg-user
PW='Pw-4vG9-memcheck'
export SMARTHOST_PASSWORD=$PW
mkdir -p "$T_DIR/sh.mail"
lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" --maildir "$T_DIR/sh.mail" \
    --port-file "$T_DIR/sh.port" --tls-port-file "$T_DIR/sh.tlsport" \
    --cert "$T_DIR/certs/server.pem" --key "$T_DIR/certs/server-key.pem" \
    --require-starttls --user "$USER_NAME" --auth-required \
    --timeout 120 2>"$T_DIR/sh.err"
lib_wait_file "$T_DIR/sh.port" && lib_wait_file "$T_DIR/sh.tlsport" || {
	fail "smarthost started" "$(cat "$T_DIR/sh.err")"
	finish
	exit 1
}
unset SMARTHOST_PASSWORD
SUBMIT=$(cat "$T_DIR/sh.port")
SMTPS=$(cat "$T_DIR/sh.tlsport")

# conf FILE PORT STARTTLS AUTH PASSWORD
conf() {
	printf '%s\n' "account default" "host 127.0.0.1" "port $2" "tls on" \
	    "tls_starttls $3" "tls_trust_file $T_DIR/certs/ca.pem" \
	    "user $USER_NAME" "password $5" "auth $4" \
	    "from sender@example.org" "timeout 60" \
	    "queue_dir $T_DIR/queue" | mkconf "$1"
}

# vg_outbox NAME WANT-EXIT STDIN ARG...: outbox under valgrind
vg_outbox() {
	_n=$1 _want=$2 _in=$3
	shift 3
	_log=$T_DIR/vg.$(echo "$_n" | tr -c 'A-Za-z0-9\n' '_')
	T_RC=0
	t_ns true valgrind -q --error-exitcode=$VG_RC --log-file="$_log" \
	    --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --track-origins=yes \
	    --child-silent-after-fork=yes "$OUTBOX" "$@" <"$_in" \
	    >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	expect "$_n: exit $_want under valgrind" "$_want"
	vg_clean "$_n" "$_log"
}

# delivered N: the smarthost stored N messages
delivered() {
	test "$(ls "$T_DIR/sh.mail" | grep -c '\.eml$')" = "$1"
}

printf 'From: Sender <sender@example.org>\nTo: bob@example.org\nSubject: vg\n\nHello \303\274\n.\n..dots\n' \
    >"$T_DIR/msg"
conf "$T_DIR/conf.starttls" "$SUBMIT" on plain "$PW"
vg_outbox "send, STARTTLS + AUTH PLAIN" 0 "$T_DIR/msg" \
    -C "$T_DIR/conf.starttls" -i -t
check "send, STARTTLS + AUTH PLAIN: delivered" delivered 1

head -c 300000 /dev/urandom >"$T_DIR/att.bin"
conf "$T_DIR/conf.smtps" "$SMTPS" off login "$PW"
vg_outbox "composer, implicit TLS + AUTH LOGIN" 0 "$T_DIR/msg" \
    -C "$T_DIR/conf.smtps" -s "vg composer" -a "$T_DIR/att.bin" \
    bob@example.org
check "composer, implicit TLS + AUTH LOGIN: delivered" delivered 2

conf "$T_DIR/conf.wrong" "$SUBMIT" on plain 'Wrong-Pw-1'
vg_outbox "wrong password" 77 "$T_DIR/msg" -C "$T_DIR/conf.wrong" -i -t
check "wrong password: nothing delivered" delivered 2
# (the message is kept in the queue, for when the password is fixed)
queued() { test "$(ls "$T_DIR/queue/queue" | grep -vc '\.env$')" = "$1"; }
check "wrong password: the message is kept in the queue" queued 1

# A server that is down: queued (exit 0); then -q with the server back
# delivers both queued messages.
conf "$T_DIR/conf.flush" "$(closed_port)" on plain "$PW"
vg_outbox "server down: queued" 0 "$T_DIR/msg" -C "$T_DIR/conf.flush" -i -t
check "server down: queued" queued 2
conf "$T_DIR/conf.flush" "$SUBMIT" on plain "$PW"
vg_outbox "outbox -q" 0 /dev/null -C "$T_DIR/conf.flush" -q
check "outbox -q: delivered both" delivered 4
check "outbox -q: the queue is empty" test -z "$(ls "$T_DIR/queue/queue")"

finish
