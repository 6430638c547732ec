#!/bin/bash
# sendmail-cli.sh -- the rest of the sendmail command line that real
# callers use: every option of Postfix's sendmail is accepted (the ones
# that mean nothing here are ignored, and the mail still goes), -odq,
# a bare local name as -f, -bv, and -bs (SMTP on standard input and
# output), also driven by real clients: Symfony Mailer's sendmail
# transport (php-symfony-mailer) and s-nail with "metoo" (-m).  A client
# that is not installed is skipped with a line saying so.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

start_smarthost sh || { echo "0 passed, 1 failed"; exit 1; }
SH=$SH_PORT
MAIL=$T_DIR/sh.mail
Q=$T_DIR/q
C=$T_DIR/conf
IN=$T_DIR/in

printf 'root: alice@example.org, ops\nops: ops@example.org\n' \
    >"$T_DIR/aliases"

# conf FILE PORT [LINE...]: an account on 127.0.0.1:PORT, no TLS.
conf() {
	_f=$1 _p=$2
	shift 2
	{
		printf 'account default\nhost 127.0.0.1\nport %s\ntls off\n' "$_p"
		printf 'domain test.example\nqueue_dir %s\naliases %s\n' "$Q" \
		    "$T_DIR/aliases"
		printf 'timeout 5\n'
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} | mkconf "$_f"
}
conf "$C" "$SH" "from sender@example.org"

msg() { printf 'Subject: %s\n\nbody of %s\n' "$1" "$1" >"$IN"; }
# count: messages the smarthost has; json N KEY: a field of message N
count() { find "$MAIL" -name '*.eml' | wc -l; }
json() {
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(v if isinstance(v, str) else " ".join(v))' "$MAIL/$1.json" "$2"
}
# arrived NAME BEFORE SUBJECT: exactly one more message, with SUBJECT
arrived() {
	_n=$(count)
	if test "$_n" = $(($2 + 1)) &&
	    grep -q "^Subject: $3" "$MAIL/$_n.eml"; then
		pass "$1"
	else
		fail "$1" "messages before: $2, now: $_n" \
		    "stderr: $(head -c 400 "$T_ERR")"
	fi
}
# entries DIR: complete entries in the queue's DIR
entries() { find "$Q/$1" -name '*.env' 2>/dev/null | wc -l; }
# server_done NAME: the scripted server ended and found no deviation
server_done() {
	if lib_wait_exit "$SC_PID" 10 && test "$LIB_STATUS" = 0; then
		pass "$1"
	else
		lib_stop "$SC_PID" 2
		lib_forget "$SC_PID"
		fail "$1" "smtpd.py: $(cat "$T_DIR/$2.err" "$T_DIR/$2.log" |
		    grep -i mismatch | head -5)"
	fi
}

# === 1. every option of Postfix's sendmail =================================
# Each was exit 64 before, and the caller's message was lost.
for opt in -m -c -x "-e m" -em "-p ESMTP:client.example" -pESMTP \
    -oMrESMTP -oMsclient.example -oQ/var/spool/x -oL9 -o7 -oZunknown \
    -odi -odb -U -G "-h 3"; do
	before=$(count)
	msg "option $opt"
	# shellcheck disable=SC2086
	run_outbox "$IN" -C "$C" $opt bob@example.org
	expect "$opt: exit 0" 0
	arrived "$opt: the message arrived" "$before" "option $opt"
done
before=$(count)
msg "mailx style"
run_outbox "$IN" -C "$C" -i -m -oem -- bob@example.org
expect "mailx's command line (-i -m -oem --): exit 0" 0
arrived "mailx's command line: the message arrived" "$before" "mailx style"
run_outbox /dev/null -C "$C" -I
expect "-I is newaliases: exit 0" 0
check "-I sends nothing" test "$(count)" = $((before + 1))
run_outbox /dev/null -C "$C" -bd
expect "-bd (daemon mode) is still refused" 64 "-bd"

# === 2. -odq: queued, no attempt ==========================================
start_script odq <<'EOS'
no-connection
EOS
conf "$T_DIR/c.odq" "$SC_PORT" "from sender@example.org"
msg "odq one"
run_outbox "$IN" -C "$T_DIR/c.odq" -odq bob@example.org
expect "-odq: exit 0" 0
check "-odq: nothing on stderr (as Postfix)" test ! -s "$T_ERR"
msg "odq two"
run_outbox "$IN" -C "$T_DIR/c.odq" -odq --json carol@example.org
expect "-odq --json: exit 0" 0
check "-odq --json: status queued, with its id" grep -Eq \
    '^\{"status":"queued",.*"queue_id":"[0-9a-f.]+"' "$T_OUT"
if lib_stop "$SC_PID" 3; then
	pass "-odq: no connection was made"
else
	fail "-odq: no connection was made" "$(cat "$T_DIR/odq.err")"
fi
lib_forget "$SC_PID"
check "-odq: both entries are in queue/" test "$(entries queue)" = 2
check "-odq: never attempted, due now" sh -c '
now=$(date +%s)
for e in "$1"/queue/*.env; do
	grep -q "^attempts: 0$" "$e" || exit 1
	n=$(sed -n "s/^next-attempt: //p" "$e")
	test "$n" -le "$now" || exit 1
done' sh "$Q"
before=$(count)
conf "$T_DIR/c.odq" "$SH" "from sender@example.org"
run_outbox /dev/null -C "$T_DIR/c.odq" -q
expect "-odq: a later -q exits 0" 0
check "-odq: the later -q delivered both" test "$(count)" = $((before + 2))
check "-odq: the queue is empty after it" test "$(entries queue)" = 0
before=$(count)
msg "odq no-queue"
run_outbox "$IN" -C "$C" -odq --no-queue bob@example.org
expect "-odq --no-queue: exit 0" 0
arrived "-odq --no-queue: no queue to wait in, sent at once" "$before" \
    "odq no-queue"

# === 3. -f with a bare local name =========================================
msg "from root"
run_outbox "$IN" -C "$C" -f root bob@example.org
expect "-f root: exit 0 (not refused)" 0
check "-f root: MAIL FROM gets the domain of the account's from" \
    test "$(json "$(count)" mail_from)" = root@example.org
check "-f root: an added From has the same address" \
    grep -q '^From: .*<root@example.org>' "$MAIL/$(count).eml"
conf "$T_DIR/c.nofrom" "$SH"
msg "from www-data"
run_outbox "$IN" -C "$T_DIR/c.nofrom" -r www-data bob@example.org
expect "-r www-data, no from: exit 0" 0
check "-r www-data, no from: qualified with the account's domain" \
    test "$(json "$(count)" mail_from)" = www-data@test.example
msg "null sender"
run_outbox "$IN" -C "$C" -f '<>' bob@example.org
expect "-f '<>': exit 0" 0
check "-f '<>' stays the null sender" \
    test "$(json "$(count)" mail_from)" = "<>"

# === 4. -bv ===============================================================
start_script bv <<'EOS'
no-connection
EOS
conf "$T_DIR/c.bv" "$SC_PORT" "from sender@example.org"
rm -rf "$Q"
BV() { run_outbox "$IN" -C "$T_DIR/c.bv" -bv "$@"; }
BV root carol@example.org 'Dan <dan@example.org>, ops'
expect "-bv: all resolve: exit 0" 0
cat >"$T_DIR/exp" <<'EOF'
root: deliverable: alice@example.org, ops@example.org
carol@example.org: deliverable: carol@example.org
Dan <dan@example.org>, ops: deliverable: dan@example.org, ops@example.org
EOF
check_cmp "-bv: one line per recipient, what it resolves to" "$T_DIR/exp" "$T_OUT"
BV root nobody bad@@example.org
expect "-bv: an unresolvable local name first: exit 67" 67
cat >"$T_DIR/exp" <<'EOF'
root: deliverable: alice@example.org, ops@example.org
nobody: undeliverable: recipient 'nobody': cannot resolve the local name: no alias resolves it
bad@@example.org: undeliverable: invalid recipient 'bad@@example.org': invalid local part
EOF
check_cmp "-bv: every recipient is reported, with the reason" "$T_DIR/exp" "$T_OUT"
check "-bv: nothing on stderr for recipients" test ! -s "$T_ERR"
BV 'bad@@example.org' root
expect "-bv: a bad address first: exit 64" 64
printf 'To: root, x@example.net\nCc: "Ops" <ops>\nSubject: s\n\nb\n' >"$IN"
BV -t
expect "-bv -t: exit 0" 0
cat >"$T_DIR/exp" <<'EOF'
root: deliverable: alice@example.org, ops@example.org
x@example.net: deliverable: x@example.net
ops: deliverable: ops@example.org
EOF
check_cmp "-bv -t: the header's recipients" "$T_DIR/exp" "$T_OUT"
printf 'To: a@@b\n\nb\n' >"$IN"
BV -t
expect "-bv -t: a bad To header: exit 65" 65
check "-bv -t: the bad header is named" grep -q '^To header: undeliverable' "$T_OUT"
BV
expect "-bv without recipients: exit 64" 64 "no recipients"
conf "$T_DIR/c.bv2" "$SC_PORT" "aliases $T_DIR/no-such-file"
run_outbox "$IN" -C "$T_DIR/c.bv2" -bv root
expect "-bv: an aliases file that cannot be read: exit 78" 78 "no-such-file"
if lib_stop "$SC_PID" 3; then
	pass "-bv: no connection was made"
else
	fail "-bv: no connection was made" "$(cat "$T_DIR/bv.err")"
fi
lib_forget "$SC_PID"
check "-bv: no queue was made" test ! -e "$Q"

# === 5. -bs ===============================================================
# codes: the code of each final reply line, space-separated
codes() { grep -E '^[0-9]{3}( |$)' "$R" | cut -c1-3 | tr '\n' ' ' |
    sed 's/ $//'; }
# BS CONF [ARG...]: a -bs session on bs.in; the replies, CR removed, in R
R=$T_DIR/replies
BS() {
	_c=$1
	shift
	run_outbox "$T_DIR/bs.in" -C "$_c" "$@" -bs
	tr -d '\r' <"$T_OUT" >"$R"
}
check_codes() {
	if test "$(codes)" = "$2"; then
		pass "$1"
	else
		fail "$1" "got:  $(codes)" "want: $2" "$(head -c 800 "$R")"
	fi
}

# Two messages, RSET, NOOP, dot-unstuffing, LF-only line ends in the
# second, a bare local name resolved through the aliases.
before=$(count)
{
	printf 'EHLO client.example\r\nMAIL FROM:<app@example.org>\r\n'
	printf 'RCPT TO:<bob@example.org>\r\nDATA\r\n'
	printf 'Subject: bs one\r\n\r\n..leading dot\r\n...two dots\r\n'
	printf '.\r\nRSET\r\nNOOP\r\n'
	printf 'MAIL FROM:<app@example.org> BODY=8BITMIME\n'
	printf 'RCPT TO:<carol@example.org>\nrcpt to:<ops>\ndata\n'
	printf 'Subject: bs two\n\nline \xc3\xa9\n.\nQUIT\n'
} >"$T_DIR/bs.in"
BS "$C"
expect "-bs: a session with two messages exits 0" 0
check_codes "-bs: the replies" \
    "220 250 250 250 354 250 250 250 250 250 250 354 250 221"
check "-bs: greeting and EHLO" sh -c 'head -1 "$1" | grep -q "^220 .* outbox ESMTP" &&
    grep -q "^250-PIPELINING" "$1" && grep -q "^250-8BITMIME" "$1" &&
    grep -q "^250-SMTPUTF8" "$1" && grep -q "^250-DSN" "$1" &&
    grep -q "^250 ENHANCEDSTATUSCODES" "$1"' sh "$R"
check "-bs: each message answered 250 2.0.0 Ok: sent" \
    test "$(grep -c '^250 2.0.0 Ok: sent' "$R")" = 2
check "-bs: QUIT is 221" grep -q '^221 2.0.0' "$R"
check "-bs: both messages arrived" test "$(count)" = $((before + 2))
check "-bs: the data as sent, unstuffed once" "$PY" -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(0 if d.endswith(b"\r\n\r\n.leading dot\r\n..two dots\r\n") else 1)' \
    "$MAIL/$((before + 1)).eml"
check "-bs: MAIL FROM carried" test "$(json $((before + 1)) mail_from)" = app@example.org
check "-bs: LF line ends became CRLF" "$PY" -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(0 if d.endswith(b"\r\n\r\nline \xc3\xa9\r\n") else 1)' \
    "$MAIL/$((before + 2)).eml"
check "-bs: the second message's recipients, the local name resolved" \
    test "$(json $((before + 2)) rcpt_tos)" = "carol@example.org ops@example.org"
check "-bs: BODY=8BITMIME carried" grep -q 'BODY=8BITMIME' "$MAIL/$((before + 2)).json"
check "-bs: nothing on stderr" test ! -s "$T_ERR"

# Bad sequences and syntax: nothing is sent.
before=$(count)
{
	printf 'RCPT TO:<bob@example.org>\r\nDATA\r\nHELO\r\n'
	printf 'MAIL FROM:<a@example.org>\r\nMAIL FROM:<a@example.org>\r\n'
	printf 'DATA\r\nRCPT TO:<a@@example.org>\r\n'
	printf 'RCPT TO:<bob@example.org> SIZE=1\r\n'
	printf 'RCPT TO:<bob@example.org> NOTIFY=bogus\r\n'
	printf 'RCPT TO:<bob@example.org> NOTIFY=success ORCPT=rfc822;b@x\r\n'
	printf 'MAIL FROM:<a b>\r\nVRFY root\r\nHELP\r\nSTARTTLS\r\nFOO\r\n'
	"$PY" -c 'print("X" * 3000, end="\r\n")'
	printf 'RSET\r\nDATA\r\nMAIL FROM:<> RET=NONE\r\n'
	printf 'MAIL FROM:<> XYZ=1\r\nMAIL FROM:<> ENVID=a+ZZ\r\nQUIT\r\n'
} >"$T_DIR/bs.in"
BS "$C"
expect "-bs: refused commands do not end the session" 0
check_codes "-bs: 503 for bad sequences, 5xx for bad syntax" \
    "220 503 503 501 250 503 503 553 555 501 250 503 252 214 502 500 500 250 503 555 555 501 221"
check "-bs: nothing was sent" test "$(count)" = "$before"

# At most 1000 recipients a message (452 for more: the client sends the
# rest in another transaction); a NUL in a command is refused.
"$PY" -c 'import sys
w = sys.stdout.write
w("MAIL FROM:<a@example.org>\r\n")
for i in range(1001): w("RCPT TO:<r%d@example.org>\r\n" % i)
w("RSET\r\nNOOP\0x\r\nQUIT\r\n")' >"$T_DIR/bs.in"
BS "$C"
check_codes "-bs: the 1001st recipient is 452, a NUL in a command 500" \
    "220 250$(printf ' 250%.0s' $(seq 1000)) 452 250 500 221"

# Too many refused commands end the session.
"$PY" -c 'print("FOO\r\n" * 30, end="")' >"$T_DIR/bs.in"
BS "$C"
expect "-bs: too many errors: exit 75" 75
check "-bs: 20 refusals, then 421" test "$(codes)" = \
    "220$(printf ' 500%.0s' $(seq 20)) 421"

# End of input in the middle of DATA: nothing sent, the client keeps it.
before=$(count)
printf 'EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: cut\r\n\r\nno dot\r\n' >"$T_DIR/bs.in"
BS "$C"
expect "-bs: end of input in DATA: exit 0" 0
check "-bs: end of input in DATA: no reply after the 354" \
    test "$(tail -1 "$R" | cut -c1-3)" = 354
check "-bs: end of input in DATA: the smarthost got nothing" test "$(count)" = "$before"

bs_one() {	# bs_one RCPT: one message to RCPT, as a client sends it
	{
		printf 'EHLO client.example\r\n%s\r\n' "${2:-MAIL FROM:<app@example.org>}"
		printf 'RCPT TO:<%s>%s\r\nDATA\r\n' "$1" "${3:-}"
		printf 'Subject: refused\r\n\r\nx\r\n.\r\nQUIT\r\n'
	} >"$T_DIR/bs.in"
}

# rcpt_reply REPLY: the script (for start_script) of a server that
# answers RCPT TO:<bob@example.org> with REPLY.
rcpt_reply() {
	cat <<EOS
> 220 fault.test ESMTP
< EHLO *
> 250-fault.test
> 250 ENHANCEDSTATUSCODES
< MAIL FROM:<app@example.org>*
> 250 2.1.0 ok
< RCPT TO:<bob@example.org>*
> $1
< QUIT
> 221 2.0.0 bye
eof
EOS
}

# A recipient the server refuses: 550 to the final dot, with its reply.
start_script bs550 < <(rcpt_reply '550 5.1.1 no such user')
conf "$T_DIR/c.sc" "$SC_PORT"
rm -rf "$Q"
bs_one bob@example.org
BS "$T_DIR/c.sc"
expect "-bs, recipient refused: the session exits 0" 0
check_codes "-bs, recipient refused: 550 to the final dot" "220 250 250 250 354 550 221"
check "-bs, recipient refused: the reply carries the server's" grep -Eq \
    '^550 5\.1\.1 RCPT TO:<bob@example\.org>: refused: 550 5\.1\.1 no such user \(kept in failed/ as [0-9a-f.]+\)$' \
    "$R"
server_done "-bs, recipient refused: the submission spoke as in sendmail mode" bs550

# A temporary failure: the message waits in the queue, so 250 (a client
# that got 4xx would send it again: twice).
start_script bs451 < <(rcpt_reply '451 4.3.0 try later')
conf "$T_DIR/c.sc" "$SC_PORT"
BS "$T_DIR/c.sc"
expect "-bs, server 4xx: the session exits 0" 0
check_codes "-bs, server 4xx: 250 to the final dot" "220 250 250 250 354 250 221"
check "-bs, server 4xx: the reply says it is queued, and why" grep -Eq \
    '^250 2\.0\.0 Ok: queued as ([0-9a-f.]+): RCPT TO:<bob@example\.org>: refused: 451 4\.3\.0 try later \(kept in the queue as \1, next attempt in 60 s\)$' \
    "$R"
check "-bs, server 4xx: the message is in the queue" test "$(entries queue)" = 1
server_done "-bs, server 4xx: the submission spoke as in sendmail mode" bs451

# MAIL and RCPT parameters become the submission's DSN options.
start_script bsdsn <<'EOS'
> 220 fault.test ESMTP
< EHLO *
> 250-fault.test
> 250 DSN
< MAIL FROM:<app@example.org> RET=HDRS ENVID=id+2B1
> 250 2.1.0 ok
< RCPT TO:<bob@example.org> NOTIFY=SUCCESS,DELAY
> 250 2.1.5 ok
< DATA
> 354 go ahead
data
> 250 2.0.0 queued as 1
< QUIT
> 221 2.0.0 bye
eof
EOS
conf "$T_DIR/c.sc" "$SC_PORT"
bs_one bob@example.org 'MAIL FROM:<app@example.org> RET=hdrs ENVID=id+2B1 SIZE=99' \
    ' NOTIFY=delay,success ORCPT=rfc822;bob@example.org'
BS "$T_DIR/c.sc"
check_codes "-bs, DSN parameters: accepted and sent" "220 250 250 250 354 250 221"
server_done "-bs, DSN parameters: RET, ENVID and NOTIFY reach the server" bsdsn

# A bare local name as MAIL FROM is qualified as -f's is.
before=$(count)
bs_one bob@example.org 'MAIL FROM:<www-data>'
BS "$C"
check_codes "-bs, MAIL FROM:<www-data>: sent" "220 250 250 250 354 250 221"
check "-bs, MAIL FROM:<www-data>: qualified" \
    test "$(json "$(count)" mail_from)" = www-data@example.org
bs_one nobody
BS "$C"
check "-bs, unresolvable local name: 550 5.1.1 to the final dot" grep -q \
    "^550 5.1.1 recipient 'nobody': cannot resolve the local name" "$R"

# -odq in -bs: queued, no attempt.
rm -rf "$Q"
bs_one bob@example.org
BS "$T_DIR/c.sc" -odq
check_codes "-bs -odq: 250" "220 250 250 250 354 250 221"
check "-bs -odq: queued as ID" grep -Eq '^250 2\.0\.0 Ok: queued as [0-9a-f.]+$' "$R"
check "-bs -odq: the message is in the queue" test "$(entries queue)" = 1

# === 6. real clients =======================================================
# Symfony Mailer's sendmail transport (its default command is
# "/usr/sbin/sendmail -bs"): two messages in one session, then a refused
# recipient as the exception it throws.
AUTOLOAD=/usr/share/php/Symfony/Component/Mailer/autoload.php
if command -v php >/dev/null 2>&1 && test -r "$AUTOLOAD"; then
	cat >"$T_DIR/send.php" <<EOF
<?php
require '$AUTOLOAD';
use Symfony\\Component\\Mailer\\Transport\\SendmailTransport;
use Symfony\\Component\\Mailer\\Mailer;
use Symfony\\Component\\Mime\\Email;

\$mailer = new Mailer(new SendmailTransport(\$argv[1] . ' -bs'));
for (\$i = 1; \$i <= (int)\$argv[3]; \$i++) {
	\$e = (new Email())->from('app@example.org')->to(\$argv[2])
	    ->subject("symfony \$i")->text("line one\\n.leading dot\\n");
	try {
		\$mailer->send(\$e);
		echo "sent \$i\\n";
	} catch (\\Symfony\\Component\\Mailer\\Exception\\TransportExceptionInterface \$x) {
		echo "error \$i: ", \$x->getMessage(), "\\n";
	}
}
EOF
	rm -rf "$Q"	# a send flushes what is due: nothing here
	before=$(count)
	T_RC=0
	t_ns true php "$T_DIR/send.php" "$OUTBOX -C $C" bob@example.org 2 \
	    >"$T_OUT" 2>"$T_ERR" </dev/null || T_RC=$?
	expect "Symfony Mailer -bs: exit 0" 0
	check "Symfony Mailer -bs: both sends succeeded" test \
	    "$(cat "$T_OUT")" = "$(printf 'sent 1\nsent 2')"
	check "Symfony Mailer -bs: both messages arrived" test "$(count)" = $((before + 2))
	check "Symfony Mailer -bs: the body, dot and all" grep -q \
	    "$(printf '^\\.leading dot\r$')" "$MAIL/$((before + 2)).eml"
	check "Symfony Mailer -bs: its envelope" test \
	    "$(json $((before + 1)) mail_from) $(json $((before + 1)) rcpt_tos)" = \
	    "app@example.org bob@example.org"
	start_script php550 < <(rcpt_reply '550 5.1.1 no such user')
	conf "$T_DIR/c.sc" "$SC_PORT"
	T_RC=0
	t_ns true php "$T_DIR/send.php" "$OUTBOX -C $T_DIR/c.sc" \
	    bob@example.org 1 >"$T_OUT" 2>"$T_ERR" </dev/null || T_RC=$?
	check "Symfony Mailer -bs: a refused recipient is its exception, with the reply" \
	    grep -q '^error 1: .*550.*no such user' "$T_OUT"
	server_done "Symfony Mailer -bs: the refusal came from the server" php550
else
	echo "skip - Symfony Mailer -bs (php-cli, php-symfony-mailer not installed)"
fi

# s-nail with "metoo" passes -m (as mailx variants do): it was exit 64.
if command -v s-nail >/dev/null 2>&1; then
	cat >"$T_DIR/mta" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T_DIR/mta.argv"
exec "$OUTBOX" -C "$C" "\$@"
EOF
	chmod +x "$T_DIR/mta"
	before=$(count)
	printf 'hello from s-nail\n' >"$IN"
	T_RC=0
	HOME=$T_DIR MAILRC=/dev/null t_ns true s-nail -n -S v15-compat \
	    -S "mta=$T_DIR/mta" -S metoo -S sendwait -s "snail metoo" \
	    bob@example.org <"$IN" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	expect "s-nail metoo: exit 0" 0
	check "s-nail metoo: -m was passed" grep -q -- '-m' "$T_DIR/mta.argv"
	arrived "s-nail metoo: the message arrived" "$before" "snail metoo"
else
	echo "skip - s-nail -m (s-nail not installed)"
fi

finish
