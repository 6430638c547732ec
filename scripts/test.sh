#!/bin/sh
# scripts/test.sh -- the README's second quick-start command: install what
# is missing (scripts/deps.sh test), build (in the source tree,
# --enable-werror), run the whole test suite (make check, then the slow
# suites: make check-slow), then make distcheck (a build and a quick
# subset of the suites from the tarball).  Prints each step with its
# time, a line per suite as it ends, and the logs of the tests that
# failed.
#
#   scripts/test.sh [--no-distcheck] [CONFIGURE-ARG...]
#
# OUTBOX_NO_DISTCHECK=1 is the same as --no-distcheck.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
distcheck=${OUTBOX_NO_DISTCHECK:+no}
distcheck=${distcheck:-yes}
if test "${1:-}" = --no-distcheck; then
	distcheck=no
	shift
fi
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

T0=$(date +%s)
STEP_T0=$T0
STEP=
TIMES=
# say TEXT: a new step (the time of the one before is printed).
say() {
	step_end
	STEP=$*
	STEP_T0=$(date +%s)
	printf '\n==> %s\n' "$*"
}
step_end() {
	if test -n "$STEP"; then
		_s=$(( $(date +%s) - STEP_T0 ))
		printf '==> %s: %d s\n' "${STEP%% (*}" "$_s"
		TIMES="$TIMES${STEP%% (*}: $_s s
"
	fi
	STEP=
}
fail() {
	step_end
	printf '\n==> %s\n' "$*"
	exit 1
}

# show_failures DIR -- print the log of every test that did not pass
show_failures() {
	found=no
	for trs in $(find "$1" -name '*.trs' 2>/dev/null | sort); do
		if grep -qE '^:test-result: (FAIL|XPASS|ERROR)' "$trs"; then
			found=yes
			log=${trs%.trs}.log
			echo
			echo "======== $log ========"
			cat "$log"
		fi
	done
	if test $found = no && test -f "$1/test-suite.log"; then
		cat "$1/test-suite.log"
	fi
}

say "installing what is missing (scripts/deps.sh)"
scripts/deps.sh test

say "building (scripts/build.sh $*)"
scripts/build.sh "$@"

# The machine's own queue is never touched by the tests (each suite runs
# in a private mount namespace over /var/spool when root): checked here.
spool_state() { ls -AlR /var/spool/outbox 2>&1 || true; }
spool_before=$(spool_state)

say "make check (a line per suite as it ends)"
if ! make -j"$jobs" check; then
	show_failures "$top"
	fail "make check FAILED"
fi
if test "$(spool_state)" != "$spool_before"; then
	spool_state
	fail "make check changed /var/spool/outbox, the machine's own queue"
fi

say "make check-slow (the slow suites, at the same time)"
if ! make check-slow; then
	fail "make check-slow FAILED"
fi

if test "$distcheck" = yes; then
	say "make distcheck (the tarball: build, a quick subset of the suites, install; output in distcheck.log)"
	# Its output goes to distcheck.log; the terminal gets what it is
	# doing and each suite's result.
	{
		make -j"$jobs" distcheck \
		    DISTCHECK_CONFIGURE_FLAGS="--enable-werror $*" 2>&1 ||
		    echo "distcheck-exit $?"
	} | tee distcheck.log | awk '
	    /^distcheck-exit / { next }
	    /^tardir=outbox-/ && !t++ { print "    making the tarball"; fflush() }
	    /^checking for a BSD-compatible install/ && !c++ {
		print "    configure (in outbox-*/_build/sub)"; fflush() }
	    /^  CC / && !b++ { print "    build"; fflush() }
	    /^(PASS|FAIL|ERROR|XPASS|SKIP): / { print "    " $0; fflush() }
	    /archives ready for distribution/ { print "    " $0; fflush() }'
	if grep -q '^distcheck-exit ' distcheck.log; then
		tail -n 60 distcheck.log
		for dir in outbox-*/_build/sub; do
			if test -d "$dir"; then show_failures "$dir"; fi
		done
		fail "make distcheck FAILED (full output: $top/distcheck.log)"
	fi
	rm -f distcheck.log
	# The tarball carries what .ci/run and the docs use.
	for f in .ci/run fuzz/run.sh doc/HACKING scripts/deps.sh; do
		if ! tar tzf outbox-*.tar.gz | grep -q "^outbox-[^/]*/$f\$"; then
			fail "make dist does not ship $f"
		fi
	done
fi
step_end
printf '\n%s' "$TIMES"
printf '==> all tests passed in %d s\n' "$(( $(date +%s) - T0 ))"
