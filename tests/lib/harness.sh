# harness.sh -- shared helpers for the shell test suites (sourced).
#
# git's test idioms: each check is a function call that records a pass or
# a failure with a reason; `finish` prints "N passed, N failed" and sets
# the exit status.  Every process a suite starts is recorded and stopped
# by its own PID on exit.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${OUTBOX:=$PWD/outbox}"
PY=/usr/bin/python3
T_PASS=0
T_FAIL=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/outbox-test.XXXXXX")
chmod 700 "$T_DIR"

t_cleanup() {
	for p in $T_PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

pass() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL - $1"
	shift
	for line in "$@"; do echo "    $line"; done
}

# check NAME CONDITION-COMMAND...: pass if the command succeeds.
# A first argument "!" inverts the condition.
check() {
	name=$1
	shift
	neg=0
	if test "$1" = "!"; then neg=1; shift; fi
	if "$@"; then ok=1; else ok=0; fi
	if test $ok != $neg; then pass "$name"
	else fail "$name" "failed: $( test $neg = 1 && echo '! ')$*"; fi
}

# run_outbox STDIN-FILE ARGS...: runs $OUTBOX with stdin from the file,
# stdout in $T_OUT, stderr in $T_ERR, exit code in $T_RC.
T_OUT=$T_DIR/stdout
T_ERR=$T_DIR/stderr
run_outbox() {
	in=$1
	shift
	T_RC=0
	timeout 60 "$OUTBOX" "$@" <"$in" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}

# run_outbox_nodns: run_outbox in a private mount namespace whose
# nsswitch.conf resolves host names from /etc/hosts only, so a test of a
# name that does not exist sends no DNS query anywhere.  Needs root and
# unshare(1); returns 77 (skip) otherwise.
run_outbox_nodns() {
	test "$(id -u)" = 0 && command -v unshare >/dev/null 2>&1 || return 77
	printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"
	in=$1
	shift
	T_RC=0
	timeout 60 unshare -m sh -c 'mount --bind "$0" /etc/nsswitch.conf &&
	    exec "$@"' "$T_DIR/nsswitch.conf" "$OUTBOX" "$@" <"$in" \
	    >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}

# expect NAME CODE [ERE]: the last run exited CODE and (if given) stderr
# matches the extended regular expression.
expect() {
	name=$1 code=$2 re=${3-}
	if test "$T_RC" != "$code"; then
		fail "$name" "exit $T_RC, expected $code" \
		    "stderr: $(head -c 600 "$T_ERR")"
		return
	fi
	if test -n "$re" && ! grep -Eq -- "$re" "$T_ERR"; then
		fail "$name" "stderr does not match /$re/" \
		    "stderr: $(head -c 600 "$T_ERR")"
		return
	fi
	pass "$name"
}

# test_cmp NAME EXPECTED-FILE ACTUAL-FILE
test_cmp() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "files differ:" "$(diff -u "$2" "$3" | head -40 |
		    cat -A | head -40)"
	fi
}

# mkconf FILE: write stdin to FILE with mode 0600
mkconf() {
	umask 077
	cat >"$1"
	chmod 600 "$1"
}

# wait_file FILE: wait (up to 10 s) for a file to appear
wait_file() {
	i=0
	while ! test -s "$1"; do
		i=$((i + 1))
		test $i -gt 200 && return 1
		sleep 0.05
	done
}

# start_smarthost NAME ARGS...: start tests/lib/smarthost.py with its
# maildir in $T_DIR/NAME.mail; sets $SH_PORT (and $SH_TLS_PORT when
# --tls-port-file is wanted: pass "tls" as the first ARG).
start_smarthost() {
	sname=$1
	shift
	mkdir -p "$T_DIR/$sname.mail"
	set -- --maildir "$T_DIR/$sname.mail" \
	    --port-file "$T_DIR/$sname.port" "$@"
	"$PY" "$srcdir/tests/lib/smarthost.py" "$@" \
	    --log "$T_DIR/$sname.log" 2>>"$T_DIR/$sname.err" &
	T_PIDS="$T_PIDS $!"
	wait_file "$T_DIR/$sname.port" || {
		echo "smarthost $sname did not start" >&2
		cat "$T_DIR/$sname.err" >&2
		return 1
	}
	SH_PORT=$(cat "$T_DIR/$sname.port")
}

# A port on loopback that refuses connections (bound, never listening).
closed_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	test "$T_FAIL" -eq 0
}
