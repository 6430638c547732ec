# lib.sh -- generic helpers for outbox's shell test suites.  Source it:
#
#	. "$srcdir/tests/lib/lib.sh"
#
# It sets, unless already set by the caller:
#	srcdir	the source tree (default: the parent of the sourcing
#		script's directory, i.e. the tree the script lives in)
#	OUTBOX	the binary under test (default: ./outbox, made absolute)
#	PYTHON	/usr/bin/python3 (Debian's; never the python3 on PATH)
# and creates LIB_TMP, a private temporary directory (mode 0700) removed
# on exit, where every process started with lib_spawn is stopped by its
# own PID on exit (never by name).
#
# Results, git-style: lib_pass NAME, lib_fail NAME [DETAIL-LINE...],
# lib_summary (prints exactly "N passed, N failed"; status 1 if any
# failed).  Nothing here exits on its own except the signal traps.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${OUTBOX:=./outbox}"
case $OUTBOX in
/*) ;;
*) OUTBOX=$PWD/$OUTBOX ;;
esac
PYTHON=${PYTHON:-/usr/bin/python3}
export srcdir OUTBOX PYTHON
. "$srcdir/tests/lib/private-spool.sh"

LIB_PASS=0
LIB_FAIL=0
LIB_PIDS=""
LIB_KEEP=${LIB_KEEP:-}
LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/outbox-tests.XXXXXX") || exit 99
chmod 700 "$LIB_TMP"

# lib_stop PID [GRACE]: stop one process we started: SIGTERM, wait up to
# GRACE seconds (default 3), then SIGKILL.  Reaps it.  Returns its exit
# status if it ended by itself before the TERM, else 143/137.
lib_stop() {
	_pid=$1 _grace=${2:-3}
	kill -0 "$_pid" 2>/dev/null || {
		wait "$_pid" 2>/dev/null
		return $?
	}
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null; do
		_i=$((_i + 1))
		if test $_i -gt $((_grace * 20)); then
			kill -KILL "$_pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$_pid" 2>/dev/null
}

# lib_wait_exit PID SECONDS: wait up to SECONDS (integer or decimal) for
# a process we started to exit by itself; status 0 if it did (its exit
# status is then in LIB_STATUS), 1 if it is still running.
lib_wait_exit() {
	_pid=$1
	_ticks=$(awk -v s="$2" 'BEGIN { printf "%d", s * 20 }')
	_i=0
	while kill -0 "$_pid" 2>/dev/null; do
		_i=$((_i + 1))
		test $_i -gt "$_ticks" && return 1
		sleep 0.05
	done
	LIB_STATUS=0
	wait "$_pid" 2>/dev/null || LIB_STATUS=$?
	lib_forget "$_pid"
	return 0
}

# lib_spawn CMD...: run CMD in the background; its PID is in LIB_PID and
# it will be stopped on exit if still running.
lib_spawn() {
	"$@" &
	LIB_PID=$!
	LIB_PIDS="$LIB_PIDS $LIB_PID"
}

# lib_forget PID: the process has been stopped/reaped by the caller.
lib_forget() {
	_new=""
	for _p in $LIB_PIDS; do
		test "$_p" = "$1" || _new="$_new $_p"
	done
	LIB_PIDS=$_new
}

# lib_stop_all: stop every process started with lib_spawn (by PID).
lib_stop_all() {
	for _p in $LIB_PIDS; do
		lib_stop "$_p" 2
	done
	LIB_PIDS=""
}

lib_cleanup() {
	lib_stop_all
	if test -n "$LIB_KEEP"; then
		echo "# kept $LIB_TMP" >&2
	else
		rm -rf "$LIB_TMP"
	fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lib_wait_file FILE [SECONDS]: wait (default 10 s) until FILE exists and
# is not empty.
lib_wait_file() {
	_ticks=$((${2:-10} * 20))
	_i=0
	while ! test -s "$1"; do
		_i=$((_i + 1))
		test $_i -gt "$_ticks" && return 1
		sleep 0.05
	done
}

# lib_mkconf FILE: write stdin to FILE, mode 0600 (outbox refuses a
# group/other-readable file holding a password).
lib_mkconf() {
	(umask 077 && cat >"$1")
	chmod 600 "$1"
}

# lib_certs DIR: make the throw-away test certificates (tests/lib/
# gencerts.sh: ca.pem, server.pem for localhost/127.0.0.1, wrongname.pem,
# untrusted.pem, expired.pem, selfsigned.pem, each with NAME-key.pem)
# unless DIR already has them; a copy of the run's set when make check
# made one (OUTBOX_TEST_CERTS: see gencerts.sh).
lib_certs() {
	test -f "$1/.complete" && return 0
	sh "$srcdir/tests/lib/gencerts.sh" "$1"
}

# lib_free_port: a loopback port that refuses connections.  Below the
# kernel's ephemeral range, so that no server that binds port 0 (this
# suite's, or another's running at the same time) can be given it while a
# test counts on a refusal there.
lib_free_port() {
	"$PYTHON" -c 'import random, socket
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    lo = 32768
for _ in range(200):
    p = random.randint(max(1024, lo - 12000), lo - 1)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break'
}

# test_cmp EXPECTED ACTUAL: like git's: silent and 0 if equal, else
# prints a unified diff and returns 1.
test_cmp() {
	diff -u "$1" "$2"
}

# expect_exit CODE CMD...: run CMD; 0 if it exited with CODE, else says
# what it exited with and returns 1.
expect_exit() {
	_want=$1
	shift
	_got=0
	"$@" || _got=$?
	test "$_got" = "$_want" && return 0
	echo "exit $_got, expected $_want: $*"
	return 1
}

lib_pass() {
	LIB_PASS=$((LIB_PASS + 1))
	echo "ok $1"
}

lib_fail() {
	LIB_FAIL=$((LIB_FAIL + 1))
	echo "FAIL $1"
	shift
	for _l in "$@"; do
		printf '    %s\n' "$_l"
	done
}

lib_summary() {
	echo "$LIB_PASS passed, $LIB_FAIL failed"
	test "$LIB_FAIL" -eq 0
}
