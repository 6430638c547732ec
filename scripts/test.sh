#!/bin/sh
# scripts/test.sh -- the README's second quick-start command: install what
# is missing, build (in the source tree, --enable-werror), run the whole
# test suite (make check, then the slow suites: make check-slow), then
# make distcheck.  Prints the logs of the tests that failed.
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

say() { printf '\n==> %s\n' "$*"; }

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

say "make check"
if ! make -j"$jobs" check; then
	show_failures "$top"
	say "make check FAILED"
	exit 1
fi
if test "$(spool_state)" != "$spool_before"; then
	say "make check changed /var/spool/outbox, the machine's own queue:"
	spool_state
	exit 1
fi

say "make check-slow"
if ! make check-slow; then
	say "make check-slow FAILED"
	exit 1
fi

if test "$distcheck" = yes; then
	say "make distcheck"
	if ! make -j"$jobs" distcheck \
	    DISTCHECK_CONFIGURE_FLAGS="--enable-werror $*" >distcheck.log 2>&1; then
		tail -n 60 distcheck.log
		for dir in outbox-*/_build/sub; do
			if test -d "$dir"; then show_failures "$dir"; fi
		done
		say "make distcheck FAILED (full output: $top/distcheck.log)"
		exit 1
	fi
	tail -n 4 distcheck.log
	rm -f distcheck.log
	# The tarball carries what .ci/run and the docs use.
	for f in .ci/run fuzz/run.sh doc/HACKING scripts/deps.sh; do
		if ! tar tzf outbox-*.tar.gz | grep -q "^outbox-[^/]*/$f\$"; then
			say "make dist does not ship $f"
			exit 1
		fi
	done
fi
say "all tests passed"
