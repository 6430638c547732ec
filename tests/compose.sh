#!/bin/bash
# tests/compose.sh -- composer mode (-s, -a, --cc, --bcc, --reply-to,
# --html, --body, --from, -H), international addresses, aliases and local
# name rewriting, sendmail-mode quoted-printable, --dry-run, and constant
# memory with a large attachment.
#
# Messages go to real aiosmtpd servers (tests/lib/smarthost.py, on
# 127.0.0.1, port 0): one offering 8BITMIME (the default), one offering
# SMTPUTF8 (--smtputf8), one without 8BITMIME (--no-8bitmime).  Every
# received message is parsed with Python's email package
# (tests/lib/mimecheck.py) and compared with the originals: decoded parts,
# filenames, subject, display names and addresses; every line must end in
# CRLF and be at most 998 octets, every header line of a composed message
# at most 78 (not asserted for a subject that is one 240-character word).
# The large attachment goes to a fourth server, without --log, and
# outbox's peak RSS (mimecheck.py rss) must not grow with its size.
#
# Environment: OUTBOX (the binary under test; make check sets it), srcdir
# (the source tree; default: this script's tree), BIG_MB (size of the
# large attachment in MiB, default 32), COMPOSE_BIG_ONLY=1 (only the
# large attachment: tests/compose-big.sh, 200 MiB, in make check-slow),
# LIB_KEEP=1 keeps the work directory.
#
# Exit: 0 all passed, 1 a case failed, 77 (skip) when aiosmtpd is missing
# and CI is not set.  The last line is "N passed, N failed".
set -u

. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
need_outbox
need_aiosmtpd

MC=$srcdir/tests/lib/mimecheck.py
BIG_MB=${BIG_MB:-32}
Q=$T_DIR/queue
IN=$T_DIR/in
mkdir -p "$IN"

# ---- helpers -----------------------------------------------------------------

# jm JSON PYEXPR: the envelope record N.json (as m) satisfies PYEXPR;
# prints the record otherwise.
jm() {
	"$PY" -c 'import json, sys
m = json.load(open(sys.argv[1]))
if eval(sys.argv[2]):
    sys.exit(0)
print("not true: %s" % sys.argv[2])
for k in ("mail_from", "mail_options", "rcpt_tos", "smtp_utf8"):
    print("%s: %r" % (k, m.get(k)))
sys.exit(1)' "$1" "$2"
}

count() { ls "$T_DIR/$1.mail" 2>/dev/null | grep -c '\.eml$'; }

# size_ok NAME: the SIZE= the message was announced with (RFC 1870: as
# transmitted, before dot-stuffing) is the size that arrived.
size_ok() {
	chk "$1: SIZE= is the size received" jm "$GOT.json" \
	    '[o.upper() for o in m["mail_options"] if o.upper().startswith("SIZE=")] == ["SIZE=%d" % m["size"]]'
}

# conf NAME PORT [EXTRA-LINES]: $T_DIR/NAME.conf
conf() {
	mkconf "$T_DIR/$1.conf" <<EOC
account default
host 127.0.0.1
port $2
tls off
domain test.example
from sender@example.org
queue_dir ${QDIR:-$Q}
timeout 30
${3:-}
EOC
}

# send CONF[@SERVER] STDIN ARGS...: run outbox with -C $T_DIR/CONF.conf
# (a configuration for SERVER, which defaults to CONF); T_RC, T_OUT,
# T_ERR as run_outbox; NEW is the number of messages that arrived at
# SERVER, GOT the path (without .eml/.json) of the one new message or
# empty.
send() {
	_conf=${1%@*} _srv=${1#*@} _in=$2
	shift 2
	_before=$(count "$_srv")
	run_outbox "$_in" -C "$T_DIR/$_conf.conf" "$@"
	NEW=$(($(count "$_srv") - _before))
	GOT=
	if test "$NEW" = 1; then
		GOT=$T_DIR/$_srv.mail/$((_before + 1))
	fi
}

# sent NAME CONF[@SERVER] STDIN ARGS...: send, then pass if outbox exited 0 and
# exactly one message arrived (status 0), else fail (status 1).
sent() {
	_name=$1
	shift
	send "$@"
	if test "$T_RC" = 0 && test -n "$GOT"; then
		pass "$_name: exit 0, arrives"
		return 0
	fi
	fail "$_name: exit 0, arrives" "exit $T_RC, $NEW message(s) arrived" \
	    "stderr: $(head -c 600 "$T_ERR")"
	return 1
}

# mc NAME ARGS...: mimecheck.py check on the message just received.
mc() {
	_name=$1
	shift
	chk "$_name" "$PY" "$MC" check "$GOT.eml" "$@"
}

# refused NAME CODE ERE CONF[@SERVER] STDIN ARGS...: outbox exits CODE, stderr
# matches ERE (fixed string if it starts with "F:"), nothing arrives.
refused() {
	_name=$1 _code=$2 _re=$3
	shift 3
	send "$@"
	_why=
	test "$T_RC" = "$_code" || _why="exit $T_RC, expected $_code"
	case $_re in
	F:*) grep -qF -- "${_re#F:}" "$T_ERR" ||
		_why="$_why; stderr does not contain '${_re#F:}'" ;;
	?*) grep -qE -- "$_re" "$T_ERR" ||
		_why="$_why; stderr does not match /$_re/" ;;
	esac
	test "$NEW" = 0 || _why="$_why; $NEW message(s) arrived"
	if test -z "$_why"; then
		pass "$_name"
	else
		fail "$_name" "${_why#; }" "stderr: $(head -c 600 "$T_ERR")"
	fi
}

# queue_mark; ...; queue_same: no entry was added to (or removed from)
# the queue's queue/ and failed/ folders, and tmp/ is empty.  (A
# permanent refusal earlier in the suite leaves its entry in failed/.)
queue_list() {
	find "$Q/queue" "$Q/failed" "$Q/tmp" -type f 2>/dev/null | sort
}
queue_mark() { queue_list >"$T_DIR/queue.mark"; }
queue_same() { queue_list | diff "$T_DIR/queue.mark" -; }

# ---- servers -------------------------------------------------------------------

start_smarthost s8 || exit 99
P8=$SH_PORT
start_smarthost su --smtputf8 || exit 99
PU=$SH_PORT
start_smarthost s7 --no-8bitmime || exit 99
P7=$SH_PORT
# The large attachment goes to a server of its own: without --log (it
# would log every line of DATA) and with time for a long DATA.
mkdir -p "$T_DIR/sbig.mail"
lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" --maildir "$T_DIR/sbig.mail" \
    --port-file "$T_DIR/sbig.port" --size-limit 0 --timeout 900 \
    2>>"$T_DIR/sbig.err"
lib_wait_file "$T_DIR/sbig.port" || { cat "$T_DIR/sbig.err" >&2; exit 99; }
PBIG=$(cat "$T_DIR/sbig.port")
DOWN=$(closed_port)

conf s8 "$P8"
conf su "$PU"
conf s7 "$P7"
conf sbig "$PBIG" "timeout 300"
conf down "$DOWN"
conf name "$P8" "from_full_name Configured Näme"

# ---- inputs --------------------------------------------------------------------

"$PY" - "$IN" <<'EOF' || { echo "compose.sh: cannot write inputs" >&2; exit 99; }
import os, random, sys
d = sys.argv[1]
rnd = random.Random(20240501)

def w(name, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

w("ascii.txt", "Hello,\n\nplain ASCII body.\n.leading dot\n..two dots\n"
  ".\nFrom the start of a line\nlast line\n")
w("utf8.txt", "Grüße aus Köln, ½ € ✓ 日本語 🎉\nzweite Zeile\n")
w("crlf.txt", "Grüße aus Köln, ½ € ✓ 日本語 🎉\r\nzweite Zeile\r\n")
longline = "".join(rnd.choice("abcdefghij klmnö=.é") for _ in range(5000))
w("long.txt", "short line\n" + longline + "\ntrailing spaces   \ntab\t\n"
  "a=b =3D .\n.\n" + "y" * 998 + "\n" + "z" * 999 + "\nend\n")
w("html.html", "<html><body><p>Grüße — ü ✓</p>\n<p>second</p>"
  "</body></html>\n")
w("longhtml.html", "<html><body><p>" + "".join(
    rnd.choice("abcdef ghé") for _ in range(3000)) + "</p></body></html>\n")

def rs(n):
    return "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                              "rstuvwxyz0123456789'()+_,-./:=?") for _ in range(n))
blines = ["before", "--=_", "--=_outbox", "--", "--" + rs(70),
          "--=_outbox_" + "x" * 60, "--=_outbox--", "--" + "-" * 70,
          "--=_" + rs(40) + "--", "-- ", "--" + rs(30), "after"]
w("boundary.txt", "\n".join(blines) + "\n")
w("boundary.html", "<pre>\n" + "\n".join(blines) + "\n</pre>\n")
w("att/boundary-lines.txt", "\n".join(blines) + "\n")

w("att/random1m.bin", os.urandom(1024 * 1024))
w("att/empty.dat", b"")
w("att/rapport d'été.pdf", b"%PDF-1.4\n" + os.urandom(3000))
w("att/日本語のファイル名.txt", "日本語のテキスト\n")
longname = "Überlänge-" + "".join("äb"[i % 2] for i in range(136)) + ".txt"
assert len(longname) == 150 and len(longname.encode()) < 255
w("att/" + longname, "long name\n")
w('att/a "quoted" name.bin', os.urandom(100))
w("att/sub/dir/deep.txt", "deep\n")
for n in ("t.pdf", "t.PNG", "t.jpg", "t.JPEG", "t.txt", "t.html", "t.zip",
          "t.gz", "t.csv", "t.json", "t.xyzunknown", "noext", "t.obxt"):
    w("types/" + n, os.urandom(10))
with open(os.path.join(d, "longname"), "w") as f:
    f.write(longname)
EOF
LONGNAME=$(cat "$IN/longname")
A=$IN/att

# ---- a large attachment: constant memory ------------------------------------
# big_attachment: a BIG_MB MiB attachment arrives intact and outbox's peak
# RSS does not grow with it (at most 16 MiB over a 1 KB one, so BIG_MB must
# be well over 16 to prove anything: 32 in make check; 200 in make
# check-slow, tests/compose-big.sh, which runs only this).
big_attachment() {
	head -c $((BIG_MB * 1024 * 1024)) /dev/urandom >"$T_DIR/big.bin"
	head -c 1024 /dev/urandom >"$T_DIR/small.bin"
	# ASan's quarantine keeps freed memory; it must not count as growth.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0"
	rss_send() {	# rss_send FILE KIBFILE: send FILE as an attachment
		_b=$(count sbig)
		T_RC=0
		"$PY" "$MC" rss --timeout 900 "$2" "$OUTBOX" -C "$T_DIR/sbig.conf" \
		    -s "size $(wc -c <"$1")" -a "$1" bob@example.org \
		    <"$IN/ascii.txt" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
		NEW=$(($(count sbig) - _b))
		GOT=$T_DIR/sbig.mail/$((_b + 1))
	}
	rss_send "$T_DIR/small.bin" "$T_DIR/small.rss"
	small_ok=no
	if test "$T_RC" = 0 && test "$NEW" = 1; then
		small_ok=yes
		pass "1 KB attachment: arrives"
	else
		fail "1 KB attachment: arrives" "exit $T_RC, $NEW arrived" \
		    "stderr: $(head -c 600 "$T_ERR")"
	fi
	t0=$(date +%s)
	rss_send "$T_DIR/big.bin" "$T_DIR/big.rss"
	t1=$(date +%s)
	if test "$T_RC" = 0 && test "$NEW" = 1; then
		pass "$BIG_MB MB attachment: arrives"
		want=$(sha256sum <"$T_DIR/big.bin" | cut -d' ' -f1)
		"$PY" "$MC" bigsha "$GOT.eml" >"$T_DIR/big.sha" 2>&1
		echo "$want $((BIG_MB * 1024 * 1024)) big.bin" >"$T_DIR/big.sha.want"
		check_cmp "$BIG_MB MB attachment: sha256 and size, every line CRLF and <= 998" \
		    "$T_DIR/big.sha.want" "$T_DIR/big.sha"
		echo "sizes: attachment $(wc -c <"$T_DIR/big.bin") bytes, message $(wc -c <"$GOT.eml") bytes, sent in $((t1 - t0)) s"
		rm -f "$GOT.eml"
		if test $small_ok = yes; then
			big_kib=$(cat "$T_DIR/big.rss")
			small_kib=$(cat "$T_DIR/small.rss")
			echo "peak RSS: $BIG_MB MB attachment $big_kib KiB, 1 KB attachment $small_kib KiB"
			chk "peak RSS with $BIG_MB MB at most 16 MiB over 1 KB ($big_kib vs $small_kib KiB)" \
			    test "$big_kib" -le $((small_kib + 16384))
		fi
	else
		fail "$BIG_MB MB attachment: arrives" "exit $T_RC, $NEW arrived" \
		    "stderr: $(head -c 600 "$T_ERR")"
	fi
	rm -f "$T_DIR/big.bin"
}

if test -n "${COMPOSE_BIG_ONLY:-}"; then
	big_attachment
	finish
	exit
fi

# ---- the test servers themselves ------------------------------------------

printf 'Subject: ehlo\n\nx\n' >"$IN/ehlo.eml"
send su "$IN/ehlo.eml" -v bob@example.org
chk "smarthost --smtputf8 offers SMTPUTF8" grep -qx 'S: 250-SMTPUTF8' "$T_ERR"
send s7 "$IN/ehlo.eml" -v bob@example.org
chk "smarthost --no-8bitmime does not offer 8BITMIME" \
    sh -c "test $T_RC = 0 && grep -q '^S: 250' '$T_ERR' && ! grep -q 8BITMIME '$T_ERR'"
send s8 "$IN/ehlo.eml" -v bob@example.org
chk "smarthost offers 8BITMIME by default, not SMTPUTF8" \
    sh -c "grep -qx 'S: 250-8BITMIME' '$T_ERR' && ! grep -q SMTPUTF8 '$T_ERR'"

# ---- bodies --------------------------------------------------------------------

if sent "ASCII body" s8 "$IN/ascii.txt" -s 'Plain subject' bob@example.org; then
	mc "ASCII body: text/plain utf-8 7bit, headers once each, exact" \
	    --composed --mime --subject 'Plain subject' \
	    --from '*' sender@example.org --to '' bob@example.org \
	    --tree text/plain --text "$IN/ascii.txt" --cte 7bit --no-att
	chk "ASCII body: envelope" jm "$GOT.json" \
	    'm["mail_from"] == "sender@example.org" and m["rcpt_tos"] == ["bob@example.org"]'
	chk "ASCII body: Date and Message-ID look right" "$PY" -c '
import email, email.policy, email.utils, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert email.utils.parsedate_to_datetime(str(m["date"])).tzinfo is not None, m["date"]
assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(m["message-id"])), m["message-id"]' "$GOT.eml"
fi

if sent "UTF-8 body" s8 "$IN/utf8.txt" -s 'UTF-8 body' bob@example.org; then
	mc "UTF-8 body: 8bit, exact" --composed --mime --tree text/plain \
	    --text "$IN/utf8.txt" --cte 8bit
	chk "UTF-8 body: MAIL FROM has BODY=8BITMIME" jm "$GOT.json" \
	    '"BODY=8BITMIME" in m["mail_options"]'
fi

if sent "CRLF body" s8 "$IN/crlf.txt" -s 'CRLF body' bob@example.org; then
	mc "CRLF body: CRLF once, exact" --composed --text "$IN/crlf.txt" \
	    --cte 8bit
fi

if sent "long lines" s8 "$IN/long.txt" -s 'long lines' bob@example.org; then
	mc "long lines: quoted-printable, no line over 998, exact" --composed \
	    --mime --tree text/plain --text "$IN/long.txt" \
	    --cte quoted-printable
fi

if sent "empty body" s8 /dev/null -s 'empty body' bob@example.org; then
	mc "empty body: text/plain, decodes to nothing" --composed --mime \
	    --tree text/plain --text /dev/null
fi

if sent "--body FILE" s8 /dev/null --body "$IN/utf8.txt" -s 'body file' \
    bob@example.org; then
	mc "--body FILE: exact" --composed --text "$IN/utf8.txt"
	size_ok "8-bit body, 8BITMIME"
fi

if sent "8-bit body, server without 8BITMIME" s7 "$IN/utf8.txt" \
    -s 'no 8bitmime' bob@example.org; then
	mc "8-bit body, no 8BITMIME: quoted-printable, 7-bit only, exact" \
	    --composed --mime --text "$IN/utf8.txt" --cte quoted-printable \
	    --seven-bit
	chk "8-bit body, no 8BITMIME: no BODY=8BITMIME" jm "$GOT.json" \
	    'not any(o.startswith("BODY=8") for o in m["mail_options"])'
	size_ok "8-bit body, no 8BITMIME"
fi
if sent "ASCII body, server without 8BITMIME" s7 "$IN/ascii.txt" \
    -s 'no 8bitmime ascii' bob@example.org; then
	mc "ASCII body, no 8BITMIME: 7bit, exact" --composed \
	    --text "$IN/ascii.txt" --cte 7bit --seven-bit
fi

# ---- subjects --------------------------------------------------------------

subject_case() {	# subject_case NAME HEADER-MAX SUBJECT
	if sent "subject $1" s8 "$IN/ascii.txt" -s "$3" bob@example.org; then
		mc "subject $1: round trip" --composed --header-max "$2" \
		    --subject "$3" --text "$IN/ascii.txt"
	fi
}
words=
for i in 1 2 3 4 5 6 7; do
	words="${words}This is a rather long subject line, number $i; "
done
subject_case "plain" 78 'Weekly report'
subject_case "long ASCII (${#words} chars, words)" 78 "${words% }"
# A single word longer than a line: only the 998 limit is asserted.
subject_case "long ASCII without spaces" 0 \
    "$(printf 'Supercalifragilistic%.0s' $(seq 12))"
subject_case "non-ASCII short" 78 'Grüße aus Köln'
greek=
for i in 1 2 3 4 5 6 7 8; do
	greek="${greek}Ελληνικά και 日本語 μικτές λέξεις $i "
done
subject_case "non-ASCII long ($(printf %s "$greek" | wc -c) octets)" 78 "${greek% }"
subject_case "emoji" 78 'Party 🎉🎂 time 👍🏽 family 👨‍👩‍👧 done'
subject_case "with a literal =?utf-8?q?x?=" 78 'Literal =?utf-8?q?x?= stays'
subject_case "non-ASCII then a literal encoded word" 78 'Grüße =?utf-8?q?x?= ü'

# ---- addresses and headers -------------------------------------------------

if sent "display names" s8 "$IN/ascii.txt" -s names \
    --from '"Zoë \"Zee\" Ångström, PhD" <zoe@example.org>' \
    --cc '"Smith, Ann" <ann@example.org>' \
    --reply-to 'Ünïcode Replies <replies@example.org>' \
    --bcc hidden@example.org \
    -H 'X-Custom: value' -H 'X-Second: two words' \
    '"Doe, Jane" <jane@example.org>, Jürgen Groß <jg@example.org>' \
    '"Jane \"JJ\" Doe" <jj@example.org>' bob@example.org; then
	mc "display names: From, To, Cc, Reply-To exact" --composed \
	    --from 'Zoë "Zee" Ångström, PhD' zoe@example.org \
	    --to 'Doe, Jane' jane@example.org --to 'Jürgen Groß' jg@example.org \
	    --to 'Jane "JJ" Doe' jj@example.org --to '' bob@example.org \
	    --cc 'Smith, Ann' ann@example.org \
	    --reply-to 'Ünïcode Replies' replies@example.org \
	    --header X-Custom value --header X-Second 'two words'
	mc "Bcc: no header, address nowhere in the message" --absent Bcc \
	    --absent-text hidden@example.org
	chk "Bcc and Cc get RCPT TO, --from is the envelope sender" jm \
	    "$GOT.json" 'm["mail_from"] == "zoe@example.org" and sorted(m["rcpt_tos"]) == sorted(["jane@example.org", "jg@example.org", "jj@example.org", "bob@example.org", "ann@example.org", "hidden@example.org"])'
fi

if sent "--from with -f" s8 "$IN/ascii.txt" -s x --from 'Me <me@example.org>' \
    -f bounce@example.net bob@example.org; then
	mc "--from with -f: From header from --from" --from Me me@example.org
	chk "--from with -f: envelope sender from -f" jm "$GOT.json" \
	    'm["mail_from"] == "bounce@example.net"'
fi

if sent "only --bcc" s8 "$IN/ascii.txt" -s x --bcc hidden@example.org; then
	mc "only --bcc: To: undisclosed-recipients:;" --composed \
	    --raw To 'undisclosed-recipients:;' --absent Bcc \
	    --absent-text hidden@example.org
	chk "only --bcc: RCPT TO the Bcc address" jm "$GOT.json" \
	    'm["rcpt_tos"] == ["hidden@example.org"]'
fi

if sent "-F name" s8 "$IN/ascii.txt" -s x -F 'Jane Q. Public' bob@example.org; then
	mc "-F name: From display name" --from 'Jane Q. Public' sender@example.org
fi
if sent "from_full_name" name@s8 "$IN/ascii.txt" -s x bob@example.org; then
	mc "from_full_name: From display name" \
	    --from 'Configured Näme' sender@example.org
fi

many=
want_many=
for i in 1 2 3 4 5 6 7 8 9 10; do
	many="$many${many:+, }Person Number $i <person$i@example.org>"
	want_many="$want_many --to 'Person Number $i' person$i@example.org"
done
if sent "ten recipients" s8 "$IN/ascii.txt" -s x "$many"; then
	eval "mc 'ten recipients: To folded, every address exact' --composed $want_many"
fi

# ---- HTML and attachments ------------------------------------------------------

if sent "--html" s8 "$IN/utf8.txt" -s html --html "$IN/html.html" \
    bob@example.org; then
	mc "--html: multipart/alternative, text then html, exact" --composed \
	    --mime --tree 'multipart/alternative(text/plain,text/html)' \
	    --text "$IN/utf8.txt" --html "$IN/html.html" --no-att
fi

if sent "1 MiB random attachment" s8 "$IN/ascii.txt" -s bin \
    -a "$A/random1m.bin" bob@example.org; then
	mc "1 MiB random attachment: mixed, base64, exact" --composed --mime \
	    --tree 'multipart/mixed(text/plain,application/octet-stream)' \
	    --text "$IN/ascii.txt" --att auto "$A/random1m.bin"
fi

if sent "empty attachment" s8 "$IN/ascii.txt" -s empty -a "$A/empty.dat" \
    bob@example.org; then
	mc "empty attachment: a part that decodes to nothing" --composed \
	    --text "$IN/ascii.txt" --att application/octet-stream "$A/empty.dat"
fi

if sent "attachment names" s8 "$IN/utf8.txt" -s names \
    -a "$A/rapport d'été.pdf" -a "$A/日本語のファイル名.txt" \
    -a "$A/$LONGNAME" -a "$A/a \"quoted\" name.bin" \
    -a "$A/sub/dir/deep.txt" bob@example.org; then
	mc "attachment names: RFC 2231 filenames, name=, types, order, bytes" \
	    --composed --mime --text "$IN/utf8.txt" \
	    --tree 'multipart/mixed(text/plain,application/pdf,text/plain,text/plain,application/octet-stream,text/plain)' \
	    --att application/pdf "$A/rapport d'été.pdf" \
	    --att text/plain "$A/日本語のファイル名.txt" \
	    --att text/plain "$A/$LONGNAME" \
	    --att auto "$A/a \"quoted\" name.bin" \
	    --att text/plain "$A/sub/dir/deep.txt"
fi

if sent "--html with attachments" s8 "$IN/utf8.txt" -s both \
    --html "$IN/html.html" -a "$A/random1m.bin" -a "$A/empty.dat" \
    bob@example.org; then
	mc "--html with attachments: mixed(alternative(plain, html), ...)" \
	    --composed --mime \
	    --tree 'multipart/mixed(multipart/alternative(text/plain,text/html),application/octet-stream,application/octet-stream)' \
	    --text "$IN/utf8.txt" --html "$IN/html.html" \
	    --att auto "$A/random1m.bin" --att auto "$A/empty.dat"
fi

if sent "boundary-like lines" s8 "$IN/boundary.txt" -s boundaries \
    --html "$IN/boundary.html" -a "$A/boundary-lines.txt" \
    -a "$A/empty.dat" bob@example.org; then
	mc "boundary-like lines in text and HTML: structure and parts exact" \
	    --composed \
	    --tree 'multipart/mixed(multipart/alternative(text/plain,text/html),text/plain,application/octet-stream)' \
	    --text "$IN/boundary.txt" --html "$IN/boundary.html" \
	    --att text/plain "$A/boundary-lines.txt" --att auto "$A/empty.dat"
fi

if sent "long lines in every part" s8 "$IN/long.txt" -s long \
    --html "$IN/longhtml.html" -a "$A/empty.dat" bob@example.org; then
	mc "long lines in every part: none over 998, parts exact" --composed \
	    --tree 'multipart/mixed(multipart/alternative(text/plain,text/html),application/octet-stream)' \
	    --text "$IN/long.txt" --cte quoted-printable \
	    --html "$IN/longhtml.html" --att auto "$A/empty.dat"
fi

if sent "multipart to a server without 8BITMIME" s7 "$IN/utf8.txt" -s 7bit \
    --html "$IN/html.html" -a "$A/rapport d'été.pdf" bob@example.org; then
	mc "multipart, no 8BITMIME: 7-bit only, parts exact" --composed \
	    --seven-bit --text "$IN/utf8.txt" --html "$IN/html.html" \
	    --att application/pdf "$A/rapport d'été.pdf"
	size_ok "multipart, no 8BITMIME"
fi

# Content-Type from the extension.
TY=$IN/types
set -- "$TY/t.pdf" "$TY/t.PNG" "$TY/t.jpg" "$TY/t.JPEG" "$TY/t.txt" \
    "$TY/t.html" "$TY/t.zip" "$TY/t.gz" "$TY/t.csv" "$TY/t.json" \
    "$TY/t.xyzunknown" "$TY/noext"
attargs=
autoargs=
for f in "$@"; do
	attargs="$attargs -a '$f'"
	autoargs="$autoargs --att auto '$f'"
done
if test -r /etc/mime.types; then
	if eval "sent 'types from /etc/mime.types' s8 '$IN/ascii.txt' -s types $attargs bob@example.org"; then
		eval "mc 'types from /etc/mime.types (any case)' --text '$IN/ascii.txt' $autoargs"
	fi
fi
if test "$T_NS" = yes && test -e /etc/mime.types; then
	# The built-in table, /etc/mime.types hidden; then a mime.types of
	# our own, which wins over the built-in table.
	: >"$T_DIR/no-mime.types"
	printf 'application/x-outbox-test\tobxt\napplication/x-pdf-test pdf\n' \
	    >"$T_DIR/mime.types"
	types_ns() {	# types_ns NAME MIME-TYPES-FILE EXPECT-FILE
		_before=$(count s8)
		T_RC=0
		eval "t_ns 'mount --bind \"\$T_DIR/$2\" /etc/mime.types' \
		    '$OUTBOX' -C '$T_DIR/s8.conf' -s types $attargs -a '$TY/t.obxt' \
		    bob@example.org <'$IN/ascii.txt' >'$T_OUT' 2>'$T_ERR'" ||
		    T_RC=$?
		NEW=$(($(count s8) - _before))
		GOT=$T_DIR/s8.mail/$((_before + 1))
		if test "$T_RC" = 0 && test "$NEW" = 1; then
			pass "$1: exit 0, arrives"
			eval "mc '$1' --mime-types '$3' $autoargs --att auto '$TY/t.obxt'"
		else
			fail "$1: exit 0, arrives" "exit $T_RC, $NEW arrived" \
			    "stderr: $(head -c 600 "$T_ERR")"
		fi
	}
	types_ns "types from the built-in table (no /etc/mime.types)" \
	    no-mime.types ''
	types_ns "types from /etc/mime.types win over the built-in table" \
	    mime.types "$T_DIR/mime.types"
fi

# ---- international addresses ---------------------------------------------------

GR='δοκιμή@παράδειγμα.δοκιμή'
if sent "UTF-8 address, SMTPUTF8 server" su "$IN/ascii.txt" -s intl "$GR"; then
	chk "UTF-8 address, SMTPUTF8 server: RCPT in UTF-8, MAIL FROM SMTPUTF8" \
	    jm "$GOT.json" 'm["rcpt_tos"] == ["'"$GR"'"] and "SMTPUTF8" in m["mail_options"]'
	mc "UTF-8 address, SMTPUTF8 server: To: in UTF-8" --composed \
	    --to '' "$GR" --has-text "$GR"
fi
if sent "IDN domain, SMTPUTF8 server" su "$IN/ascii.txt" -s intl \
    'user@bücher.example'; then
	chk "IDN domain, SMTPUTF8 server: RCPT in UTF-8, SMTPUTF8" jm \
	    "$GOT.json" 'm["rcpt_tos"] == ["user@bücher.example"] and "SMTPUTF8" in m["mail_options"]'
	mc "IDN domain, SMTPUTF8 server: To: in UTF-8" --composed \
	    --to '' 'user@bücher.example'
fi
if sent "IDN domain, no SMTPUTF8" s8 "$IN/ascii.txt" -s intl \
    'Bücherwurm <user@bücher.example>'; then
	chk "IDN domain, no SMTPUTF8: RCPT TO the A-label, no SMTPUTF8" jm \
	    "$GOT.json" 'm["rcpt_tos"] == ["user@xn--bcher-kva.example"] and "SMTPUTF8" not in m["mail_options"]'
	mc "IDN domain, no SMTPUTF8: To: shows the A-label" --composed \
	    --to Bücherwurm user@xn--bcher-kva.example \
	    --absent-text bücher.example
fi
refused "UTF-8 local part, no SMTPUTF8: exit 65, names it and SMTPUTF8, nothing sent" \
    65 "'δοκιμή@example.org'.*SMTPUTF8" s8 "$IN/ascii.txt" -s intl \
    'δοκιμή@example.org'
# Header addresses: converted like the envelope's, or the message fails.
if sent "IDN domains in From, Reply-To and the envelope, no SMTPUTF8" s8 \
    "$IN/ascii.txt" -s intl --from 'Mé <me@bücher.example>' \
    --reply-to 'Bücherwurm <r@bücher.example>' bob@example.org; then
	chk "IDN From, no SMTPUTF8: MAIL FROM the A-label, no SMTPUTF8" jm \
	    "$GOT.json" 'm["mail_from"] == "me@xn--bcher-kva.example" and "SMTPUTF8" not in m["mail_options"]'
	mc "IDN From and Reply-To, no SMTPUTF8: A-labels in every header" \
	    --composed --from Mé me@xn--bcher-kva.example \
	    --reply-to Bücherwurm r@xn--bcher-kva.example \
	    --has-text '@xn--bcher-kva.example>' --absent-text bücher.example \
	    --seven-bit
fi
refused "--reply-to domain without an A-label form, no SMTPUTF8: exit 65 naming it" \
    65 "Reply-To address 'x@☃\.example'.*SMTPUTF8" s8 "$IN/ascii.txt" \
    -s intl --reply-to 'x@☃.example' bob@example.org
refused "--reply-to UTF-8 local part, no SMTPUTF8: exit 65 naming it" \
    65 "Reply-To address 'jörg@example\.org'.*non-ASCII local part" s8 \
    "$IN/ascii.txt" -s intl --reply-to 'jörg@example.org' bob@example.org
if sent "--reply-to domain without an A-label form, SMTPUTF8 server" su \
    "$IN/ascii.txt" -s intl --reply-to 'x@☃.example' bob@example.org; then
	mc "--reply-to without an A-label form, SMTPUTF8: as given" \
	    --composed --reply-to '' 'x@☃.example'
fi

# ---- refusals ------------------------------------------------------------------

for a in 'a@@b' '<a@b' 'a b@c'; do
	refused "invalid recipient '$a': exit 64, named" 64 "F:$a" \
	    s8 "$IN/ascii.txt" -s x "$a"
done
refused "invalid --cc: exit 64, named" 64 "F:a@@b" \
    s8 "$IN/ascii.txt" -s x --cc 'a@@b' bob@example.org

nl=$(printf 'x\nBcc: evil@example.org')
crlf=$(printf 'a@example.org\r\nX-Evil: 1')
refused "LF in -s: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s "$nl" bob@example.org
refused "CR in -s: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s "$(printf 'x\rBcc: evil@example.org')" bob@example.org
refused "CRLF in --cc: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x --cc "$crlf" bob@example.org
refused "CRLF in --bcc: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x --bcc "$crlf" bob@example.org
refused "CRLF in --reply-to: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x --reply-to "$crlf" bob@example.org
refused "LF in --from: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x --from "$(printf 'Me <me@example.org>\nX-Evil: 1')" bob@example.org
refused "LF in -H: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x -H "$(printf 'X-A: 1\nX-B: 2')" bob@example.org
refused "CR in -H: exit 64, nothing sent" 64 '' s8 "$IN/ascii.txt" \
    -s x -H "$(printf 'X-A: 1\rX-B: 2')" bob@example.org
refused "LF in -F (composer): exit 64, nothing sent" 64 '' s8 \
    "$IN/ascii.txt" -s x -F "$(printf 'Name\nX-Evil: 1')" bob@example.org

queue_mark
refused "missing attachment: exit 66, named, nothing sent" 66 \
    'F:no-such-file.pdf' s8 "$IN/ascii.txt" -s x \
    -a "$T_DIR/no-such-file.pdf" bob@example.org
chk "missing attachment: nothing queued" queue_same
refused "missing --html file: exit 66, named, nothing sent" 66 \
    'F:no-such.html' s8 "$IN/ascii.txt" -s x --html "$T_DIR/no-such.html" \
    bob@example.org
refused "missing --body file: exit 66, named, nothing sent" 66 \
    'F:no-such-body.txt' s8 /dev/null -s x --body "$T_DIR/no-such-body.txt" \
    bob@example.org
chk "missing files: nothing queued" queue_same

# ---- --dry-run -----------------------------------------------------------------

queue_mark
run_outbox "$IN/utf8.txt" -C "$T_DIR/down.conf" --dry-run -s 'Dry run' \
    --cc cc@example.org --bcc hid@example.org to1@example.org \
    'Two <to2@example.org>'
expect "composer --dry-run, no server: exit 0" 0
chk "composer --dry-run: envelope, empty line, CRLF message" \
    "$PY" "$MC" dryrun "$T_OUT" "$T_DIR/dry.eml"
"$PY" "$MC" dryrun "$T_OUT" "$T_DIR/dry.eml" >"$T_DIR/dry.env" 2>/dev/null
printf '%s\n' 'MAIL FROM:<sender@example.org>' 'RCPT TO:<cc@example.org>' \
    'RCPT TO:<hid@example.org>' 'RCPT TO:<to1@example.org>' \
    'RCPT TO:<to2@example.org>' >"$T_DIR/dry.want"
{ head -1 "$T_DIR/dry.env"; tail -n +2 "$T_DIR/dry.env" | sort; } \
    >"$T_DIR/dry.got"
check_cmp "composer --dry-run: MAIL FROM and one RCPT TO per recipient" \
    "$T_DIR/dry.want" "$T_DIR/dry.got"
GOT=$T_DIR/dry
mc "composer --dry-run: the message" --composed --subject 'Dry run' \
    --text "$IN/utf8.txt" --to '' to1@example.org --to Two to2@example.org \
    --cc '' cc@example.org --absent Bcc --absent-text hid@example.org
chk "composer --dry-run: nothing queued" queue_same

printf 'Subject: dry\n\nline\n' >"$IN/sm.eml"
run_outbox "$IN/sm.eml" -C "$T_DIR/down.conf" --dry-run bob@example.org
expect "sendmail --dry-run, no server: exit 0" 0
"$PY" "$MC" dryrun "$T_OUT" "$T_DIR/dry2.eml" >"$T_DIR/dry2.env"
printf '%s\n' 'MAIL FROM:<sender@example.org>' 'RCPT TO:<bob@example.org>' \
    >"$T_DIR/dry2.want"
check_cmp "sendmail --dry-run: envelope" "$T_DIR/dry2.want" "$T_DIR/dry2.env"
chk "sendmail --dry-run: CRLF message" "$PY" "$MC" wire "$T_DIR/dry2.eml"
chk "sendmail --dry-run: nothing queued" queue_same

# Each composer flag alone picks composer mode: stdin is the body text.
mode_case() {	# mode_case TEXT-FILE FLAG...
	_text=$1
	shift
	run_outbox "$IN/ascii.txt" -C "$T_DIR/down.conf" --dry-run "$@" \
	    bob@example.org
	if test "$T_RC" = 0 &&
	    "$PY" "$MC" dryrun "$T_OUT" "$T_DIR/mode.eml" >/dev/null; then
		GOT=$T_DIR/mode
		mc "$1 alone picks composer mode" --composed --mime \
		    --text "$_text"
	else
		fail "$1 alone picks composer mode" "exit $T_RC" \
		    "stderr: $(head -c 600 "$T_ERR")"
	fi
}
mode_case "$IN/ascii.txt" --cc cc@example.org
mode_case "$IN/ascii.txt" --bcc hid@example.org
mode_case "$IN/ascii.txt" --reply-to r@example.org
mode_case "$IN/ascii.txt" -a "$A/empty.dat"
mode_case "$IN/ascii.txt" --html "$IN/html.html"
mode_case "$IN/utf8.txt" --body "$IN/utf8.txt"
mode_case "$IN/ascii.txt" --subject 'long option'

# ---- the queue decides the encoding when it sends -----------------------------

QDIR=$T_DIR/q2
queued_ids() { ls "$QDIR/queue" 2>/dev/null | grep -v '\.env$'; }
# flushed_to SERVER PORT NAME: an 8-bit composed message is queued while
# the server is down, then --flush sends it to SERVER (on PORT); pass if it
# arrives (GOT is it), else fail (status 1).
flushed_to() {
	conf qd "$DOWN"
	run_outbox "$IN/utf8.txt" -C "$T_DIR/qd.conf" -s queued bob@example.org
	expect "$3: queued while the server is down" 0 'kept in the queue as'
	conf qd "$2"
	_b=$(count "$1")
	run_outbox /dev/null -C "$T_DIR/qd.conf" --flush $(queued_ids)
	GOT=$T_DIR/$1.mail/$((_b + 1))
	if test "$T_RC" = 0 && test "$(count "$1")" = $((_b + 1)); then
		pass "$3: arrives"
		return 0
	fi
	fail "$3: arrives" "exit $T_RC" "stderr: $(head -c 600 "$T_ERR")"
	return 1
}
if flushed_to s7 "$P7" "flushed to a server without 8BITMIME"; then
	mc "flushed to a server without 8BITMIME: quoted-printable" \
	    --composed --text "$IN/utf8.txt" --cte quoted-printable --seven-bit
	chk "flushed to a server without 8BITMIME: no BODY=8BITMIME" \
	    jm "$GOT.json" 'not any(o.startswith("BODY=8") for o in m["mail_options"])'
fi
if flushed_to s8 "$P8" "flushed to a server with 8BITMIME"; then
	mc "flushed to a server with 8BITMIME: 8bit" --composed \
	    --text "$IN/utf8.txt" --cte 8bit
	chk "flushed to a server with 8BITMIME: BODY=8BITMIME" \
	    jm "$GOT.json" '"BODY=8BITMIME" in m["mail_options"]'
fi
unset QDIR

# ---- aliases and local names -------------------------------------------------

cat >"$T_DIR/aliases" <<'EOF'
# test aliases
root: admin
admin: ops@example.org, dev
dev: dev@example.org
a: b
b: a, real@example.org
default: catchall@example.org
EOF
grep -v '^default' "$T_DIR/aliases" >"$T_DIR/aliases-nodefault"
conf al "$P8" "aliases $T_DIR/aliases"
conf alnodef "$P8" "aliases $T_DIR/aliases-nodefault"
conf aloff "$P8" "aliases $T_DIR/aliases
rewrite_local_names off"

if sent "composer to root" al@s8 "$IN/ascii.txt" -s x root; then
	mc "composer to root: a well-formed message" --composed \
	    --text "$IN/ascii.txt"
	chk "composer to root: RCPT TO the alias targets, recursively" \
	    jm "$GOT.json" 'sorted(m["rcpt_tos"]) == ["dev@example.org", "ops@example.org"]'
	chk "composer to root: no bare local name in To:" "$PY" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
a = [x.addr_spec for x in m["to"].addresses]
print("To:", a); sys.exit(0 if a and all("@" in x for x in a) else 1)' "$GOT.eml"
fi
if sent "alias loop" al@s8 "$IN/ascii.txt" -s x a; then
	chk "alias loop: ends, RCPT TO the real address only" jm "$GOT.json" \
	    'm["rcpt_tos"] == ["real@example.org"]'
fi
if sent "default alias" al@s8 "$IN/ascii.txt" -s x nobody; then
	chk "default alias: catch-all" jm "$GOT.json" \
	    'm["rcpt_tos"] == ["catchall@example.org"]'
fi
refused "local name, no aliases file: exit 67" 67 root s8 "$IN/ascii.txt" \
    -s x root
refused "local name, no entry and no default: exit 67" 67 nobody alnodef@s8 \
    "$IN/ascii.txt" -s x nobody

printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> run-parts\n\nout\n' \
    >"$IN/cron.eml"
if sent "cron: sendmail -i root" al@s8 "$IN/cron.eml" -i root; then
	chk "cron: RCPT TO the alias targets" jm "$GOT.json" \
	    'sorted(m["rcpt_tos"]) == ["dev@example.org", "ops@example.org"]'
	chk "cron: To: shows the alias targets, not root" "$PY" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
a = sorted(x.addr_spec for x in m["to"].addresses)
print("To:", str(m["to"])); sys.exit(0 if a == ["dev@example.org", "ops@example.org"] else 1)' "$GOT.eml"
	chk "cron: From: root becomes the account address" "$PY" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
a = [x.addr_spec for x in m["from"].addresses]
print("From:", str(m["from"])); sys.exit(0 if a == ["sender@example.org"] else 1)' "$GOT.eml"
	chk "cron: the From comment (Cron Daemon) is kept" sh -c \
	    "grep -q '^From: .*Cron Daemon' '$GOT.eml' || { grep -a '^From:' '$GOT.eml'; exit 1; }"
	chk "cron: body unchanged" "$PY" -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(0 if d.split(b"\r\n\r\n", 1)[1] == b"out\r\n" else 1)' "$GOT.eml"
fi
printf 'From: Cron Daemon <root>\nTo: root\nSubject: named\n\nout\n' \
    >"$IN/cron2.eml"
if sent "From: Name <root>" al@s8 "$IN/cron2.eml" -i root; then
	mc "From: Name <root>: the account address, the name kept" \
	    --header-max 0 --from 'Cron Daemon' sender@example.org
fi
if sent "rewrite_local_names off" aloff@s8 "$IN/cron.eml" -i root; then
	chk "rewrite_local_names off: RCPT still resolved" jm "$GOT.json" \
	    'sorted(m["rcpt_tos"]) == ["dev@example.org", "ops@example.org"]'
	chk "rewrite_local_names off: To: and From: left alone" sh -c \
	    "grep -qx 'To: root.' '$GOT.eml' && grep -qx 'From: root (Cron Daemon).' '$GOT.eml'"
fi
printf 'To: root, a\nCc: nobody\nSubject: t\n\nb\n' >"$IN/t.eml"
run_outbox "$IN/t.eml" -C "$T_DIR/al.conf" --dry-run -t
expect "-t with local names: exit 0" 0
grep '^RCPT' "$T_OUT" | sort >"$T_DIR/t.got"
printf '%s\n' 'RCPT TO:<catchall@example.org>' 'RCPT TO:<dev@example.org>' \
    'RCPT TO:<ops@example.org>' 'RCPT TO:<real@example.org>' >"$T_DIR/t.want"
check_cmp "-t with local names: resolved through the aliases" \
    "$T_DIR/t.want" "$T_DIR/t.got"
chk "-t with local names: To: and Cc: rewritten" sh -c \
    "! grep -Eq '^(To|Cc):.*(root|nobody)' '$T_OUT' && grep -q '^To:.*ops@example.org' '$T_OUT' && grep -q '^Cc:.*catchall@example.org' '$T_OUT'"

# ---- sendmail mode: long lines become quoted-printable ----------------------

"$PY" - "$IN" <<'EOF'
import sys, random
d = sys.argv[1]
rnd = random.Random(7)
body = ("short\n" + "".join(rnd.choice("abc déf=.") for _ in range(2500))
        + "\n.dot line\ntrailing   \nend\n")
open(d + "/sm-long.body", "wb").write(body.encode())
open(d + "/sm-long.eml", "wb").write(
    b"From: sender@example.org\nTo: bob@example.org\nSubject: long\n\n"
    + body.encode())
short = (b"From: sender@example.org\nTo: bob@example.org\nSubject: short\n"
         b"X-Long-Header: " + b"h" * 200 + b"\n\nhello\n.dot\n\xc3\xa9t\xc3\xa9\nbye\n")
open(d + "/sm-short.eml", "wb").write(short)
open(d + "/sm-short.want", "wb").write(short.replace(b"\n", b"\r\n"))
EOF
if sent "sendmail mode, non-MIME, long line" s8 "$IN/sm-long.eml" -i \
    bob@example.org; then
	mc "sendmail mode, long line: MIME-Version, quoted-printable, exact" \
	    --header-max 0 --mime --text "$IN/sm-long.body" --no-charset \
	    --cte quoted-printable
fi
# A MIME message of one text part in 8bit: the same, the part's own
# Content-Type kept; a multipart one is left as it is.
"$PY" - "$IN" <<'EOF'
import sys
d = sys.argv[1]
body = open(d + "/sm-long.body", "rb").read()
head = (b"From: sender@example.org\nTo: bob@example.org\nSubject: mime long\n"
        b"MIME-Version: 1.0\n")
open(d + "/sm-mime-long.eml", "wb").write(
    head + b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n\n" + body)
multi = (head + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
         b"Content-Type: text/plain\n\n" + body + b"--b--\n")
open(d + "/sm-multi-long.eml", "wb").write(multi)
open(d + "/sm-multi-long.want", "wb").write(multi.replace(b"\n", b"\r\n"))
EOF
if sent "sendmail mode, MIME text part in 8bit, long line" s8 \
    "$IN/sm-mime-long.eml" -i bob@example.org; then
	mc "sendmail mode, MIME 8bit long line: quoted-printable, no line over 998, exact" \
	    --header-max 0 --mime --text "$IN/sm-long.body" \
	    --cte quoted-printable
fi
# (--dry-run: a server would refuse its long line, as aiosmtpd does)
run_outbox "$IN/sm-multi-long.eml" -C "$T_DIR/down.conf" --dry-run -i \
    bob@example.org
expect "sendmail mode, multipart, long line: --dry-run exit 0" 0
"$PY" "$MC" dryrun "$T_OUT" "$T_DIR/sm-multi.eml" >/dev/null
grep -avE '^(Date|Message-ID):' "$T_DIR/sm-multi.eml" >"$T_DIR/sm-multi.got"
check_cmp "sendmail mode, multipart, long line: left as it is" \
    "$IN/sm-multi-long.want" "$T_DIR/sm-multi.got"
if sent "sendmail mode, non-MIME, short lines" s8 "$IN/sm-short.eml" -i \
    bob@example.org; then
	grep -avE '^(Date|Message-ID):' "$GOT.eml" >"$T_DIR/sm-short.got"
	check_cmp "sendmail mode, short lines: unchanged but Date and Message-ID" \
	    "$IN/sm-short.want" "$T_DIR/sm-short.got"
fi

big_attachment

finish
