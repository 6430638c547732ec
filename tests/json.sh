#!/bin/bash
# json.sh -- --json prints one valid JSON object for every outcome.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: j\nMessage-ID: <j1@example.org>\n\nhello\n' >"$IN"
conf() {
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $1
tls off
from sender@example.org
queue_dir $T_DIR/q
timeout 3
$2
EOC
}
# jq-like checks with Python: json_is KEY-PATH VALUE (Python literal)
json_is() {
	"$PY" -c 'import json, sys
o = json.loads(open(sys.argv[1], encoding="utf-8").read())
for k in sys.argv[2].split("."):
    o = o[int(k)] if k.isdigit() else o[k]
want = eval(sys.argv[3])
sys.exit(0 if o == want else "%r != %r" % (o, want))' "$T_OUT" "$1" "$2"
}
one_object() {
	"$PY" -c 'import json, sys
t = open(sys.argv[1], "rb").read()
assert t.count(b"\n") == 1 and t.endswith(b"\n"), "not one line"
o = json.loads(t.decode("utf-8"))
keys = {"status", "exit", "reply", "recipients", "queue_id",
        "message_id", "server", "tls", "auth", "size"}
sys.exit(0 if set(o) == keys else "keys: %r" % sorted(o))' "$T_OUT"
}

# sent
start_smarthost ok || exit 99
conf "$SH_PORT"
run_outbox "$IN" -C "$T_DIR/c" --json -t
expect "sent: exit 0" 0
check "sent: one JSON object with every key" one_object
check "sent: status" json_is status "'sent'"
check "sent: the deciding reply is the 250" json_is reply.code 250
check "sent: its stage" json_is reply.stage "'body'"
check "sent: recipient accepted" json_is recipients.0.code 250
check "sent: recipient address" json_is recipients.0.address "'bob@example.org'"
check "sent: no queue id" json_is queue_id None
check "sent: message id" json_is message_id "'<j1@example.org>'"
check "sent: server" json_is server "'127.0.0.1'"
check "sent: no TLS" json_is tls None
check "sent: size" json_is size "$(stat -c %s "$T_DIR/ok.mail/1.eml")"

# queued
DOWN=$(closed_port)
conf "$DOWN"
run_outbox "$IN" -C "$T_DIR/c" --json -t
expect "queued: exit 0" 0
check "queued: one object" one_object
check "queued: status" json_is status "'queued'"
check "queued: stage connect" json_is reply.stage "'connect'"
check "queued: no code" json_is reply.code None
check "queued: queue id given" test -s "$T_DIR/q/queue/$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue_id"])' "$T_OUT")"

# failed, temporary with --no-queue
run_outbox "$IN" -C "$T_DIR/c" --json --no-queue -t
check "no-queue: status failed, exit 75" sh -c "$(declare -f json_is); PY=$PY T_OUT=$T_OUT json_is status \"'failed'\" && PY=$PY T_OUT=$T_OUT json_is exit 75"

# failed, permanent: a server that refuses the recipient, with bytes that
# are not UTF-8 and control characters in its text
lib_spawn "$PY" -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); f = c.makefile("rb")
c.sendall(b"220 mx\r\n"); f.readline()
c.sendall(b"250 mx\r\n"); f.readline()
c.sendall(b"250 ok\r\n"); f.readline()
c.sendall(b"550 5.1.1 no \xff\xfe user \xc3\x28 \"q\" \\ \xe2\x82\xac\r\n")
f.readline(); c.sendall(b"221 bye\r\n"); c.close()' "$T_DIR/bad.port"
lib_wait_file "$T_DIR/bad.port" || exit 99
conf "$(cat "$T_DIR/bad.port")"
run_outbox "$IN" -C "$T_DIR/c" --json -t
expect "refused recipient: exit 67" 67
check "refused: one valid object despite invalid UTF-8" one_object
check "refused: status" json_is status "'failed'"
check "refused: stage rcpt" json_is reply.stage "'rcpt'"
check "refused: enhanced code" json_is reply.enhanced "'5.1.1'"
check "refused: invalid bytes become U+FFFD, quotes and the euro sign kept" json_is reply.text "'no \\ufffd\\ufffd user \\ufffd( \"q\" \\\\ \\u20ac'"
check "refused: per-recipient reply" json_is recipients.0.code 550
check "refused: kept in failed/" test -n "$(ls "$T_DIR/q/failed")"

# the log file: msmtp's fields, then outbox's, one line per message
conf "$SH_PORT"
run_outbox "$IN" -C "$T_DIR/c" -X "$T_DIR/log" -t
conf "$DOWN" "logfile $T_DIR/log"
run_outbox "$IN" -C "$T_DIR/c" --no-queue -t
check "log: one line per message" test "$(wc -l <"$T_DIR/log")" = 2
check "log: msmtp's fields on success" grep -Eq '^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} host=127\.0\.0\.1 tls=off auth=off from=sender@example\.org recipients=bob@example\.org mailsize=[0-9]+ smtpstatus=250 smtpmsg=.250 2\.0\.0 .* exitcode=EX_OK ' "$T_DIR/log"
check "log: outbox's fields" grep -Eq ' account=default msgid=<j1@example\.org> tls_version=none duration=[0-9.]+ queue_id=none$' "$T_DIR/log"
check "log: a failure says why and the exit code" grep -Eq "errormsg='Connection refused' exitcode=EX_TEMPFAIL" "$T_DIR/log"

# exits before any message: still one object
run_outbox /dev/null --json --no-such-option
check "usage error: one object" one_object
check "usage error: exit 64" json_is exit 64
run_outbox /dev/null --json -C "$T_DIR/missing" bob@example.org
check "config error: one object" one_object
check "config error: exit 78" json_is exit 78
conf "$SH_PORT"
run_outbox "$IN" --json -C "$T_DIR/c" root
check "local name without alias: one object, exit 67" sh -c "$(declare -f one_object json_is); PY=$PY T_OUT=$T_OUT one_object && PY=$PY T_OUT=$T_OUT json_is exit 67"

# bad input
printf 'Subject: nul\n\na\0b\n' >"$T_DIR/nul"
conf "$SH_PORT"
run_outbox "$T_DIR/nul" -C "$T_DIR/c" --json bob@example.org
check "bad input: one object" one_object
check "bad input: failed, exit 65" json_is exit 65
finish
