#!/bin/bash
# tests/terminal.sh -- outbox at a terminal: composer mode's body typed
# there (as mail -s takes it) and the progress line of a large send.
#
# outbox runs as the foreground job of a real pseudo-terminal
# (tests/lib/ptyrun.py), which plays the person typing; messages go to a
# real aiosmtpd server (tests/lib/smarthost.py, 127.0.0.1, port 0).
#
#   - composer mode with a terminal on standard input prints one hint on
#     stderr and reads the body until ^D or a line holding only "."; ^C
#     sends nothing, queues nothing, exits 130 with one line saying so;
#   - no hint and no waiting off a terminal, or with --body;
#   - a password asked for on the terminal comes after the typed body;
#   - a message over 4 MiB sent by composer mode shows a progress line
#     on a terminal's stderr, none with stderr redirected, none in
#     sendmail mode fed by a pipe or a file (-t, -i), none with -v.
#
# Environment: OUTBOX, srcdir (make check sets both), LIB_KEEP=1 keeps
# the work directory.  Exit: 0 all passed, 1 a case failed, 77 (skip)
# when aiosmtpd is missing and CI is not set.  The last line is
# "N passed, N failed".
set -u

. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
need_outbox
need_aiosmtpd

PTY="$PY $srcdir/tests/lib/ptyrun.py --timeout 20"
MAIL=$T_DIR/tb.mail
Q=$T_DIR/queue
HINT="type the message body; end it with Ctrl-D or a line holding only '.'"

start_smarthost tb || exit 1
mkconf "$T_DIR/conf" <<EOC
host 127.0.0.1
port $SH_PORT
tls off
auth off
timeout 20
from joe@example.org
queue_dir $Q
EOC

# at PTYRUN-ARGS... -- OUTBOX-ARGS...: outbox at a terminal; ptyrun's
# report in $T_OUT.
at() {
	T_RC=0
	t_ns true $PTY "$@" >"$T_OUT" 2>&1 || T_RC=$?
}
field() { sed -n "s/^$1: //p" "$T_OUT"; }
# sh_at PTYRUN-ARGS... -- SHELL-COMMAND: the command under sh -c at a
# terminal, for redirections of outbox's own.
sh_at() {
	_c=
	T_RC=0
	for _a; do _c=$_a; done
	set -- "${@:1:$(($# - 1))}"
	t_ns true $PTY "$@" sh -c "$_c" >"$T_OUT" 2>&1 || T_RC=$?
}
count() { ls "$MAIL" | grep -c '\.eml$'; }
last_mail() { ls "${1:-$MAIL}"/*.eml | sort -V | tail -n 1; }
# body_is FILE [MAILDIR]: the last message's body (after the header) is
# FILE's lines, CRLF-ended.
body_is() {
	sed '1,/^\r$/d' "$(last_mail "${2:-}")" >"$T_DIR/got"
	sed 's/$/\r/' "$1" >"$T_DIR/want"
	cmp -s "$T_DIR/want" "$T_DIR/got"
}
queue_empty() {
	test -z "$(find "$Q" -type f 2>/dev/null)"
}

# ---- the body typed at the terminal -------------------------------------------

at --step "$HINT" 'hello there\n.x\n..\n  .\nlast line\n.\n' -- \
    "$OUTBOX" -C "$T_DIR/conf" -s typed bob@example.org
check "composer mode at a terminal hints how to end the body" \
    test "$(field waited)" = yes
check "... one line on the terminal" \
    test "$(grep -o "$HINT" "$T_OUT" | wc -l)" = 1
check "... a line of '.' ends it: sent" test "$(field status)" = 0
printf 'hello there\n.x\n..\n  .\nlast line\n' >"$T_DIR/typed"
check "... the typed lines arrived, other lines with dots as typed" \
    body_is "$T_DIR/typed"
check "... with its subject" grep -q '^Subject: typed' "$(last_mail)"

before=$(count)
at --step "$HINT" 'first\nsecond\n\x04' -- \
    "$OUTBOX" -C "$T_DIR/conf" -s eof bob@example.org
check "^D ends the body: sent" test "$(field status)" = 0
printf 'first\nsecond\n' >"$T_DIR/typed"
check "... as typed" body_is "$T_DIR/typed"
check "... one message" test "$(count)" = $((before + 1))

at --step "$HINT" 'no newline at the end\x04\x04' -- \
    "$OUTBOX" -C "$T_DIR/conf" -s partial bob@example.org
printf 'no newline at the end\n' >"$T_DIR/typed"
check "^D twice after a partial line ends it with that line" sh -c "
    test '$(field status)' = 0" && check "... which arrived" \
    body_is "$T_DIR/typed"

before=$(count)
at --step "$HINT" 'a line\nanother\n' --step 'another' '\x03' -- \
    "$OUTBOX" -C "$T_DIR/conf" -s cancelled bob@example.org
check "^C while typing: exit 130" test "$(field status)" = 130
check "... one line saying so" test "$(grep -c \
    'interrupted while the message was typed: nothing sent, nothing queued' \
    "$T_OUT")" = 1
check "... nothing sent" test "$(count)" = "$before"
check "... nothing queued (queue_dir holds no file)" queue_empty

at --step "$HINT" 'x\n\x03' -- "$OUTBOX" -C "$T_DIR/conf" --json \
    -s cancelled bob@example.org
check "... with --json: 130 too, and the JSON says so" sh -c "
    test '$(field status)' = 130 && grep -q '\"exit\": *130' '$T_OUT'"

sh_at --step '' 'typed with stderr elsewhere\n.\n' -- \
    "exec '$OUTBOX' -C '$T_DIR/conf' -s quiet bob@example.org 2>'$T_DIR/err'"
check "stderr not a terminal: the body is still read from the terminal" \
    test "$(field status)" = 0
printf 'typed with stderr elsewhere\n' >"$T_DIR/typed"
check "... and arrives" body_is "$T_DIR/typed"
check "... but no hint, on the terminal or in the file" sh -c "
    ! grep -q 'type the message body' '$T_OUT' '$T_DIR/err'"

# A password outbox must ask for comes after the body, on the same
# terminal (askpass reads /dev/tty: nothing typed for the body is lost).
start_smarthost pw --user joe --password 'pw-Secret1' \
    --auth-allow-plaintext --auth-required || exit 1
mkconf "$T_DIR/pwconf" <<EOC
host 127.0.0.1
port $SH_PORT
tls off
user joe
from joe@example.org
queue_dir $Q
EOC
at --step "$HINT" 'typed first\n.\n' --step 'Password for joe' 'pw-Secret1\n' \
    -- "$OUTBOX" -C "$T_DIR/pwconf" -s login bob@example.org
check "typed body, then the password asked on the terminal: sent" sh -c "
    test '$(field waited)' = yes && test '$(field status)' = 0"
printf 'typed first\n' >"$T_DIR/typed"
check "... the body as typed" body_is "$T_DIR/typed" "$T_DIR/pw.mail"

printf 'from the file\n' >"$T_DIR/bodyfile"
at -- "$OUTBOX" -C "$T_DIR/conf" -s file --body "$T_DIR/bodyfile" \
    bob@example.org
check "--body at a terminal: no hint, nothing waited for, sent" sh -c "
    test '$(field status)' = 0 && ! grep -q 'type the message' '$T_OUT'"
check "... the file's body" body_is "$T_DIR/bodyfile"

printf 'piped body\n.\nafter the dot\n' >"$T_DIR/piped"
run_outbox "$T_DIR/piped" -C "$T_DIR/conf" -s piped bob@example.org
expect "standard input not a terminal: sent as before" 0
check "... no hint" test ! -s "$T_ERR"
check "... the whole input is the body ('.' ends nothing)" \
    body_is "$T_DIR/piped"

# ---- progress line --------------------------------------------------------------

# A server of its own without --log (which logs every line of DATA), and
# a body of long lines: a few MiB take a fraction of a second.
mkdir -p "$T_DIR/big.mail"
lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" --maildir "$T_DIR/big.mail" \
    --port-file "$T_DIR/big.port" 2>"$T_DIR/big.err"
wait_file "$T_DIR/big.port" || { cat "$T_DIR/big.err"; exit 99; }
sed "s/^port .*/port $(cat "$T_DIR/big.port")/" "$T_DIR/conf" |
    mkconf "$T_DIR/bigconf"
MAIL=$T_DIR/big.mail
# lines N FILE: N/2 MiB of text in lines of 900 octets
lines() {
	head -c $(($1 * 1024 * 1024 / 2)) /dev/zero | tr '\0' 'a' |
	    fold -w 900 >"$2"
}
lines 9 "$T_DIR/big"
BIG="-C $T_DIR/bigconf -s big --body $T_DIR/big bob@example.org"

before=$(count)
at -- "$OUTBOX" $BIG
check "a large composed message, stderr a terminal: sent" sh -c "
    test '$(field status)' = 0 && test \$(ls '$MAIL' | grep -c '\.eml$') \
    = $((before + 1))"
check "... a progress line: octets of the total, rate, time left" \
    grep -Eq 'outbox: sending [0-9.]+ [KM]iB of [0-9.]+ MiB \([0-9]+%\), [^,]+/s, [-:0-9]+ left' \
    "$T_OUT"
check "... rewritten in place (carriage return, no newline)" \
    grep -Eq "\\\\routbox: sending " "$T_OUT"
check "... ended by a last line" \
    grep -Eq 'outbox: sent [0-9.]+ MiB in [0-9.:]+( s)? \([0-9.]+ [KMG]iB/s\)' \
    "$T_OUT"

sh_at -- "exec '$OUTBOX' $BIG 2>'$T_DIR/err'"
check "stderr redirected: sent, no progress line anywhere" sh -c "
    test '$(field status)' = 0 && ! grep -q 'outbox: sen' '$T_OUT' \
    '$T_DIR/err'"

at -- "$OUTBOX" -v $BIG
check "-v (the transcript has stderr): no progress line" sh -c "
    test '$(field status)' = 0 && ! grep -q 'outbox: sen' '$T_OUT'"

# The same size in sendmail mode, as a program calls it: the message on
# a pipe or in a file, stderr still the terminal.
{
	printf 'From: joe@example.org\nTo: bob@example.org\nSubject: big\n\n'
	cat "$T_DIR/big"
} >"$T_DIR/big.eml"
sh_at -- "exec '$OUTBOX' -C '$T_DIR/bigconf' -t -i <'$T_DIR/big.eml'"
check "sendmail mode -t -i from a file: sent, no progress line" sh -c "
    test '$(field status)' = 0 && ! grep -q 'outbox: sen' '$T_OUT'"
sh_at -- "cat '$T_DIR/big.eml' | '$OUTBOX' -C '$T_DIR/bigconf' -i \
    bob@example.org"
check "sendmail mode -i from a pipe: sent, no progress line" sh -c "
    test '$(field status)' = 0 && ! grep -q 'outbox: sen' '$T_OUT'"

lines 7 "$T_DIR/mid"
at -- "$OUTBOX" -C "$T_DIR/bigconf" -s mid --body "$T_DIR/mid" \
    bob@example.org
check "a message under 4 MiB: no progress line" sh -c "
    test '$(field status)' = 0 && ! grep -q 'outbox: sen' '$T_OUT'"

finish
