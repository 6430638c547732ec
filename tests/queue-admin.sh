#!/bin/bash
# queue-admin.sh -- administering the queue: which entries -q, -q --due,
# -q30m and --flush attempt; the flush after a successful send; mailq's
# failed/ section; --flush of a failed/ entry; unknown ids; the
# configuration file an entry remembers; one log line per queue attempt;
# overrides that must not leak into the flush; AUTH 535 on a first send;
# --json for a queued message.
#
# Deliveries are counted on real servers (tests/lib/smarthost.py, one
# N.eml per accepted message), each message with its own Subject, so a
# check says which message went where.  Refusals come from the scripted
# server tests/smtpd.py.  Everything lives in the suite's temp dir:
# every -C configuration has its own queue_dir, except in part 5, which
# needs the default queue location (XDG_STATE_HOME in the temp dir; as
# root, /var/spool/outbox bind-mounted from the temp dir by t_ns).
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

# Keep outbox away from the real home: no ~/.config/outbox/config, no
# ~/.msmtprc.
export HOME="$T_DIR/home"
export XDG_CONFIG_HOME="$HOME/.config"
mkdir -p "$HOME"

Q=$T_DIR/q
SMTPD=$srcdir/tests/smtpd.py
DOWN=$(closed_port)

# conf FILE PORT [extra lines]: a configuration for 127.0.0.1:PORT with
# the suite's queue_dir (unless the extra lines say "noqueuedir").
conf() {
	_f=$1 _p=$2 _x=${3-}
	_qd="queue_dir $Q"
	case $_x in
	noqueuedir*) _qd="" _x=${_x#noqueuedir} ;;
	esac
	mkconf "$_f" <<EOC
host 127.0.0.1
port $_p
tls off
domain test.example
from sender@example.org
timeout 5
$_qd
$_x
EOC
}
C=$T_DIR/c

# mkmsg SUBJECT: a message file with that subject (and a unique
# Message-ID); prints its name.
mkmsg() {
	printf 'From: sender@example.org\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s@qa.example>\n\nbody of %s\n' \
	    "$1" "$1" "$1" >"$T_DIR/msg.$1"
	echo "$T_DIR/msg.$1"
}
# submit SUBJECT ARGS...: send a new message with that subject.
submit() {
	_s=$1
	shift
	run_outbox "$(mkmsg "$_s")" "$@" bob@example.org
}
# got MAILDIR SUBJECT: how many messages with that subject arrived at
# smarthost MAILDIR.
got() {
	_n=0
	for _f in "$T_DIR/$1.mail"/*.eml; do
		test -e "$_f" || continue
		if grep -aq "^Subject: $2"$'\r'"\$" "$_f"; then
			_n=$((_n + 1))
		fi
	done
	echo $_n
}
neml() { ls "$T_DIR/$1.mail" 2>/dev/null | grep -c '\.eml$'; }
# id_of FOLDER SUBJECT [QUEUEDIR]: the id of the entry of FOLDER holding
# the message with that subject.
id_of() {
	for _f in "${3:-$Q}/$1"/*; do
		case $_f in *.env | *.tmp) continue ;; esac
		test -f "$_f" || continue
		if grep -aqE "^Subject: $2"$'\r'"?\$" "$_f"; then
			echo "${_f##*/}"
			return 0
		fi
	done
	return 1
}
# has FOLDER ID [QUEUEDIR]: the entry (message and envelope) is there.
has() { test -f "${3:-$Q}/$1/$2" -a -f "${3:-$Q}/$1/$2.env"; }
# nentries FOLDER [QUEUEDIR]: number of envelopes in a folder.
nentries() { ls "${2:-$Q}/$1" 2>/dev/null | grep -c '\.env$'; }
field() { sed -n "s/^$3: //p" "$Q/$1/$2.env"; }
make_due() { sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$1.env"; }
# interrupt ID: make a queued entry look like a send killed mid-way
# (in tmp/, envelope complete, lock free).
interrupt() { mv "$Q/queue/$1" "$Q/queue/$1.env" "$Q/tmp/"; }
# refuse_rcpt NAME TEXT: a server that refuses RCPT with "550 5.1.1 TEXT"
# (one connection; nothing may follow but QUIT).
refuse_rcpt() {
	start_script "$1" <<EOS
> 220 refuse.test ESMTP
< EHLO test.example
> 250-refuse.test
> 250 ENHANCEDSTATUSCODES
< MAIL FROM:<sender@example.org>*
> 250 2.1.0 ok
< RCPT TO:<bob@example.org>*
> 550 5.1.1 $2
< QUIT
> 221 2.0.0 bye
eof
EOS
}

start_smarthost up || exit 99
UP=$SH_PORT

# === 1. which entries -q, -q --due, -q30m and --flush attempt ==============
rm -rf "$Q"
conf "$C" "$DOWN"
for s in due-a due-b due-c; do submit "$s" -C "$C"; done
A=$(id_of queue due-a) B=$(id_of queue due-b) CC=$(id_of queue due-c)
check "setup: three entries queued, none due" test "$(nentries queue)" = 3 -a -n "$A" -a -n "$B" -a -n "$CC"
make_due "$B"
interrupt "$CC"
conf "$C" "$UP"
run_outbox /dev/null -C "$C" -q --due
expect "-q --due: exit 0" 0
check "-q --due sends the due entry" test "$(got up due-b)" = 1
check "-q --due sends the interrupted tmp/ entry" test "$(got up due-c)" = 1
check "-q --due leaves the entry that is not due" test "$(got up due-a)" = 0
check "... it stays in queue/, attempts unchanged" sh -c 'test -f "$1/queue/$2.env" && grep -qx "attempts: 1" "$1/queue/$2.env"' sh "$Q" "$A"
check "... and nothing else is left" test "$(nentries queue)" = 1 -a "$(nentries tmp)" = 0

# -q: every entry, due or not, and interrupted ones.
conf "$C" "$DOWN"
for s in all-g all-h; do submit "$s" -C "$C"; done
G=$(id_of queue all-g)
interrupt "$G"
conf "$C" "$UP"
run_outbox /dev/null -C "$C" -q
expect "-q: exit 0" 0
check "-q sends an entry that is not due" test "$(got up due-a)" = 1
check "-q sends another one that is not due" test "$(got up all-h)" = 1
check "-q sends the interrupted tmp/ entry" test "$(got up all-g)" = 1
check "-q empties queue/ and tmp/" test "$(nentries queue)" = 0 -a "$(nentries tmp)" = 0

# While the server is down, -q counts an attempt on an entry that is not
# due, -q --due does not.
conf "$C" "$DOWN"
submit cnt -C "$C"
ID=$(id_of queue cnt)
run_outbox /dev/null -C "$C" -q --due
check "server down: -q --due does not attempt an entry that is not due" test "$(field queue "$ID" attempts)" = 1
run_outbox /dev/null -C "$C" -q
expect "server down: -q still exits 0" 0
check "server down: -q attempts it (attempts 2)" test "$(field queue "$ID" attempts)" = 2
run_outbox /dev/null -C "$C" --flush
check "server down: --flush without ids attempts it too (attempts 3)" test "$(field queue "$ID" attempts)" = 3
run_outbox /dev/null -C "$C" -q30m
check "server down: -q30m attempts it too (attempts 4)" test "$(field queue "$ID" attempts)" = 4
run_outbox /dev/null -C "$C" --drop "$ID"

# --flush without ids and -q30m deliver entries that are not due.
conf "$C" "$DOWN"
submit fl-d -C "$C"
submit fl-i -C "$C"
interrupt "$(id_of queue fl-i)"
conf "$C" "$UP"
run_outbox /dev/null -C "$C" --flush
expect "--flush (no ids): exit 0" 0
check "--flush (no ids) sends an entry that is not due" test "$(got up fl-d)" = 1
check "--flush (no ids) sends the interrupted tmp/ entry" test "$(got up fl-i)" = 1
conf "$C" "$DOWN"
submit q30-e -C "$C"
submit q30-i -C "$C"
interrupt "$(id_of queue q30-i)"
conf "$C" "$UP"
run_outbox /dev/null -C "$C" -q30m
expect "-q30m: exit 0" 0
check "-q30m sends an entry that is not due, like -q" test "$(got up q30-e)" = 1
check "-q30m sends the interrupted tmp/ entry" test "$(got up q30-i)" = 1
check "nothing is left after them" test "$(nentries queue)" = 0 -a "$(nentries tmp)" = 0

# After a successful send, only the due entries go along.
conf "$C" "$DOWN"
submit after-j -C "$C"
submit after-k -C "$C"
J=$(id_of queue after-j) K=$(id_of queue after-k)
make_due "$K"
conf "$C" "$UP"
submit after-l -C "$C"
expect "a new message is sent: exit 0" 0
check "... it arrives" test "$(got up after-l)" = 1
check "the due entry is delivered after it" test "$(got up after-k)" = 1 -a "$(nentries queue)" -le 1
check "the entry that is not due is not delivered" test "$(got up after-j)" = 0
check "... and stays in queue/ untouched (attempts 1)" sh -c 'has() { test -f "$1/queue/$2" -a -f "$1/queue/$2.env"; }; has "$1" "$2" && grep -qx "attempts: 1" "$1/queue/$2.env"' sh "$Q" "$J"
# An interrupted entry is sent along too (it is due by nature).
interrupt "$J"
submit after-m -C "$C"
check "after a send, an interrupted tmp/ entry is sent along" test "$(got up after-j)" = 1 -a "$(got up after-m)" = 1 -a "$(nentries tmp)" = 0
# With --no-queue nothing else is flushed.
conf "$C" "$DOWN"
submit nq-a -C "$C"
make_due "$(id_of queue nq-a)"
conf "$C" "$UP"
submit nq-b -C "$C" --no-queue
check "--no-queue: a successful send flushes nothing" test "$(got up nq-b)" = 1 -a "$(got up nq-a)" = 0

# === 2. mailq lists failed/ entries in their own section ====================
rm -rf "$Q"
conf "$C" "$DOWN"
submit list-q -C "$C"
QID=$(id_of queue list-q)
refuse_rcpt list-f "no such user here"
conf "$C" "$SC_PORT"
submit list-f -C "$C"
expect "a 550 to RCPT: exit 67" 67 "550 5\\.1\\.1 no such user here \\(kept in failed/ as [0-9a-f.]+\\)$"
script_ok "a 550 to RCPT: the dialogue was as scripted" list-f
FID=$(id_of failed list-f)
check "... the message is in failed/" has failed "$FID"
printf 'Subject: n\0ul\n\nab\n' >"$T_DIR/nul"
run_outbox "$T_DIR/nul" -C "$C" bob@example.org
expect "a NUL byte in the header section: exit 65" 65
NID=$(ls "$Q/failed" | grep -v '\.env$' | grep -vx "$FID" | head -1)
check "... kept in failed/" test -n "$NID"
ln -s "$OUTBOX" "$T_DIR/mailq"
for how in mailq -bp --list; do
	if test $how = mailq; then
		T_RC=0
		"$T_DIR/mailq" -C "$C" </dev/null >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	else
		run_outbox /dev/null -C "$C" $how
	fi
	expect "$how: exit 0" 0
	check "$how lists the queued entry" grep -q "^$QID " "$T_OUT"
	check "$how lists the failed/ entries" sh -c 'grep -q "^$2 " "$1" && grep -q "^$3 " "$1"' sh "$T_OUT" "$FID" "$NID"
	check "$how shows the 550 reason with 'reason:'" grep -Eq "^ +reason: .*550 5\\.1\\.1 no such user here" "$T_OUT"
	check "$how shows the NUL reason" grep -Eq "^ +reason: .*NUL" "$T_OUT"
	check "$how: the queued entry's error is 'last error:'" grep -Eq "^ +last error: connect to 127\\.0\\.0\\.1 port $DOWN" "$T_OUT"
	check "$how: failed/ entries come after the queued one, in a section of their own" awk -v q="$QID" -v f="$FID" -v n="$NID" '
		index($0, q " ") == 1 { lq = NR }
		index($0, f " ") == 1 { lf = NR }
		index($0, n " ") == 1 { ln = NR }
		/^[^ ].*[Ff]ailed/ && !index($0, " bytes ") { h = NR }
		END { exit !(lq && h && lq < h && h < lf && h < ln) }' "$T_OUT"
	check "$how: the queued entry is listed once (not again among the failed)" sh -c 'test "$(grep -c "^$2 " "$1")" = 1' sh "$T_OUT" "$QID"
done
# With no queued entry the failed ones are still listed.
run_outbox /dev/null -C "$C" --drop "$QID"
run_outbox /dev/null -C "$C" --list
check "only failed/ entries: they are listed" sh -c 'grep -q "^$2 " "$1" && grep -Eq "^ +reason: " "$1"' sh "$T_OUT" "$FID"
check "only failed/ entries: the queue is not called empty" sh -c '! grep -q "^Mail queue is empty" "$1"' sh "$T_OUT"

# Control characters in addresses are escaped: a hand-made failed/ entry
# whose sender and recipient hold ESC (a quoted local part).
ESCID=$(printf '%x.4242.0123456789ab' "$(date +%s)")
cp "$Q/failed/$FID" "$Q/failed/$ESCID"
sed -e "s/^from: .*/from: \"a\x1b[31mb\"@example.org/" \
    -e "s/^rcpt: .*/rcpt: \"c\x1b]0;x\x07d\"@example.org/" \
    -e "s/^last-error: .*/last-error: refused: 550 evil\x1b[2J/" \
    "$Q/failed/$FID.env" >"$Q/failed/$ESCID.env"
chmod 600 "$Q/failed/$ESCID" "$Q/failed/$ESCID.env"
run_outbox /dev/null -C "$C" --list
check "escapes: the hand-made entry is listed" grep -q "^$ESCID " "$T_OUT"
check "escapes: no raw control character reaches the output" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' sh "$T_OUT"
check "escapes: the sender's ESC is shown as \\x1B" grep -Eiq 'from: <"a\\x1b\[31mb"@example\.org>' "$T_OUT"
check "escapes: the recipient's ESC and BEL are shown as \\xHH" grep -Eiq 'to: <"c\\x1b\]0;x\\x07d"@example\.org>' "$T_OUT"
check "escapes: the reason's ESC is shown as \\x1B" grep -Eiq 'reason: refused: 550 evil\\x1b\[2J' "$T_OUT"
rm -f "$Q/failed/$ESCID" "$Q/failed/$ESCID.env"

# An entry of failed/ whose envelope cannot be read (sorted before the
# good one) must not break the section: one heading, and a heading only
# when there is something under it.
BAD=6b000000.1.aaaaaaaaaaaa
cp "$Q/failed/$FID" "$Q/failed/$BAD"
echo garbage >"$Q/failed/$BAD.env"
run_outbox /dev/null -C "$C" --list
check "unreadable failed/ envelope: the good entries are still listed" sh -c 'grep -q "^$2 " "$1" && grep -q "^$3 " "$1"' sh "$T_OUT" "$FID" "$NID"
check "unreadable failed/ envelope: the failed section has one heading" test "$(grep -c '^Failed' "$T_OUT")" = 1
mv "$Q/failed/$FID" "$Q/failed/$FID.env" "$Q/failed/$NID" "$Q/failed/$NID.env" "$T_DIR/"
run_outbox /dev/null -C "$C" --list
check "only an unreadable failed/ envelope: no failed heading over nothing" sh -c '! grep -q "^Failed" "$1" || test "$(grep -c "^[0-9a-f]*\.[0-9]*\.[0-9a-f]*  " "$1")" -ge 1' sh "$T_OUT"
mv "$T_DIR/$FID" "$T_DIR/$FID.env" "$T_DIR/$NID" "$T_DIR/$NID.env" "$Q/failed/"
rm -f "$Q/failed/$BAD" "$Q/failed/$BAD.env"

# === 3. --flush ID of a failed/ entry ========================================
# Refused again: stays in failed/ with the new reason, no notice.
refuse_rcpt again "still no such user"
conf "$C" "$SC_PORT"
run_outbox /dev/null -C "$C" --flush "$FID"
script_ok "refused again: one attempt, then QUIT, nothing more (no notice)" again
check "refused again: stays in failed/" has failed "$FID"
check "refused again: the reason is the new one" grep -q '^last-error: .*550 5\.1\.1 still no such user' "$Q/failed/$FID.env"
check "refused again: no notice queued or waiting (queue/ and tmp/ empty)" test "$(nentries queue)" = 0 -a -z "$(ls "$Q/tmp")"
check "refused again: stderr names the entry" grep -q "$FID" "$T_ERR"
check "refused again: the failed/ entry is not doubled" test "$(nentries failed)" = 2
run_outbox /dev/null -C "$C" --list
check "refused again: mailq shows the new reason" grep -Eq "^ +reason: .*still no such user" "$T_OUT"
# Accepted: removed from failed/, delivered once.
conf "$C" "$UP"
before=$(neml up)
run_outbox /dev/null -C "$C" --flush "$FID"
expect "--flush of a failed/ entry: exit 0" 0
check "... it is delivered exactly once" test "$(got up list-f)" = 1 -a $(( $(neml up) - before )) = 1
check "... and removed from failed/ (message and envelope)" test ! -e "$Q/failed/$FID" -a ! -e "$Q/failed/$FID.env"
check "... nothing moves to queue/ or tmp/" test "$(nentries queue)" = 0 -a -z "$(ls "$Q/tmp")"
run_outbox /dev/null -C "$C" --flush "$FID"
expect "a second --flush of it: unknown now (66)" 66
check "... and nothing is sent twice" test "$(got up list-f)" = 1
# -q alone never retries failed/.
run_outbox /dev/null -C "$C" -q
check "-q does not send the failed/ NUL entry" test -f "$Q/failed/$NID" -a "$(neml up)" = $((before + 1))
# --flush of the NUL entry: the message is still bad input; a NUL byte
# must not reach the server on a retry any more than on the first send.
run_outbox /dev/null -C "$C" --flush "$NID"
check "--flush of the failed/ NUL entry: no NUL byte reaches the server" "$PY" -c '
import glob, sys
sys.exit(any(b"\0" in open(f, "rb").read() for f in glob.glob(sys.argv[1] + "/*.eml")))' "$T_DIR/up.mail"
check "--flush of the failed/ NUL entry: it stays in failed/" has failed "$NID"

# A failed/ entry retried while the server is down is not lost, not
# doubled, and nobody is told anything.
conf "$C" "$DOWN"
submit fdown -C "$C" --no-queue
FD=$(id_of failed fdown)
run_outbox /dev/null -C "$C" --flush "$FD"
check "failed/ entry, server down: still kept exactly once" test "$( (ls "$Q/failed" "$Q/queue" "$Q/tmp") | grep -cx "$FD.env")" = 1
check "failed/ entry, server down: no notice queued" test "$(ls "$Q/queue" "$Q/tmp" | grep '\.env$' | grep -cvx "$FD.env")" = 0
# Old: a failed/ entry is not given up again for its age.
for d in failed queue; do
	test -f "$Q/$d/$FD.env" && sed -i 's/^created: .*/created: 1000/' "$Q/$d/$FD.env"
done
conf "$C" "$UP"
run_outbox /dev/null -C "$C" --flush "$FD"
check "failed/ entry older than queue_max_age: --flush ID still delivers it" test "$(got up fdown)" = 1
check "... and it is gone, no notice anywhere" test ! -e "$Q/failed/$FD.env" -a "$(nentries queue)" = 0 -a "$(nentries tmp)" = 0

# --flush ID of an interrupted tmp/ entry sends it.
conf "$C" "$DOWN"
submit tmpid -C "$C"
TI=$(id_of queue tmpid)
interrupt "$TI"
conf "$C" "$UP"
run_outbox /dev/null -C "$C" --flush "$TI"
expect "--flush ID of an interrupted tmp/ entry: exit 0" 0
check "... delivered once, tmp/ empty" test "$(got up tmpid)" = 1 -a "$(nentries tmp)" = 0

# === 4. unknown ids ============================================================
UNK=6b000000.99.abcdefabcdef
run_outbox /dev/null -C "$C" --flush "$UNK"
expect "--flush UNKNOWN: exit 66" 66
one_line "--flush UNKNOWN: one line naming the id" "$UNK"
run_outbox /dev/null -C "$C" --drop "$UNK"
expect "--drop UNKNOWN: exit 66" 66
one_line "--drop UNKNOWN: one line naming the id" "$UNK"
run_outbox /dev/null -C "$C" --flush ../../etc/passwd
expect "--flush of a path: exit 66" 66
one_line "--flush of a path: one line naming it" "no queue entry \\.\\./\\.\\./etc/passwd"
conf "$C" "$DOWN"
submit good1 -C "$C"
submit good2 -C "$C"
G1=$(id_of queue good1) G2=$(id_of queue good2)
conf "$C" "$UP"
run_outbox /dev/null -C "$C" --flush "$G1" "$UNK"
expect "--flush GOOD UNKNOWN: exit 66" 66
check "--flush GOOD UNKNOWN: GOOD is delivered once" test "$(got up good1)" = 1 -a ! -e "$Q/queue/$G1.env"
check "--flush GOOD UNKNOWN: stderr names the unknown id" grep -q "$UNK" "$T_ERR"
check "--flush GOOD UNKNOWN: only GOOD is attempted" test "$(got up good2)" = 0
run_outbox /dev/null -C "$C" --flush "$UNK" "$G2"
expect "--flush UNKNOWN GOOD: exit 66" 66
check "--flush UNKNOWN GOOD: GOOD is delivered once" test "$(got up good2)" = 1 -a ! -e "$Q/queue/$G2.env"

# === 5. an entry remembers its configuration file =============================
# The default queue: what outbox uses without queue_dir.
if test "$(id -u)" = 0; then DQ=$T_DIR/spool/outbox; else DQ=$XDG_STATE_HOME/outbox/queue; fi
if test "$(id -u)" = 0 && test "$T_NS" != yes; then
	echo "skip - remembered configuration: root without unshare would use the real /var/spool/outbox"
else
	start_smarthost other || exit 99
	OTHER=$SH_PORT
	ELSEWHERE=$(closed_port)
	AC=$T_DIR/a.conf BC=$T_DIR/b.conf
	mkdir -p "$XDG_CONFIG_HOME/outbox"
	conf "$AC" "$DOWN" noqueuedir
	submit remember -C "$AC"
	expect "remembered: submitted with -C a.conf, server down: queued" 0 "kept in the queue as"
	RID=$(id_of queue remember "$DQ")
	check "remembered: the entry is in the default queue" test -n "$RID"
	check "remembered: its envelope names a.conf" grep -qx "config: $(realpath "$AC")" "$DQ/queue/$RID.env"
	conf "$AC" "$UP" noqueuedir
	# The user's default configuration points elsewhere (a closed port).
	conf "$XDG_CONFIG_HOME/outbox/config" "$ELSEWHERE" noqueuedir
	run_outbox /dev/null -q
	expect "remembered: outbox -q without -C exits 0" 0
	check "remembered: delivered through a.conf's (fixed) host, once" test "$(got up remember)" = 1
	check "remembered: the default queue is empty" test "$(nentries queue "$DQ")" = 0 -a "$(nentries failed "$DQ")" = 0
	# No default configuration at all.
	conf "$AC" "$DOWN" noqueuedir
	submit remember2 -C "$AC"
	conf "$AC" "$UP" noqueuedir
	rm -f "$XDG_CONFIG_HOME/outbox/config"
	run_outbox /dev/null -q
	expect "remembered, no default configuration: -q exits 0" 0
	check "remembered, no default configuration: delivered through a.conf" test "$(got up remember2)" = 1
	check "remembered, no default configuration: the queue is empty" test "$(nentries queue "$DQ")" = 0
	# --flush ID without -C also uses the remembered file.
	conf "$AC" "$DOWN" noqueuedir
	submit remember3 -C "$AC"
	R3=$(id_of queue remember3 "$DQ")
	conf "$AC" "$UP" noqueuedir
	conf "$XDG_CONFIG_HOME/outbox/config" "$ELSEWHERE" noqueuedir
	run_outbox /dev/null --flush "$R3"
	check "remembered: --flush ID without -C uses a.conf too" test "$(got up remember3)" = 1
	# An explicit -C at flush time wins over the remembered file.
	conf "$AC" "$DOWN" noqueuedir
	submit remember4 -C "$AC"
	conf "$AC" "$UP" noqueuedir
	conf "$BC" "$OTHER" noqueuedir
	run_outbox /dev/null -C "$BC" -q
	expect "remembered: -q -C b.conf exits 0" 0
	check "remembered: -C b.conf at flush time wins (delivered to b.conf's host)" test "$(got other remember4)" = 1
	check "remembered: ... and not to a.conf's" test "$(got up remember4)" = 0
	# The remembered file is gone: the entry waits (deferred), it is not
	# given up, and nobody is notified.
	conf "$AC" "$DOWN" noqueuedir
	submit remember5 -C "$AC"
	R5=$(id_of queue remember5 "$DQ")
	rm -f "$AC"
	before=$(neml up)
	run_outbox /dev/null -q
	expect "remembered file deleted: -q exits 0" 0
	check "remembered file deleted: stderr names the file" grep -q "$AC" "$T_ERR"
	check "remembered file deleted: the entry stays queued" has queue "$R5" "$DQ"
	check "remembered file deleted: not failed, no notice" test "$(nentries failed "$DQ")" = 0 -a "$(nentries queue "$DQ")" = 1 -a "$(neml up)" = "$before"
	rm -f "$DQ/queue/$R5.env" "$DQ/queue/$R5"
	rm -f "$XDG_CONFIG_HOME/outbox/config"
fi

# === 6. one log line per queue attempt ===========================================
rm -rf "$Q"
LOG=$T_DIR/log
conf "$C" "$DOWN" "logfile $LOG"
submit logged -C "$C"
LID=$(id_of queue logged)
n0=$(wc -l <"$LOG" 2>/dev/null || echo 0)
run_outbox /dev/null -C "$C" -q
n1=$(wc -l <"$LOG" 2>/dev/null || echo 0)
check "log: a deferred -q attempt adds one line" test "$n1" = $((n0 + 1))
check "log: ... with queue_id, host and exitcode=EX_TEMPFAIL" sh -c 'tail -n 1 "$1" | grep "queue_id=$2" | grep "host=" | grep -q "exitcode=EX_TEMPFAIL"' sh "$LOG" "$LID"
conf "$C" "$UP" "logfile $LOG"
run_outbox /dev/null -C "$C" -q
n2=$(wc -l <"$LOG" 2>/dev/null || echo 0)
check "log: the successful -q attempt adds one line" test "$n2" = $((n1 + 1))
check "log: ... with queue_id, host=127.0.0.1 and exitcode=EX_OK" sh -c 'tail -n 1 "$1" | grep "queue_id=$2" | grep "host=127\.0\.0\.1" | grep -q "exitcode=EX_OK"' sh "$LOG" "$LID"
check "log: the entry was delivered" test "$(got up logged)" = 1
# A failed/ entry sent again by --flush is logged too.
refuse_rcpt logf "nobody"
conf "$C" "$SC_PORT" "logfile $LOG"
submit logf -C "$C"
script_ok "log: (the refusing server did its dialogue)" logf
LFID=$(id_of failed logf)
conf "$C" "$UP" "logfile $LOG"
n3=$(wc -l <"$LOG")
run_outbox /dev/null -C "$C" --flush "$LFID"
check "log: --flush of a failed/ entry adds one line with its queue_id" sh -c 'test "$(wc -l <"$1")" = $(($3 + 1)) && tail -n 1 "$1" | grep "queue_id=$2" | grep -q "exitcode=EX_OK"' sh "$LOG" "$LFID" "$n3"
# Two entries deferred in one run over one broken connection: a line each.
rm -rf "$Q"
conf "$C" "$DOWN" "logfile $LOG"
submit log2a -C "$C"
submit log2b -C "$C"
L2A=$(id_of queue log2a) L2B=$(id_of queue log2b)
n4=$(wc -l <"$LOG")
run_outbox /dev/null -C "$C" -q
check "log: two deferred entries in one -q: two lines" test "$(wc -l <"$LOG")" = $((n4 + 2))
check "log: ... one with each queue_id" sh -c 'tail -n 2 "$1" | grep -q "queue_id=$2" && tail -n 2 "$1" | grep -q "queue_id=$3"' sh "$LOG" "$L2A" "$L2B"

# === 7. the flush after a send ignores this run's overrides ========================
rm -rf "$Q"
conf "$C" "$DOWN"
submit ovr-a -C "$C"
OA=$(id_of queue ovr-a)
make_due "$OA"
submit ovr-b -C "$C" --host 127.0.0.1 --port "$UP"
expect "overrides: the new message is sent (exit 0)" 0
check "overrides: ... and arrives" test "$(got up ovr-b)" = 1
check "overrides: the due entry is NOT delivered through the override host" test "$(got up ovr-a)" = 0
check "overrides: ... it stays queued" has queue "$OA"
check "overrides: ... attempted through its own host (attempts 2, error names port $DOWN)" sh -c 'grep -qx "attempts: 2" "$1" && grep -q "^last-error: connect to 127\.0\.0\.1 port $2:" "$1"' sh "$Q/queue/$OA.env" "$DOWN"
# The same with an account chosen by -A: the entry of another account keeps its own.
mkconf "$C" <<EOC
defaults
tls off
domain test.example
timeout 5
queue_dir $Q
account down
host 127.0.0.1
port $DOWN
from down@example.org
account up
host 127.0.0.1
port $UP
from up@example.org
account default : down
EOC
rm -rf "$Q"
run_outbox "$(mkmsg acct-a)" -C "$C" -A down bob@example.org
AA=$(id_of queue acct-a)
check "accounts: the entry of account 'down' is queued" test -n "$AA"
make_due "$AA"
run_outbox "$(mkmsg acct-b)" -C "$C" -A up bob@example.org
expect "accounts: a message through account 'up' is sent" 0
check "accounts: the due entry of 'down' is not sent through 'up'" test "$(got up acct-a)" = 0
check "accounts: ... it stays queued" has queue "$AA"
check "accounts: ... attempted through its own account (attempts 2, error names port $DOWN)" sh -c 'grep -qx "attempts: 2" "$1" && grep -q "^last-error: connect to 127\.0\.0\.1 port $2:" "$1"' sh "$Q/queue/$AA.env" "$DOWN"

# === 8. AUTH 535 on a first send ======================================================
start_smarthost auth --user alice --password right-secret --auth-allow-plaintext || exit 99
AUTHP=$SH_PORT
rm -rf "$Q"
conf "$C" "$AUTHP" "user alice
password wrong-secret
auth on"
submit auth-q -C "$C"
expect "535: exit 77" 77
one_line "535: one line ending '(kept in the queue as ID, next attempt in 60 s)'" \
    "535.*\\(kept in the queue as [0-9a-f.]+, next attempt in 60 s\\)\$"
AQ=$(id_of queue auth-q)
check "535: the entry is in queue/" test -n "$AQ" && has queue "$AQ"
check "535: the id on stderr is the queued entry's" grep -q "kept in the queue as $AQ," "$T_ERR"
check "535: the password is not on stderr" sh -c '! grep -q "wrong-secret" "$1"' sh "$T_ERR"
submit auth-nq -C "$C" --no-queue
expect "535 --no-queue: exit 77" 77
one_line "535 --no-queue: one line ending '(kept in failed/ as ID)'" \
    "535.*\\(kept in failed/ as [0-9a-f.]+\\)\$"
AF=$(id_of failed auth-nq)
check "535 --no-queue: the entry is in failed/" test -n "$AF" && has failed "$AF"
check "535 --no-queue: the id on stderr is the failed/ entry's" grep -q "kept in failed/ as $AF)" "$T_ERR"
check "535 --no-queue: nothing in queue/ but the first" test "$(nentries queue)" = 1
# Fixing the password lets -q deliver it.
conf "$C" "$AUTHP" "user alice
password right-secret
auth on"
run_outbox /dev/null -C "$C" -q
check "535: after the fix -q delivers the queued entry" test "$(got auth auth-q)" = 1 -a "$(nentries queue)" = 0

# === 9. --json for a queued first send ======================================================
# json_is FILE STATUS EXIT QUEUEID: one JSON object with those values.
json_is() {
	"$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
if len(lines) != 1:
    sys.exit("expected one line, got %d" % len(lines))
j = json.loads(lines[0])
want = (sys.argv[2], int(sys.argv[3]), sys.argv[4])
got = (j.get("status"), j.get("exit"), j.get("queue_id"))
if got != want:
    sys.exit("got %r, expected %r" % (got, want))' "$@"
}
rm -rf "$Q"
conf "$C" "$DOWN"
submit json-q -C "$C" --json
expect "--json, server down: exit 0" 0
JQ=$(id_of queue json-q)
check "--json, server down: the entry is queued" test -n "$JQ"
chk "--json, server down: status queued, exit 0, queue_id the entry's" json_is "$T_OUT" queued 0 "${JQ:-none}"
conf "$C" "$AUTHP" "user alice
password wrong-secret
auth on"
submit json-auth -C "$C" --json
expect "--json, 535: exit 77" 77
JA=$(id_of queue json-auth)
check "--json, 535: the entry is queued" test -n "$JA"
chk "--json, 535: status queued, exit 77, queue_id the entry's" json_is "$T_OUT" queued 77 "${JA:-none}"
submit json-auth-nq -C "$C" --json --no-queue
JF=$(id_of failed json-auth-nq)
chk "--json, 535 --no-queue: status failed, exit 77, queue_id the failed/ entry's" json_is "$T_OUT" failed 77 "${JF:-none}"

finish
