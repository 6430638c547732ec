#!/bin/bash
# queue.sh -- never lose a message: queue, failed folder, -q, mailq,
# --drop, locking, interrupted sends.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

Q=$T_DIR/q
IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: q\n\nhello\n' >"$IN"
DOWN=$(closed_port)
conf() {	# conf PORT [extra lines]
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $1
tls off
from sender@example.org
queue_dir $Q
timeout 5
${2:-}
EOC
}
count() { ls "$Q/$1" 2>/dev/null | grep -c -v '\.env$'; }
envs() { ls "$Q/$1" 2>/dev/null | grep -c '\.env$'; }
eml() { ls "$T_DIR/$1.mail" 2>/dev/null | grep -c '\.eml$'; }
first_id() { ls "$Q/$1" | grep -v '\.env$' | head -1; }
field() { sed -n "s/^$2: //p" "$Q/queue/$1.env"; }
# older SECONDS: every entry in queue/ was queued SECONDS ago (its
# envelope's created: time), instead of waiting that long.  The first
# expiry below waits for real, so the time outbox writes is proved too.
older() {
	_then=$(( $(date +%s) - $1 ))
	sed -i "s/^created: .*/created: $_then/" "$Q"/queue/*.env
}

# --- a temporary failure queues --------------------------------------------
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
expect "connection refused: queued, exit 0" 0 "Connection refused \(kept in the queue as [0-9a-f.]+, next attempt in 60 s\)"
check "exactly one stderr line" test "$(wc -l <"$T_ERR")" = 1
check "the message is in queue/" test "$(count queue)" = 1
check "with its envelope" test "$(envs queue)" = 1
check "tmp/ is empty" test -z "$(ls "$Q/tmp")"
ID=$(first_id queue)
check "attempts 1" test "$(field "$ID" attempts)" = 1
check "next attempt a minute later" test $(( $(field "$ID" next-attempt) - $(field "$ID" created) )) -ge 59
check "the reason is kept" grep -q "^last-error: connect to 127.0.0.1 port $DOWN: Connection refused" "$Q/queue/$ID.env"
check "files are 0600" test "$(stat -c %a "$Q/queue/$ID")" = 600
check "folders are 0700" test "$(stat -c %a "$Q/queue")" = 700
run_outbox /dev/null -C "$T_DIR/c" --list
expect "mailq works" 0
check "mailq shows the id, sender, recipient, attempts and error" sh -c "grep -q '^$ID  .* attempts 1  next attempt in' '$T_OUT' && grep -q 'from: <sender@example.org>' '$T_OUT' && grep -q 'to: <bob@example.org>' '$T_OUT' && grep -q 'last error: connect to' '$T_OUT'"
ln -s "$OUTBOX" "$T_DIR/mailq"
T_RC=0; "$T_DIR/mailq" -C "$T_DIR/c" >"$T_OUT" 2>"$T_ERR" </dev/null || T_RC=$?
check "called as mailq" grep -q "^$ID " "$T_OUT"

# A second failure doubles the wait.
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
check "--flush ID tries even when not due" test "$(field "$ID" attempts)" = 2
check "backoff doubles" test $(( $(field "$ID" next-attempt) - $(date +%s) )) -ge 110
run_outbox /dev/null -C "$T_DIR/c" -q --due
check "-q --due leaves entries that are not due" test "$(field "$ID" attempts)" = 2
run_outbox /dev/null -C "$T_DIR/c" -q
check "-q attempts every entry, due or not" test "$(field "$ID" attempts)" = 3

# --- the server comes back: -q delivers exactly once ----------------------------
start_smarthost up || exit 99
conf "$SH_PORT"
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
expect "flush delivers" 0
check "the message arrived once" test "$(eml up)" = 1
check "the queue is empty" test "$(count queue)" = 0 -a "$(envs queue)" = 0
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
check "nothing is sent twice" test "$(eml up)" = 1
run_outbox /dev/null -C "$T_DIR/c" --list
check "mailq: empty" grep -q '^Mail queue is empty$' "$T_OUT"
check "the body arrived intact" grep -q '^hello' "$T_DIR/up.mail/1.eml"

# --- after a successful send, the due queue goes too --------------------------
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$ID.env"
conf "$SH_PORT"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
expect "a new message is sent" 0
check "and the due queued one with it" test "$(eml up)" = 3 -a "$(count queue)" = 0

# --- no queue ---------------------------------------------------------------
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" --no-queue bob@example.org
expect "--no-queue: exit 75" 75 "Connection refused \\(kept in failed/ as [0-9a-f.]+\\)$"
check "... and the message is kept in failed/" test "$(count failed)" = 1
conf "$DOWN" "queue off"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
expect "queue off: exit 75" 75
check "... kept in failed/" test "$(count failed)" = 2
check "failed/ entries carry the reason" grep -q '^last-error: connect to' "$Q/failed/$(first_id failed).env"

# --- permanent failures and bad input go to failed/ ----------------------------
rm -rf "$Q"
conf "$SH_PORT"
printf 'Subject: nul\n\na\0b\n' >"$T_DIR/nul"
run_outbox "$T_DIR/nul" -C "$T_DIR/c" bob@example.org
expect "NUL in the input: 65" 65 "NUL"
check "the bad message is kept in failed/" test "$(count failed)" = 1
check "its bytes kept, the NUL included" "$PY" -c 'import sys
sys.exit(0 if open(sys.argv[1], "rb").read().endswith(b"\r\n\r\na\x00b\r\n") else 1)' "$Q/failed/$(first_id failed)"
run_outbox /dev/null -C "$T_DIR/c" -q
check "-q never retries failed/" test "$(eml up)" = 3

# --- a binary body waits in the queue as it is, and goes as BINARYMIME ---------
# No real server here offers BINARYMIME (Postfix, Exim and smtp-server do
# not): the scripted one stands in.
rm -rf "$Q"
printf 'Subject: bin\n\n\211PNG\r\n\032\n\0.\n\r' >"$T_DIR/bin"
# bin_hello: a server's script up to MAIL with BODY=BINARYMIME
bin_hello() {
	printf '%s\n' '> 220 mx.test ESMTP ready' '< EHLO *' \
	    '> 250-mx.test hello' '> 250-CHUNKING' '> 250 BINARYMIME' \
	    '< MAIL FROM:<sender@example.org> BODY=BINARYMIME'
}
{ bin_hello; cat <<'EOS'; } >"$T_DIR/bin-defer.steps"
> 451 4.3.0 try later
< QUIT
> 221 2.0.0 bye
eof
EOS
start_script bin-defer <"$T_DIR/bin-defer.steps"
conf "$SC_PORT"
run_outbox "$T_DIR/bin" -C "$T_DIR/c" -B BINARYMIME bob@example.org
expect "-B BINARYMIME, MAIL 451: queued" 0 "451 4\.3\.0 try later"
script_ok "-B BINARYMIME, MAIL 451: the dialogue as scripted" bin-defer
ID=$(first_id queue)
check "its envelope says binary" test "$(field "$ID" binary)" = 1
check "its body kept byte for byte" "$PY" -c 'import sys
sys.exit(0 if open(sys.argv[1], "rb").read().endswith(b"Subject: bin\r\n\r\n\x89PNG\r\n\x1a\n\x00.\n\r") else 1)' "$Q/queue/$ID"
{ bin_hello; cat <<'EOS'; } >"$T_DIR/bin-send.steps"
> 250 2.1.0 ok
< RCPT TO:<bob@example.org>
> 250 2.1.5 ok
bdat raw BDAT * LAST
> 250 2.0.0 queued
< QUIT
> 221 2.0.0 bye
eof
EOS
start_script bin-send --wire "$T_DIR/bin.wire" <"$T_DIR/bin-send.steps"
conf "$SC_PORT"
run_outbox /dev/null -C "$T_DIR/c" -q
expect "-q sends it" 0
script_ok "-q: BODY=BINARYMIME, one BDAT LAST" bin-send
check "the queue is empty" test "$(count queue)" = 0
check "the chunk is the body, byte for byte, nothing added" "$PY" -c 'import re, sys
w = open(sys.argv[1], "rb").read()
m = re.search(rb"BDAT ([0-9]+) LAST\r\n", w)
data = w[m.end():m.end() + int(m.group(1))]
sys.exit(0 if data.endswith(b"\r\n\r\n\x89PNG\r\n\x1a\n\x00.\n\r") and
    w[m.end() + int(m.group(1)):] == b"QUIT\r\n" else 1)' "$T_DIR/bin.wire"

# --- --drop -------------------------------------------------------------------
rm -rf "$Q"
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
run_outbox /dev/null -C "$T_DIR/c" --drop "$ID"
expect "--drop removes an entry" 0
check "... message and envelope" test -z "$(ls "$Q/queue")"
run_outbox /dev/null -C "$T_DIR/c" --drop "$ID"
expect "--drop of an unknown id" 66 "no queue entry"
run_outbox /dev/null -C "$T_DIR/c" --drop ../../etc/passwd
expect "--drop refuses a path: no such entry" 66 "no queue entry \\.\\./\\.\\./etc/passwd"

# --- a lock that cannot be taken: a clear error, nothing left behind --------
if command -v strace >/dev/null 2>&1 && strace -qq -o /dev/null true 2>/dev/null; then
	rm -rf "$Q"
	conf "$DOWN"
	T_RC=0
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -qq -o /dev/null -e trace=flock -e inject=flock:error=ENOLCK \
	    "$OUTBOX" -C "$T_DIR/c" bob@example.org <"$IN" >"$T_OUT" \
	    2>"$T_ERR" || T_RC=$?
	expect "flock() fails: exit 73 naming it" 73 "^outbox: queue: cannot lock .*/tmp/[0-9a-f.]+: No locks available$"
	check "... one line" test "$(wc -l <"$T_ERR")" = 1
	check "... and no entry anywhere" test -z "$(find "$Q" -type f)"
else
	echo "skip - flock() failure (strace cannot trace here)"
fi

# --- expiry ---------------------------------------------------------------------
rm -rf "$Q"
conf "$DOWN" "queue_max_age 1s"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
sleep 2
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
check "an expired entry moves to failed/" test "$(count failed)" = 1 -a "$(ls "$Q/queue/$ID" 2>/dev/null)" = ""
check "with the reason" grep -q '^last-error: expired' "$Q/failed/$ID.env"
check "the notice to the sender waits in the queue (server down)" test "$(count queue)" = 1

# --- delivery status notifications ------------------------------------------------
# An expired entry: the sender gets a multipart/report from the null sender.
rm -rf "$Q"
conf "$DOWN" "queue_max_age 1s"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
older 5
conf "$SH_PORT" "queue_max_age 1s"
before=$(eml up)
run_outbox /dev/null -C "$T_DIR/c" -q
check "expired: one notice delivered" test $(( $(eml up) - before )) = 1
last=$(eml up)
check "the notice comes from the null sender to the original sender" "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if j["mail_from"] in ("", "<>") and j["rcpt_tos"] == ["sender@example.org"] else 1)' "$T_DIR/up.mail/$last.json"
check "the notice parses as RFC 3464 multipart/report" "$PY" -c '
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
parts = [p.get_content_type() for p in m.iter_parts()]
assert parts == ["text/plain", "message/delivery-status", "text/rfc822-headers"], parts
ds = list(m.iter_parts())[1]
blocks = [b for b in ds.get_payload()]
text = "".join(str(b) for b in blocks)
assert "Final-Recipient: rfc822; bob@example.org" in text, text
assert "Action: failed" in text and "Status: 4.4.7" in text, text
hdrs = list(m.iter_parts())[2].get_payload(decode=True) or b""
hdrs = hdrs if hdrs else str(list(m.iter_parts())[2].get_payload()).encode()
assert b"Subject: q" in hdrs, hdrs
assert m["Auto-Submitted"] == "auto-replied"' "$T_DIR/up.mail/$last.eml"
check "the original is in failed/" test "$(count failed)" = 1 -a "$(count queue)" = 0

# No notice for the null sender (no bounce loops), nor with -N never.
for how in "-f <>" "-N never"; do
	rm -rf "$Q"
	conf "$DOWN" "queue_max_age 1s"
	# shellcheck disable=SC2086
	run_outbox "$IN" -C "$T_DIR/c" $how bob@example.org
	older 5
	conf "$SH_PORT" "queue_max_age 1s"
	before=$(eml up)
	run_outbox /dev/null -C "$T_DIR/c" -q
	check "no notice with $how" test "$(eml up)" = "$before" -a "$(count failed)" = 1
done

# dsn_notify never in the configuration too (any case)
rm -rf "$Q"
conf "$DOWN" "queue_max_age 1s
dsn_notify never"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
older 5
conf "$SH_PORT" "queue_max_age 1s"
before=$(eml up)
run_outbox /dev/null -C "$T_DIR/c" -q
check "no notice with dsn_notify never in the config" test "$(eml up)" = "$before" -a "$(count failed)" = 1

# A notice that cannot be sent is queued like any message.
rm -rf "$Q"
conf "$DOWN" "queue_max_age 1s"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
older 5
run_outbox /dev/null -C "$T_DIR/c" -q
check "an unsendable notice waits in the queue" test "$(count queue)" = 1 -a "$(count failed)" = 1
check "... addressed to the sender from <>" sh -c "grep -q '^from: $' '$Q'/queue/*.env && grep -q '^rcpt: sender@example.org$' '$Q'/queue/*.env"

# --- two concurrent runs send each message once ---------------------------------
rm -rf "$Q"
conf "$DOWN"
for i in 1 2 3 4 5 6; do run_outbox "$IN" -C "$T_DIR/c" bob@example.org; done
conf "$SH_PORT"
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q"/queue/*.env
before=$(eml up)
"$OUTBOX" -C "$T_DIR/c" -q </dev/null 2>"$T_DIR/q1" & p1=$!
"$OUTBOX" -C "$T_DIR/c" -q </dev/null 2>"$T_DIR/q2" & p2=$!
wait $p1 $p2
check "two concurrent -q runs: six messages, six deliveries" test $(( $(eml up) - before )) = 6
check "the queue is empty after them" test "$(count queue)" = 0

# --- an interrupted send loses nothing -----------------------------------------
rm -rf "$Q"
# A server that accepts and never answers: outbox waits in the greeting.
lib_spawn "$PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c = s.accept(); time.sleep(60)' "$T_DIR/silent.port"
lib_wait_file "$T_DIR/silent.port"
conf "$(cat "$T_DIR/silent.port")"
"$OUTBOX" -C "$T_DIR/c" bob@example.org <"$IN" 2>/dev/null & victim=$!
for i in $(seq 50); do test "$(envs tmp)" = 1 && break; sleep 0.1; done
kill -KILL $victim; wait $victim 2>/dev/null
check "SIGKILL mid-send: the entry stays in tmp/ with its envelope" test "$(count tmp)" = 1 -a "$(envs tmp)" = 1
run_outbox /dev/null -C "$T_DIR/c" --list
check "mailq shows it as interrupted" grep -q 'interrupted, sent by the next -q' "$T_OUT"
conf "$SH_PORT"
before=$(eml up)
run_outbox /dev/null -C "$T_DIR/c" -q
check "the next -q sends it" test $(( $(eml up) - before )) = 1 -a "$(count tmp)" = 0

# --- what an interrupted spooling left behind goes after a day ------------------
rm -rf "$Q"
conf "$DOWN"
run_outbox /dev/null -C "$T_DIR/c" --list
printf 'partial' >"$Q/tmp/6b000000.1.aaaaaaaaaaaa"
printf 'partial' >"$Q/tmp/6b000000.2.bbbbbbbbbbbb"
printf 'half' >"$Q/tmp/6b000000.3.cccccccccccc.env.tmp"
touch -d '2 days ago' "$Q/tmp/6b000000.1.aaaaaaaaaaaa" \
    "$Q/tmp/6b000000.3.cccccccccccc.env.tmp"
run_outbox /dev/null -C "$T_DIR/c" -q
check "an incomplete entry older than a day is removed" test ! -e "$Q/tmp/6b000000.1.aaaaaaaaaaaa"
check "a half-written envelope older than a day is removed" test ! -e "$Q/tmp/6b000000.3.cccccccccccc.env.tmp"
check "a recent incomplete entry is left alone" test -e "$Q/tmp/6b000000.2.bbbbbbbbbbbb"

# --- a planted symlink is not followed -------------------------------------------
rm -rf "$Q"
mkdir -p "$Q" "$T_DIR/elsewhere"
ln -s "$T_DIR/elsewhere" "$Q/tmp"
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" bob@example.org
expect "a symlinked tmp/ is refused" 73
check "nothing was written through it" test -z "$(ls "$T_DIR/elsewhere")"
finish
