#!/bin/sh
# gencerts.sh DIR -- throw-away certificates for the scripted-server
# scenarios (tests/scenarios.sh), made with GnuTLS certtool at test time.
# Never commit the output.
#
# In DIR (created, mode 0700), each NAME.pem with its key NAME-key.pem:
#   ca            the test CA (scenarios trust it: tls_trust_file ca.pem)
#   server        signed by ca; DNS localhost, IP 127.0.0.1 and ::1
#   wrongname     signed by ca; DNS wrong-name.invalid only
#   untrusted     a proper server certificate for localhost/127.0.0.1,
#                 signed by other-ca, which nobody trusts
#   expired       signed by ca, for localhost/127.0.0.1, expired in 2001
#   selfsigned    self-signed server certificate for localhost/127.0.0.1
#   notyetvalid   signed by ca, for localhost/127.0.0.1, valid only from
#                 2099 to 2100 (not yet valid)
#   wildcard      signed by ca, DNS *.example.org only (matches
#                 mail.example.org; not a.b.example.org, not example.org)
#   other-ca      the unrelated CA that signed "untrusted"
# and crl.pem, a revocation list of ca that revokes server.pem.
# ECDSA P-256 keys (fast).  Prints nothing unless something fails.
# DIR/.complete, written last, says that DIR holds the whole set.
#
# OUTBOX_TEST_CERTS=SHARED: when SHARED holds a whole set (SHARED/.complete:
# make check makes one per run, before the suites start: Makefile.am),
# DIR gets a copy of it instead of new certificates, so that a run
# makes its certificates once, whatever the number of suites using them.
set -eu

if test $# -ne 1; then
	echo "usage: $0 DIR" >&2
	exit 64
fi
shared=${OUTBOX_TEST_CERTS:-}
if test -n "$shared" && test -f "$shared/.complete" &&
    test "$shared" != "$1"; then
	mkdir -p "$1"
	chmod 700 "$1"
	rm -f "$1/.complete"
	cp -p "$shared"/*.pem "$1"/
	: >"$1/.complete"
	exit 0
fi
command -v certtool >/dev/null 2>&1 || {
	echo "gencerts.sh: certtool not found (Debian package gnutls-bin)" >&2
	exit 1
}
mkdir -p "$1"
chmod 700 "$1"
cd "$1"
rm -f .complete
log=gencerts.log
: >"$log"
serial=$(date +%s)

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "gencerts.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

key() {
	run certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$1-key.pem"
}

# template NAME LINE... : write NAME.tmpl
template() {
	t=$1.tmpl
	shift
	serial=$((serial + 1))
	{
		for line in "$@"; do
			echo "$line"
		done
		echo 'organization = "outbox tests"'
		echo "serial = $serial"
	} >"$t"
}

LOCAL='dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"'
LEAF='tls_www_server
signing_key
encryption_key'

# ca NAME CN
ca() {
	template "$1" "cn = \"$2\"" 'expiration_days = 3650' ca \
	    cert_signing_key crl_signing_key
	key "$1"
	run certtool --generate-self-signed --load-privkey "$1-key.pem" \
	    --template "$1.tmpl" --outfile "$1.pem"
}

# leaf NAME ISSUER TEMPLATE-LINES...   (ISSUER "self": self-signed)
leaf() {
	name=$1 issuer=$2
	shift 2
	template "$name" "$@"
	key "$name"
	if test "$issuer" = self; then
		run certtool --generate-self-signed \
		    --load-privkey "$name-key.pem" \
		    --template "$name.tmpl" --outfile "$name.pem"
	else
		run certtool --generate-certificate \
		    --load-privkey "$name-key.pem" \
		    --load-ca-certificate "$issuer.pem" \
		    --load-ca-privkey "$issuer-key.pem" \
		    --template "$name.tmpl" --outfile "$name.pem"
	fi
}

ca ca "outbox scenarios test CA"
ca other-ca "unrelated test CA"
leaf server ca 'cn = "localhost"' "$LOCAL" "$LEAF" 'expiration_days = 3650'
leaf wrongname ca 'cn = "wrong-name.invalid"' \
    'dns_name = "wrong-name.invalid"' "$LEAF" 'expiration_days = 3650'
leaf untrusted other-ca 'cn = "localhost"' "$LOCAL" "$LEAF" \
    'expiration_days = 3650'
leaf expired ca 'cn = "localhost"' "$LOCAL" "$LEAF" \
    'activation_date = "2000-01-01 00:00:00 UTC"' \
    'expiration_date = "2001-01-01 00:00:00 UTC"'
leaf selfsigned self 'cn = "localhost"' "$LOCAL" "$LEAF" \
    'expiration_days = 3650'
# A client certificate (tls_cert_file / SASL EXTERNAL).
leaf client ca 'cn = "outbox client"' 'email = "sender@example.org"' \
    'tls_www_client' 'signing_key' 'expiration_days = 3650'
leaf notyetvalid ca 'cn = "localhost"' "$LOCAL" "$LEAF" \
    'activation_date = "2099-01-01 00:00:00 UTC"' \
    'expiration_date = "2100-01-01 00:00:00 UTC"'
leaf wildcard ca 'cn = "*.example.org"' 'dns_name = "*.example.org"' \
    "$LEAF" 'expiration_days = 3650'
# A revocation list from the CA that revokes server.pem (tls_crl_file).
template crl 'crl_next_update = 3650' 'crl_number = 1'
run certtool --generate-crl --load-ca-privkey ca-key.pem \
    --load-ca-certificate ca.pem --load-certificate server.pem \
    --template crl.tmpl --outfile crl.pem
rm -f ./*.tmpl "$log"
chmod 600 ./*-key.pem
: >.complete
