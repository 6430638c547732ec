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

# chk NAME CMD...: pass if CMD succeeds; else fail with CMD's output
# (stdout and stderr, first 40 lines), for checkers that explain.
chk() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_name"
	else
		fail "$_name" "$(printf '%s\n' "$_out" | head -40)"
	fi
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

# Non-root runs queue under XDG_STATE_HOME: keep that in the test's dir.
export XDG_STATE_HOME="$T_DIR/state"

# t_ns SETUP CMD...: run CMD (at most 60 s) in a private mount namespace
# after the shell commands SETUP ($T_DIR is set there).  As root the queue's default,
# /var/spool/outbox, is then a fresh directory of this test run, so suites
# never see each other's queued mail.  Without root or unshare(1), CMD
# runs as it is.
T_NS=no
if test -n "$T_UNSHARE"; then
	T_NS=yes
fi
mkdir -p "$T_DIR/spool"
t_ns() {
	setup=$1
	shift
	if test $T_NS = yes; then
		T_DIR=$T_DIR timeout 60 $T_UNSHARE sh -c "mount --bind \
		    \"\$T_DIR/spool\" /var/spool && $setup"' && exec "$@"' \
		    sh "$@"
	else
		timeout 60 "$@"
	fi
}

# run_outbox STDIN-FILE ARGS...: stdout in $T_OUT, stderr in $T_ERR, exit
# code in $T_RC.
run_outbox() {
	in=$1
	shift
	T_RC=0
	t_ns true "$OUTBOX" "$@" <"$in" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}

# run_outbox_nodns: run_outbox with an nsswitch.conf that resolves host
# names from /etc/hosts only, so a test of a name that does not exist
# sends no DNS query anywhere.  Needs root and unshare(1); returns 77
# (skip) otherwise.
run_outbox_nodns() {
	test $T_NS = yes || return 77
	printf 'hosts: files\n' >"$T_DIR/nsswitch.conf"
	in=$1
	shift
	T_RC=0
	t_ns 'mount --bind "$T_DIR/nsswitch.conf" /etc/nsswitch.conf' \
	    "$OUTBOX" "$@" <"$in" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
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

# free_ports: two loopback ports nobody listens on right now
free_ports() {
	"$PY" -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
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

# one_line NAME ERE: stderr of the last run is exactly one line matching.
one_line() {
	if test "$(wc -l <"$T_ERR")" = 1 && grep -Eq -- "$2" "$T_ERR"; then
		pass "$1"
	else
		fail "$1" "exit $T_RC; stderr (expected one line /$2/):" \
		    "$(head -c 600 "$T_ERR")"
	fi
}

# start_script NAME [SMTPD-ARG...]: start tests/smtpd.py with the script
# on stdin (its files are $T_DIR/NAME.*) and the extra arguments (e.g.
# --certdir DIR); sets SC_PORT and SC_PID.
start_script() {
	_sn=$1
	shift
	cat >"$T_DIR/$_sn.script"
	rm -f "$T_DIR/$_sn.port"
	lib_spawn "$PY" "$srcdir/tests/smtpd.py" --script "$T_DIR/$_sn.script" \
	    --port-file "$T_DIR/$_sn.port" --log "$T_DIR/$_sn.log" \
	    --transcript "$T_DIR/$_sn.transcript" --timeout 8 "$@" \
	    2>"$T_DIR/$_sn.err"
	SC_PID=$LIB_PID
	lib_wait_file "$T_DIR/$_sn.port" || { echo "smtpd.py did not start" >&2
		cat "$T_DIR/$_sn.err" >&2; exit 99; }
	SC_PORT=$(cat "$T_DIR/$_sn.port")
}

# wrong_pin FP -- FP (a fingerprint in hex) with its first digit changed:
# a pin that cannot match (putting "00" in front matches 1 in 256).
wrong_pin() {
	case $1 in
	0*) printf '1%s\n' "${1#?}" ;;
	*) printf '0%s\n' "${1#?}" ;;
	esac
}

# make_certs DIR: the tests' CA and certificates in DIR (lib_certs); a
# suite that cannot make them stops with exit 99 and the reason.
make_certs() {
	lib_certs "$1" >"$T_DIR/certs.log" 2>&1 || {
		echo "cannot make the test certificates"
		cat "$T_DIR/certs.log"
		exit 99
	}
}

# script_ok NAME SCRIPT: the scripted server started by start_script
# SCRIPT saw exactly its dialogue and ended.
script_ok() {
	if lib_wait_exit "$SC_PID" 5 && test "$LIB_STATUS" = 0; then
		pass "$1"
	else
		fail "$1" "smtpd.py: $(cat "$T_DIR/$2.err")" \
		    "$(head -20 "$T_DIR/$2.transcript" 2>/dev/null)"
		lib_stop "$SC_PID" 2
		lib_forget "$SC_PID"
	fi
}

# --- suite preambles: prerequisites, a private home, giving up ---------------

# skip REASON: this suite cannot run here: "skip: REASON", exit 77
# (automake's SKIP) -- unless CI is set (.ci/run sets it, after
# scripts/deps.sh): there a missing prerequisite is a failure, so that CI
# cannot pass by skipping.  SKIP_CI_HINT, when set, is printed under it.
skip() {
	if test -n "${CI:-}"; then
		echo "FAIL - prerequisite: $*"
		test -z "${SKIP_CI_HINT-}" || echo "    ($SKIP_CI_HINT)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	skip_always "$@"
}

# skip_always REASON: a skip with CI set too (an npm registry that cannot
# be reached or verified: a CI machine may have no way to npm).
skip_always() {
	echo "skip: $*"
	echo "0 passed, 0 failed"
	exit 77
}

# need_outbox: the binary under test exists; else a failure (never a skip).
need_outbox() {
	test -x "$OUTBOX" && return 0
	echo "no binary at $OUTBOX"
	echo "0 passed, 1 failed"
	exit 1
}

# need_root WHY: skip unless root ("not root (WHY)").
need_root() {
	test "$(id -u)" = 0 || skip "not root ($1)"
}

# need PACKAGES PROG...: skip unless every PROG is on PATH
# ("PROG not found (PACKAGES)").
need() {
	_pkgs=$1
	shift
	for _prog in "$@"; do
		command -v "$_prog" >/dev/null 2>&1 ||
		    skip "$_prog not found ($_pkgs)"
	done
}

# need_aiosmtpd: skip unless $PYTHON exists and can import aiosmtpd.
need_aiosmtpd() {
	test -x "$PYTHON" || skip "$PYTHON not found (Debian: python3)"
	"$PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	    skip "$PYTHON cannot import aiosmtpd (Debian: python3-aiosmtpd)"
}

# private_home: HOME and XDG_CONFIG_HOME in $T_DIR/home, no
# OUTBOX_PASSWORD: the real user's files stay out of the way.
private_home() {
	export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
	unset OUTBOX_PASSWORD
	mkdir -p "$HOME"
}

# bail NAME [FILE...]: a failure that ends the suite: NAME failed, the
# last BAIL_LINES (30) lines of each FILE that exists, the summary, exit 1.
bail() {
	fail "$1"
	shift
	for _f in "$@"; do
		test -f "$_f" || continue
		echo "    --- $_f"
		tail -n "${BAIL_LINES:-30}" "$_f" | sed 's/^/    /'
	done
	finish
	exit 1
}

# etc_overlay ON-ERROR [ON-PUT-BACK-ERROR]: an overlay over /etc (in the
# suite's private mount namespace: the machine's /etc is never changed),
# its upper and work directories in $T_DIR; mounts below /etc (a
# container's /etc/hosts, say) are put back on top.  A failure calls
# ON-ERROR "cannot ..." -- ON-PUT-BACK-ERROR for a mount that cannot be
# put back, once the overlay is there -- which should not return.
etc_overlay() {
	_onerr=$1 _onerr2=${2:-$1}
	mkdir "$T_DIR/etc.upper" "$T_DIR/etc.work" "$T_DIR/etc.keep"
	# The upper dir's mode is the merged /etc's.
	chmod --reference=/etc "$T_DIR/etc.upper"
	_subs=$(findmnt -rn -o TARGET | grep '^/etc/')
	_i=0
	for _m in $_subs; do
		_i=$((_i + 1))
		if test -d "$_m"; then mkdir "$T_DIR/etc.keep/$_i"
		else : >"$T_DIR/etc.keep/$_i"; fi
		mount --bind "$_m" "$T_DIR/etc.keep/$_i" ||
		    "$_onerr" "cannot bind $_m"
	done
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T_DIR/etc.upper,workdir=$T_DIR/etc.work" /etc ||
	    "$_onerr" "cannot mount an overlay over /etc"
	_i=0
	for _m in $_subs; do
		_i=$((_i + 1))
		mount --bind "$T_DIR/etc.keep/$_i" "$_m" ||
		    "$_onerr2" "cannot put $_m back"
	done
}
