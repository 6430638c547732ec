#!/bin/sh
# mkcerts.sh DIR -- make throw-away test certificates with GnuTLS certtool.
#
# Creates in DIR (made if missing, mode 0700):
#   ca.pem, ca-key.pem            a test CA
#   server.pem, server-key.pem    server certificate signed by the CA for
#                                 DNS localhost and IP 127.0.0.1 / ::1
#   wrongname.pem, wrongname-key.pem
#                                 signed by the CA, but only for
#                                 DNS wrong-name.invalid (hostname check)
#   other-ca.pem, other-ca-key.pem
#                                 an unrelated CA (verification failure)
# ECDSA P-256 keys: fast to generate.  Prints nothing unless it fails.
set -eu

if test $# -ne 1; then
	echo "usage: $0 DIR" >&2
	exit 64
fi
dir=$1
command -v certtool >/dev/null 2>&1 || {
	echo "mkcerts.sh: certtool not found (Debian package gnutls-bin)" >&2
	exit 1
}
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
log=mkcerts.log
: >"$log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "mkcerts.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

key() {
	run certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$1"
}

# ca NAME CN
ca() {
	cat >"$1.tmpl" <<EOF
cn = "$2"
organization = "outbox tests"
serial = $(date +%s)
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
EOF
	key "$1-key.pem"
	run certtool --generate-self-signed --load-privkey "$1-key.pem" \
	    --template "$1.tmpl" --outfile "$1.pem"
}

# leaf NAME TEMPLATE-LINES...
leaf() {
	name=$1
	shift
	{
		for line in "$@"; do
			echo "$line"
		done
		echo "organization = \"outbox tests\""
		echo "serial = $(date +%s)1"
		echo "expiration_days = 3650"
		echo "tls_www_server"
		echo "signing_key"
	} >"$name.tmpl"
	key "$name-key.pem"
	run certtool --generate-certificate --load-privkey "$name-key.pem" \
	    --load-ca-certificate ca.pem --load-ca-privkey ca-key.pem \
	    --template "$name.tmpl" --outfile "$name.pem"
}

ca ca "outbox test CA"
ca other-ca "unrelated test CA"
leaf server 'cn = "localhost"' 'dns_name = "localhost"' \
    'ip_address = "127.0.0.1"' 'ip_address = "::1"'
leaf wrongname 'cn = "wrong-name.invalid"' 'dns_name = "wrong-name.invalid"'
rm -f ./*.tmpl "$log"
chmod 600 ./*-key.pem
