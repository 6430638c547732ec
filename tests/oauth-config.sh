#!/bin/sh
# tests/oauth-config.sh -- OAuth2 without a real provider (fast; in make
# check): bad oauth configuration is 78 naming the account; the stored
# token is used while it has a minute left (no request); a stale one is
# refreshed through the helper against a scripted HTTPS token endpoint
# (tests/lib/oauth/token_endpoint.py) and the new token goes on the wire
# (tests/smtpd.py checks the exact XOAUTH2 line) with the rotated refresh
# token stored; and each outcome of the endpoint maps to its exit code:
# unreachable or 5xx temporary (queued, 75 with --no-queue), invalid_grant
# 77 with "run outbox --login", a malformed answer 76, invalid_client 78,
# an untrusted certificate 77.  outbox itself links no libcurl.
# tests/oauth.sh does it all against oidc-provider, Postfix and Dovecot.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

: "${OUTBOX_OAUTH_HELPER:=$(dirname "$OUTBOX")/outbox-oauth}"
export OUTBOX_OAUTH_HELPER
if ! test -x "$OUTBOX_OAUTH_HELPER"; then
	echo "skip: no OAuth2 helper (configure --disable-oauth)"
	echo "0 passed, 0 failed"
	exit 77
fi
export HOME=$T_DIR/home
mkdir -p "$HOME"
CERTS=$T_DIR/certs
make_certs "$CERTS"
TOK=$T_DIR/tok

check "outbox links no libcurl and no jansson" \
    sh -c "! ldd '$OUTBOX' | grep -Eq 'libcurl|libjansson'"

# --- configuration errors: 78 naming the account -----------------------------
# bad NAME ERE LINE...: an account "a1" with LINEs is refused with 78
bad() {
	_n=$1 _re=$2
	shift 2
	{
		printf '%s\n' "account a1" "host 127.0.0.1" "user bob" \
		    "oauth_client_id cid" "$@"
	} | mkconf "$T_DIR/bad.conf"
	run_outbox /dev/null -C "$T_DIR/bad.conf" -A a1 --no-queue \
	    bob@example.org
	expect "$_n: exit 78" 78 "$_re"
}
bad "oauth_provider without auth xoauth2" \
    'account a1: oauth_provider needs auth xoauth2' \
    "oauth_provider google" "auth plain"
bad "no client id" 'account a1: set oauth_client_id' \
    "oauth_provider google" "auth xoauth2" "oauth_client_id"
bad "generic without a token URL" 'account a1: set oauth_token_url' \
    "oauth_provider generic" "auth xoauth2" \
    "oauth_device_url https://e.example/d"
bad "generic without a grant URL" \
    'account a1: set oauth_device_url or oauth_auth_url' \
    "oauth_provider generic" "auth oauthbearer" \
    "oauth_token_url https://e.example/t"
bad "plain http" 'account a1: oauth_\*_url must be https' \
    "oauth_provider microsoft" "auth xoauth2" \
    "oauth_token_url http://e.example/t"
bad "bad tenant" "account a1: oauth_tenant 'a/b'" \
    "oauth_provider microsoft" "auth xoauth2" "oauth_tenant a/b"
bad "unknown provider" "invalid value 'yahoo' for 'oauth_provider'" \
    "oauth_provider yahoo" "auth xoauth2"
# (a stale token, so that a refresh needs the secret)
mkdir -p "$TOK"
printf 'outbox-oauth-token: 1\naccess_token: a\nexpires_at: 1\nrefresh_token: r\n' \
    >"$TOK/x"
bad "client secret command fails" \
    'oauth_client_secret_eval of account a1 failed \(exit 3\): nope' \
    "oauth_provider google" "auth xoauth2" "oauth_token_file $TOK/x" \
    "oauth_client_secret_eval echo nope >&2; exit 3"

# --print-config: the presets shown, the secret masked
printf '%s\n' "account g" "host smtp.gmail.com" "user u@gmail.com" \
    "auth xoauth2" "oauth_provider google" "oauth_client_id cid" \
    "oauth_client_secret s3cret-cs" | mkconf "$T_DIR/g.conf"
run_outbox /dev/null -C "$T_DIR/g.conf" -A g --print-config
check "--print-config masks oauth_client_secret" \
    grep -q '^oauth_client_secret  *\*\*\*\*\*\*\*\*$' "$T_OUT"
check "--print-config never prints it" ! grep -q s3cret-cs "$T_OUT"
check "--print-config shows oauth_provider" \
    grep -q '^oauth_provider  *google$' "$T_OUT"
chmod 644 "$T_DIR/g.conf"
run_outbox /dev/null -C "$T_DIR/g.conf" -A g --print-config
expect "a client secret in a file others read: 78" 78 \
    'holds a client secret but the file is readable by group or others'
chmod 600 "$T_DIR/g.conf"
run_outbox /dev/null -C "$T_DIR/g.conf" -A g --no-queue bob@example.org
expect "no token stored: 77 with the hint" 77 \
    'account g: no OAuth2 token stored in .*/outbox/oauth/g; run outbox --login -A g'

# --- a scripted token endpoint -------------------------------------------------
ANSWER=$T_DIR/answer
EPLOG=$T_DIR/endpoint.log
: >"$EPLOG"
printf '200\n{}' >"$ANSWER"
lib_spawn "$PY" "$srcdir/tests/lib/oauth/token_endpoint.py" \
    "$CERTS/server.pem" "$CERTS/server-key.pem" "$ANSWER" "$T_DIR/ep.port" \
    "$EPLOG" 2>"$T_DIR/ep.err"
wait_file "$T_DIR/ep.port" || { cat "$T_DIR/ep.err"; exit 99; }
EP=https://localhost:$(cat "$T_DIR/ep.port")/token

# conf FILE SMTP-PORT [LINE...]
conf() {
	_f=$1 _p=$2
	shift 2
	{
		printf '%s\n' "account o" "host 127.0.0.1" "port $_p" "tls off" \
		    "user bob" "auth xoauth2" "from bob@example.org" \
		    "oauth_provider generic" "oauth_client_id cid" \
		    "oauth_device_url https://localhost/unused" \
		    "oauth_token_url $EP" "oauth_scope mail" \
		    "oauth_token_file $TOK/o" "tls_trust_file $CERTS/ca.pem" \
		    "timeout 5" "queue_dir $T_DIR/queue" "$@"
	} | mkconf "$_f"
}
# token AT EXPIRES-IN-SECONDS: the token file as --login leaves it
token() {
	mkdir -p "$TOK"
	printf 'outbox-oauth-token: 1\nprovider: generic\naccess_token: %s\nexpires_at: %s\nrefresh_token: rt-1\n' \
	    "$1" "$(($(date +%s) + $2))" >"$TOK/o"
	chmod 600 "$TOK/o"
}
# answer STATUS BODY
answer() { printf '%s\n%s' "$1" "$2" >"$ANSWER"; }
# smtp_expect TOKEN: a scripted server that wants exactly this token
smtp_expect() {
	_b64=$(printf 'user=bob\001auth=Bearer %s\001\001' "$1" | base64 -w0)
	start_script "s.$1" <<EOF2
> 220 test ESMTP
< EHLO *
> 250-test
> 250 AUTH XOAUTH2 OAUTHBEARER
< AUTH XOAUTH2 $_b64
> 235 2.7.0 ok
< MAIL FROM:<bob@example.org>*
> 250 ok
< RCPT TO:<bob@example.org>*
> 250 ok
< DATA
> 354 go
data
> 250 2.0.0 queued
< QUIT
> 221 bye
close
EOF2
}
printf 'Subject: t\n\nhi\n' >"$T_DIR/msg"
requests() { wc -l <"$EPLOG" | tr -d ' '; }

# A token with more than a minute left: used as it is, no request.
smtp_expect tok-cached
conf "$T_DIR/o.conf" "$SC_PORT"
token tok-cached 3600
run_outbox "$T_DIR/msg" -C "$T_DIR/o.conf" -A o bob@example.org
expect "fresh token: sent" 0
script_ok "fresh token: the stored token on the wire" s.tok-cached
check "fresh token: no request to the token endpoint" test "$(requests)" = 0

# Less than a minute left: refreshed, the new one sent, rotation stored.
smtp_expect tok-new
conf "$T_DIR/o.conf" "$SC_PORT" "oauth_client_secret cs-1"
token tok-old 59
answer 200 '{"access_token":"tok-new","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}'
run_outbox "$T_DIR/msg" -C "$T_DIR/o.conf" -A o bob@example.org -v
expect "stale token: sent" 0
script_ok "stale token: the refreshed token on the wire" s.tok-new
check "stale token: one refresh_token request with the client secret" \
    grep -qx '/token refresh_token keys=client_id,client_secret,grant_type,refresh_token' \
    "$EPLOG"
check "stale token: the rotated refresh token stored" \
    grep -qx 'refresh_token: rt-2' "$TOK/o"
check "stale token: the file stays 0600" test "$(stat -c %a "$TOK/o")" = 600
check "stale token: no token in -v" ! grep -Eq 'tok-new|rt-2|cs-1' "$T_ERR"
check "stale token: -v says a refresh happened" \
    grep -q 'OAuth2: token refresh at https://localhost' "$T_ERR"

# A refresh without a new refresh token keeps the old one.
answer 200 '{"access_token":"tok-3","token_type":"Bearer","expires_in":3600}'
token tok-old 0
conf "$T_DIR/o.conf" "$(closed_port)"
run_outbox "$T_DIR/msg" -C "$T_DIR/o.conf" -A o bob@example.org --no-queue
check "no rotation: the refresh token kept" grep -qx 'refresh_token: rt-1' \
    "$TOK/o"
check "no rotation: the new access token stored" \
    grep -qx 'access_token: tok-3' "$TOK/o"

# outcome NAME CODE ERE STATUS BODY [OUTBOX-ARG...]
outcome() {
	_n=$1 _c=$2 _re=$3
	answer "$4" "$5"
	shift 5
	token tok-old 10
	run_outbox "$T_DIR/msg" -C "$T_DIR/o.conf" -A o bob@example.org "$@"
	expect "$_n" "$_c" "$_re"
}
outcome "invalid_grant: 77 with the hint" 77 \
    '^outbox: account o: token refresh refused by generic: invalid_grant: revoked by the user; run outbox --login -A o' \
    400 '{"error":"invalid_grant","error_description":"revoked by the user"}' \
    --no-queue
one_line "invalid_grant: one line" 'invalid_grant'
check "invalid_grant: the token file is left as it was" \
    grep -qx 'access_token: tok-old' "$TOK/o"
outcome "malformed answer: 76" 76 \
    'account o: token refresh: malformed answer from the generic token endpoint: token_type is not Bearer' \
    200 '{"access_token":"x","token_type":"mac"}' --no-queue
outcome "not JSON: 76" 76 'not a JSON object' 200 '<html>' --no-queue
outcome "invalid_client: 78" 78 \
    'generic refused the configuration: invalid_client' 401 \
    '{"error":"invalid_client"}' --no-queue
outcome "503 with --no-queue: 75" 75 \
    'account o: token refresh at the generic token endpoint failed, will retry: HTTP 503' \
    503 'busy' --no-queue
outcome "503: queued, exit 0" 0 'kept in the queue' 503 'busy'
check "503: the entry is in the queue" sh -c "ls '$T_DIR/queue/queue' | grep -q ."

conf "$T_DIR/o.conf" "$(closed_port)" "oauth_token_url https://localhost:$(closed_port)/token"
outcome "endpoint unreachable, --no-queue: 75" 75 \
    'account o: token refresh at the generic token endpoint failed, will retry: .*(onnect|refused)' \
    200 '{}' --no-queue
# No tls_trust_file: the system store, which does not know the test CA.
printf '%s\n' "account o" "host 127.0.0.1" "port 25" "tls off" "user bob" \
    "auth xoauth2" "oauth_provider generic" "oauth_client_id cid" \
    "oauth_device_url https://localhost/unused" "oauth_token_url $EP" \
    "oauth_token_file $TOK/o" "oauth_scope mail" "queue_dir $T_DIR/queue" |
    mkconf "$T_DIR/o.conf"
outcome "untrusted certificate: 77" 77 \
    'account o: token refresh: the certificate of the generic token endpoint did not verify: ' \
    200 '{"access_token":"x","token_type":"Bearer"}' --no-queue
check "untrusted certificate: no --login hint" ! grep -q -- --login "$T_ERR"

# --login waiting for the browser's redirect, then outbox stopped by
# SIGTERM: its outbox-oauth (listening on the loopback) goes with it.
printf '%s\n' "account o" "host 127.0.0.1" "port 25" "tls off" "user bob" \
    "auth xoauth2" "oauth_provider generic" "oauth_client_id cid" \
    "oauth_auth_url https://localhost/auth" "oauth_token_url $EP" \
    "oauth_token_file $TOK/o" "oauth_scope mail" "queue_dir $T_DIR/queue" |
    mkconf "$T_DIR/o.conf"
env -u DISPLAY -u WAYLAND_DISPLAY "$OUTBOX" -C "$T_DIR/o.conf" --login \
    -A o </dev/null >"$T_DIR/login.out" 2>&1 &
login=$!
lib_wait_file "$T_DIR/login.out" 10
sleep 0.2
helper=$(cat "/proc/$login/task/$login/children" 2>/dev/null)
check "--login: outbox-oauth waits for the redirect" test -n "$helper"
check "--login: it prints where to sign in" \
    grep -q 'https://localhost/auth?' "$T_DIR/login.out"
kill -TERM "$login"
wait "$login" 2>/dev/null
gone=no
for _ in $(seq 50); do
	if test -n "$helper" && ! kill -0 "$helper" 2>/dev/null; then
		gone=yes
		break
	fi
	sleep 0.1
done
check "--login stopped: outbox-oauth stops too" test "$gone" = yes
test "$gone" = yes || kill "$helper" 2>/dev/null

finish
