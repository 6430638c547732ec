#!/bin/bash
# tls-bundle.sh -- verification against a big trust file (the system
# bundle plus the test CA) loads only the CAs the server's chain names
# (src/cabundle.c), and is exactly as strict as loading the whole file:
# a changed bundle, a changed certificate, an impostor CA with the test
# CA's name, a wrong host name, an expired certificate, a revoked one all
# still fail; a chain through an intermediate still verifies.  Real
# servers: tests/lib/smarthost.py (aiosmtpd) with STARTTLS.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

SYS=/etc/ssl/certs/ca-certificates.crt
test -s "$SYS" || { echo "no $SYS (Debian package ca-certificates)"; exit 77; }
CERTS=$T_DIR/certs
make_certs "$CERTS"
IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: t\n\nhi\n' >"$IN"

# certtool ARGS...: quietly, or stop the suite.
ct() {
	certtool "$@" >>"$T_DIR/certtool.log" 2>&1 || {
		echo "certtool $*: failed"; cat "$T_DIR/certtool.log"; exit 99; }
}
# tmpl FILE LINE...: a certtool template.
tmpl() {
	f=$1
	shift
	printf '%s\n' "$@" 'organization = "outbox tests"' >"$f"
}
K="--key-type=ecdsa --curve=secp256r1"
# An impostor: another key under the test CA's very name.
tmpl "$T_DIR/imp.tmpl" 'cn = "outbox scenarios test CA"' ca cert_signing_key \
    'expiration_days = 30'
# shellcheck disable=SC2086
ct --generate-privkey $K --outfile "$T_DIR/imp-key.pem"
ct --generate-self-signed --load-privkey "$T_DIR/imp-key.pem" \
    --template "$T_DIR/imp.tmpl" --outfile "$T_DIR/imp.pem"
# A root that is not the test CA, an intermediate under it, a leaf under
# the intermediate; the server sends leaf and intermediate.
tmpl "$T_DIR/root.tmpl" 'cn = "outbox bundle test root"' ca \
    cert_signing_key 'expiration_days = 30'
tmpl "$T_DIR/mid.tmpl" 'cn = "outbox bundle test intermediate"' ca \
    cert_signing_key 'expiration_days = 30'
tmpl "$T_DIR/leaf.tmpl" 'cn = "localhost"' 'dns_name = "localhost"' \
    'ip_address = "127.0.0.1"' tls_www_server signing_key \
    'expiration_days = 30'
for n in root mid leaf; do
	# shellcheck disable=SC2086
	ct --generate-privkey $K --outfile "$T_DIR/$n-key.pem"
done
ct --generate-self-signed --load-privkey "$T_DIR/root-key.pem" \
    --template "$T_DIR/root.tmpl" --outfile "$T_DIR/root.pem"
ct --generate-certificate --load-privkey "$T_DIR/mid-key.pem" \
    --load-ca-certificate "$T_DIR/root.pem" \
    --load-ca-privkey "$T_DIR/root-key.pem" \
    --template "$T_DIR/mid.tmpl" --outfile "$T_DIR/mid.pem"
ct --generate-certificate --load-privkey "$T_DIR/leaf-key.pem" \
    --load-ca-certificate "$T_DIR/mid.pem" \
    --load-ca-privkey "$T_DIR/mid-key.pem" \
    --template "$T_DIR/leaf.tmpl" --outfile "$T_DIR/leaf.pem"
cat "$T_DIR/leaf.pem" "$T_DIR/mid.pem" >"$T_DIR/chain.pem"

# serve NAME CERT KEY: a STARTTLS smarthost; its port in NAME_PORT.
serve() {
	start_smarthost "$1" --cert "$2" --key "$3" --require-starttls || exit 99
	eval "$1_PORT=\$SH_PORT"
}
serve good "$CERTS/server.pem" "$CERTS/server-key.pem"
serve chain "$T_DIR/chain.pem" "$T_DIR/leaf-key.pem"
serve other "$CERTS/untrusted.pem" "$CERTS/untrusted-key.pem"
serve old "$CERTS/expired.pem" "$CERTS/expired-key.pem"

# bundle FILE PEM...: the system bundle with PEMs in the middle of it.
bundle() {
	out=$1
	shift
	half=$(( $(grep -c 'BEGIN CERTIFICATE' "$SYS") / 2 ))
	awk -v n="$half" '/BEGIN CERTIFICATE/ { c++ } c <= n' "$SYS" >"$out"
	cat "$@" >>"$out"
	awk -v n="$half" '/BEGIN CERTIFICATE/ { c++ } c > n' "$SYS" >>"$out"
}
# conf PORT TRUST [LINE...]
conf() {
	port=$1 trust=$2
	shift 2
	{
		printf 'host 127.0.0.1\nport %s\ntls_starttls on\n' "$port"
		printf 'from sender@example.org\nqueue_dir %s\n' "$T_DIR/q"
		printf 'timeout 5\n'
		test -n "$trust" && printf 'tls_trust_file %s\n' "$trust"
		printf '%s\n' "$@"
	} | mkconf "$T_DIR/c"
}
B=$T_DIR/bundle.pem
all=$(( $(grep -c 'BEGIN CERTIFICATE' "$SYS") + 1 ))

# --- the bundle with the test CA in it -----------------------------------
bundle "$B" "$CERTS/ca.pem"
conf "$good_PORT" "$B"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "the test CA in the middle of the system bundle: delivered" 0
check "-v: one of the bundle's $all certificates loaded" \
    grep -q "^-- trust: 1 of $all certificates in $B loaded" "$T_ERR"

# --- a changed bundle --------------------------------------------------------
bundle "$B" "$CERTS/other-ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "the bundle changed, the test CA gone: refused" 77 \
    'certificate verification failed.*issuer is unknown'
bundle "$B" "$CERTS/ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "... and back: delivered" 0
bundle "$B" "$T_DIR/imp.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "an impostor CA under the test CA's name: refused" 77 \
    'certificate verification failed'
check "... the impostor was the certificate loaded" \
    grep -q "^-- trust: 1 of $all certificates" "$T_ERR"
bundle "$B" "$T_DIR/imp.pem" "$CERTS/ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "the impostor and the real CA, same name: delivered" 0
check "... both loaded" grep -q "^-- trust: 2 of $((all + 1)) certificates" \
    "$T_ERR"

# --- the server's certificate changed ---------------------------------------
bundle "$B" "$CERTS/ca.pem"
conf "$other_PORT" "$B"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a certificate from a CA not in the bundle: refused" 77 \
    'certificate verification failed'
conf "$old_PORT" "$B"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "an expired certificate: refused" 77 'expired'
conf "$good_PORT" "$B" "tls_host_override mail.example.net"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a wrong host name: refused" 77 'it is not for mail.example.net'
conf "$good_PORT" "$B" "tls_crl_file $CERTS/crl.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "revoked (tls_crl_file: the bundle is loaded whole): refused" 77 \
    'revoked'
conf "$good_PORT" "$B" "tls_fingerprint 00:11"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a pin still replaces the bundle" 77 'not a SHA-256 fingerprint'

# --- a chain through an intermediate ----------------------------------------
bundle "$B" "$T_DIR/root.pem"
conf "$chain_PORT" "$B"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "leaf + intermediate, the root in the bundle: delivered" 0
check "... the root was the one certificate loaded" \
    grep -q "^-- trust: 1 of $all certificates" "$T_ERR"
bundle "$B" "$T_DIR/mid.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "... the intermediate alone in the bundle (GnuTLS trusts it too)" 0
bundle "$B" "$CERTS/ca.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "... neither in the bundle: refused" 77 'certificate verification failed'

# --- --serverinfo: the same check, made after the handshake ----------------
bundle "$B" "$CERTS/ca.pem"
conf "$good_PORT" "$B"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "--serverinfo with the bundle" 0
check "... verification ok" grep -q '^    Verification: ok$' "$T_OUT"
bundle "$B" "$T_DIR/imp.pem"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "--serverinfo, the impostor in the bundle" 77 'NOT trusted'
check "... verification failed" grep -q '^    Verification: FAILED' "$T_OUT"

# --- a bundle that cannot be used ---------------------------------------------
conf "$good_PORT" "$T_DIR/missing.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a trust file that is not there" 78 \
    "cannot load trusted certificates from $T_DIR/missing.pem"
printf 'no certificates here\n' >"$T_DIR/empty.pem"
conf "$good_PORT" "$T_DIR/empty.pem"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a trust file with no certificate" 78 \
    "cannot load trusted certificates from $T_DIR/empty.pem"
# A block that is not base64: GnuTLS takes the whole file, which it refuses.
bundle "$B" "$CERTS/ca.pem"
printf -- '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n' \
    >>"$B"
conf "$good_PORT" "$B"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "a broken block: the whole file is handed to GnuTLS" 78 \
    "cannot load trusted certificates"

# --- the system store ------------------------------------------------------------
# The file configure found for it (--with-system-trust-file), if any.
sysfile=$(sed -n 's/^#define OUTBOX_SYSTEM_TRUST_FILE "\(.*\)"$/\1/p' \
    "$(dirname "$OUTBOX")/autoconf.h" 2>/dev/null || true)
conf "$good_PORT" ""
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
expect "the system store does not hold the test CA: refused" 77 \
    'issuer is unknown'
if test -n "$sysfile"; then
	n=$(grep -c 'BEGIN CERTIFICATE' "$sysfile")
	check "... and was read from $sysfile, by issuer name" \
	    grep -q "^-- trust: 0 of $n certificates in $sysfile" "$T_ERR"
else
	pass "... (built with --with-system-trust-file=no: GnuTLS loads it)"
fi

finish
