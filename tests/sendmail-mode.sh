#!/bin/bash
# sendmail-mode.sh -- sendmail-mode message handling, seen from outside:
# --dry-run shows the envelope and the exact bytes outbox would send.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

CONF=$T_DIR/conf
mkconf "$CONF" <<'EOC'
account default
host 127.0.0.1
tls off
domain test.example
from sender@example.org
EOC
IN=$T_DIR/in
D() { run_outbox "$IN" -C "$CONF" --dry-run "$@"; }
# the message body of a dry run: after the envelope, after the headers
body() {
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1]
sys.stdout.buffer.write(d.split(b"\r\n\r\n", 1)[1])' "$T_OUT"
}

# --- recipients -----------------------------------------------------------
printf 'From: a@example.org\nTo: Bob <bob@example.org>, carol@example.org\nCc: "Doe, Dan" <dan@example.org>\nBcc: eve@example.org\nSubject: x\n\nhi\n' >"$IN"
D -t extra@example.org
expect "-t reads To, Cc and Bcc" 0
printf 'MAIL FROM:<sender@example.org>\nRCPT TO:<extra@example.org>\nRCPT TO:<bob@example.org>\nRCPT TO:<carol@example.org>\nRCPT TO:<dan@example.org>\nRCPT TO:<eve@example.org>\n\n' >"$T_DIR/exp"
head -7 "$T_OUT" >"$T_DIR/got"
check_cmp "-t adds header recipients to command-line ones" "$T_DIR/exp" "$T_DIR/got"
check "Bcc header removed" ! grep -qi '^Bcc:' "$T_OUT"
check "Cc header kept" grep -q '^Cc: "Doe, Dan" <dan@example.org>' "$T_OUT"

printf 'To: old@example.org\nResent-To: new@example.org\nResent-Bcc: hidden@example.org\nSubject: r\n\nx\n' >"$IN"
D -t
grep '^RCPT' "$T_OUT" >"$T_DIR/got"
printf 'RCPT TO:<new@example.org>\nRCPT TO:<hidden@example.org>\n' >"$T_DIR/exp"
check_cmp "-t with Resent- headers uses only the Resent- set" "$T_DIR/exp" "$T_DIR/got"
check "Resent-Bcc removed" ! grep -qi '^Resent-Bcc' "$T_OUT"

printf 'Subject: none\n\nx\n' >"$IN"
D -t
expect "-t without recipients is a usage error" 64 "no recipients"
D
expect "no recipients at all" 64 "no recipients"
D 'not an address<'
expect "invalid recipient named" 64 "invalid recipient 'not an address<'"
D root
expect "bare local name without aliases" 67 "root"
D 'Bob <bob@example.org>, carol@example.org'
grep '^RCPT' "$T_OUT" >"$T_DIR/got"
printf 'RCPT TO:<bob@example.org>\nRCPT TO:<carol@example.org>\n' >"$T_DIR/exp"
check_cmp "an argument may hold an address list" "$T_DIR/exp" "$T_DIR/got"

# --- lone dot and line ends ----------------------------------------------
printf 'Subject: d\n\nline1\n.\nafter\n' >"$IN"
D bob@example.org
check "a lone dot ends the input" ! grep -q after "$T_OUT"
D -i bob@example.org
check "-i: a lone dot is data" grep -q after "$T_OUT"
D -oi bob@example.org
check "-oi: a lone dot is data" grep -q after "$T_OUT"
printf 'Subject: d\n\nline1\r.\rafter\n' >"$IN"
D bob@example.org
check "a lone dot between bare CRs ends the input" ! grep -q after "$T_OUT"
printf 'Subject: d\r\n\r\n..two\r\n.x\nbare\rcr\r\n' >"$IN"
D -i bob@example.org
body >"$T_DIR/got"
printf '..two\r\n.x\r\nbare\r\ncr\r\n' >"$T_DIR/exp"
check_cmp "line ends become CRLF; dots are not stuffed in the preview" "$T_DIR/exp" "$T_DIR/got"
check "no bare LF in output" "$PY" -c '
import sys; d=open(sys.argv[1],"rb").read().split(b"\n\n",1)[1]
sys.exit(1 if d.replace(b"\r\n",b"").count(b"\n") or d.replace(b"\r\n",b"").count(b"\r") else 0)' "$T_OUT"

# A NUL in the body depends on the server (BINARYMIME): a dry run shows
# the message with it; one in the header section is never sendable.
printf 'Subject: nul\n\na\0b\n' >"$IN"
D bob@example.org
expect "NUL in the body: the dry run shows it" 0
check "... the NUL kept, the line end CRLF" "$PY" -c 'import sys
sys.exit(0 if open(sys.argv[1], "rb").read().endswith(b"\r\n\r\na\x00b\r\n") else 1)' "$T_OUT"
printf 'Subject: n\0ul\n\nab\n' >"$IN"
D bob@example.org
expect "NUL in the header section is a data error" 65 "header section contains NUL"

# --- headers added -----------------------------------------------------------
printf 'Subject: s\n\nbody\n' >"$IN"
D bob@example.org
check "From added from the config" grep -q '^From: .*<sender@example.org>' "$T_OUT"
check "Date added" grep -Eq '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} [A-Z][a-z]{2} 20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4}' "$T_OUT"
check "Message-ID added" grep -Eq '^Message-ID: <[^@ ]+@example.org>' "$T_OUT"
D -F 'Jane Q. Public' bob@example.org
check "-F gives the From name, quoted when needed" grep -q '^From: "Jane Q. Public" <sender@example.org>' "$T_OUT"
D -F 'Zoë Ångström' bob@example.org
check "-F non-ASCII name is an encoded word" grep -q '^From: =?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <sender@example.org>' "$T_OUT"
D -f other@example.net bob@example.org
check "-f sets the envelope sender" grep -q '^MAIL FROM:<other@example.net>' "$T_OUT"
check "-f sets an added From" grep -q '^From: .*<other@example.net>' "$T_OUT"
D -r '<other@example.net>' bob@example.org
check "-r with angle brackets" grep -q '^MAIL FROM:<other@example.net>' "$T_OUT"
D -f '<>' bob@example.org
check "-f '<>' is the null sender" grep -q '^MAIL FROM:<>$' "$T_OUT"
check "null sender still gets a From" grep -q '^From: .*<sender@example.org>' "$T_OUT"
D -f 'bad address' bob@example.org
expect "invalid -f address" 64 "invalid sender"
printf 'From: me@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <fixed@x>\nSubject: s\n\nb\n' >"$IN"
D bob@example.org
check "present headers not duplicated" test "$(grep -c -E '^(From|Date|Message-ID):' "$T_OUT")" = 3
check "present From kept" grep -q '^From: me@example.org' "$T_OUT"

printf 'From sender Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nb\n' >"$IN"
D bob@example.org
check "mbox From_ line dropped" ! grep -q '^From sender' "$T_OUT"
printf 'no headers here\njust text\n' >"$IN"
D bob@example.org
check "header-less input: headers then an empty line then the text" "$PY" -c '
import sys; d=open(sys.argv[1],"rb").read().split(b"\n\n",1)[1]
h,b=d.split(b"\r\n\r\n",1)
sys.exit(0 if b==b"no headers here\r\njust text\r\n" and b"From:" in h else 1)' "$T_OUT"
printf 'Subject: folded\n  continued\nX-A: 1\n\nb\n' >"$IN"
D bob@example.org
check "folded header kept" grep -q '^  continued' "$T_OUT"

mkconf "$T_DIR/off" <<'EOC'
host 127.0.0.1
from sender@example.org
set_from_header off
set_date_header off
set_msgid_header off
remove_bcc_headers off
EOC
printf 'Bcc: b@example.org\nSubject: s\n\nb\n' >"$IN"
run_outbox "$IN" -C "$T_DIR/off" --dry-run x@example.org
check "set_*_header off adds nothing" test "$(grep -c -E '^(From|Date|Message-ID):' "$T_OUT")" = 0
check "remove_bcc_headers off keeps Bcc" grep -q '^Bcc:' "$T_OUT"

# --- command line ------------------------------------------------------------
printf 'Subject: s\n\nb\n' >"$IN"
D -oem -oee -oep -oeq -oew -om -odb -odi -oA/etc/aliases -OFoo=bar -U -G -h 5 -Am -Ac -n -bm bob@example.org
expect "ignored sendmail flags are accepted" 0
D -d bob@example.org
expect "unknown option is a usage error" 64 "unknown option -d"
D -oQ/tmp bob@example.org
expect "an unknown -oX is accepted and ignored, as in Postfix" 0
D -bd
expect "unsupported -b mode" 64 "-bd"
D -f "$(printf 'a@b.example\r\nRCPT TO:<x@y>')" bob@example.org
expect "CR/LF in -f refused" 64 "line break"
D -F "$(printf 'Name\nBcc: x@y')" bob@example.org
expect "LF in -F refused" 64 "line break"
D "$(printf 'bob@example.org\nX-Evil: 1')"
expect "LF in a recipient refused" 64 "line break"
D -N success,delay -R hdrs -V env1 -B 8BITMIME bob@example.org
expect "DSN flags accepted" 0
D -N never,success bob@example.org
expect "-N never with others refused" 64 "-N"
D -- bob@example.org
expect "-- ends options" 0
D bob@example.org -i
expect "options may follow recipients" 0
run_outbox /dev/null -bi
expect "-bi is a no-op" 0
ln -s "$OUTBOX" "$T_DIR/newaliases"
T_RC=0; "$T_DIR/newaliases" </dev/null >/dev/null 2>&1 || T_RC=$?
expect "newaliases is a no-op" 0
ln -s "$OUTBOX" "$T_DIR/sendmail"
T_RC=0; "$T_DIR/sendmail" -C "$CONF" --dry-run -t <"$IN" >/dev/null 2>"$T_ERR" || T_RC=$?
expect "called as sendmail" 64 "no recipients"

# --- memory does not grow with the message -------------------------------
rss() {	# peak RSS in KiB of a dry run over N MiB of body
	"$PY" -c 'import sys
sys.stdout.buffer.write(b"Subject: big\n\n")
line=b"x"*76+b"\n"
for i in range(int(sys.argv[1])*1024*1024//77): sys.stdout.buffer.write(line)' "$1" >"$T_DIR/big"
	/usr/bin/time -f %M -o "$T_DIR/rss" "$OUTBOX" -C "$CONF" --dry-run bob@example.org <"$T_DIR/big" >/dev/null 2>&1
	cat "$T_DIR/rss"
}
if test -x /usr/bin/time; then
	small=$(rss 1)
	large=$(rss 64)
	check "peak memory flat in message size (1 MiB: ${small} KiB, 64 MiB: ${large} KiB)" test $((large - small)) -lt 2048
fi
finish
