#!/bin/bash
# socks.sh -- proxy_host/proxy_port: SOCKS5 through a real proxy
# (Debian's microsocks) to a real server (aiosmtpd).
#
# microsocks binds its outgoing connections to 127.0.0.2 (-b), so the
# server can tell a proxied connection (peer 127.0.0.2) from a direct one
# (127.0.0.1).  The proxy runs in a mount namespace of its own whose
# /etc/hosts knows smtp.example.org; outbox's does not, so only the
# proxy can resolve the name.  Plain, STARTTLS (verified against the
# smarthost's name, not the proxy's), implicit TLS, --serverinfo, -q,
# user/password (RFC 1929), and every failure: proxy down, proxy refuses.
#
# Needs microsocks (scripts/deps.sh); without it, "skip" and exit 77,
# unless CI is set.  The name tests need root and unshare(1).
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

need "Debian: microsocks" microsocks

CERTS=$T_DIR/certs
make_certs "$CERTS"
start_smarthost sh --cert "$CERTS/wildcard.pem" \
    --key "$CERTS/wildcard-key.pem" --tls-port-file "$T_DIR/sh.tport" ||
    exit 99
lib_wait_file "$T_DIR/sh.tport" || exit 99
TPORT=$(cat "$T_DIR/sh.tport")
MAIL=$T_DIR/sh.mail

# The proxy's own /etc/hosts: the only place smtp.example.org exists.
printf '127.0.0.1 localhost smtp.example.org\n' >"$T_DIR/proxy-hosts"
printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"

# start_proxy NAME [MICROSOCKS-ARG...]: sets PX_PORT, PX_PID.
start_proxy() {
	_n=$1
	shift
	PX_PORT=$(closed_port)
	if test $T_NS = yes; then
		lib_spawn $T_UNSHARE sh -c 'mount --bind "$1" /etc/hosts &&
		    mount --bind "$2" /etc/nsswitch.conf && shift 2 &&
		    exec microsocks "$@"' sh "$T_DIR/proxy-hosts" \
		    "$T_DIR/nsswitch.conf" -i 127.0.0.1 -p "$PX_PORT" \
		    -b 127.0.0.2 "$@" >"$T_DIR/$_n.log" 2>&1
	else
		lib_spawn microsocks -i 127.0.0.1 -p "$PX_PORT" -b 127.0.0.2 \
		    "$@" >"$T_DIR/$_n.log" 2>&1
	fi
	PX_PID=$LIB_PID
	_i=0
	until "$PYTHON" -c 'import socket,sys; socket.create_connection(
("127.0.0.1", int(sys.argv[1])), 1)' "$PX_PORT" 2>/dev/null; do
		_i=$((_i + 1))
		test $_i -gt 100 && { echo "microsocks did not start"; exit 99; }
		sleep 0.05
	done
}

IN=$T_DIR/in
printf 'From: sender@example.org\nTo: bob@example.org\nSubject: t\n\nhello\n' >"$IN"
# conf HOST PORT PROXY-PORT [LINE...]
conf() {
	{
		printf 'host %s\nport %s\nfrom sender@example.org\n' "$1" "$2"
		printf 'queue_dir %s\ntimeout 5\n' "$T_DIR/q"
		printf 'tls_trust_file %s\n' "$CERTS/ca.pem"
		printf 'proxy_host 127.0.0.1\nproxy_port %s\n' "$3"
		shift 3
		printf '%s\n' "$@"
	} | mkconf "$T_DIR/c"
}
count() { ls "$MAIL"/*.json 2>/dev/null | wc -l; }
# every message the server got came through the proxy (peer 127.0.0.2)
all_proxied() {
	test "$(count)" -gt 0 || return 1
	for j in "$MAIL"/*.json; do
		"$PYTHON" -c 'import json,sys
sys.exit(json.load(open(sys.argv[1]))["peer"][0] != "127.0.0.2")' "$j" ||
		    { echo "direct: $j"; return 1; }
	done
}

start_proxy px
PX1=$PX_PORT

# --- through the proxy -------------------------------------------------------
conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off"
run_outbox "$IN" -C "$T_DIR/c" -t -v
expect "plain SMTP through the proxy: sent" 0
check "... it arrived" test "$(count)" = 1
chk "... from the proxy's address, not directly" all_proxied
check "-v shows the proxy" grep -q "^-- SOCKS5 proxy 127.0.0.1 port $PX_PORT, which is to resolve 127.0.0.1" "$T_ERR"
check "-v shows the connection to the proxy" grep -q "^-- connecting to 127.0.0.1 port $PX_PORT\$" "$T_ERR"
check "-v shows the proxy's answer" grep -q "^-- SOCKS5: the proxy connected to 127.0.0.1 port $SH_PORT" "$T_ERR"
check "... and no direct connection" ! grep -q "connecting to 127.0.0.1 port $SH_PORT" "$T_ERR"

if test $T_NS = yes; then
	conf smtp.example.org "$SH_PORT" "$PX_PORT" "tls_starttls on"
	run_outbox_nodns "$IN" -C "$T_DIR/c" -t
	expect "a name only the proxy knows, STARTTLS: sent" 0
	check "... it arrived" test "$(count)" = 2
	chk "... through the proxy" all_proxied
	check "... over TLS, verified for smtp.example.org" grep -q '"version": "TLSv1' "$MAIL/2.json"

	# No lookup of the name and no connection but to the proxy: the
	# only IP connect() is to the proxy's port, and /etc/hosts (where a
	# lookup would end: nsswitch says files) is never opened.
	if command -v strace >/dev/null 2>&1; then
		T_RC=0
		# LeakSanitizer cannot work under ptrace (the ASan build)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    t_ns 'mount --bind "$T_DIR/nsswitch.conf" /etc/nsswitch.conf' \
		    strace -f -qq -e trace=connect,openat,open \
		    -o "$T_DIR/strace" "$OUTBOX" -C "$T_DIR/c" -t <"$IN" \
		    >"$T_OUT" 2>"$T_ERR" || T_RC=$?
		expect "under strace: sent" 0
		check "... connect() went to the proxy" grep -q "htons($PX_PORT)" "$T_DIR/strace"
		check "... and nowhere else" test "$(grep 'connect(.*sa_family=AF_INET' "$T_DIR/strace" | grep -vc "htons($PX_PORT)")" = 0
		check "... /etc/hosts was never read" ! grep -q '"/etc/hosts"' "$T_DIR/strace"
	else
		echo "skip - strace (apt-get install strace)"
	fi

	conf smtp.example.org "$TPORT" "$PX_PORT" "tls_starttls off"
	run_outbox_nodns "$IN" -C "$T_DIR/c" -t
	expect "implicit TLS through the proxy: sent" 0
	check "... it arrived" test "$(count)" = 4
	chk "... through the proxy" all_proxied

	conf smtp.example.org "$SH_PORT" "$PX_PORT" "tls_starttls on"
	run_outbox_nodns /dev/null -C "$T_DIR/c" --serverinfo
	expect "--serverinfo through the proxy" 0
	check "... shows the smarthost's certificate" grep -q 'Subject: CN=\*\.example\.org' "$T_OUT"

	conf wrong.example.com "$SH_PORT" "$PX_PORT" "tls_starttls on"
	run_outbox_nodns "$IN" -C "$T_DIR/c" -t --no-queue
	expect "a name the proxy cannot resolve: 75, the proxy's reason" 75 \
	    "^outbox: connect to wrong\.example\.com port $SH_PORT through the proxy 127\.0\.0\.1 port $PX_PORT: the proxy could not connect: general SOCKS server failure \(SOCKS5 reply 1\)"
else
	echo "skip - names only the proxy can resolve (needs root and unshare)"
fi

# --- the proxy refuses or is not there: temporary, never direct ----------------
n0=$(count)
DOWN=$(closed_port)
conf 127.0.0.1 "$DOWN" "$PX_PORT" "tls off"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "the server refuses the proxy: 75 with RFC 1928's reason" 75 \
    "through the proxy 127\.0\.0\.1 port $PX_PORT: the proxy could not connect: Connection refused \(SOCKS5 reply 5\) \(kept in failed/"

PXDOWN=$(closed_port)
conf 127.0.0.1 "$SH_PORT" "$PXDOWN" "tls off"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "proxy down, --no-queue: 75" 75 \
    "^outbox: connect to 127\.0\.0\.1 port $SH_PORT through the proxy 127\.0\.0\.1 port $PXDOWN: the proxy: Connection refused \(kept in failed/"
check "... and no direct connection instead" test "$(count)" = "$n0"
run_outbox "$IN" -C "$T_DIR/c" -t
expect "proxy down: queued, exit 0" 0 "the proxy: Connection refused \(kept in the queue as"
check "... nothing sent directly" test "$(count)" = "$n0"

conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off"
run_outbox /dev/null -C "$T_DIR/c" -q
expect "-q: the queued message goes out through the proxy" 0
check "... it arrived" test "$(count)" = $((n0 + 1))
chk "... through the proxy" all_proxied

# proxy_port defaults to 1080 (whatever answers there, or nothing: the
# attempt goes there, and never directly to the server)
mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $SH_PORT
tls off
from sender@example.org
queue_dir $T_DIR/q
timeout 3
proxy_host 127.0.0.1
EOC
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue -v
check "proxy_port defaults to 1080" grep -q "^-- connecting to 127.0.0.1 port 1080\$" "$T_ERR"
check "... not the server directly" ! grep -q "connecting to 127.0.0.1 port $SH_PORT" "$T_ERR"

# --- user and password (RFC 1929) --------------------------------------------
n0=$(count)
start_proxy pxauth -u proxyuser -P 'proxy-Secret1'
conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off" "proxy_user proxyuser" \
    "proxy_password proxy-Secret1"
run_outbox "$IN" -C "$T_DIR/c" -t -v
expect "user and password: sent" 0
check "... it arrived through the proxy" test "$(count)" = $((n0 + 1))
check "... -v names the user" grep -q "^-- SOCKS5: the proxy asks for a user name: proxyuser\$" "$T_ERR"
check "... and never shows the password" ! grep -q "proxy-Secret1" "$T_ERR"

conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off" "proxy_user proxyuser" \
    "proxy_password wrong"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "a wrong proxy password: 75, said so" 75 \
    "the proxy refused the user name and password \(proxy_user proxyuser; RFC 1929 status [0-9]+\)"

conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "no user for a proxy that wants one: 75, said so" 75 \
    "the proxy accepts none of the authentication methods offered \(none: set proxy_user and proxy_password"
check "... nothing sent" test "$(count)" = $((n0 + 1))

conf 127.0.0.1 "$SH_PORT" "$PX_PORT" "tls off" "proxy_user proxyuser" \
    "proxy_password proxy-Secret1"
chmod 644 "$T_DIR/c"
run_outbox "$IN" -C "$T_DIR/c" -t --no-queue
expect "proxy_password in a file others can read: 78" 78 "holds a password but the file is readable"

# --- the OAuth2 helper's token refresh goes through the proxy too -------------
HELPER=${OUTBOX_OAUTH_HELPER:-$(dirname "$OUTBOX")/outbox-oauth}
if test -x "$HELPER" && test $T_NS = yes; then
	OUTBOX_OAUTH_HELPER=$HELPER
	export OUTBOX_OAUTH_HELPER
	printf '200\n{"access_token":"at-new","token_type":"Bearer","expires_in":3600}' \
	    >"$T_DIR/answer"
	lib_spawn "$PYTHON" "$srcdir/tests/lib/oauth/token_endpoint.py" \
	    "$CERTS/server.pem" "$CERTS/server-key.pem" "$T_DIR/answer" \
	    "$T_DIR/ep.port" "$T_DIR/ep.log" 2>"$T_DIR/ep.err"
	wait_file "$T_DIR/ep.port" || exit 99
	mkdir -p "$T_DIR/tok"
	# oconf PROXY-PORT: an expired token, so a send refreshes it first
	oconf() {
		printf 'outbox-oauth-token: 1\nprovider: generic\naccess_token: old\nexpires_at: %s\nrefresh_token: rt-1\n' \
		    "$(($(date +%s) - 10))" >"$T_DIR/tok/o"
		chmod 600 "$T_DIR/tok/o"
		printf '%s\n' "account o" "host 127.0.0.1" "port $DOWN" "tls off" \
		    "user bob" "auth xoauth2" "from sender@example.org" \
		    "oauth_provider generic" "oauth_client_id cid" \
		    "oauth_device_url https://localhost/unused" \
		    "oauth_token_url https://localhost:$(cat "$T_DIR/ep.port")/token" \
		    "oauth_scope mail" "oauth_token_file $T_DIR/tok/o" \
		    "tls_trust_file $CERTS/ca.pem" "timeout 5" \
		    "queue_dir $T_DIR/q" "proxy_host 127.0.0.1" \
		    "proxy_port $1" | mkconf "$T_DIR/c"
	}
	oconf "$PXDOWN"
	run_outbox "$IN" -C "$T_DIR/c" -A o -t --no-queue
	expect "OAuth2 refresh with the proxy down: 75" 75 "token refresh at the generic token endpoint failed, will retry"
	check "... the token endpoint was not reached directly" test ! -s "$T_DIR/ep.log"
	oconf "$PX1"
	run_outbox_nodns "$IN" -C "$T_DIR/c" -A o -t --no-queue
	check "OAuth2 refresh through the proxy reached the endpoint" grep -q "refresh_token" "$T_DIR/ep.log"
	check "... and the new token was kept" grep -qx "access_token: at-new" "$T_DIR/tok/o"
else
	echo "skip - OAuth2 through the proxy (no outbox-oauth, or no unshare)"
fi

finish
