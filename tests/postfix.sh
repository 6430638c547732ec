#!/bin/bash
# tests/postfix.sh -- outbox against a real MTA: a private Postfix on two
# loopback high ports (submission with STARTTLS required, and implicit TLS),
# SASL through a private Dovecot (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1,
# SCRAM-SHA-256), delivery by virtual(8) into a maildir the test reads.
# One case per mechanism: the mechanism negotiated (transcript, Dovecot's
# and Postfix's logs), the message delivered with its body intact, the
# password in no output.  Also: implicit TLS, wrong passwords, and
# tls_fingerprint pinning.
#
# Everything (configuration, queue, certificates, maildirs, sockets, logs)
# lives in one temporary directory; Postfix is started with
# `postfix -c DIR start` and stopped with `postfix -c DIR stop`, Dovecot
# runs in the foreground as this script's child and is stopped by its PID.
# The system's Postfix and Dovecot configuration is not used (Postfix only
# reads its package metadata, postfix-files and dynamicmaps.cf, from
# /etc/postfix) nor changed, and no system service is started.
# No DNS: Postfix has DNS off and looks up no client names; everything is
# 127.0.0.1.
#
# Needs root (Postfix's daemons switch users) and the Debian packages
# postfix, dovecot-core and gnutls-bin.  Without root or one of them it
# prints "skip: REASON" and exits 77 (automake's SKIP) -- unless CI is set
# (.ci/run sets it, and runs as root after scripts/deps.sh): there a
# missing prerequisite is a failure, so that CI cannot pass by skipping.
#
# Environment: OUTBOX (the binary under test), srcdir (the source tree),
# LIB_KEEP=1 keeps the work directory (with Postfix and Dovecot stopped).
# The last line is "N passed, N failed"; the exit status is non-zero if a
# case failed.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

. "$srcdir/tests/lib/postfix.sh"
SKIP_CI_HINT="CI is set: run scripts/deps.sh, as root"

need_root "Postfix and Dovecot need root"
need "Debian: postfix, dovecot-core" postfix postconf dovecot
need "Debian: gnutls-bin" certtool
{ getent passwd postfix && getent group postdrop; } >/dev/null ||
    skip "no postfix user or postdrop group (postfix not installed properly)"
getent passwd dovecot >/dev/null ||
    skip "no dovecot user (dovecot-core not installed properly)"
need_outbox
pf_setup

PW='Pw-9f3Kq7-zX2'
WRONG_PW='Wrong-Pw-5tR8'

# --- Dovecot: SASL only ------------------------------------------------------
pf_render "$TPL/dovecot.conf.in" "$DV/dovecot.conf"
printf '%s:{PLAIN}%s\n' "$USER_NAME" "$PW" >"$DV/users"
chgrp dovecot "$DV/users"
chmod 640 "$DV/users"
pf_start_dovecot

# --- Postfix -----------------------------------------------------------------
pf_start_postfix 'bob@example.org example.org/bob/' \
    'sender@example.org example.org/sender/'

# --- helpers -----------------------------------------------------------------

# conf FILE PORT STARTTLS(on|off) AUTH PASSWORD [EXTRA-LINE...]: an outbox
# configuration (mode 0600).  Without EXTRA-LINEs the server is trusted
# through the test CA; with them, they say how.
conf() {
	local file=$1 port=$2 starttls=$3 auth=$4 pw=$5 line
	shift 5
	{
		echo "account default"
		echo "host 127.0.0.1"
		echo "port $port"
		echo "tls on"
		echo "tls_starttls $starttls"
		echo "user $USER_NAME"
		echo "password $pw"
		echo "auth $auth"
		echo "from sender@example.org"
		echo "timeout 10"
		echo "queue off"
		echo "queue_dir $T_DIR/queue"
		test $# -eq 0 && echo "tls_trust_file $CERTS/ca.pem"
		for line in "$@"; do
			echo "$line"
		done
	} | mkconf "$file"
}

# message TAG FILE: a test message whose body exercises dot-stuffing (sent
# with -i, so a lone "." does not end the input), 8-bit text, trailing
# white space, a tab and a line starting with "From ".
message() {
	cat >"$2" <<EOF
From: Sender <sender@example.org>
To: Bob <bob@example.org>
Subject: outbox postfix test $1
X-Outbox-Test: $1

Hello Bob,
.
..two dots
.leading dot
From the start of a line
trailing spaces   
	tab-indented
UTF-8: Gr$(printf '\303\274\303\237')e
marker $1

last line
EOF
}

# log_mark FILE: how many lines FILE has now; log_since FILE MARK: the
# lines added after MARK.
log_mark() { wc -l <"$1" | tr -d ' '; }
log_since() { tail -n "+$(($2 + 1))" "$1"; }

# delivered TAG: print the maildir file holding the message tagged TAG;
# waits up to 15 s for the delivery.
delivered() {
	local i=0 f
	while :; do
		f=$(grep -lsx "X-Outbox-Test: $1" "$MAILDIR"/new/* | head -n 1)
		if test -n "$f"; then
			echo "$f"
			return 0
		fi
		i=$((i + 1))
		test $i -gt 300 && return 1
		sleep 0.05
	done
}

# no_secret NAME PASSWORD: neither the password nor its base64 forms (as
# sent in AUTH PLAIN and AUTH LOGIN) in stdout or stderr
no_secret() {
	local b64 b64plain
	b64=$(printf '%s' "$2" | base64)
	b64plain=$(printf '\0%s\0%s' "$USER_NAME" "$2" | base64)
	if grep -qF -e "$2" -e "$b64" -e "$b64plain" "$T_OUT" "$T_ERR"; then
		fail "$1: the password is in no output" \
		    "$(grep -F -e "$2" -e "$b64" -e "$b64plain" "$T_OUT" \
		    "$T_ERR" | head -n 5)"
	else
		pass "$1: the password is in no output"
	fi
}

# dv_log NAME MARK ERE: Dovecot's log gets a line matching ERE after
# MARK (its log process writes asynchronously: wait up to 5 s)
dv_log() {
	local i=0
	until log_since "$DV/dovecot.log" "$2" | grep -Eq -- "$3"; do
		i=$((i + 1))
		if test $i -gt 100; then
			fail "$1" "no /$3/ in Dovecot's log:" \
			    "$(log_since "$DV/dovecot.log" "$2" | head -n 20)"
			return
		fi
		sleep 0.05
	done
	pass "$1"
}

# dovecot_saw NAME MECH MARK: Dovecot's log, after MARK, has an AUTH
# request for MECH
dovecot_saw() {
	local tab='	'
	dv_log "$1: Dovecot saw AUTH $2" "$3" \
	    "client in: AUTH${tab}[0-9]+$tab$2$tab"
}

# body FILE: everything after the header block
body() { sed '1,/^$/d' "$1"; }

# deliver_case NAME PORT STARTTLS AUTH-SETTING WIRE-MECH [EXTRA-LINE...]:
# send one message with -t -v; check exit 0, the mechanism on the wire and
# in Dovecot's and Postfix's logs, no secret in the output, and the
# delivered body byte for byte.
deliver_case() {
	local cn=$1 port=$2 starttls=$3 setting=$4 mech=$5 tag f qid i mark
	local svc=submission re
	test "$starttls" = off && svc=smtps
	shift 5
	tag=$(echo "$cn" | tr -c 'A-Za-z0-9\n' '-')
	message "$tag" "$T_DIR/in.$tag"
	conf "$T_DIR/conf.$tag" "$port" "$starttls" "$setting" "$PW" "$@"
	mark=$(log_mark "$DV/dovecot.log")
	run_outbox "$T_DIR/in.$tag" -C "$T_DIR/conf.$tag" -t -i -v
	cp "$T_ERR" "$T_DIR/stderr.$tag"
	expect "$cn: exit 0" 0
	if grep -Eq "^C: AUTH $mech( |\$)" "$T_ERR" &&
	    test "$(grep -c '^C: AUTH ' "$T_ERR")" = 1; then
		pass "$cn: transcript shows C: AUTH $mech"
	else
		fail "$cn: transcript shows C: AUTH $mech" \
		    "$(grep -E '^(C: AUTH|outbox:)' "$T_ERR" | head -n 5)"
	fi
	if test "$starttls" = on; then
		check "$cn: STARTTLS in the transcript" \
		    grep -q '^C: STARTTLS$' "$T_ERR"
	else
		check "$cn: no STARTTLS (implicit TLS)" \
		    ! grep -q '^C: STARTTLS' "$T_ERR"
	fi
	no_secret "$cn" "$PW"
	dovecot_saw "$cn" "$mech" "$mark"
	if ! f=$(delivered "$tag"); then
		fail "$cn: delivered" "no message tagged $tag in $MAILDIR" \
		    "$(tail -n 15 "$PF/maillog")"
		return
	fi
	pass "$cn: delivered"
	body "$T_DIR/in.$tag" >"$T_DIR/want.$tag"
	body "$f" >"$T_DIR/got.$tag"
	check_cmp "$cn: body byte for byte" "$T_DIR/want.$tag" \
	    "$T_DIR/got.$tag"
	# The listener's smtpd logs "QID: client=..., sasl_method=MECH" for
	# the message; postlogd writes asynchronously, so allow a moment.
	qid=$(sed -n 's/.* with ESMTPS*A* id \([0-9A-Za-z]*\).*/\1/p' "$f" |
	    head -n 1)
	re="/$svc/smtpd\[[0-9]*\]: $qid: client=.*, sasl_method=$mech,"
	i=0
	until test -n "$qid" && grep -q "$re" "$PF/maillog" ||
	    test $i -gt 60; do
		i=$((i + 1))
		sleep 0.05
	done
	check "$cn: Postfix ($svc) logged sasl_method=$mech for it" \
	    grep -q "$re" "$PF/maillog"
}

# refused_case NAME AUTH-SETTING WIRE-MECH: wrong password: exit 77 with
# the one line "outbox: AUTH MECH: refused: 535 ...", nothing delivered.
refused_case() {
	local cn=$1 setting=$2 mech=$3 tag mark
	tag=$(echo "$cn" | tr -c 'A-Za-z0-9\n' '-')
	message "$tag" "$T_DIR/in.$tag"
	conf "$T_DIR/conf.$tag" "$SUBMIT_PORT" on "$setting" "$WRONG_PW"
	mark=$(log_mark "$DV/dovecot.log")
	run_outbox "$T_DIR/in.$tag" -C "$T_DIR/conf.$tag" -t -i
	cp "$T_ERR" "$T_DIR/stderr.$tag"
	expect "$cn: exit 77 with AUTH's 535" 77 \
	    "^outbox: AUTH $mech: refused: 535 5\.7\.8 "
	check "$cn: stderr is one line" test "$(wc -l <"$T_ERR")" = 1
	no_secret "$cn" "$WRONG_PW"
	dovecot_saw "$cn" "$mech" "$mark"
	dv_log "$cn: Dovecot logged the password mismatch" "$mark" \
	    "Password mismatch"
	check "$cn: nothing delivered" ! grep -qsx "X-Outbox-Test: $tag" \
	    "$MAILDIR"/new/*
}

# --- one case per mechanism, over STARTTLS -----------------------------------
deliver_case "auth plain" "$SUBMIT_PORT" on plain PLAIN
deliver_case "auth login" "$SUBMIT_PORT" on login LOGIN
deliver_case "auth cram-md5" "$SUBMIT_PORT" on cram-md5 CRAM-MD5
deliver_case "auth scram-sha-1" "$SUBMIT_PORT" on scram-sha-1 SCRAM-SHA-1
deliver_case "auth scram-sha-256" "$SUBMIT_PORT" on scram-sha-256 \
    SCRAM-SHA-256
# Dovecot 2.3 offers no -PLUS mechanism: the strongest offered is
# SCRAM-SHA-256.
deliver_case "auth on" "$SUBMIT_PORT" on on SCRAM-SHA-256

# --- implicit TLS ------------------------------------------------------------
deliver_case "implicit TLS" "$SMTPS_PORT" off on SCRAM-SHA-256

# --- wrong passwords ---------------------------------------------------------
refused_case "wrong password, plain" plain PLAIN
refused_case "wrong password, scram-sha-256" scram-sha-256 SCRAM-SHA-256

# --- tls_fingerprint pinning ------------------------------------------------
fpr() {
	"$PY" -c 'import hashlib, ssl, sys
der = ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())
d = hashlib.sha256(der).hexdigest().upper()
print(":".join(d[i:i + 2] for i in range(0, len(d), 2)))' "$1"
}
PIN=$(fpr "$CERTS/server.pem")
# cross-check with certtool when it prints the fingerprint
ct=$(certtool --fingerprint --hash sha256 --infile "$CERTS/server.pem" \
    2>/dev/null | tr -d ':\n' | tr a-f A-F)
if test -n "$ct"; then
	check "certtool and Python agree on the server's fingerprint" \
	    test "$ct" = "$(echo "$PIN" | tr -d :)"
fi
# The right pin and no trust file: the pin alone is enough.
deliver_case "tls_fingerprint matches" "$SUBMIT_PORT" on on SCRAM-SHA-256 \
    "tls_fingerprint $PIN"

# A wrong pin (the CA's fingerprint): exit 77 before anything is sent,
# even though the trust file would accept the certificate.
cn="tls_fingerprint wrong"
message wrong-pin "$T_DIR/in.wrong-pin"
conf "$T_DIR/conf.wrong-pin" "$SUBMIT_PORT" on on "$PW" \
    "tls_trust_file $CERTS/ca.pem" "tls_fingerprint $(fpr "$CERTS/ca.pem")"
run_outbox "$T_DIR/in.wrong-pin" -C "$T_DIR/conf.wrong-pin" -t -i -v
cp "$T_ERR" "$T_DIR/stderr.wrong-pin"
expect "$cn: exit 77" 77 "^outbox: .*fingerprint"
check "$cn: stderr has one outbox: line" \
    test "$(grep -c '^outbox: ' "$T_ERR")" = 1
check "$cn: nothing sent after STARTTLS" \
    test "$(sed -n '/^C: STARTTLS$/,$p' "$T_ERR" | grep -c '^C: ')" = 1
check "$cn: no AUTH sent" ! grep -q '^C: AUTH' "$T_ERR"
check "$cn: no MAIL sent" ! grep -q '^C: MAIL' "$T_ERR"
no_secret "$cn" "$PW"

# --- a composed message through Postfix ---------------------------------------
# Composer mode end to end through a real MTA: UTF-8 subject and display
# name, 8-bit text with an HTML alternative, a binary attachment with a
# non-ASCII name; Python's email package reads the delivered file back.
cn="composer"
conf "$T_DIR/conf.composer" "$SUBMIT_PORT" on on "$PW"
printf 'Gr\303\274\303\237e aus K\303\266ln.\n.\nlast line\n' \
    >"$T_DIR/composer.txt"
printf '<p>Gr\303\274\303\237e</p>\n' >"$T_DIR/composer.html"
head -c 50000 /dev/urandom >"$T_DIR/bin.dat"
att="$T_DIR/r$(printf '\303\251')sum$(printf '\303\251') 2026.pdf"
cp "$T_DIR/bin.dat" "$att"
run_outbox "$T_DIR/composer.txt" -C "$T_DIR/conf.composer" \
    -s "Gr$(printf '\303\274\303\237')e aus K$(printf '\303\266')ln" \
    --from "J$(printf '\303\266')rg <sender@example.org>" \
    --html "$T_DIR/composer.html" -a "$att" \
    -H "X-Outbox-Test: composer" "Bob <bob@example.org>"
expect "$cn: exit 0" 0
if f=$(delivered composer); then
	pass "$cn: delivered"
	# virtual(8) stores LF line ends; the wire had CRLF.
	sed 's/$/\r/' "$f" >"$T_DIR/composer.eml"
	check "$cn: every part, name and header decodes to the original" \
	    "$PY" "$srcdir/tests/lib/mimecheck.py" check \
	    "$T_DIR/composer.eml" --header-max 0 --mime \
	    --subject "Gr$(printf '\303\274\303\237')e aus K$(printf '\303\266')ln" \
	    --from "J$(printf '\303\266')rg" sender@example.org \
	    --to Bob bob@example.org \
	    --tree "multipart/mixed(multipart/alternative(text/plain,text/html),application/pdf)" \
	    --text "$T_DIR/composer.txt" --html "$T_DIR/composer.html" \
	    --att application/pdf "$att"
else
	fail "$cn: delivered" "no message tagged composer in $MAILDIR" \
	    "$(tail -n 15 "$PF/maillog")"
fi

# --- CHUNKING (RFC 3030): Postfix offers it ----------------------------------
cn="chunking"
check "$cn: the sends above went as BDAT LAST (no DATA)" \
    sh -c 'grep -q "^C: BDAT [0-9]* LAST\$" "$1" && ! grep -q "^C: DATA" "$1"' \
    sh "$T_DIR/stderr.auth-plain"
# A message of several chunks, byte for byte (leading dots, long lines).
message big-chunks "$T_DIR/in.big-chunks"
"$PY" -c '
import sys
with open(sys.argv[1], "ab") as f:
    for i in range(40000):
        f.write(b"%s%06d %s\n" % (b"." if i % 7 == 0 else b"", i, b"x" * 70))
' "$T_DIR/in.big-chunks"
conf "$T_DIR/conf.chunks" "$SUBMIT_PORT" on plain "$PW"
run_outbox "$T_DIR/in.big-chunks" -C "$T_DIR/conf.chunks" -t -i -v
cp "$T_ERR" "$T_DIR/stderr.big-chunks"
expect "$cn: a 3 MB message: exit 0" 0
check "$cn: it went in several BDAT chunks, the last one LAST" \
    sh -c 'test "$(grep -c "^C: BDAT [0-9]*\$" "$1")" -ge 2 &&
    grep -q "^C: BDAT [0-9]* LAST\$" "$1"' sh "$T_ERR"
if f=$(delivered big-chunks); then
	body "$T_DIR/in.big-chunks" >"$T_DIR/want.big-chunks"
	body "$f" >"$T_DIR/got.big-chunks"
	check_cmp "$cn: the 3 MB body byte for byte" \
	    "$T_DIR/want.big-chunks" "$T_DIR/got.big-chunks"
else
	fail "$cn: delivered" "$(tail -n 15 "$PF/maillog")"
fi
# Two recipients, one unknown: all or nothing, so no BDAT at all.
message two-rcpt "$T_DIR/in.two-rcpt"
run_outbox "$T_DIR/in.two-rcpt" -C "$T_DIR/conf.chunks" -i -v \
    bob@example.org nosuch@example.org
expect "$cn: two recipients, one unknown: exit 67" 67 \
    "^outbox: RCPT TO:<nosuch@example.org>: refused: 550 "
check "$cn: no BDAT sent after the refusal" ! grep -q '^C: BDAT' "$T_ERR"
check "$cn: QUIT answered" grep -q '^S: 221' "$T_ERR"
sleep 0.5
check "$cn: nothing delivered to the other recipient" \
    ! grep -qsx "X-Outbox-Test: two-rcpt" "$MAILDIR"/new/*
# A NUL in the body: Postfix offers CHUNKING but not BINARYMIME, so the
# message cannot go (exit 65, kept in failed/) and no MAIL is sent.
message nul "$T_DIR/in.nul"
printf 'a\0b\n' >>"$T_DIR/in.nul"
run_outbox "$T_DIR/in.nul" -C "$T_DIR/conf.chunks" -t -i -v
expect "$cn: a NUL, no BINARYMIME offered: exit 65" 65 \
    "^outbox: the message contains NUL bytes, and the server does not offer BINARYMIME with CHUNKING"
check "$cn: no MAIL sent" ! grep -q '^C: MAIL' "$T_ERR"
check "$cn: QUIT answered" grep -q '^S: 221' "$T_ERR"
sleep 0.5
check "$cn: nothing delivered" ! grep -qsx "X-Outbox-Test: nul" \
    "$MAILDIR"/new/*

# --- the instance stops cleanly ----------------------------------------------
postfix -c "$PF/etc" stop >>"$PF/postfix.out" 2>&1
PF_STARTED=no
if "$(postconf -c "$PF/etc" -h daemon_directory)/master" \
    -c "$PF/etc" -t 2>/dev/null; then
	pass "Postfix stopped"
else
	fail "Postfix stopped"
fi

finish
