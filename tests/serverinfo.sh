#!/bin/bash
# serverinfo.sh -- --serverinfo shows everything the server offers: every
# EHLO keyword, known to outbox or not, in the server's order; and with a
# certificate that does not verify it still shows all (greeting,
# capabilities after STARTTLS, the certificate, auth mechanisms), says
# why verification failed, and exits 77.  It never logs in and sends no
# message.  The servers are scripted (tests/smtpd.py), the certificates
# the tests' own (tests/lib/gencerts.sh).
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
mkdir -p "$HOME"
CERTS=$T_DIR/certs
make_certs "$CERTS"

# conf PORT [LINES]: an account for the scripted server.
conf() {
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $1
domain test.example
queue_dir $T_DIR/q
timeout 5
$2
EOC
}

# --- every keyword, in the server's order ---------------------------------------
start_script plain <<'EOS'
> 220 mx.test ESMTP scripted
< EHLO test.example
> 250-mx.test greets test.example
> 250-PIPELINING
> 250-HELP
> 250-PIPECONNECT
> 250-X-FOO bar
> 250-SIZE 1048576
> 250-8BITMIME
> 250 AUTH PLAIN LOGIN
< QUIT
> 221 bye
eof
EOS
conf "$SC_PORT" "tls off"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "--serverinfo without TLS" 0
cat >"$T_DIR/want" <<'EOF2'
Capabilities:
    PIPELINING
    HELP
    PIPECONNECT
    X-FOO bar
    SIZE 1048576 (1.0 MiB)
    8BITMIME
    AUTH PLAIN LOGIN
Authentication mechanisms: PLAIN LOGIN
EOF2
sed -n '/^Capabilities:/,$p' "$T_OUT" >"$T_DIR/got"
check_cmp "every EHLO keyword is listed, unknown ones too, in order" \
    "$T_DIR/want" "$T_DIR/got"
script_ok "... EHLO and QUIT, nothing else (no AUTH)" plain

# --- a certificate that does not verify --------------------------------------------
# start_tls NAME [CERT] [implicit]: a scripted STARTTLS (or implicit TLS)
# server with certificate CERT (default: server, for localhost and
# 127.0.0.1, signed by ca.pem) that expects EHLO, EHLO after TLS, QUIT:
# no AUTH, no MAIL.  Sets SC_PORT and SC_PID.
start_tls() {
	{
		if test "${3-}" = implicit; then
			echo "implicit-tls cert=${2:-server}"
			echo "> 220 mx.test ESMTP scripted"
		else
			cat <<'EOS'
> 220 mx.test ESMTP scripted
< EHLO test.example
> 250-mx.test
> 250-STARTTLS
> 250-HELP
> 250 PIPECONNECT
< STARTTLS
> 220 go ahead
EOS
			echo "starttls cert=${2:-server}"
		fi
		cat <<'EOS'
< EHLO test.example
> 250-mx.test greets test.example
> 250-PIPELINING
> 250-HELP
> 250-PIPECONNECT
> 250-X-FOO bar
> 250 AUTH PLAIN LOGIN
< QUIT
> 221 bye
eof
EOS
	} >"$T_DIR/$1.in"
	start_script "$1" --certdir "$CERTS" <"$T_DIR/$1.in"
}
fp=$(certtool --fingerprint --hash sha256 --infile "$CERTS/server.pem" |
    tr a-f A-F | sed 's/../&:/g; s/:$//')
out() { grep -q -- "$1" "$T_OUT"; }

# A user and a password are configured: still no AUTH (the scripts
# expect none), and the password goes nowhere.
start_tls untrusted
conf "$SC_PORT" "tls_trust_file $CERTS/other-ca.pem
user joe
password pw-Secret1"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "an untrusted certificate: exit 77" 77
one_line "... one line on stderr: verification failed, and why" \
    "^outbox: 127\.0\.0\.1 port $SC_PORT: certificate verification failed: .*NOT trusted"
check "... the greeting" out '^Greeting: mx.test ESMTP scripted$'
check "... the capabilities before STARTTLS" \
    sh -c "sed -n '/before STARTTLS/,/^TLS/p' '$T_OUT' | grep -q '^    PIPECONNECT\$'"
check "... TLS version and cipher" grep -Eq '^TLS: TLS1\.[23], cipher ' "$T_OUT"
check "... the certificate's subject" out '^    Subject: CN=localhost'
check "... its issuer" grep -Eq '^    Issuer: .*CN=[^,]+' "$T_OUT"
check "... its validity" grep -Eq '^    Valid until: 20[0-9]{2}-' "$T_OUT"
check "... its fingerprint" out "^    SHA-256 fingerprint: $fp\$"
check "... verification failed, and why" \
    grep -Eq '^    Verification: FAILED: certificate verification failed: .*NOT trusted' "$T_OUT"
check "... the capabilities after STARTTLS, unknown ones too" \
    sh -c "sed -n '/after STARTTLS/,\$p' '$T_OUT' | grep -q '^    X-FOO bar\$'"
check "... the auth mechanisms" out '^Authentication mechanisms: PLAIN LOGIN$'
script_ok "... EHLO, STARTTLS, EHLO, QUIT: no AUTH, no message" untrusted
check "... the password went nowhere" ! grep -rq pw-Secret1 \
    "$T_DIR/untrusted.transcript" "$T_DIR/untrusted.log" "$T_OUT" "$T_ERR"

start_tls trusted
conf "$SC_PORT" "tls_trust_file $CERTS/ca.pem"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "a trusted certificate: exit 0" 0
check "... verification ok" out '^    Verification: ok$'
script_ok "... the same dialogue" trusted

start_tls wrongname wrongname
conf "$SC_PORT" "tls_trust_file $CERTS/ca.pem"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "a certificate for another name: exit 77, shown" 77 \
    "certificate verification failed: .*name in the certificate does not match"
check "... the certificate is shown" out '^    SHA-256 fingerprint: '
script_ok "... the same dialogue" wrongname

start_tls implicit selfsigned implicit
conf "$SC_PORT" "tls_trust_file $CERTS/ca.pem
tls_starttls off"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "implicit TLS, a self-signed certificate: exit 77" 77 \
    "certificate verification failed"
check "... the capabilities are shown" out '^    PIPECONNECT$'
script_ok "... EHLO and QUIT after the handshake" implicit

start_tls pin
conf "$SC_PORT" "tls_fingerprint $(wrong_pin "$fp")"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "a fingerprint that does not match the pin: exit 77" 77 \
    "fingerprint does not match tls_fingerprint"
check "... shown with the real fingerprint" out "^    SHA-256 fingerprint: $fp\$"
script_ok "... the same dialogue" pin

start_tls off
conf "$SC_PORT" "tls_trust_file $CERTS/other-ca.pem
tls_certcheck off"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "tls_certcheck off: exit 0" 0
check "... says it was not checked" \
    out '^    Verification: not checked (tls_certcheck off)$'
script_ok "... the same dialogue" off

finish
