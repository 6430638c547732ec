#!/bin/bash
# safety.sh -- what the red-team pass of issue 9 found, seen from outside:
# parameters smuggled in a domain literal, -a/--body on a FIFO or a
# device, and the cost of a header with a huge recipient list.  Every
# case is a --dry-run (no network) or fails before any connection.
#
# Exit: 0 all passed, 1 a case failed.  The last line is
# "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

CONF=$T_DIR/conf
mkconf "$CONF" <<EOC
account default
host 127.0.0.1
queue_dir $T_DIR/queue
tls off
domain test.example
from sender@example.org
EOC
IN=$T_DIR/in
printf 'Subject: s\n\nbody\n' >"$IN"
D() { run_outbox "$IN" -C "$CONF" --dry-run "$@"; }

# --- domain literals carry no SMTP parameters ------------------------------
EVIL='x@[1.2.3.4> NOTIFY=SUCCESS ORCPT=rfc822;a]'
no_params() { ! grep -Eq 'NOTIFY=|ORCPT=' "$T_OUT"; }
D "$EVIL"
expect "literal with parameters as a recipient: 64" 64 \
    "invalid recipient 'x@\[1\.2\.3\.4> NOTIFY=SUCCESS ORCPT=rfc822;a\]'"
check "... and nothing like NOTIFY= reaches the output" no_params
D -f "$EVIL" bob@example.org
expect "literal with parameters as -f: 64" 64 \
    "invalid sender address 'x@\[1\.2\.3\.4> NOTIFY=SUCCESS ORCPT=rfc822;a\]'"
check "... and nothing like NOTIFY= reaches the output" no_params
D -f "<$EVIL>" bob@example.org
expect "the same in <> as -f: 64" 64 "invalid sender address 'x@\["
check "... and nothing like NOTIFY= reaches the output" no_params
printf 'To: %s\nSubject: s\n\nbody\n' "$EVIL" >"$T_DIR/evil.eml"
run_outbox "$T_DIR/evil.eml" -C "$CONF" --dry-run -t
expect "literal with parameters in a -t header: 65" 65 \
    "invalid address in the To header"
check "... and nothing like NOTIFY= reaches the output" no_params
D 'a@[192.0.2.1]' 'b@[IPv6:2001:db8::1]'
expect "good address literals are taken" 0
check "... and sent as they are" grep -q '^RCPT TO:<b@\[IPv6:2001:db8::1\]>$' \
    "$T_OUT"

# --- -a, --body and --html take regular files only, without blocking ------
mkfifo "$T_DIR/fifo"
# special WHAT FILE ARGS...: outbox refuses FILE (exit 66, named) at once
special() {
	what=$1 file=$2
	shift 2
	start=$(date +%s)
	T_RC=0
	timeout 10 "$OUTBOX" -C "$CONF" --dry-run -s subj "$@" bob@example.org \
	    </dev/null >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	expect "$what: exit 66 naming it" 66 "'$file': not a regular file"
	check "... at once" test $(( $(date +%s) - start )) -lt 5
	check "... and nothing is printed" test ! -s "$T_OUT"
}
special "-a on a FIFO" "$T_DIR/fifo" -a "$T_DIR/fifo"
special "--body on a FIFO" "$T_DIR/fifo" --body "$T_DIR/fifo"
special "--html on a FIFO" "$T_DIR/fifo" --html "$T_DIR/fifo"
special "-a on a device" /dev/zero -a /dev/zero
special "--body on a device" /dev/null --body /dev/null
special "--html on a device" /dev/null --html /dev/null
printf 'attached\n' >"$T_DIR/file.txt"
T_RC=0
printf 'body from a pipe\n' | "$OUTBOX" -C "$CONF" --dry-run -s subj \
    -a "$T_DIR/file.txt" bob@example.org >"$T_OUT" 2>"$T_ERR" || T_RC=$?
expect "a regular file attached, the body on a pipe: fine" 0
check "... the body is there" grep -q '^body from a pipe' "$T_OUT"
check "... and the attachment" grep -q 'filename="\?file.txt' "$T_OUT"

# --- a huge recipient list costs little and stops at the limit -----------
# 95,000 addresses in To: (under the 1 MiB header bound): de-duplication
# was quadratic and the limit checked only at the end (14 s of CPU).
"$PY" -c 'import sys
def b36(n):
	s = ""
	while True:
		s = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36] + s
		n //= 36
		if n == 0:
			return s
a = ["%s@e.x" % b36(i) for i in range(95000)]
lines = [",".join(a[i:i + 80]) for i in range(0, len(a), 80)]
sys.stdout.write("From: a@example.org\nTo: " + ",\n ".join(lines) +
    "\nSubject: many\n\nbody\n")' >"$T_DIR/many.eml"
TIMEFORMAT='%3U %3S'
T_RC=0
{ time timeout 60 "$OUTBOX" -C "$CONF" --dry-run -t <"$T_DIR/many.eml" \
    >"$T_OUT" 2>"$T_ERR" || T_RC=$?; } 2>"$T_DIR/cpu"
cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T_DIR/cpu")
expect "95,000 addresses in To: with -t: 64" 64 "too many recipients"
check "... in under 5 s of CPU (took ${cpu} ms)" test "$cpu" -lt 5000
check "... and no RCPT is printed" ! grep -q '^RCPT' "$T_OUT"

finish
