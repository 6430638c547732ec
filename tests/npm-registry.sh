#!/bin/bash
# tests/npm-registry.sh -- how the npm-based suites (tests/oauth.sh,
# tests/nodemailer.sh) fetch their servers when the npm registry is not
# there: tests/lib/npm.sh, tests/lib/oidc/install.sh and
# scripts/test-servers.sh (through nodemailer.sh), against a registry on loopback that refuses
# connections, one whose certificate nobody trusts, and one that is
# trusted but has nothing (404).
#
#   unreachable or unverified: exit 2 with a one-line reason naming the
#     cause; nodemailer.sh skips (77) with that reason, CI set or not;
#   reachable, but npm fails anyway (404 here): exit 1, and nodemailer.sh
#     with CI set fails;
#   no ca/cafile configured for npm: npm gets the system's CA bundle.
#
# npm runs with a private cache and npmrc files, no retries.  Part of
# make check-slow (about 10 s of npm starting up).  Needs node,
# npm and certtool ("skip: REASON", exit 77; a failure when CI is set).
# The last line is "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

need "Debian: nodejs npm gnutls-bin" node npm certtool

make_certs "$T_DIR/certs"
export HOME=$T_DIR/home
mkdir -p "$HOME"
: >"$T_DIR/npmrc.user"
: >"$T_DIR/npmrc.global"
export npm_config_userconfig=$T_DIR/npmrc.user
export npm_config_globalconfig=$T_DIR/npmrc.global
export npm_config_cache=$T_DIR/npm-cache npm_config_fetch_retries=0
export npm_config_update_notifier=false
unset npm_config_cafile npm_config_ca NODE_EXTRA_CA_CERTS NODE_OPTIONS
# A bundle that does not trust the test registry.
export NPM_SYSTEM_CA=$T_DIR/certs/selfsigned.pem
cache_n=0

# fetch NAME: install.sh into a fresh cache; its exit code in I_RC,
# stderr in $T_DIR/NAME.i.err
fetch() {
	cache_n=$((cache_n + 1))
	I_RC=0
	"$srcdir/tests/lib/oidc/install.sh" "$T_DIR/c$cache_n/oidc" \
	    2>"$T_DIR/$1.i.err" || I_RC=$?
}
# nodemailer NAME: tests/nodemailer.sh (which runs scripts/test-servers.sh)
# with CI set and a fresh cache; its exit code in M_RC, output in
# $T_DIR/NAME.m.out
nodemailer() {
	cache_n=$((cache_n + 1))
	M_RC=0
	CI=true OUTBOX_TEST_CACHE=$T_DIR/c$cache_n LIB_KEEP='' \
	    bash "$srcdir/tests/nodemailer.sh" >"$T_DIR/$1.m.out" 2>&1 ||
	    M_RC=$?
}

# --- nobody listens --------------------------------------------------------
export npm_config_registry=http://127.0.0.1:$(closed_port)/
fetch refused
check "refused: install.sh exits 2" test "$I_RC" = 2
check "refused: install.sh names the cause in one line" sh -c \
    "grep -q 'cannot reach the npm registry: ECONNREFUSED' '$T_DIR/refused.i.err' &&
    test \$(wc -l <'$T_DIR/refused.i.err') = 1"
nodemailer refused
check "refused: nodemailer.sh skips with CI set" test "$M_RC" = 77
check "refused: nodemailer.sh's skip line names the cause" \
    grep -q '^skip: smtp-server: cannot reach the npm registry: ECONNREFUSED' \
    "$T_DIR/refused.m.out"
check "refused: nodemailer.sh ends with 0 passed, 0 failed" \
    test "$(tail -n 1 "$T_DIR/refused.m.out")" = "0 passed, 0 failed"

# --- a registry over HTTPS: 404 for everything -----------------------------
lib_spawn node -e '
const https = require("https"), fs = require("fs");
const [cert, key, portFile] = process.argv.slice(1);
const s = https.createServer({ cert: fs.readFileSync(cert),
  key: fs.readFileSync(key) }, (req, res) => {
  res.writeHead(404, { "content-type": "application/json" });
  res.end("{\"error\":\"Not found\"}");
});
s.listen(0, "127.0.0.1", () =>
  fs.writeFileSync(portFile, s.address().port + "\n"));
process.on("SIGTERM", () => process.exit(0));
' "$T_DIR/certs/server.pem" "$T_DIR/certs/server-key.pem" \
    "$T_DIR/registry.port" 2>"$T_DIR/registry.err"
REG_PID=$LIB_PID
lib_wait_file "$T_DIR/registry.port" 20 || {
	fail "the test registry started" "$(cat "$T_DIR/registry.err")"
	finish
	exit 1
}
export npm_config_registry=https://127.0.0.1:$(cat "$T_DIR/registry.port")/

# Its CA is nowhere: not verified.
fetch untrusted
check "untrusted: install.sh exits 2" test "$I_RC" = 2
check "untrusted: install.sh says the certificate is not verified" \
    grep -q "cannot verify the npm registry's TLS certificate" \
    "$T_DIR/untrusted.i.err"
nodemailer untrusted
check "untrusted: nodemailer.sh skips with CI set" test "$M_RC" = 77

# Its CA in the system's bundle, npm configured with none: npm is given
# the bundle, reaches the registry, and fails on the 404 -- not a skip.
NPM_SYSTEM_CA=$T_DIR/certs/ca.pem
fetch system-ca
check "system CA: install.sh exits 1 (a 404 is not a skip)" test "$I_RC" = 1
check "system CA: npm reached the registry (E404)" \
    grep -q 'E404' "$T_DIR/c$cache_n/oidc/npm.log"
nodemailer system-ca
check "system CA: nodemailer.sh fails with CI set" test "$M_RC" = 1
check "system CA: nodemailer.sh says why" \
    grep -q '^FAIL - prerequisite: cannot fetch smtp-server: npm install' \
    "$T_DIR/system-ca.m.out"

# npm configured with its own cafile (the selfsigned one): kept, not
# replaced by the system's bundle, so not verified.
printf 'cafile=%s\n' "$T_DIR/certs/selfsigned.pem" >"$T_DIR/npmrc.user"
fetch own-cafile
check "npm's own cafile is kept: install.sh exits 2" test "$I_RC" = 2
: >"$T_DIR/npmrc.user"

lib_stop "$REG_PID"
lib_forget "$REG_PID"
finish
