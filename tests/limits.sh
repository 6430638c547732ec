#!/bin/bash
# limits.sh -- provider limits (issue 13 point 6): rate_limit N/PERIOD
# over the shared send log, and max_messages_per_connection in the queue
# runner, against the aiosmtpd smarthost (tests/lib/smarthost.py).
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

Q=$T_DIR/q
IN=$T_DIR/in
LOG=$Q/rate/a-default
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: l\n\nhello\n' >"$IN"
start_smarthost up --log "$T_DIR/up.connlog" || exit 99
conf() {	# conf [extra lines]
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
tls off
from sender@example.org
queue_dir $Q
timeout 5
${1:-}
EOC
}
eml() { ls "$T_DIR/up.mail" 2>/dev/null | grep -c '\.eml$'; }
queued() { ls "$Q/queue" 2>/dev/null | grep -c '\.env$'; }
ids() { ls "$Q/queue" | grep -v '\.env$'; }
field() { sed -n "s/^$2: //p" "$Q/queue/$1.env"; }
# connections the smarthost has seen (aiosmtpd logs each "Peer:")
conns() { grep -c "Peer: " "$T_DIR/up.connlog"; }
send() { run_outbox "$IN" -C "$T_DIR/c" "$@" bob@example.org; }
reset() { rm -rf "$Q" "$T_DIR/up.mail"/*; }

# --- rate_limit 3/1h: 3 sent, 2 held in the queue ----------------------------
conf "rate_limit 3/1h"
T0=$(date +%s)
send
expect "1st send within the limit: sent" 0
check "... and logged in the send log, 0600" test "$(stat -c %a "$LOG")" = 600
T1=$(date +%s)
send -v
expect "-v says the limit applies" 0 "^-- account default: rate_limit 3/1h: within the limit$"
send
expect "3rd send: sent" 0
check "3 at the server" test "$(eml)" = 3
send
expect "4th send: over the limit, queued with exit 0" 0 \
    "^outbox: rate_limit 3/1h of account default reached: queued as [0-9a-f.]+, to go at [0-9:]+ \(in 3[56][0-9][0-9] s\)$"
check "one line on stderr" test "$(wc -l <"$T_ERR")" = 1
send --json
expect "5th send: queued too" 0
check "--json says queued" grep -q '"status":"queued"' "$T_OUT"
check "still 3 at the server" test "$(eml)" = 3
check "2 entries in the queue" test "$(queued)" = 2
ok=1
for id in $(ids); do
	na=$(field "$id" next-attempt)
	test "$na" -ge $((T0 + 3600)) -a "$na" -le $((T1 + 3601)) || ok=0
	test "$(field "$id" attempts)" = 0 || ok=0
done
check "next attempt: when the first send leaves the hour; no attempt counted" test $ok = 1
check "the send log holds 3 times" test "$(wc -l <"$LOG")" = 3
run_outbox /dev/null -C "$T_DIR/c" --list
check "mailq says why they wait and when" sh -c "grep -q 'attempts 0  next attempt in [56][0-9]m' '$T_OUT' && grep -q 'waiting: held by rate_limit 3/1h of account default: goes at ' '$T_OUT'"
run_outbox /dev/null -C "$T_DIR/c" -q --due
check "-q --due: not due, nothing sent" test "$(eml)" = 3
run_outbox /dev/null -C "$T_DIR/c" -q
expect "-q (all entries): the limit still holds them, exit 0" 0 \
    "account default: rate_limit 3/1h reached: 2 entries held in the queue, the first to go at"
check "... still 3 at the server" test "$(eml)" = 3
check "... attempts still 0" test "$(field "$(ids | head -1)" attempts)" = 0

# --- --no-queue over the limit: 75 with the reason ----------------------------
send --no-queue
expect "--no-queue over the limit: 75" 75 \
    "rate_limit: 3/1h of account default reached: not sent; the next message may go at [0-9:]+ \(kept in failed/ as"
check "... not sent" test "$(eml)" = 3

# --- sent when allowed: the oldest send leaves the window ---------------------
# One logged send made an hour older: exactly one slot frees.
sed -i '1s/.*/'"$(( $(head -1 "$LOG") - 3600000 ))"'/' "$LOG"
run_outbox /dev/null -C "$T_DIR/c" -q
expect "-q once a slot is free" 0 "1 entry held in the queue"
check "exactly one more sent" test "$(eml)" = 4
check "one still queued" test "$(queued)" = 1
id=$(ids)
check "its next attempt: when the 2nd send leaves the hour" \
    test "$(field "$id" next-attempt)" -ge $((T1 + 3600)) -a \
    "$(field "$id" next-attempt)" -le $(($(date +%s) + 3601))
sed -i 's/.*/'"$(( $(date +%s) * 1000 - 3600000 ))"'/' "$LOG"
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$id.env"
send
expect "a direct send once the hour is over: sent" 0
check "... and the due held entry went with it" test "$(eml)" = 6 -a "$(queued)" = 0

# --- a short period: held, then sent by -q --due when it comes ------------------
reset
conf "rate_limit 2/2s"
send; send; send
check "2/2s: 2 sent, 1 held" test "$(eml)" = 2 -a "$(queued)" = 1
id=$(ids)
check "... due about 2 s later" test $(( $(field "$id" next-attempt) - $(date +%s) )) -le 3
sleep $(( $(field "$id" next-attempt) - $(date +%s) + 1 ))
run_outbox /dev/null -C "$T_DIR/c" -q --due
expect "-q --due when the time comes: sent" 0
check "... 3 at the server, queue empty" test "$(eml)" = 3 -a "$(queued)" = 0

# --- two senders at once never exceed the limit ---------------------------------
reset
conf "rate_limit 4/1h"
pids=""
for i in 1 2 3 4 5 6 7 8; do
	"$OUTBOX" -C "$T_DIR/c" bob@example.org <"$IN" >/dev/null \
	    2>"$T_DIR/par$i.err" &
	pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
check "8 concurrent senders all exit 0" test $rc = 0
check "exactly 4 sent, 4 queued" test "$(eml)" = 4 -a "$(queued)" = 4
check "the send log holds 4 times" test "$(wc -l <"$LOG")" = 4

# --- the queue runner honours the same log --------------------------------------
reset
conf "rate_limit 2/1h"
for i in 1 2 3; do send -odq; done
run_outbox /dev/null -C "$T_DIR/c" -q
expect "-q with rate_limit 2/1h and 3 entries" 0 "1 entry held"
check "2 sent by the queue run" test "$(eml)" = 2
send
expect "then a direct send is held: the log is shared" 0 "reached: queued as"
check "... not sent" test "$(eml)" = 2

# --- max_messages_per_connection 2: 5 entries, 3 connections ------------------
reset
conf "max_messages_per_connection 2"
for i in 1 2 3 4 5; do send -odq; done
c0=$(conns)
run_outbox /dev/null -C "$T_DIR/c" -q -v
expect "-q with max_messages_per_connection 2" 0 \
    "max_messages_per_connection 2 reached: QUIT, and a new connection"
check "5 sent" test "$(eml)" = 5
check "over 3 connections" test $(( $(conns) - c0 )) = 3
check "each closed with QUIT" test "$(grep -c '^C: QUIT' "$T_ERR")" = 3
reset
conf ""
for i in 1 2 3 4 5; do send -odq; done
c0=$(conns)
run_outbox /dev/null -C "$T_DIR/c" -q
check "without it: one connection for 5" test $(( $(conns) - c0 )) = 1 -a "$(eml)" = 5

# --- configuration -------------------------------------------------------------
for bad in "rate_limit 30" "rate_limit 0/1m" "rate_limit 30/0" \
    "rate_limit 30/1y" "rate_limit 10001/1d" "max_messages_per_connection x"; do
	conf "$bad"
	send
	expect "refused: $bad" 78 "invalid value"
done
conf "rate_limit 30/1m
max_messages_per_connection 20"
run_outbox /dev/null -C "$T_DIR/c" --print-config
check "--print-config shows both" sh -c "grep -q '^rate_limit  *30/1m$' '$T_OUT' && grep -q '^max_messages_per_connection  *20$' '$T_OUT'"

# The example of outbox.conf(5), as printed, is a valid configuration.
sed -n '/^Provider limits: Microsoft/,/^\.Ed/p' "$srcdir/man/outbox.conf.5" |
    sed -e '1,/^\.Bd/d' -e '/^\.Ed/d' >"$T_DIR/example"
chmod 600 "$T_DIR/example"
run_outbox /dev/null -C "$T_DIR/example" -A work --print-config
expect "outbox.conf(5)'s example is accepted" 0
check "... Microsoft 365: 30 a minute" grep -q '^rate_limit  *30/1m$' "$T_OUT"
run_outbox /dev/null -C "$T_DIR/example" -A yahoo --print-config
check "... Yahoo: 20 a connection" grep -q '^max_messages_per_connection  *20$' "$T_OUT"

finish
