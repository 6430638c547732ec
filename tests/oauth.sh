#!/bin/bash
# tests/oauth.sh -- OAuth2 end to end, against real parts that nobody here
# wrote: oidc-provider (npm, pinned in tests/lib/oidc/package-lock.json)
# as the authorization server, over HTTPS with the test CA; a private
# Postfix whose SASL is a private Dovecot checking every XOAUTH2 and
# OAUTHBEARER token by introspection at that server.
#
# outbox --login is driven as a person would do it: the device code read
# from outbox's output and entered on the server's pages, sign-in and
# consent given (tests/lib/oidc/browser.mjs); for PKCE the authorization
# URL outbox prints is opened and every redirect followed, the last one
# to outbox's loopback listener.  Then: a send with the stored token (no
# refresh); a send after the short-lived token went stale (one refresh,
# the rotated refresh token stored); two sends at once (one refresh);
# the authorization server stopped (the message queued; 75 with
# --no-queue); the grant revoked (77 with "run outbox --login"); a
# refused device sign-in (77).
#
# Needs root, postfix, dovecot-core, gnutls-bin, nodejs and npm, and the
# npm registry once (tests/lib/oidc/install.sh caches oidc-provider in
# $OUTBOX_TEST_CACHE, default $srcdir/.test-cache).  Without them:
# "skip: REASON", exit 77 (a failure when CI is set, except when the npm
# registry cannot be reached or its certificate verified: a CI machine
# may have no way to npm).  Runs on Debian 12's Node 18 and later.
# Environment: OUTBOX, OUTBOX_OAUTH_HELPER (the helper under test),
# srcdir.  The last line is "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

. "$srcdir/tests/lib/postfix.sh"
OTPL=$srcdir/tests/lib/oauth
CACHE=${OUTBOX_TEST_CACHE:-$srcdir/.test-cache}/oidc
: "${OUTBOX_OAUTH_HELPER:=$(dirname "$OUTBOX")/outbox-oauth}"
export OUTBOX_OAUTH_HELPER

need_root "Postfix and Dovecot need root"
need "Debian: postfix dovecot-core gnutls-bin nodejs npm curl" \
    postfix postconf dovecot certtool node npm curl
test -x "$OUTBOX_OAUTH_HELPER" ||
    skip "no OAuth2 helper at $OUTBOX_OAUTH_HELPER (configure --disable-oauth?)"
rc=0
"$srcdir/tests/lib/oidc/install.sh" "$CACHE" 2>"$T_DIR/install.err" || rc=$?
case $rc in
0) ;;
2) skip_always "oidc-provider: $(sed 's/^install.sh: //' "$T_DIR/install.err" |
    head -n 1)" ;;
*) skip "cannot install oidc-provider into $CACHE: $(head -n 1 \
    "$T_DIR/install.err")" ;;
esac

# The browser's cookie jar on this Node: Node 18's fetch() joins the
# Set-Cookie lines into one value.
chk "browser: Set-Cookie lines kept apart on Node $(node --version)" \
    node "$srcdir/tests/lib/oidc/cookies-test.mjs"

pf_setup
unset DISPLAY WAYLAND_DISPLAY
export NODE_EXTRA_CA_CERTS=$CERTS/ca.pem

# --- the authorization server --------------------------------------------
OIDC_LOG=$T_DIR/oidc.log
start_oidc() {
	rm -f "$T_DIR/oidc.port"
	ACCESS_TTL=62 lib_spawn node "$srcdir/tests/lib/oidc/server.mjs" \
	    "$CACHE" "$CERTS/server.pem" "$CERTS/server-key.pem" \
	    "$T_DIR/oidc.port" >>"$OIDC_LOG" 2>&1
	OIDC_PID=$LIB_PID
	local i=0
	until test -s "$T_DIR/oidc.port"; do
		i=$((i + 1))
		if test $i -gt 300 || ! kill -0 "$OIDC_PID" 2>/dev/null; then
			bail "oidc-provider did not start" "$OIDC_LOG"
		fi
		sleep 0.05
	done
	OIDC_PORT=$(cat "$T_DIR/oidc.port")
	ISSUER=https://localhost:$OIDC_PORT
}
start_oidc

# --- Dovecot (oauth2 passdb) and Postfix ------------------------------------
pf_render "$OTPL/dovecot.conf.in" "$DV/dovecot.conf"
# Dovecot's auth process reads the CA as its own user.
cp "$CERTS/ca.pem" "$DV/ca.pem"
chmod 644 "$DV/ca.pem"
pf_render "$OTPL/oauth2.conf.in" "$DV/oauth2.conf"
chgrp dovecot "$DV/oauth2.conf"
chmod 640 "$DV/oauth2.conf"
pf_start_dovecot
pf_start_postfix 'bob@example.org example.org/bob/'

# --- helpers ------------------------------------------------------------------
TOKENS=$XDG_STATE_HOME/outbox/oauth

# conf NAME CLIENT AUTH GRANT-LINE: the account NAME of $T_DIR/conf
conf_account() {
	cat <<EOF2
account $1
host 127.0.0.1
port $SUBMIT_PORT
tls_starttls on
tls_trust_file $CERTS/ca.pem
user $USER_NAME
from bob@example.org
auth $3
timeout 10
queue_dir $T_DIR/queue
oauth_provider generic
oauth_client_id $2
oauth_token_url $ISSUER/token
oauth_scope openid offline_access mail
$4

EOF2
}
write_conf() {
	{
		conf_account dev outbox-device xoauth2 \
		    "oauth_device_url $ISSUER/device/auth"
		conf_account pk outbox-pkce oauthbearer \
		    "oauth_auth_url $ISSUER/auth"
		conf_account deny outbox-device xoauth2 \
		    "oauth_device_url $ISSUER/device/auth"
	} | mkconf "$T_DIR/conf"
}
write_conf

message() {
	printf 'From: bob@example.org\nTo: bob@example.org\nSubject: oauth %s\nX-Outbox-Test: %s\n\nbody %s\n' \
	    "$1" "$1" "$1" >"$T_DIR/in.$1"
}
delivered() {
	local i=0
	until grep -lsx "X-Outbox-Test: $1" "$MAILDIR"/new/* >/dev/null; do
		i=$((i + 1))
		test $i -gt 300 && return 1
		sleep 0.05
	done
}
# grants TYPE: how many TYPE grants the server has made so far
grants() { grep -c "^grant $1 " "$OIDC_LOG"; }
field() { sed -n "s/^$1: //p" "$2"; }
# no_token NAME FILE...: none of the account's tokens in FILEs
no_token() {
	local n=$1 tf=$TOKENS/$2 at rt
	shift 2
	at=$(field access_token "$tf")
	rt=$(field refresh_token "$tf")
	if test -n "$at" && ! grep -qF -e "$at" -e "$rt" "$@" &&
	    ! grep -rqF -e "$at" -e "$rt" "$T_DIR/queue" 2>/dev/null; then
		pass "$n: no token in the output or the queue"
	else
		fail "$n: no token in the output or the queue"
	fi
}
# login_bg ACCOUNT: outbox --login in the background, stderr in
# $T_DIR/login.ACCOUNT; LOGIN_PID
login_bg() {
	"$OUTBOX" -C "$T_DIR/conf" --login -A "$1" >"$T_DIR/login.$1.out" \
	    2>"$T_DIR/login.$1" &
	LOGIN_PID=$!
}
# wait_line FILE ERE: wait (10 s at most) for a line of FILE to match
wait_line() {
	local i=0
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		test $i -gt 200 && return 1
		sleep 0.05
	done
}
# browse NAME ARG...: the user at browser.mjs ARG...; when that fails,
# so does the check, with its output, and the waiting outbox --login
# is stopped (it would poll until the device code expires).
browse() {
	local name=$1 out
	shift
	if out=$(node "$srcdir/tests/lib/oidc/browser.mjs" "$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$(printf '%s\n' "$out" | head -40)"
		stop_login
	fi
}
# stop_login: stop the background login and its outbox-oauth helper
# (which outlives a SIGTERM to outbox, waiting 300 s for a redirect).
stop_login() {
	local c
	for c in $(ps -o pid= --ppid "$LOGIN_PID" 2>/dev/null); do
		kill "$c" 2>/dev/null
	done
	kill "$LOGIN_PID" 2>/dev/null
}
# login_started ACCOUNT ERE NAME: login_bg ACCOUNT, and the check NAME
# that its stderr shows a line matching ERE within 10 s; else the login
# is stopped and the suite ends.
login_started() {
	login_bg "$1"
	if wait_line "$T_DIR/login.$1" "$2"; then
		pass "$3"
	else
		stop_login
		bail "$3" "$T_DIR/login.$1"
	fi
}
# login_rc: wait for the background login; its exit code in LOGIN_RC
login_rc() {
	LOGIN_RC=0
	wait "$LOGIN_PID" || LOGIN_RC=$?
}

# --- 1. device grant (outbox-device: tokens live an hour) --------------------
login_started dev 'enter the code ' \
    "device: outbox prints the verification URL and user code"
url=$(sed -n 's/.*to sign in, open //p' "$T_DIR/login.dev")
code=$(sed -n 's/.*enter the code //p' "$T_DIR/login.dev")
browse "device: the user enters the code and approves" \
    "$url" "$USER_NAME" "$code"
login_rc
T_RC=$LOGIN_RC T_ERR=$T_DIR/login.dev expect "device: --login exit 0" 0 \
    'logged in at generic'
check "device: token file is 0600" test "$(stat -c %a "$TOKENS/dev")" = 600
check "device: its directory is 0700" test "$(stat -c %a "$TOKENS")" = 700
check "device: a refresh token is stored" \
    test -n "$(field refresh_token "$TOKENS/dev")"
no_token "device" dev "$T_DIR/login.dev" "$T_DIR/login.dev.out"

message dev1
before=$(grants refresh_token)
mark=$(wc -l <"$DV/dovecot.log")
run_outbox "$T_DIR/in.dev1" -C "$T_DIR/conf" -A dev -t -v
expect "send with the stored token: exit 0" 0
check "XOAUTH2 on the wire" grep -q '^C: AUTH XOAUTH2' "$T_ERR"
check "send with the stored token: delivered" delivered dev1
check "send with the stored token: no refresh" \
    test "$(grants refresh_token)" = "$before"
check "Dovecot checked the token by introspection" \
    sh -c "tail -n +$((mark + 1)) '$DV/dovecot.log' | grep -qi 'oauth2'"
no_token "send -v" dev "$T_OUT" "$T_ERR"

# --- 2. authorization code + PKCE, loopback redirect --------------------------
login_started pk "^$ISSUER/auth\\?" \
    "pkce: outbox prints the authorization URL"
url=$(grep "^$ISSUER/auth?" "$T_DIR/login.pk")
check "pkce: S256 challenge and a loopback redirect in the URL" \
    sh -c "printf '%s' '$url' | grep -q 'code_challenge_method=S256' &&
    printf '%s' '$url' | grep -q 'redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]'"
# A redirect with another state is not taken.
port=$(printf '%s' "$url" | sed -n 's/.*127.0.0.1%3A\([0-9]*\).*/\1/p')
check "pkce: a redirect with the wrong state is refused" \
    sh -c "curl -s -o /dev/null -w '%{http_code}' \
    'http://127.0.0.1:$port/?code=forged&state=forged' | grep -qx 400"
browse "pkce: the user signs in; the browser follows the redirects" \
    "$url" "$USER_NAME"
login_rc
T_RC=$LOGIN_RC T_ERR=$T_DIR/login.pk expect "pkce: --login exit 0" 0 \
    'logged in at generic'
no_token "pkce" pk "$T_DIR/login.pk" "$T_DIR/login.pk.out"

# --- 3. refresh (outbox-pkce's tokens live 62 s: stale after 2 s) -------------
sleep 3.5
cp "$TOKENS/pk" "$T_DIR/pk.before"
message pk1
before=$(grants refresh_token)
run_outbox "$T_DIR/in.pk1" -C "$T_DIR/conf" -A pk -t -v
expect "stale token: send exit 0" 0
check "OAUTHBEARER on the wire" grep -q '^C: AUTH OAUTHBEARER' "$T_ERR"
check "stale token: delivered" delivered pk1
check "stale token: one refresh" \
    test "$(grants refresh_token)" = "$((before + 1))"
check "stale token: a new access token stored" test \
    "$(field access_token "$TOKENS/pk")" != \
    "$(field access_token "$T_DIR/pk.before")"
check "stale token: the rotated refresh token stored" test \
    "$(field refresh_token "$TOKENS/pk")" != \
    "$(field refresh_token "$T_DIR/pk.before")"
# (Asked by introspection: using it would make the server revoke the
# grant, as rotation demands.)
check "the old refresh token is no longer active (rotation)" sh -c \
    "curl -s --cacert '$CERTS/ca.pem' -u dovecot:dovecot-introspection-secret \
    --data-urlencode token='$(field refresh_token "$T_DIR/pk.before")' \
    '$ISSUER/token/introspection' | grep -q '\"active\":false'"
check "the new refresh token is active" sh -c \
    "curl -s --cacert '$CERTS/ca.pem' -u dovecot:dovecot-introspection-secret \
    --data-urlencode token='$(field refresh_token "$TOKENS/pk")' \
    '$ISSUER/token/introspection' | grep -q '\"active\":true'"
no_token "refresh -v" pk "$T_OUT" "$T_ERR"

# --- 4. two sends at once: one refresh --------------------------------------
sleep 3.5
message two1
message two2
before=$(grants refresh_token)
"$OUTBOX" -C "$T_DIR/conf" -A pk -t <"$T_DIR/in.two1" >"$T_DIR/two1.out" \
    2>"$T_DIR/two1.err" &
p1=$!
"$OUTBOX" -C "$T_DIR/conf" -A pk -t <"$T_DIR/in.two2" >"$T_DIR/two2.out" \
    2>"$T_DIR/two2.err" &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
check "two at once: both exit 0" test "$rc1.$rc2" = 0.0
check "two at once: both delivered" sh -c \
    "$(declare -f delivered); MAILDIR='$MAILDIR'; delivered two1 && delivered two2"
check "two at once: one refresh" \
    test "$(grants refresh_token)" = "$((before + 1))"

# --- 4b. a token the server refuses although it looked valid ------------------
# The device account's access token lives an hour.  Here the server no
# longer knows it (revoking it at the server would end the whole grant:
# the stored one is replaced by one the server never issued): Dovecot's
# introspection says inactive, and outbox fetches a new token and logs
# in again, once.
sed -i 's/^access_token: .*/access_token: never-issued-by-the-server/' \
    "$TOKENS/dev"
message dev2
before=$(grants refresh_token)
run_outbox "$T_DIR/in.dev2" -C "$T_DIR/conf" -A dev -t -v --no-queue
cp "$T_ERR" "$T_DIR/stderr.dev2"
expect "refused token: exit 0 after one new token" 0
check "refused token: AUTH twice" test "$(grep -c '^C: AUTH XOAUTH2' "$T_ERR")" = 2
check "refused token: one refresh" \
    test "$(grants refresh_token)" = "$((before + 1))"
check "refused token: delivered" delivered dev2

# --- 5. the authorization server is down: queued --------------------------
sleep 3.5
lib_stop "$OIDC_PID"
message down1
run_outbox "$T_DIR/in.down1" -C "$T_DIR/conf" -A pk -t
expect "server down: exit 0, queued" 0 'token endpoint'
check "server down: the message is in the queue" sh -c \
    "ls '$T_DIR/queue/queue/' | grep -q ."
run_outbox "$T_DIR/in.down1" -C "$T_DIR/conf" -A pk -t --no-queue
expect "server down, --no-queue: exit 75" 75 'account pk: .*token endpoint'
start_oidc
# The in-memory server forgot every grant: a new login, as a user would.
write_conf
login_bg pk
wait_line "$T_DIR/login.pk" "^$ISSUER/auth\\?" || bail "pkce: second login"
url=$(grep "^$ISSUER/auth?" "$T_DIR/login.pk")
node "$srcdir/tests/lib/oidc/browser.mjs" "$url" "$USER_NAME" \
    >/dev/null 2>&1 || stop_login
login_rc
check "pkce: logged in again" test "$LOGIN_RC" = 0

# --- 6. the grant revoked: 77 with the hint ------------------------------
sleep 3.5
curl -s --cacert "$CERTS/ca.pem" -d client_id=outbox-pkce \
    --data-urlencode token="$(field refresh_token "$TOKENS/pk")" \
    -d token_type_hint=refresh_token "$ISSUER/token/revocation"
message rev1
run_outbox "$T_DIR/in.rev1" -C "$T_DIR/conf" -A pk -t --no-queue
expect "revoked: exit 77 with the hint" 77 \
    'account pk: .*invalid_grant.*run outbox --login -A pk'
check "revoked: one line" test "$(wc -l <"$T_ERR")" = 1

# --- 7. the user refuses the device sign-in: 77 ----------------------------
login_bg deny
wait_line "$T_DIR/login.deny" 'enter the code ' || bail "deny: user code"
url=$(sed -n 's/.*to sign in, open //p' "$T_DIR/login.deny")
code=$(sed -n 's/.*enter the code //p' "$T_DIR/login.deny")
node "$srcdir/tests/lib/oidc/browser.mjs" "$url" "$USER_NAME" "$code" deny \
    >"$T_DIR/browser.deny" 2>&1 || stop_login
login_rc
T_RC=$LOGIN_RC T_ERR=$T_DIR/login.deny expect "device refused: exit 77" 77 \
    'access_denied'
check "device refused: no token file" test ! -e "$TOKENS/deny"

finish
