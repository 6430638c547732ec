# matrix.sh -- the main send matrix, run against each real server of the
# slow suites (tests/exim.sh, tests/nodemailer.sh).  Source it after
# harness.sh; then mx_run runs every case.
#
# Cases: a plain (no TLS) session; STARTTLS; implicit TLS; AUTH PLAIN
# and AUTH LOGIN; an 8-bit body; an SMTPUTF8 recipient; a large
# attachment; a non-MIME body, a MIME single text part and a header
# with lines over 998 octets; a 4xx to RCPT, then `outbox -q`.  Each case asserts
# outbox's exit code and what the server received: the envelope, the
# message byte for byte (after the server's own trace headers are taken
# off) against what outbox's --dry-run says it sends and, where outbox
# must not change the message, against the input; no line over 998
# octets and CRLF everywhere; the original header lines kept, in order.
#
# The suite sets, before mx_run:
#   MX_NAME         the server's name, for the case names
#   MX_PLAIN_PORT   a port without TLS (may also offer STARTTLS)
#   MX_SUBMIT_PORT  a port offering STARTTLS
#   MX_SMTPS_PORT   an implicit-TLS port
#   MX_CA           the CA file that verifies the server's certificate
#   MX_USER MX_PASS a login the server accepts with PLAIN and LOGIN
# and defines:
#   mx_received TAG EML ENV   wait (up to $MX_WAIT seconds, default 20)
#       for the message whose header "X-Outbox-Test: TAG" arrived; write its bytes to EML (CRLF
#       line ends, the server's own trace headers taken off) and its
#       envelope to ENV, lines "from ADDR", "rcpt ADDR" and, if the
#       server knows, "user NAME" (the login) and "body 8BITMIME|7BIT";
#       status 1 when no such message came.
#   mx_defer on|off           from now on every RCPT gets a 4xx (on), or
#       no longer (off).
#   mx_settle                 (optional) the server is done with everything
#       it accepted (a delivery in progress is finished)

MX_SENDER=sender@example.org
MX_RCPT=bob@example.org
MX_CHECK=$srcdir/tests/lib/mimecheck.py

# mx_conf FILE MODE AUTH: an outbox configuration for MODE (plain,
# starttls, implicit) with AUTH (off, plain, login); the queue in
# $T_DIR/queue.
mx_conf() {
	{
		echo "account default"
		echo "host 127.0.0.1"
		case $2 in
		plain) echo "port $MX_PLAIN_PORT"; echo "tls off" ;;
		starttls) echo "port $MX_SUBMIT_PORT"; echo "tls on"
			echo "tls_starttls on" ;;
		implicit) echo "port $MX_SMTPS_PORT"; echo "tls on"
			echo "tls_starttls off" ;;
		esac
		echo "tls_trust_file $MX_CA"
		echo "from $MX_SENDER"
		echo "timeout 30"
		echo "queue_dir $T_DIR/queue"
		if test "$3" = off; then
			echo "auth off"
		else
			echo "user $MX_USER"
			echo "password $MX_PASS"
			echo "auth $3"
		fi
	} | mkconf "$1"
}

# mx_message TAG FILE [TO]: a complete message (LF line ends) with every
# header outbox could add (so it adds none), the body from stdin.
mx_message() {
	{
		printf 'From: Sender <%s>\n' "$MX_SENDER"
		printf 'To: %s\n' "${3:-Bob <$MX_RCPT>}"
		printf 'Subject: outbox matrix %s\n' "$1"
		printf 'Date: Thu, 01 Jan 2026 12:00:00 +0000\n'
		printf 'Message-ID: <%s.matrix@example.org>\n' "$1"
		printf 'X-Outbox-Test: %s\n' "$1"
		cat
	} >"$2"
}

# A body exercising dot-stuffing, trailing white space, a tab, "From ".
mx_ascii_body() {
	printf '\nHello Bob,\n.\n..two dots\n.leading dot\n'
	printf 'From the start of a line\ntrailing spaces   \n\ttab\n\nend\n'
}

# mx_crlf IN OUT: IN with CRLF line ends
mx_crlf() { sed 's/$/\r/' "$1" >"$2"; }

# mx_send NAME TAG CONF IN [ARG...]: outbox -C CONF -i -v ARGS <IN (the
# recipient $MX_RCPT unless ARGS give one), then the message as
# received into $T_DIR/got.TAG.eml and .env; status 1 (after a failure)
# when outbox did not exit 0 or nothing arrived.
mx_send() {
	_n=$1 _t=$2 _c=$3 _in=$4
	shift 4
	test $# -gt 0 || set -- "$MX_RCPT"
	run_outbox "$_in" -C "$_c" -f "$MX_SENDER" -i -v "$@"
	cp "$T_ERR" "$T_DIR/stderr.$_t"
	expect "$_n: exit 0" 0 || return 1
	test "$T_RC" = 0 || return 1
	if mx_received "$_t" "$T_DIR/got.$_t.eml" "$T_DIR/got.$_t.env"; then
		pass "$_n: the server received it"
	else
		fail "$_n: the server received it" "no message tagged $_t" \
		    "outbox said: $(tail -n 3 "$T_ERR")"
		return 1
	fi
}

# mx_dryrun TAG CONF IN [ARG...]: what outbox --dry-run says it would send
# for the same invocation, in $T_DIR/dry.TAG.eml
mx_dryrun() {
	_t=$1 _c=$2 _in=$3
	shift 3
	test $# -gt 0 || set -- "$MX_RCPT"
	run_outbox "$_in" --dry-run -C "$_c" -f "$MX_SENDER" -i "$@"
	"$PY" "$MX_CHECK" dryrun "$T_OUT" "$T_DIR/dry.$_t.eml" >/dev/null
}

# mx_env NAME TAG KEY VALUE: the envelope has the line "KEY VALUE"
mx_env() {
	if grep -qxF -- "$3 $4" "$T_DIR/got.$2.env"; then
		pass "$1: envelope $3 $4"
	else
		fail "$1: envelope $3 $4" "envelope: $(cat "$T_DIR/got.$2.env")"
	fi
}

# mx_envelope NAME TAG [RCPT]: sender and the one recipient as sent
mx_envelope() {
	mx_env "$1" "$2" from "$MX_SENDER"
	mx_env "$1" "$2" rcpt "${3:-$MX_RCPT}"
	check "$1: one recipient" test "$(grep -c '^rcpt ' "$T_DIR/got.$2.env")" = 1
}

# mx_wire NAME EML: CRLF everywhere, no line over 998 octets
mx_wire() {
	chk "$1: CRLF line ends, no line over 998 octets" \
	    "$PY" "$MX_CHECK" wire "$2" --header-max 0
}

# mx_headers_kept NAME IN EML: IN's header lines are all in EML's header
# block, unchanged and in the same order (EML may have more).
mx_headers_kept() {
	chk "$1: the original header lines are kept, in order" "$PY" -c '
import sys
def heads(p):
    d = open(p, "rb").read().replace(b"\r\n", b"\n")
    return d.split(b"\n\n", 1)[0].split(b"\n")
want, got = heads(sys.argv[1]), heads(sys.argv[2])
i = 0
for line in got:
    if i < len(want) and line == want[i]:
        i += 1
if i < len(want):
    print("missing or changed: %r" % want[i])
    print("received headers: %r" % got)
    sys.exit(1)' "$2" "$3"
}

# mx_decodes NAME EML BODY: EML's (first) text/plain part, decoded as
# its Content-Transfer-Encoding says, is BODY's bytes, line ends aside
# (mx_wire checks those; a non-MIME message is one text/plain part).
mx_decodes() {
	chk "$1: the text decodes to the original" "$PY" -c '
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.default)
part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"),
            None)
if part is None:
    sys.exit("no text/plain part")
got = part.get_payload(decode=True).replace(b"\r\n", b"\n")
want = open(sys.argv[2], "rb").read()
if got != want:
    print("decoded %d octets, expected %d" % (len(got), len(want)))
    for i, (a, b) in enumerate(zip(got.split(b"\n"), want.split(b"\n"))):
        if a != b:
            print("line %d: %r..." % (i + 1, a[:60]))
            print("  want: %r..." % b[:60])
            break
    sys.exit(1)' "$2" "$3"
}

# mx_unchanged NAME TAG IN: received byte for byte as IN (with CRLF) and
# as --dry-run shows it
mx_unchanged() {
	mx_crlf "$3" "$T_DIR/want.$2.eml"
	check_cmp "$1: received byte for byte as the input" \
	    "$T_DIR/want.$2.eml" "$T_DIR/got.$2.eml"
}

# mx_as_dryrun NAME TAG: received byte for byte as --dry-run printed it
mx_as_dryrun() {
	check_cmp "$1: received byte for byte as --dry-run shows it" \
	    "$T_DIR/dry.$2.eml" "$T_DIR/got.$2.eml"
}

# mx_said NAME ERE: the -v transcript of the last send matches ERE
mx_said() {
	if grep -Eq -- "$2" "$T_ERR"; then
		pass "$1: transcript has /$2/"
	else
		fail "$1: transcript has /$2/" \
		    "$(grep -E '^(C: (MAIL|RCPT|AUTH|STARTTLS)|outbox:)' \
		    "$T_ERR" | head -n 8)"
	fi
}

# mx_simple NAME TAG MODE AUTH: the ASCII message over MODE with AUTH
mx_simple() {
	_sn=$1 _st=$2
	mx_conf "$T_DIR/conf.$_st" "$3" "$4"
	mx_ascii_body | mx_message "$_st" "$T_DIR/in.$_st"
	mx_send "$_sn" "$_st" "$T_DIR/conf.$_st" "$T_DIR/in.$_st" || return
	mx_envelope "$_sn" "$_st"
	mx_unchanged "$_sn" "$_st" "$T_DIR/in.$_st"
	mx_wire "$_sn" "$T_DIR/got.$_st.eml"
	case $3 in
	plain) check "$_sn: no TLS" ! grep -q '^-- TLS' "$T_ERR" ;;
	starttls) mx_said "$_sn" '^C: STARTTLS$' ;;
	implicit) check "$_sn: TLS without STARTTLS" \
		grep -q '^-- TLS' "$T_ERR"
		check "$_sn: no STARTTLS" ! grep -q '^C: STARTTLS' "$T_ERR" ;;
	esac
	case $4 in
	off) check "$_sn: no AUTH" ! grep -q '^C: AUTH' "$T_ERR" ;;
	*) _m=$(echo "$4" | tr a-z A-Z)
		mx_said "$_sn" "^C: AUTH $_m( |\$)"
		mx_env "$_sn" "$_st" user "$MX_USER"
		check "$_sn: the password is in no output" \
		    ! grep -qF -e "$MX_PASS" "$T_OUT" "$T_ERR" ;;
	esac
}

mx_case_8bit() {
	_n="$MX_NAME 8-bit body" _t=8bit
	mx_conf "$T_DIR/conf.$_t" starttls plain
	printf '\nGr\303\274\303\237e aus K\303\266ln, \346\227\245\346\234\254\n.\nend\n' |
	    mx_message "$_t" "$T_DIR/in.$_t"
	mx_send "$_n" "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t" || return
	mx_envelope "$_n" "$_t"
	mx_said "$_n" '^C: MAIL FROM:<[^>]*>.* BODY=8BITMIME'
	if grep -q '^body ' "$T_DIR/got.$_t.env"; then
		mx_env "$_n" "$_t" body 8BITMIME
	fi
	mx_unchanged "$_n" "$_t" "$T_DIR/in.$_t"
}

mx_case_smtputf8() {
	_n="$MX_NAME SMTPUTF8 recipient" _t=smtputf8
	_r="j$(printf '\303\266')rg@example.org"
	mx_conf "$T_DIR/conf.$_t" starttls plain
	printf '\nHallo J\303\266rg\n' |
	    mx_message "$_t" "$T_DIR/in.$_t" "J$(printf '\303\266')rg <$_r>"
	mx_send "$_n" "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t" "$_r" || return
	mx_envelope "$_n" "$_t" "$_r"
	mx_said "$_n" '^C: MAIL FROM:<[^>]*>.* SMTPUTF8'
	mx_said "$_n" "^C: RCPT TO:<$_r>"
	mx_unchanged "$_n" "$_t" "$T_DIR/in.$_t"
}

mx_case_large() {
	_n="$MX_NAME large attachment" _t=large
	mx_conf "$T_DIR/conf.$_t" implicit plain
	head -c 5000000 /dev/urandom >"$T_DIR/large.bin"
	printf 'see the attachment\n' >"$T_DIR/large.txt"
	run_outbox "$T_DIR/large.txt" -C "$T_DIR/conf.$_t" -v \
	    -s "outbox matrix $_t" -a "$T_DIR/large.bin" \
	    -H "X-Outbox-Test: $_t" "$MX_RCPT"
	cp "$T_ERR" "$T_DIR/stderr.$_t"
	expect "$_n: exit 0" 0
	test "$T_RC" = 0 || return
	if ! mx_received "$_t" "$T_DIR/got.$_t.eml" "$T_DIR/got.$_t.env"; then
		fail "$_n: the server received it" "no message tagged $_t"
		return
	fi
	pass "$_n: the server received it"
	mx_envelope "$_n" "$_t"
	_want="$(sha256sum <"$T_DIR/large.bin" | cut -d' ' -f1) 5000000 large.bin"
	_got=$("$PY" "$MX_CHECK" bigsha "$T_DIR/got.$_t.eml" 2>&1)
	check "$_n: the attachment arrived intact ($_want)" \
	    test "$_got" = "$_want"
	test "$_got" = "$_want" || echo "    got: $(echo "$_got" | head -n 3)"
}

# mx_long_line N: N octets of printable text, no white space
mx_long_line() {
	awk -v n="$1" 'BEGIN { s = ""; while (length(s) < n) s = s "0123456789abcdefghij"; print substr(s, 1, n) }'
}

mx_case_long_plain() {
	_n="$MX_NAME long lines, non-MIME body" _t=longplain
	mx_conf "$T_DIR/conf.$_t" starttls plain
	{
		printf 'first line\n'
		mx_long_line 1500
		mx_long_line 5000
		printf 'last line\n'
	} >"$T_DIR/body.$_t"
	{ echo; cat "$T_DIR/body.$_t"; } | mx_message "$_t" "$T_DIR/in.$_t"
	mx_dryrun "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t"
	mx_send "$_n" "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t" || return
	mx_envelope "$_n" "$_t"
	mx_wire "$_n" "$T_DIR/got.$_t.eml"
	mx_headers_kept "$_n" "$T_DIR/in.$_t" "$T_DIR/got.$_t.eml"
	mx_decodes "$_n" "$T_DIR/got.$_t.eml" "$T_DIR/body.$_t"
	mx_as_dryrun "$_n" "$_t"
}

mx_case_long_header() {
	_n="$MX_NAME long header line" _t=longhdr
	mx_conf "$T_DIR/conf.$_t" starttls plain
	_refs=$(for i in $(seq 60); do printf ' <%s.abcdefghij@example.org>' $i; done)
	printf 'References:%s

body
' "$_refs" | mx_message "$_t" "$T_DIR/in.$_t"
	mx_send "$_n" "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t" || return
	mx_envelope "$_n" "$_t"
	mx_wire "$_n" "$T_DIR/got.$_t.eml"
	chk "$_n: References unfolds to the original" "$PY" -c '
import sys
d = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0]
d = d.replace(b"\r\n ", b" ").replace(b"\r\n\t", b"\t")
refs = [l for l in d.split(b"\r\n") if l.lower().startswith(b"references:")]
if refs != [b"References:" + sys.argv[2].encode()]:
    sys.exit("References: %r" % refs)' "$T_DIR/got.$_t.eml" "$_refs"
}

mx_case_long_mime() {
	_n="$MX_NAME long lines, MIME text part" _t=longmime
	mx_conf "$T_DIR/conf.$_t" starttls plain
	{
		printf 'Gr\303\274\303\237e\n'
		mx_long_line 1500
		printf '\303\244'
		mx_long_line 2000
		printf 'last line\n'
	} >"$T_DIR/body.$_t"
	{
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\n'
		cat "$T_DIR/body.$_t"
	} | mx_message "$_t" "$T_DIR/in.$_t"
	# Re-encoding the part changes its Content-Transfer-Encoding only.
	grep -v '^Content-Transfer-Encoding:' "$T_DIR/in.$_t" >"$T_DIR/in.$_t.hdr"
	mx_dryrun "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t"
	mx_send "$_n" "$_t" "$T_DIR/conf.$_t" "$T_DIR/in.$_t" || return
	mx_envelope "$_n" "$_t"
	mx_wire "$_n" "$T_DIR/got.$_t.eml"
	mx_decodes "$_n" "$T_DIR/got.$_t.eml" "$T_DIR/body.$_t"
	mx_headers_kept "$_n" "$T_DIR/in.$_t.hdr" "$T_DIR/got.$_t.eml"
	mx_as_dryrun "$_n" "$_t"
}

mx_case_tempfail() {
	_n="$MX_NAME 4xx, then outbox -q" _t=tempfail
	mx_conf "$T_DIR/conf.$_t" starttls plain
	mx_ascii_body | mx_message "$_t" "$T_DIR/in.$_t"
	mx_defer on
	run_outbox "$T_DIR/in.$_t" -C "$T_DIR/conf.$_t" -f "$MX_SENDER" -i \
	    "$MX_RCPT"
	cp "$T_ERR" "$T_DIR/stderr.$_t.1"
	expect "$_n: exit 0 and queued on the 4xx" 0 \
	    'RCPT TO:<[^>]*>.* 45[0-9] .*queue'
	check "$_n: one entry in the queue" \
	    test "$(ls "$T_DIR/queue/queue" 2>/dev/null | grep -vc '\.env$')" = 1
	if command -v mx_settle >/dev/null; then mx_settle; fi
	if MX_WAIT=2 mx_received "$_t" "$T_DIR/got.$_t.eml" \
	    "$T_DIR/got.$_t.env" 2>/dev/null; then
		fail "$_n: nothing delivered while the server defers"
	else
		pass "$_n: nothing delivered while the server defers"
	fi
	mx_defer off
	run_outbox /dev/null -C "$T_DIR/conf.$_t" -q
	cp "$T_ERR" "$T_DIR/stderr.$_t.2"
	expect "$_n: outbox -q exits 0" 0
	if mx_received "$_t" "$T_DIR/got.$_t.eml" "$T_DIR/got.$_t.env"; then
		pass "$_n: the flush delivered it"
		mx_envelope "$_n" "$_t"
		mx_unchanged "$_n" "$_t" "$T_DIR/in.$_t"
	else
		fail "$_n: the flush delivered it" "$(cat "$T_ERR")"
	fi
	check "$_n: the queue is empty" \
	    test -z "$(ls "$T_DIR/queue/queue" 2>/dev/null)"
}

mx_run() {
	mx_simple "$MX_NAME plain" plain plain off
	mx_simple "$MX_NAME STARTTLS" starttls starttls off
	mx_simple "$MX_NAME implicit TLS" implicit implicit off
	mx_simple "$MX_NAME AUTH PLAIN (STARTTLS)" authplain starttls plain
	mx_simple "$MX_NAME AUTH LOGIN (implicit TLS)" authlogin implicit login
	mx_simple "$MX_NAME AUTH PLAIN (no TLS, loopback)" authclear plain plain
	mx_case_8bit
	mx_case_smtputf8
	mx_case_large
	mx_case_long_plain
	mx_case_long_mime
	mx_case_long_header
	mx_case_tempfail
}
