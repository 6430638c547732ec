#!/bin/bash
# queue-owner.sh -- a queue another user can write to is never trusted:
# the queue directory and its tmp/, queue/, failed/ must belong to the
# user running outbox and be writable by no one else (else exit 73,
# naming the directory), and an envelope owned by someone else, or
# writable by group or others, is never sent nor listed.
#
# Needs root and useradd(8): the test makes a second, system user (no
# home) and removes it on exit.  Without them it prints a skip line and
# exits 77.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

if test "$(id -u)" != 0; then
	echo "skip - queue-owner.sh: needs root (to make a second user)"
	finish
	exit 77
fi
if ! command -v useradd >/dev/null 2>&1 ||
    ! command -v userdel >/dev/null 2>&1; then
	echo "skip - queue-owner.sh: useradd/userdel not found"
	finish
	exit 77
fi

OTHER=outbox-t-$$
OTHER_MADE=no
owner_cleanup() {
	test $OTHER_MADE = yes && userdel "$OTHER" 2>/dev/null
	lib_cleanup
}
trap owner_cleanup EXIT
useradd -M -r -s /usr/sbin/nologin "$OTHER" || {
	echo "queue-owner.sh: useradd $OTHER failed" >&2
	exit 99
}
OTHER_MADE=yes
OTHER_UID=$(id -u "$OTHER")

Q=$T_DIR/q
IN=$T_DIR/in
DOWN=$(closed_port)
start_smarthost up || exit 99
conf() {	# conf PORT
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $1
tls off
from sender@example.org
queue_dir $Q
timeout 5
EOC
}
eml() { ls "$T_DIR/up.mail" 2>/dev/null | grep -c '\.eml$'; }
# queue_one RCPT: a fresh entry in queue/ (the server is down), due now;
# its id in $ID.
queue_one() {
	printf 'From: sender@example.org\nTo: %s\nSubject: own\n\nhi\n' \
	    "$1" >"$IN"
	conf "$DOWN"
	before=$(ls "$Q/queue" 2>/dev/null | grep -v '\.env$')
	run_outbox "$IN" -C "$T_DIR/c" "$1"
	ID=$(ls "$Q/queue" | grep -v '\.env$' | grep -vxF "$before" | head -1)
	sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$ID.env"
	conf "$SH_PORT"
}
# refused NAME DIR-WORDS: -q, mailq and a send exit 73 naming the
# directory, and nothing reaches the server.
refused() {
	before=$(eml)
	run_outbox /dev/null -C "$T_DIR/c" -q
	expect "$1: -q exits 73" 73 "^outbox: queue directory $2: refusing to use it$"
	check "$1: one line on stderr" test "$(wc -l <"$T_ERR")" = 1
	run_outbox /dev/null -C "$T_DIR/c" --list
	expect "$1: mailq exits 73" 73 "queue directory $2"
	run_outbox "$IN" -C "$T_DIR/c" bob@example.org
	expect "$1: a send exits 73" 73 "queue directory $2"
	check "$1: nothing was sent" test "$(eml)" = "$before"
}

# --- (e) the normal queue works: 0700, ours ----------------------------------
queue_one bob@example.org
check "a new queue is 0700 throughout" test "$(stat -c %a "$Q" "$Q/tmp" "$Q/queue" "$Q/failed" | sort -u)" = 700
run_outbox /dev/null -C "$T_DIR/c" -q
expect "a 0700 queue of ours: -q works" 0
check "... and delivers" test "$(eml)" = 1

# --- (a) a queue directory writable by everyone -------------------------------
queue_one bob@example.org
chmod 1777 "$Q"
refused "mode 1777" "$Q is writable by others \(mode 1777\)"
check "the planted entry is still there, unsent" test -e "$Q/queue/$ID.env"
chmod 0703 "$Q"
refused "mode 0703" "$Q is writable by others \(mode 0703\)"
chmod 0700 "$Q"
run_outbox /dev/null -C "$T_DIR/c" -q
check "once 0700 again, the entry goes" test "$(eml)" = 2

# --- (d) a queue directory writable by its group ------------------------------
queue_one bob@example.org
chmod 0770 "$Q"
refused "mode 0770" "$Q is writable by its group \(mode 0770\)"
chmod 0700 "$Q"
chmod 2730 "$Q/failed"
refused "failed/ mode 2730" "$Q/failed is writable by its group \(mode 2730\)"
chmod 0700 "$Q/failed"

# --- (b) a directory owned by another user ------------------------------------
chown "$OTHER" "$Q"
refused "queue dir owned by $OTHER" "$Q is owned by uid $OTHER_UID, not 0"
chown 0 "$Q"
for sub in tmp queue failed; do
	chown "$OTHER" "$Q/$sub"
	refused "$sub/ owned by $OTHER" "$Q/$sub is owned by uid $OTHER_UID, not 0"
	chown 0 "$Q/$sub"
done
run_outbox /dev/null -C "$T_DIR/c" -q
check "all ours again: the entry goes" test "$(eml)" = 3

# A symlink in place of the queue directory itself is not followed.
mv "$Q" "$T_DIR/real"
ln -s "$T_DIR/real" "$Q"
run_outbox /dev/null -C "$T_DIR/c" -q
expect "a symlinked queue directory is refused" 73
rm "$Q"
mv "$T_DIR/real" "$Q"

# --- (c) an envelope another user could have written -------------------------
# sent_to: the recipients of the messages that arrived after $before.
sent_to() {
	"$PY" -c 'import json, sys
for n in range(int(sys.argv[2]) + 1, int(sys.argv[3]) + 1):
    for r in json.load(open("%s/%d.json" % (sys.argv[1], n)))["rcpt_tos"]:
        print(r)' "$T_DIR/up.mail" "$before" "$(eml)" | sort | tr '\n' ' '
}
# bad_entry CASE HOW...: a good entry and a bad one (HOW run on the bad
# one's envelope path); -q sends only the good one, mailq lists only it,
# and the bad one stays where it was.
bad_entry() {
	case_=$1
	shift
	queue_one good@example.org
	good=$ID
	queue_one evil@example.org
	bad=$ID
	"$@" "$Q/queue/$bad.env"
	run_outbox /dev/null -C "$T_DIR/c" --list
	check "$case_: mailq lists the good entry" grep -q "^$good " "$T_OUT"
	check "$case_: ... and not the bad one" ! grep -q -e "^$bad " -e evil "$T_OUT"
	before=$(eml)
	run_outbox /dev/null -C "$T_DIR/c" -q
	expect "$case_: -q exits 0" 0
	check "$case_: -q says which entry it will not send, and why" \
	    grep -q "^outbox: warning: queue $bad: not sent: envelope $Q/queue/$bad.env " "$T_ERR"
	check "$case_: only the good entry was sent" test "$(sent_to)" = "good@example.org "
	run_outbox /dev/null -C "$T_DIR/c" --flush "$bad"
	expect "$case_: --flush ID exits 66" 66 "no queue entry $bad"
	check "$case_: the bad one is left where it was" test -e "$Q/queue/$bad"
	before=$(eml)
	run_outbox /dev/null -C "$T_DIR/c" --flush "$bad"
	check "$case_: --flush ID does not send it either" test "$(eml)" = "$before"
	run_outbox /dev/null -C "$T_DIR/c" --drop "$bad"
	expect "$case_: --drop removes it" 0
	check "$case_: ... gone" test ! -e "$Q/queue/$bad.env"
}
bad_entry "envelope owned by $OTHER" chown "$OTHER"
bad_entry "envelope mode 0602" chmod 0602
bad_entry "envelope mode 0620" chmod 0620
fifo() { rm "$1" && mkfifo -m 600 "$1"; }
bad_entry "envelope is a FIFO" fifo

# The same in tmp/: an interrupted entry with a foreign envelope.
queue_one evil@example.org
mv "$Q/queue/$ID" "$Q/queue/$ID.env" "$Q/tmp/"
chown "$OTHER" "$Q/tmp/$ID.env"
before=$(eml)
run_outbox /dev/null -C "$T_DIR/c" -q
check "tmp/: a foreign envelope is not sent" test "$(eml)" = "$before"
check "tmp/: ... and is left alone" test -e "$Q/tmp/$ID"
finish
