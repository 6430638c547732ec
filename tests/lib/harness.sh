# harness.sh -- suite-level helpers on top of lib.sh (sourced).
#
# lib.sh owns the temp directory, process tracking and the result
# counters; this file adds what the end-to-end suites share: running
# outbox with captured output, exit-code and stderr expectations, and a
# real smarthost (tests/lib/smarthost.py).  Names kept short, as in git's
# test-lib: check, expect, run_outbox, finish.

. "${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/lib.sh"

PY=$PYTHON
T_DIR=$LIB_TMP
T_OUT=$T_DIR/stdout
T_ERR=$T_DIR/stderr

pass() { lib_pass "- $1"; }
fail() { n=$1; shift; lib_fail "- $n" "$@"; }
finish() { lib_summary; }
mkconf() { lib_mkconf "$1"; }
wait_file() { lib_wait_file "$1"; }
closed_port() { lib_free_port; }

# check NAME [!] CMD...: pass if CMD succeeds (fails, with "!").
check() {
	name=$1
	shift
	neg=0
	if test "$1" = "!"; then neg=1; shift; fi
	if "$@"; then ok=1; else ok=0; fi
	if test $ok != $neg; then pass "$name"
	else fail "$name" "failed: $( test $neg = 1 && echo '! ')$*"; fi
}

# check_cmp NAME EXPECTED-FILE ACTUAL-FILE
check_cmp() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "files differ:" "$(test_cmp "$2" "$3" | head -40 |
		    cat -A)"
	fi
}

# run_outbox STDIN-FILE ARGS...: stdout in $T_OUT, stderr in $T_ERR, exit
# code in $T_RC.
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
	elif test -n "$re" && ! grep -Eq -- "$re" "$T_ERR"; then
		fail "$name" "stderr does not match /$re/" \
		    "stderr: $(head -c 600 "$T_ERR")"
	else
		pass "$name"
	fi
}

# start_smarthost NAME ARGS...: start tests/lib/smarthost.py with its
# maildir in $T_DIR/NAME.mail; sets $SH_PORT.
start_smarthost() {
	sname=$1
	shift
	mkdir -p "$T_DIR/$sname.mail"
	lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" \
	    --maildir "$T_DIR/$sname.mail" --port-file "$T_DIR/$sname.port" \
	    --log "$T_DIR/$sname.log" "$@" 2>>"$T_DIR/$sname.err"
	lib_wait_file "$T_DIR/$sname.port" || {
		echo "smarthost $sname did not start" >&2
		cat "$T_DIR/$sname.err" >&2
		return 1
	}
	SH_PORT=$(cat "$T_DIR/$sname.port")
}
